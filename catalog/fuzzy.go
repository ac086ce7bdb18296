package catalog

import (
	"sort"
	"strings"
)

// fuzzyIndex finds candidate entities for a fuzzy query without scanning:
// a trigram index over names and titles (for typos and substrings) and a
// sorted list of terms (for short prefixes).
type fuzzyIndex struct {
	grams map[uint32][]int32 // trigram -> entity indexes (ascending, unique)
	terms []term             // sorted by text
}

type term struct {
	text string
	id   int32
}

const (
	// maxPostings bounds the posting entries read per query.
	maxPostings = 60_000
	// maxCandidates bounds the candidates scored per query.
	maxCandidates = 300
)

func gram(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }

// gramsOf returns the trigrams of a lower-case term, with word boundaries
// marked so that the start and end of a name count.
func gramsOf(t string, dst []uint32) []uint32 {
	padded := "\x00" + t + "\x00"
	for i := 0; i+3 <= len(padded); i++ {
		dst = append(dst, gram(padded[i], padded[i+1], padded[i+2]))
	}
	return dst
}

func newFuzzyIndex(entities []*Entity) fuzzyIndex {
	ix := fuzzyIndex{grams: make(map[uint32][]int32, 1<<14), terms: make([]term, 0, len(entities)*2)}
	var buf []uint32
	for i, e := range entities {
		id := int32(i)
		name := strings.ToLower(e.Metadata.Name)
		title := strings.ToLower(e.Metadata.Title)
		buf = gramsOf(name, buf[:0])
		ix.terms = append(ix.terms, term{name, id})
		if title != "" && title != name {
			buf = gramsOf(title, buf)
			ix.terms = append(ix.terms, term{title, id})
		}
		for _, g := range buf {
			p := ix.grams[g]
			if n := len(p); n > 0 && p[n-1] == id {
				continue
			}
			ix.grams[g] = append(p, id)
		}
	}
	sort.Slice(ix.terms, func(i, j int) bool { return ix.terms[i].text < ix.terms[j].text })
	return ix
}

// candidates returns entity indexes worth scoring for q, most promising first.
func (ix *fuzzyIndex) candidates(q string) []int32 {
	var out []int32
	seen := map[int32]bool{}
	// Prefix matches of the whole query.
	i := sort.Search(len(ix.terms), func(i int) bool { return ix.terms[i].text >= q })
	for ; i < len(ix.terms) && strings.HasPrefix(ix.terms[i].text, q) && len(out) < maxCandidates/3; i++ {
		if id := ix.terms[i].id; !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(q) < 2 {
		return out
	}
	qg := gramsOf(q, nil)
	type list struct{ ids []int32 }
	lists := make([]list, 0, len(qg))
	dup := map[uint32]bool{}
	for _, g := range qg {
		if dup[g] {
			continue
		}
		dup[g] = true
		if p := ix.grams[g]; len(p) > 0 {
			lists = append(lists, list{p})
		}
	}
	if len(lists) == 0 {
		return out
	}
	sort.Slice(lists, func(i, j int) bool { return len(lists[i].ids) < len(lists[j].ids) })
	counts := map[int32]int{}
	read := 0
	for k, l := range lists {
		if k >= 2 && read+len(l.ids) > maxPostings {
			break
		}
		read += len(l.ids)
		for _, id := range l.ids {
			counts[id]++
		}
	}
	type cand struct {
		id    int32
		count int
	}
	cs := make([]cand, 0, len(counts))
	need := 1
	if len(qg) >= 6 {
		need = 2 // long queries: a candidate must share at least two trigrams
	}
	for id, c := range counts {
		if c >= need && !seen[id] {
			cs = append(cs, cand{id, c})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].count != cs[j].count {
			return cs[i].count > cs[j].count
		}
		return cs[i].id < cs[j].id
	})
	for _, c := range cs {
		if len(out) >= maxCandidates {
			break
		}
		out = append(out, c.id)
	}
	return out
}
