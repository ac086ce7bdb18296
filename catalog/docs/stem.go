package docs

import "strings"

// stem reduces a lower-case English word to its Porter2 (Snowball English)
// stem. Words with anything but ASCII letters are returned unchanged.
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; (c < 'a' || c > 'z') && c != '\'' {
			return w
		}
	}
	if s, ok := stemExceptions1[w]; ok {
		return s
	}
	b := []byte(strings.TrimPrefix(w, "'"))
	if len(b) <= 2 {
		return string(b)
	}
	// Mark consonant y as Y.
	for i := range b {
		if b[i] == 'y' && (i == 0 || isVowel(b[i-1])) {
			b[i] = 'Y'
		}
	}
	r1, r2 := regions(b)

	// Step 0: apostrophe suffixes.
	for _, suf := range []string{"'s'", "'s", "'"} {
		if hasSuffix(b, suf) {
			b = b[:len(b)-len(suf)]
			break
		}
	}

	// Step 1a.
	switch {
	case hasSuffix(b, "sses"):
		b = b[:len(b)-2]
	case hasSuffix(b, "ied") || hasSuffix(b, "ies"):
		if len(b) > 4 {
			b = b[:len(b)-2]
		} else {
			b = b[:len(b)-1]
		}
	case hasSuffix(b, "us") || hasSuffix(b, "ss"):
	case hasSuffix(b, "s"):
		if containsVowel(b[:len(b)-2]) {
			b = b[:len(b)-1]
		}
	}
	if stemExceptions2[string(b)] {
		return string(b)
	}

	// Step 1b.
	switch suf := longestSuffix(b, "eedly", "ingly", "edly", "eed", "ing", "ed"); suf {
	case "eed", "eedly":
		if len(b)-len(suf) >= r1 {
			b = append(b[:len(b)-len(suf)], 'e', 'e')
		}
	case "ed", "edly", "ing", "ingly":
		stemmed := b[:len(b)-len(suf)]
		if containsVowel(stemmed) {
			b = stemmed
			switch {
			case hasSuffix(b, "at") || hasSuffix(b, "bl") || hasSuffix(b, "iz"):
				b = append(b, 'e')
			case endsDouble(b):
				b = b[:len(b)-1]
			case isShortWord(b, r1):
				b = append(b, 'e')
			}
		}
	}

	// Step 1c.
	if n := len(b); n > 2 && (b[n-1] == 'y' || b[n-1] == 'Y') && !isVowel(b[n-2]) {
		b[n-1] = 'i'
	}

	// Step 2.
	if suf := longestSuffix(b, step2Suffixes...); suf != "" && len(b)-len(suf) >= r1 {
		base := b[:len(b)-len(suf)]
		switch suf {
		case "tional":
			b = append(base, "tion"...)
		case "enci":
			b = append(base, "ence"...)
		case "anci":
			b = append(base, "ance"...)
		case "abli":
			b = append(base, "able"...)
		case "entli":
			b = append(base, "ent"...)
		case "izer", "ization":
			b = append(base, "ize"...)
		case "ational", "ation", "ator":
			b = append(base, "ate"...)
		case "alism", "aliti", "alli":
			b = append(base, "al"...)
		case "fulness":
			b = append(base, "ful"...)
		case "ousli", "ousness":
			b = append(base, "ous"...)
		case "iveness", "iviti":
			b = append(base, "ive"...)
		case "biliti", "bli":
			b = append(base, "ble"...)
		case "ogi":
			if hasSuffix(base, "l") {
				b = append(base, "og"...)
			}
		case "fulli":
			b = append(base, "ful"...)
		case "lessli":
			b = append(base, "less"...)
		case "li":
			if n := len(base); n > 0 && strings.IndexByte("cdeghkmnrt", base[n-1]) >= 0 {
				b = base
			}
		}
	}

	// Step 3.
	if suf := longestSuffix(b, "ational", "tional", "alize", "icate", "iciti", "ative", "ical", "ness", "ful"); suf != "" && len(b)-len(suf) >= r1 {
		base := b[:len(b)-len(suf)]
		switch suf {
		case "tional":
			b = append(base, "tion"...)
		case "ational":
			b = append(base, "ate"...)
		case "alize":
			b = append(base, "al"...)
		case "icate", "iciti", "ical":
			b = append(base, "ic"...)
		case "ful", "ness":
			b = base
		case "ative":
			if len(base) >= r2 {
				b = base
			}
		}
	}

	// Step 4.
	if suf := longestSuffix(b, step4Suffixes...); suf != "" && len(b)-len(suf) >= r2 {
		base := b[:len(b)-len(suf)]
		if suf == "ion" {
			if n := len(base); n > 0 && (base[n-1] == 's' || base[n-1] == 't') {
				b = base
			}
		} else {
			b = base
		}
	}

	// Step 5.
	if n := len(b); n > 0 {
		switch b[n-1] {
		case 'e':
			if n-1 >= r2 || (n-1 >= r1 && !endsShortSyllable(b[:n-1])) {
				b = b[:n-1]
			}
		case 'l':
			if n-1 >= r2 && n > 1 && b[n-2] == 'l' {
				b = b[:n-1]
			}
		}
	}
	for i := range b {
		if b[i] == 'Y' {
			b[i] = 'y'
		}
	}
	return string(b)
}

var step2Suffixes = []string{"ization", "ational", "fulness", "ousness", "iveness", "tional", "biliti", "lessli",
	"entli", "ation", "alism", "aliti", "ousli", "iviti", "fulli", "enci", "anci", "abli", "izer", "ator", "alli", "bli", "ogi", "li"}

var step4Suffixes = []string{"ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous",
	"ive", "ize", "ion", "al", "er", "ic"}

var stemExceptions1 = map[string]string{
	"skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "idly": "idl",
	"gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli", "singly": "singl",
	"sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos", "bias": "bias", "andes": "andes",
}

var stemExceptions2 = map[string]bool{
	"inning": true, "outing": true, "canning": true, "herring": true, "earring": true,
	"proceed": true, "exceed": true, "succeed": true,
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

func containsVowel(b []byte) bool {
	for _, c := range b {
		if isVowel(c) {
			return true
		}
	}
	return false
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

// longestSuffix returns the longest of sufs that b ends with ("" for none).
func longestSuffix(b []byte, sufs ...string) string {
	best := ""
	for _, s := range sufs {
		if len(s) > len(best) && hasSuffix(b, s) {
			best = s
		}
	}
	return best
}

// regions returns the starts of R1 and R2 (len(b) when empty).
func regions(b []byte) (int, int) {
	r1 := len(b)
	prefixed := false
	for _, p := range []string{"gener", "commun", "arsen"} {
		if len(b) >= len(p) && string(b[:len(p)]) == p {
			r1, prefixed = len(p), true
			break
		}
	}
	if !prefixed {
		r1 = regionAfter(b, 0)
	}
	return r1, regionAfter(b, r1)
}

// regionAfter is the position after the first non-vowel following a vowel, from start.
func regionAfter(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		if !isVowel(b[i]) && isVowel(b[i-1]) {
			return i + 1
		}
	}
	return len(b)
}

func endsDouble(b []byte) bool {
	n := len(b)
	if n < 2 || b[n-1] != b[n-2] {
		return false
	}
	return strings.IndexByte("bdfgmnprt", b[n-1]) >= 0
}

// endsShortSyllable: a vowel followed by a non-vowel other than w, x or Y and
// preceded by a non-vowel; or a vowel at the start followed by a non-vowel.
func endsShortSyllable(b []byte) bool {
	n := len(b)
	if n == 2 {
		return isVowel(b[0]) && !isVowel(b[1])
	}
	if n < 3 {
		return false
	}
	c := b[n-1]
	return !isVowel(b[n-3]) && isVowel(b[n-2]) && !isVowel(c) && c != 'w' && c != 'x' && c != 'Y'
}

func isShortWord(b []byte, r1 int) bool {
	return r1 >= len(b) && endsShortSyllable(b)
}
