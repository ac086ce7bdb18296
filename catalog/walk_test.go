package catalog_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// referenceWalk is the breadth-first walk written the plain way, from the
// entities' own Relations and Get: the oracle WalkSteps and Walk must match
// entity for entity, in order, with the same depth, relation and predecessor.
func referenceWalk(s *catalog.Snapshot, from catalog.Ref, relTypes []string, maxDepth int) []catalog.Reached {
	start, ok := s.Get(from)
	if !ok {
		return nil
	}
	seen := map[*catalog.Entity]bool{start: true}
	var out []catalog.Reached
	frontier := []*catalog.Entity{start}
	for depth := 1; len(frontier) > 0 && (maxDepth <= 0 || depth <= maxDepth); depth++ {
		var next []*catalog.Entity
		for _, e := range frontier {
			for _, r := range e.Relations {
				if !slices.Contains(relTypes, r.Type) {
					continue
				}
				t, ok := s.Get(r.Target)
				if !ok || seen[t] {
					continue
				}
				seen[t] = true
				next = append(next, t)
				out = append(out, catalog.Reached{Entity: t, Depth: depth, Via: r.Type, From: e})
			}
		}
		frontier = next
	}
	return out
}

func sameWalk(t *testing.T, what string, got, want []catalog.Reached) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entities reached, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: step %d is %s depth %d via %s from %s, want %s depth %d via %s from %s", what, i,
				got[i].Entity.Ref(), got[i].Depth, got[i].Via, got[i].From.Ref(),
				want[i].Entity.Ref(), want[i].Depth, want[i].Via, want[i].From.Ref())
		}
	}
}

func TestWalkStepsMatchThePlainWalk(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 3000, Seed: 11, HubDependents: 500})
	relSets := [][]string{
		{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy},
		{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy, catalog.RelHasPart},
		{catalog.RelOwnerOf, catalog.RelHasPart},
		{catalog.RelDependsOn, catalog.RelConsumesAPI, catalog.RelAPIProvidedBy},
		{catalog.RelChildOf, catalog.RelParentOf, catalog.RelHasMember, catalog.RelMemberOf},
		{"noSuchRelation"},
		nil,
	}
	starts := []catalog.Ref{{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName}}
	for i := 0; i < s.Len(); i += 97 {
		starts = append(starts, s.Entities()[i].Ref())
	}
	var buf []catalog.Step
	for _, from := range starts {
		for _, rels := range relSets {
			for _, depth := range []int{0, 1, 2, 5} {
				what := fmt.Sprintf("walk %s %v depth %d", from, rels, depth)
				want := referenceWalk(s, from, rels, depth)
				sameWalk(t, what, s.Walk(from, rels, depth), want)
				buf = s.WalkSteps(from, rels, depth, buf) // reusing the last result's memory
				if len(buf) != len(want) {
					t.Fatalf("%s: WalkSteps reached %d, want %d", what, len(buf), len(want))
				}
				for i, st := range buf {
					w := want[i]
					if s.Entities()[st.ID] != w.Entity || s.Entities()[st.From] != w.From || int(st.Depth) != w.Depth || st.Via() != w.Via {
						t.Fatalf("%s: WalkSteps step %d = %+v via %s, want %s from %s depth %d via %s", what, i, st, st.Via(), w.Entity.Ref(), w.From.Ref(), w.Depth, w.Via)
					}
				}
			}
		}
	}
}

func TestWalkStepsOfTheHubReachTheGeneratedDependents(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 3000, Seed: 5, HubDependents: 400})
	hub := catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName}
	steps := s.WalkSteps(hub, []string{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy}, 0, nil)
	comps, apis := 0, 0
	hubID, _ := s.Index(hub)
	for i, st := range steps {
		switch s.Entities()[st.ID].Ref().Kind {
		case catalog.KindComponent:
			comps++
		case catalog.KindAPI:
			apis++
		}
		if st.Depth == 1 && st.From != hubID {
			t.Fatalf("step %d at depth 1 comes from entity %d, not the hub %d", i, st.From, hubID)
		}
		if st.ID == hubID {
			t.Fatal("the hub is among its own dependents")
		}
	}
	if comps != 400 || apis == 0 {
		t.Errorf("reached %d components and %d APIs, want 400 components and the hub's API", comps, apis)
	}
}

func TestWalkOfUnknownStartIsEmpty(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100, Seed: 1})
	missing := catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: "no-such-thing"}
	if got := s.Walk(missing, []string{catalog.RelDependencyOf}, 0); got != nil {
		t.Errorf("Walk of a missing entity = %d results", len(got))
	}
	buf := make([]catalog.Step, 3)
	if got := s.WalkSteps(missing, []string{catalog.RelDependencyOf}, 0, buf); len(got) != 0 {
		t.Errorf("WalkSteps of a missing entity kept %d old steps", len(got))
	}
	if _, ok := s.Index(missing); ok {
		t.Error("Index found a missing entity")
	}
	e := s.Entities()[42]
	if i, ok := s.Index(catalog.Ref{Kind: e.Ref().Kind, Namespace: e.Ref().Namespace, Name: e.Metadata.Name + ""}); !ok || s.Entities()[i] != e {
		t.Errorf("Index(%s) = %d, %v", e.Ref(), i, ok)
	}
	empty := catalog.NewSnapshot(nil, nil)
	if got := empty.WalkSteps(missing, nil, 0, nil); len(got) != 0 {
		t.Errorf("walk of an empty snapshot = %d", len(got))
	}
}

// BenchmarkWalkSteps10kDependents is BenchmarkWalk10kDependents through the
// compact API, reusing its result slice as a caller holding a buffer would.
func BenchmarkWalkSteps10kDependents(b *testing.B) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100_000, Seed: 1, HubDependents: 10_000})
	hub := catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName}
	rels := []string{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy}
	var buf []catalog.Step
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = s.WalkSteps(hub, rels, 0, buf)
	}
	if len(buf) < 10_000 {
		b.Fatalf("reached %d", len(buf))
	}
}
