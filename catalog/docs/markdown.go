package docs

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// section is one part of a page: the text from a heading to the next one.
type section struct {
	level   int    // heading level 1–6; 0 for the page top
	heading string // the heading as plain text ("" for the page top)
	anchor  string // MkDocs anchor ("" for the page top)
	body    string // prose, Markdown stripped
	code    string // text of code blocks
}

// parsedPage is a Markdown page split into sections.
type parsedPage struct {
	metaTitle string // front matter title
	h1        string // first level-1 heading
	sections  []section
}

var (
	reATX        = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`)
	reFence      = regexp.MustCompile("^[ \t]*(`{3,}|~{3,})")
	reTableSep   = regexp.MustCompile(`^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$`)
	reRefDef     = regexp.MustCompile(`^ {0,3}\[[^\]^][^\]]*\]:[ \t]*\S`)
	reFootDef    = regexp.MustCompile(`^ {0,3}\[\^[^\]]+\]:[ \t]*`)
	reAbbr       = regexp.MustCompile(`^\*\[([^\]]+)\]:[ \t]*`)
	reRule       = regexp.MustCompile(`^ {0,3}([-*_])[ \t]*(?:[-*_][ \t]*){2,}$`)
	reAdmonition = regexp.MustCompile(`^[ \t]*(?:!!!|\?\?\?\+?)[ \t]*([\w-]+)?(?:[ \t]+"([^"]*)")?`)
	reListItem   = regexp.MustCompile(`^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+`)
	reDefItem    = regexp.MustCompile(`^:[ \t]{1,}`)
	reSetextH1   = regexp.MustCompile(`^ {0,3}=+[ \t]*$`)
	reSetextH2   = regexp.MustCompile(`^ {0,3}-+[ \t]*$`)
	reAttrID     = regexp.MustCompile(`#([^\s}#.]+)`)
	reHeadAttr   = regexp.MustCompile(`[ \t]*\{:?[ \t]*([#.][^}]*|[^}]*=[^}]*)\}[ \t]*$`)
	reQuote      = regexp.MustCompile(`^[ \t]*(?:>[ \t]?)+`)
	reClosingATX = regexp.MustCompile(`[ \t]+#+[ \t]*$|^#+[ \t]*$`)
)

// parseMarkdown strips Markdown to text and splits it into sections at headings.
func parseMarkdown(src string) parsedPage {
	src = strings.TrimPrefix(src, "\ufeff")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	var pg parsedPage
	lines := strings.Split(src, "\n")
	lines, pg.metaTitle = frontMatter(lines)

	used := map[string]bool{}
	cur := &section{}
	var body, code, para strings.Builder
	flushPara := func() {
		if para.Len() > 0 {
			body.WriteString(inlineText(para.String()))
			body.WriteByte('\n')
			para.Reset()
		}
	}
	flush := func() {
		flushPara()
		cur.body = collapseSpace(body.String())
		cur.code = collapseSpace(code.String())
		body.Reset()
		code.Reset()
		pg.sections = append(pg.sections, *cur)
	}
	startSection := func(level int, raw string) {
		flushPara()
		text, id := headingText(raw)
		if t := strings.TrimSpace(raw); strings.HasPrefix(t, ":::") {
			// A mkdocstrings directive: the heading is the object's name,
			// the anchor its full path.
			if f := strings.Fields(strings.TrimPrefix(t, ":::")); len(f) > 0 {
				id = f[0]
				text = f[0][strings.LastIndexByte(f[0], '.')+1:]
			}
		}
		if id == "" {
			id = slugify(text)
		}
		id = uniqueID(id, used)
		if level == 1 && pg.h1 == "" {
			pg.h1 = text
			// A title heading opening the page is the page top.
			if len(pg.sections) == 0 && cur.level == 0 && strings.TrimSpace(body.String()) == "" && code.Len() == 0 {
				cur.heading = text
				return
			}
		}
		flush()
		cur = &section{level: level, heading: text, anchor: id}
	}

	var (
		fence      string // the open fence, "" outside one
		inComment  bool
		skipTag    string // inside <script> or <style>
		prevBlank  = true
		container  bool // inside a list item or admonition: indented lines are prose
		indentCode bool
		paraLines  int
	)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if fence != "" {
			t := strings.TrimLeft(line, " \t")
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]+" \t") == "" {
				fence = ""
			} else {
				code.WriteString(line)
				code.WriteByte('\n')
			}
			continue
		}
		if inComment {
			if j := strings.Index(line, "-->"); j >= 0 {
				inComment = false
				line = line[j+3:]
			} else {
				continue
			}
		}
		if skipTag != "" {
			if j := strings.Index(strings.ToLower(line), "</"+skipTag); j >= 0 {
				skipTag = ""
			}
			continue
		}
		blank := strings.TrimSpace(line) == ""
		if blank {
			flushPara()
			prevBlank = true
			paraLines = 0
			if indentCode {
				code.WriteByte('\n')
			}
			continue
		}
		indent := indentWidth(line)
		if indentCode {
			if indent >= 4 {
				code.WriteString(line)
				code.WriteByte('\n')
				prevBlank = false
				continue
			}
			indentCode = false
		}
		if indent == 0 && !reListItem.MatchString(line) && !reDefItem.MatchString(line) {
			container = false
		}
		if m := reFence.FindStringSubmatch(line); m != nil {
			flushPara()
			fence = m[1]
			prevBlank = false
			continue
		}
		if indent >= 4 && prevBlank && !container && paraLines == 0 {
			indentCode = true
			code.WriteString(line)
			code.WriteByte('\n')
			prevBlank = false
			continue
		}
		prevBlank = false
		trimmed := strings.TrimSpace(line)
		if m := reATX.FindStringSubmatch(line); m != nil {
			startSection(len(m[1]), m[2])
			paraLines = 0
			continue
		}
		if paraLines == 0 && i+1 < len(lines) && !reListItem.MatchString(line) && !strings.HasPrefix(trimmed, "|") && indent < 4 {
			next := lines[i+1]
			if reSetextH1.MatchString(next) || (reSetextH2.MatchString(next) && !reRule.MatchString(line)) {
				level := 1
				if reSetextH2.MatchString(next) {
					level = 2
				}
				startSection(level, trimmed)
				i++
				continue
			}
		}
		if reRule.MatchString(line) || reTableSep.MatchString(line) || reRefDef.MatchString(line) ||
			strings.HasPrefix(trimmed, "--8<--") {
			continue
		}
		if strings.HasPrefix(trimmed, ":::") {
			code.WriteString(strings.TrimLeft(trimmed, ": "))
			code.WriteByte('\n')
			continue
		}
		if m := reAdmonition.FindStringSubmatch(line); m != nil && (strings.HasPrefix(trimmed, "!!!") || strings.HasPrefix(trimmed, "???")) {
			flushPara()
			container = true
			if m[2] != "" {
				body.WriteString(inlineText(m[2]))
				body.WriteString(". ")
			}
			continue
		}
		if q := reQuote.FindString(line); q != "" {
			line = line[len(q):]
		}
		if reListItem.MatchString(line) || reDefItem.MatchString(line) {
			flushPara()
			container = true
			line = line[len(reListItem.FindString(line))+len(reDefItem.FindString(line)):]
		}
		if m := reFootDef.FindString(line); m != "" {
			line = line[len(m):]
		} else if m := reAbbr.FindStringSubmatch(line); m != nil {
			line = m[1] + " " + line[len(m[0]):]
		}
		// HTML comments and raw blocks.
		for {
			j := strings.Index(line, "<!--")
			if j < 0 {
				break
			}
			if k := strings.Index(line[j:], "-->"); k >= 0 {
				line = line[:j] + " " + line[j+k+3:]
				continue
			}
			line = line[:j]
			inComment = true
			break
		}
		lower := strings.ToLower(trimmed)
		for _, tag := range []string{"script", "style"} {
			if strings.HasPrefix(lower, "<"+tag) {
				if !strings.Contains(lower, "</"+tag) {
					skipTag = tag
				}
				line = ""
			}
		}
		if strings.Contains(line, "|") {
			line = strings.ReplaceAll(line, `\|`, "\x00")
			line = strings.ReplaceAll(line, "|", " ")
			line = strings.ReplaceAll(line, "\x00", "|")
		}
		para.WriteString(line)
		para.WriteByte('\n')
		paraLines++
	}
	flush()
	return pg
}

// frontMatter removes a YAML front matter block and returns its title.
func frontMatter(lines []string) ([]string, string) {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return lines, ""
	}
	for i := 1; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
			var meta struct {
				Title any `yaml:"title"`
			}
			title := ""
			if err := yaml.Unmarshal([]byte(strings.Join(lines[1:i], "\n")), &meta); err == nil {
				if s, ok := meta.Title.(string); ok {
					title = strings.TrimSpace(s)
				}
			}
			return lines[i+1:], title
		}
	}
	return lines, ""
}

// headingText returns a heading's plain text and its attr_list id, if any.
func headingText(raw string) (string, string) {
	raw = reClosingATX.ReplaceAllString(raw, "")
	id := ""
	if m := reHeadAttr.FindStringSubmatchIndex(raw); m != nil {
		attr := raw[m[2]:m[3]]
		if a := reAttrID.FindStringSubmatch(attr); a != nil {
			id = a[1]
		}
		raw = raw[:m[0]]
	}
	return strings.TrimSpace(collapseSpace(inlineText(raw))), id
}

func indentWidth(line string) int {
	w := 0
	for _, c := range line {
		switch c {
		case ' ':
			w++
		case '\t':
			w += 4 - w%4
		default:
			return w
		}
	}
	return w
}

// inlineText strips inline Markdown and HTML from one line: code spans keep
// their text, links and images keep their text and alt, footnote references,
// attribute lists and tags go, entities are decoded.
func inlineText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
			continue
		case c == '`':
			n := runLen(s[i:], '`')
			if j := strings.Index(s[i+n:], s[i:i+n]); j >= 0 {
				b.WriteString(s[i+n : i+n+j])
				i += n + j + n
				continue
			}
			i += n
			continue
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			i++ // an image: keep its alt text like a link's
			continue
		case c == '[':
			if i+1 < len(s) && s[i+1] == '^' {
				if j := strings.IndexByte(s[i:], ']'); j >= 0 {
					i += j + 1
					continue
				}
			}
			if end := matchBracket(s, i); end > 0 {
				text := s[i+1 : end]
				rest := end + 1
				if rest < len(s) && s[rest] == '(' {
					if close := matchParen(s, rest); close > 0 {
						rest = close + 1
					}
				} else if rest < len(s) && s[rest] == '[' {
					if close := strings.IndexByte(s[rest:], ']'); close >= 0 {
						rest += close + 1
					}
				}
				b.WriteString(inlineText(text))
				i = rest
				continue
			}
		case c == '{':
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				inner := strings.TrimSpace(s[i+1 : i+j])
				if strings.HasPrefix(inner, ":") || strings.HasPrefix(inner, "#") || strings.HasPrefix(inner, ".") {
					i += j + 1
					continue
				}
			}
		case c == '<':
			if j := strings.IndexByte(s[i:], '>'); j > 0 {
				inner := s[i+1 : i+j]
				if isTag(inner) {
					b.WriteByte(' ')
					i += j + 1
					continue
				}
				if strings.Contains(inner, "://") || strings.HasPrefix(inner, "mailto:") {
					b.WriteString(inner)
					i += j + 1
					continue
				}
			}
		case c == '*' || c == '~' || c == '=' && i+1 < len(s) && s[i+1] == '=':
			n := runLen(s[i:], c)
			if c == '*' || n >= 2 {
				i += n
				continue
			}
		case c == '_':
			// Emphasis only when a run opens after a non-word character and
			// a like run closes before one: site_name keeps its underscore.
			n := runLen(s[i:], '_')
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			next, _ := utf8.DecodeRuneInString(s[i+n:])
			if (i == 0 || !isWordRune(prev)) && i+n < len(s) && !unicode.IsSpace(next) {
				if j := closingUnderscore(s, i+n, n); j > 0 {
					b.WriteString(inlineText(s[i+n : j]))
					i = j + n
					continue
				}
			}
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteByte(c)
		i++
	}
	out := b.String()
	if strings.IndexByte(out, '&') >= 0 {
		out = html.UnescapeString(out)
	}
	return out
}

// closingUnderscore finds a run of n underscores from i that ends emphasis:
// after a non-space, before a non-word character or the end.
func closingUnderscore(s string, i, n int) int {
	for j := i; j < len(s); j++ {
		if s[j] != '_' {
			continue
		}
		m := runLen(s[j:], '_')
		prev, _ := utf8.DecodeLastRuneInString(s[:j])
		next, _ := utf8.DecodeRuneInString(s[j+m:])
		if m == n && j > i && !unicode.IsSpace(prev) && (j+m == len(s) || !isWordRune(next)) {
			return j
		}
		j += m - 1
	}
	return -1
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func isASCIIPunct(c byte) bool {
	return strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

func runLen(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// matchBracket returns the index of the ']' closing the '[' at i, or -1.
func matchBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func matchParen(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// isTag reports whether inner (between '<' and '>') looks like an HTML tag.
func isTag(inner string) bool {
	inner = strings.TrimPrefix(inner, "/")
	if inner == "" {
		return false
	}
	c := inner[0]
	if !(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
		return false
	}
	for k := 1; k < len(inner); k++ {
		c := inner[k]
		if c == ' ' || c == '\t' || c == '/' {
			return true
		}
		if !(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '-') {
			return false
		}
	}
	return true
}

// collapseSpace turns every run of white space into one space and trims.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
