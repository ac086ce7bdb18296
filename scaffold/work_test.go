package scaffold_test

import (
	"context"
	"testing"
	"time"

	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

func TestSubmittedJobsRunOnceOnAWorkerEvenAfterAReplicaDies(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	store := scaffold.NewMemJobStore()
	queue := scaffold.NewMemQueue()
	queue.Visibility = 150 * time.Millisecond
	cat := newLiveCatalog()
	r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: cat}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tmpl := goService(t)
	job, err := r.Submit(ctx, queue, scaffold.Request{Template: tmpl, Params: goParams(), Key: "slack:evt-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.Submit(ctx, queue, scaffold.Request{Template: tmpl, Params: goParams(), Key: "slack:evt-1"})
	if err != nil || again.ID != job.ID {
		t.Fatalf("resubmission gave %v, %v", again, err)
	}
	// A replica claims the job and dies without acknowledging it.
	if id, _, err := queue.Claim(ctx, "dead"); err != nil || id != job.ID {
		t.Fatalf("claim %q %v", id, err)
	}
	done := make(chan *scaffold.Job, 1)
	workCtx, stop := context.WithCancel(ctx)
	go func() {
		_ = r.Work(workCtx, queue, "live", func(context.Context, string) (*scaffold.Template, error) { return tmpl, nil }, func(e scaffold.Event) {
			if e.Step < 0 && e.Job.State == scaffold.JobSucceeded {
				done <- e.Job
			}
		})
	}()
	select {
	case j := <-done:
		if j.ID != job.ID {
			t.Fatalf("ran %s", j.ID)
		}
	case <-ctx.Done():
		t.Fatal("the abandoned job was never run")
	}
	stop()
	if pub.RepoCount() != 1 || cat.calls != 1 {
		t.Errorf("%d repos, %d registrations", pub.RepoCount(), cat.calls)
	}
	stored, _ := store.Get(ctx, job.ID)
	if stored.State != scaffold.JobSucceeded {
		t.Errorf("stored state %s", stored.State)
	}
}
