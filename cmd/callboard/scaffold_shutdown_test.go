package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

// Two replicas over one Redis: the one running a job is told to stop while
// GitHub makes it wait; it hands the job back and the other finishes it,
// creating nothing twice, and the reply on the first replica's chat message
// is never a false success.
func TestShutdownHandsARunningJobToAnotherReplica(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	// The commit's tree waits 3 s (a secondary rate limit): the replica is
	// stopped during that wait.
	gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 1, githubtest.TooManyRequests(3*time.Second))
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	replica := func(name string) (*Main, context.CancelFunc, chan error) {
		t.Helper()
		cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf("server:\n  addr: %s\n  shutdown_timeout: 5s\ncatalog:\n  sources: [%s]\ngithub:\n  api_url: %s\nredis:\n  url: %s\n",
			freeAddr(t), org, gh.URL, rs.URL)), envOf(map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken}))
		if err != nil {
			t.Fatal(err)
		}
		s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(testLogOut, nil)).With("replica", name))
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		done, finished := make(chan error, 1), make(chan struct{})
		go func() { done <- s.Run(ctx); close(finished) }()
		t.Cleanup(func() { stop(); <-finished })
		return s, stop, done
	}
	a, stopA, doneA := replica("a")
	resp, err := a.app.Router.Handle(t.Context(), &chat.Request{Text: scaffoldLedgerExport, Platform: chat.PlatformSlack, DeliveryID: "EvShutdown",
		User: chat.User{Platform: chat.PlatformSlack, ID: priya}, Received: time.Now()})
	if err != nil || resp.Follow == nil {
		t.Fatalf("%v: %+v", err, resp)
	}
	id := jobID(t, resp)
	followCtx, stopFollow := context.WithCancel(context.Background())
	defer stopFollow()
	followed := make(chan []*chat.Response, 1)
	var followErr error
	go func() {
		var ups []*chat.Response
		followErr = resp.Follow(followCtx, func(r *chat.Response) error { ups = append(ups, r); return nil })
		followed <- ups
	}()
	waitFor(t, "the job reaches its commit", 10*time.Second, func() bool { return gh.Calls()["POST /repos/{owner}/{repo}/git/trees"] >= 1 })

	b, _, _ := replica("b")
	stopA() // SIGTERM on a
	select {
	case err := <-doneA:
		if err != nil {
			t.Fatalf("replica a stopped with %v", err)
		}
	case <-time.After(20 * time.Second): // a hang guard, not a speed target
		t.Fatal("replica a did not stop")
	}
	mid := a.metrics
	if m := scrape(t, mid); !strings.Contains(m, `callboard_scaffold_jobs{state="interrupted"} 1`) {
		t.Errorf("replica a's metrics:\n%s", grepLines(m, "callboard_scaffold"))
	}

	var final *scaffold.Job
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := scaffold.Watch(ctx, b.app.Scaffold.Store, id, nil, 20*time.Millisecond, func(j *scaffold.Job) error { final = j; return nil }); err != nil {
		t.Fatalf("watching from b: %v (last %+v)", err, final)
	}
	if final.State != scaffold.JobSucceeded || final.Attempts != 2 {
		t.Fatalf("job %s after %d attempts: %s", final.State, final.Attempts, final.Error)
	}
	repo := gh.Repo("tallybird", "ledger-export")
	if c := repo.Commits("main"); len(c) != 1 {
		t.Errorf("%d commits, want one", len(c))
	}
	// b registered it in its catalog; a's reply never claimed success.
	if _, ok := b.app.Store.Current().Get(catalog.MustParseRef("component:default/ledger-export")); !ok {
		t.Error("replica b's catalog lacks the new component")
	}
	// The job was handed back, never failed: replica a's reply did not say
	// it failed (before its Redis client closed with it).
	stopFollow()
	for _, u := range <-followed {
		if strings.Contains(u.Title, "failed") {
			t.Errorf("replica a's reply said the handed-back job failed: %q\n%s", u.Title, u.Text)
		}
	}
	// What the reply ends with says where the job went, not a generic
	// failure that invites scaffolding it again.
	if shown := chat.FollowUpFailed(t.Context(), slog.New(slog.DiscardHandler), followErr).Text; !strings.Contains(shown, "scaffold status "+id) {
		t.Errorf("the reply's last word after a restart: %q (follow: %v)", shown, followErr)
	}
}

// scrape reads the metrics as /metrics serves them.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, req)
	return rec.Body.String()
}

// testLogOut receives the replicas' logs (os.Stderr to debug).
var testLogOut io.Writer = io.Discard
