package pagerduty

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
)

const secret = "pd-webhook-secret"

var now = time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)

// event is a webhook v3 payload as PagerDuty documents it.
func event(id, typ string, occurred time.Time) []byte {
	return []byte(fmt.Sprintf(`{"event":{"id":%q,"event_type":%q,"resource_type":"incident","occurred_at":%q,
"agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Mateo Álvarez","type":"user_reference"},
"client":null,"data":{"id":"Q2ABCDEF","type":"incident","self":"https://api.pagerduty.com/incidents/Q2ABCDEF","html_url":"https://acme.pagerduty.com/incidents/Q2ABCDEF",
"number":42,"status":"triggered","incident_key":"k","created_at":"2026-12-07T20:50:00Z","title":"Ledger write latency","urgency":"high",
"service":{"html_url":"https://acme.pagerduty.com/services/PLDG4RM","id":"PLDG4RM","self":"https://api.pagerduty.com/services/PLDG4RM","summary":"Ledger","type":"service_reference"},
"assignees":[],"escalation_policy":{"id":"P1","type":"escalation_policy_reference","summary":"Ledger"},"teams":[],"priority":{"id":"P2","summary":"P1","type":"priority_reference"},"conference_bridge":null,"resolve_reason":null}}}`,
		id, typ, occurred.UTC().Format(time.RFC3339)))
}

type sink struct {
	mu sync.Mutex
	gs []bot.AlertGroup
}

func (s *sink) submit(g bot.AlertGroup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gs = append(s.gs, g)
	return nil
}

func newWebhook(t *testing.T) (*httptest.Server, *sink) {
	t.Helper()
	s := &sink{}
	h, err := NewWebhook(WebhookConfig{Secret: secret, Submit: s.submit, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, s
}

func send(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-PagerDuty-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSignedIncidentEventsBecomeAlertGroups(t *testing.T) {
	srv, s := newWebhook(t)
	for _, typ := range []string{"incident.triggered", "incident.acknowledged", "incident.resolved"} {
		body := event("01EV"+strings.ToUpper(typ[9:12]), typ, now.Add(-time.Minute))
		if code := send(t, srv.URL, body, Sign(secret, body)); code != http.StatusOK {
			t.Fatalf("%s: answered %d", typ, code)
		}
	}
	// While a secret is rotated PagerDuty signs with both: either matches.
	body := event("01EVROT", "incident.triggered", now)
	if code := send(t, srv.URL, body, Sign("old-secret", body)+","+Sign(secret, body)); code != http.StatusOK {
		t.Fatalf("rotated signatures: answered %d", code)
	}
	ping := []byte(fmt.Sprintf(`{"event":{"id":"01PING","event_type":"pagey.ping","resource_type":"pagey","occurred_at":%q,"data":{"message":"Hello from your friend Pagey!","type":"ping"}}}`, now.Format(time.RFC3339)))
	if code := send(t, srv.URL, ping, Sign(secret, ping)); code != http.StatusOK {
		t.Fatalf("ping: answered %d", code)
	}
	if len(s.gs) != 4 {
		t.Fatalf("%d groups, want 4 (the ping shows nothing)", len(s.gs))
	}
	g := s.gs[0]
	if g.Source != bot.AlertSourcePagerDuty || g.Key != "Q2ABCDEF" || g.Status != bot.AlertFiring || g.ServiceID != "PLDG4RM" ||
		g.URL != "https://acme.pagerduty.com/incidents/Q2ABCDEF" || g.Title != "#42 Ledger write latency" || g.Alerts[0].Labels["severity"] != "high" {
		t.Fatalf("triggered: %+v", g)
	}
	if a := s.gs[1]; a.Status != bot.AlertFiring || a.Note != "acknowledged by Mateo Álvarez in PagerDuty" {
		t.Fatalf("acknowledged: %+v", a)
	}
	if r := s.gs[2]; r.Status != bot.AlertResolved || r.Key != g.Key {
		t.Fatalf("resolved: %+v", r)
	}
}

func TestForgedStaleAndOversizedRequestsAreRefused(t *testing.T) {
	srv, s := newWebhook(t)
	body := event("01EVX", "incident.triggered", now)
	tampered := bytes.Replace(body, []byte("Ledger write latency"), []byte("Ledger write latencY"), 1)
	stale := event("01EVOLD", "incident.triggered", now.Add(-2*time.Hour))
	future := event("01EVNEW", "incident.triggered", now.Add(time.Hour))
	big := append(bytes.Repeat([]byte(" "), 1<<20), body...)
	for name, c := range map[string]struct {
		body []byte
		sig  string
		want int
	}{
		"no signature":           {body, "", http.StatusUnauthorized},
		"wrong secret":           {body, Sign("guess", body), http.StatusUnauthorized},
		"tampered body":          {tampered, Sign(secret, body), http.StatusUnauthorized},
		"not v1":                 {body, strings.Replace(Sign(secret, body), "v1=", "v0=", 1), http.StatusUnauthorized},
		"garbage":                {body, "v1=zz", http.StatusUnauthorized},
		"stale (replayed)":       {stale, Sign(secret, stale), http.StatusBadRequest},
		"from the future":        {future, Sign(secret, future), http.StatusBadRequest},
		"oversized, even signed": {big, Sign(secret, big), http.StatusRequestEntityTooLarge},
	} {
		if got := send(t, srv.URL, c.body, c.sig); got != c.want {
			t.Errorf("%s: answered %d, want %d", name, got, c.want)
		}
	}
	if len(s.gs) != 0 {
		t.Fatalf("refused requests were handed on: %+v", s.gs)
	}
	if _, err := NewWebhook(WebhookConfig{Submit: s.submit}); err == nil || !strings.Contains(err.Error(), "PAGERDUTY_WEBHOOK_SECRET") {
		t.Fatalf("no secret: %v", err)
	}
}

func TestSignMatchesPagerDutysScheme(t *testing.T) {
	// v1= and the hex HMAC-SHA256 of the raw body under the secret, as
	// computed independently: echo -n '{"a":1}' | openssl dgst -sha256 -hmac secret
	const want = "v1=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494"
	if got := Sign("secret", []byte(`{"a":1}`)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !VerifySignature("secret", []byte(`{"a":1}`), "v1=00, "+want) {
		t.Fatal("a valid entry after another was not accepted")
	}
}
