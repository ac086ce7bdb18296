package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/scaffold"
)

// A job's lease is fenced: once another worker leased the job, the first
// worker's record and registration writes are refused, and its heartbeat
// learns it lost the job. A live lease keeps a duplicate entry's worker off.
func TestLeaseFencesTheWorkerThatLostIt(t *testing.T) {
	t.Run("single", func(t *testing.T) { leaseFences(t, client(t, redistest.Start(t, redistest.Config{}))) })
	// On a Cluster the record, its lease and epoch share a slot; the
	// registration hash does not, and is fenced by a check then a write.
	t.Run("cluster", func(t *testing.T) {
		cl := redistest.SharedCluster(t)
		leaseFences(t, open(t, Options{Addrs: cl.Addrs}).Client)
	})
}

func leaseFences(t *testing.T, c goredis.UniversalClient) {
	pfx := prefix()
	store := &JobStore{C: c, Prefix: pfx}
	q := &Queue{C: c, Prefix: pfx, Visibility: 300 * time.Millisecond}
	ctx := context.Background()
	job := &scaffold.Job{ID: "j1", State: scaffold.JobQueued, Attempts: 1}
	if _, created, err := store.Create(ctx, job); err != nil || !created {
		t.Fatal(created, err)
	}
	a, err := q.Lease(ctx, "a", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Lease(ctx, "b", "j1"); !errors.Is(err, scaffold.ErrClaimHeld) {
		t.Fatalf("leasing a held job: %v, want ErrClaimHeld", err)
	}
	actx := scaffold.WithClaim(ctx, a)
	job.State = scaffold.JobRunning
	if err := store.Save(actx, job); err != nil {
		t.Fatalf("holder's save: %v", err)
	}
	if err := q.Renew(ctx, "a", a); err != nil {
		t.Fatalf("holder's renewal: %v", err)
	}
	// a stops beating (paused, partitioned); its lease lapses and b leases.
	time.Sleep(350 * time.Millisecond)
	b, err := q.Lease(ctx, "b", "j1")
	if err != nil || b.Token <= a.Token {
		t.Fatalf("b's lease %+v after a's lapsed (a %+v): %v", b, a, err)
	}
	job.Attempts = 2
	if err := store.Save(scaffold.WithClaim(ctx, b), job); err != nil {
		t.Fatalf("new holder's save: %v", err)
	}
	stale := *job
	stale.Attempts = 1
	if err := store.Save(actx, &stale); !errors.Is(err, scaffold.ErrClaimLost) {
		t.Fatalf("stale worker's save: %v, want ErrClaimLost", err)
	}
	if err := store.FencedHSet(actx, pfx+"catalog:registered", "x", []byte("stale")); !errors.Is(err, scaffold.ErrClaimLost) {
		t.Fatalf("stale worker's registration: %v, want ErrClaimLost", err)
	}
	if err := q.Renew(ctx, "a", a); !errors.Is(err, scaffold.ErrClaimLost) {
		t.Fatalf("stale worker's renewal: %v, want ErrClaimLost", err)
	}
	got, err := store.Get(ctx, "j1")
	if err != nil || got.Attempts != 2 {
		t.Fatalf("record after the stale writes: %+v %v; want attempts 2", got, err)
	}
	if n, _ := c.HLen(ctx, pfx+"catalog:registered").Result(); n != 0 {
		t.Fatalf("the stale registration was written")
	}
	// Released, the job can be leased at once.
	if err := q.Release(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Lease(ctx, "c", "j1"); err != nil {
		t.Fatalf("leasing a released job: %v", err)
	}
}
