package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// MemoryDedupe is a Dedupe for one process.
type MemoryDedupe struct {
	mu   sync.Mutex
	seen map[string]time.Time // key → expiry
	next time.Time            // next sweep of expired keys
}

// NewMemoryDedupe returns an empty MemoryDedupe.
func NewMemoryDedupe() *MemoryDedupe { return &MemoryDedupe{seen: map[string]time.Time{}} }

// FirstSeen implements Dedupe.
func (d *MemoryDedupe) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.After(d.next) {
		for k, exp := range d.seen {
			if !now.Before(exp) {
				delete(d.seen, k)
			}
		}
		d.next = now.Add(time.Minute)
	}
	if exp, ok := d.seen[key]; ok && now.Before(exp) {
		return false, nil
	}
	d.seen[key] = now.Add(ttl)
	return true, nil
}

// MemoryRateLimiter is a token bucket per key, for one process.
type MemoryRateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	mu    sync.Mutex
	keys  map[string]*bucket
	next  time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewMemoryRateLimiter allows burst requests at once per key, refilled at
// rate per second. rate must be > 0 and burst ≥ 1.
func NewMemoryRateLimiter(rate float64, burst int) *MemoryRateLimiter {
	if rate <= 0 || burst < 1 || math.IsNaN(rate) {
		panic(fmt.Sprintf("bot.NewMemoryRateLimiter: rate %v must be > 0 and burst %d ≥ 1", rate, burst))
	}
	return &MemoryRateLimiter{rate: rate, burst: float64(burst), keys: map[string]*bucket{}}
}

// Allow implements RateLimiter.
func (l *MemoryRateLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return false, 0, err
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.next) { // forget full buckets
		full := time.Duration(l.burst / l.rate * float64(time.Second))
		for k, b := range l.keys {
			if now.Sub(b.at) > full {
				delete(l.keys, k)
			}
		}
		l.next = now.Add(time.Minute)
	}
	b := l.keys[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.keys[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, nil
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Millisecond), nil
}

// MemoryAudit keeps audit entries in memory (for tests and `chat`).
type MemoryAudit struct {
	mu      sync.Mutex
	entries []AuditEntry
}

// Record implements Audit.
func (a *MemoryAudit) Record(ctx context.Context, e AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

// Entries returns a copy of what was recorded, oldest first.
func (a *MemoryAudit) Entries() []AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AuditEntry(nil), a.entries...)
}

// SlogAudit writes each entry as one structured log line.
type SlogAudit struct{ Logger *slog.Logger }

// Record implements Audit.
func (a SlogAudit) Record(ctx context.Context, e AuditEntry) error {
	logger(a.Logger).LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("platform", e.Platform), slog.String("user", e.UserID), slog.String("channel", e.Channel),
		slog.String("text", e.Text), slog.String("command", e.Command), slog.String("status", string(e.Status)),
		slog.Duration("duration", e.Duration))
	return nil
}

// MemoryLocker is a Locker for one process: locks are exclusive within it,
// and a lease is never lost.
type MemoryLocker struct {
	mu    sync.Mutex
	held  map[string]chan struct{} // closed on release
	token int64
}

// NewMemoryLocker returns a MemoryLocker with no lock held.
func NewMemoryLocker() *MemoryLocker { return &MemoryLocker{held: map[string]chan struct{}{}} }

// Acquire implements Locker.
func (l *MemoryLocker) Acquire(ctx context.Context, name string) (Lease, error) {
	for {
		l.mu.Lock()
		released, busy := l.held[name]
		if !busy {
			ch := make(chan struct{})
			l.held[name] = ch
			l.token++
			t := l.token
			l.mu.Unlock()
			return &memoryLease{l: l, name: name, ch: ch, token: t, lost: make(chan struct{})}, nil
		}
		l.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type memoryLease struct {
	l     *MemoryLocker
	name  string
	ch    chan struct{}
	token int64
	lost  chan struct{}
	once  sync.Once
}

func (m *memoryLease) Token() int64          { return m.token }
func (m *memoryLease) Lost() <-chan struct{} { return m.lost }

func (m *memoryLease) Release(ctx context.Context) error {
	m.once.Do(func() {
		m.l.mu.Lock()
		if m.l.held[m.name] == m.ch {
			delete(m.l.held, m.name)
		}
		m.l.mu.Unlock()
		close(m.ch)
	})
	return nil
}

// MemoryStash is the in-process Stash: a Cache of at most Max entries
// (default 4096), the oldest dropped first. Buttons then work only on the
// replica that rendered them.
type MemoryStash struct {
	// Max is read at the first Put or Get.
	Max  int
	once sync.Once
	c    *Cache[[]byte]
}

// NewMemoryStash returns an empty MemoryStash.
func NewMemoryStash() *MemoryStash { return &MemoryStash{} }

func (s *MemoryStash) cache() *Cache[[]byte] {
	s.once.Do(func() { s.c = NewCache[[]byte](s.Max, nil) })
	return s.c
}

// Put implements Stash.
func (s *MemoryStash) Put(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.cache().Set(key, append([]byte(nil), value...), ttl)
	return nil
}

// Get implements Stash.
func (s *MemoryStash) Get(_ context.Context, key string) ([]byte, bool, error) {
	v, ok := s.cache().Get(key)
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), v...), true, nil
}
