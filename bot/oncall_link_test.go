package bot

import (
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
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
