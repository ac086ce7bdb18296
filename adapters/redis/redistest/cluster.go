package redistest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// MissingCLI is the message given when redis-cli (which creates a Cluster)
// cannot be found.
const MissingCLI = "redis-cli not found on PATH; install it (apt-get install -y redis-tools, which redis-server brings)"

// require skips (outside CI) or fails (in CI) the test when a program is
// missing, with msg.
func require(t testing.TB, program, msg string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// Cluster is a local Redis Cluster of three masters without replicas, each
// a private redis-server on 127.0.0.1 (port and cluster bus port free ones),
// created with redis-cli --cluster create.
type Cluster struct {
	// Addrs are the masters' host:port.
	Addrs []string
	// TLS, for a Cluster started by StartTLSCluster, holds the files a
	// client needs: nodes and the cluster bus speak only TLS.
	TLS *TLSServer

	dir       string
	files     *tlsFiles
	tlsConfig *tls.Config
	mu        sync.Mutex
	nodes     []*exec.Cmd
	ports     [][2]string // port, cluster bus port
}

var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// SharedCluster is one Cluster for the whole test binary, started by the
// first test that asks (a few seconds) and stopped by StopSharedCluster,
// which the package's TestMain calls after m.Run. Tests sharing it use keys
// of their own (a prefix per test).
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	require(t, "redis-server", Missing)
	require(t, "redis-cli", MissingCLI)
	shared.once.Do(func() { shared.c, shared.err = newCluster(false) })
	if shared.err != nil {
		t.Fatalf("starting the shared Redis Cluster: %v", shared.err)
	}
	return shared.c
}

// StartCluster starts a Cluster of this test's own (for tests that stop its
// nodes), stopped when the test ends.
func StartCluster(t testing.TB) *Cluster { return startCluster(t, false) }

// StartTLSCluster starts a Cluster of this test's own whose nodes speak
// only TLS (clients and cluster bus), with certificates made for it (see
// Cluster.TLS); a client certificate is optional.
func StartTLSCluster(t testing.TB) *Cluster { return startCluster(t, true) }

func startCluster(t testing.TB, withTLS bool) *Cluster {
	t.Helper()
	require(t, "redis-server", Missing)
	require(t, "redis-cli", MissingCLI)
	c, err := newCluster(withTLS)
	if err != nil {
		t.Fatalf("starting a Redis Cluster: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// StopSharedCluster stops the shared Cluster, if one was started.
func StopSharedCluster() {
	if shared.c != nil {
		shared.c.Stop()
	}
}

func newCluster(withTLS bool) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "callboard-redis-cluster-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	if withTLS {
		f, err := makeTLSFiles(dir)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		c.files = &f
		if c.tlsConfig, err = clientTLS(f); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		c.TLS = &TLSServer{CAFile: f.ca, CertFile: f.clientCert, KeyFile: f.clientKey, ServerName: f.serverName}
	}
	for i := range 3 {
		p, bus, err := twoFreePorts()
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.ports = append(c.ports, [2]string{p, bus})
		c.Addrs = append(c.Addrs, "127.0.0.1:"+p)
		if err := c.startNode(i); err != nil {
			c.Stop()
			return nil, err
		}
	}
	for _, a := range c.Addrs {
		if err := waitPing(a, c.options(), 10*time.Second); err != nil {
			c.Stop()
			return nil, err
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if c.files != nil {
		args = append(args, "--tls", "--cacert", c.files.ca, "--cert", c.files.clientCert, "--key", c.files.clientKey)
	}
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	if err := c.WaitOK(15 * time.Second); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) startNode(i int) error {
	nd := filepath.Join(c.dir, strconv.Itoa(i))
	if err := os.MkdirAll(nd, 0o700); err != nil {
		return err
	}
	args := []string{"--bind", "127.0.0.1", "--port", c.ports[i][0],
		"--cluster-enabled", "yes", "--cluster-port", c.ports[i][1], "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "3000", "--dir", nd, "--save", "", "--appendonly", "no", "--protected-mode", "yes"}
	if c.files != nil {
		args[3] = "0"
		args = append(args, "--tls-port", c.ports[i][0], "--tls-cluster", "yes", "--tls-replication", "yes", "--tls-auth-clients", "optional")
		args = append(args, c.files.serverArgs()...)
	}
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = nd
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	c.mu.Lock()
	for len(c.nodes) <= i {
		c.nodes = append(c.nodes, nil)
	}
	c.nodes[i] = cmd
	c.mu.Unlock()
	return nil
}

// WaitOK waits until every node says cluster_state:ok.
func (c *Cluster) WaitOK(within time.Duration) error {
	deadline := time.Now().Add(within)
	for _, a := range c.Addrs {
		o := c.options()
		o.Addr, o.MaxRetries = a, -1
		cl := goredis.NewClient(o)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			info, err := cl.ClusterInfo(ctx).Result()
			cancel()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				_ = cl.Close()
				return fmt.Errorf("cluster node %s not ok after %v: %v %q", a, within, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = cl.Close()
	}
	return nil
}

// StopNode kills node i (a master: the Cluster loses the slots it holds).
func (c *Cluster) StopNode(i int) {
	c.mu.Lock()
	cmd := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

// RestartNode starts node i again on its ports with its Cluster
// configuration, and waits until the Cluster is ok.
func (c *Cluster) RestartNode(t testing.TB, i int) {
	t.Helper()
	c.StopNode(i)
	if err := c.startNode(i); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitOK(15 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// Stop kills every node and removes the data directory.
func (c *Cluster) Stop() {
	for i := range c.nodes {
		c.StopNode(i)
	}
	_ = os.RemoveAll(c.dir)
}

// MasterOf is the index in Addrs of the master holding key's slot.
func (c *Cluster) MasterOf(t testing.TB, key string) int {
	t.Helper()
	o := c.options()
	o.Addr = c.Addrs[0]
	cl := goredis.NewClient(o)
	defer cl.Close()
	slot, err := cl.ClusterKeySlot(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	slots, err := cl.ClusterSlots(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) {
			for i, a := range c.Addrs {
				if s.Nodes[0].Addr == a {
					return i
				}
			}
		}
	}
	t.Fatalf("no master holds slot %d of %q", slot, key)
	return -1
}

// options are a node client's options: TLS with the client certificate for
// a TLS Cluster.
func (c *Cluster) options() *goredis.Options {
	o := &goredis.Options{}
	if c.tlsConfig != nil {
		o.TLSConfig = c.tlsConfig.Clone()
	}
	return o
}

// clientTLS is a tls.Config trusting f's authority with its client
// certificate.
func clientTLS(f tlsFiles) (*tls.Config, error) {
	pem, err := os.ReadFile(f.ca)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cert, err := tls.LoadX509KeyPair(f.clientCert, f.clientKey)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}, nil
}

// twoFreePorts returns two distinct free ports.
func twoFreePorts() (string, string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var ports []string
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", fmt.Errorf("no free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports[0], ports[1], nil
}

// waitPing waits until addr answers PING (with TLS when tc is set).
func waitPing(addr string, o *goredis.Options, within time.Duration) error {
	if o == nil {
		o = &goredis.Options{}
	}
	oo := *o
	oo.Addr, oo.MaxRetries = addr, -1
	cl := goredis.NewClient(&oo)
	defer cl.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := cl.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer PING within %v: %w", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
