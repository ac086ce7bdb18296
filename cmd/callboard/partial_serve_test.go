package main

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
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
	cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf("server:\n  addr: 127.0.0.1:0\nredis:\n  url: %s\n", px.URL)),
		envOf(map[string]string{"SLACK_SIGNING_SECRET": secret}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(t.Context(), cfg, testLogger())
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
