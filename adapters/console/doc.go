// Package console is callboard's terminal adapter: it turns lines typed (or
// piped) into chat.Requests and renders chat.Responses as readable text or as
// JSON, one response per line. `callboard ask` and `callboard chat` use it.
//
// It depends on bot/chat, bot (RefsOf, the entities an answer names) and the
// standard library only, never on a chat platform.
package console
