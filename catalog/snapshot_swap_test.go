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
