package chat

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// AsyncAudit takes the audit record off the request path: Record queues
// the entry (at most the queue's size; beyond, the entry is dropped and
// counted) and one goroutine hands entries to the Audit it wraps in the
// order they came. Close writes every entry queued before it returns, so a
// clean shutdown loses no line.
type AsyncAudit struct {
	next Audit
	log  *slog.Logger

	mu      sync.RWMutex // held for reading while queueing, for writing by Close
	closed  bool
	start   sync.Once // the writer starts with the first entry
	queue   chan queuedEntry
	done    chan struct{}
	dropped atomic.Uint64
}

type queuedEntry struct {
	ctx context.Context
	e   AuditEntry
}

// NewAsyncAudit wraps next with a queue of size entries (default 4096).
// Failures of next are logged to log. Its writer starts with the first
// entry; Close stops it.
func NewAsyncAudit(next Audit, size int, log *slog.Logger) *AsyncAudit {
	if size <= 0 {
		size = 4096
	}
	return &AsyncAudit{next: next, log: logger(log), queue: make(chan queuedEntry, size), done: make(chan struct{})}
}

func (a *AsyncAudit) write() {
	defer close(a.done)
	for q := range a.queue {
		a.record(q.ctx, q.e)
		if len(a.queue) == 0 {
			a.flush()
		}
	}
}

// flush flushes the Audit wrapped when it buffers (SlogAudit with a
// Buffer): at once after a burst, so a line waits only while more are
// being written.
func (a *AsyncAudit) flush() {
	if f, ok := a.next.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			a.log.Warn("audit flush failed", "err", err)
		}
	}
}

func (a *AsyncAudit) record(ctx context.Context, e AuditEntry) {
	if err := a.next.Record(ctx, e); err != nil {
		a.log.WarnContext(ctx, "audit record failed", "user", e.UserID, "err", err)
	}
}

// Record implements Audit: it queues e and returns at once. The entry keeps
// ctx's values (a request ID) but not its deadline. After Close, entries
// are written before Record returns.
func (a *AsyncAudit) Record(ctx context.Context, e AuditEntry) error {
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		a.record(context.WithoutCancel(ctx), e)
		a.flush()
		return nil
	}
	a.start.Do(func() { go a.write() })
	select {
	case a.queue <- queuedEntry{ctx: context.WithoutCancel(ctx), e: e}:
	default:
		a.dropped.Add(1)
	}
	a.mu.RUnlock()
	return nil
}

// Immediate implements Immediate: Record queues and returns (only after
// Close does it write the entry itself).
func (*AsyncAudit) Immediate() {}

// Dropped is the number of entries dropped because the queue was full.
func (a *AsyncAudit) Dropped() uint64 { return a.dropped.Load() }

// Close stops queueing and waits until every queued entry is written, or
// until ctx is done (then it returns ctx's error and the rest are written
// in the background).
func (a *AsyncAudit) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.queue)
		a.start.Do(func() { close(a.done) }) // never started: nothing to wait for
	}
	a.mu.Unlock()
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
