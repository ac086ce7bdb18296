package slack

// Tests with payloads in the shapes Slack documents for each surface
// (testdata/payloads, written for these tests), signed as Slack signs them
// and sent through the real handlers.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// payload reads testdata/payloads/name with each {{KEY}} replaced;
// {{TRIGGER}}, unless given, becomes a fresh trigger_id.
func payload(t *testing.T, name string, repl map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if _, ok := repl["TRIGGER"]; !ok {
		s = strings.ReplaceAll(s, "{{TRIGGER}}", nextTrigger())
	}
	for k, v := range repl {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("%s: placeholder left at %d: %.40s", name, i, s[i:])
	}
	return []byte(s)
}

// inJSON is s escaped for use inside a JSON string.
func inJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func lastRequest(t *testing.T, e *env) chat.Request {
	t.Helper()
	reqs := e.h.requests()
	if len(reqs) == 0 {
		t.Fatal("the handler was not called")
	}
	return reqs[len(reqs)-1]
}

func TestSlashCommandTextIsWhatWasTyped(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty text", "", ""},
		{"only spaces", "   ", ""},
		{"escaped ampersand and angle brackets", "docs R&amp;D onboarding &lt;draft&gt;", "docs R&D onboarding <draft>"},
		{"an escaped entity stays literal", "docs &amp;lt;br&amp;gt; tags", "docs &lt;br&gt; tags"},
		{"a detected link reads as typed", "who owns <https://payments-api.internal|payments-api.internal>", "who owns payments-api.internal"},
		{"a pasted URL without a label", "docs <https://docs.example.com/runbook?a=1&amp;b=2>", "docs https://docs.example.com/runbook?a=1&b=2"},
		{"a user with a name", "oncall for <@U024BE7LH|bob>", "oncall for @bob"},
		{"a user without a name", "oncall for <@W024BE7LH>", "oncall for @W024BE7LH"},
		{"a channel", "impact <#C024BE7LR|payments>", "impact #payments"},
		{"a channel with an empty name", "impact <#C024BE7LR|>", "impact #C024BE7LR"},
		{"a user group and @here", "notify <!subteam^S0614TZR7|@payments-oncall> <!here>", "notify @payments-oncall @here"},
		{"a date", "docs since <!date^1700000000^{date_short}|Nov 14, 2023>", "docs since Nov 14, 2023"},
		{"a mailto link", "who owns <mailto:pay@example.com|pay@example.com>", "who owns pay@example.com"},
		{"plus and percent", "docs 100% uptime + slo", "docs 100% uptime + slo"},
		{"quotes and unicode", `scaffold service name=ledger description="Pays “things” — fast"`, `scaffold service name=ledger description="Pays “things” — fast"`},
		{"an unmatched bracket", "docs a &lt; b <", "docs a < b <"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			body := payload(t, "slash_command.form", map[string]string{
				"TEXT": url.QueryEscape(tt.text), "RESPONSE_URL": url.QueryEscape(e.fake.ResponseURL())})
			resp, b := e.post(t, PathCommands, formType, body, time.Now(), testSecret, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			var m rawMessage
			if err := json.Unmarshal(b, &m); err != nil || len(m.Blocks) == 0 {
				t.Fatalf("ack is not a message: %v %s", err, b)
			}
			r := lastRequest(t, e)
			if r.Text != tt.want {
				t.Fatalf("handler got %q, want %q", r.Text, tt.want)
			}
			if r.User.ID != "U0ALICE" || r.User.Team != "T0001" || r.Channel != "C2147483705" {
				t.Errorf("identity %+v channel %q", r.User, r.Channel)
			}
		})
	}
}

func TestEnterpriseSlashCommandKeepsTheWorkspaceAndUser(t *testing.T) {
	e := newEnv(t, nil)
	body := payload(t, "slash_command_enterprise.form", map[string]string{"RESPONSE_URL": url.QueryEscape(e.fake.ResponseURL())})
	resp, b := e.post(t, PathCommands, formType, body, time.Now(), testSecret, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "owned by Team Payments") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	r := lastRequest(t, e)
	if r.Text != "who owns payments-api" || r.User.ID != "W0ALICE" || r.User.Team != "T0002" || r.Channel != "C0INCIDENT" {
		t.Fatalf("request %+v", r)
	}
}

func TestAppMentionFromSlackIsAnsweredOnceInItsThread(t *testing.T) {
	e := newEnv(t, nil)
	body := payload(t, "event_app_mention.json", nil)
	for retry := 0; retry <= 3; retry++ {
		hdr := map[string]string{}
		if retry > 0 {
			hdr = map[string]string{"X-Slack-Retry-Num": fmt.Sprint(retry), "X-Slack-Retry-Reason": "http_timeout"}
		}
		// Each retry is signed afresh, as Slack does.
		resp, b := e.post(t, PathEvents, "application/json", body, time.Now().Add(time.Duration(retry)*time.Second), testSecret, hdr)
		if resp.StatusCode != 200 {
			t.Fatalf("delivery %d: %d %s", retry, resp.StatusCode, b)
		}
	}
	calls := e.fake.Wait("chat.postMessage", 1, 2*time.Second)
	time.Sleep(50 * time.Millisecond)
	if calls = e.fake.Calls("chat.postMessage"); len(calls) != 1 {
		t.Fatalf("%d answers posted, want 1", len(calls))
	}
	if p := calls[0].Params; p.Get("channel") != "C0INC" || p.Get("thread_ts") != "1700000000.000001" {
		t.Errorf("answered in %q thread %q", p.Get("channel"), p.Get("thread_ts"))
	}
	reqs := e.h.requests()
	if len(reqs) != 1 {
		t.Fatalf("handler ran %d times", len(reqs))
	}
	r := reqs[0]
	if want := "who owns payments-api.internal & who is on call for @U0BOB?"; r.Text != want {
		t.Errorf("text %q, want %q", r.Text, want)
	}
	if r.User.ID != "U0ALICE" || r.User.Team != "T0001" || r.DeliveryID != "Ev0MENTION1" || r.Thread != "1700000000.000001" || r.Channel != "C0INC" {
		t.Errorf("request %+v", r)
	}
}

func TestDirectMessageFromSlackIsAnswered(t *testing.T) {
	e := newEnv(t, nil)
	resp, _ := e.post(t, PathEvents, "application/json", payload(t, "event_message_im.json", nil), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	calls := e.fake.Wait("chat.postMessage", 1, 2*time.Second)
	if len(calls) != 1 || calls[0].Params.Get("channel") != "D0DM" {
		t.Fatalf("posted %+v", calls)
	}
	if r := lastRequest(t, e); r.Text != "docs R&D onboarding <draft> in #payments" || r.User.ID != "U0ALICE" {
		t.Fatalf("request %+v", r)
	}
}

func TestEventsThatAreNotCommandsAreAcknowledgedAndIgnored(t *testing.T) {
	var cases map[string]json.RawMessage
	if err := json.Unmarshal(payload(t, "events_ignored.json", nil), &cases); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, nil)
	i := 0
	for name, inner := range cases {
		i++
		resp, b := e.post(t, PathEvents, "application/json", eventBody(fmt.Sprintf("EvIgnored%d", i), string(inner)), time.Now(), testSecret, nil)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d %s", name, resp.StatusCode, b)
		}
	}
	resp, _ := e.post(t, PathEvents, "application/json", payload(t, "event_app_rate_limited.json", nil), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Errorf("app_rate_limited: status %d", resp.StatusCode)
	}
	time.Sleep(200 * time.Millisecond)
	if reqs := e.h.requests(); len(reqs) != 0 {
		t.Fatalf("handler ran for %q", reqs[0].Text)
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("%d messages posted", n)
	}
}

func TestBlockActionsFromSlack(t *testing.T) {
	e := newEnv(t, nil)
	_, owner := e.slash(t, "/callboard", "who owns payments-api")
	// click sends the block_actions payload in file for the button labelled
	// label, expects an empty 200 ack, and returns the answer posted to
	// response_url.
	click := func(t *testing.T, file, label string) rawMessage {
		t.Helper()
		id, v := buttonValue(t, owner.Blocks, label)
		before := len(e.fake.Calls("response_url"))
		body := interactionForm(payload(t, file, map[string]string{
			"ACTION_ID": inJSON(id), "VALUE": inJSON(v), "RESPONSE_URL": inJSON(e.fake.ResponseURL())}))
		resp, b := e.post(t, PathInteractions, formType, body, time.Now(), testSecret, nil)
		if resp.StatusCode != 200 || len(b) != 0 {
			t.Fatalf("ack %d %q, want an empty 200", resp.StatusCode, b)
		}
		calls := e.fake.Wait("response_url", before+1, 2*time.Second)
		if len(calls) != before+1 {
			t.Fatal("no answer through response_url")
		}
		return decodeCall(t, calls[before])
	}

	t.Run("a button on a message in a thread", func(t *testing.T) {
		m := click(t, "block_actions_message.json", "Show dependents")
		if !strings.Contains(string(m.Blocks), "checkout-web") {
			t.Fatalf("answer %s", m.Blocks)
		}
		r := lastRequest(t, e)
		if r.Text != "what depends on payments-api" || r.User.ID != "U0BOB" || r.Channel != "C0INC" || r.Thread != "1700000000.000001" {
			t.Fatalf("request %+v", r)
		}
	})
	t.Run("a button on an ephemeral message, which has no message field", func(t *testing.T) {
		if m := click(t, "block_actions_ephemeral.json", "Share in channel"); m.ResponseType != "in_channel" || !strings.Contains(string(m.Blocks), "owned by Team Payments") {
			t.Fatalf("shared %+v %s", m, m.Blocks)
		}
	})
}

// interactionForm is a JSON payload posted as Slack posts interactions.
func interactionForm(raw []byte) []byte {
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

func TestViewSubmissionFromSlack(t *testing.T) {
	e := newEnv(t, nil)
	e.slash(t, "/callboard", "scaffold")
	opened := e.fake.Wait("views.open", 1, 2*time.Second)
	if len(opened) != 1 {
		t.Fatal("views.open not called")
	}
	var sent struct {
		View struct {
			PrivateMetadata string `json:"private_metadata"`
		} `json:"view"`
	}
	if err := json.Unmarshal(opened[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, nameValue, owner, description, wantAck, wantText string
	}{
		{"every field", "ledger", `{"text":{"type":"plain_text","text":"checkout","emoji":true},"value":"checkout"}`, `"Pays & settles\nnightly"`,
			`"response_action":"clear"`, "scaffold service name=ledger owner=checkout description=\"Pays & settles\nnightly\""},
		{"optional fields left empty come as null", "ledger", "null", "null", `"response_action":"clear"`, "scaffold service name=ledger"},
		{"a required field left empty", "", "null", "null", `"in_name":"Required."`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := len(e.h.requests())
			body := interactionForm(payload(t, "view_submission.json", map[string]string{
				"PRIVATE_METADATA": inJSON(sent.View.PrivateMetadata), "NAME": inJSON(tt.nameValue),
				"OWNER": tt.owner, "DESCRIPTION": tt.description}))
			resp, b := e.post(t, PathInteractions, formType, body, time.Now(), testSecret, nil)
			if resp.StatusCode != 200 || !strings.Contains(string(b), tt.wantAck) {
				t.Fatalf("ack %d %s, want %s", resp.StatusCode, b, tt.wantAck)
			}
			reqs := e.h.requests()
			if tt.wantText == "" {
				if len(reqs) != runs {
					t.Fatalf("handler ran for an incomplete form: %q", reqs[len(reqs)-1].Text)
				}
				return
			}
			if r := reqs[len(reqs)-1]; r.Text != tt.wantText || r.User.ID != "U0ALICE" || r.Channel != "C2147483705" {
				t.Fatalf("request %q %+v, want %q", r.Text, r, tt.wantText)
			}
		})
	}
}

func TestInteractionsCallboardDoesNotHandleGetAnEmpty200(t *testing.T) {
	e := newEnv(t, nil)
	for _, name := range []string{"view_closed.json", "shortcut_global.json"} {
		resp, b := e.post(t, PathInteractions, formType, interactionForm(payload(t, name, nil)), time.Now(), testSecret, nil)
		if resp.StatusCode != 200 || len(b) != 0 {
			t.Errorf("%s: ack %d %q, want an empty 200", name, resp.StatusCode, b)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if reqs := e.h.requests(); len(reqs) != 0 {
		t.Fatalf("handler ran for %q", reqs[0].Text)
	}
}

func TestMessageShortcutFromSlackAsksWhatTheMessageSays(t *testing.T) {
	e := newEnv(t, nil)
	body := interactionForm(payload(t, "message_action.json", map[string]string{"RESPONSE_URL": inJSON(e.fake.ResponseURL())}))
	resp, b := e.post(t, PathInteractions, formType, body, time.Now(), testSecret, nil)
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("ack %d %q", resp.StatusCode, b)
	}
	calls := e.fake.Wait("chat.postEphemeral", 1, 2*time.Second)
	if len(calls) != 1 {
		t.Fatal("no ephemeral answer")
	}
	if p := calls[0].Params; p.Get("thread_ts") != "1700000000.000001" || p.Get("user") != "U0ALICE" || p.Get("channel") != "C0INC" {
		t.Fatalf("posted %v", url.Values(p))
	}
	if r := lastRequest(t, e); r.Text != "who owns payments-api.internal?" || r.User.ID != "U0ALICE" {
		t.Fatalf("request %+v", r)
	}
}

func TestSocketModeEnvelopesFromSlack(t *testing.T) {
	e := newSocketEnv(t)
	envelopeID := func(raw []byte) string {
		var env struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
		return env.EnvelopeID
	}

	t.Run("a slash command with is_enterprise_install as a string", func(t *testing.T) {
		raw := payload(t, "socket_slash_commands.json", map[string]string{"RESPONSE_URL": inJSON(e.fake.ResponseURL())})
		if err := e.fake.SendRaw(raw); err != nil {
			t.Fatal(err)
		}
		ack, ok := e.fake.WaitAck(envelopeID(raw), 3*time.Second)
		if !ok || !strings.Contains(string(ack.Payload), "owned by Team Payments") {
			t.Fatalf("ack %v %s", ok, ack.Payload)
		}
		if r := lastRequest(t, e); r.Text != "who owns payments-api.internal" {
			t.Fatalf("request %+v", r)
		}
	})
	for _, name := range []string{"socket_unknown_type.json", "socket_unreadable_interactive.json"} {
		t.Run("acknowledged though unreadable: "+name, func(t *testing.T) {
			raw := payload(t, name, nil)
			if err := e.fake.SendRaw(raw); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.fake.WaitAck(envelopeID(raw), 3*time.Second); !ok {
				t.Fatal("envelope not acknowledged")
			}
		})
	}
	dials := 1
	for _, reason := range []string{"warning", "refresh_requested"} {
		t.Run("after a disconnect ("+reason+") the app reconnects and keeps answering", func(t *testing.T) {
			if err := e.fake.Disconnect(reason); err != nil {
				t.Fatal(err)
			}
			dials++
			if !e.fake.WaitDials(dials, 10*time.Second) {
				t.Fatal("did not reconnect")
			}
			before := len(e.h.requests())
			raw := payload(t, "socket_slash_commands.json", map[string]string{"RESPONSE_URL": inJSON(e.fake.ResponseURL())})
			raw = []byte(strings.Replace(string(raw), "1d3c9a5e", "1d3c9a5e-"+reason, 1))
			if err := e.fake.SendRaw(raw); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.fake.WaitAck(envelopeID(raw), 3*time.Second); !ok {
				t.Fatal("envelope not acknowledged after reconnecting")
			}
			if len(e.h.requests()) != before+1 {
				t.Fatal("the command was not run")
			}
		})
	}
	t.Run("an event and its retry over the socket are answered once", func(t *testing.T) {
		for retry, reason := range []string{"", "timeout"} {
			raw := payload(t, "socket_events_api.json", map[string]string{"RETRY": fmt.Sprint(retry), "RETRY_REASON": reason})
			raw = []byte(strings.Replace(string(raw), "7f1e2d3c", fmt.Sprintf("7f1e2d3c-%d", retry), 1))
			if err := e.fake.SendRaw(raw); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.fake.WaitAck(envelopeID(raw), 3*time.Second); !ok {
				t.Fatalf("delivery %d not acknowledged", retry)
			}
		}
		e.fake.Wait("chat.postMessage", 1, 2*time.Second)
		time.Sleep(50 * time.Millisecond)
		if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
			t.Fatalf("%d answers posted, want 1", n)
		}
		if r := lastRequest(t, e); r.Text != "who owns payments-api" || r.DeliveryID != "Ev0SOCK2" {
			t.Fatalf("request %+v", r)
		}
	})
}

func TestMentionInADirectMessageIsAnsweredOnceThoughDeliveredTwice(t *testing.T) {
	for _, order := range [][]string{
		{"event_app_mention_in_dm.json", "event_message_im_mention.json"},
		{"event_message_im_mention.json", "event_app_mention_in_dm.json"},
	} {
		t.Run(order[0]+" first", func(t *testing.T) {
			e := newEnv(t, nil)
			for _, name := range order {
				if resp, _ := e.post(t, PathEvents, "application/json", payload(t, name, nil), time.Now(), testSecret, nil); resp.StatusCode != 200 {
					t.Fatalf("%s: status %d", name, resp.StatusCode)
				}
			}
			e.fake.Wait("chat.postMessage", 1, 2*time.Second)
			time.Sleep(50 * time.Millisecond)
			if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
				t.Fatalf("%d answers posted, want 1", n)
			}
			if reqs := e.h.requests(); len(reqs) != 1 || reqs[0].Text != "who owns payments-api" {
				t.Fatalf("requests %+v", reqs)
			}
		})
	}
}
