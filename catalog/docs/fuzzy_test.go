package docs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"testing/fstest"
)

// editDistance is the optimal-string-alignment distance between a and b
// (bytes), or k+1 once it is known to exceed k.
func editDistance(a, b string, k int) int {
	if a == b {
		return 0
	}
	la, lb := len(a), len(b)
	prev2 := make([]int, lb+1)
	prev := make([]int, lb+1)
	cur := make([]int, lb+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > k {
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}

// bruteFuzzy is what fuzzyTerms must return, found by looking at every term.
func bruteFuzzy(ix *Index, st string, df int) map[uint32]float64 {
	k := 1
	if len([]rune(st)) >= 8 {
		k = 2
	}
	out := map[uint32]float64{}
	for id, t := range ix.vocab {
		if d := len(t) - len(st); d > k || d < -k || len(ix.postings[id]) <= df || t == st {
			continue
		}
		if t[0] != st[0] && !(len(t) > 1 && len(st) > 1 && t[0] == st[1] && t[1] == st[0]) {
			continue
		}
		if d := editDistance(st, t, k); d <= k {
			out[uint32(id)] = map[int]float64{1: fuzzyWeight1, 2: fuzzyWeight2}[d]
		}
	}
	return out
}

// TestFuzzyWalkFindsWhatAFullScanFinds holds the prefix-skipping walk to
// the scan over the whole vocabulary it replaced, on a vocabulary with many
// shared prefixes and on typos of every kind.
func TestFuzzyWalkFindsWhatAFullScanFinds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fsys := fstest.MapFS{"mkdocs.yml": {Data: []byte("site_name: Fuzzy\n")}}
	var words []string
	for range 3000 {
		n := 2 + r.IntN(11)
		b := make([]byte, n)
		for j := range b {
			b[j] = "abcdeor"[r.IntN(7)]
		}
		words = append(words, string(b))
	}
	for p := range 30 {
		var text []byte
		for range 400 {
			text = append(text, words[r.IntN(len(words))]...)
			text = append(text, ' ')
		}
		fsys[fmt.Sprintf("docs/p%d.md", p)] = &fstest.MapFile{Data: text}
	}
	ix, probs := Build(context.Background(), []Site{{Name: "Fuzzy", FS: fsys, Dir: "."}}, BuildOptions{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	typo := func(w string) string {
		b := []byte(w)
		switch i := r.IntN(len(b)); r.IntN(5) {
		case 0:
			b[i] = "abcdeor"[r.IntN(7)]
		case 1:
			b = slices.Delete(b, i, i+1)
		case 2:
			b = slices.Insert(b, i, "abcdeor"[r.IntN(7)])
		case 3:
			if i+1 < len(b) {
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
		return string(b)
	}
	checked := 0
	for range 3000 {
		q := ix.vocab[r.IntN(len(ix.vocab))]
		for range r.IntN(3) {
			q = typo(q)
		}
		if len(q) < 2 {
			continue
		}
		df := r.IntN(3)
		want := bruteFuzzy(ix, q, df)
		got := map[uint32]float64{}
		for _, e := range ix.fuzzyTerms(q, df) {
			if _, dup := got[e.term]; dup {
				t.Fatalf("%q: %q twice", q, ix.vocab[e.term])
			}
			got[e.term] = e.weight
		}
		if len(want) > maxExpansions {
			// Truncated to the closest and most common: all must be right.
			for id, w := range got {
				if want[id] != w {
					t.Fatalf("%q: %q (weight %v) is not within reach (want weight %v)", q, ix.vocab[id], w, want[id])
				}
			}
			continue
		}
		if len(got) != len(want) {
			t.Fatalf("%q (df %d): walk found %d terms, full scan %d: %v vs %v", q, df, len(got), len(want), names(ix, got), names(ix, want))
		}
		for id, w := range want {
			if got[id] != w {
				t.Fatalf("%q: %q weight %v, want %v", q, ix.vocab[id], got[id], w)
			}
		}
		checked += len(want)
	}
	if checked < 500 {
		t.Fatalf("only %d corrections compared: the test vocabulary is too sparse to mean anything", checked)
	}
}

func names(ix *Index, m map[uint32]float64) []string {
	var out []string
	for id := range m {
		out = append(out, ix.vocab[id])
	}
	sort.Strings(out)
	return out
}

func TestSelectBestKeepsTheTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	better := func(a, b cand) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.sec < b.sec
	}
	for range 2000 {
		n := r.IntN(300)
		c := make([]cand, n)
		for i := range c {
			c[i] = cand{sec: uint32(i), score: float64(r.IntN(20))} // many ties in score
		}
		k := r.IntN(n + 2)
		want := slices.Clone(c)
		sort.Slice(want, func(i, j int) bool { return better(want[i], want[j]) })
		selectBest(c, k, better)
		kk := min(k, n)
		got := slices.Clone(c[:kk])
		sort.Slice(got, func(i, j int) bool { return better(got[i], got[j]) })
		if !slices.Equal(got, want[:kk]) {
			t.Fatalf("n=%d k=%d: top %v, want %v", n, k, got, want[:kk])
		}
	}
}

// BenchmarkFuzzyTerms5000Pages compares the corrections' walk with the
// full vocabulary scan it replaced, on the 5,000-page corpus's terms with a
// typo (a swap, a change, a drop) in each.
func BenchmarkFuzzyTerms5000Pages(b *testing.B) {
	site, _, _ := synthSite(5000, 1)
	ix, _ := Build(context.Background(), []Site{site}, BuildOptions{})
	r := rand.New(rand.NewPCG(8, 9))
	var words []string
	for len(words) < 300 {
		w := []byte(ix.vocab[r.IntN(len(ix.vocab))])
		if len(w) < 5 {
			continue
		}
		switch i := 1 + r.IntN(len(w)-2); len(words) % 3 {
		case 0:
			w[i], w[i+1] = w[i+1], w[i]
		case 1:
			w[i] = 'x'
		case 2:
			w = append(w[:i], w[i+1:]...)
		}
		words = append(words, string(w))
	}
	b.Logf("%d terms", len(ix.vocab))
	b.Run("walk", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ix.fuzzyTerms(words[i%len(words)], 0)
			i++
		}
	})
	b.Run("scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			bruteFuzzy(ix, words[i%len(words)], 0)
			i++
		}
	})
}
