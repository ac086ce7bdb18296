package opsgenie_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/opsgenie"
	"github.com/callboard/callboard/adapters/opsgenie/opsgenietest"
	"github.com/callboard/callboard/bot"
)

var now = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

func newClient(t *testing.T, srv *opsgenietest.Server, key string) *opsgenie.Client {
	t.Helper()
	c, err := opsgenie.New(opsgenie.Options{APIKey: key, APIURL: srv.URL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOnCallNowReadsTheTeamsSchedules(t *testing.T) {
	srv := opsgenietest.New(t, "og-key")
	srv.PageSize = 1
	srv.AddSchedule(opsgenietest.Schedule{ID: "s0", Name: "Other", Team: "payments", OnCall: []string{"x@example.com"}})
	srv.AddSchedule(opsgenietest.Schedule{ID: "s9", Name: "Risk old", Team: "risk", Disabled: true, OnCall: []string{"old@example.com"}})
	srv.AddSchedule(opsgenietest.Schedule{ID: "s1", Name: "Risk primary", Team: "risk", OnCall: []string{"li.wei@example.com"}, Next: []string{"fatima@example.com"},
		Start: now.Add(-time.Hour), Until: now.Add(13 * time.Hour)})
	r, err := newClient(t, srv, "og-key").OnCallNow(context.Background(), map[string]string{"opsgenie.com/team": "Risk"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "Opsgenie" || r.Target != "team Risk" || len(r.Shifts) != 2 {
		t.Fatalf("rota = %+v", r)
	}
	cur, next := r.Shifts[0], r.Shifts[1]
	if cur.Next || cur.Email != "li.wei@example.com" || cur.Schedule != "Risk primary" || !cur.End.Equal(now.Add(13*time.Hour)) {
		t.Errorf("current = %+v", cur)
	}
	if !next.Next || next.Email != "fatima@example.com" || !next.Start.Equal(now.Add(13*time.Hour)) {
		t.Errorf("next = %+v", next)
	}
	if reqs := strings.Join(srv.Requests(), "\n"); !strings.Contains(reqs, "offset=2") || strings.Contains(reqs, "s9/") || strings.Contains(reqs, "s0/") {
		t.Errorf("want all list pages read and only the enabled risk schedule asked:\n%s", reqs)
	}
}

func TestOnCallNowOnlyReadsTheTeamAnnotation(t *testing.T) {
	srv := opsgenietest.New(t, "og-key")
	r, err := newClient(t, srv, "og-key").OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "P1"})
	if r != nil || err != nil || len(srv.Requests()) > 0 {
		t.Fatalf("got %+v, %v, %d requests", r, err, len(srv.Requests()))
	}
}

func TestOnCallNowErrors(t *testing.T) {
	srv := opsgenietest.New(t, "og-key")
	srv.AddSchedule(opsgenietest.Schedule{ID: "s1", Name: "Risk", Team: "risk", OnCall: []string{"a@example.com"}})
	ann := map[string]string{"opsgenie.com/team": "risk"}
	_, err := newClient(t, srv, "wrong-secret-key").OnCallNow(context.Background(), ann)
	var pe *bot.PagingError
	if !errors.As(err, &pe) || pe.Reason != "refused our API key (HTTP 401)" || strings.Contains(err.Error(), "wrong-secret-key") {
		t.Errorf("bad key: %v", err)
	}
	srv.RateLimit(1, "42")
	_, err = newClient(t, srv, "og-key").OnCallNow(context.Background(), ann)
	if !errors.As(err, &pe) || pe.Reason != "is rate limiting us" || pe.RetryAfter != 42*time.Second {
		t.Errorf("rate limit: %v (%+v)", err, pe)
	}
	srv.Close()
	_, err = newClient(t, srv, "og-key").OnCallNow(context.Background(), ann)
	if !errors.As(err, &pe) || pe.Reason != "is unreachable" {
		t.Errorf("down: %v", err)
	}
}
