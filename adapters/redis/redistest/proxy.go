package redistest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Proxy is a TCP proxy of ours in front of a Server that holds back every
// answer of Redis by Delay, for tests of a slow Redis.
type Proxy struct {
	// Addr is host:port; URL is redis://Addr.
	Addr, URL string

	target string
	ln     net.Listener
	delay  atomic.Int64
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

// NewProxy listens on a free loopback port and forwards to s; it stops when
// the test ends.
func NewProxy(t testing.TB, s *Server) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest proxy: %v", err)
	}
	p := &Proxy{target: s.Addr, ln: ln, Addr: ln.Addr().String()}
	p.URL = "redis://" + p.Addr
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// SetDelay makes every answer from now on wait d before it is passed on.
func (p *Proxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.target, time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
		go func() { defer p.wg.Done(); p.slowCopy(c, up); c.Close() }()
	}
}

// slowCopy passes what Redis sends to the client, each read held back by
// the delay.
func (p *Proxy) slowCopy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Pause stops the server's process (SIGSTOP): it keeps its connections and
// answers nothing, like a hung Redis, until Resume.
func (s *Server) Pause() {
	s.signal(syscall.SIGSTOP)
}

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() {
	s.signal(syscall.SIGCONT)
}

func (s *Server) signal(sig syscall.Signal) {
	if s.external {
		s.t.Skip("CALLBOARD_TEST_REDIS_URL is set: an external Redis cannot be paused")
	}
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(sig)
	}
}
