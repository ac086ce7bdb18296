// Package bot is the platform-neutral heart of callboard: the Request and
// Response types, the command language and Router, entity resolution, the
// built-in command handlers, and middleware (dedupe, rate limits, audit).
// It declares the state interfaces it needs; adapters implement them.
//
// Alerts (alert.go, alertpost.go) turns alert groups from webhooks into
// owner cards: the entity an alert maps to, its owner, on-call and blast
// radius, posted through an AlertPoster once per group and state across
// replicas (AlertStore), retried with backoff.
//
// It depends on catalog (catalog/health for the health command and digest),
// scaffold and robfig/cron (digest schedules), never on a chat platform,
// GitHub or Redis.
package bot
