// Package bottest holds the shared test suites of the state interfaces of
// bot/chat and bot (Dedupe, RateLimiter, Locker, Stash, and the on-call
// cache over a Stash): the in-memory implementations in bot/chat and bot
// and the Redis ones in adapters/redis run the same suite, so they behave
// alike.
//
// It depends on bot/chat and bot, and on the PagerDuty adapter with its fake
// (pagerdutytest) for the on-call cache suite; never on cmd.
package bottest
