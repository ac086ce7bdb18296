package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Missing is the message given when no redis-server can be found.
const Missing = "redis-server not found on PATH; install it (apt-get install -y redis-server) or set CALLBOARD_TEST_REDIS_URL"

// Config chooses how the private server runs.
type Config struct {
	// AppendOnly turns on append-only persistence (fsync always), so Restart
	// keeps every acknowledged write.
	AppendOnly bool
}

// Server is a running redis-server (or the external one named by
// CALLBOARD_TEST_REDIS_URL).
type Server struct {
	// Addr is host:port; URL is redis://Addr.
	Addr, URL string

	t        testing.TB
	cfg      Config
	dir      string
	mu       sync.Mutex
	cmd      *exec.Cmd
	external bool
}

// Start starts a private redis-server and stops it when the test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	if u := os.Getenv("CALLBOARD_TEST_REDIS_URL"); u != "" {
		o, err := goredis.ParseURL(u)
		if err != nil {
			t.Fatalf("CALLBOARD_TEST_REDIS_URL is not a redis URL: %v", err)
		}
		return &Server{Addr: o.Addr, URL: u, t: t, external: true}
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(Missing)
		}
		t.Skip(Missing)
	}
	s := &Server{t: t, cfg: cfg, dir: t.TempDir()}
	s.Addr = "127.0.0.1:" + strconv.Itoa(freePort(t))
	s.URL = "redis://" + s.Addr
	s.start()
	t.Cleanup(s.stop)
	return s
}

// External reports whether the server is not ours (and cannot be restarted).
func (s *Server) External() bool { return s.external }

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	args := []string{"--bind", "127.0.0.1", "--port", port, "--dir", s.dir, "--save", "", "--protected-mode", "yes"}
	if s.cfg.AppendOnly {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.stop()
			s.t.Fatalf("redis-server on %s did not answer PING: %v", s.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// Restart kills the server and starts it again on the same port and data
// directory. With AppendOnly, acknowledged writes survive.
func (s *Server) Restart() {
	s.t.Helper()
	if s.external {
		s.t.Skip("CALLBOARD_TEST_REDIS_URL is set: an external Redis cannot be restarted")
	}
	s.stop()
	s.start()
}

// Stop kills the server now (for tests of an unavailable Redis); Restart
// brings it back.
func (s *Server) Stop() {
	if s.external {
		s.t.Skip("CALLBOARD_TEST_REDIS_URL is set: an external Redis cannot be stopped")
	}
	s.stop()
}

// Client returns a client of the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func (s *Server) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }
