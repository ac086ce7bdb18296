package pagerduty_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/pagerduty"
	"github.com/callboard/callboard/adapters/pagerduty/pagerdutytest"
	"github.com/callboard/callboard/bot"
)

var shiftEnd = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)

func ledger() pagerdutytest.Service {
	return pagerdutytest.Service{ID: "PLDG4RM", Name: "Ledger", IntegrationKey: "ik-ledger-0123", PolicyID: "PEP1",
		OnCalls: []pagerdutytest.OnCall{
			{Level: 2, User: pagerdutytest.User{ID: "U2", Name: "Nadia Okafor", Email: "nadia@example.com"}, ScheduleID: "S2", Schedule: "Ledger secondary", Start: shiftEnd.Add(-24 * time.Hour), End: shiftEnd},
			{Level: 1, User: pagerdutytest.User{ID: "U1", Name: "Mateo Alvarez", Email: "mateo@example.com"}, ScheduleID: "S1", Schedule: "Ledger primary", Start: shiftEnd.Add(-24 * time.Hour), End: shiftEnd},
			{Level: 3, User: pagerdutytest.User{ID: "U3", Name: "Grace Mbeki", Email: "grace@example.com"}},
		}}
}

func client(t *testing.T, srv *pagerdutytest.Server, token string) *pagerduty.Client {
	t.Helper()
	c, err := pagerduty.New(pagerduty.Options{Token: token, APIURL: srv.URL, MaxRetryWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOnCallNowReadsTheServicesEscalationPolicyWithUsers(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	srv.AddService(ledger())
	r, err := client(t, srv, "pd-token").OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "PLDG4RM"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "PagerDuty" || r.Target != "service Ledger (PLDG4RM)" || !strings.HasSuffix(r.URL, "/service-directory/PLDG4RM") {
		t.Errorf("rota = %+v", r)
	}
	if len(r.Shifts) != 3 {
		t.Fatalf("shifts = %+v, want 3", r.Shifts)
	}
	first := r.Shifts[0]
	if first.Level != 1 || first.Email != "mateo@example.com" || first.Name != "Mateo Alvarez" || first.Schedule != "Ledger primary" || !first.End.Equal(shiftEnd) {
		t.Errorf("level 1 = %+v", first)
	}
	if r.Shifts[1].Level != 2 || r.Shifts[2].Level != 3 || r.Shifts[2].Schedule == "" {
		t.Errorf("levels out of order or the unscheduled user unnamed: %+v", r.Shifts)
	}
	reqs := strings.Join(srv.Requests(), "\n")
	for _, want := range []string{"GET /services/PLDG4RM?include%5B%5D=escalation_policies", "escalation_policy_ids%5B%5D=PEP1", "include%5B%5D=users"} {
		if !strings.Contains(reqs, want) {
			t.Errorf("requests lack %q:\n%s", want, reqs)
		}
	}
}

func TestOnCallNowFollowsPagination(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	srv.PageSize = 2
	svc := ledger()
	for i := 4; i <= 7; i++ {
		svc.OnCalls = append(svc.OnCalls, pagerdutytest.OnCall{Level: i, User: pagerdutytest.User{ID: fmt.Sprint("U", i), Name: fmt.Sprint("Person ", i), Email: fmt.Sprintf("p%d@example.com", i)}})
	}
	srv.AddService(svc)
	r, err := client(t, srv, "pd-token").OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "PLDG4RM"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Shifts) != 7 || r.Shifts[6].Name != "Person 7" {
		t.Fatalf("got %d shifts %+v, want all 7 across 4 pages", len(r.Shifts), r.Shifts)
	}
	if !strings.Contains(strings.Join(srv.Requests(), "\n"), "offset=6") {
		t.Errorf("the last page was not asked for: %v", srv.Requests())
	}
}

func TestOnCallNowFindsTheServiceByIntegrationKey(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	srv.PageSize = 1
	srv.AddService(pagerdutytest.Service{ID: "POTHER", Name: "Other", IntegrationKey: "ik-other", PolicyID: "PEP9"})
	srv.AddService(ledger())
	c := client(t, srv, "pd-token")
	r, err := c.OnCallNow(context.Background(), map[string]string{"pagerduty.com/integration-key": "ik-ledger-0123"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Target != "service Ledger (PLDG4RM)" || len(r.Shifts) != 3 {
		t.Fatalf("rota = %+v", r)
	}
	n := len(srv.Requests())
	if _, err := c.OnCallNow(context.Background(), map[string]string{"pagerduty.com/integration-key": "ik-ledger-0123"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range srv.Requests()[n:] {
		if strings.HasPrefix(q, "GET /services?") {
			t.Errorf("the integration key was looked up again: %s", q)
		}
	}
}

func TestOnCallNowIgnoresOtherAnnotations(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	r, err := client(t, srv, "pd-token").OnCallNow(context.Background(), map[string]string{"opsgenie.com/team": "risk"})
	if r != nil || err != nil || len(srv.Requests()) != 0 {
		t.Fatalf("got %+v, %v after %d requests; want nil, nil and no request", r, err, len(srv.Requests()))
	}
}

func TestOnCallNowErrorsAreOneLineWithoutTheToken(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	srv.AddService(ledger())
	ann := map[string]string{"pagerduty.com/service-id": "PLDG4RM"}
	tests := []struct {
		name   string
		setup  func()
		token  string
		ann    map[string]string
		reason string
		retry  time.Duration
	}{
		{"bad token", func() {}, "wrong-secret-token", ann, "refused our API token (HTTP 401)", 0},
		{"unknown service", func() {}, "pd-token", map[string]string{"pagerduty.com/service-id": "PNOPE"}, "does not know service PNOPE", 0},
		{"server error", func() { srv.Fail(1) }, "pd-token", ann, "answered HTTP 500", 0},
		{"rate limited", func() { srv.RateLimit(5, "30") }, "pd-token", ann, "is rate limiting us", 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			defer srv.RateLimit(0, "")
			_, err := client(t, srv, tt.token).OnCallNow(context.Background(), tt.ann)
			var pe *bot.PagingError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *bot.PagingError", err)
			}
			if pe.Source != "PagerDuty" || pe.Reason != tt.reason || pe.RetryAfter != tt.retry {
				t.Errorf("got %q %q retry %v, want %q retry %v", pe.Source, pe.Reason, pe.RetryAfter, tt.reason, tt.retry)
			}
			if strings.Contains(pe.Reason, tt.token) || strings.Contains(err.Error(), tt.token) {
				t.Errorf("the token leaked into %q", err.Error())
			}
		})
	}
}

func TestOnCallNowWaitsOutAShortRetryAfter(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	srv.AddService(ledger())
	srv.RateLimit(1, "0")
	r, err := client(t, srv, "pd-token").OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "PLDG4RM"})
	if err != nil || len(r.Shifts) != 3 {
		t.Fatalf("got %+v, %v; want the answer after one retry", r, err)
	}
}

func TestNewNeedsAToken(t *testing.T) {
	if _, err := pagerduty.New(pagerduty.Options{}); err == nil || !strings.Contains(err.Error(), "PAGERDUTY_TOKEN") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := map[string][]string{"Retry-After": {"12"}}
	if d := pagerduty.RetryAfter(h, now); d != 12*time.Second {
		t.Errorf("seconds: %v", d)
	}
	h = map[string][]string{"Retry-After": {now.Add(90 * time.Second).Format("Mon, 02 Jan 2006 15:04:05 GMT")}}
	if d := pagerduty.RetryAfter(h, now); d != 90*time.Second {
		t.Errorf("date: %v", d)
	}
}

func TestOnCallNowLooksUpUsersWhenNotIncluded(t *testing.T) {
	srv := pagerdutytest.New(t, "pd-token")
	srv.IgnoreInclude = true
	srv.AddService(ledger())
	c := client(t, srv, "pd-token")
	for range 2 {
		r, err := c.OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "PLDG4RM"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Shifts[0].Email != "mateo@example.com" || r.Shifts[0].Name != "Mateo Alvarez" {
			t.Fatalf("level 1 = %+v, want the looked-up user", r.Shifts[0])
		}
	}
	n := 0
	for _, q := range srv.Requests() {
		if strings.HasPrefix(q, "GET /users/U1?") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("user U1 looked up %d times, want once", n)
	}
}

// TestAnAnswerLargerThanMaxBodyIsRefused: the client library reads a body
// whole, so a PagerDuty (or whatever PAGERDUTY_API_URL points at) that
// streams without end would fill the replica's memory.
func TestAnAnswerLargerThanMaxBodyIsRefused(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"service": {"id": "PBIG", "name": "`)
		chunk := strings.Repeat("a", 1<<20)
		for i := 0; i <= pagerduty.MaxBody>>20; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}}`)
	}))
	defer hs.Close()
	c, err := pagerduty.New(pagerduty.Options{Token: "pd-token", APIURL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "PBIG"})
	var pe *bot.PagingError
	if !errors.As(err, &pe) || pe.Reason != "sent an answer too large to read" {
		name := 0
		if r != nil {
			name = len(r.Target)
		}
		t.Fatalf("err = %v (a rota target of %d bytes), want a PagingError saying the answer is too large", err, name)
	}
}
