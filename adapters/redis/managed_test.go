package redis

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog"
)

func TestMain(m *testing.M) {
	code := m.Run()
	redistest.StopSharedCluster()
	os.Exit(code)
}

func open(t *testing.T, o Options) *State {
	t.Helper()
	st, err := Open(o, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// writeKeys writes and reads n keys spread over every slot: a single-node
// client of a Cluster fails this with MOVED.
func writeKeys(t *testing.T, c goredis.UniversalClient, pfx string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		k := fmt.Sprintf("%skey-%d", pfx, i)
		if err := c.Set(ctx, k, i, time.Minute).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
		if v, err := c.Get(ctx, k).Int(); err != nil || v != i {
			t.Fatalf("GET %s = %d, %v", k, v, err)
		}
	}
}

// One address of a Cluster (a managed service's configuration endpoint),
// as addrs or as a URL, gives a Cluster client; one address of a plain
// Redis a single-node client; and an explicit choice is taken as given.
func TestOneEndpointChoosesTheMode(t *testing.T) {
	cl := redistest.SharedCluster(t)
	single := redistest.Start(t, redistest.Config{})
	yes, no := true, false
	tests := []struct {
		name     string
		o        Options
		want     Mode
		why      string
		worksOn3 bool
	}{
		{"ClusterAddr", Options{Addrs: cl.Addrs[1:2]}, ModeCluster, "answered CLUSTER INFO", true},
		{"ClusterURL", Options{URL: "redis://" + cl.Addrs[2]}, ModeCluster, "answered CLUSTER INFO", true},
		{"ClusterSaid", Options{Addrs: cl.Addrs[:1], Cluster: &yes}, ModeCluster, "cluster: true", true},
		{"SeveralAddrs", Options{Addrs: cl.Addrs}, ModeCluster, "several addrs", true},
		{"SingleAddr", Options{Addrs: []string{single.Addr}}, ModeSingle, "CLUSTER INFO was refused", true},
		{"SingleURL", Options{URL: single.URL}, ModeSingle, "CLUSTER INFO was refused", true},
		{"SingleSaid", Options{Addrs: cl.Addrs[:1], Cluster: &no}, ModeSingle, "cluster: false", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t, tt.o)
			if st.Chosen.Mode != tt.want || !strings.Contains(st.Chosen.Why, tt.why) {
				t.Fatalf("chosen %+v, want %s (%s)", st.Chosen, tt.want, tt.why)
			}
			if tt.worksOn3 {
				writeKeys(t, st.Client, prefix(), 30)
				if err := st.Healthy(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// When the one address does not answer at start, the client decides at its
// first connection: it serves a plain Redis and a Cluster alike.
func TestUndecidedClientServesSingleNodeAndCluster(t *testing.T) {
	cl := redistest.SharedCluster(t)
	single := redistest.Start(t, redistest.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	_ = l.Close()
	st := open(t, Options{Addrs: []string{down}, DialTimeout: 200 * time.Millisecond})
	if st.Chosen.Mode != ModeCluster || !strings.Contains(st.Chosen.Why, "undecided") || !strings.Contains(st.Chosen.Why, "connection refused") {
		t.Fatalf("chosen %+v, want an undecided client", st.Chosen)
	}
	if err := st.Healthy(context.Background()); err == nil {
		t.Fatal("Healthy with nothing listening")
	}
	for _, addr := range []string{single.Addr, cl.Addrs[0]} {
		u, err := universalOptions(Options{Addrs: []string{addr}})
		if err != nil {
			t.Fatal(err)
		}
		c := selfDeciding(u)
		writeKeys(t, c, prefix(), 30)
		if err := Healthy(context.Background(), c); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		// Pub/sub and its receiver count work on both.
		pfx := prefix()
		ch := Channel{C: c, Name: pfx + "ch"}
		sub, err := ch.Subscribe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n, err := ch.Publish(context.Background(), "hello"); err != nil || n != 1 {
			t.Fatalf("%s: publish reached %d, %v", addr, n, err)
		}
		if m := <-sub.Messages(); m != "hello" {
			t.Fatalf("got %q", m)
		}
		sub.Close()
		_ = c.Close()
	}
}

// On a Cluster, a channel's receiver count is every subscriber, whichever
// node each client first reached: the leader subscribes through one node,
// and publishers seeded with each of the others always count it.
func TestChannelCountsTheListenerOnCluster(t *testing.T) {
	cl := redistest.SharedCluster(t)
	pfx := prefix()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	leader := open(t, Options{Addrs: cl.Addrs[:1]})
	sub, err := leader.Channel(pfx + "ops").Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i, a := range cl.Addrs {
		st := open(t, Options{Addrs: []string{a}, KeyPrefix: leader.Catalog.Prefix})
		for j := range 10 {
			msg := fmt.Sprintf("op %d.%d", i, j)
			n, err := st.Channel(pfx+"ops").Publish(ctx, msg)
			if err != nil || n != 1 {
				t.Fatalf("publish %q through %s reached %d, %v; want the one listener", msg, a, n, err)
			}
			select {
			case got := <-sub.Messages():
				if got != msg {
					t.Fatalf("got %q, want %q", got, msg)
				}
			case <-ctx.Done():
				t.Fatalf("%q never arrived", msg)
			}
		}
	}
	sub.Close()
	if n, err := leader.Channel(pfx+"ops").Publish(ctx, "late"); err != nil || n != 0 {
		t.Fatalf("after Close publish reached %d, %v; want 0", n, err)
	}
}

// Followers on a Cluster load each snapshot the leader publishes.
func TestSnapshotBusOnCluster(t *testing.T) {
	cl := redistest.SharedCluster(t)
	pfx := prefix()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	leader := &SnapshotBus{C: open(t, Options{Addrs: cl.Addrs[:1]}).Client, Prefix: pfx}
	var seen []chan int64
	for _, a := range cl.Addrs[1:] {
		ch := make(chan int64, 8)
		seen = append(seen, ch)
		bus := &SnapshotBus{C: open(t, Options{Addrs: []string{a}}).Client, Prefix: pfx}
		go func() { _ = bus.Follow(ctx, func(v int64, _ *catalog.Snapshot) { ch <- v }) }()
	}
	time.Sleep(300 * time.Millisecond) // let the subscriptions start
	var last int64
	for range 3 {
		v, err := leader.Publish(ctx, catalog.NewSnapshot(nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		last = v
	}
	for i, ch := range seen {
		for got := int64(0); got != last; {
			select {
			case got = <-ch:
			case <-ctx.Done():
				t.Fatalf("follower %d never loaded version %d", i, last)
			}
		}
	}
}

// /readyz's probe reaches every master of a Cluster: with the one holding
// the scaffold queue down, Redis is unhealthy even though the others answer.
func TestHealthyChecksEveryClusterMaster(t *testing.T) {
	cl := redistest.StartCluster(t)
	st := open(t, Options{Addrs: cl.Addrs[:1]})
	ctx := context.Background()
	if err := st.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	down := cl.MasterOf(t, st.Queue.stream())
	if down == 0 {
		down = 1 // keep the seed up: the point is a master other than the one asked
	}
	// A subscription on the master going down ends, so its owner
	// subscribes again (and catches up) rather than wait on a dead node.
	var name string
	for i := 0; name == ""; i++ {
		if n := fmt.Sprint("ops-", i); cl.MasterOf(t, st.prefix+n) == down {
			name = n
		}
	}
	sub, err := st.Channel(name).Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	cl.StopNode(down)
	select {
	case _, ok := <-sub.Messages():
		if ok || sub.Err() == nil {
			t.Fatalf("subscription on the stopped master: message %v, err %v", ok, sub.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscription on the stopped master did not end")
	}
	err = st.Healthy(ctx)
	if err == nil {
		t.Fatalf("Healthy with master %s down", cl.Addrs[down])
	}
	if !strings.Contains(err.Error(), cl.Addrs[down]) {
		t.Errorf("error %q does not name the master down", err)
	}
	if err := st.Client.Ping(ctx).Err(); err != nil {
		t.Fatalf("the seed should still answer a plain PING: %v", err)
	}
	cl.RestartNode(t, down)
	if err := st.Healthy(ctx); err != nil {
		t.Fatalf("after the master came back: %v", err)
	}
}

// Through Sentinel: the master is found, the channel counts its listener,
// and after a failover the replicas' state goes on on the promoted replica.
func TestSentinelSetUp(t *testing.T) {
	sn := redistest.StartSentinel(t)
	st := open(t, Options{Addrs: []string{sn.Addr}, MasterName: sn.MasterName})
	if st.Chosen.Mode != ModeSentinel {
		t.Fatalf("chosen %+v", st.Chosen)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	pfx := prefix()
	writeKeys(t, st.Client, pfx, 10)
	sub, err := st.Channel(pfx + "ops").Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if n, err := st.Channel(pfx+"ops").Publish(ctx, "x"); err != nil || n != 1 {
		t.Fatalf("publish reached %d, %v", n, err)
	}
	// Wait until the replica has the keys, then fail the master over.
	rc := goredis.NewClient(&goredis.Options{Addr: sn.Replica})
	defer rc.Close()
	for rc.Exists(ctx, pfx+"key-9").Val() != 1 {
		if ctx.Err() != nil {
			t.Fatal("the replica never got the keys")
		}
		time.Sleep(20 * time.Millisecond)
	}
	sn.StopMaster()
	for sn.CurrentMaster(t) != sn.Replica {
		if ctx.Err() != nil {
			t.Fatal("no failover")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for st.Healthy(ctx) != nil {
		if ctx.Err() != nil {
			t.Fatal("the client never reached the promoted master")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v, err := st.Client.Get(ctx, pfx+"key-9").Int(); err != nil || v != 9 {
		t.Fatalf("after failover key-9 = %d, %v", v, err)
	}
	writeKeys(t, st.Client, prefix(), 5)
}

// A hardened Sentinel set-up: the Sentinel has a password of its own
// (requirepass in sentinel.conf) apart from the data nodes'. With both the
// client finds the master and works; without the Sentinel's it fails with
// an error that does not carry either password.
func TestSentinelWithPasswords(t *testing.T) {
	sn := redistest.StartSentinelWith(t, redistest.SentinelConfig{Password: "data-s3cret", SentinelPassword: "sentinel-s3cret"})
	pwFile := filepath.Join(t.TempDir(), "sentinel-password")
	if err := os.WriteFile(pwFile, []byte("sentinel-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	st := open(t, Options{Addrs: []string{sn.Addr}, MasterName: sn.MasterName, Password: "data-s3cret", SentinelPasswordFile: pwFile})
	if err := st.Healthy(ctx); err != nil {
		t.Fatalf("with both passwords: %v", err)
	}
	writeKeys(t, st.Client, prefix(), 5)

	bad := open(t, Options{Addrs: []string{sn.Addr}, MasterName: sn.MasterName, Password: "data-s3cret"})
	err := bad.Healthy(ctx)
	if err == nil {
		t.Fatal("without the Sentinel's password the client reached Redis")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error carries a password: %v", err)
	}
	if _, err := Open(Options{Addrs: []string{sn.Master}, SentinelPassword: "x"}, 10, 10); err == nil || !strings.Contains(err.Error(), "master_name is not") {
		t.Errorf("sentinel credentials without master_name: %v", err)
	}
}

// TLS with a private authority and a client certificate, and an ACL user
// whose password comes from a file: the user's rights are the ones applied.
func TestTLSAndACLUser(t *testing.T) {
	ts := redistest.StartTLS(t, redistest.TLSConfig{ClientCerts: true})
	ctx := context.Background()
	admin := goredis.NewClient(&goredis.Options{Addr: ts.Addr, TLSConfig: ts.ClientTLS(t)})
	defer admin.Close()
	pfx := prefix()
	if err := admin.Do(ctx, "ACL", "SETUSER", "callboard", "on", ">s3cret-pass", "~"+pfx+"*", "&*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "redis-password")
	if err := os.WriteFile(pwFile, []byte("s3cret-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := TLSOptions{CAFile: ts.CAFile, CertFile: ts.CertFile, KeyFile: ts.KeyFile}
	st := open(t, Options{Addrs: []string{ts.Addr}, Username: "callboard", PasswordFile: pwFile, TLS: &good, KeyPrefix: pfx})
	if st.Chosen.Mode != ModeSingle {
		t.Fatalf("chosen %+v", st.Chosen)
	}
	if err := st.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	if who, err := st.Client.Do(ctx, "ACL", "WHOAMI").Text(); err != nil || who != "callboard" {
		t.Fatalf("ACL WHOAMI = %q, %v", who, err)
	}
	if first, err := st.Dedupe.FirstSeen(ctx, "d-1", time.Minute); err != nil || !first {
		t.Fatalf("dedupe of a first delivery: %v, %v", first, err)
	}
	if err := st.Client.Set(ctx, "elsewhere", 1, 0).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("a key outside the user's pattern: %v, want NOPERM", err)
	}
	// With the server name instead of the address's own.
	named := good
	named.ServerName = ts.ServerName
	if err := open(t, Options{Addrs: []string{ts.Addr}, Username: "callboard", Password: "s3cret-pass", TLS: &named, Cluster: new(bool)}).Healthy(ctx); err != nil {
		t.Fatal(err)
	}

	bad := []struct {
		name string
		o    Options
		want string
	}{
		{"WrongPassword", Options{Username: "callboard", Password: "nope", TLS: &good}, "WRONGPASS"},
		{"UnknownAuthority", Options{Username: "callboard", Password: "s3cret-pass", TLS: &TLSOptions{CertFile: ts.CertFile, KeyFile: ts.KeyFile}}, "certificate"},
		{"NoClientCert", Options{Username: "callboard", Password: "s3cret-pass", TLS: &TLSOptions{CAFile: ts.CAFile}}, ""},
		{"NoTLS", Options{Username: "callboard", Password: "s3cret-pass"}, ""},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			b.o.Addrs, b.o.Cluster, b.o.DialTimeout = []string{ts.Addr}, new(bool), 500*time.Millisecond
			err := open(t, b.o).Healthy(ctx)
			if err == nil || !strings.Contains(err.Error(), b.want) {
				t.Fatalf("Healthy = %v, want an error with %q", err, b.want)
			}
			if strings.Contains(err.Error(), "s3cret-pass") {
				t.Fatalf("the password leaked into %q", err)
			}
		})
	}
}

func TestTLSOptionsNameWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	_ = os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	tests := []struct {
		o    TLSOptions
		want string
	}{
		{TLSOptions{CAFile: filepath.Join(dir, "missing.pem")}, "ca_file"},
		{TLSOptions{CAFile: notPEM}, "no PEM certificate"},
		{TLSOptions{CertFile: notPEM}, "both cert_file and key_file"},
		{TLSOptions{CertFile: notPEM, KeyFile: notPEM}, "client certificate"},
	}
	for _, tt := range tests {
		if _, err := tt.o.Config(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.o, err, tt.want)
		}
	}
}

// A TLS-only Cluster reached through one address, as an ACL user: the
// Cluster is detected over TLS, every node it learns of is dialled with TLS
// (checked by its own name), and the sharded channel counts the listener.
func TestTLSClusterThroughOneEndpointAsACLUser(t *testing.T) {
	cl := redistest.StartTLSCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pfx := prefix()
	// ACL users are per node in a Cluster: create the user on each.
	for _, a := range cl.Addrs {
		admin := open(t, Options{Addrs: []string{a}, Cluster: new(bool), TLS: &TLSOptions{CAFile: cl.TLS.CAFile, CertFile: cl.TLS.CertFile, KeyFile: cl.TLS.KeyFile}})
		if err := admin.Client.Do(ctx, "ACL", "SETUSER", "callboard", "on", ">tls-pass", "~"+pfx+"*", "&"+pfx+"*", "+@all", "-@dangerous").Err(); err != nil {
			t.Fatal(err)
		}
	}
	o := Options{Addrs: cl.Addrs[:1], Username: "callboard", Password: "tls-pass", KeyPrefix: pfx, TLS: &TLSOptions{CAFile: cl.TLS.CAFile}}
	st := open(t, o)
	if st.Chosen.Mode != ModeCluster || !strings.Contains(st.Chosen.Why, "CLUSTER INFO") {
		t.Fatalf("chosen %+v, want a detected Cluster", st.Chosen)
	}
	if err := st.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	writeKeys(t, st.Client, pfx, 30)
	other := open(t, Options{Addrs: cl.Addrs[2:], Username: "callboard", Password: "tls-pass", KeyPrefix: pfx, TLS: &TLSOptions{CAFile: cl.TLS.CAFile}})
	sub, err := st.Channel("ops").Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i := range 5 {
		if n, err := other.Channel("ops").Publish(ctx, fmt.Sprint(i)); err != nil || n != 1 {
			t.Fatalf("publish %d reached %d, %v", i, n, err)
		}
		if got := <-sub.Messages(); got != fmt.Sprint(i) {
			t.Fatalf("got %q", got)
		}
	}
	// Without the authority, the handshake fails and says so.
	plain := open(t, Options{Addrs: cl.Addrs[:1], Username: "callboard", Password: "tls-pass", Cluster: new(bool), DialTimeout: 500 * time.Millisecond, TLS: &TLSOptions{}})
	if err := plain.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA: %v", err)
	}
}
