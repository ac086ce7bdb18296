package alertmanager

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/internal/webhook"
)

// Path is where the webhook is served.
const Path = "/alertmanager/webhook"

// DefaultMaxBody caps a notification: Alertmanager sends every alert of a
// group (max_alerts: 0 means all), so groups of thousands are possible.
const DefaultMaxBody = 8 << 20

// Config configures the Handler.
type Config struct {
	// Token is the bearer token Alertmanager must send
	// (ALERTMANAGER_WEBHOOK_TOKEN). Never logged.
	Token string
	// AllowNoToken serves the endpoint without a token, to anyone who can
	// reach it. New refuses an empty Token unless it is set.
	AllowNoToken bool
	// Submit queues a group for posting (bot.Alerts.Submit).
	Submit func(bot.AlertGroup) error
	// MaxBody caps request bodies (DefaultMaxBody).
	MaxBody int64
	// Refused counts refused requests by reason (metrics); may be nil.
	Refused func(reason string)
	Logger  *slog.Logger
}

// Handler serves the webhook.
type Handler struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg and returns the Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Token == "" && !cfg.AllowNoToken {
		return nil, errors.New("alertmanager webhook: no token: set ALERTMANAGER_WEBHOOK_TOKEN (or alerts.alertmanager.token), or alerts.alertmanager.allow_no_token: true to accept anyone who can reach the endpoint")
	}
	if cfg.Submit == nil {
		return nil, errors.New("alertmanager webhook: nothing to hand alerts to")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	l := cfg.Logger
	if l == nil {
		l = slog.Default()
	}
	return &Handler{cfg: cfg, log: l}, nil
}

// Notification is Alertmanager's webhook payload, version 4.
type Notification struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a Notification.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, reason, msg string) {
	if h.cfg.Refused != nil {
		h.cfg.Refused(reason)
	}
	h.log.Warn("alertmanager webhook: request refused", "reason", reason, "detail", msg)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="callboard"`)
	}
	http.Error(w, msg, status)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if no := webhook.Post(w, r); no != nil {
		h.refuse(w, r, no.Status, no.Reason, no.Msg)
		return
	}
	if h.cfg.Token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.cfg.Token)) != 1 {
			h.refuse(w, r, http.StatusUnauthorized, "token", "missing or wrong bearer token (Alertmanager: http_config.authorization.credentials)")
			return
		}
	}
	body, no := webhook.ReadBody(w, r, h.cfg.MaxBody)
	if no != nil {
		h.refuse(w, r, no.Status, no.Reason, no.Msg)
		return
	}
	g, err := Decode(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, "payload", err.Error())
		return
	}
	if err := h.cfg.Submit(g); err != nil {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "busy: deliver again later", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok\n")
}

// Decode reads a version 4 notification into a bot.AlertGroup. Errors name
// the field at fault.
func Decode(body []byte) (bot.AlertGroup, error) {
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return bot.AlertGroup{}, fmt.Errorf("not an Alertmanager webhook payload: %v", err)
	}
	if n.Version != "4" {
		return bot.AlertGroup{}, fmt.Errorf("version %q: only Alertmanager's webhook payload version \"4\" is read", n.Version)
	}
	if n.GroupKey == "" {
		return bot.AlertGroup{}, errors.New("groupKey is empty")
	}
	if n.Status != bot.AlertFiring && n.Status != bot.AlertResolved {
		return bot.AlertGroup{}, fmt.Errorf("status %q: want firing or resolved", n.Status)
	}
	if len(n.Alerts) == 0 {
		return bot.AlertGroup{}, errors.New("alerts is empty")
	}
	g := bot.AlertGroup{Source: bot.AlertSourceAlertmanager, Key: n.GroupKey, Status: n.Status, URL: n.ExternalURL}
	for i, a := range n.Alerts {
		if a.Status != bot.AlertFiring && a.Status != bot.AlertResolved {
			return bot.AlertGroup{}, fmt.Errorf("alerts[%d].status %q: want firing or resolved", i, a.Status)
		}
		labels := a.Labels
		if labels == nil {
			labels = n.CommonLabels
		}
		ann := a.Annotations
		if len(ann) == 0 {
			ann = n.CommonAnnotations
		}
		g.Alerts = append(g.Alerts, bot.Alert{Name: labels["alertname"], Status: a.Status, Labels: labels, Annotations: ann,
			StartsAt: a.StartsAt, EndsAt: a.EndsAt, Fingerprint: a.Fingerprint, GeneratorURL: a.GeneratorURL})
	}
	if n.TruncatedAlerts > 0 {
		g.Truncated = n.TruncatedAlerts
	}
	return g, nil
}
