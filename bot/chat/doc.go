// Package chat is the core of callboard's bot, what every command and
// every chat platform share: the platform-neutral Request and Response,
// Handler and Middleware (read like net/http's), the command language and
// the Router that commands register with (Router.Register; the built-in
// lookups and scaffolding in package bot register exactly as a team's own
// plug-in would), middleware (dedupe, rate limits, audit, recovery,
// redaction) with the state budget they share, the user-safe error
// (UserError, ErrorResponse, FollowUpFailed), the state interfaces it
// declares (Dedupe, RateLimiter, Audit, Locker, Stash) with their in-memory
// implementations, and one bounded Cache.
//
// An answer's data for scripts (Response.Entity, Refs, OnCall) is plain
// values here (EntityRef and friends) with the JSON of the catalog's types,
// which the features fill in.
//
// It imports the standard library only: nothing of callboard (not the
// catalog, not the features in bot) and no other module.
// layering_test.go at the repository root enforces it.
package chat
