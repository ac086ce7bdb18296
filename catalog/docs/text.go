package docs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a text: its lower-case form and its byte span.
type token struct {
	word       string
	start, end int
}

// tokenize splits s into words: runs of letters and digits (an apostrophe
// inside a word is kept, so "don't" stays one word). Words are lower-cased.
func tokenize(s string, fn func(t token)) {
	tokenizeWhile(s, func(t token) bool { fn(t); return true })
}

// tokenizeWhile is tokenize stopping after the first word fn returns false for.
func tokenizeWhile(s string, fn func(t token) bool) {
	start := -1
	more := true
	var lower strings.Builder
	ascii := true
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		w = strings.TrimRight(w, "'’")
		if w != "" {
			var lw string
			if ascii {
				lw = asciiLower(w)
			} else {
				lower.Reset()
				for _, r := range w {
					if r == '’' {
						r = '\''
					}
					lower.WriteRune(unicode.ToLower(r))
				}
				lw = lower.String()
			}
			more = fn(token{word: lw, start: start, end: start + len(w)})
		}
		start, ascii = -1, true
	}
	for i := 0; i < len(s) && more; {
		c := s[i]
		if c < utf8.RuneSelf {
			if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || (c == '\'' && start >= 0) {
				if start < 0 {
					start = i
				}
			} else {
				flush(i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || (r == '’' && start >= 0) {
			if start < 0 {
				start = i
			}
			ascii = false
		} else {
			flush(i)
		}
		i += n
	}
	if more {
		flush(len(s))
	}
}

func asciiLower(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; 'A' <= c && c <= 'Z' {
			b := []byte(w)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return w
}

// normWord is the indexed form of a lower-case word: its stem, or "" for a stop word.
func normWord(w string) string {
	if stopWords[w] {
		return ""
	}
	if strings.HasSuffix(w, "'s") {
		w = w[:len(w)-2]
	}
	w = strings.ReplaceAll(w, "'", "")
	if w == "" {
		return ""
	}
	return stem(w)
}

// indexedWord says whether normWord(w) is a term (not ""), without stemming,
// for a word as tokenize gives it (it starts with a letter or digit).
func indexedWord(w string) bool { return !stopWords[w] }

// stopWords are English function words (Snowball's list, trimmed of words
// that carry meaning in technical docs such as "up", "down", "off", "not").
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself yourselves
	he him his himself she her hers herself it its itself they them their theirs themselves what which who whom
	this that these those am is are was were be been being have has had having do does did doing would should
	could ought i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd we'd
	they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't hasn't haven't hadn't doesn't
	don't didn't won't wouldn't shan't shouldn't can't cannot couldn't mustn't let's that's who's what's here's
	there's when's where's why's how's a an the and but if or because as until while of at by for with about
	between into through during before after above below to from in on again further then once here there when
	where why how all any both each few more most other some such nor only own same so than too very can will
	just should now also want way`) {
		m[w] = true
	}
	return m
}()
