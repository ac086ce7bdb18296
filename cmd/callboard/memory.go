package main

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

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
// so it is never a fixed number a larger catalog outgrows. Between swaps a
// heap pushed past it (a refresh building the next snapshot beside the
// current one, with headroom < 1) makes the collector work harder, bounded
// by the runtime to about half the CPU, never a stop: raise memory.headroom
// (or set 0) if refreshes slow down.
type memoryLimiter struct {
	headroom float64
	log      *slog.Logger
	kick     chan struct{}
	// set is debug.SetMemoryLimit (tests watch it).
	set func(int64) int64
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
	before := m.set(-1)
	defer m.set(before)
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
	runtime.GC()
	held, live := memoryHeld()
	limit := memoryLimitFor(held, live, m.headroom)
	m.set(limit)
	m.log.Info("memory limit set", "live_mib", live>>20, "held_mib", held>>20, "limit_mib", limit>>20, "headroom", m.headroom)
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
