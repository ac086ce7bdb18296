package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// isOnCallLink lower-cases into a stack buffer: it says what lower-casing
// the joined fields as a string says, ASCII or not, across field borders.
func TestIsOnCallLinkAsTheLowerCasedJoin(t *testing.T) {
	want := func(l catalog.Link) bool {
		s := strings.ToLower(l.Title + " " + l.Type + " " + l.Icon + " " + l.URL)
		for _, w := range []string{"on-call", "oncall", "on call", "pagerduty", "opsgenie", "pager", "rota", "escalation"} {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	long := strings.Repeat("x", 300)
	links := []catalog.Link{
		{}, {Title: "Runbook", URL: "https://wiki/runbook"}, {Title: "On-Call", URL: "https://x"},
		{Title: "ON", Type: "CALL"}, {Title: "on", Icon: "call"}, {Title: "PagerDuty"}, {URL: "https://OPSGENIE.com/x"},
		{Title: "Rotation"}, {Title: "Escalation policy"}, {Title: "Dashboard", Type: "grafana"},
		{Title: "Ρота on-call"}, {Title: "İ Pager"}, {Title: "\u212a oncall"}, {Title: "\u212a dashboards"},
		{Title: long + "pager"}, {Title: long, URL: "https://rota"}, {Title: long}, {Title: "ROT", URL: "A"},
	}
	for _, l := range links {
		if got := isOnCallLink(l); got != want(l) {
			t.Errorf("isOnCallLink(%+v) = %v, want %v", l, got, want(l))
		}
	}
}

// A hub's relations as answer data are kept per snapshot and given again:
// the same data as built afresh, for every entity.
func TestEntityDataInSharesTheSameRelations(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 2000, Seed: 1})
	var ls lookups
	l, hubs := ls.get(s), 0
	for _, e := range s.Entities() {
		want := entityData(s, e)
		first, again := entityDataIn(l, s, e), entityDataIn(l, s, e)
		if !reflect.DeepEqual(first, want) || !reflect.DeepEqual(again, want) {
			t.Fatalf("%s: entityDataIn\n%+v\n%+v\nwant %+v", e.Ref(), first, again, want)
		}
		if len(e.Relations) >= sharedRelations {
			hubs++
			if &first.Relations[0] != &again.Relations[0] {
				t.Fatalf("%s (%d relations): not shared", e.Ref(), len(e.Relations))
			}
		}
	}
	if hubs == 0 {
		t.Fatal("no entity with many relations in the catalog")
	}
}
