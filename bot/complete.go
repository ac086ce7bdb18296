package bot

import (
	"sort"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Completion is one autocomplete choice: Label is shown, Value is what the
// command receives (an entity ref, or a template's name).
type Completion struct {
	Label string
	Value string
}

// Complete offers up to limit entities (or, with templates, Software
// Templates) for a partly typed name, ranked as `info` resolves names:
// what info would answer first, then the other entities it would offer as
// choices, then names and titles that start with what was typed (shortest
// first), then close matches (typos). An empty prefix lists the catalog in
// kind order.
func Complete(s *catalog.Snapshot, templates bool, prefix string, limit int) []Completion {
	if s == nil || limit <= 0 {
		return nil
	}
	fits := func(e *catalog.Entity) bool { return (kindOf(e) == catalog.KindTemplate) == templates }
	var out []Completion
	seen := map[string]bool{}
	add := func(e *catalog.Entity) {
		if len(out) >= limit || e == nil || !fits(e) {
			return
		}
		ref := e.Ref().String()
		if seen[ref] {
			return
		}
		seen[ref] = true
		c := Completion{Label: entityLabel(e), Value: ref}
		if templates {
			c.Value = e.Metadata.Name
			if t := e.Metadata.Title; t != "" && t != e.Metadata.Name {
				c.Label = e.Metadata.Name + " — " + t
			} else {
				c.Label = e.Metadata.Name
			}
		}
		out = append(out, c)
	}
	q := strings.ToLower(strings.TrimSpace(prefix))
	if q != "" {
		var prefer Preference
		if templates {
			prefer = Preference{{catalog.KindTemplate}}
		}
		res := Resolve(s, q, prefer)
		add(res.Entity)
		for _, e := range res.Candidates {
			add(e)
		}
	}
	var starts []*catalog.Entity
	for _, e := range s.Entities() {
		if !fits(e) || seen[e.Ref().String()] {
			continue
		}
		if q == "" || strings.HasPrefix(strings.ToLower(e.Metadata.Name), q) || strings.HasPrefix(strings.ToLower(e.Metadata.Title), q) ||
			strings.HasPrefix(strings.ToLower(e.Ref().String()), q) {
			starts = append(starts, e)
		}
	}
	sort.SliceStable(starts, func(i, j int) bool {
		a, b := starts[i], starts[j]
		if q == "" {
			if ka, kb := kindRank(kindOf(a)), kindRank(kindOf(b)); ka != kb {
				return ka < kb
			}
		} else if la, lb := len(a.Metadata.Name), len(b.Metadata.Name); la != lb {
			return la < lb
		}
		return a.Ref().Key() < b.Ref().Key()
	})
	for _, e := range starts {
		add(e)
	}
	if q != "" {
		for _, m := range s.Fuzzy(q, limit*2) {
			add(m.Entity)
		}
	}
	return out
}
