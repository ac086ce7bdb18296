package slack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

func TestPostUpdateAndReplyInThreadAsSlackShowsThem(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	card := &chat.Response{Status: chat.StatusOK, Title: "Firing: HighErrorRate on Ledger",
		Fields:  []chat.Field{{Name: "Owner", Value: "Team Ledger"}},
		Actions: []chat.Action{{Label: "I'm on it", Command: "alert take abc", Style: "primary"}}}
	ts, err := e.a.Post(ctx, "C0LEDGER1", card)
	if err != nil || ts == "" {
		t.Fatalf("post: %q, %v", ts, err)
	}
	card.Title = "Resolved: HighErrorRate on Ledger"
	if err := e.a.Update(ctx, "C0LEDGER1", ts, card); err != nil {
		t.Fatal(err)
	}
	rts, err := e.a.ReplyInThread(ctx, "C0LEDGER1", ts, &chat.Response{Text: "Resolved at 21:00 UTC."})
	if err != nil || rts == "" || rts == ts {
		t.Fatalf("reply: %q, %v", rts, err)
	}
	msgs := e.fake.Messages("C0LEDGER1")
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the card and one reply: %+v", len(msgs), msgs)
	}
	if msgs[0].TS != ts || msgs[0].Updates != 1 || !strings.Contains(string(msgs[0].Blocks), "Resolved: HighErrorRate") {
		t.Fatalf("card is %+v, want it updated to resolved", msgs[0])
	}
	if !strings.Contains(string(msgs[0].Blocks), "alert take abc") {
		t.Fatalf("the card's button does not carry its command: %s", msgs[0].Blocks)
	}
	if msgs[1].ThreadTS != ts || !strings.Contains(msgs[1].Text+string(msgs[1].Blocks), "Resolved at 21:00 UTC") {
		t.Fatalf("reply is %+v, want it in the card's thread", msgs[1])
	}
}

func TestPostRefusalsAreErrorsAndRateLimitsSayWhenToRetry(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.fake.RateLimit("chat.postMessage", 7*time.Second, 1)
	_, err := e.a.Post(ctx, "C0LEDGER1", &chat.Response{Text: "x"})
	var rl *chat.RetryLaterError
	if !errors.As(err, &rl) || rl.After != 7*time.Second {
		t.Fatalf("429: %v, want a RetryLaterError after 7s", err)
	}
	e.fake.Fail("chat.postMessage", "channel_not_found")
	_, err = e.a.Post(ctx, "C0NOPE", &chat.Response{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") || !strings.Contains(err.Error(), "C0NOPE") || errors.As(err, &rl) {
		t.Fatalf("ok:false: %v, want an error naming the code and the channel", err)
	}
	if err := e.a.Update(ctx, "C0LEDGER1", "1.000001", &chat.Response{Text: "x"}); err == nil || !strings.Contains(err.Error(), "message_not_found") {
		t.Fatalf("update of a message that does not exist: %v", err)
	}
	if len(e.fake.Messages("")) != 0 {
		t.Fatalf("refused posts show messages: %+v", e.fake.Messages(""))
	}
	noToken := newEnv(t, func(c *Config) { c.BotToken = "" })
	if _, err := noToken.a.Post(ctx, "C0LEDGER1", &chat.Response{Text: "x"}); err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Fatalf("no bot token: %v", err)
	}
}
