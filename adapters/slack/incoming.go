package slack

import (
	"strings"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

const maxText = chat.MaxTextBytes

// Slack sends what people type with its control sequences: & < > as
// &amp; &lt; &gt;, mentions as <@U123> or <@U123|name>, channels as
// <#C123|name>, user groups as <!subteam^S123|@handle>, special mentions as
// <!here>, dates as <!date^…|fallback>, and every link it detected as <url>
// or <url|what was typed>. The bot reads what the person typed, so incoming
// text is turned back into it here.

var unescapeEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// incomingText turns text from Slack (a slash command's text, a message or
// a mention) back into what was typed. Mentions of bot (its user id; "" for
// none) are removed; with stripLeading, so are any mentions the text starts
// with (the person being addressed, when the bot's id is not known).
func incomingText(s, bot string, stripLeading bool) string {
	var b strings.Builder
	b.Grow(len(s))
	leading := stripLeading
	for {
		// A sequence is the innermost <…>: Slack escapes < and > elsewhere,
		// so a stray one is kept as it is.
		j := strings.IndexByte(s, '>')
		if j < 0 {
			break
		}
		i := strings.LastIndexByte(s[:j], '<')
		if i < 0 {
			if strings.TrimSpace(s[:j+1]) != "" {
				leading = false
			}
			b.WriteString(unescapeEntities.Replace(s[:j+1]))
			s = s[j+1:]
			continue
		}
		before := s[:i]
		if strings.TrimSpace(before) != "" {
			leading = false
		}
		b.WriteString(unescapeEntities.Replace(before))
		inner := s[i+1 : j]
		s = s[j+1:]
		target, label, _ := strings.Cut(inner, "|")
		if isUserMention(target) {
			id := target[1:]
			if id == bot || leading {
				b.WriteByte(' ')
				continue
			}
		}
		leading = false
		b.WriteString(unescapeEntities.Replace(sequenceText(target, label)))
	}
	b.WriteString(unescapeEntities.Replace(s))
	return strings.TrimSpace(b.String())
}

// isUserMention reports whether a control sequence's target names a user.
func isUserMention(target string) bool {
	return len(target) > 1 && target[0] == '@'
}

// sequenceText is what a person typed for one control sequence.
func sequenceText(target, label string) string {
	switch {
	case target == "":
		return label
	case target[0] == '@': // user: <@U123|name>
		if label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return target
	case target[0] == '#': // channel: <#C123|name>
		if label != "" {
			return "#" + strings.TrimPrefix(label, "#")
		}
		return target
	case target[0] == '!': // <!here>, <!subteam^S123|@team>, <!date^…|fallback>
		if label != "" {
			return label
		}
		word, _, _ := strings.Cut(target[1:], "^")
		return "@" + word
	}
	// A link Slack detected: the label is what was typed (example.com for
	// <http://example.com|example.com>); without one, the URL itself was.
	if label != "" {
		return label
	}
	return target
}

// botUserID is the bot's user id from an event's authorizations, "" when
// they do not say.
func botUserID(auths []slack.EventAuthorization) string {
	for _, a := range auths {
		if a.IsBot && a.UserID != "" {
			return a.UserID
		}
	}
	return ""
}

// incomingWithin is incomingText for text within chat.MaxTextBytes; longer
// text is returned as it came, unread, for run to refuse.
func incomingWithin(s, self string, stripLeading bool) string {
	if len(s) > maxText {
		return s
	}
	return incomingText(s, self, stripLeading)
}

// commandOf is text as the command an answer's buttons repeat, or "" when
// text is too long to be one.
func commandOf(text string) string {
	if len(text) > maxText {
		return ""
	}
	return text
}
