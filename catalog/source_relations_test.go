package catalog

import (
	"fmt"
	"testing"
)

// A source such as Backstage serves relations its processors added that no
// spec field holds; Build keeps them beside the spec's, each once.
func TestBuildMergesSourceRelationsWithSpecOnes(t *testing.T) {
	comp := func(name, owner string, rels ...Relation) *Entity {
		return &Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Known: true,
			Metadata:        Metadata{Name: name, Namespace: DefaultNamespace},
			Spec:            map[string]any{"type": "service", "lifecycle": "production", "owner": owner},
			SourceRelations: rels}
	}
	ref := MustParseRef
	billing := comp("billing", "team-a",
		Relation{Type: RelOwnedBy, Target: ref("group:default/team-a")},          // also from spec.owner
		Relation{Type: RelDependsOn, Target: ref("resource:default/billing-db")}, // only Backstage's
		Relation{Type: RelDependsOn, Target: ref("resource:default/billing-db")}, // served twice
		Relation{Type: "maintainedBy", Target: ref("user:default/jane")},         // a custom processor's type
		Relation{Type: RelDependsOn, Target: ref("component:default/elsewhere")}, // not in this catalog
	)
	db := &Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Resource", Known: true,
		Metadata: Metadata{Name: "billing-db", Namespace: DefaultNamespace},
		Spec:     map[string]any{"type": "database", "owner": "team-a"},
		// Backstage serves the inverse on the target too.
		SourceRelations: []Relation{{Type: RelDependencyOf, Target: ref("component:default/billing")}}}
	team := &Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Known: true,
		Metadata: Metadata{Name: "team-a", Namespace: DefaultNamespace}, Spec: map[string]any{"type": "team"}}
	jane := &Entity{APIVersion: "backstage.io/v1alpha1", Kind: "User", Known: true,
		Metadata: Metadata{Name: "jane", Namespace: DefaultNamespace}, Spec: map[string]any{}}
	s := Build(&Result{Entities: []*Entity{billing, db, team, jane}})

	count := func(e *Entity, typ, target string) int {
		n := 0
		for _, r := range e.Relations {
			if r.Type == typ && r.Target.Key() == target {
				n++
			}
		}
		return n
	}
	checks := []struct {
		name      string
		e         *Entity
		typ, to   string
		wantCount int
	}{
		{"spec and served ownedBy are one", billing, RelOwnedBy, "group:default/team-a", 1},
		{"served-only dependsOn kept once", billing, RelDependsOn, "resource:default/billing-db", 1},
		{"custom type kept", billing, "maintainedBy", "user:default/jane", 1},
		{"dangling served target kept", billing, RelDependsOn, "component:default/elsewhere", 1},
		{"inverse on the target once (served and computed)", db, RelDependencyOf, "component:default/billing", 1},
		{"owner's inverse", team, RelOwnerOf, "component:default/billing", 1},
	}
	for _, c := range checks {
		if got := count(c.e, c.typ, c.to); got != c.wantCount {
			t.Errorf("%s: %s %s %s: %d, want %d (relations %v)", c.name, c.e.Ref(), c.typ, c.to, got, c.wantCount, c.e.Relations)
		}
	}
	if deps := s.Incoming(ref("resource:default/billing-db"), RelDependsOn); len(deps) != 1 || deps[0] != billing {
		t.Errorf("what depends on billing-db: %v", deps)
	}
	if got := s.OwnedBy(ref("group:default/team-a")); len(got) != 2 {
		t.Errorf("team-a owns %d entities, want 2", len(got))
	}
	for _, p := range s.Problems() {
		t.Errorf("unexpected problem: %s", p)
	}
	// Building again from the same inputs gives the same relations: source
	// relations are an input, never rewritten.
	again := Build(&Result{Entities: []*Entity{
		{APIVersion: billing.APIVersion, Kind: billing.Kind, Known: true, Metadata: billing.Metadata, Spec: billing.Spec, SourceRelations: billing.SourceRelations}}})
	e, _ := again.Get(ref("component:default/billing"))
	if count(e, RelDependsOn, "resource:default/billing-db") != 1 || len(billing.SourceRelations) != 5 {
		t.Errorf("rebuild: %v; source relations %v", e.Relations, billing.SourceRelations)
	}
}

// benchBackstage is n components as a Backstage API serves them: each owned
// by one of 100 groups and depending on the next, with Backstage's own
// relations (withServed) or spec alone.
func benchBackstage(n int, withServed bool) []*Entity {
	out := make([]*Entity, 0, n+100)
	for g := range 100 {
		out = append(out, &Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Known: true,
			Metadata: Metadata{Name: fmt.Sprintf("team-%d", g), Namespace: DefaultNamespace}, Spec: map[string]any{"type": "team"}})
	}
	for i := range n {
		owner, next := fmt.Sprintf("team-%d", i%100), fmt.Sprintf("svc-%d", (i+1)%n)
		e := &Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Known: true,
			Metadata: Metadata{Name: fmt.Sprintf("svc-%d", i), Namespace: DefaultNamespace},
			Spec:     map[string]any{"type": "service", "lifecycle": "production", "owner": owner, "dependsOn": []any{"component:" + next}}}
		if withServed {
			e.SourceRelations = []Relation{
				{Type: RelOwnedBy, Target: Ref{Kind: KindGroup, Namespace: DefaultNamespace, Name: owner}},
				{Type: RelDependsOn, Target: Ref{Kind: KindComponent, Namespace: DefaultNamespace, Name: next}},
				{Type: RelDependencyOf, Target: Ref{Kind: KindComponent, Namespace: DefaultNamespace, Name: fmt.Sprintf("svc-%d", (i+n-1)%n)}},
			}
		}
		out = append(out, e)
	}
	return out
}

// BenchmarkBuild10kBackstage measures what merging Backstage's relations
// costs Build (spec only vs spec plus served relations).
func BenchmarkBuild10kBackstage(b *testing.B) {
	for _, served := range []bool{false, true} {
		b.Run(fmt.Sprintf("served=%v", served), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				es := benchBackstage(10_000, served)
				b.StartTimer()
				Build(&Result{Entities: es})
			}
		})
	}
}
