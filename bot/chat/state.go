package chat

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotLeader is returned by Lease operations once leadership is lost.
var ErrNotLeader = errors.New("leadership lost")

// Locker elects one replica for work only one may do (ingesting from GitHub,
// holding the Discord gateway). The in-memory implementation always wins.
type Locker interface {
	// Acquire blocks until the named lock is held or ctx is done.
	Acquire(ctx context.Context, name string) (Lease, error)
}

// Lease is a held lock. Its fencing token increases with every acquisition,
// so work stamped with an older token can be refused.
type Lease interface {
	Token() int64
	// Lost is closed when the lease could not be renewed.
	Lost() <-chan struct{}
	// Release gives the lock up (on shutdown).
	Release(ctx context.Context) error
}

// Stash keeps what a chat button refers to but cannot carry itself: a
// command longer than Discord's 100-character custom_id, the other parts of a
// long answer. Shared between replicas (Redis), a button works whichever
// replica the click reaches. A missing or expired key is (nil, false, nil).
type Stash interface {
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Get(ctx context.Context, key string) ([]byte, bool, error)
}

// Wait waits for wg, or until ctx is done (its error): how a Shutdown gives
// background work a grace period.
func Wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
