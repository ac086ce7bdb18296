package docs

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/catalog"
)

// TestAnchorsFollowPythonMarkdown reads a page of the heading forms MkDocs
// sites use and wants the ids Python-Markdown's toc and attr_list give them
// (markdown 3.4.1, the version Debian ships, run over testdata/anchors/page.md
// by hand): attr_list ids in every form, dots kept, the last id winning;
// HTML comments dropped from the text; ids written on the page reserved
// before any is made from a heading's text ("Later" is later_1, since a
// heading below is given "later"); written ids not renumbered.
func TestAnchorsFollowPythonMarkdown(t *testing.T) {
	src, err := os.ReadFile("testdata/anchors/page.md")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2.0.1", "api.v2", "retention", "retention_1", "plain", "v2.3.0", "single.quoted", "second",
		"closing", "dup", "dup", "later_1", "later", "code-xy-and-bold-stuff", "emph-a-b-c-link", "fixes", "fixes_1",
		"fixes_2", "class-only"}
	pg := parseMarkdown(string(src))
	var got []string
	for _, s := range pg.sections[1:] {
		got = append(got, s.anchor)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("anchors\n got %v\nwant %v", got, want)
	}
	if pg.h1 != "Release notes" {
		t.Errorf("title %q", pg.h1)
	}
	headings := map[string]string{}
	for _, s := range pg.sections {
		headings[s.anchor] = s.heading
		for _, bad := range []string{"<!--", "hidden", "{", "}", "#", "///", "docs_src", "hl[2]"} {
			if strings.Contains(s.heading, bad) || strings.Contains(s.body, bad) {
				t.Errorf("section %q (%q): %q left in %q / %q", s.anchor, s.heading, bad, s.heading, s.body)
			}
		}
	}
	for id, h := range map[string]string{"retention": "Retention", "closing": "Closing", "api.v2": "API", "second": "Last wins"} {
		if headings[id] != h {
			t.Errorf("heading of %q = %q, want %q", id, headings[id], h)
		}
	}
	// A block's title is text; its marker is not.
	last := pg.sections[len(pg.sections)-2]
	if !strings.Contains(last.body, "Tip title") || !strings.Contains(last.body, "text in a tip") {
		t.Errorf("section %q body %q: want the tip's title and text", last.anchor, last.body)
	}
}

// TestLargePageIsIndexedInPartWithAWarning cuts a page past the bound at a
// line break, says which page and how much was indexed, and still finds
// what comes before the cut.
func TestLargePageIsIndexedInPartWithAWarning(t *testing.T) {
	defer func(n int) { maxPageBytes = n }(maxPageBytes)
	maxPageBytes = 64 << 10
	var b strings.Builder
	b.WriteString("# Big\n\nfirstword here\n\n")
	for b.Len() < 100<<10 {
		b.WriteString("## Filler\n\nfiller text that repeats\n\n")
	}
	b.WriteString("## End\n\nlastword here\n")
	fsys := fstest.MapFS{"mkdocs.yml": {Data: []byte("site_name: Big\n")}, "docs/big.md": {Data: []byte(b.String())},
		"docs/small.md": {Data: []byte("# Small\n\nlastword too\n")}}
	ix, probs := Build(context.Background(), []Site{{Name: "Big", FS: fsys, Dir: ".", Source: "sites/big"}}, BuildOptions{})
	if len(probs) != 1 {
		t.Fatalf("problems %v, want one warning", probs)
	}
	p := probs[0]
	if p.Severity != catalog.Warning || p.Pos.File != "sites/big/docs/big.md" || !strings.Contains(p.Message, "only its first 63 KB") {
		t.Errorf("problem %+v: want a warning naming sites/big/docs/big.md and what was indexed", p)
	}
	if hits, _ := ix.Search("firstword", SearchOptions{}); len(hits) != 1 || hits[0].Page != "big.md" {
		t.Errorf("firstword: %+v", hits)
	}
	if hits, _ := ix.Search("lastword", SearchOptions{}); len(hits) != 1 || hits[0].Page != "small.md" {
		t.Errorf("lastword: %+v, want only small.md (big.md's end is past the cut)", hits)
	}
}
