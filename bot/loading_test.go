package bot_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

// loadingStore is a catalog.Store whose sources may still be loading.
type loadingStore struct {
	*catalog.Store
	loading atomic.Bool
}

func (l *loadingStore) Loading() bool { return l.loading.Load() }

// While a remote source has not loaded, a name the catalog does not hold
// yet is "still loading", not "nothing is called"; once loaded, it is.
func TestLookupsWhileTheCatalogLoadsSayStillLoading(t *testing.T) {
	local := catalog.Build(&catalog.Result{Entities: []*catalog.Entity{{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Known: true,
		Metadata: catalog.Metadata{Name: "team-a", Namespace: "default"}, Spec: map[string]any{"type": "team"}}}})
	tests := []struct {
		name    string
		snap    *catalog.Snapshot
		loading bool
		text    string
		want    string
	}{
		{"no snapshot yet", nil, true, "who owns ledger", "The catalog is still loading"},
		{"a partial snapshot, still loading", local, true, "who owns ledger", "The catalog is still loading"},
		{"a partial snapshot answers what it holds", local, true, "team team-a", "team-a"},
		{"loaded", local, false, "who owns ledger", "Nothing in the catalog is called"},
		{"search, still loading", local, true, "search ledger", "The catalog is still loading"},
		{"runbook, still loading", local, true, "runbook ledger", "The catalog is still loading"},
		{"escalation, still loading", local, true, "escalation ledger", "The catalog is still loading"},
		{"oncall, still loading", local, true, "oncall ledger", "The catalog is still loading"},
		{"deps, still loading", local, true, "deps ledger", "The catalog is still loading"},
		{"ledger is down, still loading", local, true, "ledger is down", "The catalog is still loading"},
		{"docs, still loading", local, true, "docs ledger", "The catalog is still loading"},
		{"search, loaded", local, false, "search ledger", "No catalog entity matches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &loadingStore{Store: catalog.NewStore(tt.snap)}
			st.loading.Store(tt.loading)
			r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
			if err := bot.RegisterBuiltins(r, bot.Options{Catalog: st}); err != nil {
				t.Fatal(err)
			}
			if got := ask(t, r, tt.text); !strings.Contains(got.Title, tt.want) {
				t.Errorf("%q: %q, want %q", tt.text, got.Title, tt.want)
			}
		})
	}
}
