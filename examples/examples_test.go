package examples

import (
	"context"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
)

// unknownKind is the entity kept to show that kinds callboard does not model
// survive loading.
var unknownKind = catalog.Ref{Kind: "environment", Namespace: "default", Name: "production-eu"}

func loadEmbedded(t *testing.T) *catalog.Snapshot {
	t.Helper()
	res := catalog.LoadFS(context.Background(), FS, []string{Root}, catalog.LoadOptions{Source: "embedded"})
	return catalog.Build(res)
}

// TestEmbeddedOrganisationLoadsThroughItsLocation is the contract with the
// catalog engine: following Root alone reaches a valid organisation.
func TestEmbeddedOrganisationLoadsThroughItsLocation(t *testing.T) {
	s := loadEmbedded(t)
	for _, p := range s.Problems() {
		switch {
		case p.Severity == catalog.Error:
			t.Errorf("error: %s", p)
		case p.Entity.Key() == unknownKind.Key() || strings.HasSuffix(p.Pos.File, "org/environments.yaml"):
			// the unknown kind is expected to warn
		default:
			t.Errorf("unexpected warning (dangling reference?): %s", p)
		}
	}
	if s.Len() < 45 {
		t.Errorf("got %d entities, want at least 45", s.Len())
	}
	kinds := map[string]int{}
	for _, e := range s.Entities() {
		kinds[strings.ToLower(e.Kind)]++
	}
	for _, k := range []string{catalog.KindComponent, catalog.KindAPI, catalog.KindResource, catalog.KindSystem,
		catalog.KindDomain, catalog.KindGroup, catalog.KindUser, catalog.KindLocation, catalog.KindTemplate} {
		if kinds[k] == 0 {
			t.Errorf("no entity of kind %s (kinds loaded: %v)", k, kinds)
		}
	}
	e, ok := s.Get(unknownKind)
	if !ok {
		t.Fatalf("%s was dropped; unknown kinds must be kept", unknownKind)
	}
	if e.Known {
		t.Errorf("%s is marked Known; Environment is not a kind callboard models", unknownKind)
	}
}

// TestEveryReferenceResolvesInTheSnapshot checks the relations the engine
// built: each target is an entity of the snapshot.
func TestEveryReferenceResolvesInTheSnapshot(t *testing.T) {
	s := loadEmbedded(t)
	for _, e := range s.Entities() {
		for _, r := range e.Relations {
			if _, ok := s.Get(r.Target); !ok {
				t.Errorf("%s: %s %s does not exist", e.Ref(), r.Type, r.Target)
			}
		}
	}
}

// TestDemonstratedQueriesHaveAnswers pins the entities the product's own
// examples name, so a rename here does not silently break a demo.
func TestDemonstratedQueriesHaveAnswers(t *testing.T) {
	s := loadEmbedded(t)
	tests := []struct {
		name      string
		wantKinds []string // kinds of the entities carrying that name
	}{
		{"payments-api", []string{"component"}},
		{"ledger", []string{"component"}},
		{"checkout", []string{"component"}},
		{"refunds-worker", []string{"component"}},
		{"team-payments", []string{"group"}},
		{"go-service", []string{"template"}},
		{"payments", []string{"component", "system"}}, // the ambiguous name
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range s.ByName(tt.name) {
				got = append(got, strings.ToLower(e.Kind))
			}
			if strings.Join(sorted(got), ",") != strings.Join(sorted(tt.wantKinds), ",") {
				t.Errorf("entities named %q have kinds %v, want %v", tt.name, got, tt.wantKinds)
			}
		})
	}
	if s.ByName("ledger-export") != nil {
		t.Error("ledger-export exists; it is the name the scaffolding demo creates")
	}
}
