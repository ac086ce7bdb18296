package main

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

func TestMemoryLimitFor(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		held, live uint64
		headroom   float64
		want       int64
	}{
		{held: 60 * mib, live: 40 * mib, headroom: 1.5, want: 120 * mib},      // 10k entities: held + 1.5 × live
		{held: 400 * mib, live: 350 * mib, headroom: 1, want: 750 * mib},      // grows with the catalog
		{held: 10 * mib, live: 4 * mib, headroom: 1.5, want: (10 + 32) * mib}, // a small catalog keeps 32 MiB of room
		{held: math.MaxUint64, live: math.MaxUint64, headroom: 100, want: math.MaxInt64},
	} {
		if got := memoryLimitFor(tt.held, tt.live, tt.headroom); got != tt.want {
			t.Errorf("memoryLimitFor(%d MiB, %d MiB, %v) = %d MiB, want %d MiB", tt.held/mib, tt.live/mib, tt.headroom, got/mib, tt.want/mib)
		}
	}
}

// No limit with headroom 0, nor over the operator's GOMEMLIMIT.
func TestMemoryLimiterOff(t *testing.T) {
	if m := newMemoryLimiter(0, "", slog.New(slog.DiscardHandler)); m != nil {
		t.Error("headroom 0 set a limit")
	}
	if m := newMemoryLimiter(1.5, "2GiB", slog.New(slog.DiscardHandler)); m != nil {
		t.Error("a limiter over the operator's GOMEMLIMIT")
	}
}

// The limit is set at once, again after each swap, above what the runtime
// holds, and the limit found is put back when Run ends.
func TestMemoryLimiterFollowsSwaps(t *testing.T) {
	m := newMemoryLimiter(1.5, "", slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	var sets []int64
	current := int64(math.MaxInt64)
	m.set = func(l int64) int64 {
		mu.Lock()
		defer mu.Unlock()
		prev := current
		if l >= 0 {
			current = l
			sets = append(sets, l)
		}
		return prev
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(sets)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); count() < n; {
			if time.Now().After(deadline) {
				t.Fatalf("%d limits set, want %d", count(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(1)
	store := catalog.NewStore(catalog.NewSnapshot(nil, nil))
	store.OnSwap(m.swapped)
	store.Swap(catalog.NewSnapshot(nil, nil))
	waitFor(2)
	held, _ := memoryHeld()
	mu.Lock()
	if last := sets[len(sets)-1]; last < int64(held) || last == math.MaxInt64 {
		t.Errorf("limit %d MiB, with %d MiB held", last>>20, held>>20)
	}
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if current != math.MaxInt64 {
		t.Fatalf("limit %d after Run, want the one found (none)", current)
	}
}

// fakeLimit stands in for debug.SetMemoryLimit: it records the limits set.
type fakeLimit struct {
	mu      sync.Mutex
	current int64
	sets    int
}

func (f *fakeLimit) set(l int64) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.current
	if l >= 0 {
		f.current = l
		f.sets++
	}
	return prev
}

func (f *fakeLimit) state() (int64, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current, f.sets
}

// waitLimit waits until cond holds of the fake's state.
func waitLimit(t *testing.T, f *fakeLimit, what string, cond func(current int64, sets int) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, n := f.state()
		if cond(c, n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: limit %d after %d sets", what, c, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// While the Refresher loads and builds, the limit is lifted (the next
// catalog is made beside the one served); a swap meanwhile does not set it
// again; the build's end does.
func TestMemoryLimitIsLiftedWhileBuilding(t *testing.T) {
	f := &fakeLimit{current: math.MaxInt64}
	m := newMemoryLimiter(1.2, "", slog.New(slog.DiscardHandler))
	m.set = f.set
	snap := catalogSnapshotOf(t, 50)
	m.current = func() *catalog.Snapshot { return snap }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go m.Run(ctx)
	waitLimit(t, f, "first limit", func(c int64, n int) bool { return n == 1 && c != math.MaxInt64 })
	done := m.building()
	if c, _ := f.state(); c != math.MaxInt64 {
		t.Fatalf("limit %d while building, want none", c)
	}
	inner := m.building() // a rebuild inside a refresh
	m.swapped(snap)
	inner()
	time.Sleep(50 * time.Millisecond) // the kicks are served
	if c, _ := f.state(); c != math.MaxInt64 {
		t.Fatalf("limit %d set while the outer build runs", c)
	}
	done()
	done() // once only
	waitLimit(t, f, "limit after the build", func(c int64, n int) bool { return c != math.MaxInt64 })
}

// An empty catalog (a remote catalog's first load under way) gets no
// limit: one made from an empty heap had the collector run all along the
// first load.
func TestNoMemoryLimitWhileTheCatalogIsEmpty(t *testing.T) {
	f := &fakeLimit{current: math.MaxInt64}
	m := newMemoryLimiter(1.2, "", slog.New(slog.DiscardHandler))
	m.set = f.set
	var mu sync.Mutex
	snap := catalog.NewSnapshot(nil, nil)
	m.current = func() *catalog.Snapshot { mu.Lock(); defer mu.Unlock(); return snap }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go m.Run(ctx)
	waitLimit(t, f, "Run started", func(_ int64, n int) bool { return n >= 1 })
	if c, _ := f.state(); c != math.MaxInt64 {
		t.Fatalf("limit %d over an empty catalog", c)
	}
	mu.Lock()
	snap = catalogSnapshotOf(t, 50)
	mu.Unlock()
	m.swapped(snap)
	waitLimit(t, f, "limit once loaded", func(c int64, _ int) bool { return c != math.MaxInt64 })
}

func catalogSnapshotOf(t *testing.T, n int) *catalog.Snapshot {
	t.Helper()
	s := catalogtest.Snapshot(catalogtest.Options{N: n, Seed: 3})
	if s.Len() != n {
		t.Fatalf("%d entities", s.Len())
	}
	return s
}
