package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
)

const secret = "webhook-secret"

type hookFixture struct {
	srv   *githubtest.Server
	store *catalog.Store
	ref   *ingest.Refresher
	hook  *Webhook
	n     int
}

func newHookFixture(t *testing.T, seed func(*githubtest.Server)) *hookFixture {
	t.Helper()
	srv := githubtest.New(t)
	seed(srv)
	store := catalog.NewStore(nil)
	ref := ingest.NewRefresher(store, time.Hour, nil, NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{}))
	if err := ref.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &hookFixture{srv: srv, store: store, ref: ref, hook: NewWebhook(secret, ref)}
}

// deliver posts a signed event and returns the response.
func (f *hookFixture) deliver(t *testing.T, event string, payload any, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	f.n++
	req := httptest.NewRequest("POST", "/github/webhook", strings.NewReader(string(body)))
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("delivery-%d", f.n))
	req.Header.Set("X-Hub-Signature-256", Sign([]byte(secret), body))
	for _, m := range mutate {
		m(req)
	}
	w := httptest.NewRecorder()
	f.hook.ServeHTTP(w, req)
	return w
}

func repoPayload(name string) map[string]any {
	return map[string]any{"name": name, "full_name": "acme/" + name, "default_branch": "main", "owner": map[string]any{"login": "acme"}}
}

func push(name string, modified ...string) map[string]any {
	return map[string]any{"ref": "refs/heads/main", "repository": repoPayload(name),
		"commits": []any{map[string]any{"added": []string{}, "removed": []string{}, "modified": modified}}}
}

func (f *hookFixture) has(ref string) bool {
	_, ok := f.store.Current().Get(catalog.MustParseRef(ref))
	return ok
}

func seedTwo(srv *githubtest.Server) {
	srv.AddRepo("acme", "svc", map[string]string{"catalog-info.yaml": component("svc", "team-a"), "main.go": "package main"})
	srv.AddRepo("acme", "other", map[string]string{"catalog-info.yaml": component("other", "team-a")})
}

func TestWebhookRefusesUnsignedAndOversizedDeliveries(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*http.Request)
		want   int
	}{
		{"no signature", func(r *http.Request) { r.Header.Del("X-Hub-Signature-256") }, 401},
		{"wrong signature", func(r *http.Request) { r.Header.Set("X-Hub-Signature-256", Sign([]byte("other"), []byte("{}"))) }, 401},
		{"sha1 signature only", func(r *http.Request) { r.Header.Set("X-Hub-Signature-256", "sha1=abc") }, 401},
		{"not POST", func(r *http.Request) { r.Method = "GET" }, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newHookFixture(t, seedTwo)
			f.srv.ResetCalls()
			if w := f.deliver(t, "push", push("svc", "catalog-info.yaml"), tc.mutate); w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if f.srv.Requests() != 0 {
				t.Fatalf("%d GitHub calls for a refused delivery", f.srv.Requests())
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		f := newHookFixture(t, seedTwo)
		f.hook.MaxBody = 100
		p := push("svc", strings.Repeat("x", 200))
		if w := f.deliver(t, "push", p); w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", w.Code)
		}
	})
}

func TestWebhookPushRefreshesOnlyThatRepository(t *testing.T) {
	f := newHookFixture(t, seedTwo)
	f.srv.Push("acme", "svc", "main", map[string]string{"catalog-info.yaml": component("svc", "team-b")}, nil)
	f.srv.ResetCalls()
	start := time.Now()
	w := f.deliver(t, "push", push("svc", "catalog-info.yaml"))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if got := owner(t, f.store, "component:default/svc"); got != "team-b" {
		t.Fatalf("owner = %q after the push", got)
	}
	d := time.Since(start)
	if d > time.Second {
		t.Fatalf("change visible after %v, want under 1s", d)
	}
	for k, n := range f.srv.Calls() {
		if n > 0 && !strings.Contains(k, "/repos/{owner}/{repo}") {
			t.Fatalf("unexpected call %s", k)
		}
	}
	if f.srv.Requests() > 2 {
		t.Fatalf("%d calls for one repository: %v", f.srv.Requests(), f.srv.Calls())
	}
	t.Logf("push -> visible in %v with %d API calls", d, f.srv.Requests())
}

func TestWebhookIgnoresWhatCannotChangeTheCatalog(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		payload map[string]any
	}{
		{"code-only push", "push", push("svc", "main.go")},
		{"push to another branch", "push", func() map[string]any {
			p := push("svc", "catalog-info.yaml")
			p["ref"] = "refs/heads/feature"
			return p
		}()},
		{"another organisation", "push", func() map[string]any {
			p := push("svc", "catalog-info.yaml")
			p["repository"].(map[string]any)["owner"] = map[string]any{"login": "elsewhere"}
			return p
		}()},
		{"an event we do not use", "issues", map[string]any{"action": "opened", "repository": repoPayload("svc")}},
		{"ping", "ping", map[string]any{"zen": "Keep it logically awesome."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newHookFixture(t, seedTwo)
			f.srv.ResetCalls()
			if w := f.deliver(t, tc.event, tc.payload); w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if f.srv.Requests() != 0 {
				t.Fatalf("%d calls: %v", f.srv.Requests(), f.srv.Calls())
			}
		})
	}
}

func TestWebhookRedeliveryIsHandledOnce(t *testing.T) {
	f := newHookFixture(t, seedTwo)
	f.srv.ResetCalls()
	same := func(r *http.Request) { r.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958") }
	for range 3 {
		if w := f.deliver(t, "push", push("svc", "catalog-info.yaml"), same); w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
	}
	if n := f.srv.Calls()["GET /repos/{owner}/{repo}"]; n != 1 {
		t.Fatalf("repository read %d times, want once", n)
	}
}

func TestWebhookFailedRefreshCanBeRedelivered(t *testing.T) {
	f := newHookFixture(t, seedTwo)
	f.srv.Push("acme", "svc", "main", map[string]string{"catalog-info.yaml": component("svc", "team-b")}, nil)
	f.srv.Fail("GET", "/repos/acme/svc/contents/catalog-info.yaml", 100, githubtest.ServerError())
	same := func(r *http.Request) { r.Header.Set("X-GitHub-Delivery", "d-1") }
	if w := f.deliver(t, "push", push("svc", "catalog-info.yaml"), same); w.Code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", w.Code)
	}
	if got := owner(t, f.store, "component:default/svc"); got != "team-a" {
		t.Fatalf("owner = %q, want the last good", got)
	}
	f.srv.ClearFaults()
	if w := f.deliver(t, "push", push("svc", "catalog-info.yaml"), same); w.Code != 200 {
		t.Fatalf("redelivery status %d", w.Code)
	}
	if got := owner(t, f.store, "component:default/svc"); got != "team-b" {
		t.Fatalf("owner = %q after redelivery", got)
	}
}

func TestWebhookReflectsRepositoryLifecycle(t *testing.T) {
	tests := []struct {
		name    string
		change  func(srv *githubtest.Server)
		event   string
		payload map[string]any
		gone    []string
		present []string
	}{
		{"catalog file removed", func(srv *githubtest.Server) { srv.Push("acme", "svc", "main", nil, []string{"catalog-info.yaml"}) },
			"push", map[string]any{"ref": "refs/heads/main", "repository": repoPayload("svc"),
				"commits": []any{map[string]any{"removed": []string{"catalog-info.yaml"}}}},
			[]string{"component:default/svc"}, []string{"component:default/other"}},
		{"deleted", func(srv *githubtest.Server) { srv.DeleteRepo("acme", "svc") },
			"repository", map[string]any{"action": "deleted", "repository": repoPayload("svc")},
			[]string{"component:default/svc"}, []string{"component:default/other"}},
		{"archived", func(srv *githubtest.Server) { srv.SetArchived("acme", "svc", true) },
			"repository", map[string]any{"action": "archived", "repository": repoPayload("svc")},
			[]string{"component:default/svc"}, []string{"component:default/other"}},
		{"created", func(srv *githubtest.Server) {
			srv.AddRepo("acme", "fresh", map[string]string{"catalog-info.yaml": component("fresh", "team-c")})
		}, "repository", map[string]any{"action": "created", "repository": repoPayload("fresh")},
			nil, []string{"component:default/fresh", "component:default/svc"}},
		{"renamed", func(srv *githubtest.Server) {
			srv.RenameRepo("acme", "svc", "svc2")
			srv.Push("acme", "svc2", "main", map[string]string{"catalog-info.yaml": component("svc2", "team-a")}, nil)
		}, "repository", map[string]any{"action": "renamed", "repository": repoPayload("svc2"),
			"changes": map[string]any{"repository": map[string]any{"name": map[string]any{"from": "svc"}}}},
			[]string{"component:default/svc"}, []string{"component:default/svc2", "component:default/other"}},
		{"transferred away", func(srv *githubtest.Server) { srv.DeleteRepo("acme", "svc") },
			"repository", map[string]any{"action": "transferred",
				"repository": map[string]any{"name": "svc", "full_name": "newco/svc", "owner": map[string]any{"login": "newco"}},
				"changes":    map[string]any{"owner": map[string]any{"from": map[string]any{"organization": map[string]any{"login": "acme"}}}}},
			[]string{"component:default/svc"}, []string{"component:default/other"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newHookFixture(t, seedTwo)
			tc.change(f.srv)
			if w := f.deliver(t, tc.event, tc.payload); w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			for _, r := range tc.gone {
				if f.has(r) {
					t.Errorf("%s still in the catalog", r)
				}
			}
			for _, r := range tc.present {
				if !f.has(r) {
					t.Errorf("%s missing from the catalog", r)
				}
			}
		})
	}
}
