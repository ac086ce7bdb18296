package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/slack/slacktest"
)

// syncBuffer collects a child process's stderr while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startRedis runs a private redis-server on a free loopback port.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is needed for the end-to-end test")
	}
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return ""
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "callboard")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts processes")
	}
	bin := buildBinary(t)
	slackFake := slacktest.New()
	defer slackFake.Close()
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	gh.AddRepo("acme", "ledger", map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ledger-e2e\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/team-payments\n"})
	redisAddr := startRedis(t)

	// Every secret is a unique marker that must never show in logs or replies.
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	markers := map[string]string{
		"SLACK_SIGNING_SECRET":  "marker-slack-signing-7f3a9c",
		"SLACK_BOT_TOKEN":       "xoxb-marker-slack-bot-51e2d0",
		"GITHUB_TOKEN":          "marker-github-token-c0ffee",
		"GITHUB_WEBHOOK_SECRET": "marker-github-hook-b16b00",
		"DISCORD_PUBLIC_KEY":    hex.EncodeToString(pub),
		"DISCORD_BOT_TOKEN":     "marker-discord-bot-d15c0d",
	}
	gh.AddToken(markers["GITHUB_TOKEN"])
	gh.AddOrg("tallybird") // where the go-service template publishes
	addr := freeAddr(t)
	examples, _ := filepath.Abs("../../examples/org/all.yaml")
	cfgText := fmt.Sprintf(`server:
  addr: %s
  shutdown_timeout: 5s
catalog:
  sources: [%s, "github:acme"]
  refresh_interval: 1m
slack:
  api_url: %s
github:
  api_url: %s
redis:
  url: redis://%s/0
log:
  level: debug
`, addr, examples, slackFake.APIURL(), gh.URL, redisAddr)
	cfgPath := filepath.Join(t.TempDir(), "callboard.yaml")
	os.WriteFile(cfgPath, []byte(cfgText), 0o600)
	environ := os.Environ()
	for k, v := range markers {
		environ = append(environ, k+"="+v)
	}

	var logs syncBuffer
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	cmd.Env = environ
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	}()
	base := "http://" + addr
	waitReady(t, base, 20*time.Second)

	var replies []string
	invocations := 0
	post := func(text string) string {
		t.Helper()
		// Slack mints a trigger_id per invocation; one seen before is not run again.
		invocations++
		body := []byte(url.Values{"command": {"/callboard"}, "text": {text}, "user_id": {"U0ALICE"}, "user_name": {"alice"},
			"team_id": {"T1"}, "channel_id": {"C1"}, "response_url": {slackFake.ResponseURL()}, "trigger_id": {fmt.Sprintf("1.2.%d", invocations)}}.Encode())
		resp, b := postSlackSigned(t, base+"/slack/commands", markers["SLACK_SIGNING_SECRET"], body)
		if resp.StatusCode != 200 {
			t.Fatalf("%q: status %d: %s", text, resp.StatusCode, b)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%q: no X-Request-Id", text)
		}
		replies = append(replies, string(b))
		return string(b)
	}

	tests := []struct {
		text string
		want []string
	}{
		{"who owns payments-api", []string{"Payments API is owned by Team Payments", "#team-payments"}},
		{"who owns ledger-e2e", []string{"ledger-e2e is owned by Team Payments"}},
		{"docs refunds failing", []string{"documentation matches", "refunds-failing.md"}},
	}
	for _, tt := range tests {
		got := post(tt.text)
		if os.Getenv("E2E_DUMP") != "" {
			t.Logf("%s => %s", tt.text, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q: reply lacks %q: %s", tt.text, w, got)
			}
		}
	}

	// A badly signed request is refused.
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader("text=x"))
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(time.Now().Unix()))
	req.Header.Set("X-Slack-Signature", "v0=00")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode == 200 {
		t.Errorf("unsigned request accepted: %v", err)
	}

	metrics := get(t, base+"/metrics")
	for _, w := range []string{
		`callboard_requests_total{command="owner",outcome="ok",platform="slack"} 2`,
		`callboard_catalog_entities`,
		`callboard_docs_sections`,
		`callboard_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(metrics, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
	if !strings.Contains(metrics, "github") {
		t.Errorf("/metrics has no GitHub metrics")
	}

	// Scaffolding from chat: acknowledged at once with the job, finished
	// through the response_url, one commit in GitHub, registered at once.
	ack := post(`scaffold go-service name=ledger-export owner=team-payments description="Exports ledger entries" repoUrl=github.com?owner=tallybird&repo=ledger-export`)
	if !strings.Contains(ack, "Scaffolding ledger-export from go-service") || !strings.Contains(ack, "job ") {
		t.Fatalf("scaffold acknowledgement: %s", ack)
	}
	var final string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && final == ""; time.Sleep(50 * time.Millisecond) {
		for _, c := range slackFake.Calls("response_url") {
			if strings.Contains(string(c.Body), "Scaffolded ledger-export") || strings.Contains(string(c.Body), "Scaffolding ledger-export from go-service failed") {
				final = string(c.Body)
			}
		}
	}
	replies = append(replies, final)
	for _, w := range []string{"Scaffolded ledger-export", "registered component:default/ledger-export", "https://github.com/tallybird/ledger-export"} {
		if !strings.Contains(final, w) {
			t.Errorf("scaffold follow-up lacks %q: %s", w, final)
		}
	}
	repo := gh.Repo("tallybird", "ledger-export")
	if repo == nil {
		t.Fatal("no repository tallybird/ledger-export in the fake GitHub")
	}
	files := repo.Files("")
	for _, f := range []string{"catalog-info.yaml", "README.md", "go.mod", "cmd/ledger-export/main.go", "internal/server/server.go", "docs/index.md", "docs/runbook.md", "docs/assets/logo.png", "mkdocs.yml"} {
		if _, ok := files[f]; !ok {
			t.Errorf("repository lacks %s (has %d files)", f, len(files))
		}
	}
	if c := repo.Commits("main"); len(c) != 1 {
		t.Errorf("%d commits, want every file in one", len(c))
	}
	if got := post("who owns ledger-export"); !strings.Contains(got, "ledger-export is owned by Team Payments") {
		t.Errorf("who owns the new component: %s", got)
	}
	if m := get(t, base+"/metrics"); !strings.Contains(m, `callboard_scaffold_jobs{state="succeeded"} 1`) {
		t.Errorf("/metrics lacks the succeeded job:\n%s", grepLines(m, "callboard_scaffold"))
	} else {
		metrics += m
	}

	// SIGTERM: graceful stop, exit 0.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		// A goroutine dump in the logs says what it is waiting for.
		cmd.Process.Signal(syscall.SIGQUIT)
		time.Sleep(time.Second)
		t.Fatal("serve did not stop within 10s of SIGTERM")
	}
	if !strings.Contains(logs.String(), `"request_id"`) {
		t.Error("no log line carries a request id")
	}

	// A bad configuration that names a secret in the wrong place.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("slack:\n  mode: ${SLACK_BOT_TOKEN}\n"), 0o600)
	badCmd := exec.Command(bin, "serve", "--config", bad)
	badCmd.Env = environ
	badOut, err := badCmd.CombinedOutput()
	if err == nil || !strings.Contains(string(badOut), "slack.mode") {
		t.Errorf("bad config: err %v, output %s", err, badOut)
	}

	all := logs.String() + string(badOut) + strings.Join(replies, "\n") + metrics
	for k, v := range markers {
		if strings.Contains(all, v) {
			t.Errorf("the secret %s appears in logs or replies", k)
		}
	}
}

func waitReady(t *testing.T, base string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				var v map[string]any
				if json.Unmarshal(b, &v) != nil || v["status"] != "ready" {
					t.Fatalf("/readyz 200 with %s", b)
				}
				return
			}
			last = string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not ready within %s: %s", within, last)
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// postSlackSigned POSTs a form body to url signed with secret as Slack signs
// requests, and returns the response with its body read.
func postSlackSigned(t *testing.T, url, secret string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ts, sig := slacktest.Sign(secret, time.Now(), body)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openMain is serve's Main for cfg, opened as runServe opens it; Close (or
// Run, when it ends) releases it.
func openMain(ctx context.Context, cfg *Config, log *slog.Logger) (*Main, error) {
	m := NewMain(cfg, log)
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return nil, err
	}
	return m, nil
}
