package chat

import (
	"container/list"
	"sync"
	"time"
)

// Cache is a bounded, expiring in-process map: the one the in-memory
// stores of callboard keep (MemoryStash, the Slack adapter's memories, the
// Discord adapter's shelf and fallback dedupe). MemoryDedupe, on every
// request's path, keeps its own expiry-ordered set. When it is full, the entry
// stored first goes first; an entry is gone once its time is up.
type Cache[V any] struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	byKey map[string]*list.Element
	order *list.List // of *cacheEntry[V], first stored first
}

type cacheEntry[V any] struct {
	key     string
	v       V
	expires time.Time
}

// NewCache returns a Cache of at most max entries (4096 when max <= 0)
// telling the time by now (time.Now when nil).
func NewCache[V any](max int, now func() time.Time) *Cache[V] {
	if max <= 0 {
		max = 4096
	}
	if now == nil {
		now = time.Now
	}
	return &Cache[V]{max: max, now: now, byKey: map[string]*list.Element{}, order: list.New()}
}

// Set stores v under key for ttl. A key already held keeps its place in
// the eviction order.
func (c *Cache[V]) Set(key string, v V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(key, v, c.now().Add(ttl))
}

func (c *Cache[V]) setLocked(key string, v V, expires time.Time) {
	if el, ok := c.byKey[key]; ok {
		e := el.Value.(*cacheEntry[V])
		e.v, e.expires = v, expires
		return
	}
	for c.order.Len() >= c.max {
		oldest := c.order.Front()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cacheEntry[V]).key)
	}
	c.byKey[key] = c.order.PushBack(&cacheEntry[V]{key: key, v: v, expires: expires})
}

// Get returns the value under key, unless there is none or its time is up.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.byKey[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*cacheEntry[V])
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.byKey, key)
		return zero, false
	}
	return e.v, true
}

// Add stores v under key for ttl unless key holds a value whose time is not
// up, and reports whether it stored: a dedupe's first sight.
func (c *Cache[V]) Add(key string, v V, ttl time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if el, ok := c.byKey[key]; ok && now.Before(el.Value.(*cacheEntry[V]).expires) {
		return false
	}
	c.setLocked(key, v, now.Add(ttl))
	return true
}

// Replace changes the value under key, keeping its expiry, and reports
// whether key was held.
func (c *Cache[V]) Replace(key string, v V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if ok {
		el.Value.(*cacheEntry[V]).v = v
	}
	return ok
}

// Len is the number of entries held, expired ones not yet dropped included.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
