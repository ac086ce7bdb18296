package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

// A rate limit that resets later than the client waits parks the job: the
// message says when it continues, and it resumes by itself then, creating
// nothing twice.
func TestRateLimitedJobParksSaysWhenAndResumesByItself(t *testing.T) {
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	// The commit's tree is refused with Retry-After: 2; the client does not
	// retry (a reset beyond its wait), so the job must park.
	gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 1, githubtest.TooManyRequests(2*time.Second))
	client, err := github.NewClient(github.Config{Token: githubtest.DefaultToken, BaseURL: gh.URL, Retry: github.Retry{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	queue := scaffold.NewMemQueue()
	queue.Visibility = 300 * time.Millisecond
	setup := &scaffoldSetup{Publisher: github.NewPublisher(client), Store: scaffold.NewMemJobStore(), Queue: queue,
		Notifier: &scaffold.Notifier{}, Poll: 20 * time.Millisecond, Registered: ingest.NewRegistry(nil, nil)}
	a := runScaffoldApp(t, gh, setup, nil)

	start := time.Now()
	resp := a.ask(t, priya, "EvPark", scaffoldLedgerExport)
	id := jobID(t, resp)
	ups := followToEnd(t, resp)
	took := time.Since(start)
	var told string
	for _, u := range ups {
		if strings.Contains(u.Text, "it continues by itself at") {
			told = u.Text
		}
	}
	if told == "" || !strings.Contains(told, "GitHub's rate limit") {
		t.Errorf("no update said when the job continues:\n%s", texts(ups))
	}
	last := ups[len(ups)-1]
	if last.Status != chat.StatusOK || last.Title != "Scaffolded ledger-export from go-service: job "+id {
		t.Fatalf("last update: %s %q\n%s", last.Status, last.Title, last.Text)
	}
	if took < 2*time.Second {
		t.Errorf("finished after %v, before the 2 s reset", took)
	}
	t.Logf("parked on a 2 s Retry-After and finished %v after the request", took.Round(time.Millisecond))
	// The resumed step met its repository again (GitHub's 422 for the
	// taken name) and took it as its own by the marker: created once.
	job, err := setup.Store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(job.Exists(), "\n"), "repository https://github.com/tallybird/ledger-export"); n != 1 || job.State != scaffold.JobSucceeded {
		t.Errorf("job %s says %v", job.State, job.Exists())
	}
	if c := gh.Repo("tallybird", "ledger-export").Commits("main"); len(c) != 1 {
		t.Errorf("%d commits, want 1", len(c))
	}
	if _, ok := a.app.Store.Current().Get(catalog.MustParseRef("component:default/ledger-export")); !ok {
		t.Error("not registered after resuming")
	}
}

func texts(rs []*chat.Response) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Title + "\n" + r.Text + "\n---\n")
	}
	return b.String()
}

// replica runs one `serve` of cfgText in this process until the test ends
// (stop ends it sooner, gracefully).
type replica struct {
	s    *Main
	stop context.CancelFunc
	done chan struct{}
}

func startReplica(t *testing.T, cfgText string, env map[string]string, name string, logs io.Writer) *replica {
	t.Helper()
	if logs == nil {
		logs = testLogOut
	}
	cfg, err := LoadConfig(writeConfig(t, cfgText), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(logs, nil)).With("replica", name))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	r := &replica{s: s, stop: stop, done: make(chan struct{})}
	go func() { defer close(r.done); _ = s.Run(ctx) }()
	t.Cleanup(func() { stop(); <-r.done })
	return r
}

func scaffoldConfig(t *testing.T, ghURL, redisURL, extra string) string {
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	return fmt.Sprintf("server:\n  addr: 127.0.0.1:0\n  shutdown_timeout: 5s\ncatalog:\n  sources: [%s]\ngithub:\n  api_url: %s\nredis:\n  url: %s\n%s",
		org, ghURL, redisURL, extra)
}

// Redis goes away while a step's result is being saved, and comes back:
// the save is retried, the job finishes in its first attempt, and nothing
// is lost or made twice. With append-only persistence (as a managed Redis
// keeps its data) the record was there all along; without, the worker
// still running the job restores its record, lease and registration.
func TestRedisRestartDuringAStepSaveLosesNothing(t *testing.T) {
	for _, persistent := range []bool{true, false} {
		t.Run(fmt.Sprintf("appendonly=%v", persistent), func(t *testing.T) { redisRestartDuringAStepSave(t, persistent) })
	}
}

func redisRestartDuringAStepSave(t *testing.T, persistent bool) {
	rs := redistest.Start(t, redistest.Config{AppendOnly: persistent})
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	// The commit's tree waits 2 s (a short secondary rate limit the client
	// waits out): Redis is stopped then, so the step ends with Redis away.
	gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 1, githubtest.TooManyRequests(2*time.Second))
	var logs syncBuffer
	r := startReplica(t, scaffoldConfig(t, gh.URL, rs.URL, ""), map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken}, "a", &logs)
	resp, err := r.s.app.Router.Handle(t.Context(), &chat.Request{Text: scaffoldLedgerExport, Platform: chat.PlatformSlack, DeliveryID: "EvRestart",
		User: chat.User{Platform: chat.PlatformSlack, ID: priya}, Received: time.Now()})
	if err != nil || resp.Follow == nil {
		t.Fatalf("%v: %+v", err, resp)
	}
	id := jobID(t, resp)
	waitFor(t, "the job reaches its commit", 10*time.Second, func() bool { return gh.Calls()["POST /repos/{owner}/{repo}/git/trees"] >= 1 })
	rs.Stop()
	waitFor(t, "the commit's tree sent again with Redis away", 10*time.Second, func() bool {
		return gh.Calls()["POST /repos/{owner}/{repo}/git/trees"] >= 2
	})
	time.Sleep(1500 * time.Millisecond) // the step ends; its save fails and is retried meanwhile
	rs.Restart()
	start := time.Now()
	var final *scaffold.Job
	waitFor(t, "the job to finish after the restart", 30*time.Second, func() bool {
		j, err := r.s.app.Scaffold.Store.Get(t.Context(), id)
		final = j
		return err == nil && j.Finished()
	})
	t.Logf("job finished %v after Redis came back", time.Since(start).Round(time.Millisecond))
	if final.State != scaffold.JobSucceeded || final.Attempts != 1 {
		t.Fatalf("job %s after %d attempts: %s", final.State, final.Attempts, final.Error)
	}
	if !strings.Contains(logs.String(), "saving a scaffold job failed; retrying") {
		t.Errorf("no step save met Redis away; the test missed its moment:\n%s", grepLines(logs.String(), "scaffold"))
	}
	for _, st := range final.Steps {
		if st.State != scaffold.StepDone {
			t.Errorf("step %s is %s", st.ID, st.State)
		}
	}
	if c := gh.Repo("tallybird", "ledger-export").Commits("main"); len(c) != 1 {
		t.Errorf("%d commits, want 1", len(c))
	}
	if n := gh.Calls()["POST /orgs/{org}/repos"]; n != 1 {
		t.Errorf("%d repository creations, want 1", n)
	}
	if n, _ := rs.Client(t).HLen(t.Context(), "callboard:catalog:registered").Result(); n != 1 {
		t.Errorf("%d registrations kept in Redis, want 1", n)
	}
}

// Fifty deliveries of one slash command, spread over three replicas at
// once (Slack's retries, a proxy's): one job, one repository, one commit.
func TestFiftyDuplicatedDeliveriesOverThreeReplicasMakeOneJob(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	const secret = "marker-signing-secret-20b"
	env := map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken, "SLACK_SIGNING_SECRET": secret}
	var urls []string
	for _, name := range []string{"a", "b", "c"} {
		r := startReplica(t, scaffoldConfig(t, gh.URL, rs.URL, ""), env, name, nil)
		srv := httptest.NewServer(r.s.handler())
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	body := []byte(url.Values{"command": {"/callboard"}, "text": {strings.TrimPrefix(scaffoldLedgerExport, "")}, "user_id": {priya},
		"team_id": {"T1"}, "channel_id": {"C1"}, "trigger_id": {"20.dup.1"}}.Encode())
	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each delivery signed anew (its own timestamp), as a retry is.
			req, _ := http.NewRequest(http.MethodPost, urls[i%3]+"/slack/commands", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			ts, sig := slacktest.Sign(secret, time.Now().Add(-time.Duration(i)*time.Second), body)
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("delivery %d: status %d", i, c)
		}
	}
	c := rs.Client(t)
	var keys []string
	waitFor(t, "the job to finish", 30*time.Second, func() bool {
		keys, _ = c.Keys(t.Context(), "callboard:job:*").Result()
		if len(keys) != 1 {
			return false
		}
		data, _ := c.Get(t.Context(), keys[0]).Bytes()
		var j scaffold.Job
		return json.Unmarshal(data, &j) == nil && j.State == scaffold.JobSucceeded
	})
	time.Sleep(500 * time.Millisecond) // a second job or repository would show by now
	if keys, _ = c.Keys(t.Context(), "callboard:job:*").Result(); len(keys) != 1 {
		t.Errorf("%d jobs, want 1", len(keys))
	}
	if n := gh.Calls()["POST /orgs/{org}/repos"]; n != 1 {
		t.Errorf("%d repository creations, want 1", n)
	}
	if cs := gh.Repo("tallybird", "ledger-export").Commits("main"); len(cs) != 1 {
		t.Errorf("%d commits, want 1", len(cs))
	}
}
