package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

// Refresh errors are counted per source and repository; successes are not.
func TestSourceRefreshErrorsCountedPerSource(t *testing.T) {
	m := NewMetrics(catalog.NewStore(nil), docs.NewHolder(nil))
	boom := errors.New("boom")
	m.ObserveSourceRefresh("github:acme", "", boom)
	m.ObserveSourceRefresh("github:acme", "acme/ledger", boom)
	m.ObserveSourceRefresh("github:acme", "acme/ledger", boom)
	m.ObserveSourceRefresh("github:acme", "acme/ok", nil)
	tests := []struct {
		source, repo string
		want         float64
	}{
		{"github:acme", "", 1},
		{"github:acme", "acme/ledger", 2},
		{"github:acme", "acme/ok", 0},
	}
	for _, tt := range tests {
		var d dto.Metric
		if err := m.sourceErrors.WithLabelValues(tt.source, tt.repo).Write(&d); err != nil {
			t.Fatal(err)
		}
		if got := d.GetCounter().GetValue(); got != tt.want {
			t.Errorf("%s %s: %v errors; want %v", tt.source, tt.repo, got, tt.want)
		}
	}
}

// Every request is counted as the asker saw it: metrics are the outermost
// middleware, so a request the rate limit denied, a delivery dropped as a
// duplicate and a command that failed each reach callboard_requests_total.
func TestServeCountsDeniedDuplicateAndFailedRequests(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, "limits:\n  per_user_rate: 0.001\n  burst: 1\ncatalog:\n  sources: [testdata/org.yaml]\n"), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMain(t.Context(), cfg, newLogger(io.Discard, cfg.Log, nil))
	if err != nil {
		t.Fatal(err)
	}
	// A team's plug-in that fails.
	s.app.Router.MustRegister(chat.Command{Name: "boom", Summary: "fails", Usage: "boom",
		Handler: chat.HandlerFunc(func(context.Context, *chat.Request) (*chat.Response, error) {
			return nil, errors.New("the plug-in's backend is down")
		})})
	ask := func(user, delivery, text string) {
		t.Helper()
		req := &chat.Request{Text: text, Platform: chat.PlatformSlack, User: chat.User{ID: user}, DeliveryID: delivery}
		_, err := s.app.Router.Handle(t.Context(), req)
		if err != nil && !errors.Is(err, chat.ErrDuplicate) {
			t.Fatalf("%s %q: %v", user, text, err)
		}
	}
	ask("U1", "d1", "help") // ok
	ask("U1", "d2", "help") // denied: burst 1
	ask("U2", "d3", "help") // ok
	ask("U2", "d3", "help") // the same delivery again: duplicate
	ask("U3", "d4", "boom") // error

	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`callboard_requests_total{command="help",outcome="ok",platform="slack"} 2`,
		`callboard_requests_total{command="help",outcome="denied",platform="slack"} 1`,
		`callboard_requests_total{command="help",outcome="duplicate",platform="slack"} 1`,
		`callboard_requests_total{command="boom",outcome="error",platform="slack"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "callboard_requests_total") {
				t.Log(l)
			}
		}
	}
}

// serve builds one GitHub client, so every call callboard makes to GitHub
// (here a scaffold job publishing) is counted by the collector /metrics
// serves: callboard_github_api_calls_total equals the requests GitHub saw.
func TestServeCountsEveryGitHubCallOnOneClient(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	r := startReplica(t, scaffoldConfig(t, gh.URL, rs.URL, ""), map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken}, "a", nil)
	resp, err := r.s.app.Router.Handle(t.Context(), &chat.Request{Text: scaffoldLedgerExport, Platform: chat.PlatformSlack, DeliveryID: "EvOneClient",
		User: chat.User{Platform: chat.PlatformSlack, ID: priya}, Received: time.Now()})
	if err != nil || resp.Follow == nil {
		t.Fatalf("%v: %+v", err, resp)
	}
	id := jobID(t, resp)
	waitFor(t, "the job to finish", time.Minute, func() bool {
		j, err := r.s.app.Scaffold.Store.Get(t.Context(), id)
		return err == nil && j.Finished()
	})
	if gh.Requests() == 0 {
		t.Fatal("the job sent GitHub nothing; the test proves nothing")
	}
	rec := httptest.NewRecorder()
	r.s.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := fmt.Sprintf("callboard_github_api_calls_total %d\n", gh.Requests())
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %q:\n%s", want, grepLines(rec.Body.String(), "callboard_github_api_calls_total"))
	}
}
