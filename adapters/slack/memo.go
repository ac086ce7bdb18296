package slack

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/callboard/callboard/bot"
)

// memo is a bounded, expiring in-process map. The oldest entry goes first
// when it is full.
type memo[T any] struct {
	mu    sync.Mutex
	ttl   time.Duration
	cap   int
	m     map[string]memoEntry[T]
	order []string
	now   func() time.Time
}

type memoEntry[T any] struct {
	v       T
	expires time.Time
}

func newMemo[T any](capacity int, ttl time.Duration) *memo[T] {
	return &memo[T]{ttl: ttl, cap: capacity, m: make(map[string]memoEntry[T]), now: time.Now}
}

// put stores v under a new random key and returns the key.
func (c *memo[T]) put(v T) string {
	k := randomKey()
	c.set(k, v)
	return k
}

// randomKey is 18 random hex characters: keys of replicas never meet.
func randomKey() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (c *memo[T]) set(k string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok {
		for len(c.m) >= c.cap && len(c.order) > 0 {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.m[k] = memoEntry[T]{v: v, expires: c.now().Add(c.ttl)}
}

func (c *memo[T]) get(k string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().After(e.expires) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// newLocalDedupe is the in-memory bot.Dedupe used when none is configured:
// keys leave in expiry order and at most bot.DefaultDedupeMax are kept.
func newLocalDedupe() *bot.MemoryDedupe { return bot.NewMemoryDedupe() }
