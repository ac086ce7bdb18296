package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/bot/chat"
)

// Locker implements chat.Locker: a fencing counter (INCR) and a lock key set
// NX PX with a random value, renewed by compare-and-pexpire and released by
// compare-and-delete.
type Locker struct {
	C      goredis.UniversalClient
	Prefix string
	// TTL is how long the lock lives without renewal (default 10s); it is
	// renewed every TTL/3.
	TTL time.Duration
	// Retry is how often a waiting Acquire tries again (default 100ms).
	Retry time.Duration
}

var (
	renewScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)
	releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
	// acquireScript sets the lock and, only when it was free, takes the next
	// fencing token, atomically.
	acquireScript = goredis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`)
)

func (l *Locker) ttl() time.Duration { return or(l.TTL, 10*time.Second) }

// Acquire implements chat.Locker.
func (l *Locker) Acquire(ctx context.Context, name string) (chat.Lease, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	value := hex.EncodeToString(b[:])
	// The {lock} hash tag keeps every lock and the counter in one Cluster
	// slot, so the acquire script may touch both.
	key := l.Prefix + "{lock}:" + name
	// One fencing counter for all names: tokens increase across locks too.
	fence := l.Prefix + "{lock}:fence"
	tick := time.NewTicker(or(l.Retry, 100*time.Millisecond))
	defer tick.Stop()
	for {
		tok, err := acquireScript.Run(ctx, l.C, []string{key, fence}, value, l.ttl().Milliseconds()).Int64()
		if err == nil && tok > 0 {
			return l.start(key, value, tok), nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, fmt.Errorf("redis lock %q: %w (last error: %v)", name, ctx.Err(), err)
			}
			return nil, fmt.Errorf("redis lock %q: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
}

func (l *Locker) start(key, value string, tok int64) *lease {
	ls := &lease{l: l, key: key, value: value, token: tok, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go ls.renew()
	return ls
}

type lease struct {
	l          *Locker
	key, value string
	token      int64
	lost       chan struct{}
	stop       chan struct{}
	done       chan struct{}
	once       sync.Once
}

func (ls *lease) Token() int64          { return ls.token }
func (ls *lease) Lost() <-chan struct{} { return ls.lost }

func (ls *lease) renew() {
	defer close(ls.done)
	ttl := ls.l.ttl()
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ls.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), ttl/3)
		n, err := renewScript.Run(ctx, ls.l.C, []string{ls.key}, ls.value, ttl.Milliseconds()).Int64()
		cancel()
		if err != nil || n != 1 {
			close(ls.lost)
			return
		}
	}
}

// Release implements chat.Lease: it stops renewal and deletes the lock if it
// is still ours. Calling it twice is harmless.
func (ls *lease) Release(ctx context.Context) error {
	first := false
	ls.once.Do(func() { first = true; close(ls.stop) })
	<-ls.done
	if !first {
		return nil
	}
	if err := releaseScript.Run(ctx, ls.l.C, []string{ls.key}, ls.value).Err(); err != nil {
		return fmt.Errorf("redis lock release: %w", err)
	}
	return nil
}

var _ chat.Locker = (*Locker)(nil)
