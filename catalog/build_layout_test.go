package catalog

import (
	"fmt"
	"reflect"
	"testing"
)

// layoutEntities is a small catalog with every case Build's relation layout
// must get right: relations written from both ends (deduplicated), two
// spellings of one target, dangling references (also repeated), and an
// entity with no relations at all.
func layoutEntities() []*Entity {
	mk := func(kind, name string, spec map[string]any) *Entity {
		return &Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind, Known: true,
			Metadata: Metadata{Name: name, Namespace: DefaultNamespace}, Spec: spec}
	}
	return []*Entity{
		mk("Group", "parent", map[string]any{"children": []any{"child", "Child", "ghost"}, "members": []any{"ann"}}),
		mk("Group", "child", map[string]any{"parent": "parent"}),
		mk("User", "ann", map[string]any{"memberOf": []any{"parent", "group:default/child"}}),
		mk("Component", "svc", map[string]any{"owner": "child", "system": "sys", "dependsOn": []any{"resource:db", "resource:db", "component:nope", "component:nope"},
			"providesApis": []any{"api"}, "consumesApis": []any{"API:default/api"}}),
		mk("Component", "svc2", map[string]any{"owner": "group:child", "dependsOn": []any{"component:svc"}}),
		mk("API", "api", map[string]any{"owner": "parent"}),
		mk("Resource", "db", map[string]any{"owner": "child", "dependsOn": []any{"component:svc"}}),
		mk("System", "sys", map[string]any{"owner": "parent"}),
		mk("Domain", "alone", map[string]any{}),
	}
}

// plainRelations computes what Build must produce, the obvious way: each
// entity's spec references in order, then the inverses on their targets in
// the order they were made, each (type, target) once.
func plainRelations(entities []*Entity) map[string][]Relation {
	byKey := map[string]*Entity{}
	for _, e := range entities {
		byKey[e.Ref().Key()] = e
	}
	out := map[string][]Relation{}
	seen := map[string]bool{}
	add := func(e *Entity, r Relation) bool {
		k := e.Ref().Key() + " " + r.Type + " " + r.Target.Key()
		if seen[k] {
			return false
		}
		seen[k] = true
		out[e.Ref().Key()] = append(out[e.Ref().Key()], r)
		return true
	}
	type inv struct {
		on *Entity
		r  Relation
	}
	var invs []inv
	for _, e := range entities {
		for _, f := range fieldsOf(e.Ref().Kind) {
			if f.rel == "" {
				continue
			}
			for _, v := range refValues(e, f) {
				r, err := ParseRef(v, f.defaultKind, e.Ref().Namespace)
				if err != nil || r.Kind == "" {
					continue
				}
				t, ok := byKey[r.Key()]
				if ok {
					r = t.Ref()
				}
				if add(e, Relation{Type: f.rel, Target: r}) && ok {
					invs = append(invs, inv{t, Relation{Type: inverseRel[f.rel], Target: e.Ref()}})
				}
			}
		}
	}
	for _, i := range invs {
		add(i.on, i.r)
	}
	return out
}

// manyLayoutEntities repeats layoutEntities in namespaces of their own,
// enough of them for Build to resolve references in parallel, with
// references across namespaces and to the default one.
func manyLayoutEntities(copies int) []*Entity {
	var all []*Entity
	for c := range copies {
		ns := fmt.Sprintf("ns%d", c)
		for _, e := range layoutEntities() {
			e.Metadata.Namespace = ns
			if e.Kind == "Component" && c%3 == 0 {
				e.Spec["dependsOn"] = append(e.Spec["dependsOn"].([]any), "component:default/svc", fmt.Sprintf("resource:ns%d/db", (c+1)%copies))
			}
			all = append(all, e)
		}
	}
	return append(layoutEntities(), all...)
}

func TestBuildInParallelLaysOutRelationsAsThePlainComputation(t *testing.T) {
	want := plainRelations(manyLayoutEntities(700))
	s := Build(&Result{Entities: manyLayoutEntities(700)})
	if s.Len() < 5000 {
		t.Fatalf("only %d entities: too few to resolve in parallel", s.Len())
	}
	for _, e := range s.Entities() {
		if got := e.Relations; !reflect.DeepEqual(got, want[e.Ref().Key()]) {
			t.Fatalf("%s relations:\n got %v\nwant %v", e.Ref(), got, want[e.Ref().Key()])
		}
	}
}

func TestBuildLaysOutRelationsAsThePlainComputation(t *testing.T) {
	want := plainRelations(layoutEntities())
	s := Build(&Result{Entities: layoutEntities()})
	for _, e := range s.Entities() {
		if got := e.Relations; !reflect.DeepEqual(got, want[e.Ref().Key()]) {
			t.Errorf("%s relations:\n got %v\nwant %v", e.Ref(), got, want[e.Ref().Key()])
		}
	}
	if n := len(s.entities[len(s.entities)-1].Relations); n != 0 {
		t.Errorf("the entity with no references has %d relations", n)
	}
	// NewSnapshot over the same entities resolves the targets itself: the
	// indexes must come out the same as Build's.
	again := NewSnapshot(s.Entities(), nil)
	for _, f := range []struct {
		name       string
		got, want2 any
	}{
		{"out", again.out, s.out}, {"in", again.in, s.in}, {"extraIn", again.extraIn, s.extraIn},
		{"byOwner", again.byOwner, s.byOwner},
		{"byRef", [2]any{again.byRef.m, again.byRef.other}, [2]any{s.byRef.m, s.byRef.other}},
	} {
		if !reflect.DeepEqual(f.got, f.want2) {
			t.Errorf("NewSnapshot's %s differs from Build's:\n%v\n%v", f.name, f.got, f.want2)
		}
	}
	if got := fmt.Sprint(s.OwnedBy(MustParseRef("group:default/child"))); got == "[]" {
		t.Errorf("OwnedBy(child) is empty")
	}
}
