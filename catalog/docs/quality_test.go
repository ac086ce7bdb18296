package docs

import (
	"bufio"
	"context"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
)

// evalQuery is a known-item query and the sections that answer it.
type evalQuery struct {
	query   string
	answers []string // page#anchor
}

func readEval(t testing.TB, file string) []evalQuery {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []evalQuery
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		q, answers, ok := strings.Cut(text, "\t")
		if !ok || strings.TrimSpace(answers) == "" {
			t.Fatalf("%s:%d: want query<TAB>page#anchor...", file, line)
		}
		out = append(out, evalQuery{query: q, answers: strings.Fields(answers)})
	}
	return out
}

// reciprocalRank is 1/rank of the first acceptable answer within the first 10, else 0.
func reciprocalRank(ranked []string, answers []string) float64 {
	for i, r := range ranked {
		if i >= 10 {
			break
		}
		for _, a := range answers {
			if r == a {
				return 1 / float64(i+1)
			}
		}
	}
	return 0
}

// evalKey names a section in the evaluation files: page#anchor, prefixed
// with the entity's name and ':' for an entity's site.
func evalKey(e catalog.Ref, page, anchor string) string {
	if e.IsZero() {
		return page + "#" + anchor
	}
	return e.Name + ":" + page + "#" + anchor
}

func (ix *Index) rankedKeys(q string) []string {
	hits, _ := ix.Search(q, SearchOptions{Limit: 10})
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = evalKey(h.Entity, h.Page, h.Anchor)
	}
	return out
}

// lunr is the baseline: what MkDocs' and Backstage's Lunr search does with
// the same sections — BM25 per field over the section title (boost 10) and
// its text, query words OR-ed, the same stemmer and stop words, no
// proximity, prefixes or typo tolerance.
type lunr struct {
	keys   []string
	fields [2][]map[string]int
	lens   [2][]int
	avg    [2]float64
	df     map[string]int
}

func newLunr(ix *Index) *lunr {
	l := &lunr{df: map[string]int{}}
	for _, x := range ix.secs {
		pg := ix.pages[x.page]
		title := x.heading
		if i := strings.LastIndex(title, " > "); i >= 0 {
			title = title[i+3:]
		}
		if x.anchor == "" {
			title = pg.title
		}
		l.keys = append(l.keys, evalKey(ix.sites[pg.site].entity, pg.path, x.anchor))
		seen := map[string]bool{}
		for f, text := range []string{title, x.body + " " + x.code} {
			tf := map[string]int{}
			n := 0
			tokenize(text, func(t token) {
				if s := normWord(t.word); s != "" {
					tf[s]++
					n++
					if !seen[s] {
						seen[s] = true
						l.df[s]++
					}
				}
			})
			l.fields[f] = append(l.fields[f], tf)
			l.lens[f] = append(l.lens[f], n)
			l.avg[f] += float64(n)
		}
	}
	for f := range l.avg {
		l.avg[f] = max(l.avg[f]/float64(len(l.keys)), 1)
	}
	return l
}

func (l *lunr) rankedKeys(q string) []string {
	var terms []string
	tokenize(q, func(t token) {
		if s := normWord(t.word); s != "" {
			terms = append(terms, s)
		}
	})
	n := float64(len(l.keys))
	type scored struct {
		i int
		s float64
	}
	var res []scored
	for i := range l.keys {
		s := 0.0
		for _, t := range terms {
			idf := math.Log(1 + math.Abs((n-float64(l.df[t])+0.5)/(float64(l.df[t])+0.5)))
			for f, boost := range []float64{10, 1} {
				tf := float64(l.fields[f][i][t])
				if tf == 0 {
					continue
				}
				norm := 1.2 * (1 - 0.75 + 0.75*float64(l.lens[f][i])/l.avg[f])
				s += boost * idf * tf * 2.2 / (tf + norm)
			}
		}
		if s > 0 {
			res = append(res, scored{i, s})
		}
	}
	sort.SliceStable(res, func(a, b int) bool { return res[a].s > res[b].s })
	var out []string
	for _, r := range res[:min(len(res), 10)] {
		out = append(out, l.keys[r.i])
	}
	return out
}

func mrr(t *testing.T, name string, qs []evalQuery, rank func(string) []string) float64 {
	sum := 0.0
	for _, q := range qs {
		rr := reciprocalRank(rank(q.query), q.answers)
		if rr < 1 && testing.Verbose() {
			t.Logf("%s: %q: rr=%.2f, want %v, got %v", name, q.query, rr, q.answers, rank(q.query)[:min(3, len(rank(q.query)))])
		}
		sum += rr
	}
	return sum / float64(len(qs))
}

func TestRankingBeatsLunrOnKnownItemQueries(t *testing.T) {
	cases := []struct {
		name    string
		site    string // a loose site
		catalog string // or the sites of a catalog's entities
		eval    string
		floor   float64
	}{
		{name: "mkdocs", site: "../../testdata/techdocs/mkdocs", eval: "testdata/quality/mkdocs.tsv", floor: 0.80},
		{name: "examples", catalog: "../../examples/org", eval: "testdata/quality/examples.tsv", floor: 0.80},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sites []Site
			if c.site != "" {
				site, err := LooseSite(c.site)
				if err != nil {
					t.Fatal(err)
				}
				sites = append(sites, site)
			} else {
				snap := catalog.Build(catalog.LoadPaths(context.Background(), []string{c.catalog}))
				var probs []catalog.Problem
				sites, probs = SitesFromSnapshot(snap)
				if len(sites) == 0 || len(probs) > 0 {
					t.Fatalf("sites of %s: %d, problems %v", c.catalog, len(sites), probs)
				}
			}
			ix, probs := Build(context.Background(), sites, BuildOptions{})
			if len(probs) > 0 {
				t.Fatalf("problems building: %v", probs)
			}
			qs := readEval(t, c.eval)
			ours := mrr(t, "ours", qs, ix.rankedKeys)
			base := mrr(t, "lunr", qs, newLunr(ix).rankedKeys)
			t.Logf("%d queries: MRR@10 ours %.3f, Lunr-like baseline %.3f", len(qs), ours, base)
			if ours < c.floor {
				t.Errorf("MRR %.3f fell below the floor %.2f", ours, c.floor)
			}
			if ours <= base {
				t.Errorf("MRR %.3f is not above the Lunr-like baseline's %.3f", ours, base)
			}
		})
	}
}
