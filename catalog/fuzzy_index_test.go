package catalog

import (
	"reflect"
	"strings"
	"testing"
)

// newFuzzyIndex counts its posting lists before filling them from one slab:
// they must hold what appending entity by entity gives, each entity once
// per trigram, in load order.
func TestFuzzyIndexPostingsAsAppended(t *testing.T) {
	entities := manyLayoutEntities(300)
	for i, e := range entities {
		switch i % 4 {
		case 0:
			e.Metadata.Title = "Title of " + strings.ToUpper(e.Metadata.Name)
		case 1:
			e.Metadata.Title = e.Metadata.Name // the same as the name: indexed once
		case 2:
			e.Metadata.Title = "aaaaaa bbbbbb" // trigrams repeated within a term
		}
	}
	want := map[uint32][]int32{}
	for i, e := range entities {
		name, title := strings.ToLower(e.Metadata.Name), strings.ToLower(e.Metadata.Title)
		gs := gramsOf(name, nil)
		if title != "" && title != name {
			gs = gramsOf(title, gs)
		}
		for _, g := range gs {
			if p := want[g]; len(p) == 0 || p[len(p)-1] != int32(i) {
				want[g] = append(p, int32(i))
			}
		}
	}
	ix := newFuzzyIndex(entities)
	if !reflect.DeepEqual(ix.grams, want) {
		t.Fatalf("posting lists differ from appending each entity's trigrams (%d lists, want %d)", len(ix.grams), len(want))
	}
	for g, p := range ix.grams {
		if cap(p) != len(p) {
			t.Fatalf("list of %x has room for %d more: appending to it would write into the next", g, cap(p)-len(p))
		}
	}
}
