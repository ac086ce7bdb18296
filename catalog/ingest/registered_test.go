package ingest_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
)

const registeredDescriptor = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger-export
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-payments
`

var ledgerExport = catalog.MustParseRef("component:default/ledger-export")

// replicaStore is one replica's live catalog: two groups and a component.
func replicaStore(t *testing.T) *catalog.Store {
	t.Helper()
	res := catalog.LoadFS(context.Background(), mapFS(map[string]string{"org.yaml": `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
spec:
  type: service
  lifecycle: production
  owner: team-payments
`}), []string{"org.yaml"}, catalog.LoadOptions{Source: "files"})
	if len(res.Entities) != 2 {
		t.Fatalf("fixture: %v", res.Problems)
	}
	return catalog.NewStore(catalog.Build(res))
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The registrations are shared through Redis, and through the in-memory
// twin (replicas in one process): both behave alike.
func TestRegisteredEntityIsLiveAtOnceKeptByRebuildsAndSharedByReplicas(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t, redistest.Config{})
		client := srv.Client(t)
		testRegistry(t, func(self string) ingest.Registrations {
			return &redis.Registrations{C: client, Jobs: &redis.JobStore{C: client, Prefix: "t:"}, Prefix: "t:", Self: self}
		})
	})
	t.Run("memory", func(t *testing.T) {
		testRegistry(t, ingest.NewMemoryRegistrations().View)
	})
}

func testRegistry(t *testing.T, kv func(self string) ingest.Registrations) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	newReplica := func(name string) (*ingest.Registry, *catalog.Store) {
		r := ingest.NewRegistry(kv(name), nil)
		st := replicaStore(t)
		r.Attach(st)
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
		return r, st
	}
	a, storeA := newReplica("a")
	_, storeB := newReplica("b")
	time.Sleep(100 * time.Millisecond) // let b's subscription start

	before := storeA.Current()
	ref, err := a.Register(ctx, []byte(registeredDescriptor), "https://github.com/tallybird/ledger-export/blob/main/catalog-info.yaml")
	if err != nil || ref != ledgerExport {
		t.Fatalf("register: %v %v", ref, err)
	}
	// In the same process, at once, with its owner relation.
	e, ok := storeA.Current().Get(ledgerExport)
	if !ok || storeA.Current().Len() != 3 {
		t.Fatalf("not in the live catalog at once (%d entities)", storeA.Current().Len())
	}
	if got := storeA.Current().OwnedBy(catalog.MustParseRef("group:default/team-payments")); len(got) != 2 {
		t.Errorf("team-payments owns %d entities, want 2", len(got))
	}
	if e.Origin.Source != ingest.SourceName || e.Origin.Pos.File != "https://github.com/tallybird/ledger-export/blob/main/catalog-info.yaml" {
		t.Errorf("origin %+v", e.Origin)
	}
	// Copy-on-write: the snapshot readers held is unchanged.
	if _, ok := before.Get(ledgerExport); ok || before.Len() != 2 || len(before.OwnedBy(catalog.MustParseRef("group:default/team-payments"))) != 1 {
		t.Error("the previous snapshot changed under its readers")
	}

	// Another replica hears of it and adds it.
	waitFor(t, "replica b has the registration", 5*time.Second, func() bool { _, ok := storeB.Current().Get(ledgerExport); return ok })

	// A rebuild from the sources (a file reload) keeps it: Load provides it.
	res, err := a.Load(ctx)
	if err != nil || len(res.Entities) != 1 {
		t.Fatalf("registered source: %v, %v", res, err)
	}
	storeA.Swap(catalog.Build(&catalog.Result{Entities: res.Entities}))
	if _, ok := storeA.Current().Get(ledgerExport); !ok {
		t.Error("lost in a rebuild")
	}

	// A replica started later reads it from Redis at its first load.
	c := ingest.NewRegistry(kv("c"), nil)
	c.Attach(replicaStore(t))
	res, err = c.Load(ctx)
	if err != nil || len(res.Entities) != 1 || res.Entities[0].Ref() != ledgerExport {
		t.Fatalf("new replica's load: %+v %v", res, err)
	}

	// A snapshot swapped in without it (a leader's that had not seen it)
	// gets it back.
	storeB.Swap(replicaStore(t).Current())
	waitFor(t, "re-added after a swap without it", 5*time.Second, func() bool { _, ok := storeB.Current().Get(ledgerExport); return ok })

	// Once GitHub discovery provides the entity, the registration retires.
	discovered := catalog.LoadFS(ctx, mapFS(map[string]string{"catalog-info.yaml": registeredDescriptor}), []string{"catalog-info.yaml"}, catalog.LoadOptions{Source: "github:tallybird"})
	all := append(append([]*catalog.Entity(nil), copies(replicaStore(t).Current().Entities())...), discovered.Entities...)
	storeA.Swap(catalog.Build(&catalog.Result{Entities: all}))
	res, err = a.Load(ctx)
	if err != nil || len(res.Entities) != 0 {
		t.Fatalf("after discovery the registered source still gives %d entities (%v)", len(res.Entities), err)
	}
	if all, _ := kv("d").All(ctx); len(all) != 0 {
		t.Errorf("%d registrations left in the shared store", len(all))
	}
	// Retired on a, it stays retired on b: a snapshot without it (the
	// entity gone from GitHub too) is not given it back.
	storeB.Swap(replicaStore(t).Current())
	time.Sleep(300 * time.Millisecond) // Run's re-check after the swap runs
	if _, ok := storeB.Current().Get(ledgerExport); ok {
		t.Error("a registration retired on another replica came back on b")
	}
}

func TestRegisteringABadDescriptorSaysWhereAndWhat(t *testing.T) {
	r := ingest.NewRegistry(nil, nil)
	r.Attach(replicaStore(t))
	_, err := r.Register(context.Background(), []byte("kind: Component\nmetadata:\n  name: Not_Valid!\n"), "https://github.com/tallybird/x/blob/main/catalog-info.yaml")
	if err == nil || !strings.Contains(err.Error(), "https://github.com/tallybird/x/blob/main/catalog-info.yaml") {
		t.Fatalf("err = %v; want the location and the problem", err)
	}
}

func copies(es []*catalog.Entity) []*catalog.Entity {
	out := make([]*catalog.Entity, len(es))
	for i, e := range es {
		c := *e
		c.Relations = nil
		out[i] = &c
	}
	return out
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// blockingKV is shared storage that never answers until released, and
// counts the calls made to it.
type blockingKV struct {
	release chan struct{}
	calls   *atomic.Int32
}

func (b blockingKV) wait(ctx context.Context) error {
	b.calls.Add(1)
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (b blockingKV) Put(ctx context.Context, _ string, _ []byte) error { return b.wait(ctx) }
func (b blockingKV) Delete(ctx context.Context, _ string) error        { return b.wait(ctx) }
func (b blockingKV) All(ctx context.Context) (map[string][]byte, error) {
	return nil, b.wait(ctx)
}
func (b blockingKV) Follow(ctx context.Context, _ func(string)) error { return b.wait(ctx) }

// A catalog swap only signals Run: once Run has returned, swaps make the
// Registry touch the shared store no more (they used to start goroutines
// with context.Background that outlived shutdown and the Redis close).
func TestRegistryWorkStopsWithRun(t *testing.T) {
	kv := blockingKV{release: make(chan struct{}), calls: new(atomic.Int32)}
	defer close(kv.release)
	r := ingest.NewRegistry(kv, nil)
	st := replicaStore(t)
	r.Attach(st)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	st.Swap(replicaStore(t).Current()) // Run takes it up and waits on the store
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after its context was cancelled")
	}
	after := kv.calls.Load()
	for range 20 {
		st.Swap(replicaStore(t).Current())
	}
	time.Sleep(200 * time.Millisecond) // work a swap started would have begun by now
	if n := kv.calls.Load() - after; n != 0 {
		t.Fatalf("%d calls to the shared store after Run returned", n)
	}
}
