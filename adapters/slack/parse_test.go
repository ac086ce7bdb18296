package slack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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
		{"escaped keys, empty pairs, no value", form, "/slack/commands", "te%78t=hi&&user_id&user%5Fname=a%2Bb+c&is_enterprise_install=true&is_enterprise_install=false&"},
		{"a bad escape in a key", form, "/slack/commands", "te%7=hi"},
		{"a semicolon in an unknown key", form, "/slack/commands", "text=hi&x;y=1"},
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

// The form scanned field by field reads what url.ParseQuery and Get read,
// and gives up wherever ParseQuery fails.
func FuzzScanSlashForm(f *testing.F) {
	f.Add(loadgen.Body("/callboard", "who owns payments-api", 7))
	f.Add("text=first&text=second&user_id=U1&is_enterprise_install=true")
	f.Add("te%78t=a+b%20c&&user_id&x;y=1")
	f.Add("text=%zz")
	f.Fuzz(func(t *testing.T, form string) {
		got, ok := scanSlashForm(form)
		v, err := url.ParseQuery(form)
		if ok != (err == nil) {
			t.Fatalf("scanned ok %v, ParseQuery error %v", ok, err)
		}
		if !ok {
			return
		}
		want := slack.SlashCommand{Token: v.Get("token"), TeamID: v.Get("team_id"), TeamDomain: v.Get("team_domain"),
			EnterpriseID: v.Get("enterprise_id"), EnterpriseName: v.Get("enterprise_name"), IsEnterpriseInstall: v.Get("is_enterprise_install") == "true",
			ChannelID: v.Get("channel_id"), ChannelName: v.Get("channel_name"), UserID: v.Get("user_id"), UserName: v.Get("user_name"),
			Command: v.Get("command"), Text: v.Get("text"), ResponseURL: v.Get("response_url"), TriggerID: v.Get("trigger_id"), APIAppID: v.Get("api_app_id")}
		if got != want {
			t.Fatalf("got  %+v\nwant %+v", got, want)
		}
	})
}

// A form with more parameters than url.ParseQuery takes is refused as it
// refuses it, not read by the scanner.
func TestSlashFormWithTooManyParametersIsRefusedAsParseQueryDoes(t *testing.T) {
	form := "user_id=U1&" + strings.Repeat("x=1&", maxFormParams) + "text=hi"
	if _, err := url.ParseQuery(form); err == nil {
		t.Fatal("url.ParseQuery took the form; the bound moved")
	}
	if _, ok := scanSlashForm(form); ok {
		t.Fatal("scanSlashForm read a form url.ParseQuery refuses")
	}
}
