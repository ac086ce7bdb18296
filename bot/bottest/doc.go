// Package bottest holds the shared test suites of bot's state interfaces
// (Dedupe, RateLimiter, Locker): the in-memory implementations in bot and the
// Redis ones in adapters/redis run the same suite, so they behave alike.
//
// It depends on bot and the testing package only.
package bottest
