// Package slacktest is an httptest fake of Slack's Web API and of
// response_url, for tests: the real slack-go client talks to it through
// slack.OptionAPIURL(srv.APIURL()). It answers chat.postMessage, chat.update,
// chat.postEphemeral, views.open, users.info and auth.test with Slack's
// ok/error envelopes, refuses messages that break Block Kit limits
// (invalid_blocks, msg_blocks_too_long), injects 429s with Retry-After, and
// enforces response_url's 5 uses / 30 minutes. Everything is recorded.
//
// It depends only on the standard library: it must not import callboard
// packages, so it checks our renderer independently.
package slacktest
