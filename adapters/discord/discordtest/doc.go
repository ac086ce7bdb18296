// Package discordtest is an in-process fake of the parts of Discord's REST
// API that callboard uses (interaction callbacks, webhook edits and
// follow-ups, command bulk overwrite, channel messages), for tests: an
// httptest server that checks messages against Discord's limits like the
// real API, sends X-RateLimit-* headers, answers 429 with retry_after when
// told to, and records every call for assertions.
//
// It depends on discordgo and the standard library only.
package discordtest
