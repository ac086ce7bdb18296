// Package discord is callboard's Discord adapter: it verifies and answers
// HTTP interactions (slash commands, autocomplete, buttons, modals), answers
// gateway messages that mention the bot or start with a prefix, and renders a
// chat.Response as embeds and components within Discord's limits, paginating
// rather than truncating. Like adapters/slack it is built with
// New(cfg, handler), shows failures through chat.ErrorResponse and
// chat.FollowUpFailed, gives slow answers a grace period in Shutdown(ctx)
// and stops at once with Close() error.
//
// It depends on bot/chat (the bot's core) and discordgo only: what bot's
// features declare (AlertPoster, Replier) it implements without importing
// them. It must not depend on bot, the catalog, scaffold, Redis or GitHub
// packages: what it needs of them (suggestions for autocomplete, dedupe, the
// leader lock) arrives through small interfaces.
package discord
