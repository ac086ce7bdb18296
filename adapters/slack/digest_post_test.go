package slack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// Post sends an answer to a channel as a new message through
// chat.postMessage and returns Slack's ts; a rate limit is not waited out
// inside Post (alert cards and digests each retry on their own terms) but
// returned as a chat.RetryLaterError naming the wait.
func TestPostSendsAnAnswerToAChannel(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.RateLimit("chat.postMessage", time.Millisecond, 1)
	resp := &chat.Response{Title: "Catalog health digest for Team Payments", Text: "Since the last digest: 1 new problem.",
		Sections: []chat.Section{{Title: "New problems", Items: []chat.Item{{Text: "ledger (component)", Detail: "warning no-docs: production, but no docs"}}}},
		Status:   chat.StatusOK}
	_, err := e.a.Post(context.Background(), "C0PAYMENTS", resp)
	var rl *chat.RetryLaterError
	if !errors.As(err, &rl) {
		t.Fatalf("a rate-limited post: %v, want a RetryLaterError", err)
	}
	time.Sleep(rl.After)
	ts, err := e.a.Post(context.Background(), "C0PAYMENTS", resp)
	if err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls("chat.postMessage")
	var ok int
	for _, c := range calls {
		if c.Error != "" || c.Status != 200 {
			continue
		}
		ok++
		if c.Params.Get("channel") != "C0PAYMENTS" || !strings.Contains(string(c.Blocks), "no-docs") || !strings.Contains(string(c.Blocks), "Team Payments") {
			t.Errorf("posted %s to %s", c.Blocks, c.Params.Get("channel"))
		}
	}
	if ok != 1 || ts == "" {
		t.Fatalf("%d messages posted (want 1), ts %q; %d calls", ok, ts, len(calls))
	}
	if _, err := e.a.Post(context.Background(), "", resp); err == nil || !strings.Contains(err.Error(), "no channel") {
		t.Errorf("a post without a channel: %v", err)
	}
}
