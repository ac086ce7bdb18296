package redis

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

const templateFile = "../../scaffold/testdata/templates/go-service/template.yaml"

// registrar counts registrations; block, when set, holds Register until ctx ends
// (a worker stopped mid-job).
type registrar struct {
	calls atomic.Int64
	block bool
}

func (r *registrar) Register(ctx context.Context, data []byte, location string) (catalog.Ref, error) {
	if r.block {
		<-ctx.Done()
		return catalog.Ref{}, ctx.Err()
	}
	r.calls.Add(1)
	return catalog.MustParseRef("component:default/ledger"), nil
}

func params(name string) map[string]string {
	return map[string]string{"name": name, "owner": "group:team-payments", "repoUrl": "github.com?owner=acme&repo=" + name, "tags": "go"}
}

// replica is one bot instance: its own Redis client, store, queue and runner.
type replica struct {
	runner *scaffold.Runner
	queue  *Queue
}

func newReplica(t *testing.T, s *redistest.Server, pfx string, pub scaffold.Publisher, reg scaffold.Registrar, vis time.Duration) *replica {
	c := client(t, s)
	return &replica{
		runner: &scaffold.Runner{Store: &JobStore{C: c, Prefix: pfx}, Publisher: pub, Registrar: reg},
		queue:  &Queue{C: c, Prefix: pfx, Visibility: vis},
	}
}

func (r *replica) work(t *testing.T, ctx context.Context, tmpl *scaffold.Template, name string) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = r.runner.Work(ctx, r.queue, name, func(context.Context, string) (*scaffold.Template, error) { return tmpl, nil }, nil)
	}()
	return &wg
}

func waitJob(t *testing.T, store scaffold.JobStore, id string, want scaffold.JobState, within time.Duration) *scaffold.Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		j, err := store.Get(context.Background(), id)
		if err == nil && j.State == want {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: state %v (err %v) after %v, want %s", id, stateOf(j), err, within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stateOf(j *scaffold.Job) any {
	if j == nil {
		return nil
	}
	return j.State
}

func loadTemplate(t *testing.T) *scaffold.Template {
	tmpl, err := scaffold.LoadTemplateFile(context.Background(), templateFile)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func TestThousandDeliveriesAcrossThreeReplicasGiveOneJobAndOneRepository(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	tmpl := loadTemplate(t)
	pub := scaffoldtest.NewMemPublisher()
	reg := &registrar{}
	pfx := prefix()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reps []*replica
	var workers []*sync.WaitGroup
	for i := range 3 {
		r := newReplica(t, s, pfx, pub, reg, 2*time.Second)
		reps = append(reps, r)
		workers = append(workers, r.work(t, ctx, tmpl, fmt.Sprint("replica-", i)))
	}
	ids := make(chan string, 1000)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for i := range 1000 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			job, err := reps[i%3].runner.Submit(ctx, reps[i%3].queue, scaffold.Request{Template: tmpl, Params: params("ledger"), Key: "slack:T1:Ev42"})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- job.ID
		}()
	}
	wg.Wait()
	close(ids)
	distinct := map[string]bool{}
	for id := range ids {
		distinct[id] = true
	}
	if len(distinct) != 1 {
		t.Fatalf("1000 deliveries gave %d jobs, want 1", len(distinct))
	}
	for id := range distinct {
		waitJob(t, reps[0].runner.Store, id, scaffold.JobSucceeded, 20*time.Second)
	}
	time.Sleep(200 * time.Millisecond)
	if n := pub.RepoCount(); n != 1 {
		t.Fatalf("%d repositories in the fake GitHub, want 1", n)
	}
	if n := reg.calls.Load(); n != 1 {
		t.Fatalf("%d catalog registrations, want 1", n)
	}
	cancel()
	for _, w := range workers {
		w.Wait()
	}
}

func TestWorkerStoppedMidJobIsFinishedByAnother(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	tmpl := loadTemplate(t)
	pub := scaffoldtest.NewMemPublisher()
	pfx := prefix()
	vis := 500 * time.Millisecond
	dead := newReplica(t, s, pfx, pub, &registrar{block: true}, vis)
	deadCtx, kill := context.WithCancel(context.Background())
	deadWorker := dead.work(t, deadCtx, tmpl, "dying")
	job, err := dead.runner.Submit(context.Background(), dead.queue, scaffold.Request{Template: tmpl, Params: params("ledger"), Key: "k-mid"})
	if err != nil {
		t.Fatal(err)
	}
	// The dying worker has published and hangs in register: mid-job.
	deadline := time.Now().Add(10 * time.Second)
	for pub.RepoCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first worker never started the job")
		}
		time.Sleep(10 * time.Millisecond)
	}
	kill()
	deadWorker.Wait()

	reg := &registrar{}
	live := newReplica(t, s, pfx, pub, reg, vis)
	ctx, cancel := context.WithCancel(context.Background())
	w := live.work(t, ctx, tmpl, "survivor")
	done := waitJob(t, live.runner.Store, job.ID, scaffold.JobSucceeded, 15*time.Second)
	cancel()
	w.Wait()
	if pub.RepoCount() != 1 || reg.calls.Load() != 1 {
		t.Fatalf("repositories %d, registrations %d; want 1 and 1 (job %+v)", pub.RepoCount(), reg.calls.Load(), done)
	}
}

func TestRedisRestartMidRunLosesNoAcceptedJob(t *testing.T) {
	s := redistest.Start(t, redistest.Config{AppendOnly: true})
	if s.External() {
		t.Skip("needs a private redis-server to restart")
	}
	tmpl := loadTemplate(t)
	pub := scaffoldtest.NewMemPublisher()
	reg := &registrar{}
	pfx := prefix()
	r := newReplica(t, s, pfx, pub, reg, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var accepted []string
	submit := func(i int) {
		job, err := r.runner.Submit(ctx, r.queue, scaffold.Request{Template: tmpl, Params: params(fmt.Sprint("svc", i)), Key: fmt.Sprint("k", i)})
		if err == nil {
			accepted = append(accepted, job.ID)
		}
	}
	for i := range 10 {
		submit(i)
	}
	w := r.work(t, ctx, tmpl, "w1")
	time.Sleep(50 * time.Millisecond)
	s.Restart()
	for i := 10; i < 20; i++ {
		submit(i)
	}
	if len(accepted) < 10 {
		t.Fatalf("only %d of 20 jobs accepted", len(accepted))
	}
	for _, id := range accepted {
		waitJob(t, r.runner.Store, id, scaffold.JobSucceeded, 30*time.Second)
	}
	cancel()
	w.Wait()
}

func TestLeaderFailoverGivesIncreasingFencingTokens(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	ttl := 300 * time.Millisecond
	ctx := context.Background()
	firstClient := client(t, s)
	first := &Locker{C: firstClient, Prefix: pfx, TTL: ttl, Retry: 20 * time.Millisecond}
	second := &Locker{C: client(t, s), Prefix: pfx, TTL: ttl, Retry: 20 * time.Millisecond}
	a, err := first.Acquire(ctx, "ingest")
	if err != nil {
		t.Fatal(err)
	}
	// The leader holds the lock across several renewals.
	time.Sleep(3 * ttl)
	select {
	case <-a.Lost():
		t.Fatal("held lease lost while renewing")
	default:
	}
	got := make(chan error, 1)
	var b interface{ Token() int64 }
	go func() {
		ls, err := second.Acquire(ctx, "ingest")
		b = ls
		got <- err
	}()
	select {
	case <-got:
		t.Fatal("second replica took a held lock")
	case <-time.After(2 * ttl):
	}
	// The leader's connection dies: it can no longer renew.
	_ = firstClient.Close()
	select {
	case <-a.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("Lost not closed when renewal failed")
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second replica never became leader")
	}
	if b.Token() <= a.Token() {
		t.Fatalf("new leader token %d, old %d: want it to increase", b.Token(), a.Token())
	}
}
