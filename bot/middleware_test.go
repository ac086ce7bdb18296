package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
)

func TestMiddlewareThroughTheRouter(t *testing.T) {
	ctx := context.Background()
	t.Run("DuplicateDeliveryIsDropped", func(t *testing.T) {
		r := orgRouter(t)
		r.Use(bot.Deduplicated(bot.NewMemoryDedupe(), time.Minute, nil))
		req := func() *bot.Request {
			return &bot.Request{Text: "who owns ledger", Platform: bot.PlatformSlack, DeliveryID: "Ev1", User: bot.User{ID: "U1"}}
		}
		if resp, err := r.Handle(ctx, req()); err != nil || resp.Status != bot.StatusOK {
			t.Fatalf("first delivery: %v %+v", err, resp)
		}
		if resp, err := r.Handle(ctx, req()); !errors.Is(err, bot.ErrDuplicate) || resp != nil {
			t.Fatalf("retry: %v %+v, want ErrDuplicate", err, resp)
		}
		if _, err := r.Handle(ctx, &bot.Request{Text: "help", Platform: bot.PlatformSlack}); err != nil {
			t.Fatalf("no delivery id is never a duplicate: %v", err)
		}
	})
	t.Run("RateLimitDeniesPoliteSentence", func(t *testing.T) {
		r := orgRouter(t)
		r.Use(bot.RateLimited(bot.NewMemoryRateLimiter(0.5, 2), nil))
		var last *bot.Response
		for i := 0; i < 3; i++ {
			last, _ = r.Handle(ctx, &bot.Request{Text: "help", Platform: bot.PlatformSlack, User: bot.User{ID: "U1"}})
		}
		if last.Status != bot.StatusDenied || !strings.Contains(last.Text, "Try again in 2 seconds") {
			t.Fatalf("third request: %+v", last)
		}
		other, _ := r.Handle(ctx, &bot.Request{Text: "help", Platform: bot.PlatformSlack, User: bot.User{ID: "U2"}})
		if other.Status != bot.StatusOK {
			t.Fatalf("another user was limited: %+v", other)
		}
	})
	t.Run("AuditRecordsCommandAndOutcome", func(t *testing.T) {
		r := orgRouter(t)
		a := &bot.MemoryAudit{}
		r.Use(bot.Audited(a, nil))
		for _, text := range []string{"who owns ledger?", "who owns nothing-at-all-qq"} {
			if _, err := r.Handle(ctx, &bot.Request{Text: text, Platform: bot.PlatformDiscord, User: bot.User{ID: "42"}, Channel: "C9"}); err != nil {
				t.Fatal(err)
			}
		}
		got := a.Entries()
		if len(got) != 2 || got[0].Command != "owner" || got[0].Status != bot.StatusOK || got[0].UserID != "42" || got[0].Channel != "C9" || got[1].Status != bot.StatusNotFound {
			t.Fatalf("entries = %+v", got)
		}
	})
	t.Run("RecoveredHidesErrorsAndPanics", func(t *testing.T) {
		r := bot.NewRouter(bot.RouterOptions{})
		r.MustRegister(bot.Command{Name: "boom", Handler: bot.HandlerFunc(func(context.Context, *bot.Request) (*bot.Response, error) {
			return nil, errors.New("dial tcp 10.0.0.1: secret-token-xyz refused")
		})})
		r.MustRegister(bot.Command{Name: "panic", Handler: bot.HandlerFunc(func(context.Context, *bot.Request) (*bot.Response, error) {
			panic("nil map")
		})})
		r.Use(bot.Recovered(nil))
		for _, text := range []string{"boom", "panic"} {
			resp, err := r.Handle(ctx, &bot.Request{Text: text})
			if err != nil || resp.Status != bot.StatusError || strings.Contains(flat(resp), "secret") {
				t.Errorf("%s: %v %+v", text, err, resp)
			}
		}
	})
}
