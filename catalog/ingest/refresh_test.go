package ingest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// sourceFunc is a catalog.Source made of a function.
type sourceFunc func(context.Context) (*catalog.Result, error)

func (sourceFunc) Name() string                                        { return "test" }
func (f sourceFunc) Load(ctx context.Context) (*catalog.Result, error) { return f(ctx) }

// Building is on while a refresh loads its sources and builds and swaps
// the snapshot (serve lifts its memory limit meanwhile), and off after.
func TestRefresherReportsBuildingAroundLoadAndSwap(t *testing.T) {
	var mu sync.Mutex
	open := 0
	var duringLoad, duringSwap []int
	store := catalog.NewStore(catalog.NewSnapshot(nil, nil))
	store.OnSwap(func(s *catalog.Snapshot) {
		if s.Len() == 0 {
			return // the empty snapshot it started with
		}
		mu.Lock()
		defer mu.Unlock()
		duringSwap = append(duringSwap, open)
	})
	src := sourceFunc(func(context.Context) (*catalog.Result, error) {
		mu.Lock()
		duringLoad = append(duringLoad, open)
		mu.Unlock()
		return &catalog.Result{Entities: catalogtest.Entities(catalogtest.Options{N: 30, Seed: 5})}, nil
	})
	r := NewRefresher(store, time.Hour, slog.New(slog.DiscardHandler), src)
	r.Building = func() func() {
		mu.Lock()
		open++
		mu.Unlock()
		return func() {
			mu.Lock()
			open--
			mu.Unlock()
		}
	}
	if err := r.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(duringLoad) != 1 || duringLoad[0] < 1 || len(duringSwap) != 1 || duringSwap[0] < 1 || open != 0 {
		t.Fatalf("building during load %v, during swap %v, after %d", duringLoad, duringSwap, open)
	}
	if store.Current().Len() != 30 {
		t.Fatalf("%d entities swapped in", store.Current().Len())
	}
}
