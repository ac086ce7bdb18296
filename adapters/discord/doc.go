// Package discord is callboard's Discord adapter: it verifies and answers
// HTTP interactions (slash commands, autocomplete, buttons, modals), answers
// gateway messages that mention the bot or start with a prefix, and renders a
// bot.Response as embeds and components within Discord's limits, paginating
// rather than truncating. Like adapters/slack it is built with
// New(cfg, handler), shows failures through bot.ErrorResponse and
// bot.FollowUpFailed, and gives slow answers a grace period in Shutdown(ctx).
//
// It depends on bot and discordgo. It must not depend on the catalog,
// scaffold, Redis or GitHub packages: what it needs of them (suggestions for
// autocomplete, dedupe, the leader lock) arrives through small interfaces.
package discord
