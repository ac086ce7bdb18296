package docs

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// slugify is Python-Markdown's toc slugify with MkDocs' defaults (separator
// "-", unicode off): NFKD-normalise and drop what is not ASCII, drop every
// character that is not a word character, white space or '-', trim, lower
// case, and collapse runs of white space and '-' into one '-'.
func slugify(text string) string {
	text = norm.NFKD.String(text)
	var b strings.Builder
	for _, r := range text {
		if r >= unicode.MaxASCII {
			continue
		}
		if r == '_' || r == '-' || r == ' ' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') ||
			r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	s := strings.TrimSpace(b.String())
	var out strings.Builder
	sep := false
	for _, r := range s {
		if r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
			sep = true
			continue
		}
		if sep {
			out.WriteByte('-')
			sep = false
		}
		out.WriteRune(r)
	}
	if sep {
		out.WriteByte('-')
	}
	return out.String()
}

var idCount = regexp.MustCompile(`^(.*)_([0-9]+)$`)

// uniqueID makes id unique among used the way Python-Markdown's toc does:
// "x" taken becomes "x_1", then "x_2"; an empty id becomes "_1".
func uniqueID(id string, used map[string]bool) string {
	for used[id] || id == "" {
		if m := idCount.FindStringSubmatch(id); m != nil {
			n, _ := strconv.Atoi(m[2])
			id = m[1] + "_" + strconv.Itoa(n+1)
		} else {
			id += "_1"
		}
	}
	used[id] = true
	return id
}
