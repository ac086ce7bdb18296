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
	var entities []*Entity
	var problems []Problem
	n := 0
	for _, r := range results {
		if r != nil {
			n += len(r.Entities)
		}
	}
	entities = make([]*Entity, 0, n)
	byKey := make(map[string]*Entity, n)
	for _, r := range results {
		if r == nil {
			continue
		}
		problems = append(problems, r.Problems...)
		for _, e := range r.Entities {
			k := e.Ref().Key()
			if first, dup := byKey[k]; dup {
				problems = append(problems, Problem{Pos: e.Origin.Pos, Severity: Error, Entity: e.Ref(),
					Message: "duplicate entity " + e.Ref().String() + ": already defined at " + first.Origin.Pos.String() + " (the first one is kept)"})
				continue
			}
			byKey[k] = e
			entities = append(entities, e)
		}
	}
	// Outgoing relations first, then inverses on their targets.
	type pending struct {
		from *Entity
		rel  Relation
	}
	for _, e := range entities {
		e.Relations = e.Relations[:0:0]
	}
	var inverses []pending
	have := make(map[relKey]struct{}, n*4)
	addRelation := func(e *Entity, rel Relation) bool {
		k := relKey{e, rel.Type, rel.Target.Key()}
		if _, dup := have[k]; dup {
			return false
		}
		have[k] = struct{}{}
		e.Relations = append(e.Relations, rel)
		return true
	}
	for _, e := range entities {
		self := e.Ref()
		for _, f := range fieldsOf(self.Kind) {
			if f.rel == "" {
				continue // positions only (Location targets)
			}
			vals := refValues(e, f)
			for i, v := range vals {
				pos := e.fieldPos(f, i, len(vals))
				r, err := ParseRef(v, f.defaultKind, self.Namespace)
				if err != nil {
					problems = append(problems, Problem{Pos: pos, Severity: Warning, Entity: self, Message: "spec." + f.key + ": " + err.Error()})
					continue
				}
				if r.Kind == "" {
					problems = append(problems, Problem{Pos: pos, Severity: Warning, Entity: self,
						Message: "spec." + f.key + ": entity reference " + quote(v) + " must name a kind (e.g. \"component:" + v + "\" or \"resource:" + v + "\"); no relation was made"})
					continue
				}
				target, ok := byKey[r.Key()]
				if !ok {
					problems = append(problems, Problem{Pos: pos, Severity: Warning, Entity: self,
						Message: "spec." + f.key + ": " + r.String() + " does not exist in the catalog"})
				} else {
					r = target.Ref() // the target's own spelling
				}
				if addRelation(e, Relation{Type: f.rel, Target: r}) && ok {
					inverses = append(inverses, pending{target, Relation{Type: inverseRel[f.rel], Target: self}})
				}
			}
		}
	}
	for _, p := range inverses {
		addRelation(p.from, p.rel)
	}
	for _, e := range entities {
		e.refPos = nil // positions are only needed for Build's messages
	}
	return NewSnapshot(entities, problems)
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
