package console

import (
	"regexp"
	"strings"
)

var (
	mdBold   = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	mdItalic = regexp.MustCompile(`(^|[\s(\[])_([^_\n]+)_($|[\s.,;:!?)\]])`)
	mdLink   = regexp.MustCompile(`\[([^\]\n]*)\]\(([^)\s]+)\)`)
)

// plain renders the bot's light Markdown for a terminal, which shows it
// raw: **bold** and _italic_ lose their marks (snake_case names keep
// theirs), [text](url) reads "text <url>", and code fences go, their lines
// kept. Inline `code` keeps its backticks, which read as quotes.
func plain(s string) string {
	if !strings.ContainsAny(s, "*_[`") {
		return s
	}
	if strings.Contains(s, "```") {
		lines := strings.Split(s, "\n")
		kept := lines[:0]
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "```") {
				continue
			}
			kept = append(kept, l)
		}
		s = strings.Join(kept, "\n")
	}
	s = mdBold.ReplaceAllString(s, "$1")
	// Twice: a match consumes the space that may start the next one.
	s = mdItalic.ReplaceAllString(s, "$1$2$3")
	s = mdItalic.ReplaceAllString(s, "$1$2$3")
	s = mdLink.ReplaceAllStringFunc(s, func(m string) string {
		p := mdLink.FindStringSubmatch(m)
		switch {
		case p[1] == "" || p[1] == p[2]:
			return p[2]
		}
		return p[1] + " <" + p[2] + ">"
	})
	return s
}
