package scaffoldtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/scaffold"
)

// RunStateSuite checks a JobStore and a Queue against the contract scaffold's
// Runner relies on. newStore and newQueue return fresh, empty instances;
// visibility is how long the queue's claims last without an ack: keep it
// short (e.g. 200ms), as the suite waits for an unacked id to come back.
func RunStateSuite(t *testing.T, newStore func(t *testing.T) scaffold.JobStore, newQueue func(t *testing.T) scaffold.Queue, visibility time.Duration) {
	t.Run("ListJobsSelectsAPersonsJobsNewestFirst", func(t *testing.T) {
		s := newStore(t)
		l, ok := s.(scaffold.JobLister)
		if !ok {
			t.Fatalf("%T does not implement scaffold.JobLister", s)
		}
		ctx := context.Background()
		base := time.Now().UTC().Truncate(time.Second)
		for i, who := range []struct{ requester, user string }{
			{"slack:U1", "user:default/jane"}, {"slack:U2", "user:default/omar"}, {"discord:9", "user:default/jane"},
			{"slack:U1", ""}, {"slack:U2", ""},
		} {
			j := sampleJob(fmt.Sprintf("job-%d", i), fmt.Sprintf("key-%d", i))
			j.Requester, j.User = who.requester, who.user
			j.Created = base.Add(time.Duration(i) * time.Minute)
			if _, _, err := s.Create(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
		// A state change after creation is what a list shows.
		j, _ := s.Get(ctx, "job-0")
		j.State, j.Error = scaffold.JobFailed, "publish: repository exists"
		if err := s.Save(ctx, j); err != nil {
			t.Fatal(err)
		}
		ids := func(q scaffold.JobQuery) string {
			jobs, err := l.ListJobs(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, j := range jobs {
				out = append(out, j.ID+"/"+string(j.State))
			}
			return fmt.Sprint(out)
		}
		for _, c := range []struct {
			q    scaffold.JobQuery
			want string
		}{
			{scaffold.JobQuery{Requester: "slack:U1", User: "user:default/jane"}, "[job-3/queued job-2/queued job-0/failed]"},
			{scaffold.JobQuery{Requester: "slack:U1", User: "user:default/jane", Limit: 2}, "[job-3/queued job-2/queued]"},
			{scaffold.JobQuery{User: "user:default/omar"}, "[job-1/queued]"},
			{scaffold.JobQuery{Requester: "slack:U9"}, "[]"},
			{scaffold.JobQuery{}, "[job-4/queued job-3/queued job-2/queued job-1/queued job-0/failed]"},
		} {
			if got := ids(c.q); got != c.want {
				t.Errorf("ListJobs(%+v) = %s, want %s", c.q, got, c.want)
			}
		}
	})
	t.Run("CreateThenGetReturnsTheJob", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		j := sampleJob("job-1", "key-1")
		if _, created, err := s.Create(ctx, j); err != nil || !created {
			t.Fatalf("Create = created %v, err %v; want created", created, err)
		}
		got, err := s.Get(ctx, "job-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Key != "key-1" || got.Template != j.Template || got.Values["name"] != "ledger" || len(got.Steps) != 2 {
			t.Fatalf("Get returned %+v", got)
		}
	})
	t.Run("SameKeyReturnsTheExistingJob", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		if _, _, err := s.Create(ctx, sampleJob("job-1", "key-1")); err != nil {
			t.Fatal(err)
		}
		existing, created, err := s.Create(ctx, sampleJob("job-2", "key-1"))
		if err != nil || created || existing == nil || existing.ID != "job-1" {
			t.Fatalf("second Create = %+v, %v, %v; want job-1, false", existing, created, err)
		}
		if _, err := s.Get(ctx, "job-2"); !errors.Is(err, scaffold.ErrJobNotFound) {
			t.Fatalf("the refused job was stored: Get(job-2) err = %v", err)
		}
	})
	t.Run("ConcurrentCreatesWithOneKeyCreateOneJob", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		var mu sync.Mutex
		createdCount := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, created, err := s.Create(ctx, sampleJob(fmt.Sprintf("job-%d", i), "same"))
				if err != nil {
					t.Error(err)
				}
				if created {
					mu.Lock()
					createdCount++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if createdCount != 1 {
			t.Fatalf("%d creates succeeded, want 1", createdCount)
		}
	})
	t.Run("SaveReplacesStepsAndOutputs", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		j := sampleJob("job-1", "key-1")
		if _, _, err := s.Create(ctx, j); err != nil {
			t.Fatal(err)
		}
		j.State = scaffold.JobFailed
		j.Steps[0].State = scaffold.StepDone
		j.Steps[0].Output = map[string]any{"remoteUrl": "https://github.com/acme/ledger"}
		j.Steps[0].Created = []string{"repository github.com/acme/ledger"}
		j.Error = "boom"
		if err := s.Save(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "job-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != scaffold.JobFailed || got.Steps[0].Output["remoteUrl"] != "https://github.com/acme/ledger" || got.Error != "boom" || len(got.Exists()) != 1 {
			t.Fatalf("Get after Save = %+v", got)
		}
	})
	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(context.Background(), "nope"); !errors.Is(err, scaffold.ErrJobNotFound) {
			t.Fatalf("err = %v, want ErrJobNotFound", err)
		}
	})
	t.Run("QueueHandsOutEachIDOnce", func(t *testing.T) {
		q := newQueue(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, id := range []string{"a", "b", "c"} {
			if err := q.Enqueue(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		for range 3 {
			id, ack, err := q.Claim(ctx, "w1")
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] {
				t.Fatalf("%s handed out twice", id)
			}
			seen[id] = true
			if err := ack(ctx); err != nil {
				t.Fatal(err)
			}
		}
		short, cancel2 := context.WithTimeout(ctx, visibility+300*time.Millisecond)
		defer cancel2()
		if id, _, err := q.Claim(short, "w1"); err == nil {
			t.Fatalf("acked queue handed out %q again", id)
		}
	})
	t.Run("ClaimBlocksUntilEnqueue", func(t *testing.T) {
		q := newQueue(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		go func() {
			time.Sleep(50 * time.Millisecond)
			_ = q.Enqueue(ctx, "late")
		}()
		id, ack, err := q.Claim(ctx, "w1")
		if err != nil || id != "late" {
			t.Fatalf("Claim = %q, %v", id, err)
		}
		_ = ack(ctx)
	})
	t.Run("UnackedClaimIsHandedOutAgain", func(t *testing.T) {
		q := newQueue(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Enqueue(ctx, "crashy"); err != nil {
			t.Fatal(err)
		}
		id, _, err := q.Claim(ctx, "dead-replica")
		if err != nil || id != "crashy" {
			t.Fatalf("Claim = %q, %v", id, err)
		}
		id, ack, err := q.Claim(ctx, "live-replica")
		if err != nil || id != "crashy" {
			t.Fatalf("reclaim = %q, %v; want crashy", id, err)
		}
		_ = ack(ctx)
	})
	t.Run("RenewedClaimIsKeptAndALapsedOneIsTakenOver", func(t *testing.T) {
		q := newQueue(t)
		l, ok := q.(scaffold.Leaser)
		if !ok {
			t.Skip("the queue gives no leases")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Enqueue(ctx, "long"); err != nil {
			t.Fatal(err)
		}
		id, _, err := q.Claim(ctx, "w1")
		if err != nil || id != "long" {
			t.Fatalf("Claim = %q, %v", id, err)
		}
		a, err := l.Lease(ctx, "w1", id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Lease(ctx, "w2", id); !errors.Is(err, scaffold.ErrClaimHeld) {
			t.Fatalf("second lease while held: %v, want ErrClaimHeld", err)
		}
		// w1 beats for twice the visibility: nobody else gets the entry.
		short, cancel2 := context.WithTimeout(ctx, 2*visibility)
		defer cancel2()
		go func() {
			for short.Err() == nil {
				_ = l.Renew(ctx, "w1", a)
				time.Sleep(visibility / 4)
			}
		}()
		if got, _, err := q.Claim(short, "w2"); err == nil {
			t.Fatalf("a renewed claim was handed out again: %q", got)
		}
		// w1 stops beating (killed): w2 gets the entry and a newer lease.
		id, ack, err := q.Claim(ctx, "w2")
		if err != nil || id != "long" {
			t.Fatalf("reclaim = %q, %v", id, err)
		}
		b, err := l.Lease(ctx, "w2", id)
		if err != nil || b.Token <= a.Token {
			t.Fatalf("lease after the lapse = %+v (first %+v), %v", b, a, err)
		}
		if err := l.Renew(ctx, "w1", a); !errors.Is(err, scaffold.ErrClaimLost) {
			t.Fatalf("the dead worker's renewal: %v, want ErrClaimLost", err)
		}
		if err := l.Release(ctx, b); err != nil {
			t.Fatal(err)
		}
		_ = ack(ctx)
	})
	t.Run("ClaimStopsWhenContextIsDone", func(t *testing.T) {
		q := newQueue(t)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, _, err := q.Claim(ctx, "w1"); err == nil {
			t.Fatal("Claim on an empty queue returned no error after ctx ended")
		}
	})
}

func sampleJob(id, key string) *scaffold.Job {
	now := time.Now().UTC().Truncate(time.Second)
	return &scaffold.Job{
		ID: id, Key: key, Template: "template:default/go-service",
		Values: map[string]any{"name": "ledger", "replicas": float64(2)},
		State:  scaffold.JobQueued,
		Steps: []scaffold.StepRecord{
			{ID: "publish", Action: "publish:github", State: scaffold.StepPending},
			{ID: "register", Action: "catalog:register", State: scaffold.StepPending},
		},
		Created: now, Updated: now, Attempts: 1,
	}
}
