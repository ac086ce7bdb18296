package docs

import (
	"context"
	"slices"
	"testing"
)

// TestSnippetSpansFromTheStreamMatchStemming holds the snippet's shortcut
// (reading a body's term ids from the index instead of stemming its words
// again) to the slow way, on real pages and on generated ones.
func TestSnippetSpansFromTheStreamMatchStemming(t *testing.T) {
	real, err := LooseSite("../../testdata/techdocs/mkdocs")
	if err != nil {
		t.Fatal(err)
	}
	synth, _, _ := synthSite(100, 9)
	for _, site := range []Site{real, synth} {
		ix, probs := Build(context.Background(), []Site{site}, BuildOptions{})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		compared := 0
		for si := range ix.secs {
			x := &ix.secs[si]
			tokenize(x.body, func(tk token) {
				if indexedWord(tk.word) != (normWord(tk.word) != "") {
					t.Fatalf("%s: indexedWord(%q) = %v, but normWord gives %q", site.Name, tk.word, indexedWord(tk.word), normWord(tk.word))
				}
			})
			body := x.bodyStream()
			if len(body) < 3 {
				continue
			}
			// Query words: three terms of the body, the last twice over.
			q := ix.vocab[body[0]] + " " + ix.vocab[body[len(body)/2]] + " " + ix.vocab[body[len(body)-1]]
			words := ix.parseQuery(q + " ")
			sc := newScratch(len(ix.secs), len(ix.vocab))
			for wi := len(words) - 1; wi >= 0; wi-- {
				for _, e := range words[wi].exps {
					sc.word[e.term] = uint16(wi + 1)
				}
			}
			fast := ix.matchSpans(sc, x.body, body)
			slow := ix.matchSpans(sc, x.body, nil)
			if !slices.Equal(fast, slow) {
				t.Fatalf("%s section %d (%q): spans from the stream %v, from stemming %v", site.Name, si, q, fast, slow)
			}
			if len(words) > 0 && len(slow) == 0 {
				t.Fatalf("%s section %d: %q found nothing in its own body", site.Name, si, q)
			}
			compared++
		}
		if compared < 50 {
			t.Fatalf("%s: only %d sections compared", site.Name, compared)
		}
	}
}
