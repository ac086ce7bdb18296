package chat

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"sync"
	"time"
)

// MemoryDedupe is a Dedupe for one process. Keys are kept in one queue per
// ttl, in the order they were stored, which is the order they expire: a few
// leave on each call, so no call sweeps the whole set. At most Max keys are
// kept, the one stored longest ago (the oldest of the queues' fronts)
// forgotten first when a new one needs room. (Not the one closest to
// expiry: a request signature, kept 11 minutes for replays, would then
// always go before hour-long retry keys, however fresh it was.)
type MemoryDedupe struct {
	// Max bounds the keys kept (default DefaultDedupeMax). Set it before use.
	Max int

	mu   sync.Mutex
	seen map[keyDigest]int64 // key → expiry, nanoseconds since base
	// queues hold every key kept, each once with its expiry, in the queue
	// of its ttl: a key leaves the map only from the front of its queue.
	queues  []*ttlQueue
	evicted uint64
	now     func() time.Time
	// base: expiries are offsets from it, so they follow the monotonic
	// clock (a wall-clock step neither drops nor keeps every key).
	base  time.Time
	seeds [2]maphash.Seed
}

// keyDigest is a key as 128 bits of two seeded hashes: 16 bytes a key
// whatever its length (a Slack signature key is 77), with a chance of two
// of a million keys meeting below 2⁻⁸⁸.
type keyDigest [2]uint64

func (d *MemoryDedupe) digest(key string) keyDigest {
	return keyDigest{maphash.String(d.seeds[0], key), maphash.String(d.seeds[1], key)}
}

// DefaultDedupeMax is MemoryDedupe's bound by default: about 6 MB of keys
// (a key takes some 90 bytes: its digest and expiry in the map and in its
// queue). It holds every key of the last 10 minutes up to 109 new keys a
// second; beyond, the oldest keys are forgotten early (counted in Evicted).
const DefaultDedupeMax = 1 << 16

// NewMemoryDedupe returns an empty MemoryDedupe.
func NewMemoryDedupe() *MemoryDedupe {
	return &MemoryDedupe{seen: map[keyDigest]int64{}, now: time.Now, base: time.Now(), seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// Immediate implements Immediate: FirstSeen never waits on I/O.
func (*MemoryDedupe) Immediate() {}

// FirstSeen implements Dedupe.
func (d *MemoryDedupe) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := int64(d.now().Sub(d.base))
	d.expire(now)
	k := d.digest(key)
	if _, ok := d.seen[k]; ok {
		return false, nil
	}
	max := d.Max
	if max <= 0 {
		max = DefaultDedupeMax
	}
	for len(d.seen) >= max {
		q := d.oldest()
		if q == nil {
			break
		}
		delete(d.seen, q.pop().key)
		d.evicted++
	}
	exp := now + int64(ttl)
	d.seen[k] = exp
	d.queue(int64(ttl)).push(expiring{key: k, exp: exp})
	return true, nil
}

// expire forgets the keys expired at now, and the queues left empty.
func (d *MemoryDedupe) expire(now int64) {
	kept := d.queues[:0]
	for _, q := range d.queues {
		for !q.empty() && q.front().exp <= now {
			delete(d.seen, q.pop().key)
		}
		if !q.empty() {
			kept = append(kept, q)
		}
	}
	clear(d.queues[len(kept):])
	d.queues = kept
}

// oldest is the queue whose front key was stored first (nil: none kept).
func (d *MemoryDedupe) oldest() *ttlQueue {
	var o *ttlQueue
	for _, q := range d.queues {
		if !q.empty() && (o == nil || q.front().exp-q.ttl < o.front().exp-o.ttl) {
			o = q
		}
	}
	return o
}

// queue is the queue of keys kept ttl nanoseconds, made when none is.
func (d *MemoryDedupe) queue(ttl int64) *ttlQueue {
	for _, q := range d.queues {
		if q.ttl == ttl {
			return q
		}
	}
	q := &ttlQueue{ttl: ttl}
	d.queues = append(d.queues, q)
	return q
}

// Len is the number of keys kept.
func (d *MemoryDedupe) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// Evicted is the number of keys forgotten before they expired, to make
// room under Max.
func (d *MemoryDedupe) Evicted() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.evicted
}

// expiring is a key and when it expires (nanoseconds since the base).
type expiring struct {
	key keyDigest
	exp int64
}

// ttlQueue is the keys kept for one ttl, first stored first: with a
// monotonic clock, also first to expire.
type ttlQueue struct {
	ttl  int64
	q    []expiring // the keys from head on
	head int
}

func (q *ttlQueue) empty() bool     { return q.head == len(q.q) }
func (q *ttlQueue) front() expiring { return q.q[q.head] }
func (q *ttlQueue) push(e expiring) { q.q = append(q.q, e) }
func (q *ttlQueue) pop() (e expiring) {
	e = q.q[q.head]
	q.head++
	switch {
	case q.head == len(q.q):
		q.q, q.head = q.q[:0], 0
	case q.head >= 1024 && 2*q.head >= len(q.q):
		// Move the keys left down over the gone half: each key is moved
		// at most once per time the queue doubles, and the slice stays
		// within twice the keys it holds.
		n := copy(q.q, q.q[q.head:])
		q.q, q.head = q.q[:n], 0
	}
	return e
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
		panic(fmt.Sprintf("chat.NewMemoryRateLimiter: rate %v must be > 0 and burst %d ≥ 1", rate, burst))
	}
	return &MemoryRateLimiter{rate: rate, burst: float64(burst), keys: map[string]*bucket{}}
}

// Immediate implements Immediate: Allow never waits on I/O.
func (*MemoryRateLimiter) Immediate() {}

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

// Immediate implements Immediate: Record never waits on I/O.
func (*MemoryAudit) Immediate() {}

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
type SlogAudit struct {
	Logger *slog.Logger
	// Buffer, when set, is what Logger writes to: it holds the lines until
	// Flush. AsyncAudit flushes whenever its queue runs empty, so a burst of
	// entries costs one write, not one each. (Without AsyncAudit, call
	// Flush yourself.)
	Buffer interface{ Flush() error }
}

// Flush writes the lines Buffer holds (nothing without a Buffer).
func (a SlogAudit) Flush() error {
	if a.Buffer == nil {
		return nil
	}
	return a.Buffer.Flush()
}

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
