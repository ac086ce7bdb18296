package bottest

import (
	"errors"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/pagerduty"
	"github.com/callboard/callboard/adapters/pagerduty/pagerdutytest"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
)

// RunOnCallCacheSuite checks bot.CachedOnCall over a Stash: replicas sharing
// the Stash ask PagerDuty (a fake one) once per answer, and a rate limit is
// remembered until its Retry-After has passed.
func RunOnCallCacheSuite(t *testing.T, newStash func(t *testing.T) chat.Stash) {
	ann := map[string]string{"pagerduty.com/service-id": "PSVC1"}
	setup := func(t *testing.T) (*pagerdutytest.Server, bot.OnCall) {
		srv := pagerdutytest.New(t, "tok")
		srv.AddService(pagerdutytest.Service{ID: "PSVC1", Name: "Svc", PolicyID: "PEP1", OnCalls: []pagerdutytest.OnCall{
			{Level: 1, User: pagerdutytest.User{ID: "U1", Name: "Ann", Email: "ann@example.com"}, ScheduleID: "S1", Schedule: "Primary",
				Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour)}}})
		c, err := pagerduty.New(pagerduty.Options{Token: "tok", APIURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		return srv, c
	}
	t.Run("ReplicasShareAnswers", func(t *testing.T) {
		srv, pd := setup(t)
		st := newStash(t)
		a, b := &bot.CachedOnCall{Next: pd, Stash: st}, &bot.CachedOnCall{Next: pd, Stash: st}
		r1, err := a.OnCallNow(ctx(t), ann)
		if err != nil || r1 == nil || len(r1.Shifts) != 1 {
			t.Fatalf("first answer %+v, %v", r1, err)
		}
		n := len(srv.Requests())
		r2, err := b.OnCallNow(ctx(t), ann)
		if err != nil || r2 == nil || r2.Shifts[0].Email != "ann@example.com" || !r2.Shifts[0].End.Equal(r1.Shifts[0].End) {
			t.Fatalf("second replica got %+v, %v; want the cached answer", r2, err)
		}
		if len(srv.Requests()) != n {
			t.Errorf("the second replica asked PagerDuty again: %v", srv.Requests()[n:])
		}
		if r, err := b.OnCallNow(ctx(t), map[string]string{"opsgenie.com/team": "x"}); r != nil || err != nil {
			t.Errorf("annotations no tool reads: %+v, %v", r, err)
		}
	})
	t.Run("RateLimitIsRemembered", func(t *testing.T) {
		srv, pd := setup(t)
		srv.RateLimit(100, "30")
		st := newStash(t)
		c := &bot.CachedOnCall{Next: pd, Stash: st}
		var pe *bot.PagingError
		if _, err := c.OnCallNow(ctx(t), ann); !errors.As(err, &pe) || pe.RetryAfter != 30*time.Second {
			t.Fatalf("err = %v, want a 30 s rate limit", err)
		}
		n := len(srv.Requests())
		other := &bot.CachedOnCall{Next: pd, Stash: st}
		if _, err := other.OnCallNow(ctx(t), ann); !errors.As(err, &pe) || pe.Reason != "is rate limiting us" {
			t.Fatalf("err = %v, want the remembered rate limit", err)
		}
		if len(srv.Requests()) != n {
			t.Errorf("PagerDuty was asked while it rate-limits us: %v", srv.Requests()[n:])
		}
	})
	t.Run("FailuresAreNotCached", func(t *testing.T) {
		srv, pd := setup(t)
		srv.Fail(1)
		c := &bot.CachedOnCall{Next: pd, Stash: newStash(t)}
		if _, err := c.OnCallNow(ctx(t), ann); err == nil {
			t.Fatal("want the 500 reported")
		}
		if r, err := c.OnCallNow(ctx(t), ann); err != nil || r == nil {
			t.Fatalf("after PagerDuty recovered: %+v, %v", r, err)
		}
	})
}
