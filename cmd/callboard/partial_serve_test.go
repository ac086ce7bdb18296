package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog"
)

// A slow or hung Redis never costs Slack's 3 seconds: the whole
// acknowledgement path waits on shared state at most its small budget,
// then dedupe, rate limit and audit fail open (counted). Through the wire:
// a real redis-server behind a proxy of ours that holds every answer back
// 1 s, then the same server stopped with SIGSTOP.
func TestSlashCommandAnsweredInTimeWhileRedisIsSlowOrHung(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	px := redistest.NewProxy(t, rs)
	const secret = "marker-signing-secret-20a"
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf("server:\n  addr: 127.0.0.1:0\nredis:\n  url: %s\n", px.URL)),
		envOf(map[string]string{"SLACK_SIGNING_SECRET": secret, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub)}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMain(t.Context(), cfg, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.redis.Close() })
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	n := 0
	ask := func(text string) (time.Duration, string) {
		t.Helper()
		n++
		body := []byte(url.Values{"command": {"/callboard"}, "text": {text}, "user_id": {"U0SLOW"}, "team_id": {"T1"},
			"channel_id": {"C1"}, "trigger_id": {fmt.Sprintf("20.%d", n)}}.Encode())
		start := time.Now()
		resp, b := postSlackSigned(t, srv.URL+"/slack/commands", secret, body)
		took := time.Since(start)
		if resp.StatusCode != 200 {
			t.Fatalf("%q: status %d: %s", text, resp.StatusCode, b)
		}
		return took, string(b)
	}
	// Healthy: the answer, and no fail-open.
	if _, b := ask("who owns payments-db"); !strings.Contains(b, "team-payments") && !strings.Contains(b, "Payments") {
		t.Fatalf("healthy answer: %s", b)
	}
	if m := scrape(t, s.metrics); !strings.Contains(m, `callboard_shared_state_fail_open_total{op="dedupe"} 0`) {
		t.Fatalf("fail-open counted while Redis is healthy:\n%s", grepLines(m, "fail_open"))
	}

	px.SetDelay(time.Second)
	for i := 0; i < 3; i++ {
		took, b := ask("who owns payments-db")
		t.Logf("Redis answering in 1 s: acknowledged in %v", took.Round(time.Millisecond))
		if took >= 3*time.Second {
			t.Errorf("acknowledged after %v with Redis answering in 1 s; Slack gives 3 s", took)
		}
		if !strings.Contains(b, "team-payments") && !strings.Contains(b, "Payments") {
			t.Errorf("answer while Redis is slow: %s", b)
		}
	}
	m := scrape(t, s.metrics)
	for _, op := range []string{"dedupe", "rate_limit", "audit"} {
		if strings.Contains(m, `callboard_shared_state_fail_open_total{op="`+op+`"} 0`) {
			t.Errorf("%s did not count failing open:\n%s", op, grepLines(m, "fail_open"))
		}
	}

	// Hung: the process stopped, its sockets open and silent.
	px.SetDelay(0)
	rs.Pause()
	defer rs.Resume()
	for i := 0; i < 2; i++ {
		took, b := ask("who owns payments-db")
		t.Logf("Redis stopped (SIGSTOP): acknowledged in %v", took.Round(time.Millisecond))
		if took >= 3*time.Second {
			t.Errorf("acknowledged after %v with Redis stopped", took)
		}
		if !strings.Contains(b, "team-payments") && !strings.Contains(b, "Payments") {
			t.Errorf("answer while Redis is stopped: %s", b)
		}
	}
	// Discord too: its interaction is answered inline, not deferred.
	interaction := []byte(`{"id":"1120000000000000001","application_id":"app1","type":2,"token":"tok-20","version":1,"guild_id":"g1","channel_id":"c1",` +
		`"member":{"user":{"id":"u20","username":"ada"},"roles":[]},"data":{"id":"cmd1","name":"owner","type":1,"options":[{"name":"entity","type":3,"value":"payments-db"}]}}`)
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req := httptest.NewRequest("POST", "/discord/interactions", bytes.NewReader(interaction))
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), interaction...))))
	drec := httptest.NewRecorder()
	dstart := time.Now()
	s.handler().ServeHTTP(drec, req)
	dtook := time.Since(dstart)
	t.Logf("Redis stopped (SIGSTOP): Discord interaction answered in %v", dtook.Round(time.Millisecond))
	if drec.Code != 200 || dtook >= 2500*time.Millisecond || !strings.Contains(drec.Body.String(), `"type":4`) {
		t.Errorf("Discord with Redis stopped: %d after %v: %s", drec.Code, dtook, drec.Body)
	}

	// Still ready: lookups are answered; Redis is reported apart.
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"redis":"unreachable: timeout"`) {
		t.Errorf("/readyz with Redis stopped: %d %s", rec.Code, rec.Body)
	}
	if m := scrape(t, s.metrics); !strings.Contains(m, "callboard_redis_up 0") {
		t.Errorf("callboard_redis_up:\n%s", grepLines(m, "redis_up"))
	}
	rs.Resume()
	waitFor(t, "Redis to answer again", 10*time.Second, func() bool { return s.redisState(t.Context()) == "ok" })
	if m := scrape(t, s.metrics); !strings.Contains(m, "callboard_redis_up 1") {
		t.Errorf("callboard_redis_up after Redis came back:\n%s", grepLines(m, "redis_up"))
	}
}

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(testLogOut, nil)) }

// GitHub is down when a fresh replica starts and leads ingestion: it
// answers (and is ready) from the last leader's snapshot on the Redis bus,
// keeps it while GitHub fails, and refreshes as soon as GitHub is back.
func TestColdStartWithGitHubDownServesTheLastPublishedSnapshot(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	gh.AddRepo("acme", "ledger", map[string]string{"catalog-info.yaml": ledgerDescriptor})
	cfgText := fmt.Sprintf("server:\n  addr: 127.0.0.1:0\n  shutdown_timeout: 2s\ncatalog:\n  sources: [\"github:acme\"]\n  refresh_interval: 1h\ngithub:\n  api_url: %s\nredis:\n  url: %s\n", gh.URL, rs.URL)
	env := envOf(map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken})
	has := func(s *Main, name string) bool {
		_, ok := s.app.Store.Current().Get(catalog.Ref{Kind: "component", Namespace: "default", Name: name})
		return ok
	}
	start := func() (*Main, context.CancelFunc, chan struct{}) {
		cfg, err := LoadConfig(writeConfig(t, cfgText), env)
		if err != nil {
			t.Fatal(err)
		}
		s, err := openMain(t.Context(), cfg, testLogger())
		if err != nil {
			t.Fatal(err)
		}
		s.refresh.RetryMin, s.refresh.RetryMax = 100*time.Millisecond, 300*time.Millisecond
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return s, cancel, done
	}
	// The first leader reads GitHub and publishes, then goes away.
	first, stop, done := start()
	waitFor(t, "the first leader to publish", 15*time.Second, func() bool {
		return has(first, "ledger") && first.ingest.Version() > 0
	})
	stop()
	<-done

	gh.Fail("", "", 1_000_000, githubtest.Fault{Status: 502, Message: "Bad Gateway"})
	gh.ResetCalls()
	fresh, _, _ := start()
	waitFor(t, "the fresh replica to serve the published catalog", 10*time.Second, func() bool {
		return has(fresh, "ledger") && fresh.notReady(t.Context()) == nil
	})
	waitFor(t, "the fresh replica to try GitHub", 10*time.Second, func() bool { return gh.Requests() > 0 })
	if !fresh.ingest.Leading() {
		t.Fatal("the fresh replica is not the ingest leader")
	}
	for _, src := range fresh.refresh.Status().Sources {
		if strings.HasPrefix(src.Name, "github:") && !src.LastSuccess.IsZero() {
			t.Fatalf("%s loaded although GitHub is down", src.Name)
		}
	}
	rec := httptest.NewRecorder()
	fresh.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("/readyz on the fresh replica with GitHub down: %d %s", rec.Code, rec.Body)
	}
	time.Sleep(500 * time.Millisecond) // failed refreshes run meanwhile
	if !has(fresh, "ledger") {
		t.Fatal("a failed refresh replaced the published catalog")
	}

	// GitHub is back, with a change: the fresh replica catches up by itself.
	gh.Push("acme", "ledger", "main", map[string]string{"catalog-info.yaml": strings.Replace(ledgerDescriptor, "name: ledger", "name: ledger-v2", 1)}, nil)
	gh.ClearFaults()
	back := time.Now()
	waitFor(t, "the fresh replica to refresh from GitHub", 15*time.Second, func() bool { return has(fresh, "ledger-v2") })
	t.Logf("refreshed from GitHub %v after it came back", time.Since(back).Round(time.Millisecond))
}
