package redis

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog"
)

const entities = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    github.com/project-slug: acme/ledger
spec:
  type: service
  lifecycle: production
  owner: group:team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
spec:
  type: team
  children: []
`

func TestFollowersLoadEachPublishedSnapshot(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	leader := &SnapshotBus{C: client(t, s), Prefix: pfx}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := catalog.LoadFS(ctx, fstest.MapFS{"catalog-info.yaml": {Data: []byte(entities)}}, []string{"catalog-info.yaml"}, catalog.LoadOptions{})
	snap := catalog.Build(res)
	if snap.Len() != 2 {
		t.Fatalf("fixture has %d entities", snap.Len())
	}
	if _, _, err := leader.Load(ctx); err != ErrNoSnapshot {
		t.Fatalf("Load before publish = %v, want ErrNoSnapshot", err)
	}
	type got struct {
		v    int64
		snap *catalog.Snapshot
	}
	var followers []chan got
	for range 2 {
		ch := make(chan got, 4)
		followers = append(followers, ch)
		bus := &SnapshotBus{C: client(t, s), Prefix: pfx}
		ready := make(chan struct{})
		go func() {
			close(ready)
			_ = bus.Follow(ctx, func(v int64, s *catalog.Snapshot) { ch <- got{v, s} })
		}()
		<-ready
	}
	time.Sleep(200 * time.Millisecond) // let the subscriptions start
	v1, err := leader.Publish(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := leader.Publish(ctx, snap)
	if err != nil || v2 <= v1 {
		t.Fatalf("second version %d after %d, err %v", v2, v1, err)
	}
	for i, ch := range followers {
		var last got
		for last.v != v2 {
			select {
			case last = <-ch:
			case <-ctx.Done():
				t.Fatalf("follower %d never saw version %d (last %d)", i, v2, last.v)
			}
		}
		e, ok := last.snap.Get(catalog.MustParseRef("component:default/ledger"))
		if !ok || e.Metadata.Annotations["github.com/project-slug"] != "acme/ledger" || last.snap.Len() != 2 {
			t.Fatalf("follower %d snapshot lacks ledger or its annotation: %+v", i, e)
		}
		if got := last.snap.OwnedBy(catalog.MustParseRef("group:default/team-payments")); len(got) != 1 {
			t.Fatalf("follower %d: team-payments owns %d, want 1", i, len(got))
		}
	}
}
