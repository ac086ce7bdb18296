package docs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// markdownSeeds are pages of the test corpus and the constructs the
// stripper handles, so fuzzing starts from real Markdown.
func markdownSeeds(f *testing.F) {
	f.Add("---\ntitle: Front matter\n---\n# H1 {#id}\n\ntext **bold** [link](x.md#a) `code`\n")
	f.Add("!!! warning \"Careful\"\n    indented *admonition* body\n\n??? note\n    collapsed\n")
	f.Add("| a | b |\n|---|:-:|\n| c | d |\n\n```yaml\nkey: value\n```\n~~~\nunclosed fence")
	f.Add("Setext\n======\n\nTwo\n---\n\n<div markdown>html <b>tags</b></div>\n<!-- comment -->\n")
	f.Add("- [ ] task\n1. one\n   > quote\n\n[ref]: http://x \"t\"\n[^1]: foot\n*[HTML]: Hyper\n\nTerm\n:   definition\n")
	f.Add("# \n## ##\n###### six ######\n####### seven\n#notaheading\n\\# escaped\n")
	f.Add("## a { #x.y }\n## b { id=\"x.y\" }\n## x.y\n## <!-- c --> d\n/// tip | T\nin\n///\n{* ../x.py *}\n[[[[a](](](")
	f.Add("![img](a.png) [![nested](b.png)](c) <https://auto.link> _under_score_ __strong__ ***both***")
	f.Add("\ufeff\r\n# CRLF\r\nline\rCR only\x00nul \xff\xfe invalid")
	matches, _ := filepath.Glob("../../testdata/techdocs/mkdocs/docs/*/*.md")
	for _, m := range matches[:min(len(matches), 8)] {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(string(b))
		}
	}
}

// FuzzMarkdown holds the stripper to what indexing relies on: no panic,
// valid UTF-8 out, unique anchors, no Markdown markers left in headings,
// and every section's own words finding it.
func FuzzMarkdown(f *testing.F) {
	markdownSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			return
		}
		if !utf8.ValidString(src) {
			src = strings.ToValidUTF8(src, "\uFFFD") // as Build does
		}
		pg := parseMarkdown(src)
		// Anchors made from heading text are unique, and never one written
		// on the page (Python-Markdown keeps written ids as they are, twice
		// if written twice).
		seen := map[string]bool{}
		for _, s := range pg.sections {
			if s.explicit {
				seen[s.anchor] = true
			}
		}
		for i, s := range pg.sections {
			for _, text := range []string{s.heading, s.anchor, s.body, s.code} {
				if !utf8.ValidString(text) {
					t.Fatalf("section %d: invalid UTF-8 %q", i, text)
				}
			}
			if s.level < 0 || s.level > 6 || (i > 0 && s.level == 0) {
				t.Fatalf("section %d: level %d", i, s.level)
			}
			if s.level > 0 && !s.explicit {
				if s.anchor == "" || seen[s.anchor] {
					t.Fatalf("section %d (%q): anchor %q empty or taken (%v)", i, s.heading, s.anchor, seen)
				}
				seen[s.anchor] = true
			}
			if strings.Contains(s.heading, "\n") {
				t.Fatalf("section %d: heading %q spans lines", i, s.heading)
			}
		}
		// Build the page and search each section's first indexed words.
		ix, probs := Build(context.Background(), []Site{{Name: "F", FS: fstest.MapFS{
			"mkdocs.yml": {Data: []byte("site_name: F\n")}, "docs/p.md": {Data: []byte(src)}}, Dir: "."}}, BuildOptions{})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		for si, x := range ix.secs {
			// The first word of the body that is indexed, as written (a
			// stem is not always its own stem).
			q := ""
			tokenize(x.body, func(tk token) {
				if q == "" && indexedWord(tk.word) {
					q = tk.word
				}
			})
			if q == "" {
				continue
			}
			hits, total := ix.Search(q+" ", SearchOptions{Limit: 1000})
			if total == 0 {
				t.Fatalf("section %d: its word %q finds nothing", si, q)
			}
			found := false
			for _, h := range hits {
				found = found || h.Anchor == x.anchor
			}
			if !found {
				t.Fatalf("section %d (%q): its word %q does not find it", si, x.anchor, q)
			}
		}
	})
}

var fuzzIndex = sync.OnceValue(func() *Index {
	site, err := LooseSite("../../testdata/techdocs/mkdocs")
	if err != nil {
		panic(err)
	}
	ix, _ := Build(context.Background(), []Site{site}, BuildOptions{})
	return ix
})

// FuzzSearch holds the query parser and the search to their contract on
// any input: no panic, no more hits than the limit nor than the total,
// scores falling, snippets valid UTF-8 with balanced highlighting.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"how do I change the theme", "extra_javas", "themse", "plugn evnts", "mkdocs.yml nav",
		"", " ", "the a of", "\"quoted phrase\"", "on_page_markdown", "日本語 テスト", "ÉTÉ", "a", "ab", "x*y**z", "don't stop",
		"\xff\xfe", strings.Repeat("theme ", 50), "dev_addr 127.0.0.1:8000", "#anchor", "**bold**"} {
		f.Add(q, uint8(10), uint8(0))
	}
	f.Fuzz(func(t *testing.T, q string, limit, offset uint8) {
		ix := fuzzIndex()
		hits, total := ix.Search(q, SearchOptions{Limit: int(limit), Offset: int(offset)})
		want := int(limit)
		if want == 0 {
			want = 10
		}
		if len(hits) > want || len(hits) > total || (int(offset) < total && len(hits) != min(want, total-int(offset))) {
			t.Fatalf("%q limit %d offset %d: %d hits of %d", q, limit, offset, len(hits), total)
		}
		for i, h := range hits {
			if i > 0 && h.Score > hits[i-1].Score {
				t.Fatalf("%q: hit %d scores %v above %v", q, i, h.Score, hits[i-1].Score)
			}
			if !utf8.ValidString(h.Snippet) || strings.Count(h.Snippet, "**")%2 != 0 {
				t.Fatalf("%q: snippet %q", q, h.Snippet)
			}
			if h.URL == "" || h.Page == "" {
				t.Fatalf("%q: hit without a page or link: %+v", q, h)
			}
		}
	})
}
