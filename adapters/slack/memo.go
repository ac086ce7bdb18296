package slack

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// memo is a chat.Cache whose entries all live ttl: the oldest entry goes
// first when it is full.
type memo[T any] struct {
	c   *chat.Cache[T]
	ttl time.Duration
}

func newMemo[T any](capacity int, ttl time.Duration) *memo[T] {
	return &memo[T]{c: chat.NewCache[T](capacity, nil), ttl: ttl}
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

func (c *memo[T]) set(k string, v T) { c.c.Set(k, v, c.ttl) }

func (c *memo[T]) get(k string) (T, bool) { return c.c.Get(k) }
