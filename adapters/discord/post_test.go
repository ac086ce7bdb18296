package discord

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

func TestPostUpdateAndReplyOnDiscord(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	const channel = "112233445566778899"
	card := &chat.Response{Status: chat.StatusOK, Title: "Firing: HighErrorRate on Ledger",
		Fields: []chat.Field{{Name: "Owner", Value: "Team Ledger"}}, Actions: []chat.Action{{Label: "I'm on it", Command: "alert take abc"}}}
	id, err := f.a.Post(ctx, channel, card)
	if err != nil || id == "" {
		t.Fatalf("post: %q, %v", id, err)
	}
	card.Title = "Resolved: HighErrorRate on Ledger"
	card.Actions = nil
	if err := f.a.Update(ctx, channel, id, card); err != nil {
		t.Fatal(err)
	}
	rid, err := f.a.ReplyInThread(ctx, channel, id, &chat.Response{Text: "Resolved at 21:00 UTC."})
	if err != nil || rid == "" || rid == id {
		t.Fatalf("reply: %q, %v", rid, err)
	}
	msgs := f.api.ChannelMessages(channel)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the card and the reply", len(msgs))
	}
	if msgs[0].ID != id || len(msgs[0].Embeds) == 0 || !strings.Contains(msgs[0].Embeds[0].Title, "Resolved") {
		t.Fatalf("card not updated: %+v", msgs[0])
	}
	if msgs[1].MessageReference == nil || msgs[1].MessageReference.MessageID != id {
		t.Fatalf("the follow-up does not answer the card: %+v", msgs[1])
	}
	if err := f.a.Update(ctx, channel, "999", card); err == nil || !strings.Contains(err.Error(), channel) {
		t.Fatalf("updating a message that does not exist: %v", err)
	}
}

func TestPostRateLimitSaysWhenToRetry(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.api.RateLimit(http.MethodPost, "channels/", 1, 3*time.Second, false)
	_, err := f.a.Post(context.Background(), "112233445566778899", &chat.Response{Text: "x"})
	var rl *chat.RetryLaterError
	if !errors.As(err, &rl) || rl.After < time.Second {
		t.Fatalf("429: %v, want a RetryLaterError with Discord's retry_after", err)
	}
}
