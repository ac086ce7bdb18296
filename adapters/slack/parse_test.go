package slack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/callboard/callboard/internal/loadgen"
	"github.com/slack-go/slack"
)

// parseSlashCommand reads what slack.SlashCommandParse reads, and fails
// where it fails.
func TestParseSlashCommandAgreesWithSlackGo(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct{ name, ct, target, body string }{
		{"as Slack sends it", form, "/slack/commands", loadgen.Body("/callboard", "who owns payments-api", 7)},
		{"charset", form + "; charset=utf-8", "/slack/commands", loadgen.Body("/whoowns", "payments & <api>", 8)},
		{"every field", form, "/slack/commands", "token=t&team_id=T1&team_domain=d&enterprise_id=E1&enterprise_name=En&is_enterprise_install=true&channel_id=C1&channel_name=c&user_id=U1&user_name=u&command=%2Fcallboard&text=a+b%20c&response_url=http%3A%2F%2Fx&trigger_id=tr&api_app_id=A1"},
		{"repeated keys", form, "/slack/commands", "text=first&text=second&user_id=U1"},
		{"bad escape", form, "/slack/commands", "text=%zz&user_id=U1"},
		{"semicolon", form, "/slack/commands", "text=a;b&user_id=U1"},
		{"a URL query too", form, "/slack/commands?text=fromquery", "user_id=U1"},
		{"a bad URL query", form, "/slack/commands?text=%zz", "user_id=U1"},
		{"no content type", "", "/slack/commands", "text=hi&user_id=U1"},
		{"bad content type", "text/;;", "/slack/commands", "text=hi"},
		{"json", "application/json", "/slack/commands", `{"text":"hi"}`},
		{"empty", form, "/slack/commands", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, tt.target, bytes.NewReader([]byte(tt.body)))
				if tt.ct != "" {
					r.Header.Set("Content-Type", tt.ct)
				}
				return r
			}
			want, werr := slack.SlashCommandParse(req())
			got, gerr := parseSlashCommand(req(), []byte(tt.body))
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("error %v, slack-go's %v", gerr, werr)
			}
			if werr == nil && got != want {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}
