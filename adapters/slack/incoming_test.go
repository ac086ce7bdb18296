package slack

import (
	"strings"
	"testing"
)

// wellFormed reports whether every < of s opens one sequence that a >
// closes, as in everything Slack sends (it escapes the others).
func wellFormed(s string) bool {
	open := false
	for _, r := range s {
		switch r {
		case '<':
			if open {
				return false
			}
			open = true
		case '>':
			if !open {
				return false
			}
			open = false
		}
	}
	return !open
}

// FuzzIncomingText holds incomingText to what it must never do: text
// without Slack's control characters comes through as typed, a mention of
// the bot in text shaped as Slack sends it never survives.
func FuzzIncomingText(f *testing.F) {
	for _, s := range []string{
		"who owns payments-api",
		"<@UBOT> who owns <https://x.internal|x.internal> &amp; <#C1|pay>",
		"<!subteam^S1|@team> <!here> <!date^1^{date}|today> <mailto:a@b|a@b>",
		"a &lt; b <", "<<>>", "<@UBOT|callboard><@UBOT>", "&amp;lt;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := incomingText(s, "UBOT", false)
		if !strings.ContainsAny(s, "<&") && got != strings.TrimSpace(s) {
			t.Fatalf("plain text changed: %q → %q", s, got)
		}
		if wellFormed(s) && !strings.Contains(s, "&lt;") && (strings.Contains(got, "<@UBOT>") || strings.Contains(got, "<@UBOT|")) {
			t.Fatalf("the bot's mention survived: %q → %q", s, got)
		}
	})
}
