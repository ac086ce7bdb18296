package catalogtest_test

import (
	"bytes"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// dependents counts the transitive dependents of r the way blast radius does:
// dependencyOf edges and consumers of the APIs it provides.
func dependents(s *catalog.Snapshot, r catalog.Ref) int {
	seen := map[string]bool{r.Key(): true}
	queue := []catalog.Ref{r}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		e, ok := s.Get(cur)
		if !ok {
			continue
		}
		var next []catalog.Ref
		next = append(next, e.RelationTargets(catalog.RelDependencyOf)...)
		next = append(next, e.RelationTargets(catalog.RelAPIConsumedBy)...)
		for _, api := range e.RelationTargets(catalog.RelProvidesAPI) {
			if !seen[api.Key()] {
				seen[api.Key()] = true
				queue = append(queue, api)
			}
		}
		for _, n := range next {
			if !seen[n.Key()] {
				seen[n.Key()] = true
				queue = append(queue, n)
			}
		}
	}
	n := 0
	for k := range seen {
		if e, ok := s.Get(catalog.MustParseRef(k)); ok && e.Ref().Kind == catalog.KindComponent && k != r.Key() {
			n++
		}
	}
	return n
}

func TestGeneratedCatalogHasRequestedShape(t *testing.T) {
	tests := []struct {
		name string
		opts catalogtest.Options
	}{
		{"small", catalogtest.Options{N: 50, Seed: 1}},
		{"with hub", catalogtest.Options{N: 2000, Seed: 7, HubDependents: 300}},
		{"hub with most components", catalogtest.Options{N: 1000, Seed: 3, HubDependents: 600}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := catalogtest.Snapshot(tc.opts)
			if s.Len() != tc.opts.N {
				t.Fatalf("got %d entities, want %d", s.Len(), tc.opts.N)
			}
			for _, p := range s.Problems() {
				t.Errorf("unexpected problem: %s", p)
			}
			kinds := map[string]int{}
			for _, e := range s.Entities() {
				kinds[e.Ref().Kind]++
			}
			for _, k := range []string{catalog.KindGroup, catalog.KindUser, catalog.KindDomain, catalog.KindSystem, catalog.KindComponent, catalog.KindAPI, catalog.KindResource} {
				if kinds[k] == 0 {
					t.Errorf("no entity of kind %s", k)
				}
			}
			if tc.opts.HubDependents > 0 {
				hub := catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName}
				if got := dependents(s, hub); got != tc.opts.HubDependents {
					t.Errorf("hub has %d transitive dependents, want %d", got, tc.opts.HubDependents)
				}
			}
		})
	}
}

func TestGenerationIsDeterministicBySeed(t *testing.T) {
	a := catalogtest.YAML(catalogtest.Options{N: 300, Seed: 42, HubDependents: 20})
	b := catalogtest.YAML(catalogtest.Options{N: 300, Seed: 42, HubDependents: 20})
	c := catalogtest.YAML(catalogtest.Options{N: 300, Seed: 43, HubDependents: 20})
	if !bytes.Equal(a, b) {
		t.Error("same seed gave different YAML")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same YAML")
	}
	if per := len(a) / 300; per < 600 || per > 1600 {
		t.Errorf("%d bytes of YAML per entity, want about 1 KB", per)
	}
}
