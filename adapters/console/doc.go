// Package console is callboard's terminal adapter: it turns lines typed (or
// piped) into bot.Requests and renders bot.Responses as readable text or as
// JSON, one response per line. `callboard ask` and `callboard chat` use it.
//
// It depends on bot and the standard library only, never on a chat platform.
package console
