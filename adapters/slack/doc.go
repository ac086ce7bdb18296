// Package slack connects callboard to Slack: it verifies and parses Slack's
// wire traffic (slash commands, the Events API, interactivity, Socket Mode)
// into chat.Request, calls a chat.Handler, and renders chat.Response as Block Kit
// within Slack's limits, paginating rather than truncating. Slow answers
// (Response.Follow) are acknowledged at once and finished through
// response_url or chat.postMessage/chat.update; a failure there is shown
// through chat.FollowUpFailed, and Shutdown gives them a grace period.
// New(cfg, handler), Shutdown(ctx) and Close() error are the contract every chat adapter
// keeps (adapters/discord has the same shape). The App Home tab is the
// `me` command's answer, published with views.publish in the background each
// time a person opens it (app_home_opened).
//
// It depends on bot/chat (the bot's core), bot (IsSlackChannelID only) and
// slack-go; it must not depend on other
// adapters, on catalog internals or on cmd. Subpackage slacktest is an
// httptest fake of Slack's Web API for tests.
package slack
