package scaffold_test

import (
	"context"
	"errors"
	"strings"
	"sync"
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
	workUntilSucceeded(t, ctx, r, queue, "live", tmpl, job.ID, "the abandoned job was never run")
	if pub.RepoCount() != 1 || cat.calls != 1 {
		t.Errorf("%d repos, %d registrations", pub.RepoCount(), cat.calls)
	}
	stored, _ := store.Get(ctx, job.ID)
	if stored.State != scaffold.JobSucceeded {
		t.Errorf("stored state %s", stored.State)
	}
}

// flakyStore fails Get a set number of times, as a store does while Redis
// restarts; everything else goes to the real in-memory store.
type flakyStore struct {
	*scaffold.MemJobStore
	mu       sync.Mutex
	failGets int
}

func (s *flakyStore) Get(ctx context.Context, id string) (*scaffold.Job, error) {
	s.mu.Lock()
	fail := s.failGets > 0
	if fail {
		s.failGets--
	}
	s.mu.Unlock()
	if fail {
		return nil, errors.New("connection refused")
	}
	return s.MemJobStore.Get(ctx, id)
}

func TestAClaimedJobIsNotLostWhenItsRecordCannotBeRead(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	store := &flakyStore{MemJobStore: scaffold.NewMemJobStore()}
	queue := scaffold.NewMemQueue()
	queue.Visibility = 100 * time.Millisecond
	cat := newLiveCatalog()
	r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: cat}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tmpl := goService(t)
	job, err := r.Submit(ctx, queue, scaffold.Request{Template: tmpl, Params: goParams(), Key: "slack:evt-flaky"})
	if err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	store.failGets = 1 // the first claim cannot read the job
	store.mu.Unlock()
	workUntilSucceeded(t, ctx, r, queue, "w", tmpl, job.ID, "the job whose record could not be read was acknowledged and lost")
	if pub.RepoCount() != 1 {
		t.Errorf("%d repositories, want 1", pub.RepoCount())
	}
}

// brokenQueue refuses every job, as a queue does while Redis is down.
type brokenQueue struct{ *scaffold.MemQueue }

func (brokenQueue) Enqueue(context.Context, string) error { return errors.New("connection refused") }

func TestAJobThatCannotBeQueuedIsRecordedAsFailed(t *testing.T) {
	store := scaffold.NewMemJobStore()
	r := &scaffold.Runner{Store: store, Publisher: scaffoldtest.NewMemPublisher(), Registrar: newLiveCatalog()}
	ctx := context.Background()
	job, err := r.Submit(ctx, brokenQueue{scaffold.NewMemQueue()}, scaffold.Request{Template: goService(t), Params: goParams(), Key: "k"})
	if err == nil {
		t.Fatal("Submit succeeded with a queue that refuses jobs")
	}
	stored, gerr := store.Get(ctx, job.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if stored.State != scaffold.JobFailed || !strings.Contains(stored.Error, "could not be queued") {
		t.Errorf("stored job is %s %q; want failed, saying it could not be queued", stored.State, stored.Error)
	}
}

// workUntilSucceeded runs a worker until job id succeeds (failing the test
// with never when ctx ends first) and stops it.
func workUntilSucceeded(t *testing.T, ctx context.Context, r *scaffold.Runner, queue scaffold.Queue, consumer string, tmpl *scaffold.Template, id, never string) {
	t.Helper()
	done := make(chan *scaffold.Job, 1)
	workCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = r.Work(workCtx, queue, consumer, func(context.Context, string) (*scaffold.Template, error) { return tmpl, nil }, func(e scaffold.Event) {
			if e.Step < 0 && e.Job.State == scaffold.JobSucceeded {
				select {
				case done <- e.Job:
				default:
				}
			}
		})
	}()
	select {
	case j := <-done:
		if j.ID != id {
			t.Fatalf("ran %s, want %s", j.ID, id)
		}
	case <-ctx.Done():
		t.Fatal(never)
	}
}
