package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Sentinel is a Sentinel set-up: a master, one replica of it and one
// redis-server --sentinel watching them (quorum 1, a master is taken as
// down after a second), each a private process on 127.0.0.1.
type Sentinel struct {
	// MasterName is the name the sentinel knows the master by.
	MasterName string
	// Addr is the sentinel's host:port; Master and Replica the data nodes'
	// (as started: after a failover the replica is the master).
	Addr, Master, Replica string

	// Password is the data nodes' requirepass and SentinelPassword the
	// sentinel's (both empty: none), as StartSentinelWith was given them.
	Password, SentinelPassword string

	dir   string
	mu    sync.Mutex
	procs map[string]*exec.Cmd
}

// SentinelConfig is how StartSentinelWith protects the set-up.
type SentinelConfig struct {
	// Password is required by the master and the replica (requirepass,
	// with masterauth between them and auth-pass in the sentinel).
	Password string
	// SentinelPassword is required by the sentinel itself (requirepass in
	// sentinel.conf), as a hardened deployment sets it.
	SentinelPassword string
}

// StartSentinel starts a Sentinel set-up, stopped when the test ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	return StartSentinelWith(t, SentinelConfig{})
}

// StartSentinelWith starts a Sentinel set-up with passwords, stopped when the
// test ends.
func StartSentinelWith(t testing.TB, c SentinelConfig) *Sentinel {
	t.Helper()
	require(t, "redis-server", Missing)
	s := &Sentinel{MasterName: "callboard-master", Password: c.Password, SentinelPassword: c.SentinelPassword, dir: t.TempDir(), procs: map[string]*exec.Cmd{}}
	t.Cleanup(s.stop)
	var ports []string
	for range 3 {
		ports = append(ports, fmt.Sprint(freePort(t)))
	}
	s.Master, s.Replica, s.Addr = "127.0.0.1:"+ports[0], "127.0.0.1:"+ports[1], "127.0.0.1:"+ports[2]
	data := func(name, port string, extra ...string) {
		d := filepath.Join(s.dir, name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--bind", "127.0.0.1", "--port", port, "--dir", d, "--save", "", "--appendonly", "no"}, extra...)
		if c.Password != "" {
			args = append(args, "--requirepass", c.Password, "--masterauth", c.Password)
		}
		s.start(t, name, d, args...)
	}
	data("master", ports[0])
	data("replica", ports[1], "--replicaof", "127.0.0.1", ports[0])
	conf := filepath.Join(s.dir, "sentinel.conf")
	text := strings.Join([]string{
		"bind 127.0.0.1",
		"port " + ports[2],
		"dir " + s.dir,
		fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 1", s.MasterName, ports[0]),
		"sentinel down-after-milliseconds " + s.MasterName + " 1000",
		"sentinel failover-timeout " + s.MasterName + " 5000",
	}, "\n") + "\n"
	if c.Password != "" {
		text += "sentinel auth-pass " + s.MasterName + " " + c.Password + "\n"
	}
	if c.SentinelPassword != "" {
		text += "requirepass " + c.SentinelPassword + "\n"
	}
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start(t, "sentinel", s.dir, conf, "--sentinel")
	for _, a := range []string{s.Master, s.Replica} {
		if err := waitPing(a, &goredis.Options{Password: c.Password}, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitPing(s.Addr, &goredis.Options{Password: c.SentinelPassword}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// The sentinel learns of the replica from the master; a failover needs it.
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addr, Password: c.SentinelPassword})
	defer sc.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		reps, err := sc.Replicas(context.Background(), s.MasterName).Result()
		if err == nil && len(reps) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sentinel never saw the replica: %v %v", reps, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func (s *Sentinel) start(t testing.TB, name, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server (%s): %v", name, err)
	}
	s.mu.Lock()
	s.procs[name] = cmd
	s.mu.Unlock()
}

// StopMaster kills the master as started; the sentinel promotes the replica.
func (s *Sentinel) StopMaster() { s.kill("master") }

func (s *Sentinel) kill(name string) {
	s.mu.Lock()
	cmd := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

func (s *Sentinel) stop() {
	for _, n := range []string{"sentinel", "replica", "master"} {
		s.kill(n)
	}
}

// CurrentMaster is the master's address as the sentinel names it now.
func (s *Sentinel) CurrentMaster(t testing.TB) string {
	t.Helper()
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addr, Password: s.SentinelPassword})
	defer sc.Close()
	a, err := sc.GetMasterAddrByName(context.Background(), s.MasterName).Result()
	if err != nil {
		t.Fatal(err)
	}
	return a[0] + ":" + a[1]
}
