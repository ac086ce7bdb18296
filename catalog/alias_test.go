package catalog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// bombDocument is a Component whose spec holds an alias bomb just under
// MaxValues (about 90,000 values once expanded): each document alone is
// within the per-document limit.
func bombDocument(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c%d}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n", i)
	b.WriteString("  a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	b.WriteString("  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
	b.WriteString("  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n")
	b.WriteString("  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n")
	b.WriteString("  e: [*d, *d, *d, *d, *d, *d, *d]\n")
	return b.String()
}

func bombFile(docs int) []byte {
	parts := make([]string, docs)
	for i := range parts {
		parts[i] = bombDocument(i)
	}
	return []byte(strings.Join(parts, "---\n"))
}

func loadBomb(docs int) *Result {
	fsys := fstest.MapFS{"bomb.yaml": {Data: bombFile(docs)}}
	return LoadFS(context.Background(), fsys, []string{"bomb.yaml"}, LoadOptions{})
}

// A file of many alias-heavy documents, each under the per-document limit,
// is bounded as a whole: the work (counted as allocations, not time) of a
// file of 200 such documents is close to that of 20, where without a
// per-file budget it grows tenfold; the documents over the budget are
// refused with an error naming the file.
func TestAliasBudgetBoundsTheWholeFile(t *testing.T) {
	res := loadBomb(1)
	if len(res.Entities) != 1 {
		t.Fatalf("one bomb document alone is within limits, and loads: %v", res.Problems)
	}
	res = loadBomb(50)
	found := false
	for _, p := range res.Problems {
		if p.Pos.File == "bomb.yaml" && strings.Contains(p.Message, "aliases in this file expand to more than 200000 values in all") {
			found = true
		}
	}
	if !found || len(res.Entities) > 200_000/77_777+1 {
		t.Errorf("50 bomb documents: %d entities loaded, problem naming the file found: %v", len(res.Entities), found)
	}
	small := testing.AllocsPerRun(2, func() { loadBomb(20) })
	large := testing.AllocsPerRun(2, func() { loadBomb(200) })
	t.Logf("allocations: 20 documents %.0f, 200 documents %.0f", small, large)
	if large > 2*small {
		t.Errorf("allocations grew from %.0f to %.0f for ten times the documents: the file's alias work is not bounded", small, large)
	}
}

func BenchmarkLoadAliasBombFile(b *testing.B) {
	for _, docs := range []int{20, 200} {
		b.Run(fmt.Sprintf("docs=%d", docs), func(b *testing.B) {
			data := bombFile(docs)
			fsys := fstest.MapFS{"bomb.yaml": {Data: data}}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				LoadFS(context.Background(), fsys, []string{"bomb.yaml"}, LoadOptions{})
			}
		})
	}
}
