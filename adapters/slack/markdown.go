package slack

import (
	"strings"
	"unicode/utf8"
)

// escape makes s safe as Slack mrkdwn text: &, < and > are control characters.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// link renders a Slack mrkdwn link; an empty title shows the URL.
func link(url, title string) string {
	if url == "" {
		return escape(title)
	}
	if title == "" {
		return "<" + escape(url) + ">"
	}
	// "|" and ">" end the title early in Slack's link syntax.
	t := strings.ReplaceAll(escape(title), "|", "¦")
	return "<" + escape(url) + "|" + t + ">"
}

// mrkdwn converts the bot's light Markdown (**bold**, _italic_, `code`,
// [text](url)) to Slack mrkdwn, escaping &, < and > everywhere.
func mrkdwn(s string) string {
	if !strings.ContainsAny(s, "`*[&<>") {
		return s // nothing to convert or escape: most field names and values
	}
	return convertMrkdwn(s)
}

// convertMrkdwn is mrkdwn's conversion, character by character.
func convertMrkdwn(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		switch {
		case s[i] == '`':
			// Code span: copied verbatim (escaped), no conversion inside.
			n := 1
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			fence := s[i : i+n]
			end := strings.Index(s[i+n:], fence)
			if end < 0 {
				b.WriteString(fence)
				i += n
				continue
			}
			b.WriteString(fence)
			b.WriteString(escape(s[i+n : i+n+end]))
			b.WriteString(fence)
			i += n + end + n
		case strings.HasPrefix(s[i:], "**"):
			end := strings.Index(s[i+2:], "**")
			if end <= 0 {
				b.WriteString("**")
				i += 2
				continue
			}
			b.WriteString("*")
			b.WriteString(convertMrkdwn(s[i+2 : i+2+end]))
			b.WriteString("*")
			i += 2 + end + 2
		case s[i] == '[':
			if text, url, n, ok := mdLink(s[i:]); ok {
				b.WriteString(link(url, text))
				i += n
				continue
			}
			b.WriteByte('[')
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch r {
			case '&':
				b.WriteString("&amp;")
			case '<':
				b.WriteString("&lt;")
			case '>':
				b.WriteString("&gt;")
			default:
				b.WriteString(s[i : i+size])
			}
			i += size
		}
	}
	return b.String()
}

// mdLink parses "[text](url)" at the start of s.
func mdLink(s string) (text, url string, n int, ok bool) {
	close := strings.Index(s, "](")
	if close < 1 || strings.ContainsAny(s[1:close], "\n[") {
		return "", "", 0, false
	}
	end := strings.IndexByte(s[close+2:], ')')
	if end < 0 {
		return "", "", 0, false
	}
	url = s[close+2 : close+2+end]
	if url == "" || strings.ContainsAny(url, " \n") {
		return "", "", 0, false
	}
	return s[1:close], url, close + 2 + end + 1, true
}

// runes counts characters as Slack does.
func runes(s string) int { return utf8.RuneCountInString(s) }

// shorten cuts a label (a button or a modal title, never content) to max characters.
func shorten(s string, max int) string {
	if runes(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// split breaks text into pieces of at most max characters, at line breaks
// where it can, else at spaces, else anywhere. Nothing is dropped.
func split(s string, max int) []string {
	if runes(s) <= max {
		return []string{s}
	}
	var out []string
	var cur strings.Builder
	curN := 0
	flush := func() {
		if curN > 0 {
			out = append(out, cur.String())
			cur.Reset()
			curN = 0
		}
	}
	add := func(piece string, sep string) {
		n := runes(piece)
		sn := 0
		if curN > 0 {
			sn = runes(sep)
		}
		if curN+sn+n > max {
			flush()
			sn = 0
		}
		if curN > 0 {
			cur.WriteString(sep)
		}
		cur.WriteString(piece)
		curN += sn + n
	}
	for _, line := range strings.Split(s, "\n") {
		if runes(line) <= max {
			add(line, "\n")
			continue
		}
		flush()
		for _, word := range strings.Split(line, " ") {
			for runes(word) > max {
				r := []rune(word)
				flush()
				out = append(out, string(r[:max]))
				word = string(r[max:])
			}
			add(word, " ")
		}
		flush()
	}
	flush()
	return out
}
