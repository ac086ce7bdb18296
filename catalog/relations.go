package catalog

import (
	"runtime"
	"strings"
	"sync"
)

// refField is a spec field that holds entity references, with the default kind
// of a reference written without one and the relation it produces.
type refField struct {
	key         string
	defaultKind string
	rel         string
	list        bool
}

// inverseRel maps each relation type to its inverse.
var inverseRel = map[string]string{
	RelOwnedBy: RelOwnerOf, RelOwnerOf: RelOwnedBy,
	RelPartOf: RelHasPart, RelHasPart: RelPartOf,
	RelDependsOn: RelDependencyOf, RelDependencyOf: RelDependsOn,
	RelProvidesAPI: RelAPIProvidedBy, RelAPIProvidedBy: RelProvidesAPI,
	RelConsumesAPI: RelAPIConsumedBy, RelAPIConsumedBy: RelConsumesAPI,
	RelMemberOf: RelHasMember, RelHasMember: RelMemberOf,
	RelParentOf: RelChildOf, RelChildOf: RelParentOf,
}

// Inverse returns the inverse of a relation type ("" when it has none).
func Inverse(relType string) string { return inverseRel[relType] }

var (
	fieldOwner     = refField{"owner", KindGroup, RelOwnedBy, false}
	fieldSystem    = refField{"system", KindSystem, RelPartOf, false}
	fieldDependsOn = refField{"dependsOn", "", RelDependsOn, true}
)

// refFields lists, per kind, the spec fields that relations are built from.
// Kinds callboard does not model get owner, system and dependsOn when present.
var refFields = map[string][]refField{
	KindComponent: {fieldOwner, fieldSystem,
		{"subcomponentOf", KindComponent, RelPartOf, false},
		{"providesApis", KindAPI, RelProvidesAPI, true},
		{"consumesApis", KindAPI, RelConsumesAPI, true},
		fieldDependsOn},
	KindAPI:      {fieldOwner, fieldSystem},
	KindResource: {fieldOwner, fieldSystem, fieldDependsOn},
	KindSystem:   {fieldOwner, {"domain", KindDomain, RelPartOf, false}},
	KindDomain:   {fieldOwner, {"subdomainOf", KindDomain, RelPartOf, false}},
	KindGroup: {{"parent", KindGroup, RelChildOf, false},
		{"children", KindGroup, RelParentOf, true},
		{"members", KindUser, RelHasMember, true}},
	KindUser:     {{"memberOf", KindGroup, RelMemberOf, true}},
	KindTemplate: {fieldOwner},
	KindLocation: {{"target", "", "", false}, {"targets", "", "", true}},
	"":           {fieldOwner, fieldSystem, fieldDependsOn},
}

func fieldsOf(kind string) []refField {
	if f, ok := refFields[kind]; ok {
		return f
	}
	return refFields[""]
}

// Build merges results into a Snapshot: duplicate entity references are
// reported (the first one read wins), relations are computed in both
// directions from the spec fields, and references to missing entities are
// warnings at the position of the field. Relations a source stated itself
// (Entity.SourceRelations) are merged in after those of the spec, without
// duplicates. Build fills the entities' Relations
// (any relations read from the files are replaced): pass freshly loaded
// entities, not ones already in another snapshot. The field positions kept
// for these messages are dropped once used.
func Build(results ...*Result) *Snapshot {
	var problems []Problem
	n := 0
	for _, r := range results {
		if r != nil {
			n += len(r.Entities)
		}
	}
	entities := make([]*Entity, 0, n)
	// refs[i] is entities[i].Ref(), read where Build needs it many times:
	// to check a hit in byRef, as the target of relations to it, and as
	// the source of their inverses.
	refs := make([]Ref, 0, n)
	byRef := newHashIndex(n, func(id int32, k Ref) bool { return refIs(refs[id], k) }) // lowerRef -> index in entities
	// Entities that failed validation: a reference to one is explained as
	// such, not as a missing entity.
	var invalid map[Ref]string
	for _, r := range results {
		if r == nil {
			continue
		}
		for _, d := range r.Documents {
			if !d.Valid && d.Kind != "" && d.Name != "" {
				if invalid == nil {
					invalid = map[Ref]string{}
				}
				ns := d.Namespace
				if ns == "" {
					ns = DefaultNamespace
				}
				invalid[lowerRef(Ref{Kind: d.Kind, Namespace: ns, Name: d.Name})] = d.File
			}
		}
	}
	for _, r := range results {
		if r == nil {
			continue
		}
		problems = append(problems, r.Problems...)
		for _, e := range r.Entities {
			ref := e.Ref()
			if first, ok := byRef.add(lowerRef(ref), int32(len(entities)), true); !ok {
				problems = append(problems, Problem{Pos: e.Origin.Pos, Severity: Error, Entity: e.Ref(),
					Message: "duplicate entity " + e.Ref().String() + ": already defined at " + entities[first].Origin.Pos.String() + " (the first one is kept)"})
				continue
			}
			entities = append(entities, e)
			refs = append(refs, ref)
		}
	}
	// Relations are collected in order — every entity's outgoing ones, then
	// the inverses on their targets — deduplicated (the first one wins), and
	// then laid out per entity in one allocation, in that same order. The
	// outgoing ones are resolved in parallel over ranges of entities, each
	// range keeping its own lists, read in place in range order (not joined
	// into one list: at 1M entities copying them, strings and all, under
	// the collector's write barriers took 8.5 s, issue 25).
	indexes := startEntityIndexes(entities)
	parts := relationParts(entities, refs, &byRef, invalid)
	// Entity i's outgoing relations are parts[partOf[i]].out[outAt[i] : outAt[i]+outCnt[i]].
	partOf := make([]uint16, len(entities))
	outAt := make([]int32, len(entities))
	outCnt := make([]int32, len(entities))
	for pi := range parts {
		pt := &parts[pi]
		problems = append(problems, pt.problems...)
		for _, r := range pt.out {
			outCnt[r.from]++
		}
		at := int32(0)
		for i := pt.lo; i < pt.hi; i++ {
			partOf[i], outAt[i] = uint16(pi), at
			at += outCnt[i]
		}
	}
	own := func(i int32) []rawRel {
		return parts[partOf[i]].out[outAt[i] : outAt[i]+outCnt[i]]
	}
	// An inverse can only repeat a relation its entity wrote itself (the
	// outgoing ones are unique, so their inverses are too): look for it in
	// that entity's outgoing relations, through a map for long lists.
	var long map[resolvedKey]struct{}
	cnt := make([]int32, len(entities))
	for i := range entities {
		cnt[i] = outCnt[i]
		if cnt[i] > 32 {
			if long == nil {
				long = map[resolvedKey]struct{}{}
			}
			for _, r := range own(int32(i)) {
				if r.to >= 0 {
					long[resolvedKey{r.from, r.to, r.code}] = struct{}{}
				}
			}
		}
	}
	total := 0
	for pi := range parts {
		pt := &parts[pi]
		kept := pt.inverses[:0]
		for _, inv := range pt.inverses {
			if written(own(inv.from), inv, long) {
				continue
			}
			kept = append(kept, inv)
			cnt[inv.from]++
		}
		pt.inverses = kept
		total += len(pt.out) + len(kept)
	}
	rels := make([]Relation, total)
	tos := make([]int32, total)
	next := make([]int32, len(entities))
	p := int32(0)
	for i := range entities {
		next[i] = p + outCnt[i] // where its inverses go
		pt := &parts[partOf[i]]
		for k, r := range own(int32(i)) {
			rels[p+int32(k)] = pt.relation(refs, r)
			tos[p+int32(k)] = r.to
		}
		p += cnt[i]
	}
	for pi := range parts {
		for _, inv := range parts[pi].inverses {
			q := next[inv.from]
			next[inv.from]++
			rels[q] = Relation{Type: relTypeNames[inv.code], Target: refs[inv.to]}
			tos[q] = inv.to
		}
	}
	parts = nil
	p = 0
	for i, e := range entities {
		if c := cnt[i]; c > 0 {
			e.Relations = rels[p : p+c : p+c]
			p += c
		} else {
			e.Relations = nil
		}
		e.refPos = nil // positions are only needed for Build's messages
	}
	byRef.is = func(id int32, k Ref) bool { return hasRef(entities[id], k) } // refs goes
	return newSnapshot(entities, problems, &byRef, tos, indexes)
}

// relPart is what one range of entities contributes to Build.
type relPart struct {
	lo, hi        int // the range of entities
	out, inverses []rawRel
	// extra holds the type and target of the relations that rawRel cannot
	// name: of a type without a code, or to a missing entity.
	extra    []Relation
	problems []Problem
}

// relation is r as the entity's Relation (refs are the entities' references).
func (pt *relPart) relation(refs []Ref, r rawRel) Relation {
	if r.x >= 0 {
		return pt.extra[r.x]
	}
	return Relation{Type: relTypeNames[r.code], Target: refs[r.to]}
}

// add appends entity i's relation of type typ (code: its code) to
// entities[j] (-1: missing, target says which) unless the entity's
// relations so far (from first in pt.out) hold it already, and reports
// whether it did (lr is target folded).
func (pt *relPart) add(i, first int, typ string, code uint8, j int32, target, lr Ref) bool {
	if pt.repeated(first, typ, code, j, lr) {
		return false
	}
	r := rawRel{from: int32(i), to: j, code: code, x: -1}
	if code == 0 || j < 0 {
		r.x = int32(len(pt.extra))
		pt.extra = append(pt.extra, Relation{Type: typ, Target: target})
	}
	pt.out = append(pt.out, r)
	return true
}

// repeated reports whether pt.out[first:], an entity's relations so far,
// already holds one of type typ (code) to j, or, for a missing target, to
// the one lr names.
func (pt *relPart) repeated(first int, typ string, code uint8, j int32, lr Ref) bool {
	for _, x := range pt.out[first:] {
		if x.to != j || x.code != code || code == 0 && pt.extra[x.x].Type != typ {
			continue
		}
		if j >= 0 || lowerRef(pt.extra[x.x].Target) == lr {
			return true
		}
	}
	return false
}

// relationParts resolves the entities' spec references, in parallel over
// ranges of entities.
func relationParts(entities []*Entity, refs []Ref, byRef *hashIndex[Ref], invalid map[Ref]string) []relPart {
	workers := min(runtime.GOMAXPROCS(0), len(entities)/2000+1)
	parts := make([]relPart, workers)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := len(entities)*w/workers, len(entities)*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = resolveRange(entities, refs, byRef, invalid, lo, hi)
		}()
	}
	wg.Wait()
	return parts
}

// resolveRange makes the outgoing relations of entities[lo:hi] (each once)
// and the inverses to add to their targets, with the problems found (refs
// are the entities' references).
func resolveRange(entities []*Entity, refs []Ref, byRef *hashIndex[Ref], invalid map[Ref]string, lo, hi int) relPart {
	pt := relPart{lo: lo, hi: hi}
	pt.out = make([]rawRel, 0, (hi-lo)*4)
	pt.inverses = make([]rawRel, 0, (hi-lo)*3)
	var buf []string
	for i := lo; i < hi; i++ {
		e := entities[i]
		self := refs[i]
		first := len(pt.out)
		for _, f := range fieldsOf(self.Kind) {
			if f.rel == "" {
				continue // positions only (Location targets)
			}
			vals := refValuesInto(e, f, &buf)
			for vi, v := range vals {
				r, err := ParseRef(v, f.defaultKind, self.Namespace)
				if err != nil {
					pt.problems = append(pt.problems, Problem{Pos: e.fieldPos(f, vi, len(vals)), Severity: Warning, Entity: self, Message: "spec." + f.key + ": " + err.Error()})
					continue
				}
				if r.Kind == "" {
					pt.problems = append(pt.problems, Problem{Pos: e.fieldPos(f, vi, len(vals)), Severity: Warning, Entity: self,
						Message: "spec." + f.key + ": entity reference " + quote(v) + " must name a kind (e.g. \"component:" + v + "\" or \"resource:" + v + "\"); no relation was made"})
					continue
				}
				lr := lowerRef(r)
				j, ok := byRef.index(lr)
				if !ok {
					msg := "spec." + f.key + ": " + r.String() + " does not exist in the catalog"
					if file, bad := invalid[lr]; bad {
						msg = "spec." + f.key + ": " + r.String() + " is defined in " + file + " but is invalid there (see its errors), so it is not in the catalog"
					}
					pt.problems = append(pt.problems, Problem{Pos: e.fieldPos(f, vi, len(vals)), Severity: Warning, Entity: self, Message: msg})
					j = -1
				} else {
					r = refs[j] // the target's own spelling
				}
				if !pt.add(i, first, f.rel, relTypeCodes[f.rel], j, r, lr) {
					continue
				}
				if ok {
					pt.inverses = append(pt.inverses, rawRel{from: j, to: int32(i), code: relTypeCodes[inverseRel[f.rel]], x: -1})
				}
			}
		}
		pt.addSourceRelations(entities, refs, byRef, i, first)
	}
	return pt
}

// addSourceRelations adds entity i's SourceRelations that its spec did not
// already make (first is where its outgoing relations start in pt.out). A
// target missing from the catalog is kept without a warning: the source
// vouched for the relation, and may hold entities this catalog does not.
func (pt *relPart) addSourceRelations(entities []*Entity, refs []Ref, byRef *hashIndex[Ref], i, first int) {
	e := entities[i]
	for _, sr := range e.SourceRelations {
		if sr.Type == "" || sr.Target.Kind == "" || sr.Target.Name == "" {
			continue
		}
		r := sr.Target
		if r.Namespace == "" {
			r.Namespace = DefaultNamespace
		}
		lr := lowerRef(r)
		j, ok := byRef.index(lr)
		if ok {
			r = refs[j]
		} else {
			j = -1
		}
		if !pt.add(i, first, sr.Type, relTypeCodes[sr.Type], j, r, lr) {
			continue
		}
		if inv := inverseRel[sr.Type]; ok && inv != "" {
			pt.inverses = append(pt.inverses, rawRel{from: j, to: int32(i), code: relTypeCodes[inv], x: -1})
		}
	}
}

// written reports whether inv is already among its entity's own outgoing
// relations (long indexes the entities with many).
func written(own []rawRel, inv rawRel, long map[resolvedKey]struct{}) bool {
	if len(own) > 32 {
		_, ok := long[resolvedKey{inv.from, inv.to, inv.code}]
		return ok
	}
	for _, x := range own {
		if x.to == inv.to && x.code == inv.code { // an inverse's type always has a code
			return true
		}
	}
	return false
}

// rawRel is a relation while Build collects them: from and to index the
// entities (to is -1 for a target that does not exist), code is the type's
// (relTypeCodes), and x, when >= 0, indexes the relPart's extra, which
// holds the type and target of a relation of a type without a code or to
// a missing entity. The target of the others is refs[to]. Without strings
// these are a quarter of the size, which the collector does not scan: at
// 1M entities the lists were 500 MB of pointers, written and dropped in
// one build (issue 25).
type rawRel struct {
	from, to int32
	x        int32
	code     uint8
}

// resolvedKey identifies a relation between two entities of the snapshot.
type resolvedKey struct {
	from, to int32
	code     uint8
}

// refValues reads the string references of a field (non-strings were already
// rejected by validation; here they are ignored).
func refValues(e *Entity, f refField) []string {
	var buf []string
	return refValuesInto(e, f, &buf)
}

// refValuesInto is refValues reusing *buf's storage (the result may also
// be the spec's own list: it must not be modified).
func refValuesInto(e *Entity, f refField, buf *[]string) []string {
	switch v := e.Spec[f.key].(type) {
	case string:
		if v == "" {
			return nil
		}
		*buf = append((*buf)[:0], v)
		return *buf
	case []string:
		return v
	case []any:
		out := (*buf)[:0]
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		*buf = out
		return out
	}
	return nil
}

// fieldPos is where the i-th value of a reference field was written, or the
// entity's position when it was not read from a file.
func (e *Entity) fieldPos(f refField, i, n int) Position {
	if e.refPos != nil {
		if ps, ok := e.positionsOf(f.key); ok {
			if i < len(ps) {
				return ps[i]
			}
			if len(ps) > 0 {
				return ps[0]
			}
		}
	}
	return e.Origin.Pos
}

func quote(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "\\\"") + "\"" }
