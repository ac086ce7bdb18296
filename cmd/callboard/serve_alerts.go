package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callboard/callboard/adapters/alertmanager"
	"github.com/callboard/callboard/adapters/pagerduty"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
)

// AlertsConfig is the alerts: block: Alertmanager and PagerDuty webhooks
// turned into owner cards (issue 21). The token and secret come from
// ALERTMANAGER_WEBHOOK_TOKEN / PAGERDUTY_WEBHOOK_SECRET or the *_file keys.
type AlertsConfig struct {
	// Platform is where cards go: slack or discord; empty picks Slack when
	// its bot token is set, else Discord.
	Platform string `yaml:"platform"`
	// FallbackChannel gets cards of alerts that map to no entity (or to
	// one with no channel up its owner tree), saying so.
	FallbackChannel string `yaml:"fallback_channel"`
	// SeverityChannels send a severity's cards to a channel of their own.
	SeverityChannels map[string]string `yaml:"severity_channels"`
	// EntityLabel holds a full entity ref; Labels are tried for names and
	// backstage.io/kubernetes-id values; SeverityLabel names the severity.
	EntityLabel   string   `yaml:"entity_label"`
	Labels        []string `yaml:"labels"`
	SeverityLabel string   `yaml:"severity_label"`

	Alertmanager AlertmanagerConfig `yaml:"alertmanager"`
	PagerDuty    struct {
		// SecretFile holds the webhook subscription's signing secret.
		SecretFile string `yaml:"secret_file"`
	} `yaml:"pagerduty"`
}

// AlertmanagerConfig is alerts.alertmanager.
type AlertmanagerConfig struct {
	// TokenFile holds the bearer token Alertmanager sends.
	TokenFile string `yaml:"token_file"`
	// AllowNoToken serves /alertmanager/webhook without a token, to
	// anyone who can reach it. Without it and without a token the
	// endpoint is not served.
	AllowNoToken bool `yaml:"allow_no_token"`
}

// alertsOn reports which alert endpoints serve would start.
func (c *Config) alertsOn() (am, pd bool) {
	return c.secrets.AlertmanagerToken != "" || c.Alerts.Alertmanager.AllowNoToken, c.secrets.PagerDutyWebhookSecret != ""
}

// alertPlatform is where cards go, "" when nowhere can take them.
func (c *Config) alertPlatform() string {
	switch c.Alerts.Platform {
	case chat.PlatformSlack, chat.PlatformDiscord:
		return c.Alerts.Platform
	}
	switch {
	case c.slackOn() && c.secrets.SlackBotToken != "":
		return chat.PlatformSlack
	case c.discordOn() && c.secrets.DiscordBotToken != "":
		return chat.PlatformDiscord
	}
	return ""
}

// validateAlerts checks the alerts: block and what the endpoints need.
func (c *Config) validateAlerts(bad func(path, format string, args ...any)) {
	a := c.Alerts
	if a.Platform != "" && a.Platform != chat.PlatformSlack && a.Platform != chat.PlatformDiscord {
		bad("alerts.platform", "must be one of slack, discord (or empty to pick); got %q", a.Platform)
	}
	for i, l := range a.Labels {
		if strings.TrimSpace(l) == "" {
			bad(fmt.Sprintf("alerts.labels[%d]", i), "must not be empty")
		}
	}
	am, pd := c.alertsOn()
	if !am && !pd {
		return
	}
	switch p := c.alertPlatform(); {
	case p == "":
		bad("alerts", "the alert webhooks need a chat platform to post to: Slack with SLACK_BOT_TOKEN, or Discord with DISCORD_BOT_TOKEN")
	case p == chat.PlatformSlack && (!c.slackOn() || c.secrets.SlackBotToken == ""):
		bad("alerts.platform", "slack: posting cards needs Slack on with SLACK_BOT_TOKEN (or slack.bot_token_file)")
	case p == chat.PlatformDiscord && (!c.discordOn() || c.secrets.DiscordBotToken == ""):
		bad("alerts.platform", "discord: posting cards needs Discord on with DISCORD_BOT_TOKEN (or discord.bot_token_file)")
	}
}

// alertMetrics are the alert path's outcomes.
type alertMetrics struct {
	outcomes *prometheus.CounterVec
	refused  *prometheus.CounterVec
}

func newAlertMetrics() *alertMetrics {
	return &alertMetrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callboard_alert_deliveries_total",
			Help: "Alert webhook deliveries by source and outcome: posted, updated, duplicate, stale, retried (one failed attempt), failed (given up, logged), refused (queue full, sender retries), unrouted (no channel, logged).",
		}, []string{"source", "outcome"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callboard_alert_webhook_refused_total",
			Help: "Alert webhook requests refused, by source and reason (token, signature, size, payload, method).",
		}, []string{"source", "reason"}),
	}
}

// wireAlerts serves /alertmanager/webhook and /pagerduty/webhook when
// their token or secret is set, and posts cards from a background queue
// that stops with the server.
func (s *Main) wireAlerts() error {
	cfg := s.cfg
	am, pd := cfg.alertsOn()
	if !am && !pd {
		s.log.Info("alert webhooks off: set ALERTMANAGER_WEBHOOK_TOKEN or PAGERDUTY_WEBHOOK_SECRET to turn them on")
		return nil
	}
	var poster bot.AlertPoster
	platform := cfg.alertPlatform()
	switch {
	case platform == chat.PlatformSlack && s.slack != nil:
		poster = s.slack
	case platform == chat.PlatformDiscord && s.discord != nil:
		poster = s.discord
	default:
		return errors.New("alerts: the alert webhooks need a chat platform to post to: Slack with SLACK_BOT_TOKEN, or Discord with DISCORD_BOT_TOKEN")
	}
	oc, err := s.app.onCall()
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	var store bot.AlertStore
	if s.redis != nil {
		store = s.redis.Alerts
	}
	m := newAlertMetrics()
	s.metrics.Register(m.outcomes, m.refused)
	a := cfg.Alerts
	alerts, err := bot.NewAlerts(bot.AlertsConfig{
		Catalog: s.app.Store, OnCall: oc, OnCallTimeout: s.app.Options.OnCallTimeout, Docs: docSearch{s.app.Docs},
		Routing: bot.AlertRouting{EntityLabel: a.EntityLabel, Labels: a.Labels, SeverityLabel: a.SeverityLabel,
			SeverityChannels: a.SeverityChannels, FallbackChannel: a.FallbackChannel},
		Platform: platform, Poster: poster, Store: store, Logger: s.log.With("log", "alerts"),
		Redact:  chat.Redactor(cfg.secrets.values()).Text,
		Outcome: func(source, outcome string) { m.outcomes.WithLabelValues(source, outcome).Inc() },
	})
	if err != nil {
		return err
	}
	for _, c := range alerts.Commands() {
		if err := s.app.Router.Register(c); err != nil {
			return err
		}
	}
	if am {
		h, err := alertmanager.New(alertmanager.Config{Token: cfg.secrets.AlertmanagerToken, AllowNoToken: a.Alertmanager.AllowNoToken,
			Submit: alerts.Submit, Logger: s.log, MaxBody: cfg.Server.MaxBodyBytes, Refused: func(r string) { m.refused.WithLabelValues(bot.AlertSourceAlertmanager, r).Inc() }})
		if err != nil {
			return err
		}
		if cfg.secrets.AlertmanagerToken == "" {
			s.log.Warn("alertmanager webhook serves without a token (alerts.alertmanager.allow_no_token): anyone who reaches it can post cards")
		}
		s.mux.Handle("POST "+alertmanager.Path, h)
	}
	if pd {
		h, err := pagerduty.NewWebhook(pagerduty.WebhookConfig{Secret: cfg.secrets.PagerDutyWebhookSecret, Submit: alerts.Submit, Logger: s.log,
			Refused: func(r string) { m.refused.WithLabelValues(bot.AlertSourcePagerDuty, r).Inc() }})
		if err != nil {
			return err
		}
		s.mux.Handle("POST "+pagerduty.WebhookPath, h)
	}
	if a.FallbackChannel == "" {
		s.log.Warn("alerts.fallback_channel is not set: cards of alerts that map to no catalog entity are logged as errors, not posted")
	}
	s.log.Info("alert webhooks on", "alertmanager", am, "pagerduty", pd, "platform", platform, "shared_state", store != nil)
	s.background = append(s.background, func(ctx context.Context) error { alerts.Run(ctx); return nil })
	return nil
}
