package chat

import (
	"strings"
	"unicode"
)

// Invocation is a request's text as the Router parsed it: the command it
// names and the rest of the words.
type Invocation struct {
	// Command is the Name of the command that matched ("" when none did).
	Command string `json:"command"`
	// Verb is the words that selected it, as typed ("who owns", "impact").
	Verb string `json:"verb"`
	// Args is the argument text: quotes removed, edge punctuation trimmed,
	// filler words such as "the" or "for" dropped from the front.
	Args string `json:"args"`
	// Words are the argument words (a quoted phrase is one word).
	Words []string `json:"words"`

	// note is what the command's handler noted while answering (see Note).
	note any
}

// Args returns the argument text the Router parsed for req ("" before routing).
func Args(req *Request) string { return Parsed(req).Args }

// Parsed returns the whole Invocation the Router recorded on req.
func Parsed(req *Request) Invocation {
	if req == nil || req.parsed == nil {
		return Invocation{}
	}
	return *req.parsed
}

// Note returns what the handler answering req noted on its Invocation with
// SetNote (nil when nothing was, or before routing).
func Note(req *Request) any {
	if req == nil || req.parsed == nil {
		return nil
	}
	return req.parsed.note
}

// SetNote records v on req's Invocation for the later steps of the handler
// answering it (the features note the entity an argument resolved to, for
// the answer's data). The Router carries it and never reads it; copies of
// the Invocation (Parsed, WithInvocation) carry it too, and a command line
// parsed afresh starts without one. Before routing it does nothing. Store
// values, not pointers to change later, so that copies stay apart.
func SetNote(req *Request, v any) {
	if req != nil && req.parsed != nil {
		req.parsed.note = v
	}
}

// token is one word of a command line.
type token struct {
	text   string // as typed, edge punctuation trimmed
	lower  string // case-folded, for matching verbs
	quoted bool
}

// tokenize splits a command line into words. Quoted phrases ("…", '…', “…”,
// ‘…’, `…`) are single words; punctuation at the edges of a plain word is
// dropped, while ':' '/' '.' '-' '_' inside it are kept, so refs and
// hostnames survive.
func tokenize(s string) []token {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		if unicode.IsSpace(r) {
			i++
			continue
		}
		if closer, ok := quoteCloser(r); ok {
			j := i + 1
			for j < len(rs) && rs[j] != closer && !(closer == '\'' && rs[j] == '’') {
				j++
			}
			if j < len(rs) {
				inner := strings.TrimSpace(string(rs[i+1 : j]))
				if inner != "" {
					out = append(out, token{text: inner, lower: strings.ToLower(inner), quoted: true})
				}
				i = j + 1
				continue
			}
			// An unmatched quote is punctuation.
			i++
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		w := trimEdges(string(rs[i:j]))
		if w != "" {
			out = append(out, token{text: w, lower: normalizeWord(w)})
		}
		i = j
	}
	return out
}

func quoteCloser(r rune) (rune, bool) {
	switch r {
	case '"':
		return '"', true
	case '\'':
		return '\'', true
	case '`':
		return '`', true
	case '“':
		return '”', true
	case '‘':
		return '’', true
	case '«':
		return '»', true
	}
	return 0, false
}

// trimEdges drops punctuation from both ends of a word, keeping the
// characters that appear inside refs.
func trimEdges(w string) string {
	return strings.TrimFunc(w, func(r rune) bool {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		switch r {
		case '_', '@', '#', '$', '~':
			return false
		}
		return true
	})
}

// normalizeWord folds case and the typographic apostrophe, so "Who’s" matches "who's".
func normalizeWord(w string) string {
	w = strings.ReplaceAll(strings.ToLower(w), "’", "'")
	if c, ok := contractions[w]; ok {
		return c
	}
	return w
}

// contractions typed without their apostrophe.
var contractions = map[string]string{"whos": "who's", "whats": "what's", "wheres": "where's", "hows": "how's", "whose's": "whose"}

// fillers are dropped from the front of the argument text when more follows.
var fillers = map[string]bool{
	"the": true, "for": true, "of": true, "on": true, "about": true, "is": true,
	"a": true, "an": true, "to": true, "me": true, "in": true, "service": false,
}

// politeness is dropped from the front of a command line.
var politeness = map[string]bool{
	"please": true, "pls": true, "hey": true, "hi": true, "callboard": true, "@callboard": true,
	"can": false,
}

// politePhrases are dropped from the front of a command line.
var politePhrases = [][]string{
	{"can", "you", "tell", "me"}, {"could", "you", "tell", "me"}, {"can", "you", "check"}, {"do", "you", "know"},
	{"i", "need", "to", "know"}, {"tell", "me"}, {"quick", "question"}, {"any", "idea"}, {"does", "anyone", "know"},
	{"i", "need"}, {"need", "to", "know"}, {"urgent"}, {"sorry"}, {"ok", "so"}, {"so"},
}

func startsWith(toks []token, words []string) bool {
	for i, w := range words {
		if toks[i].quoted || toks[i].lower != w {
			return false
		}
	}
	return true
}

// pattern is one way of naming a command: words before the argument slot
// and words after it ("what does {} depend on").
type pattern struct {
	prefix []string
	suffix []string
	cmd    *Command
	order  int // registration order, to break ties
}

func (p pattern) length() int { return len(p.prefix) + len(p.suffix) }

// compilePattern turns "who owns" or "what does {} depend on" into a pattern.
func compilePattern(s string, c *Command, order int) (pattern, bool) {
	p := pattern{cmd: c, order: order}
	before, after, hasSlot := strings.Cut(s, "{}")
	for _, t := range tokenize(before) {
		p.prefix = append(p.prefix, t.lower)
	}
	if hasSlot {
		for _, t := range tokenize(after) {
			p.suffix = append(p.suffix, t.lower)
		}
	}
	return p, p.length() > 0
}

// match reports whether toks fit the pattern and returns the argument tokens.
func (p pattern) match(toks []token) ([]token, bool) {
	if len(toks) < p.length() {
		return nil, false
	}
	for i, w := range p.prefix {
		if toks[i].quoted || toks[i].lower != w {
			return nil, false
		}
	}
	rest := toks[len(p.prefix):]
	if len(p.suffix) > 0 {
		if len(rest) < len(p.suffix)+1 { // the slot needs a word
			return nil, false
		}
		tail := rest[len(rest)-len(p.suffix):]
		for i, w := range p.suffix {
			if tail[i].quoted || tail[i].lower != w {
				return nil, false
			}
		}
		rest = rest[:len(rest)-len(p.suffix)]
	}
	return rest, true
}

// argsOf joins argument tokens into an Invocation's Args and Words,
// dropping leading filler words when something follows them.
func argsOf(toks []token) (string, []string) {
	for len(toks) > 1 && !toks[0].quoted && fillers[toks[0].lower] {
		toks = toks[1:]
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.text
	}
	return strings.Join(words, " "), words
}

// stripPoliteness drops greetings and "please" from the front, and
// "please"/"thanks" from the end.
func stripPoliteness(toks []token) []token {
	for changed := true; changed; {
		changed = false
		for len(toks) > 1 && !toks[0].quoted && politeness[toks[0].lower] {
			toks, changed = toks[1:], true
		}
		for _, ph := range politePhrases {
			if len(toks) > len(ph) && startsWith(toks, ph) {
				toks, changed = toks[len(ph):], true
				break
			}
		}
	}
	for len(toks) > 1 && !toks[len(toks)-1].quoted {
		switch toks[len(toks)-1].lower {
		case "please", "pls", "thanks", "thx":
			toks = toks[:len(toks)-1]
			continue
		}
		break
	}
	return toks
}
