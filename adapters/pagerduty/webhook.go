package pagerduty

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/internal/webhook"
)

// WebhookPath is where PagerDuty's v3 webhooks are served.
const WebhookPath = "/pagerduty/webhook"

// WebhookConfig configures the Webhook.
type WebhookConfig struct {
	// Secret is the subscription's signing secret
	// (PAGERDUTY_WEBHOOK_SECRET). Never logged. Required.
	Secret string
	// Submit queues a group for posting (bot.Alerts.Submit).
	Submit func(bot.AlertGroup) error
	// MaxBody caps request bodies (1 MiB by default; PagerDuty's are a few KB).
	MaxBody int64
	// MaxAge refuses events that occurred longer ago (a replayed capture),
	// 1 h by default; events dated over 5 minutes ahead are refused too.
	MaxAge time.Duration
	// Refused counts refused requests by reason (metrics); may be nil.
	Refused func(reason string)
	Logger  *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Webhook serves PagerDuty's webhooks v3: incident.triggered,
// incident.acknowledged and incident.resolved, verified by
// X-PagerDuty-Signature.
type Webhook struct {
	cfg WebhookConfig
	log *slog.Logger
}

// NewWebhook checks cfg and returns the Webhook.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Secret == "" {
		return nil, errors.New("pagerduty webhook: no signing secret: set PAGERDUTY_WEBHOOK_SECRET (the webhook subscription's secret)")
	}
	if cfg.Submit == nil {
		return nil, errors.New("pagerduty webhook: nothing to hand incidents to")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := cfg.Logger
	if l == nil {
		l = slog.Default()
	}
	return &Webhook{cfg: cfg, log: l}, nil
}

// Sign returns the X-PagerDuty-Signature value PagerDuty sends for body:
// "v1=" and the hex HMAC-SHA256 of the raw body with the secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header (comma-separated entries, several
// while a secret is rotated) holds a v1 signature of body with secret.
func VerifySignature(secret string, body []byte, header string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	want := m.Sum(nil)
	for _, entry := range strings.Split(header, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(entry), "v1=")
		if !ok {
			continue
		}
		got, err := hex.DecodeString(v)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

type v3Payload struct {
	Event struct {
		ID           string    `json:"id"`
		EventType    string    `json:"event_type"`
		ResourceType string    `json:"resource_type"`
		OccurredAt   time.Time `json:"occurred_at"`
		Agent        *struct {
			Summary string `json:"summary"`
		} `json:"agent"`
		Data json.RawMessage `json:"data"`
	} `json:"event"`
}

type v3Incident struct {
	ID        string    `json:"id"`
	HTMLURL   string    `json:"html_url"`
	Number    int       `json:"number"`
	Status    string    `json:"status"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	Urgency   string    `json:"urgency"`
	Service   struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"service"`
	Priority *struct {
		Summary string `json:"summary"`
	} `json:"priority"`
}

func (h *Webhook) refuse(w http.ResponseWriter, r *http.Request, status int, reason, msg string) {
	if h.cfg.Refused != nil {
		h.cfg.Refused(reason)
	}
	h.log.Warn("pagerduty webhook: request refused", "reason", reason, "detail", msg)
	http.Error(w, msg, status)
}

// ServeHTTP implements http.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, no := webhook.ReadPost(w, r, h.cfg.MaxBody)
	if no != nil {
		h.refuse(w, r, no.Status, no.Reason, no.Msg)
		return
	}
	if !VerifySignature(h.cfg.Secret, body, r.Header.Get("X-PagerDuty-Signature")) {
		h.refuse(w, r, http.StatusUnauthorized, "signature", "missing or wrong X-PagerDuty-Signature")
		return
	}
	g, ok, err := h.decode(body)
	switch {
	case err != nil:
		h.refuse(w, r, http.StatusBadRequest, "payload", err.Error())
		return
	case !ok:
		w.WriteHeader(http.StatusOK) // an event we do not show (pagey.ping, annotations)
		return
	}
	if err := h.cfg.Submit(g); err != nil {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "busy: deliver again later", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// decode reads a verified v3 event; ok is false for events not shown.
func (h *Webhook) decode(body []byte) (bot.AlertGroup, bool, error) {
	var p v3Payload
	if err := json.Unmarshal(body, &p); err != nil {
		return bot.AlertGroup{}, false, fmt.Errorf("not a PagerDuty webhook v3 payload: %v", err)
	}
	ev := p.Event
	if ev.ID == "" || ev.EventType == "" {
		return bot.AlertGroup{}, false, errors.New("event.id or event.event_type is empty")
	}
	if ev.OccurredAt.IsZero() {
		return bot.AlertGroup{}, false, errors.New("event.occurred_at is missing")
	}
	now := h.cfg.Now()
	if age := now.Sub(ev.OccurredAt); age > h.cfg.MaxAge || age < -5*time.Minute {
		return bot.AlertGroup{}, false, fmt.Errorf("event.occurred_at %s is too far from now (a replay?)", ev.OccurredAt.UTC().Format(time.RFC3339))
	}
	status := bot.AlertFiring
	note := ""
	switch ev.EventType {
	case "incident.triggered":
	case "incident.acknowledged":
		note = "acknowledged in PagerDuty"
		if ev.Agent != nil && ev.Agent.Summary != "" {
			note = "acknowledged by " + ev.Agent.Summary + " in PagerDuty"
		}
	case "incident.resolved":
		status = bot.AlertResolved
	default:
		return bot.AlertGroup{}, false, nil
	}
	var inc v3Incident
	if err := json.Unmarshal(ev.Data, &inc); err != nil {
		return bot.AlertGroup{}, false, fmt.Errorf("event.data is not an incident: %v", err)
	}
	if inc.ID == "" {
		return bot.AlertGroup{}, false, errors.New("event.data.id is empty")
	}
	labels := map[string]string{"severity": inc.Urgency}
	if inc.Service.Summary != "" {
		labels["service"] = inc.Service.Summary
	}
	if inc.Priority != nil && inc.Priority.Summary != "" {
		labels["priority"] = inc.Priority.Summary
	}
	title := inc.Title
	if inc.Number > 0 {
		title = fmt.Sprintf("#%d %s", inc.Number, inc.Title)
	}
	g := bot.AlertGroup{Source: bot.AlertSourcePagerDuty, Key: inc.ID, Status: status, Title: title, URL: inc.HTMLURL,
		ServiceID: inc.Service.ID, Note: note, Event: ev.EventType + ":" + ev.ID,
		Alerts: []bot.Alert{{Name: inc.Title, Status: status, Labels: labels, StartsAt: inc.CreatedAt, Fingerprint: inc.ID}}}
	return g, true, nil
}
