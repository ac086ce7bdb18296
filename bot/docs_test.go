package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

// TestDocsPaging walks the pages of a docs answer: each page asks for its
// offset, offers next and previous, the last is partial, and a page past
// the end says so and offers the last one.
func TestDocsPaging(t *testing.T) {
	s := loadSnapshot(t, "testdata", "org.yaml")
	d := &docsFake{n: 12}
	r := newRouter(t, s, d)
	u := bot.User{Platform: bot.PlatformConsole, ID: "tester"}
	labels := func(resp *bot.Response) string {
		var out []string
		for _, a := range resp.Actions {
			out = append(out, a.Label)
		}
		return strings.Join(out, ", ")
	}
	first := askAs(t, r, "docs rollback", u, 0)
	if len(first.Docs) != 5 || first.Docs[0].Page != "p0.md" || first.Page == nil || *first.Page != (bot.Page{Index: 0, Total: 3, Items: 12}) {
		t.Fatalf("first page: %s %+v", flat(first), first.Page)
	}
	if labels(first) != "next page (2/3)" || first.Actions[0].Page != 1 || first.Actions[0].Command != "docs rollback" {
		t.Fatalf("first page actions: %+v", first.Actions)
	}
	mid := askAs(t, r, "docs rollback", u, 1)
	if len(mid.Docs) != 5 || mid.Docs[0].Page != "p5.md" || labels(mid) != "next page (3/3), previous page" {
		t.Fatalf("middle page: %s %s", flat(mid), labels(mid))
	}
	last := askAs(t, r, "docs rollback", u, 2)
	if len(last.Docs) != 2 || last.Docs[1].Page != "p11.md" || labels(last) != "previous page" || last.Actions[0].Page != 1 {
		t.Fatalf("last page: %s %s", flat(last), labels(last))
	}
	past := askAs(t, r, "docs rollback", u, 7)
	if past.Status != bot.StatusNotFound || len(past.Docs) != 0 || !strings.Contains(past.Title, "Page 8 is past the end") ||
		!strings.Contains(past.Title, "12 documentation matches") || labels(past) != "last page (3/3)" || past.Actions[0].Page != 2 {
		t.Fatalf("past the end: %s %s", flat(past), labels(past))
	}
	// One page of hits: no paging at all.
	one := ask(t, newRouter(t, s, &docsFake{n: 3}), "docs rollback")
	if len(one.Docs) != 3 || one.Page != nil || len(one.Actions) != 0 {
		t.Fatalf("single page: %s %+v", flat(one), one.Page)
	}
}

// scopedDocsFake finds n hits in every search but those scoped to an
// entity, which find nothing: a question whose first word names an entity
// that has no such docs.
type scopedDocsFake struct {
	docsFake
	calls []string
}

func (d *scopedDocsFake) SearchDocs(ctx context.Context, q string, entity *catalog.Ref, limit, offset int) ([]bot.DocHit, int, error) {
	call := q
	if entity != nil {
		call += " @" + entity.String()
		d.calls = append(d.calls, call)
		return nil, 0, nil
	}
	d.calls = append(d.calls, call)
	return d.docsFake.SearchDocs(ctx, q, entity, limit, offset)
}

// TestDocsLeadingEntityIsAScopeOnlyWhenItHelps: "docs X Q" searches X's docs
// for Q only when X is an entity with docs, Q still holds a word to search
// for, and X's docs hold a match; otherwise every word is searched in all
// docs ("docs ledger is slow" is a question about the ledger, not "is slow"
// in its docs).
func TestDocsLeadingEntityIsAScopeOnlyWhenItHelps(t *testing.T) {
	s := loadSnapshot(t, "testdata", "org.yaml")
	cases := []struct {
		text  string
		calls []string
	}{
		// payments-api has docs, "is slow" holds "slow", but its docs do not.
		{"docs payments-api is slow", []string{"is slow @component:default/payments-api", "payments-api is slow"}},
		// Nothing left to search but function words.
		{"docs payments-api is it", []string{"payments-api is it"}},
		// ledger has no docs in this catalog.
		{"docs ledger is slow", []string{"ledger is slow"}},
		// An explicit "in X" keeps its scope even when it finds nothing.
		{"docs slow in payments-api", []string{"slow @component:default/payments-api"}},
	}
	for _, c := range cases {
		d := &scopedDocsFake{docsFake: docsFake{n: 3}}
		ask(t, newRouter(t, s, d), c.text)
		if strings.Join(d.calls, " | ") != strings.Join(c.calls, " | ") {
			t.Errorf("%q: searches %q, want %q", c.text, d.calls, c.calls)
		}
	}
}
