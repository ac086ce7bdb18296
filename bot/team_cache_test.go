package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// The team list is sorted once per snapshot and kept: after a swap, the
// answer is the new snapshot's, never the list kept for the old one.
func TestTeamAnswerFollowsASnapshotSwap(t *testing.T) {
	o := catalogtest.Options{N: 300, Seed: 1}
	before := catalog.Build(&catalog.Result{Entities: catalogtest.Entities(o)})
	// A team and one component it owns.
	var team, gone *catalog.Entity
	for _, e := range before.Entities() {
		if e.Ref().Kind != catalog.KindGroup {
			continue
		}
		for _, c := range before.OwnedBy(e.Ref()) {
			if c.Ref().Kind == catalog.KindComponent {
				team, gone = e, c
				break
			}
		}
		if team != nil {
			break
		}
	}
	if team == nil {
		t.Fatal("the generated catalog has no team owning a component")
	}
	// The next snapshot: the same catalog without that component.
	var kept []*catalog.Entity
	for _, e := range catalogtest.Entities(o) {
		if e.Ref() != gone.Ref() {
			kept = append(kept, e)
		}
	}
	after := catalog.Build(&catalog.Result{Entities: kept})

	store := catalog.NewStore(before)
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: store, PageSize: 10_000}); err != nil {
		t.Fatal(err)
	}
	teamOf := func() string {
		resp, err := r.Handle(context.Background(), &bot.Request{Text: "team " + team.Ref().String(), Platform: bot.PlatformSlack, User: bot.User{ID: "U1"}})
		if err != nil {
			t.Fatal(err)
		}
		return flat(resp)
	}
	// The "Owns" count is kept with the list: it must follow the swap too.
	owns := func() string {
		resp, err := r.Handle(context.Background(), &bot.Request{Text: "team " + team.Ref().String(), Platform: bot.PlatformSlack, User: bot.User{ID: "U1"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range resp.Fields {
			if f.Name == "Owns" {
				return f.Value
			}
		}
		return ""
	}
	name := gone.Ref().String()
	for range 2 { // the second answer comes from the kept list
		if got := teamOf(); !strings.Contains(got, name) {
			t.Fatalf("before the swap, %s is not listed:\n%s", name, got)
		}
	}
	ownsBefore := owns()
	store.Swap(after)
	for range 2 {
		if got := teamOf(); strings.Contains(got, name) {
			t.Fatalf("after the swap, %s (only in the old snapshot) is still listed:\n%s", name, got)
		}
	}
	if ownsAfter := owns(); ownsAfter == ownsBefore || ownsAfter == "" {
		t.Fatalf("owns %q before the swap, %q after it, which lost a component", ownsBefore, ownsAfter)
	}
	store.Swap(before)
	if got := teamOf(); !strings.Contains(got, name) {
		t.Fatalf("swapped back, %s is not listed:\n%s", name, got)
	}
}
