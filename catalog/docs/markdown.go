package docs

import (
	"html"
	"regexp"
	"sort"
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
	// explicit is true when the anchor was written (attr_list, a
	// mkdocstrings object), not made from the heading's text.
	explicit bool
	body     string // prose, Markdown stripped
	code     string // text of code blocks
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
	reHeadAttr   = regexp.MustCompile(`[ ]+\{:?[ ]*([^}\n ][^}\n]*)[ ]*\}[ ]*$`)
	reQuote      = regexp.MustCompile(`^[ \t]*(?:>[ \t]?)+`)
	reClosingATX = regexp.MustCompile(`[ \t]+#+[ \t]*$|^#+[ \t]*$`)
	// pymdownx.blocks: "/// tip", "/// note | Title", "//// tab | Python", a closing "///".
	reBlock = regexp.MustCompile(`^[ \t]*/{3,}[ \t]*(?:[\w-]+(?:[ \t]*\|[ \t]*(.*?))?)?[ \t]*$`)
	// Snippet and code includes: FastAPI's "{* ../../docs_src/x.py hl[2] *}", "{!> path !}".
	reInclude = regexp.MustCompile(`\{\*.*?\*\}|\{!>?.*?!\}`)
)

// parseMarkdown strips Markdown to text and splits it into sections at headings.
func parseMarkdown(src string) parsedPage {
	src = strings.TrimPrefix(src, "\ufeff")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	var pg parsedPage
	lines := strings.Split(src, "\n")
	lines, pg.metaTitle = frontMatter(lines)

	// Anchors are given when the page is read: Python-Markdown's toc first
	// reserves every id written on the page, then makes the others unique.
	type head struct {
		sec      int // index in pg.sections; -1 for the title heading of the page top
		id       string
		explicit bool
	}
	var heads []head
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
		h := head{id: id, explicit: id != ""}
		if id == "" {
			h.id = slugify(text)
		}
		if level == 1 && pg.h1 == "" {
			pg.h1 = text
			// A title heading opening the page is the page top.
			if len(pg.sections) == 0 && cur.level == 0 && strings.TrimSpace(body.String()) == "" && code.Len() == 0 {
				cur.heading = text
				h.sec = -1
				heads = append(heads, h)
				return
			}
		}
		flush()
		h.sec = len(pg.sections)
		heads = append(heads, h)
		cur = &section{level: level, heading: text, explicit: h.explicit}
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
		if strings.Contains(line, "{*") || strings.Contains(line, "{!") {
			line = reInclude.ReplaceAllString(line, " ")
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
		if m := reBlock.FindStringSubmatch(line); m != nil {
			// A block's marker is not text; its title is.
			flushPara()
			if t := strings.TrimSpace(m[1]); t != "" {
				body.WriteString(inlineText(t))
				body.WriteString(". ")
			}
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
		line, inComment = stripComments(line)
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
	used := newIDSet()
	for _, h := range heads {
		if h.explicit {
			used.used[h.id] = true
		}
	}
	for _, h := range heads {
		id := h.id
		if !h.explicit {
			id = used.unique(id)
		}
		if h.sec >= 0 {
			pg.sections[h.sec].anchor = id
		}
	}
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

// stripComments removes the HTML comments from a line; open says one is
// left open at its end (the line is cut there).
func stripComments(line string) (out string, open bool) {
	j := strings.Index(line, "<!--")
	if j < 0 {
		return line, false
	}
	var b strings.Builder
	for j >= 0 {
		b.WriteString(line[:j])
		b.WriteByte(' ')
		k := strings.Index(line[j+4:], "-->")
		if k < 0 {
			return b.String(), true
		}
		line = line[j+4+k+3:]
		j = strings.Index(line, "<!--")
	}
	b.WriteString(line)
	return b.String(), false
}

// headingText returns a heading's plain text and its attr_list id, if any,
// as Python-Markdown reads them: HTML comments go, closing '#'s go, and an
// attribute list ends the heading after a space ("## Title { #id }",
// "{: #api.v2 .cls }", "{ id="2.0.1" }"; the last id given wins, dots and
// all).
func headingText(raw string) (string, string) {
	raw, _ = stripComments(raw)
	raw = reClosingATX.ReplaceAllString(raw, "")
	id := ""
	if m := reHeadAttr.FindStringSubmatchIndex(raw); m != nil {
		id = attrListID(raw[m[2]:m[3]])
		raw = strings.TrimRight(strings.TrimRight(raw[:m[0]], "#"), " \t")
	}
	return strings.TrimSpace(collapseSpace(inlineText(raw))), id
}

// attrListID returns the id an attribute list sets, reading it the way
// Python-Markdown's attr_list does: words separated by spaces, each
// key="value", key='value', key=value, #id, .class or a bare word; the
// first thing that is none of these ends the list.
func attrListID(attrs string) string {
	id := ""
	for i := 0; i < len(attrs); {
		if attrs[i] == ' ' {
			i++
			continue
		}
		k := i
		for k < len(attrs) && attrs[k] != ' ' && attrs[k] != '=' {
			k++
		}
		if k == i {
			break // a lone '='
		}
		key := attrs[i:k]
		if k < len(attrs) && attrs[k] == '=' {
			v := k + 1
			var val string
			end := -1
			if v < len(attrs) && (attrs[v] == '"' || attrs[v] == '\'') {
				if e := strings.IndexByte(attrs[v+1:], attrs[v]); e >= 0 {
					val, end = attrs[v+1:v+1+e], v+1+e+1
				}
			}
			if end < 0 {
				e := v
				for e < len(attrs) && attrs[e] != ' ' && attrs[e] != '=' {
					e++
				}
				if e == v {
					break
				}
				val, end = attrs[v:e], e
			}
			if key == "id" {
				id = val
			}
			i = end
			continue
		}
		if strings.HasPrefix(key, "#") {
			id = key[1:]
		}
		i = k
	}
	return id
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
//
// It runs in time linear in s: where each bracket, parenthesis, code span
// and emphasis closes is found in one pass before the walk (markInline), and
// link texts and emphasis are walked in place with a stack of where each
// ends, never by recursion on copies.
func inlineText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	m := markInline(s)
	type frame struct{ end, resume int }
	var stack []frame
	limit := len(s)
	for i := 0; ; {
		for len(stack) > 0 && i >= stack[len(stack)-1].end {
			i = max(i, stack[len(stack)-1].resume)
			stack = stack[:len(stack)-1]
			limit = len(s)
			if len(stack) > 0 {
				limit = stack[len(stack)-1].end
			}
		}
		if i >= limit {
			break
		}
		c := s[i]
		switch {
		case c == '\\' && i+1 < limit && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
			continue
		case c == '`':
			n := runLen(s[i:limit], '`')
			if j := int(m.closeTick[i]); j > 0 && j+n <= limit {
				b.WriteString(s[i+n : j])
				i = j + n
				continue
			}
			i += n // an unclosed run of backticks goes
			continue
		case c == '!' && i+1 < limit && s[i+1] == '[':
			i++ // an image: keep its alt text like a link's
			continue
		case c == '[':
			if i+1 < limit && s[i+1] == '^' {
				if j := nextAfter(m.closeBrackets, i); j >= 0 && j < limit {
					i = j + 1
					continue
				}
			}
			if end := int(m.closeBracket[i]); end > 0 && end < limit {
				rest := end + 1
				if rest < limit && s[rest] == '(' {
					if close := int(m.closeParen[rest]); close > 0 && close < limit {
						rest = close + 1
					}
				} else if rest < limit && s[rest] == '[' {
					if close := nextAfter(m.closeBrackets, rest); close >= 0 && close < limit {
						rest = close + 1
					}
				}
				// Walk the link text in place; at its ']' go on after the link.
				stack = append(stack, frame{end: end, resume: rest})
				limit = end
				i++
				continue
			}
		case c == '{':
			if j := nextAfter(m.braces, i); j > 0 && j < limit {
				inner := strings.TrimSpace(s[i+1 : j])
				if strings.HasPrefix(inner, ":") || strings.HasPrefix(inner, "#") || strings.HasPrefix(inner, ".") {
					i = j + 1
					continue
				}
			}
		case c == '<':
			if j := nextAfter(m.angles, i); j > 0 && j < limit {
				if isTag(s[i+1 : j]) {
					b.WriteByte(' ')
					i = j + 1
					continue
				}
				// An autolink holds no white space and no '<': each '<'
				// looks no further than the next of those, so the looks add
				// up to the line once.
				if k := strings.IndexAny(s[i+1:j], " \t\n<"); k < 0 {
					if inner := s[i+1 : j]; strings.Contains(inner, "://") || strings.HasPrefix(inner, "mailto:") {
						b.WriteString(inner)
						i = j + 1
						continue
					}
				}
			}
		case c == '*' || c == '~' || c == '=' && i+1 < limit && s[i+1] == '=':
			n := runLen(s[i:limit], c)
			if c == '*' || n >= 2 {
				i += n
				continue
			}
		case c == '_':
			// Emphasis only when a run opens after a non-word character and
			// a like run closes before one: site_name keeps its underscore.
			n := runLen(s[i:limit], '_')
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			next, _ := utf8.DecodeRuneInString(s[i+n:])
			if (i == 0 || !isWordRune(prev)) && i+n < limit && !unicode.IsSpace(next) {
				if j := int(m.closeUnderscore[i]); j > 0 && j+n <= limit {
					stack = append(stack, frame{end: j, resume: j + n})
					limit = j
					i += n
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

// inlineMarks say where the marks of a line of inline Markdown close, found
// in one pass so that inlineText never scans ahead for them.
type inlineMarks struct {
	// By the position of an opening mark, where it closes (0: it does not).
	closeBracket    []int32 // '[' -> its ']' (nesting counted, '\' escapes)
	closeParen      []int32 // '(' -> its ')' (nesting counted)
	closeTick       []int32 // a backtick run -> the next run of the same length
	closeUnderscore []int32 // an underscore run -> the next run of its length that can close emphasis
	closeBrackets   []int   // every ']', in order
	braces          []int   // every '}'
	angles          []int   // every '>'
}

// nextAfter returns the first position in ps (ascending) after i, or -1.
func nextAfter(ps []int, i int) int {
	k := sort.SearchInts(ps, i+1)
	if k == len(ps) {
		return -1
	}
	return ps[k]
}

func markInline(s string) *inlineMarks {
	n := len(s)
	all := make([]int32, 4*n)
	m := &inlineMarks{closeBracket: all[:n:n], closeParen: all[n : 2*n : 2*n], closeTick: all[2*n : 3*n : 3*n], closeUnderscore: all[3*n:]}
	var brackets, parens []int
	type run struct{ pos, n int }
	var ticks, unders []run
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			brackets = append(brackets, j)
		case ']':
			m.closeBrackets = append(m.closeBrackets, j)
			if k := len(brackets); k > 0 {
				m.closeBracket[brackets[k-1]] = int32(j)
				brackets = brackets[:k-1]
			}
		case '(':
			parens = append(parens, j)
		case ')':
			if k := len(parens); k > 0 {
				m.closeParen[parens[k-1]] = int32(j)
				parens = parens[:k-1]
			}
		case '}':
			m.braces = append(m.braces, j)
		case '>':
			m.angles = append(m.angles, j)
		case '`':
			n := runLen(s[j:], '`')
			ticks = append(ticks, run{j, n})
			j += n - 1
		case '_':
			n := runLen(s[j:], '_')
			unders = append(unders, run{j, n})
			j += n - 1
		}
	}
	// A backtick run closes at the next run of exactly its length.
	next := map[int]int{}
	for k := len(ticks) - 1; k >= 0; k-- {
		t := ticks[k]
		if c, ok := next[t.n]; ok {
			m.closeTick[t.pos] = int32(c)
		}
		next[t.n] = t.pos
	}
	// An underscore run can close emphasis when it follows a non-space and
	// comes before a non-word character or the end.
	clear(next)
	for k := len(unders) - 1; k >= 0; k-- {
		u := unders[k]
		if c, ok := next[u.n]; ok {
			m.closeUnderscore[u.pos] = int32(c)
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:u.pos])
		after, _ := utf8.DecodeRuneInString(s[u.pos+u.n:])
		if u.pos > 0 && !unicode.IsSpace(prev) && (u.pos+u.n == len(s) || !isWordRune(after)) {
			next[u.n] = u.pos
		}
	}
	return m
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
