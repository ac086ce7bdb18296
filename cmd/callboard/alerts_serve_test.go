package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/pagerduty"
	"github.com/callboard/callboard/adapters/slack/slacktest"
)

// alertmanagerBin finds Debian's Alertmanager; missing, the test skips, or
// fails when CI is set (.ci/run installs it).
func alertmanagerBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"prometheus-alertmanager", "alertmanager"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	msg := "prometheus-alertmanager not found: install Debian's package (apt-get install -y prometheus-alertmanager) to run the alert end-to-end test"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startAlertmanager runs the real Alertmanager with its webhook receiver
// pointed at url, bearer token set through http_config.authorization, and
// short timers so a group fires and resolves within seconds. It returns
// Alertmanager's base URL.
func startAlertmanager(t *testing.T, url, token string) string {
	t.Helper()
	bin := alertmanagerBin(t)
	dir := t.TempDir()
	conf := fmt.Sprintf(`global:
  resolve_timeout: 5s
route:
  receiver: callboard
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: callboard
    webhook_configs:
      - url: %s
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %s
`, url, token)
	cf := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var out syncBuffer
	cmd := exec.Command(bin, "--config.file="+cf, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=debug")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager output:\n%s", out.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(time.Minute)
	for {
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager did not become ready:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// postAlert sends one alert to Alertmanager's API v2; a past endsAt resolves it.
func postAlert(t *testing.T, am string, labels, annotations map[string]string, startsAt, endsAt time.Time) {
	t.Helper()
	a := map[string]any{"labels": labels, "annotations": annotations, "startsAt": startsAt.UTC().Format(time.RFC3339Nano),
		"generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate"}
	if !endsAt.IsZero() {
		a["endsAt"] = endsAt.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal([]any{a})
	resp, err := http.Post(am+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("alertmanager answered %d to the alert", resp.StatusCode)
	}
}

// serveAlerts runs serve on the embedded example organisation with Slack
// pointed at a fake and env added; it returns serve's base URL.
func serveAlerts(t *testing.T, env map[string]string) (string, *slacktest.Server, *syncBuffer) {
	t.Helper()
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	addr := freeAddr(t)
	full := map[string]string{"SLACK_SIGNING_SECRET": "sign", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.APIURL()}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf("server:\n  addr: %s\n  shutdown_timeout: 2s\nalerts:\n  fallback_channel: C0FALLBACK1\n", addr)), envOf(full))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s, err := openMain(t.Context(), cfg, newLogger(logs, LogConfig{Level: "debug", Format: "json"}, cfg.secrets.values()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	waitUntil(t, "serve listening", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return base, fake, logs
}

// The real Alertmanager, its webhook receiver pointed at serve with a
// bearer token: an alert on ledger becomes one card in ledger's channel in
// the Slack fake; resolved, the same card is updated and the thread says so.
func TestAlertmanagerAlertBecomesACardUpdatedOnResolve(t *testing.T) {
	alertmanagerBin(t)
	const token = "am-e2e-token"
	base, fake, logs := serveAlerts(t, map[string]string{"ALERTMANAGER_WEBHOOK_TOKEN": token})
	if code, _ := postStatus(t, base+"/alertmanager/webhook", "", []byte(`{}`)); code != http.StatusUnauthorized {
		t.Fatalf("webhook without the token answered %d, want 401", code)
	}

	am := startAlertmanager(t, base+"/alertmanager/webhook", token)
	labels := map[string]string{"alertname": "LedgerHighErrorRate", "service": "ledger", "severity": "page"}
	ann := map[string]string{"summary": "5xx above 5% for 10 minutes", "runbook_url": "https://wiki.example.com/runbooks/ledger-5xx"}
	started := time.Now().Add(-time.Minute)
	postAlert(t, am, labels, ann, started, time.Time{})

	var card slacktest.Message
	waitUntil(t, "the card in ledger's channel", func() bool {
		for _, m := range fake.Messages("") {
			if m.ThreadTS == "" {
				card = m
				return true
			}
		}
		return false
	})
	b := string(card.Blocks)
	if card.Channel != "#ledger-oncall" {
		t.Fatalf("card posted in %q, want ledger's #ledger-oncall", card.Channel)
	}
	for _, want := range []string{"Firing", "LedgerHighErrorRate", "Ledger", "Team Ledger", "Teams affected", "https://wiki.example.com/runbooks/ledger-5xx", "I'm on it", "impact component:default/ledger", "docs component:default/ledger"} {
		if !strings.Contains(b, want) {
			t.Errorf("card lacks %q:\n%s", want, b)
		}
	}

	// "I'm on it", clicked in Slack: the thread says who took it.
	clickButton(t, base+"/slack/interactions", "sign", card, "I'm on it", fake.ResponseURL())
	waitUntil(t, "who took it in the thread", func() bool {
		for _, m := range fake.Messages(card.Channel) {
			if m.ThreadTS == card.TS && strings.Contains(string(m.Blocks), `\u003c@U0MATEO\u003e is on it`) {
				return true
			}
		}
		return false
	})

	postAlert(t, am, labels, ann, started, time.Now().Add(-time.Second))
	waitUntil(t, "the card updated as resolved", func() bool {
		for _, m := range fake.Messages(card.Channel) {
			if m.TS == card.TS && m.Updates > 0 && strings.Contains(string(m.Blocks), "Resolved") {
				return true
			}
		}
		return false
	})
	var top, replies int
	for _, m := range fake.Messages("") {
		if m.ThreadTS == "" {
			top++
		} else if m.ThreadTS == card.TS && strings.Contains(string(m.Blocks)+m.Text, "Resolved at") {
			replies++
		}
	}
	if top != 1 || replies != 1 {
		t.Fatalf("%d cards and %d resolve lines in the thread; want 1 and 1", top, replies)
	}
	// It fires again after resolving: a new message, the old one kept.
	postAlert(t, am, labels, ann, time.Now(), time.Time{})
	waitUntil(t, "a new card for the re-fire", func() bool {
		n := 0
		for _, m := range fake.Messages("") {
			if m.ThreadTS == "" {
				n++
			}
		}
		return n == 2
	})
	// The outcome is counted just after the post returns: wait for it.
	wants := []string{`callboard_alert_deliveries_total{outcome="posted",source="alertmanager"} 2`, `callboard_alert_deliveries_total{outcome="updated",source="alertmanager"} 1`,
		`callboard_alert_webhook_refused_total{reason="token",source="alertmanager"} 1`}
	waitUntil(t, "the metrics "+strings.Join(wants, ", "), func() bool {
		_, metrics := status(t, base+"/metrics")
		for _, want := range wants {
			if !strings.Contains(metrics, want) {
				return false
			}
		}
		return true
	})
	if strings.Contains(logs.String(), token) {
		t.Error("the webhook token reached the log")
	}
}

// clickButton sends Slack's signed block_actions payload for the button
// labelled label on message m, as user U0MATEO.
func clickButton(t *testing.T, url, secret string, m slacktest.Message, label, responseURL string) {
	t.Helper()
	var blocks []struct {
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	var actionID, value string
	for _, b := range blocks {
		for _, el := range b.Elements {
			if el.Type == "button" && strings.HasPrefix(el.Text.Text, label) {
				actionID, value = el.ActionID, el.Value
			}
		}
	}
	if actionID == "" {
		t.Fatalf("no button %q on the card:\n%s", label, m.Blocks)
	}
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "api_app_id": "A123456", "trigger_id": "13345224609.738474920.8088930838d88f008e0",
		"user":         map[string]any{"id": "U0MATEO", "username": "mateo", "name": "mateo", "team_id": "T0001"},
		"container":    map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false},
		"team":         map[string]any{"id": "T0001", "domain": "example"},
		"channel":      map[string]any{"id": m.Channel, "name": strings.TrimPrefix(m.Channel, "#")},
		"response_url": responseURL,
		"actions": []map[string]any{{"action_id": actionID, "block_id": "b1", "type": "button", "value": value,
			"text": map[string]any{"type": "plain_text", "text": label}, "action_ts": "1700000001.000200"}},
	})
	body := []byte("payload=" + neturl.QueryEscape(string(payload)))
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ts, sig := slacktest.Sign(secret, time.Now(), body)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the click answered %d", resp.StatusCode)
	}
}

func postStatus(t *testing.T, url, bearer string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

// waitUntil polls cond for up to a minute (a guard against hangs).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PagerDuty's signed v3 events through serve: the incident on service
// PLDG4RM is ledger's card; acknowledged and resolved follow in its thread.
func TestPagerDutyIncidentBecomesACard(t *testing.T) {
	const secret = "pd-e2e-secret"
	base, fake, logs := serveAlerts(t, map[string]string{"PAGERDUTY_WEBHOOK_SECRET": secret})
	ev := func(id, typ string) []byte {
		return []byte(fmt.Sprintf(`{"event":{"id":%q,"event_type":%q,"resource_type":"incident","occurred_at":%q,
"agent":{"id":"PU1","summary":"Mateo Álvarez","type":"user_reference"},
"data":{"id":"Q1LEDGER","type":"incident","html_url":"https://acme.pagerduty.com/incidents/Q1LEDGER","number":7,"status":"triggered",
"created_at":%q,"title":"Ledger writes failing","urgency":"high","service":{"id":"PLDG4RM","summary":"Ledger","type":"service_reference"}}}}`,
			id, typ, time.Now().UTC().Format(time.RFC3339), time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)))
	}
	send := func(body []byte, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/pagerduty/webhook", bytes.NewReader(body))
		req.Header.Set("X-PagerDuty-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	trig := ev("E1", "incident.triggered")
	if code := send(trig, pagerduty.Sign("forged", trig)); code != http.StatusUnauthorized {
		t.Fatalf("a forged signature answered %d", code)
	}
	for _, b := range [][]byte{trig, trig, ev("E2", "incident.acknowledged"), ev("E3", "incident.resolved")} {
		if code := send(b, pagerduty.Sign(secret, b)); code != http.StatusOK {
			t.Fatalf("signed event answered %d", code)
		}
	}
	waitUntil(t, "the card resolved with two thread lines", func() bool {
		var top, replies int
		for _, m := range fake.Messages("") {
			if m.ThreadTS == "" && strings.Contains(string(m.Blocks), "Resolved") {
				top++
			} else if m.ThreadTS != "" {
				replies++
			}
		}
		return top == 1 && replies == 2
	})
	msgs := fake.Messages("")
	if len(msgs) != 3 || !strings.Contains(string(msgs[0].Blocks), "Ledger writes failing") || !strings.Contains(string(msgs[1].Blocks), "Acknowledged by Mateo") {
		t.Fatalf("messages: %d\n%s\n%s", len(msgs), msgs[0].Blocks, msgs[1].Blocks)
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the webhook secret reached the log")
	}
}
