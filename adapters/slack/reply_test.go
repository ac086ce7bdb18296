package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// A slash command's response_url reaches the bot as the request's reply
// address, and Reply replaces the original message through it, as a
// worker on another replica does with a job's outcome.
func TestReplyReplacesTheOriginalThroughTheResponseURL(t *testing.T) {
	e := newEnv(t, nil)
	ru := e.fake.ResponseURL()
	resp, _ := e.post(t, PathCommands, formType, slashBody("/callboard", "who owns payments-api", ru), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	reqs := e.h.requests()
	if len(reqs) != 1 || reqs[0].ReplyTo != ru {
		t.Fatalf("requests %+v: reply address not carried", reqs)
	}
	before := len(e.fake.Calls("response_url"))
	err := e.a.Reply(context.Background(), reqs[0].ReplyTo, &chat.Response{Status: chat.StatusOK, Title: "Scaffolded ledger-export from go-service: job 0f", Text: "publish: done"})
	if err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls("response_url")
	if len(calls) != before+1 {
		t.Fatalf("%d response_url posts, want %d", len(calls), before+1)
	}
	c := calls[len(calls)-1]
	var m struct {
		ReplaceOriginal bool `json:"replace_original"`
	}
	if c.Status != 200 || json.Unmarshal(c.Body, &m) != nil || !m.ReplaceOriginal || !strings.Contains(string(c.Body), "Scaffolded ledger-export") {
		t.Errorf("post %d %s: %s", c.Status, c.Error, c.Body)
	}
	if err := e.a.Reply(context.Background(), "C123/456", &chat.Response{Text: "x"}); err == nil {
		t.Error("a reply address that is no URL was accepted")
	}
}
