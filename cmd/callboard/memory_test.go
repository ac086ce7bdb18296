package main

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/catalog"
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
