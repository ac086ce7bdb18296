package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestAlertSettingsAreCheckedWhereServeWouldFail(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		env        map[string]string
		want       string // "" for valid
	}{
		{"no endpoint, nothing needed", "alerts:\n  fallback_channel: '#alerts'\n", nil, ""},
		{"a token with nowhere to post", "", map[string]string{"ALERTMANAGER_WEBHOOK_TOKEN": "t"}, "alerts: the alert webhooks need a chat platform"},
		{"allow_no_token with nowhere to post", "alerts:\n  alertmanager:\n    allow_no_token: true\n", nil, "alerts: the alert webhooks need a chat platform"},
		{"slack without a bot token", "alerts:\n  platform: slack\n", map[string]string{"PAGERDUTY_WEBHOOK_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}, "alerts.platform: slack: posting cards needs Slack on with SLACK_BOT_TOKEN"},
		{"slack with its bot token", "", map[string]string{"ALERTMANAGER_WEBHOOK_TOKEN": "t", "SLACK_SIGNING_SECRET": "x", "SLACK_BOT_TOKEN": "xoxb-1"}, ""},
		{"unknown platform", "alerts:\n  platform: teams\n", nil, "alerts.platform: must be one of slack, discord"},
		{"unknown key", "alerts:\n  alertmanager:\n    token: inline\n", nil, "alerts.alertmanager.token"},
	} {
		p := writeConfig(t, c.yaml)
		var out, errb bytes.Buffer
		code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(c.env)}, []string{"config", "check", "--config", p})
		switch {
		case c.want == "" && code != 0:
			t.Errorf("%s: exit %d: %s", c.name, code, errb.String()+out.String())
		case c.want != "" && (code == 0 || !strings.Contains(errb.String()+out.String(), c.want)):
			t.Errorf("%s: exit %d, output %q; want a failure saying %q", c.name, code, errb.String()+out.String(), c.want)
		}
	}
}

func TestAlertmanagerEndpointIsOffWithoutAToken(t *testing.T) {
	base, _, logs := serveAlerts(t, nil)
	if code, _ := postStatus(t, base+"/alertmanager/webhook", "", []byte(`{"version":"4"}`)); code != 404 && code != 405 {
		t.Fatalf("the endpoint with no token answered %d; want it not served", code)
	}
	if !strings.Contains(logs.String(), "alert webhooks off") {
		t.Fatalf("the log does not say why the webhooks are off:\n%s", logs.String())
	}
}
