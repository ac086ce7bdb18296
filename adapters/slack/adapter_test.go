package slack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/slack/slacktest"
)

func TestRequestsFailingVerificationGet401AndNoReply(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxBody = 4096 })
	body := slashBody("/callboard", "who owns payments-api", e.fake.ResponseURL())
	tests := []struct {
		name   string
		body   []byte
		ts     time.Time
		secret string
		hdr    map[string]string
	}{
		{name: "bad signature", body: body, ts: time.Now(), secret: "not-the-secret"},
		{name: "stale timestamp", body: body, ts: time.Now().Add(-6 * time.Minute), secret: testSecret},
		{name: "timestamp from the future", body: body, ts: time.Now().Add(6 * time.Minute), secret: testSecret},
		{name: "missing signature", body: body, ts: time.Now(), secret: testSecret, hdr: map[string]string{"X-Slack-Signature": ""}},
		{name: "signature without v0", body: body, ts: time.Now(), secret: testSecret, hdr: map[string]string{"X-Slack-Signature": "v1=abcd"}},
		{name: "oversized body", body: append(body, []byte("&pad="+strings.Repeat("x", 5000))...), ts: time.Now(), secret: testSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.h.requests())
			resp, b := e.post(t, PathCommands, formType, tt.body, tt.ts, tt.secret, tt.hdr)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if strings.Contains(string(b), "payments") {
				t.Errorf("refusal carries a reply: %s", b)
			}
			if n := len(e.h.requests()); n != before {
				t.Errorf("handler ran for a refused request")
			}
		})
	}
}

func TestReplayedSlashCommandIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	body := slashBody("/callboard", "who owns payments-api", e.fake.ResponseURL())
	ts := time.Now()
	if resp, _ := e.post(t, PathCommands, formType, body, ts, testSecret, nil); resp.StatusCode != 200 {
		t.Fatalf("first delivery: %d", resp.StatusCode)
	}
	if resp, _ := e.post(t, PathCommands, formType, body, ts, testSecret, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replay: status %d, want 401", resp.StatusCode)
	}
	// The signature's hex letters upper-cased still verify (hex decoding
	// takes either case): the same request, refused as well.
	_, sig := slacktest.Sign(testSecret, ts, body)
	upper := "v0=" + strings.ToUpper(strings.TrimPrefix(sig, "v0="))
	if upper == sig {
		t.Fatalf("signature %s has no letters to change", sig)
	}
	if resp, _ := e.post(t, PathCommands, formType, body, ts, testSecret, map[string]string{"X-Slack-Signature": upper}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replay with %s: status %d, want 401", upper, resp.StatusCode)
	}
	if n := len(e.h.requests()); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

func TestSlashCommandsMapToTheBot(t *testing.T) {
	tests := []struct {
		command, text, want string
	}{
		{"/callboard", "who owns payments-api", "who owns payments-api"},
		{"/whoowns", "payments-api", "who owns payments-api"},
		{"/WhoOwns", "  payments-api ", "who owns payments-api"},
		{"/docs", "rotate keys", "docs rotate keys"},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			e := newEnv(t, nil)
			resp, m := e.slash(t, tt.command, tt.text)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			reqs := e.h.requests()
			if len(reqs) != 1 || reqs[0].Text != tt.want {
				t.Fatalf("handler got %+v, want text %q", reqs, tt.want)
			}
			r := reqs[0]
			if r.User.ID != "U0ALICE" || r.User.Email != "alice@example.com" || r.Channel != "C2147483705" || r.Platform != "slack" || r.User.Team != "T0001" {
				t.Errorf("request identity: %+v", r)
			}
			if m.ResponseType != "ephemeral" {
				t.Errorf("response_type %q, want ephemeral", m.ResponseType)
			}
			if err := slacktest.CheckBlocks(m.Blocks, 50); err != nil {
				t.Errorf("ack breaks limits: %v", err)
			}
		})
	}
}

func TestUsersInfoIsCached(t *testing.T) {
	e := newEnv(t, nil)
	for range 3 {
		e.slash(t, "/callboard", "who owns payments-api")
	}
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Fatalf("users.info called %d times, want 1 (cached)", n)
	}
}

func TestUnknownSlashCommandSaysSo(t *testing.T) {
	e := newEnv(t, nil)
	_, m := e.slash(t, "/nope", "x")
	if !strings.Contains(m.Text, "/nope") || len(e.h.requests()) != 0 {
		t.Fatalf("got %+v", m)
	}
}

func TestHandlerErrorsNeverLeakToTheReply(t *testing.T) {
	e := newEnv(t, nil)
	_, m := e.slash(t, "/callboard", "boom")
	if strings.Contains(string(m.Blocks), "hunter2") || !strings.Contains(string(m.Blocks), "went wrong") {
		t.Fatalf("reply: %s", m.Blocks)
	}
}

func TestOwnerAnswerRendersMarkdownLinksAndTeamChannel(t *testing.T) {
	e := newEnv(t, nil)
	_, m := e.slash(t, "/whoowns", "payments-api")
	s := string(m.Blocks)
	for _, want := range []string{
		`*payments-api* handles card \u0026amp; wallet payments`,
		`\u003chttps://runbooks.example.com/pay?x=1\u0026amp;y=2|the runbook\u003e`,
		`\u003c#C0PAYMENTS\u003e`,
		`"callboard_share"`,
		`Show dependents`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("blocks lack %s:\n%s", want, s)
		}
	}
}

func eventBody(id, inner string) []byte {
	return []byte(fmt.Sprintf(`{"token":"XXYYZZ","team_id":"T0001","api_app_id":"A123456","event":%s,"type":"event_callback","event_id":%q,"event_time":1700000000,"authorizations":[{"enterprise_id":null,"team_id":"T0001","user_id":"UBOT","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"4-eyJldCI6ImFwcF9tZW50aW9uIn0"}`, inner, id))
}

func TestURLVerificationAnswersTheChallenge(t *testing.T) {
	e := newEnv(t, nil)
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	resp, b := e.post(t, PathEvents, "application/json", body, time.Now(), testSecret, nil)
	var got map[string]string
	_ = json.Unmarshal(b, &got)
	if resp.StatusCode != 200 || got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestMentionsAreAnsweredInTheirThreadOnce(t *testing.T) {
	tests := []struct {
		name, inner, wantThread string
	}{
		{"top-level mention starts a thread", `{"type":"app_mention","user":"U0ALICE","text":"<@UBOT> who owns payments-api","ts":"1700000000.000100","channel":"C0INC","event_ts":"1700000000.000100"}`, "1700000000.000100"},
		{"mention in a thread answers there", `{"type":"app_mention","user":"U0ALICE","text":"<@UBOT|callboard> who owns payments-api","ts":"1700000005.000100","thread_ts":"1700000000.000001","channel":"C0INC","event_ts":"1700000005.000100"}`, "1700000000.000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			body := eventBody("Ev0001", tt.inner)
			resp, _ := e.post(t, PathEvents, "application/json", body, time.Now(), testSecret, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for i := 1; i <= 3; i++ {
				resp, _ := e.post(t, PathEvents, "application/json", body, time.Now().Add(time.Duration(i)*time.Second), testSecret,
					map[string]string{"X-Slack-Retry-Num": fmt.Sprint(i), "X-Slack-Retry-Reason": "http_timeout"})
				if resp.StatusCode != 200 {
					t.Fatalf("retry %d: status %d", i, resp.StatusCode)
				}
			}
			calls := e.fake.Wait("chat.postMessage", 1, 2*time.Second)
			time.Sleep(50 * time.Millisecond)
			calls = e.fake.Calls("chat.postMessage")
			if len(calls) != 1 {
				t.Fatalf("%d messages posted, want 1", len(calls))
			}
			if got := calls[0].Params.Get("thread_ts"); got != tt.wantThread {
				t.Errorf("thread_ts %q, want %q", got, tt.wantThread)
			}
			reqs := e.h.requests()
			if len(reqs) != 1 || reqs[0].Text != "who owns payments-api" || reqs[0].DeliveryID != "Ev0001" {
				t.Fatalf("handler got %+v", reqs)
			}
		})
	}
}

func TestDirectMessagesSkipBotsAndEdits(t *testing.T) {
	tests := []struct {
		name  string
		inner string
		want  bool
	}{
		{"a person's DM", `{"type":"message","channel":"D0DM","user":"U0ALICE","text":"who owns payments-api","ts":"1700000000.000100","channel_type":"im","event_ts":"1700000000.000100"}`, true},
		{"the bot's own message", `{"type":"message","channel":"D0DM","bot_id":"BBOT","user":"UBOT","text":"who owns payments-api","ts":"1700000000.000100","channel_type":"im"}`, false},
		{"an edit", `{"type":"message","subtype":"message_changed","channel":"D0DM","hidden":true,"message":{"type":"message","user":"U0ALICE","text":"who owns x","ts":"1"},"ts":"1700000000.000100","channel_type":"im"}`, false},
		{"a channel message", `{"type":"message","channel":"C0INC","user":"U0ALICE","text":"who owns payments-api","ts":"1700000000.000100","channel_type":"channel"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.post(t, PathEvents, "application/json", eventBody("Ev0002", tt.inner), time.Now(), testSecret, nil)
			calls := e.fake.Wait("chat.postMessage", 1, 500*time.Millisecond)
			if got := len(calls) == 1; got != tt.want {
				t.Fatalf("answered=%v, want %v", got, tt.want)
			}
			if tt.want && calls[0].Params.Get("channel") != "D0DM" {
				t.Errorf("answered in %q", calls[0].Params.Get("channel"))
			}
		})
	}
}

func TestPostMessageRetriesAfter429(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.RateLimit("chat.postMessage", time.Second, 1)
	start := time.Now()
	e.post(t, PathEvents, "application/json", eventBody("Ev0003", `{"type":"app_mention","user":"U0ALICE","text":"<@UBOT> who owns payments-api","ts":"1.1","channel":"C0INC"}`), time.Now(), testSecret, nil)
	calls := e.fake.Wait("chat.postMessage", 2, 5*time.Second)
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Fatalf("calls %+v", calls)
	}
	if d := calls[1].Time.Sub(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After", d)
	}
}

// A users.info failure is remembered for seconds, not for the hour a real
// answer is kept: once Slack recovers, the next request has the email.
func TestUsersInfoFailureIsCachedBriefly(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.UserMissTTL = 300 * time.Millisecond })
	e.fake.Fail("users.info", "fatal_error")
	e.slash(t, "/callboard", "whoami")
	e.slash(t, "/callboard", "whoami")
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Fatalf("users.info called %d times during the miss window, want 1", n)
	}
	time.Sleep(400 * time.Millisecond)
	e.slash(t, "/callboard", "whoami")
	reqs := e.h.requests()
	if len(reqs) != 3 || reqs[0].User.Email != "" || reqs[1].User.Email != "" || reqs[2].User.Email != "alice@example.com" {
		for _, r := range reqs {
			t.Logf("request user %+v", r.User)
		}
		t.Fatalf("emails after a users.info failure and Slack's recovery are wrong")
	}
}
