package docs

// The search as it was before the work of issue 25 on its speed, kept
// as the oracle TestSearchMatchesTheOracle compares Search with: any change
// made for speed must give the same hits, in the same order, with the same
// scores. Do not change it to follow Search; change Search to follow it, or
// drop it with a ranking change that says so.

import (
	"math"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// oldQueryWord is one word of the query with the index terms it stands for.
type oldQueryWord struct {
	raw   string
	exps  []oldExpansion
	isSet map[uint32]bool
}

type oldExpansion struct {
	term   uint32
	weight float64
	maxIDF float64 // 0: none; else the term counts as no rarer than the word typed
}

type oldScratch struct {
	total   []float32
	best    []float32
	matched []uint8
	cover   []float32 // the IDF of the query words a section holds, summed
	touched []uint32
	wtouch  []uint32
	// word[t] is 1 + the index of the first query word term t stands
	// for, 0 for none: one array read per word of a section instead of a
	// map look-up per query word.
	word []uint16
	// spans memoises, for snippets, what a word of text stands for (as word).
	spans map[string]uint16
}

func oldNewScratch(secs, terms int) *oldScratch {
	return &oldScratch{total: make([]float32, secs), best: make([]float32, secs), matched: make([]uint8, secs), cover: make([]float32, secs),
		word: make([]uint16, terms), spans: map[string]uint16{}}
}

// Search ranks the sections matching q, best first, and returns one page of
// them with the total number of matches.
func (ix *Index) oldSearch(q string, opt SearchOptions) ([]Hit, int) {
	if ix == nil || len(ix.secs) == 0 {
		return nil, 0
	}
	words := ix.oldParseQuery(q)
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

	sc := oldScratchFor(ix)
	for wi := len(words) - 1; wi >= 0; wi-- {
		for _, e := range words[wi].exps {
			sc.word[e.term] = uint16(min(wi+1, 1<<16-1))
		}
	}
	defer func() {
		for _, d := range sc.touched {
			sc.total[d], sc.matched[d], sc.cover[d] = 0, 0, 0
		}
		sc.touched = sc.touched[:0]
		for _, w := range words {
			for _, e := range w.exps {
				sc.word[e.term] = 0
			}
		}
		clear(sc.spans)
		oldScratchPool.Put(sc)
	}()
	n := float64(len(ix.secs))
	wordIDF := make([]float64, len(words))
	sumIDF := 0.0
	for wi := range words {
		w := &words[wi]
		sc.wtouch = sc.wtouch[:0]
		for _, e := range w.exps {
			ps := ix.postings[e.term]
			idf := math.Log(1 + (n-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
			if e.maxIDF > 0 {
				idf = min(idf, e.maxIDF)
			}
			wordIDF[wi] = max(wordIDF[wi], e.weight*idf)
			for _, p := range ps {
				x := &ix.secs[p.sec]
				// BM25 per field, weighted and summed: a heading match
				// is not saturated away by a long body.
				sum := 0.0
				for f := range numFields {
					c := p.count(f)
					if c == 0 {
						continue
					}
					norm := 1 - fieldB[f] + fieldB[f]*float64(x.lens[f])/ix.avgLen[f]
					tf := float64(c)
					wf := fieldWeight[f]
					if f == fieldTitle && x.anchor != "" {
						wf *= titleShare
					}
					sum += wf * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
				}
				s := float32(e.weight * idf * sum)
				if sc.best[p.sec] == 0 {
					sc.wtouch = append(sc.wtouch, p.sec)
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

	cands := make([]oldCand, 0, len(sc.touched))
	for _, d := range sc.touched {
		if siteOK != nil && !siteOK[ix.pages[ix.secs[d].page].site] {
			continue
		}
		score := float64(sc.total[d])
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
		cands = append(cands, oldCand{sec: d, score: score})
	}
	total := len(cands)
	if total == 0 {
		return nil, 0
	}
	better := func(a, b oldCand) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.sec < b.sec
	}
	// Only the first depth candidates are ever shown or reranked: select
	// them instead of sorting every match.
	off := max(opt.Offset, 0)
	depth := min(len(cands), off+limit)
	if len(words) > 1 {
		depth = min(len(cands), max(rerankDepth, off+limit))
	}
	oldSelectBest(cands, depth, better)
	cands = cands[:depth]
	sort.Slice(cands, func(i, j int) bool { return better(cands[i], cands[j]) })
	if len(words) > 1 {
		for i := range cands {
			c := &cands[i]
			c.score *= 1 + proximityBonus*ix.oldProximity(sc, c.sec, len(words))
			c.score *= 1 + headingBonus*ix.oldHeadingCover(sc, c.sec, len(words))
		}
		sort.Slice(cands, func(i, j int) bool { return better(cands[i], cands[j]) })
	}
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
			Snippet: ix.oldSnippet(sc, x), URL: u, Score: math.Round(c.score*1000) / 1000,
			Entity: si.entity, Site: si.name,
		})
	}
	return hits, total
}

// parseQuery turns q into words and the terms each stands for: its stem,
// completions of the last word while it is being typed, and corrections of
// rare words within a small edit distance.
func (ix *Index) oldParseQuery(q string) []oldQueryWord {
	var raws []string
	tokenize(q, func(t token) { raws = append(raws, t.word) })
	typing := q != "" && !strings.HasSuffix(q, " ")
	var words []oldQueryWord
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
		w := oldQueryWord{raw: r, isSet: map[uint32]bool{}}
		add := func(t uint32, wt, maxIDF float64) {
			if !w.isSet[t] {
				w.isSet[t] = true
				w.exps = append(w.exps, oldExpansion{term: t, weight: wt, maxIDF: maxIDF})
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
			for _, t := range ix.oldPrefixTerms(r, st) {
				add(t, wt, capIDF)
			}
		}
		if exactDF == 0 && utf8.RuneCountInString(st) >= 4 {
			for _, e := range ix.oldFuzzyTerms(st, exactDF) {
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
func (ix *Index) oldPrefixTerms(raw, st string) []uint32 {
	var out []uint32
	for _, p := range []string{raw, st} {
		if p == "" || (p == st && p == raw) && len(out) > 0 {
			continue
		}
		lo := sort.Search(len(ix.sorted), func(i int) bool { return ix.vocab[ix.sorted[i]] >= p })
		for i := lo; i < len(ix.sorted) && strings.HasPrefix(ix.vocab[ix.sorted[i]], p); i++ {
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
func (ix *Index) oldFuzzyTerms(st string, df int) []oldExpansion {
	k := 1
	if utf8.RuneCountInString(st) >= 8 {
		k = 2
	}
	var out []oldExpansion
	visit := func(id uint32, d int) {
		if d == 0 || len(ix.postings[id]) <= df {
			return
		}
		wt := fuzzyWeight1
		if d == 2 {
			wt = fuzzyWeight2
		}
		out = append(out, oldExpansion{term: id, weight: wt})
	}
	ix.oldFuzzyWalk(st, st[:1], k, visit)
	if len(st) > 1 && st[0] != st[1] {
		ix.oldFuzzyWalk(st, string([]byte{st[1], st[0]}), k, visit)
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
func (ix *Index) oldHeadingCover(sc *oldScratch, d uint32, nw int) float64 {
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
func (ix *Index) oldProximity(sc *oldScratch, d uint32, nw int) float64 {
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
func (ix *Index) oldSnippet(sc *oldScratch, x *sec) string {
	text := x.body
	spans := ix.oldMatchSpans(sc, text, x.bodyStream())
	if len(spans) == 0 && x.code != "" {
		if cs := ix.oldMatchSpans(sc, x.code, nil); len(cs) > 0 {
			text = strings.ReplaceAll(x.code, "*", "")
			spans = ix.oldMatchSpans(sc, text, nil)
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
			seen := map[int]bool{}
			for j := i; j < len(spans) && spans[j].end-spans[i].start <= snippetRunes; j++ {
				seen[spans[j].word] = true
			}
			if len(seen) > bestN {
				bestI, bestN = i, len(seen)
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

type oldMatchSpan struct {
	start, end, word int
}

// matchSpans finds the words of text that stand for a query word. stream,
// when not nil, is the term ids of text's indexed words in order (as the
// index holds them for a section's body), which spares stemming each word.
func (ix *Index) oldMatchSpans(sc *oldScratch, text string, stream []uint32) []oldMatchSpan {
	var out []oldMatchSpan
	limit := min(len(text), 16<<10)
	pos := 0
	tokenize(text[:limit], func(t token) {
		var w uint16
		if stream != nil {
			if !indexedWord(t.word) {
				return
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
			out = append(out, oldMatchSpan{start: t.start, end: t.end, word: int(w) - 1})
		}
	})
	return out
}

type oldCand struct {
	sec   uint32
	score float64
}

// oldSelectBest reorders c so that its first k elements are the k best by
// better (in no particular order): quickselect, linear on average.
func oldSelectBest(c []oldCand, k int, better func(a, b oldCand) bool) {
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

// fuzzyWalk visits the terms of the sorted vocabulary within k edits
// (optimal string alignment: a swap of neighbours is one edit) of word,
// among those starting with prefix, without looking at every term. The
// vocabulary is walked in order as if it were a trie: a term shares the
// edit-distance rows of the common prefix it has with the term before it,
// and when every cell of a row exceeds k, no term with that prefix can
// match, so the walk jumps past all of them with a binary search.
//
// fn gets each matching term id and its distance.
func (ix *Index) oldFuzzyWalk(word, prefix string, k int, fn func(id uint32, d int)) {
	lo := sort.Search(len(ix.sorted), func(i int) bool { return ix.vocab[ix.sorted[i]] >= prefix })
	hi := lo + sort.Search(len(ix.sorted)-lo, func(i int) bool { return !strings.HasPrefix(ix.vocab[ix.sorted[lo+i]], prefix) })
	if lo >= hi {
		return
	}
	n := len(word)
	maxLen := n + k
	// rows[r] is the DP row for the first r bytes of the current term.
	rows := make([][]int, maxLen+1)
	cells := make([]int, (maxLen+1)*(n+1))
	for r := range rows {
		rows[r] = cells[r*(n+1) : (r+1)*(n+1)]
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	prev := "" // the term whose rows are computed, up to valid
	valid := 0
	for i := lo; i < hi; {
		t := ix.vocab[ix.sorted[i]]
		// Rows shared with the previous term. None of them exceeds k:
		// had one, every term with that prefix would have been skipped.
		cp := 0
		for cp < valid && cp < len(t) && t[cp] == prev[cp] {
			cp++
		}
		prev, valid = t, cp
		dead := -1 // a row past which nothing can match
		for r := cp + 1; r <= len(t) && r <= maxLen; r++ {
			cur, up := rows[r], rows[r-1]
			cur[0] = r
			m := r
			c := t[r-1]
			for j := 1; j <= n; j++ {
				cost := 1
				if word[j-1] == c {
					cost = 0
				}
				v := min(up[j]+1, cur[j-1]+1, up[j-1]+cost)
				if r > 1 && j > 1 && word[j-1] == t[r-2] && word[j-2] == c {
					v = min(v, rows[r-2][j-2]+1)
				}
				cur[j] = v
				m = min(m, v)
			}
			valid = r
			if m > k {
				dead = r
				break
			}
		}
		if dead > 0 {
			// Skip every term sharing the dead prefix.
			i = ix.oldPastPrefix(i, hi, t[:dead])
			continue
		}
		if len(t) <= maxLen && len(t) >= n-k {
			if d := rows[len(t)][n]; d <= k {
				fn(ix.sorted[i], d)
			}
		}
		if len(t) > maxLen {
			// Longer terms with this prefix are too long: skip them.
			i = ix.oldPastPrefix(i, hi, t[:maxLen])
			continue
		}
		i++
	}
}

// pastPrefix returns the first position in sorted[i:hi] whose term does not
// start with p (sorted[i] does): a galloping search, since the run of terms
// sharing a prefix is usually short.
func (ix *Index) oldPastPrefix(i, hi int, p string) int {
	has := func(j int) bool { return strings.HasPrefix(ix.vocab[ix.sorted[j]], p) }
	lo, step := i, 1
	for lo+step < hi && has(lo+step) {
		lo += step
		step *= 2
	}
	end := min(lo+step, hi)
	// has(lo) holds; find the first j in (lo, end) where it does not.
	return lo + 1 + sort.Search(end-lo-1, func(j int) bool { return !has(lo + 1 + j) })
}

var oldScratchPool sync.Pool

func oldScratchFor(ix *Index) *oldScratch {
	if sc, ok := oldScratchPool.Get().(*oldScratch); ok && len(sc.total) == len(ix.secs) && len(sc.word) == len(ix.vocab) {
		return sc
	}
	return oldNewScratch(len(ix.secs), len(ix.vocab))
}
