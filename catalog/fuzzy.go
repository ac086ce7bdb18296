package catalog

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// fuzzyIndex finds candidate entities for a fuzzy query without scanning:
// a trigram index over names and titles (for typos and substrings) and a
// sorted list of terms (for short prefixes).
type fuzzyIndex struct {
	grams map[uint32][]int32 // trigram -> entity indexes (ascending, unique)
	terms []term             // sorted by text
	lower [][2]string        // per entity: lower-case name and title
	// counts is a pool of per-query counters, one per entity.
	counts *sync.Pool
}

type term struct {
	text string
	id   int32
}

const (
	// maxPostings bounds the posting entries read per query.
	maxPostings = 40_000
	// maxCandidates bounds the candidates scored per query.
	maxCandidates = 120
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
	n := len(entities)
	ix := fuzzyIndex{grams: make(map[uint32][]int32, 1<<14), terms: make([]term, 0, n*2), lower: make([][2]string, n),
		counts: &sync.Pool{New: func() any { c := make([]uint8, n); return &c }}}
	// The posting lists are cut from one slab, counted first and then
	// filled: appending to each list as it grew copied the long ones again
	// and again (2.5 s of a 1M build, issue 25). Each entity is listed
	// once per trigram, in load order.
	slot := make(map[uint32]int32, 1<<14) // trigram -> its index in cnt and last
	var cnt, last []int32
	var buf []uint32
	grams := func(i int) []uint32 {
		buf = gramsOf(ix.lower[i][0], buf[:0])
		if t := ix.lower[i][1]; t != "" && t != ix.lower[i][0] {
			buf = gramsOf(t, buf)
		}
		return buf
	}
	total := 0
	for i, e := range entities {
		id := int32(i)
		name := strings.ToLower(e.Metadata.Name)
		title := strings.ToLower(e.Metadata.Title)
		ix.lower[i] = [2]string{name, title}
		ix.terms = append(ix.terms, term{name, id})
		if title != "" && title != name {
			ix.terms = append(ix.terms, term{title, id})
		}
		for _, g := range grams(i) {
			k, ok := slot[g]
			if !ok {
				k = int32(len(cnt))
				slot[g] = k
				cnt, last = append(cnt, 0), append(last, -1)
			}
			if last[k] != id {
				last[k] = id
				cnt[k]++
				total++
			}
		}
	}
	slab := make([]int32, total)
	lists := make([][]int32, len(cnt))
	at := 0
	for k, c := range cnt {
		lists[k] = slab[at : at : at+int(c)]
		at += int(c)
	}
	for i := range entities {
		id := int32(i)
		for _, g := range grams(i) {
			k := slot[g]
			if l := lists[k]; len(l) == 0 || l[len(l)-1] != id {
				lists[k] = append(l, id) // within its capacity
			}
		}
	}
	for g, k := range slot {
		ix.grams[g] = lists[k]
	}
	// slices.SortFunc over the compact terms, not sort.Slice's reflected
	// swaps (8.5 s of a 1M build, issue 25); equal texts by entity, so the
	// order is the same on every build.
	slices.SortFunc(ix.terms, func(a, b term) int {
		if c := strings.Compare(a.text, b.text); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	return ix
}

// candidates returns entity indexes worth scoring for q, most promising first.
func (ix *fuzzyIndex) candidates(q string) []int32 {
	var out []int32
	var seenPrefix map[int32]bool
	// Prefix matches of the whole query.
	i := sort.Search(len(ix.terms), func(i int) bool { return ix.terms[i].text >= q })
	for ; i < len(ix.terms) && strings.HasPrefix(ix.terms[i].text, q) && len(out) < maxCandidates/3; i++ {
		id := ix.terms[i].id
		if seenPrefix == nil {
			seenPrefix = map[int32]bool{}
		}
		if !seenPrefix[id] {
			seenPrefix[id] = true
			out = append(out, id)
		}
	}
	if len(q) < 2 {
		return out
	}
	qg := gramsOf(q, make([]uint32, 0, 64))
	lists := make([][]int32, 0, len(qg))
	for k, g := range qg {
		if slices.Contains(qg[:k], g) {
			continue
		}
		if p := ix.grams[g]; len(p) > 0 {
			lists = append(lists, p)
		}
	}
	if len(lists) == 0 {
		return out
	}
	sort.Slice(lists, func(i, j int) bool { return len(lists[i]) < len(lists[j]) })
	counts := ix.counts.Get().(*[]uint8)
	defer ix.counts.Put(counts)
	cnt := *counts
	touched := make([]int32, 0, 1024)
	read := 0
	for k, l := range lists {
		if k >= 2 && read+len(l) > maxPostings {
			break
		}
		read += len(l)
		for _, id := range l {
			if cnt[id] == 0 {
				touched = append(touched, id)
			}
			if cnt[id] < 255 {
				cnt[id]++
			}
		}
	}
	need := uint8(1)
	if len(qg) >= 6 {
		need = 2 // long queries: a candidate must share at least two trigrams
	}
	// Bucket by shared-trigram count, best first, without sorting everything.
	var buckets [256][]int32
	top := 0
	for _, id := range touched {
		c := cnt[id]
		cnt[id] = 0
		if c >= need && !seenPrefix[id] {
			buckets[c] = append(buckets[c], id)
			top = max(top, int(c))
		}
	}
	for c := top; c >= int(need) && len(out) < maxCandidates; c-- {
		for _, id := range buckets[c] {
			if len(out) >= maxCandidates {
				break
			}
			out = append(out, id)
		}
	}
	return out
}
