package github

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
)

// TestOrganisationOf2000Repositories measures the figures issue 9 asks for:
// calls for a full discovery, 304s on an unchanged refresh, and how fast a
// webhook's change reaches the store.
func TestOrganisationOf2000Repositories(t *testing.T) {
	const repos = 2000
	srv := githubtest.New(t)
	for i := range repos {
		srv.AddRepo("acme", fmt.Sprintf("svc-%04d", i), map[string]string{"catalog-info.yaml": component(fmt.Sprintf("svc-%04d", i), "team-a"), "main.go": "package main\n"})
	}
	store := catalog.NewStore(nil)
	src := NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{Concurrency: 8})
	ref := ingest.NewRefresher(store, time.Hour, nil, src)
	ctx := context.Background()

	start := time.Now()
	if err := ref.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	pages := (repos + 99) / 100
	calls := srv.Requests()
	if calls > repos+pages {
		t.Fatalf("full discovery made %d calls, want at most %d (one per repository plus %d pages)", calls, repos+pages, pages)
	}
	if n := store.Current().Len(); n != repos {
		t.Fatalf("%d entities, want %d", n, repos)
	}

	srv.ResetCalls()
	start = time.Now()
	if err := ref.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	again := time.Since(start)
	ratio := float64(srv.NotModified()) / float64(srv.Requests())
	if ratio < 0.95 {
		t.Fatalf("unchanged refresh: %d of %d answers were 304 (%.1f%%), want at least 95%%", srv.NotModified(), srv.Requests(), 100*ratio)
	}
	secondCalls := srv.Requests()

	srv.Push("acme", "svc-1234", "main", map[string]string{"catalog-info.yaml": component("svc-1234", "team-z")}, nil)
	srv.ResetCalls()
	hook := NewWebhook(secret, ref)
	f := &hookFixture{srv: srv, store: store, ref: ref, hook: hook}
	start = time.Now()
	if w := f.deliver(t, "push", push("svc-1234", "catalog-info.yaml")); w.Code != 200 {
		t.Fatalf("webhook status %d: %s", w.Code, w.Body)
	}
	visible := time.Since(start)
	if got := owner(t, store, "component:default/svc-1234"); got != "team-z" {
		t.Fatalf("owner = %q after the webhook", got)
	}
	if visible > time.Second {
		t.Fatalf("webhook change visible after %v, want under 1s", visible)
	}
	if srv.Requests() > 2 {
		t.Fatalf("webhook made %d calls: %v", srv.Requests(), srv.Calls())
	}
	t.Logf("2000 repositories: full discovery %d calls in %v; unchanged refresh %d calls, %.1f%% 304, in %v; webhook refresh %d calls, visible in %v",
		calls, full.Round(time.Millisecond), secondCalls, 100*ratio, again.Round(time.Millisecond), srv.Requests(), visible.Round(time.Microsecond))
}
