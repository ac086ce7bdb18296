package bot

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/callboard/callboard/catalog"
)

// lookup holds the indexes resolution needs that a Snapshot does not keep
// (titles and names folded, repository names, user emails). One is built per
// snapshot, on first use, and reused until the snapshot changes.
type lookup struct {
	byFolded map[string][]*catalog.Entity        // fold(name) and fold(title)
	byRepo   map[string][]*catalog.Entity        // repo name of github.com/project-slug
	byEmail  map[string][]*catalog.Entity        // users' spec.profile.email
	byWord   map[string][]*catalog.Entity        // each word of fold(name) and fold(title)
	parent   map[*catalog.Entity]*catalog.Entity // a group's parent group (childOf)
	// ownerOf numbers each entity's owner (ownedBy) in owners, by the
	// entity's index in Entities() (-1: none), so big answers group by team
	// without hashing refs or entities.
	ownerOf []int32
	owners  []catalog.Ref
	// examples are the names help shows (see exampleLine), chosen on first use.
	examplesOnce sync.Once
	examples     map[string]string
	// teamRows holds, per group entity, its members then what it owns,
	// sorted, and what it owns counted by kind (see teamRowsOf): built on a team's first request, then read
	// by every request on this snapshot. Never modified once stored.
	teamRows sync.Map // *catalog.Entity → *teamList
	// relations holds, per entity with many relations (a team, a hub), its
	// relations as answer data (EntityData.Relations), shared read-only by
	// the answers about it on this snapshot.
	relations sync.Map // *catalog.Entity → []chat.EntityRelation
}

// lookups caches the lookup of the last two snapshots: the one in force and
// the one before it, which requests that started just before a swap still
// hold (caching one only would make them rebuild it and evict the new one).
type lookups struct {
	mu      sync.Mutex
	entries [2]struct {
		snap *catalog.Snapshot
		l    *lookup
	}
}

func (c *lookups) get(s *catalog.Snapshot) *lookup {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.snap == s && e.l != nil {
			return e.l
		}
	}
	l := buildLookup(s)
	c.entries[1] = c.entries[0]
	c.entries[0].snap, c.entries[0].l = s, l
	return l
}

func buildLookup(s *catalog.Snapshot) *lookup {
	l := &lookup{byFolded: map[string][]*catalog.Entity{}, byRepo: map[string][]*catalog.Entity{}, byEmail: map[string][]*catalog.Entity{}, byWord: map[string][]*catalog.Entity{}, parent: map[*catalog.Entity]*catalog.Entity{}, ownerOf: make([]int32, s.Len())}
	ids := map[string]int32{}
	for i, e := range s.Entities() {
		l.ownerOf[i] = -1
		n := fold(e.Metadata.Name)
		l.byFolded[n] = append(l.byFolded[n], e)
		for _, t := range []string{e.Metadata.Title, profile(e, "displayName")} {
			if t := fold(t); t != "" && t != n {
				l.byFolded[t] = append(l.byFolded[t], e)
			}
		}
		for _, w := range strings.Fields(n + " " + fold(e.Metadata.Title)) {
			if ws := l.byWord[w]; len(ws) == 0 || ws[len(ws)-1] != e {
				l.byWord[w] = append(ws, e)
			}
		}
		if slug := e.Annotation(catalog.AnnotationProjectSlug); slug != "" {
			if _, repo, ok := strings.Cut(slug, "/"); ok && repo != "" {
				k := strings.ToLower(repo)
				l.byRepo[k] = append(l.byRepo[k], e)
			}
		}
		if o, ok := fastOwner(e); ok {
			k := o.Key()
			id, seen := ids[k]
			if !seen {
				id = int32(len(l.owners))
				ids[k] = id
				l.owners = append(l.owners, o)
			}
			l.ownerOf[i] = id
		}
		if kindOf(e) == catalog.KindGroup {
			if ps := relatedRefs(s, e, catalog.RelChildOf); len(ps) > 0 {
				if p, ok := s.Get(ps[0]); ok {
					l.parent[e] = p
				}
			}
		}
		if kindOf(e) == catalog.KindUser {
			if m := strings.ToLower(profile(e, "email")); m != "" {
				l.byEmail[m] = append(l.byEmail[m], e)
			}
		}
	}
	return l
}

// fold lower-cases s and turns every run of non-alphanumerics into one
// space, so "Payments API", "payments-api" and "payments_api" meet.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// Preference orders the kinds a verb is most likely about: each tier is a set
// of kinds; a match in an earlier tier wins over later ones, several matches
// in one tier are ambiguous. A nil tier list treats all kinds alike.
type Preference [][]string

var (
	preferOwned = Preference{{catalog.KindComponent, catalog.KindAPI, catalog.KindResource, catalog.KindSystem, catalog.KindDomain, catalog.KindTemplate}, {catalog.KindGroup}, {catalog.KindUser}}
	preferTeam  = Preference{{catalog.KindGroup}, {catalog.KindUser}}
	preferAPI   = Preference{{catalog.KindAPI}}
	preferSys   = Preference{{catalog.KindSystem}, {catalog.KindDomain}}
)

// teamIntent reports whether p is the preference of a question about a team.
func teamIntent(p Preference) bool {
	return len(p) > 0 && len(p[0]) == 1 && p[0][0] == catalog.KindGroup
}

func (p Preference) rank(kind string) int {
	for i, tier := range p {
		for _, k := range tier {
			if k == kind {
				return i
			}
		}
	}
	return len(p)
}

// Resolution is the outcome of resolving what a person named.
type Resolution struct {
	// Entity is set when the text names one entity.
	Entity *catalog.Entity
	// By says how it was found: "ref", "name", "title", "alias", "fuzzy".
	By string
	// Candidates are the equally good matches when the text is ambiguous.
	Candidates []*catalog.Entity
	// Suggestions are the closest entities when nothing matched.
	Suggestions []catalog.Match
	// Query is the name left once a sentence's filler was stripped, when
	// the entity was found by the words of that name (By "word").
	Query string
}

func sortEntities(es []*catalog.Entity, less func(a, b *catalog.Entity) bool) {
	sort.SliceStable(es, func(i, j int) bool { return less(es[i], es[j]) })
}

// Resolve finds the entity query names in s: exact ref, unique name, title,
// alias (github.com/project-slug or its repository name), then fuzzy.
func Resolve(s *catalog.Snapshot, query string, prefer Preference) Resolution {
	return resolveWith(s, nil, query, prefer)
}

func resolveWith(s *catalog.Snapshot, l *lookup, query string, prefer Preference) Resolution {
	q := strings.TrimSpace(query)
	if q == "" || s == nil {
		return Resolution{}
	}
	if l == nil {
		l = buildLookup(s)
	}
	if res, ok := resolveExact(s, l, q, prefer, ""); ok {
		if teamIntent(prefer) && (res.Entity == nil || prefer.rank(kindOf(res.Entity)) == len(prefer)) {
			// "team payments" names the team, not the payments system.
			if g := standout(wordMatches(l, q, wordsTeam), wordsTeam); g != nil && kindOf(g) == catalog.KindGroup {
				return Resolution{Entity: g, By: "word", Query: q}
			}
		}
		return res
	}
	// A sentence's filler around the name: "the ledger service right now".
	base, cq, kind := cleanQuery(q)
	if base != q {
		if res, ok := resolveExact(s, l, base, prefer, ""); ok {
			return res
		}
	}
	if cq != base {
		if res, ok := resolveExact(s, l, cq, prefer, kind); ok {
			return res
		}
	}
	wp := wordPreference(prefer)
	if kind != "" {
		wp = append(Preference{{kind}}, wp...)
	}
	if ws := wordMatches(l, cq, wp); len(ws) > 0 {
		if one := standout(ws, wp); one != nil {
			return Resolution{Entity: one, By: "word", Candidates: ws, Query: cq}
		}
		if len(ws) > 8 {
			ws = ws[:8]
		}
		if _, shared := sharedOwner(s, ws); !shared {
			// No one owner answers for them all: the one whose name is
			// closest to what was typed, if one is, else those of the
			// preferred kind when they share an owner.
			if one := closest(ws, cq, wp); one != nil {
				return Resolution{Entity: one, By: "word", Candidates: ws, Query: cq}
			}
			if top := topTier(ws, wp); len(top) > 1 {
				if _, shared := sharedOwner(s, top); shared {
					return Resolution{Candidates: top, By: "word", Query: cq}
				}
			}
		}
		return Resolution{Candidates: ws, By: "word", Query: cq}
	}
	// A name inside a longer sentence: "payments api is returning 500s".
	if res, ok := resolveSpan(s, l, cq, prefer, wp); ok {
		return res
	}
	matches := s.Fuzzy(cq, 8)
	if wp.rank(catalog.KindTemplate) == len(wp) { // never suggest a Template where it cannot be the answer
		kept := matches[:0]
		for _, m := range matches {
			if kindOf(m.Entity) != catalog.KindTemplate {
				kept = append(kept, m)
			}
		}
		matches = kept
	}
	if len(matches) > 0 && matches[0].Score >= 0.8 && (len(matches) == 1 || matches[1].Score < matches[0].Score-0.15) {
		return Resolution{Entity: matches[0].Entity, By: "fuzzy"}
	}
	if len(matches) > 3 {
		matches = matches[:3]
	}
	return Resolution{Suggestions: matches}
}

// resolveExact finds q by ref, name, title or alias. kind, when set (a
// trailing "service" or "team"), keeps only entities of that kind.
func resolveExact(s *catalog.Snapshot, l *lookup, q string, prefer Preference, kind string) (Resolution, bool) {
	// "component payments": a kind word narrows the choice, unless the
	// whole text is a name ("team ledger" for team-ledger).
	if k, rest, ok := strings.Cut(q, " "); ok && isKindWord(k) && strings.TrimSpace(rest) != "" && len(l.byFolded[fold(q)]) == 0 {
		kind = kindWord(k)
		q = strings.TrimSpace(rest)
	}
	if kind != "" {
		prefer = Preference{{kind}}
	}
	pick := func(in []*catalog.Entity, by string) (Resolution, bool) {
		if kind != "" {
			var of []*catalog.Entity
			for _, e := range in {
				if kindOf(e) == kind {
					of = append(of, e)
				}
			}
			in = of
		}
		return choose(in, prefer, by)
	}
	if strings.ContainsAny(q, ":/") {
		if r, err := catalog.ParseRef(q, "", ""); err == nil {
			if r.Kind != "" {
				if e, ok := s.Get(r); ok {
					return Resolution{Entity: e, By: "ref"}, true
				}
			} else {
				var in []*catalog.Entity
				for _, e := range s.ByName(r.Name) {
					if e.Ref().Namespace == r.Namespace {
						in = append(in, e)
					}
				}
				if res, ok := pick(in, "ref"); ok {
					return res, true
				}
			}
			// A slug "org/repo" or a ref to nothing: keep looking by its name.
			if res, ok := pick(s.ByAnnotation(catalog.AnnotationProjectSlug, q), "alias"); ok {
				return res, true
			}
			q = r.Name
		}
	}
	if res, ok := pick(s.ByName(q), "name"); ok {
		return res, true
	}
	// "legacy checkout": a namespace, then a name.
	if ns, rest, ok := strings.Cut(q, " "); ok && !strings.Contains(rest, " ") {
		var in []*catalog.Entity
		for _, e := range s.ByName(rest) {
			if strings.EqualFold(e.Ref().Namespace, ns) {
				in = append(in, e)
			}
		}
		if res, ok := pick(in, "ref"); ok {
			return res, true
		}
	}
	if res, ok := pick(l.byFolded[fold(q)], "title"); ok {
		return res, true
	}
	alias := append(append([]*catalog.Entity{}, s.ByAnnotation(catalog.AnnotationProjectSlug, q)...), l.byRepo[strings.ToLower(q)]...)
	return pick(dedupe(alias), "alias")
}

// choose picks among entities that matched equally well, by preference.
func choose(in []*catalog.Entity, prefer Preference, by string) (Resolution, bool) {
	switch len(in) {
	case 0:
		return Resolution{}, false
	case 1:
		return Resolution{Entity: in[0], By: by}, true
	}
	best := len(prefer) + 1
	var top []*catalog.Entity
	for _, e := range in {
		r := prefer.rank(kindOf(e))
		switch {
		case r < best:
			best, top = r, []*catalog.Entity{e}
		case r == best:
			top = append(top, e)
		}
	}
	if len(top) == 1 {
		return Resolution{Entity: top[0], By: by}, true
	}
	// Same kind and name in several namespaces: the default one wins.
	var def []*catalog.Entity
	for _, e := range top {
		if e.Ref().Namespace == catalog.DefaultNamespace {
			def = append(def, e)
		}
	}
	if len(def) == 1 && sameKind(top) {
		return Resolution{Entity: def[0], By: by}, true
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Ref().Key() < top[j].Ref().Key() })
	return Resolution{Candidates: top, By: by}, true
}

func sameKind(es []*catalog.Entity) bool {
	for _, e := range es[1:] {
		if kindOf(e) != kindOf(es[0]) {
			return false
		}
	}
	return true
}

func dedupe(in []*catalog.Entity) []*catalog.Entity {
	if len(in) < 2 {
		return in
	}
	seen := map[*catalog.Entity]bool{}
	out := in[:0:0]
	for _, e := range in {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

var kindWords = map[string]string{
	"component": catalog.KindComponent, "service": catalog.KindComponent, "api": catalog.KindAPI,
	"resource": catalog.KindResource, "system": catalog.KindSystem, "domain": catalog.KindDomain,
	"group": catalog.KindGroup, "team": catalog.KindGroup, "user": catalog.KindUser, "template": catalog.KindTemplate,
}

func isKindWord(w string) bool { _, ok := kindWords[strings.ToLower(w)]; return ok }
func kindWord(w string) string { return kindWords[strings.ToLower(w)] }

// unresolved turns a failed Resolution into the answer: ambiguous choices
// or "did you mean", each a command the person can click. The choices are
// Suggestions only (not also Actions): adapters show one set of choices.
func unresolved(res Resolution, command, query string) *Response {
	if len(res.Candidates) > 0 {
		resp := &Response{
			Title:     fmt.Sprintf("%q matches %d entities", query, len(res.Candidates)),
			Text:      "Which one did you mean?",
			Status:    StatusAmbiguous,
			Ephemeral: true,
		}
		for _, e := range res.Candidates {
			ref := e.Ref().String()
			label := ref
			if d := describeShort(e); d != "" {
				label += " — " + d
			}
			cmd := command + " " + ref
			resp.Suggestions = append(resp.Suggestions, Suggestion{Label: label, Command: cmd, Ref: ref})
		}
		return resp
	}
	resp := &Response{
		Title:     fmt.Sprintf("Nothing in the catalog is called %q", query),
		Status:    StatusNotFound,
		Ephemeral: true,
	}
	if len(res.Suggestions) == 0 {
		resp.Text = fmt.Sprintf("Try `search %s` for a wider search, or check the spelling.", query)
		resp.Actions = []Action{{Label: "search", Command: "search " + query}}
		return resp
	}
	resp.Text = "Did you mean:"
	for _, m := range res.Suggestions {
		ref := m.Entity.Ref().String()
		cmd := command + " " + ref
		resp.Suggestions = append(resp.Suggestions, Suggestion{Label: ref + " — " + displayName(m.Entity), Command: cmd, Ref: ref})
	}
	return resp
}

// describeShort is "service, owned by team-a" for choices.
func describeShort(e *catalog.Entity) string {
	var parts []string
	if t := e.SpecString("type"); t != "" {
		parts = append(parts, t)
	}
	if t := e.Metadata.Title; t != "" {
		parts = append([]string{t}, parts...)
	}
	if o := e.SpecString("owner"); o != "" {
		parts = append(parts, "owned by "+o)
	}
	return strings.Join(parts, ", ")
}
