package main

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"

	"github.com/callboard/callboard/catalog"
)

// minMemoryHeadroom is the least room a memory limit leaves above what is
// live, whatever the catalog's size: a small catalog's heap still holds the
// requests in flight, the dedupe keys and the caches.
const minMemoryHeadroom = 32 << 20

// memoryLimiter sets the Go runtime's soft memory limit after each snapshot
// is swapped in: what the runtime holds once the old snapshot is collected,
// plus headroom times the live heap. With GOGC alone the heap grows to twice
// what is live between collections, and what requests leave behind
// (dedupe keys, caches) raises what is live, so under sustained load the
// process settled at 1.6–1.9× its idle size; the limit keeps it near its
// catalog. It follows the catalog: a bigger snapshot raises it at its swap,
// so it is never a fixed number a larger catalog outgrows. It is lifted
// while the Refresher loads and builds (building), as the next catalog is
// then built beside the one served, and while the catalog is empty (a
// remote catalog's first load): a limit made from an empty heap had the
// collector run almost all along the first load. A snapshot that comes
// otherwise (a follower's, from the leader) is made under the limit: the
// collector works harder until its swap, bounded by the runtime to about
// half the CPU, never a stop; raise memory.headroom (or set 0) if that
// shows.
type memoryLimiter struct {
	headroom float64
	log      *slog.Logger
	kick     chan struct{}
	// set is debug.SetMemoryLimit (tests watch it).
	set func(int64) int64
	// current is the snapshot served (nil: taken as not empty).
	current func() *catalog.Snapshot

	mu      sync.Mutex
	running bool  // Run has read found
	found   int64 // the limit before Run: put back when Run ends, and while lifted
	builds  int   // loads and builds under way (building)
}

// newMemoryLimiter returns nil when no limit is to be set: headroom 0, or
// the operator set GOMEMLIMIT (theirs wins).
func newMemoryLimiter(headroom float64, goMemLimit string, log *slog.Logger) *memoryLimiter {
	if headroom <= 0 {
		return nil
	}
	if goMemLimit != "" {
		log.Info("memory limit left to GOMEMLIMIT", "gomemlimit", goMemLimit)
		return nil
	}
	return &memoryLimiter{headroom: headroom, log: log, kick: make(chan struct{}, 1), set: debug.SetMemoryLimit}
}

// swapped asks for the limit to be computed again (Store.OnSwap): the work
// (a full collection) runs in Run, not in the goroutine that swapped.
func (m *memoryLimiter) swapped(*catalog.Snapshot) {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Run sets the limit for the snapshot served now, then again after every
// swap, until ctx ends; then it puts back the limit it found.
func (m *memoryLimiter) Run(ctx context.Context) error {
	m.mu.Lock()
	m.found, m.running = m.set(-1), true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.running = false
		m.set(m.found)
	}()
	m.apply()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.kick:
			m.apply()
		}
	}
}

// apply collects (the snapshot swapped out goes now, not at the next
// cycle) and sets the limit from what is live.
func (m *memoryLimiter) apply() {
	if m.current != nil {
		if snap := m.current(); snap == nil || snap.Len() == 0 {
			m.mu.Lock()
			m.set(m.found)
			m.mu.Unlock()
			return
		}
	}
	runtime.GC()
	held, live := memoryHeld()
	limit := memoryLimitFor(held, live, m.headroom)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.builds > 0 {
		return // lifted until the build ends; its end applies again
	}
	m.set(limit)
	m.log.Info("memory limit set", "live_mib", live>>20, "held_mib", held>>20, "limit_mib", limit>>20, "headroom", m.headroom)
}

// building lifts the limit (puts back the one Run found) until done is
// called; calls may nest and overlap. done applies the limit again.
func (m *memoryLimiter) building() (done func()) {
	m.mu.Lock()
	m.builds++
	if m.builds == 1 && m.running {
		m.set(m.found)
	}
	m.mu.Unlock()
	return sync.OnceFunc(func() {
		m.mu.Lock()
		m.builds--
		m.mu.Unlock()
		m.swapped(nil)
	})
}

// memoryLimitFor is held plus headroom times live (at least
// minMemoryHeadroom), in bytes.
func memoryLimitFor(held, live uint64, headroom float64) int64 {
	room := max(float64(live)*headroom, minMemoryHeadroom)
	l := float64(held) + room
	if l >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(l)
}

// memoryHeld is what the runtime holds that the memory limit counts, less
// free heap spans not yet returned to the OS (so: live and fragmented heap,
// stacks, metadata), and the live heap the last collection marked.
func memoryHeld() (held, live uint64) {
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	total, released, free := v(0), v(1), v(2)
	if released+free < total {
		held = total - released - free
	}
	return held, v(3)
}
