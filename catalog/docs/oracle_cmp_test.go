package docs

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
)

// TestSearchMatchesTheOracle holds Search to the search it replaced
// (oracle_test.go): for every query of the evaluation sets, the synthetic
// corpus's queries, and each as it reads while still being typed, the same
// hits (sections, snippets, scores) in the same order and the same total,
// on the first page, a later page, a deep page and scoped to each entity.
func TestSearchMatchesTheOracle(t *testing.T) {
	type corpus struct {
		name    string
		ix      *Index
		queries []string
	}
	var corpora []corpus

	synth, synthQs, _ := synthSite(1500, 3)
	ix, probs := Build(context.Background(), []Site{synth}, BuildOptions{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	corpora = append(corpora, corpus{"synthetic", ix, synthQs})

	var evalQs []string
	for _, q := range readJSONL[docsEvalQuery](t, "testdata/docs-eval/queries.jsonl") {
		evalQs = append(evalQs, q.Q)
	}
	corpora = append(corpora, corpus{"docs-eval", docsEvalIndex(t), evalQs})

	mk, err := LooseSite("../../testdata/techdocs/mkdocs")
	if err != nil {
		t.Fatal(err)
	}
	ix, probs = Build(context.Background(), []Site{mk}, BuildOptions{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	var mkQs []string
	for _, q := range readEval(t, "testdata/quality/mkdocs.tsv") {
		mkQs = append(mkQs, q.query)
	}
	corpora = append(corpora, corpus{"mkdocs", ix, mkQs})

	snap := catalog.Build(catalog.LoadPaths(context.Background(), []string{"../../examples/org"}))
	sites, probs := SitesFromSnapshot(snap)
	if len(sites) == 0 || len(probs) > 0 {
		t.Fatalf("sites of examples/org: %d, problems %v", len(sites), probs)
	}
	ix, probs = Build(context.Background(), sites, BuildOptions{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	var exQs []string
	for _, q := range readEval(t, "testdata/quality/examples.tsv") {
		exQs = append(exQs, q.query)
	}
	corpora = append(corpora, corpus{"examples", ix, exQs})

	compared, nonEmpty := 0, 0
	for _, c := range corpora {
		var entities []*catalog.Ref
		for i := range c.ix.sites {
			if e := c.ix.sites[i].entity; !e.IsZero() {
				entities = append(entities, &e)
			}
		}
		for qi, q := range c.queries {
			// The query as typed so far: after each word, and mid-word.
			variants := []string{q, strings.TrimSpace(q)}
			if words := strings.Fields(q); len(words) > 1 {
				variants = append(variants, strings.Join(words[:len(words)-1], " ")+" "+words[len(words)-1][:max(1, len(words[len(words)-1])/2)])
			}
			for _, v := range variants {
				opts := []SearchOptions{{Limit: 10}, {Limit: 5, Offset: 5}}
				if qi%7 == 0 {
					opts = append(opts, SearchOptions{Limit: 400}, SearchOptions{Limit: 3, Offset: 195}, SearchOptions{Limit: 20, Offset: 1100})
				}
				if len(entities) > 0 {
					opts = append(opts, SearchOptions{Limit: 10, Entity: entities[qi%len(entities)]})
				}
				for _, o := range opts {
					got, gotN := c.ix.Search(v, o)
					want, wantN := c.ix.oldSearch(v, o)
					compared++
					if len(want) > 0 {
						nonEmpty++
					}
					if gotN != wantN || !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: %q %s: got %d matches\n%s\nwant %d\n%s", c.name, v, optsText(o), gotN, hitsText(got), wantN, hitsText(want))
					}
				}
			}
		}
	}
	t.Logf("%d searches compared, %d with hits", compared, nonEmpty)
	if nonEmpty < 1000 {
		t.Fatalf("only %d searches with hits compared: the comparison says little", nonEmpty)
	}
}

func optsText(o SearchOptions) string {
	s := fmt.Sprintf("limit %d offset %d", o.Limit, o.Offset)
	if o.Entity != nil {
		s += " entity " + o.Entity.String()
	}
	return s
}

func hitsText(hs []Hit) string {
	var b strings.Builder
	for i, h := range hs[:min(len(hs), 12)] {
		fmt.Fprintf(&b, "  %d. %s#%s %.3f %q\n", i+1, h.Page, h.Anchor, h.Score, h.Snippet)
	}
	return b.String()
}
