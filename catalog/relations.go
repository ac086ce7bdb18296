package catalog

import "strings"

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
// warnings at the position of the field. Build fills the entities' Relations
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
	byRef := make(map[Ref]int32, n) // lowerRef -> index in entities
	for _, r := range results {
		if r == nil {
			continue
		}
		problems = append(problems, r.Problems...)
		for _, e := range r.Entities {
			k := lowerRef(e.Ref())
			if first, dup := byRef[k]; dup {
				problems = append(problems, Problem{Pos: e.Origin.Pos, Severity: Error, Entity: e.Ref(),
					Message: "duplicate entity " + e.Ref().String() + ": already defined at " + entities[first].Origin.Pos.String() + " (the first one is kept)"})
				continue
			}
			byRef[k] = int32(len(entities))
			entities = append(entities, e)
		}
	}
	// Relations are collected in order — every entity's outgoing ones, then
	// the inverses on their targets — deduplicated (the first one wins), and
	// then laid out per entity in one allocation, in that same order.
	raws := make([]rawRel, 0, n*4)
	var inverses []rawRel
	have := make(map[resolvedKey]struct{}, n*4)
	var dangling map[relKey]struct{}
	add := func(r rawRel) bool {
		if r.to >= 0 {
			k := resolvedKey{r.from, r.to, relTypeCodes[r.typ]}
			if _, dup := have[k]; dup {
				return false
			}
			have[k] = struct{}{}
		} else {
			k := relKey{entities[r.from], r.typ, r.target.Key()}
			if _, dup := dangling[k]; dup {
				return false
			}
			if dangling == nil {
				dangling = map[relKey]struct{}{}
			}
			dangling[k] = struct{}{}
		}
		raws = append(raws, r)
		return true
	}
	for i, e := range entities {
		self := e.Ref()
		for _, f := range fieldsOf(self.Kind) {
			if f.rel == "" {
				continue // positions only (Location targets)
			}
			vals := refValues(e, f)
			for vi, v := range vals {
				r, err := ParseRef(v, f.defaultKind, self.Namespace)
				if err != nil {
					problems = append(problems, Problem{Pos: e.fieldPos(f, vi, len(vals)), Severity: Warning, Entity: self, Message: "spec." + f.key + ": " + err.Error()})
					continue
				}
				if r.Kind == "" {
					problems = append(problems, Problem{Pos: e.fieldPos(f, vi, len(vals)), Severity: Warning, Entity: self,
						Message: "spec." + f.key + ": entity reference " + quote(v) + " must name a kind (e.g. \"component:" + v + "\" or \"resource:" + v + "\"); no relation was made"})
					continue
				}
				j, ok := byRef[lowerRef(r)]
				if !ok {
					problems = append(problems, Problem{Pos: e.fieldPos(f, vi, len(vals)), Severity: Warning, Entity: self,
						Message: "spec." + f.key + ": " + r.String() + " does not exist in the catalog"})
					j = -1
				} else {
					r = entities[j].Ref() // the target's own spelling
				}
				if add(rawRel{from: int32(i), to: j, typ: f.rel, target: r}) && ok {
					inverses = append(inverses, rawRel{from: j, to: int32(i), typ: inverseRel[f.rel], target: self})
				}
			}
		}
	}
	for _, p := range inverses {
		add(p)
	}
	off := make([]int32, len(entities)+1)
	for _, r := range raws {
		off[r.from+1]++
	}
	for i := range entities {
		off[i+1] += off[i]
	}
	rels := make([]Relation, len(raws))
	tos := make([]int32, len(raws))
	next := append([]int32(nil), off[:len(entities)]...)
	for _, r := range raws {
		p := next[r.from]
		next[r.from]++
		rels[p] = Relation{Type: r.typ, Target: r.target}
		tos[p] = r.to
	}
	for i, e := range entities {
		if a, b := off[i], off[i+1]; a < b {
			e.Relations = rels[a:b:b]
		} else {
			e.Relations = nil
		}
		e.refPos = nil // positions are only needed for Build's messages
	}
	return newSnapshot(entities, problems, byRef, tos)
}

// rawRel is a relation while Build collects them: from and to index the
// entities (to is -1 for a target that does not exist).
type rawRel struct {
	from, to int32
	typ      string
	target   Ref
}

// resolvedKey identifies a relation between two entities of the snapshot.
type resolvedKey struct {
	from, to int32
	code     uint8
}

// relKey identifies a relation of an entity, to add each once.
type relKey struct {
	from    *Entity
	typ, to string
}

// refValues reads the string references of a field (non-strings were already
// rejected by validation; here they are ignored).
func refValues(e *Entity, f refField) []string {
	switch v := e.Spec[f.key].(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// fieldPos is where the i-th value of a reference field was written, or the
// entity's position when it was not read from a file.
func (e *Entity) fieldPos(f refField, i, n int) Position {
	if e.refPos != nil {
		if ps, ok := e.refPos[f.key]; ok {
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
