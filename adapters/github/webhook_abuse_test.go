package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
)

// countingRefresher counts the repository refreshes a Webhook starts.
type countingRefresher struct {
	RepoRefresher
	n atomic.Int64
}

func (c *countingRefresher) RefreshRepo(ctx context.Context, org, repo string) error {
	c.n.Add(1)
	if c.RepoRefresher == nil {
		return nil
	}
	return c.RepoRefresher.RefreshRepo(ctx, org, repo)
}

// everything is a RepoRefresher watching every organisation and repository.
type everything struct{}

func (everything) Watches(string) bool                               { return true }
func (everything) Relevant(string, string, []string) bool            { return true }
func (everything) RefreshRepo(context.Context, string, string) error { return nil }
func (everything) RemoveRepo(string, string)                         {}

// post sends body, signed, to h as GitHub would, with delivery id id.
func post(h http.Handler, event, id string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/github/webhook", strings.NewReader(string(body)))
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", Sign([]byte(secret), body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// One captured signed push, replayed 200 times under fresh delivery ids,
// costs the GitHub API calls of one refresh: the payload's digest is taken
// once, whatever id it carries.
func TestWebhookReplayWithFreshDeliveryIDsDoesNoMoreWork(t *testing.T) {
	f := newHookFixture(t, seedTwo)
	f.srv.Push("acme", "svc", "main", map[string]string{"catalog-info.yaml": component("svc", "team-b")}, nil)
	body, _ := json.Marshal(push("svc", "catalog-info.yaml"))
	f.srv.ResetCalls()
	if w := post(f.hook, "push", "captured-1", body); w.Code != 200 {
		t.Fatalf("first delivery: status %d: %s", w.Code, w.Body)
	}
	one := f.srv.Requests()
	if one == 0 || owner(t, f.store, "component:default/svc") != "team-b" {
		t.Fatalf("the first delivery did not refresh (%d calls)", one)
	}
	for i := range 200 {
		if w := post(f.hook, "push", fmt.Sprintf("replay-%d", i), body); w.Code != 200 || !strings.Contains(w.Body.String(), "duplicate") {
			t.Fatalf("replay %d: status %d: %s", i, w.Code, w.Body)
		}
	}
	if n := f.srv.Requests(); n != one {
		t.Errorf("200 replays cost %d GitHub API calls beyond the first delivery's %d: %v", n-one, one, f.srv.Calls())
	}
}

// A burst of distinct pushes to one repository is one refresh now and one
// at the end of the interval, and that last one sees the last push.
func TestWebhookCoalescesABurstOfPushesToOneRepository(t *testing.T) {
	f := newHookFixture(t, seedTwo)
	count := &countingRefresher{RepoRefresher: f.ref}
	f.hook = NewWebhook(secret, count)
	f.hook.RepoInterval = 300 * time.Millisecond
	t.Cleanup(f.hook.Close)
	f.srv.Push("acme", "svc", "main", map[string]string{"catalog-info.yaml": component("svc", "team-b")}, nil)
	for i := range 100 {
		p := push("svc", "catalog-info.yaml")
		p["after"] = fmt.Sprintf("%040d", i)
		if w := f.deliver(t, "push", p); w.Code != 200 {
			t.Fatalf("push %d: status %d: %s", i, w.Code, w.Body)
		}
		if i == 0 {
			// A change made after the first refresh must still arrive.
			f.srv.Push("acme", "svc", "main", map[string]string{"catalog-info.yaml": component("svc", "team-c")}, nil)
		}
	}
	if n := count.n.Load(); n != 1 {
		t.Errorf("%d refreshes during the burst, want 1", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for owner(t, f.store, "component:default/svc") != "team-c" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * f.hook.RepoInterval)
	if got := owner(t, f.store, "component:default/svc"); got != "team-c" {
		t.Errorf("owner %q after the burst, want the last push's team-c", got)
	}
	if n := count.n.Load(); n != 2 {
		t.Errorf("%d refreshes for a burst of 100 pushes, want 2", n)
	}
}

// Distinct pushes to many repositories (new ids, new payloads) start no
// more refreshes than the budget; the rest are answered 202.
func TestWebhookRefreshBudgetBoundsABurstAcrossRepositories(t *testing.T) {
	count := &countingRefresher{RepoRefresher: everything{}}
	h := NewWebhook(secret, count)
	t.Cleanup(h.Close)
	deferred := 0
	for i := range 200 {
		body, _ := json.Marshal(push(fmt.Sprintf("repo-%d", i), "catalog-info.yaml"))
		w := post(h, "push", fmt.Sprintf("d-%d", i), body)
		switch w.Code {
		case http.StatusOK:
		case http.StatusAccepted:
			deferred++
		default:
			t.Fatalf("push %d: status %d: %s", i, w.Code, w.Body)
		}
	}
	if n := count.n.Load(); n > RefreshesPerMinute+1 {
		t.Errorf("%d refreshes for 200 pushes, want at most the budget of %d", n, RefreshesPerMinute)
	}
	if deferred < 200-RefreshesPerMinute-1 {
		t.Errorf("%d deliveries deferred, want the %d over the budget", deferred, 200-RefreshesPerMinute)
	}
}

// The same delivery sent to two replicas sharing Redis is handled once,
// and so is its payload under a fresh id on either replica.
func TestWebhookDeliveryIsHandledOnceAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	count := &countingRefresher{RepoRefresher: everything{}}
	var hooks []*Webhook
	for range 2 {
		h := NewWebhook(secret, count)
		h.Seen = &redis.Dedupe{C: srv.Client(t), Prefix: "cb:"}
		t.Cleanup(h.Close)
		hooks = append(hooks, h)
	}
	body, _ := json.Marshal(push("svc", "catalog-info.yaml"))
	var wg sync.WaitGroup
	for _, h := range hooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := post(h, "push", "72d3162e-cc78-11e3-81ab-4c9367dc0958", body); w.Code != 200 {
				t.Errorf("status %d: %s", w.Code, w.Body)
			}
		}()
	}
	wg.Wait()
	if w := post(hooks[1], "push", "fresh-id", body); w.Code != 200 {
		t.Errorf("status %d: %s", w.Code, w.Body)
	}
	if n := count.n.Load(); n != 1 {
		t.Errorf("one delivery to two replicas refreshed %d times, want once", n)
	}
}

// failingOnce fails its first refresh.
type failingOnce struct {
	everything
	n atomic.Int64
}

func (f *failingOnce) RefreshRepo(context.Context, string, string) error {
	if f.n.Add(1) == 1 {
		return fmt.Errorf("GET http://127.0.0.1:1/api/v3/repos/acme/svc: 502 Bad Gateway")
	}
	return nil
}

// A delivery whose refresh failed is forgotten in Redis, so GitHub's
// redelivery (same id, same payload) is handled; the answer to the failure
// names no internal address.
func TestWebhookFailedDeliveryIsForgottenInRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	ref := &failingOnce{}
	h := NewWebhook(secret, ref)
	h.Seen = &redis.Dedupe{C: srv.Client(t), Prefix: "cb:"}
	t.Cleanup(h.Close)
	body, _ := json.Marshal(push("svc", "catalog-info.yaml"))
	w := post(h, "push", "d-1", body)
	if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), "127.0.0.1") {
		t.Fatalf("failed refresh: status %d: %s", w.Code, w.Body)
	}
	if w := post(h, "push", "d-1", body); w.Code != 200 || !strings.Contains(w.Body.String(), "refreshed") {
		t.Fatalf("redelivery: status %d: %s", w.Code, w.Body)
	}
	if n := ref.n.Load(); n != 2 {
		t.Errorf("%d refreshes, want the failed one and the redelivered one", n)
	}
}

// blockingRefresher returns from the first refresh at once and holds each
// later one until its context ends.
type blockingRefresher struct {
	everything
	calls   atomic.Int64
	started chan struct{}
	running atomic.Int64
}

func (b *blockingRefresher) RefreshRepo(ctx context.Context, _, _ string) error {
	if b.calls.Add(1) == 1 {
		return nil
	}
	b.running.Add(1)
	defer b.running.Add(-1)
	b.started <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

// Close cancels a folded refresh that is running and waits for it: none
// outlives the server (it would reach a closed Redis or swap a stopped
// store).
func TestWebhookCloseEndsFoldedRefreshes(t *testing.T) {
	ref := &blockingRefresher{started: make(chan struct{}, 4)}
	h := NewWebhook(secret, ref)
	h.RepoInterval = 50 * time.Millisecond
	h.Timeout = time.Hour // only Close ends it
	first := push("svc", "catalog-info.yaml")
	if w := post(h, "push", "d1", mustJSON(first)); w.Code != 200 {
		t.Fatalf("first push: %d %s", w.Code, w.Body)
	}
	second := push("svc", "catalog-info.yaml")
	second["after"] = fmt.Sprintf("%040d", 2)
	if w := post(h, "push", "d2", mustJSON(second)); !strings.Contains(w.Body.String(), "coalesced") {
		t.Fatalf("second push: %d %s", w.Code, w.Body)
	}
	select {
	case <-ref.started: // the folded refresh runs, held until Close
	case <-time.After(time.Minute):
		t.Fatal("no folded refresh started")
	}
	h.Close()
	if n := ref.running.Load(); n != 0 {
		t.Fatalf("%d refreshes still running after Close", n)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
