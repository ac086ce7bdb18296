package slack

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/slack/slacktest"
)

func (e *env) click(t *testing.T, actionID, value string, ephemeral bool) []slacktest.Call {
	t.Helper()
	ru := e.fake.ResponseURL()
	before := len(e.fake.Calls("response_url"))
	resp, b := e.post(t, PathInteractions, formType, interactionBody(blockActionsPayload(actionID, value, ru, ephemeral)), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("ack %d %q, want an empty 200", resp.StatusCode, b)
	}
	return e.fake.Wait("response_url", before+1, 2*time.Second)[before:]
}

func decodeCall(t *testing.T, c slacktest.Call) rawMessage {
	t.Helper()
	var m rawMessage
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatal(err)
	}
	if c.Status != 200 {
		t.Fatalf("fake refused the message: %d %s", c.Status, c.Error)
	}
	return m
}

func TestEveryButtonPath(t *testing.T) {
	e := newEnv(t, nil)
	_, owner := e.slash(t, "/callboard", "who owns payments-api")
	_, ambiguous := e.slash(t, "/callboard", "payments")
	_, big := e.slash(t, "/callboard", "big")

	t.Run("show dependents answers beside the message", func(t *testing.T) {
		id, v := buttonValue(t, owner.Blocks, "Show dependents")
		m := decodeCall(t, e.click(t, id, v, true)[0])
		if m.ReplaceOriginal || !strings.Contains(string(m.Blocks), "checkout-web") {
			t.Fatalf("got %+v", m)
		}
		if last := e.h.requests(); last[len(last)-1].Text != "what depends on payments-api" {
			t.Errorf("ran %q", last[len(last)-1].Text)
		}
	})
	t.Run("next page carries the page and replaces the message", func(t *testing.T) {
		id, v := buttonValue(t, owner.Blocks, "Show dependents")
		deps := decodeCall(t, e.click(t, id, v, true)[0])
		id, v = buttonValue(t, deps.Blocks, "Next page")
		m := decodeCall(t, e.click(t, id, v, true)[0])
		last := e.h.requests()
		if got := last[len(last)-1]; got.Page != 1 || got.Text != "what depends on payments-api" {
			t.Fatalf("request %+v, want page 1", got)
		}
		if !m.ReplaceOriginal || !strings.Contains(string(m.Blocks), "Page 2 of 3") {
			t.Fatalf("got %+v %s", m, m.Blocks)
		}
	})
	t.Run("picking one of several matches replaces the question", func(t *testing.T) {
		id, v := buttonValue(t, ambiguous.Blocks, "payments-api (component)")
		m := decodeCall(t, e.click(t, id, v, true)[0])
		if !m.ReplaceOriginal || !strings.Contains(string(m.Blocks), "owned by Team Payments") {
			t.Fatalf("got %+v", m)
		}
	})
	t.Run("share in channel reposts for everyone", func(t *testing.T) {
		id, v := buttonValue(t, owner.Blocks, "Share in channel")
		m := decodeCall(t, e.click(t, id, v, true)[0])
		if m.ResponseType != "in_channel" || strings.Contains(string(m.Blocks), "Share in channel") {
			t.Fatalf("got %+v %s", m, m.Blocks)
		}
	})
	t.Run("next part of a long answer is served without running it again", func(t *testing.T) {
		runs := len(e.h.requests())
		id, v := buttonValue(t, big.Blocks, "Next part")
		m := decodeCall(t, e.click(t, id, v, true)[0])
		if !m.ReplaceOriginal || !strings.Contains(string(m.Blocks), "Part 2 of") {
			t.Fatalf("got %s", m.Blocks)
		}
		if len(e.h.requests()) != runs {
			t.Errorf("the command ran again to page")
		}
	})
	t.Run("a foreign value gets an answer, not a crash", func(t *testing.T) {
		m := decodeCall(t, e.click(t, actionRun+":0", "not json", true)[0])
		if !strings.Contains(string(m.Blocks), "expired") {
			t.Fatalf("got %s", m.Blocks)
		}
	})
}

func TestModalOpensAndSubmitsItsValues(t *testing.T) {
	e := newEnv(t, nil)
	e.slash(t, "/callboard", "scaffold")
	calls := e.fake.Wait("views.open", 1, 2*time.Second)
	if len(calls) != 1 {
		t.Fatalf("views.open not called")
	}
	if tr := calls[0].Params.Get("trigger_id"); tr == "" || "command:"+tr != lastRequest(t, e).DeliveryID {
		t.Errorf("views.open got trigger %q; the command was delivery %q", tr, lastRequest(t, e).DeliveryID)
	}
	var sent struct {
		View struct {
			Title           struct{ Text string } `json:"title"`
			PrivateMetadata string                `json:"private_metadata"`
			CallbackID      string                `json:"callback_id"`
			Blocks          []struct {
				BlockID  string `json:"block_id"`
				Optional bool   `json:"optional"`
			} `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal(calls[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(sent.View.Title.Text)); n > 24 {
		t.Errorf("modal title has %d characters, Slack allows 24", n)
	}
	// The required field, then the optional ones under their own heading.
	b := sent.View.Blocks
	if len(b) != 5 || b[0].BlockID != "in_name" || b[0].Optional || b[2].BlockID != "more" || !b[3].Optional || !b[4].Optional {
		t.Fatalf("blocks %+v", sent.View.Blocks)
	}

	submit := func(name, owner, desc string) []byte {
		values := map[string]map[string]any{
			"in_name":        {"v": map[string]any{"type": "plain_text_input", "value": name}},
			"in_owner":       {"v": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": owner, "text": map[string]any{"type": "plain_text", "text": owner}}}},
			"in_description": {"v": map[string]any{"type": "plain_text_input", "value": desc}},
		}
		payload := map[string]any{
			"type": "view_submission", "team": map[string]any{"id": "T0001"},
			"user":       map[string]any{"id": "U0ALICE", "name": "alice"},
			"api_app_id": "A123456", "trigger_id": "1.2.3",
			"view": map[string]any{"id": "V1", "type": "modal", "callback_id": sent.View.CallbackID,
				"private_metadata": sent.View.PrivateMetadata, "state": map[string]any{"values": values}},
		}
		resp, b := e.post(t, PathInteractions, formType, interactionBody(payload), time.Now(), testSecret, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return b
	}
	tests := []struct {
		name, nameValue, wantAck, wantCommand string
	}{
		{"missing required value", "", `"in_name":"Required."`, ""},
		{"value the bot refuses", "bad!", `"in_name":"name must be lower case`, ""},
		{"accepted", "new-svc", `"response_action":"clear"`, `scaffold service name=new-svc owner=checkout description="Pays \"things\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := submit(tt.nameValue, "checkout", `Pays "things"`)
			if !strings.Contains(string(b), tt.wantAck) {
				t.Fatalf("ack %s, want %s", b, tt.wantAck)
			}
			if tt.wantCommand != "" {
				reqs := e.h.requests()
				if got := reqs[len(reqs)-1].Text; got != tt.wantCommand {
					t.Fatalf("command %q, want %q", got, tt.wantCommand)
				}
				posts := e.fake.Wait("chat.postMessage", 1, 2*time.Second)
				if len(posts) != 1 || posts[0].Params.Get("channel") != "C2147483705" {
					t.Fatalf("answer posted %+v", posts)
				}
			}
		})
	}
}

func TestSlowAnswerShowsProgressThroughResponseURL(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BotToken = "" }) // response_url only
	_, ack := e.slash(t, "/callboard", "slow")
	if !strings.Contains(string(ack.Blocks), "step 0 of 7") {
		t.Fatalf("ack %s", ack.Blocks)
	}
	deadline := time.Now().Add(2 * time.Second)
	var calls []slacktest.Call
	for time.Now().Before(deadline) {
		calls = e.fake.Calls("response_url")
		if len(calls) > 0 && strings.Contains(string(calls[len(calls)-1].Body), "Done") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(calls) == 0 || len(calls) > 5 {
		t.Fatalf("%d posts to response_url, want 1..5", len(calls))
	}
	for _, c := range calls {
		if c.Status != 200 {
			t.Fatalf("fake refused a post: %d %s", c.Status, c.Error)
		}
		if !strings.Contains(string(c.Body), `"replace_original":true`) {
			t.Errorf("progress does not replace the message: %s", c.Body)
		}
	}
	if last := string(calls[len(calls)-1].Body); !strings.Contains(last, "Done: https://github.com/acme/new-svc/pull/1") {
		t.Fatalf("last post is not the result: %s", last)
	}
}

func TestMessageShortcutAnswersInTheThread(t *testing.T) {
	e := newEnv(t, nil)
	payload := map[string]any{
		"type": "message_action", "callback_id": "callboard_ask", "trigger_id": "1.2.3",
		"team": map[string]any{"id": "T0001"}, "user": map[string]any{"id": "U0ALICE", "name": "alice"},
		"channel":      map[string]any{"id": "C0INC", "name": "incidents"},
		"message":      map[string]any{"type": "message", "user": "U0BOB", "text": "who owns payments-api", "ts": "1700000009.000100", "thread_ts": "1700000000.000001"},
		"response_url": e.fake.ResponseURL(),
	}
	resp, _ := e.post(t, PathInteractions, formType, interactionBody(payload), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	calls := e.fake.Wait("chat.postEphemeral", 1, 2*time.Second)
	if len(calls) != 1 {
		t.Fatal("no ephemeral answer")
	}
	p := calls[0].Params
	if p.Get("thread_ts") != "1700000000.000001" || p.Get("user") != "U0ALICE" || p.Get("channel") != "C0INC" {
		t.Fatalf("posted %v", url.Values(p))
	}
}

// The ack of a command that opens a form says so, and does not post the
// "needs more" text as well.
func TestModalAckDoesNotRepeatTheForm(t *testing.T) {
	e := newEnv(t, nil)
	_, ack := e.slash(t, "/callboard", "scaffold")
	if len(e.fake.Wait("views.open", 1, 2*time.Second)) != 1 {
		t.Fatalf("views.open not called")
	}
	all := ack.Text + string(ack.Blocks)
	if strings.Contains(all, "Fill in the form") || !strings.Contains(all, "Opening the form") {
		t.Errorf("ack %q %s, want only that the form opens", ack.Text, ack.Blocks)
	}
}
