// Package bot is callboard's commands: entity resolution, the built-in
// lookups (RegisterBuiltins), scaffolding (RegisterScaffold), health and
// its digest, admin commands, on-call and TechDocs answers. Each feature
// registers its commands through chat.Router.Register, like a team's own
// plug-in. The core they run on (Request, Response, Router, middleware,
// the state interfaces) is package bot/chat; bot keeps its names as
// aliases (bot.Request is chat.Request) for its own code and tests.
//
// Alerts (alert.go, alertpost.go) turns alert groups from webhooks into
// owner cards: the entity an alert maps to, its owner, on-call and blast
// radius, posted through an AlertPoster once per group and state across
// replicas (AlertStore), retried with backoff.
//
// It depends on bot/chat, catalog (catalog/health for the health command
// and digest), scaffold and robfig/cron (digest schedules), never on a chat
// platform, GitHub or Redis.
package bot
