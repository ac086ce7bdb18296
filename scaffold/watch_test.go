package scaffold_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

// stallingPublisher holds the first Commit until its context ends, as a
// GitHub call in flight when the process is told to stop.
type stallingPublisher struct {
	*scaffoldtest.MemPublisher
	once    sync.Once
	entered chan struct{}
}

func (p *stallingPublisher) Commit(ctx context.Context, host, owner, repo, branch, base string, files []scaffold.File, message, marker string) (string, error) {
	stall := false
	p.once.Do(func() { stall = true })
	if stall {
		close(p.entered)
		<-ctx.Done()
		return "", ctx.Err()
	}
	return p.MemPublisher.Commit(ctx, host, owner, repo, branch, base, files, message, marker)
}

func TestAWorkerStoppedMidJobHandsItBackAndAnotherFinishesIt(t *testing.T) {
	pub := &stallingPublisher{MemPublisher: scaffoldtest.NewMemPublisher(), entered: make(chan struct{})}
	store := scaffold.NewMemJobStore()
	queue := scaffold.NewMemQueue() // claims last 5 minutes: only a hand-back gets it done in time
	cat := newLiveCatalog()
	r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: cat}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tmpl := goService(t)
	templates := func(context.Context, string) (*scaffold.Template, error) { return tmpl, nil }
	job, err := r.Submit(ctx, queue, scaffold.Request{Template: tmpl, Params: goParams(), Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	first, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- r.Work(first, queue, "replica-a", templates, nil) }()
	select {
	case <-pub.entered:
	case <-ctx.Done():
		t.Fatal("the job never reached its commit")
	}
	stop() // SIGTERM on replica a
	if err := <-stopped; err != nil {
		t.Fatalf("Work after stop: %v", err)
	}
	mid, _ := store.Get(ctx, job.ID)
	if mid.State != scaffold.JobQueued || mid.Error != "" {
		t.Fatalf("stopped job is %s (%q); want queued, not failed", mid.State, mid.Error)
	}
	notify := &scaffold.Notifier{}
	go func() { _ = r.Work(ctx, queue, "replica-b", templates, notify.Notify) }()
	wake, unsub := notify.Subscribe(job.ID)
	defer unsub()
	var seen []scaffold.JobState
	err = scaffold.Watch(ctx, store, job.ID, wake, time.Hour, func(j *scaffold.Job) error {
		seen = append(seen, j.State)
		return nil
	})
	if err != nil {
		t.Fatalf("watch: %v (saw %v)", err, seen)
	}
	if seen[len(seen)-1] != scaffold.JobSucceeded {
		t.Fatalf("watch saw %v", seen)
	}
	repo := pub.Repo("github.com", "acme", "ledger")
	if pub.RepoCount() != 1 || len(repo.Branches["main"]) != 1 || cat.calls != 1 {
		t.Errorf("%d repos, %d commits, %d registrations; want 1 each", pub.RepoCount(), len(repo.Branches["main"]), cat.calls)
	}
}

func TestWatchPollsAJobWorkedElsewhereAndStopsWhenItEnds(t *testing.T) {
	store := scaffold.NewMemJobStore()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	job := &scaffold.Job{ID: "j1", State: scaffold.JobQueued, Steps: []scaffold.StepRecord{{ID: "a", State: scaffold.StepPending}}}
	if _, _, err := store.Create(ctx, job); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Another replica: no notification reaches this process.
		time.Sleep(30 * time.Millisecond)
		job.State, job.Steps[0].State = scaffold.JobRunning, scaffold.StepRunning
		_ = store.Save(ctx, job)
		time.Sleep(30 * time.Millisecond)
		job.State, job.Steps[0].State = scaffold.JobFailed, scaffold.StepFailed
		_ = store.Save(ctx, job)
	}()
	var seen []string
	err := scaffold.Watch(ctx, store, "j1", nil, 5*time.Millisecond, func(j *scaffold.Job) error {
		seen = append(seen, string(j.State))
		return nil
	})
	if err != nil || strings.Join(seen, ",") != "queued,running,failed" {
		t.Fatalf("watch: %v, saw %v; want each change once", err, seen)
	}
	if err := scaffold.Watch(ctx, store, "nope", nil, time.Millisecond, func(*scaffold.Job) error { return nil }); !errors.Is(err, scaffold.ErrJobNotFound) {
		t.Errorf("unknown job: %v", err)
	}
}

func TestRequeueResumesAFailedJobOnAWorkerWithoutRepeatingWhatExists(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	store := scaffold.NewMemJobStore()
	queue := scaffold.NewMemQueue()
	cat := newLiveCatalog()
	r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: cat}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tmpl := goService(t)
	pub.FailNext("Commit", errors.New("502 bad gateway"))
	job, err := r.Submit(ctx, queue, scaffold.Request{Template: tmpl, Params: goParams(), Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Requeue(ctx, queue, job.ID); err == nil {
		t.Error("requeue of a job still queued was accepted")
	}
	go func() {
		_ = r.Work(ctx, queue, "w", func(context.Context, string) (*scaffold.Template, error) { return tmpl, nil }, nil)
	}()
	final := func() *scaffold.Job {
		var last *scaffold.Job
		if err := scaffold.Watch(ctx, store, job.ID, nil, 5*time.Millisecond, func(j *scaffold.Job) error { last = j; return nil }); err != nil {
			t.Fatal(err)
		}
		return last
	}
	if j := final(); j.State != scaffold.JobFailed || !strings.Contains(strings.Join(j.Exists(), ";"), "repository") {
		t.Fatalf("first run: %s, exists %v", j.State, j.Exists())
	}
	if _, err := r.Requeue(ctx, queue, job.ID); err != nil {
		t.Fatal(err)
	}
	if j := final(); j.State != scaffold.JobSucceeded || j.Attempts != 2 {
		t.Fatalf("after requeue: %s, attempts %d", j.State, j.Attempts)
	}
	repo := pub.Repo("github.com", "acme", "ledger")
	if pub.RepoCount() != 1 || len(repo.Branches["main"]) != 1 || cat.calls != 1 {
		t.Errorf("%d repos, %d commits, %d registrations; want 1 each", pub.RepoCount(), len(repo.Branches["main"]), cat.calls)
	}
}

// slowGets makes both retries read the job before either saves it, as a
// slow store would: each Get returns only once two are in flight (or after
// a second).
type slowGets struct {
	scaffold.JobStore
	arrived chan struct{}
}

func (s slowGets) Get(ctx context.Context, id string) (*scaffold.Job, error) {
	j, err := s.JobStore.Get(ctx, id)
	s.arrived <- struct{}{}
	deadline := time.After(time.Second)
	for len(s.arrived) < 2 {
		select {
		case <-deadline:
			return j, err
		case <-time.After(time.Millisecond):
		}
	}
	return j, err
}

type countingQueue struct {
	scaffold.Queue
	mu sync.Mutex
	n  int
}

func (q *countingQueue) Enqueue(ctx context.Context, id string) error {
	q.mu.Lock()
	q.n++
	q.mu.Unlock()
	return q.Queue.Enqueue(ctx, id)
}

// Two retries of the same failure at once (a double click, the requester
// and an admin) queue the job once.
func TestConcurrentRequeuesQueueTheJobOnce(t *testing.T) {
	store := scaffold.NewMemJobStore()
	ctx := context.Background()
	job := &scaffold.Job{ID: "j1", Key: "k1", State: scaffold.JobFailed, Attempts: 1}
	if _, _, err := store.Create(ctx, job); err != nil {
		t.Fatal(err)
	}
	dd := chat.NewMemoryDedupe()
	r := &scaffold.Runner{Store: slowGets{store, make(chan struct{}, 2)}, Once: func(ctx context.Context, key string) (bool, error) {
		return dd.FirstSeen(ctx, key, time.Hour)
	}}
	q := &countingQueue{Queue: scaffold.NewMemQueue()}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = r.Requeue(ctx, q, "j1") }()
	}
	wg.Wait()
	if q.n != 1 {
		t.Fatalf("queued %d times (errors %v), want once", q.n, errs)
	}
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("errors %v: want exactly one retry refused", errs)
	}
}
