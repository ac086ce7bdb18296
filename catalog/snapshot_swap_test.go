package catalog_test

import (
	"testing"

	"github.com/callboard/callboard/catalog"
)

func TestOnSwapRunsOnTheCurrentSnapshotAndEveryLaterSwap(t *testing.T) {
	first := catalog.NewSnapshot(nil, nil)
	st := catalog.NewStore(first)
	var seen []*catalog.Snapshot
	st.OnSwap(func(s *catalog.Snapshot) { seen = append(seen, s) })
	second := catalog.NewSnapshot(nil, nil)
	st.Swap(second)
	if len(seen) != 2 || seen[0] != first || seen[1] != second {
		t.Fatalf("hook saw %v; want the current snapshot, then the swapped one", seen)
	}
	if second.Version() != 2 {
		t.Errorf("version %d after two swaps", second.Version())
	}
}

// CompareAndSwap installs a snapshot only over the one it was built from,
// and runs the swap hooks only when it does.
func TestStoreCompareAndSwap(t *testing.T) {
	a, b, c := catalog.NewSnapshot(nil, nil), catalog.NewSnapshot(nil, nil), catalog.NewSnapshot(nil, nil)
	st := catalog.NewStore(a)
	hooked := 0
	st.OnSwap(func(*catalog.Snapshot) { hooked++ })
	hooked = 0
	if !st.CompareAndSwap(a, b) || st.Current() != b || hooked != 1 {
		t.Fatalf("swap over the current one: current %p, hooks %d", st.Current(), hooked)
	}
	if st.CompareAndSwap(a, c) || st.Current() != b || hooked != 1 {
		t.Fatalf("a swap built from a stale snapshot went in (hooks %d)", hooked)
	}
}
