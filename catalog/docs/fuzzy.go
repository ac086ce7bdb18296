package docs

import (
	"sort"
	"strings"
)

// fuzzyWalk visits the terms of the sorted vocabulary within k edits
// (optimal string alignment: a swap of neighbours is one edit) of word,
// among those starting with prefix, without looking at every term. The
// vocabulary is walked in order as if it were a trie: a term shares the
// edit-distance rows of the common prefix it has with the term before it,
// and when every cell of a row exceeds k, no term with that prefix can
// match, so the walk jumps past all of them with a binary search.
//
// fn gets each matching term id and its distance.
func (ix *Index) fuzzyWalk(word, prefix string, k int, fn func(id uint32, d int)) {
	lo := sort.Search(len(ix.sorted), func(i int) bool { return ix.sortedTerms[i] >= prefix })
	hi := lo + sort.Search(len(ix.sorted)-lo, func(i int) bool { return !strings.HasPrefix(ix.sortedTerms[lo+i], prefix) })
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
		t := ix.sortedTerms[i]
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
			i = ix.pastPrefix(i, hi, t[:dead])
			continue
		}
		if len(t) <= maxLen && len(t) >= n-k {
			if d := rows[len(t)][n]; d <= k {
				fn(ix.sorted[i], d)
			}
		}
		if len(t) > maxLen {
			// Longer terms with this prefix are too long: skip them.
			i = ix.pastPrefix(i, hi, t[:maxLen])
			continue
		}
		i++
	}
}

// pastPrefix returns the first position in sorted[i:hi] whose term does not
// start with p (sorted[i] does): a galloping search, since the run of terms
// sharing a prefix is usually short.
func (ix *Index) pastPrefix(i, hi int, p string) int {
	has := func(j int) bool { return strings.HasPrefix(ix.sortedTerms[j], p) }
	lo, step := i, 1
	for lo+step < hi && has(lo+step) {
		lo += step
		step *= 2
	}
	end := min(lo+step, hi)
	// has(lo) holds; find the first j in (lo, end) where it does not.
	return lo + 1 + sort.Search(end-lo-1, func(j int) bool { return !has(lo + 1 + j) })
}
