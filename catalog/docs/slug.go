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

// idSet makes ids unique on a page the way Python-Markdown's toc does: "x"
// taken becomes "x_1", then "x_2"; "x_1" taken becomes "x_2"; an empty id
// becomes "_1". It remembers how far each stem's numbers are taken, so a
// page repeating one heading a thousand times costs a thousand steps, not
// half a million.
type idSet struct {
	used  map[string]bool
	taken map[string][2]int // stem -> [lo, hi]: stem_lo … stem_hi are all taken
}

func newIDSet() *idSet { return &idSet{used: map[string]bool{}, taken: map[string][2]int{}} }

func (s *idSet) unique(id string) string {
	if !s.used[id] && id != "" {
		s.used[id] = true
		return id
	}
	stem, n := id, 1
	if m := idCount.FindStringSubmatch(id); m != nil {
		if k, err := strconv.Atoi(m[2]); err == nil && k < 1<<30 {
			stem, n = m[1], k+1
		}
	}
	start := n
	if r, ok := s.taken[stem]; ok && r[0] <= n && n <= r[1]+1 {
		start = r[0]
		n = r[1] + 1
	}
	for s.used[stem+"_"+strconv.Itoa(n)] {
		n++
	}
	s.taken[stem] = [2]int{start, n}
	id = stem + "_" + strconv.Itoa(n)
	s.used[id] = true
	return id
}
