package docs

import (
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/catalog"
)

// SearchOptions narrow and page a search.
type SearchOptions struct {
	// Entity limits the search to one entity's docs when not nil.
	Entity *catalog.Ref
	// Limit is the page size (default 10); Offset the number of hits to skip.
	Limit, Offset int
}

// Hit is one matching section, shaped like the JSON contract of docs hits.
type Hit struct {
	Page    string      `json:"page"`    // Markdown path relative to docs_dir
	Anchor  string      `json:"anchor"`  // MkDocs heading anchor, "" for the page top
	Title   string      `json:"title"`   // page title
	Heading string      `json:"heading"` // heading path, "A > B"
	Snippet string      `json:"snippet"` // text around the match, matched words in **bold**
	URL     string      `json:"url"`     // rendered page (or Markdown source) and #anchor
	Score   float64     `json:"score"`
	Entity  catalog.Ref `json:"entity,omitzero"`
	Site    string      `json:"site,omitempty"`
}

// Ranking constants.
const (
	prefixWeight          = 0.8  // a completion of the last word as typed
	completedPrefixWeight = 0.3  // a completion of a last word that is a word already
	fuzzyWeight1          = 0.6  // one edit away
	fuzzyWeight2          = 0.4  // two edits away
	maxExpansions         = 40   // prefix completions and typo corrections per word
	proximityBonus        = 0.35 // all words adjacent, in a section, multiplies its score by 1+this
	rerankDepth           = 200  // sections whose word proximity is measured
	snippetRunes          = 160  // about two lines of chat
)

// Tunables of the ranking (variables so the evaluation can try others).
var (
	// coordPower: a section's score is multiplied by share^coordPower,
	// where share is the part of the query it holds: the IDF of the query
	// words it holds over the IDF of all of them (so a missing rare word
	// costs more than a missing common one). A section holding every word
	// of the query beats one matching a single word in its heading.
	coordPower = 2.0
	// titleShare is the part of the page title's weight a section below the
	// page top gets: the title says what the page is about, not each section.
	titleShare = 0.3
	// headingBonus multiplies the score of a section whose heading the
	// query covers (every heading word a query word, every query word in
	// the heading) by up to 1+headingBonus.
	headingBonus = 1.5
)

// queryWord is one word of the query with the index terms it stands for.
type queryWord struct {
	raw   string
	exps  []expansion
	isSet map[uint32]bool
}

type expansion struct {
	term   uint32
	weight float64
	maxIDF float64 // 0: none; else the term counts as no rarer than the word typed
}

type scratch struct {
	total   []float32
	best    []float32
	matched []uint8
	// inHead[d] is 1 when a term the query stands for is in section d's
	// own heading: its heading bonus is 1 otherwise.
	inHead  []uint8
	cover   []float32 // the IDF of the query words a section holds, summed
	touched []uint32
	wtouch  []uint32
	cands   []cand // the best matches, kept between searches for their room
	// reach and reranked are rerank's, kept for their room.
	reach    []reach
	reranked []cand
	// word[t] is 1 + the index of the first query word term t stands
	// for, 0 for none: one array read per word of a section instead of a
	// map look-up per query word.
	word []uint16
	// spans memoises, for snippets, what a word of text stands for (as word).
	spans map[string]uint16
}

func newScratch(secs, terms int) *scratch {
	return &scratch{total: make([]float32, secs), best: make([]float32, secs), matched: make([]uint8, secs), inHead: make([]uint8, secs), cover: make([]float32, secs),
		word: make([]uint16, terms), spans: map[string]uint16{}}
}

// Search ranks the sections matching q, best first, and returns one page of
// them with the total number of matches.
func (ix *Index) Search(q string, opt SearchOptions) ([]Hit, int) {
	if ix == nil || len(ix.secs) == 0 {
		return nil, 0
	}
	words := ix.parseQuery(q)
	if len(words) == 0 {
		return nil, 0
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = 10
	}
	var site = -1
	var siteOK map[int]bool
	if opt.Entity != nil {
		siteOK = map[int]bool{}
		for i, s := range ix.sites {
			if s.entity.Key() == opt.Entity.Key() {
				siteOK[i] = true
				site = i
			}
		}
		if site < 0 {
			return nil, 0
		}
	}

	sc := ix.scratch.Get().(*scratch)
	for wi := len(words) - 1; wi >= 0; wi-- {
		for _, e := range words[wi].exps {
			sc.word[e.term] = uint16(min(wi+1, 1<<16-1))
		}
	}
	defer func() {
		if len(sc.touched) > len(sc.total)/2 {
			clear(sc.total) // sequential, faster than that many scattered writes
			clear(sc.matched)
			clear(sc.inHead)
			clear(sc.cover)
		} else {
			for _, d := range sc.touched {
				sc.total[d], sc.matched[d], sc.cover[d], sc.inHead[d] = 0, 0, 0, 0
			}
		}
		sc.touched = sc.touched[:0]
		for _, w := range words {
			for _, e := range w.exps {
				sc.word[e.term] = 0
			}
		}
		clear(sc.spans)
		ix.scratch.Put(sc)
	}()
	wordIDF := make([]float64, len(words))
	sumIDF := 0.0
	for wi := range words {
		w := &words[wi]
		if len(w.exps) == 1 {
			// One term: its score in a section is the word's, with no
			// best of several to keep.
			e := w.exps[0]
			ps := ix.postings[e.term]
			idf := ix.idf(len(ps), e.maxIDF)
			wordIDF[wi] = max(wordIDF[wi], e.weight*idf)
			cover := float32(wordIDF[wi])
			for _, p := range ps {
				d := p.sec
				if sc.matched[d] == 0 {
					sc.touched = append(sc.touched, d)
				}
				b := ix.bodyOnce[d] // bm25(p), inline for the common case
				if p.tf != bodyOnce {
					b = ix.bm25(p)
				}
				sc.total[d] += float32(e.weight * idf * b)
				sc.matched[d]++
				sc.cover[d] += cover
				if p.tf&headMask != 0 {
					sc.inHead[d] = 1
				}
			}
			sumIDF += wordIDF[wi]
			continue
		}
		sc.wtouch = sc.wtouch[:0]
		for _, e := range w.exps {
			ps := ix.postings[e.term]
			idf := ix.idf(len(ps), e.maxIDF)
			wordIDF[wi] = max(wordIDF[wi], e.weight*idf)
			for _, p := range ps {
				b := ix.bodyOnce[p.sec] // bm25(p), inline for the common case
				if p.tf != bodyOnce {
					b = ix.bm25(p)
				}
				s := float32(e.weight * idf * b)
				if sc.best[p.sec] == 0 {
					sc.wtouch = append(sc.wtouch, p.sec)
				}
				if p.tf&headMask != 0 {
					sc.inHead[p.sec] = 1
				}
				if s > sc.best[p.sec] {
					sc.best[p.sec] = s
				}
			}
		}
		for _, d := range sc.wtouch {
			if sc.matched[d] == 0 {
				sc.touched = append(sc.touched, d)
			}
			sc.total[d] += sc.best[d]
			sc.matched[d]++
			sc.cover[d] += float32(wordIDF[wi])
			sc.best[d] = 0
		}
		sumIDF += wordIDF[wi]
	}

	// Only the first depth candidates are ever shown or reranked: keep the
	// best depth while scoring instead of sorting every match (a common
	// word matches most sections).
	off := max(opt.Offset, 0)
	depth := off + limit
	if len(words) > 1 {
		depth = max(rerankDepth, off+limit)
	}
	top := bestOf{k: depth, c: sc.cands[:0]}
	total := 0
	for _, d := range sc.touched {
		if siteOK != nil && !siteOK[ix.pages[ix.secs[d].page].site] {
			continue
		}
		total++
		score := float64(sc.total[d])
		if top.full && score < top.bar.score && coordPower >= 0 {
			continue // the share below only lowers it: it cannot be kept
		}
		if len(words) > 1 {
			if sumIDF > 0 {
				share := min(float64(sc.cover[d])/sumIDF, 1)
				if coordPower == 2 {
					score *= share * share // math.Pow costs more than the rest of this loop
				} else {
					score *= math.Pow(share, coordPower)
				}
			}
		}
		top.add(cand{sec: d, score: score})
	}
	cands := top.best()
	sc.cands = top.c[:0]
	if total == 0 {
		return nil, 0
	}
	if len(words) > 1 {
		cands = ix.rerank(sc, cands, off+limit, len(words))
	}
	slices.SortFunc(cands, compareCands)
	if off >= total {
		return nil, total
	}
	cands = cands[off:]
	if len(cands) > limit {
		cands = cands[:limit]
	}
	hits := make([]Hit, 0, len(cands))
	for _, c := range cands {
		x := &ix.secs[c.sec]
		pg := &ix.pages[x.page]
		si := &ix.sites[pg.site]
		u := x.url
		if u == "" {
			u = pg.url
		}
		hits = append(hits, Hit{
			Page: pg.path, Anchor: x.anchor, Title: pg.title, Heading: x.heading,
			Snippet: ix.snippet(sc, x), URL: u, Score: math.Round(c.score*1000) / 1000,
			Entity: si.entity, Site: si.name,
		})
	}
	return hits, total
}

// idf is the inverse document frequency of a term in df sections, capped
// at maxIDF when that is not 0.
func (ix *Index) idf(df int, maxIDF float64) float64 {
	n := float64(len(ix.secs))
	idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	if maxIDF > 0 {
		idf = min(idf, maxIDF)
	}
	return idf
}

// bm25 is the score of a term in a section: BM25 per field, weighted and
// summed (a heading match is not saturated away by a long body). The
// fields are visited, and summed, in field order.
func (ix *Index) bm25(p posting) float64 {
	if p.tf == bodyOnce {
		return ix.bodyOnce[p.sec]
	}
	nm := &ix.norms[p.sec]
	sum := 0.0
	for m := p.tf; m != 0; {
		f := fieldAt[bits.TrailingZeros32(m)]
		c := m >> fieldShift[f] & uint32(fieldMax(int(f)))
		m &^= uint32(fieldMax(int(f))) << fieldShift[f]
		sum += fieldBM25(int(f), float64(c), nm)
	}
	return sum
}

// fieldBM25 is the weighted BM25 of a term found tf times in field f of a
// section.
func fieldBM25(f int, tf float64, nm *secNorm) float64 {
	wf := fieldWeight[f]
	if f == fieldTitle && nm.sub {
		wf *= titleShare
	}
	return wf * tf * (bm25K1 + 1) / (tf + bm25K1*nm.norm[f])
}

// headMask is the bits of posting.tf that count the section's own heading
// (fieldShift[fieldHeading], 4 bits).
const headMask = 0xf << 4

// bodyOnce is a posting of a term found once in a section's body and
// nowhere else in it: the most common by far.
const bodyOnce = 1 << 12 // 1 << fieldShift[fieldBody]

// rerank multiplies each candidate's score by its proximity and heading
// bonuses, and returns the need best of them by the new score, or more (in
// no particular order). The heading's cover is cheap (a heading is a few
// words); proximity walks the section's words, so it is measured in the
// order of what the candidates could reach with the most of it, and no
// longer once that could not reach the need-th best score found.
func (ix *Index) rerank(sc *scratch, cands []cand, need, nw int) []cand {
	if need >= len(cands) {
		for i := range cands {
			c := &cands[i]
			c.score *= 1 + proximityBonus*ix.proximityOf(sc, c.sec, nw)
			c.score *= 1 + headingBonus*ix.headingCoverOf(sc, c.sec, nw)
		}
		return cands
	}
	// The reach of a candidate: its score with the full proximity bonus and
	// its heading bonus, a hair over what that product can round to.
	const margin = 1 + 1e-9
	rs := sc.reach[:0]
	for i, c := range cands {
		h := 1 + headingBonus*ix.headingCoverOf(sc, c.sec, nw)
		rs = append(rs, reach{max: c.score * h * (1 + proximityBonus) * margin, heading: h, i: int32(i)})
	}
	sc.reach = rs
	// A heap, greatest reach first.
	for i := len(rs)/2 - 1; i >= 0; i-- {
		reachDown(rs, i)
	}
	top := topK{k: need, c: sc.reranked[:0]}
	for len(rs) > 0 {
		r := rs[0]
		if len(top.c) == need && r.max < top.c[0].score {
			break // nothing left can reach the need-th best
		}
		rs[0] = rs[len(rs)-1]
		rs = rs[:len(rs)-1]
		reachDown(rs, 0)
		c := cands[r.i]
		c.score *= 1 + proximityBonus*ix.proximityOf(sc, c.sec, nw)
		c.score *= r.heading
		top.add(c)
	}
	sc.reranked = top.c[:0]
	return top.c
}

// headingCoverOf is headingCover, known to be 0 without reading the
// heading when no query term is in it.
func (ix *Index) headingCoverOf(sc *scratch, d uint32, nw int) float64 {
	if sc.inHead[d] == 0 {
		return 0
	}
	return ix.headingCover(sc, d, nw)
}

// proximityOf is proximity, known to be 0 without reading the section when
// it holds fewer than two of the query's words.
func (ix *Index) proximityOf(sc *scratch, d uint32, nw int) float64 {
	if sc.matched[d] < 2 && nw < 256 { // matched counts to 255
		return 0
	}
	return ix.proximity(sc, d, nw)
}

// reach is what a candidate's score could become when reranked.
type reach struct {
	max     float64
	heading float64 // the heading bonus, 1 + headingBonus*cover
	i       int32   // in the candidates
}

// reachDown restores the heap of reaches below i: parents reach further.
func reachDown(rs []reach, i int) {
	for {
		w := 2*i + 1
		if w >= len(rs) {
			return
		}
		if r := w + 1; r < len(rs) && rs[r].max > rs[w].max {
			w = r
		}
		if rs[i].max >= rs[w].max {
			return
		}
		rs[i], rs[w] = rs[w], rs[i]
		i = w
	}
}

// parseQuery turns q into words and the terms each stands for: its stem,
// completions of the last word while it is being typed, and corrections of
// rare words within a small edit distance.
func (ix *Index) parseQuery(q string) []queryWord {
	var raws []string
	tokenize(q, func(t token) { raws = append(raws, t.word) })
	typing := q != "" && !strings.HasSuffix(q, " ")
	var words []queryWord
	seen := map[string]bool{}
	for i, r := range raws {
		last := i == len(raws)-1
		st := normWord(r)
		if st == "" && !(last && typing && len(r) >= 3) {
			continue
		}
		key := st
		if key == "" {
			key = r
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		w := queryWord{raw: r, isSet: map[uint32]bool{}}
		add := func(t uint32, wt, maxIDF float64) {
			if !w.isSet[t] {
				w.isSet[t] = true
				w.exps = append(w.exps, expansion{term: t, weight: wt, maxIDF: maxIDF})
			}
		}
		exactDF := 0
		if id, ok := ix.terms[st]; ok && st != "" {
			add(id, 1, 0)
			exactDF = len(ix.postings[id])
		}
		if last && typing && utf8.RuneCountInString(r) >= 2 {
			// A word that is already a term is probably finished: its
			// completions count less, and never as rarer than it.
			wt, capIDF := prefixWeight, 0.0
			if exactDF > 0 {
				nn := float64(len(ix.secs))
				wt, capIDF = completedPrefixWeight, math.Log(1+(nn-float64(exactDF)+0.5)/(float64(exactDF)+0.5))
			}
			for _, t := range ix.prefixTerms(r, st) {
				add(t, wt, capIDF)
			}
		}
		if exactDF == 0 && utf8.RuneCountInString(st) >= 4 {
			for _, e := range ix.fuzzyTerms(st, exactDF) {
				add(e.term, e.weight, 0)
			}
		}
		if len(w.exps) > 0 {
			words = append(words, w)
		}
	}
	return words
}

// prefixTerms returns the most frequent terms starting with the typed word
// (or with its stem).
func (ix *Index) prefixTerms(raw, st string) []uint32 {
	var out []uint32
	for _, p := range []string{raw, st} {
		if p == "" || (p == st && p == raw) && len(out) > 0 {
			continue
		}
		lo := sort.Search(len(ix.sorted), func(i int) bool { return ix.sortedTerms[i] >= p })
		for i := lo; i < len(ix.sorted) && strings.HasPrefix(ix.sortedTerms[i], p); i++ {
			out = append(out, ix.sorted[i])
		}
	}
	if len(out) > maxExpansions {
		sort.Slice(out, func(i, j int) bool { return len(ix.postings[out[i]]) > len(ix.postings[out[j]]) })
		out = out[:maxExpansions]
	}
	return out
}

// fuzzyTerms returns terms more common than the word that are one edit away
// (two for long words), counting a swap of neighbours as one edit. A typo
// rarely changes the first letter, so only terms starting with the word's
// first letter (or with its first two letters swapped) are candidates; the
// walk over them skips whole prefixes that cannot match.
func (ix *Index) fuzzyTerms(st string, df int) []expansion {
	k := 1
	if utf8.RuneCountInString(st) >= 8 {
		k = 2
	}
	var out []expansion
	visit := func(id uint32, d int) {
		if d == 0 || len(ix.postings[id]) <= df {
			return
		}
		wt := fuzzyWeight1
		if d == 2 {
			wt = fuzzyWeight2
		}
		out = append(out, expansion{term: id, weight: wt})
	}
	ix.fuzzyWalk(st, st[:1], k, visit)
	if len(st) > 1 && st[0] != st[1] {
		ix.fuzzyWalk(st, string([]byte{st[1], st[0]}), k, visit)
	}
	if len(out) > maxExpansions {
		sort.Slice(out, func(i, j int) bool {
			if out[i].weight != out[j].weight {
				return out[i].weight > out[j].weight
			}
			if a, b := len(ix.postings[out[i].term]), len(ix.postings[out[j].term]); a != b {
				return a > b
			}
			return out[i].term < out[j].term
		})
		out = out[:maxExpansions]
	}
	return out
}

// headingCover scores in [0,1] how well the query and a section's own
// heading cover each other: the share of the heading's words that are query
// words times the share of the query's words the heading holds.
func (ix *Index) headingCover(sc *scratch, d uint32, nw int) float64 {
	x := &ix.secs[d]
	h := int(x.lens[fieldHeading])
	if h == 0 || h > len(x.stream) || nw == 0 {
		return 0
	}
	var seen uint64
	hm := 0
	for _, t := range x.stream[:h] {
		if w := int(sc.word[t]) - 1; w >= 0 {
			hm++
			if w < 64 {
				seen |= 1 << w
			}
		}
	}
	qd := bits.OnesCount64(seen)
	return float64(hm) / float64(h) * float64(min(qd, nw)) / float64(nw)
}

// proximity scores in [0,1] how close together the query words sit in a
// section's heading and body: 1 when all of them appear side by side in
// order, falling with the width of the tightest window that holds the most
// of them.
func (ix *Index) proximity(sc *scratch, d uint32, nw int) float64 {
	stream := ix.secs[d].stream
	if nw < 2 || len(stream) == 0 {
		return 0
	}
	last := make([]int, nw)
	for i := range last {
		last[i] = -1
	}
	bestCount, bestSpan := 0, math.MaxInt
	inOrder := false
	for pos, t := range stream {
		hit := int(sc.word[t]) - 1
		if hit < 0 || hit >= nw {
			continue
		}
		last[hit] = pos
		count, lo := 0, pos
		for _, p := range last {
			if p >= 0 && pos-p < 30 {
				count++
				lo = min(lo, p)
			}
		}
		span := pos - lo + 1
		if count > bestCount || (count == bestCount && span < bestSpan) {
			bestCount, bestSpan = count, span
			ordered := true
			prevPos := -1
			for _, p := range last {
				if p >= 0 && pos-p < 30 {
					if p < prevPos {
						ordered = false
					}
					prevPos = p
				}
			}
			inOrder = ordered
		}
	}
	if bestCount < 2 {
		return 0
	}
	closeness := float64(bestCount-1) / float64(bestSpan-1)
	score := closeness * float64(bestCount-1) / float64(nw-1)
	if !inOrder {
		score *= 0.8
	}
	return score
}

// snippet picks the stretch of a section's text holding the most query
// words and marks them **like this**.
func (ix *Index) snippet(sc *scratch, x *sec) string {
	text := x.body
	spans := ix.matchSpans(sc, text, x.bodyStream())
	if len(spans) == 0 && x.code != "" {
		if cs := ix.matchSpans(sc, x.code, nil); len(cs) > 0 {
			text = strings.ReplaceAll(x.code, "*", "")
			spans = ix.matchSpans(sc, text, nil)
		}
	}
	if text == "" {
		return ""
	}
	// Choose the window start: the span that begins the run with the most
	// distinct words within snippetRunes bytes.
	start := 0
	if len(spans) > 0 {
		bestI, bestN := 0, -1
		for i := range spans {
			// The distinct words: a bit each, a map past the 64th.
			var seen uint64
			var more map[int]bool
			for j := i; j < len(spans) && spans[j].end-spans[i].start <= snippetRunes; j++ {
				if w := spans[j].word; w < 64 {
					seen |= 1 << w
				} else {
					if more == nil {
						more = map[int]bool{}
					}
					more[w] = true
				}
			}
			if n := bits.OnesCount64(seen) + len(more); n > bestN {
				bestI, bestN = i, n
			}
		}
		start = spans[bestI].start
		// Back up to the sentence start when it is near, else a few words.
		if back := strings.LastIndexAny(text[:start], ".!?:"); back >= 0 && start-back < 60 {
			start = back + 1
		} else if start > 30 {
			start = start - 30
		} else {
			start = 0
		}
		for start > 0 && start < len(text) && !utf8.RuneStart(text[start]) {
			start--
		}
		if sp := strings.IndexByte(text[start:], ' '); start > 0 && sp >= 0 && sp < 20 && !strings.ContainsAny(text[start:start+sp], ".!?:") {
			start += sp + 1
		}
		for start < len(text) && text[start] == ' ' {
			start++
		}
	}
	end := min(len(text), start+snippetRunes)
	if end < len(text) {
		if sp := strings.LastIndexByte(text[start:end], ' '); sp > snippetRunes/2 {
			end = start + sp
		}
		for end > start && !utf8.RuneStart(text[end]) {
			end--
		}
	}
	var b strings.Builder
	b.Grow(end - start + 4*len(spans) + 8)
	if start > 0 {
		b.WriteString("… ")
	}
	pos := start
	for _, s := range spans {
		if s.start < start || s.end > end {
			continue
		}
		plainStars.WriteString(&b, text[pos:s.start])
		b.WriteString("**")
		b.WriteString(text[s.start:s.end])
		b.WriteString("**")
		pos = s.end
	}
	plainStars.WriteString(&b, text[pos:end])
	if end < len(text) {
		b.WriteString(" …")
	}
	return b.String()
}

// plainStars keeps a "**" of the text itself (Python's **kwargs) from
// reading as highlighting: it becomes "∗∗".
var plainStars = strings.NewReplacer("**", "∗∗")

type matchSpan struct {
	start, end, word int
}

// matchSpans finds the words of text that stand for a query word. stream,
// when not nil, is the term ids of text's indexed words in order (as the
// index holds them for a section's body), which spares stemming each word.
func (ix *Index) matchSpans(sc *scratch, text string, stream []uint32) []matchSpan {
	var out []matchSpan
	limit := min(len(text), 16<<10)
	// With the stream, the words past its last match need not be read.
	lastMatch := -1
	if stream != nil {
		for i := len(stream) - 1; i >= 0; i-- {
			if sc.word[stream[i]] != 0 {
				lastMatch = i
				break
			}
		}
		if lastMatch < 0 {
			return nil
		}
	}
	pos := 0
	tokenizeWhile(text[:limit], func(t token) bool {
		var w uint16
		if stream != nil {
			if !indexedWord(t.word) {
				return true
			}
			if pos < len(stream) {
				w = sc.word[stream[pos]]
			}
			pos++
		} else {
			var ok bool
			if w, ok = sc.spans[t.word]; !ok {
				if st := normWord(t.word); st != "" {
					if id, ok := ix.terms[st]; ok {
						w = sc.word[id]
					}
				}
				if len(sc.spans) < 1<<14 {
					sc.spans[t.word] = w
				}
			}
		}
		if w > 0 {
			out = append(out, matchSpan{start: t.start, end: t.end, word: int(w) - 1})
		}
		return stream == nil || pos <= lastMatch
	})
	return out
}

type cand struct {
	sec   uint32
	score float64
}

// better orders candidates: higher score first, then index order.
func better(a, b cand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.sec < b.sec
}

func compareCands(a, b cand) int {
	switch {
	case better(a, b):
		return -1
	case better(b, a):
		return 1
	}
	return 0
}

// bestOf keeps the k best candidates added, for many candidates: those
// that could be among the best gather in c, and each time c holds 2k the
// best k are selected and the worst of them becomes the bar later ones
// must beat. A few comparisons a candidate, against a heap's log k.
type bestOf struct {
	k    int
	c    []cand
	bar  cand
	full bool // bar is set
}

func (b *bestOf) add(x cand) {
	if b.full && !better(x, b.bar) {
		return
	}
	b.c = append(b.c, x)
	if len(b.c)-b.k >= b.k {
		b.cut()
		b.bar, b.full = b.c[0], true
		for _, y := range b.c[1:] {
			if better(b.bar, y) {
				b.bar = y
			}
		}
	}
}

// cut keeps the best k of c.
func (b *bestOf) cut() {
	if len(b.c) > b.k {
		selectBest(b.c, b.k, better)
		b.c = b.c[:b.k]
	}
}

// best returns the k best added (or all, when fewer), in no particular order.
func (b *bestOf) best() []cand {
	b.cut()
	return b.c
}

// topK keeps the k best candidates added, for a few: c is a heap with the
// worst kept at c[0] once it holds k.
type topK struct {
	k int
	c []cand
}

func (h *topK) add(x cand) {
	if len(h.c) < h.k {
		h.c = append(h.c, x)
		if len(h.c) == h.k {
			for i := len(h.c)/2 - 1; i >= 0; i-- {
				h.down(i)
			}
		}
		return
	}
	if !better(x, h.c[0]) {
		return
	}
	h.c[0] = x
	h.down(0)
}

// down restores the heap below i: every parent worse than its children.
func (h *topK) down(i int) {
	c := h.c
	for {
		w := 2*i + 1
		if w >= len(c) {
			return
		}
		if r := w + 1; r < len(c) && better(c[w], c[r]) {
			w = r
		}
		if !better(c[i], c[w]) {
			return
		}
		c[i], c[w] = c[w], c[i]
		i = w
	}
}

// selectBest reorders c so that its first k elements are the k best by
// better (in no particular order): quickselect, linear on average.
func selectBest(c []cand, k int, better func(a, b cand) bool) {
	lo, hi := 0, len(c)-1
	for k > 0 && k < len(c) && lo < hi {
		// Median of three as the pivot, moved to hi.
		mid := lo + (hi-lo)/2
		if better(c[mid], c[lo]) {
			c[mid], c[lo] = c[lo], c[mid]
		}
		if better(c[hi], c[lo]) {
			c[hi], c[lo] = c[lo], c[hi]
		}
		if better(c[mid], c[hi]) {
			c[mid], c[hi] = c[hi], c[mid]
		}
		pivot := c[hi]
		p := lo
		for i := lo; i < hi; i++ {
			if better(c[i], pivot) {
				c[i], c[p] = c[p], c[i]
				p++
			}
		}
		c[p], c[hi] = c[hi], c[p]
		// c[lo:p] are better than the pivot, now at p.
		switch {
		case p == k-1 || p == k:
			return
		case p < k:
			lo = p + 1
		default:
			hi = p - 1
		}
	}
}
