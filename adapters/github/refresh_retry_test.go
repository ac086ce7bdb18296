package github

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
)

// lockedBuffer is a log sink safe for the Refresher's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// A source that fails its first load is retried within seconds (not at the
// refresh interval, an hour here) and loads as soon as it can.
func TestRunRetriesAFailedFirstLoadWithBackoff(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"catalog-info.yaml": component("svc", "team-a")})
	srv.Fail("", "", 1<<30, githubtest.ServerError())
	store := catalog.NewStore(nil)
	var logs lockedBuffer
	r := ingest.NewRefresher(store, time.Hour, slog.New(slog.NewTextHandler(&logs, nil)), NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{}))
	r.RetryMin, r.RetryMax = 20*time.Millisecond, 100*time.Millisecond
	var mu sync.Mutex
	var reports []ingest.RefreshReport
	r.OnRefresh = func(rep ingest.RefreshReport) { mu.Lock(); reports = append(reports, rep); mu.Unlock() }
	failures := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, rep := range reports {
			if rep.Err != nil {
				n++
			}
		}
		return n
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	waitFor(t, 5*time.Second, "three failed attempts", func() bool { return failures() >= 3 })
	if store.Current() != nil && store.Current().Len() > 0 {
		t.Fatal("a catalog was swapped in while the source failed")
	}
	srv.ClearFaults()
	back := time.Now()
	waitFor(t, 5*time.Second, "the first load", func() bool { return store.Current() != nil && store.Current().Len() == 1 })
	// The wait is capped at RetryMax (with jitter below it), not the hour.
	if took := time.Since(back); took > 2*time.Second {
		t.Errorf("loaded %s after the source came back", took)
	}
	n := failures()
	time.Sleep(300 * time.Millisecond)
	if failures() != n || len(reportsCopy(&mu, &reports)) > n+1 {
		t.Errorf("still retrying after the first load: %d reports", len(reportsCopy(&mu, &reports)))
	}
	out := logs.String()
	for _, w := range []string{"catalog source not loaded yet; retrying soon", "catalog source loaded", "entities=1", "first=true"} {
		if !strings.Contains(out, w) {
			t.Errorf("logs lack %q:\n%s", w, out)
		}
	}
}

func reportsCopy(mu *sync.Mutex, r *[]ingest.RefreshReport) []ingest.RefreshReport {
	mu.Lock()
	defer mu.Unlock()
	return append([]ingest.RefreshReport(nil), (*r)...)
}

// Every source refresh reports how long it took (the metric
// callboard_catalog_refresh_duration_seconds is fed from it).
func TestRefreshReportsEachSourcesDuration(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"catalog-info.yaml": component("svc", "team-a")})
	// A GitHub 150 ms away.
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(150 * time.Millisecond)
		proxy.ServeHTTP(w, req)
	}))
	defer slow.Close()
	c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: slow.URL, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	r := ingest.NewRefresher(catalog.NewStore(nil), time.Hour, nil, NewOrgSource(c, "acme", OrgOptions{}))
	var got []ingest.RefreshReport
	r.OnRefresh = func(rep ingest.RefreshReport) { got = append(got, rep) }
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Duration < 150*time.Millisecond || got[0].Entities != 1 {
		t.Fatalf("reports %+v: want one of at least 150ms", got)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
