package bot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

type answerCase struct {
	text     string
	status   bot.Status
	has      []string
	hasNot   []string
	title    string // substring of the title
	platform string
}

func runAnswerCases(t *testing.T, r *bot.Router, cases []answerCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			u := bot.User{Platform: bot.PlatformConsole, ID: "tester"}
			if c.platform != "" {
				u.Platform = c.platform
			}
			resp := askAs(t, r, c.text, u, 0)
			got := flat(resp)
			if resp.Status != c.status {
				t.Errorf("status = %q, want %q\n%s", resp.Status, c.status, got)
			}
			if c.title != "" && !strings.Contains(resp.Title, c.title) {
				t.Errorf("title = %q, want it to contain %q", resp.Title, c.title)
			}
			for _, h := range c.has {
				if !strings.Contains(got, h) {
					t.Errorf("answer lacks %q:\n%s", h, got)
				}
			}
			for _, h := range c.hasNot {
				if strings.Contains(got, h) {
					t.Errorf("answer has %q, it must not:\n%s", h, got)
				}
			}
		})
	}
}

func orgRouter(t testing.TB) *bot.Router {
	return newRouter(t, loadSnapshot(t, "testdata", "org.yaml"), nil)
}

func TestOwnerAnswersEveryPhrasing(t *testing.T) {
	r := orgRouter(t)
	owned := []string{"Owner: Team Payments (group:payments-team)", "Email: payments@acme.example", "Channel: #payments",
		"Escalation: Team Payments (#payments) → ACME Inc (#acme)", "Lifecycle: production", "System: payments (system)", "Domain: commerce (domain)",
		"link PagerDuty service PAY123 https://app.pagerduty.com/service-directory/PAY123", "action show dependents => dependents component:default/payments-api"}
	var cases []answerCase
	for _, text := range []string{
		"who owns payments-api?", "Who owns payments-api", "WHO OWNS PAYMENTS-API!!", "owner payments-api", "owns payments-api",
		"who owns component:default/payments-api", "who owns component:payments-api", "who owns default/payments-api",
		`who owns "Payments API"?`, "who owns the Payments API", "who owns “payments api”", "who is the owner of payments-api?",
		"payments-api owner", "who owns acme/payments-service", "who owns payments-service", "please, who owns payments_api?",
		"who maintains payments-api", "whose payments-api",
	} {
		cases = append(cases, answerCase{text: text, status: bot.StatusOK, title: "Payments API is owned by Team Payments", has: owned, hasNot: []string{"secret-integration-key"}})
	}
	runAnswerCases(t, r, cases)
}

func TestOwnerOfATeamIsItsParent(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "who owns payments-team", status: bot.StatusOK, title: "Team Payments reports to ACME Inc"},
		{text: "who owns acme", status: bot.StatusOK, title: "top-level team"},
		{text: "owner orphan", status: bot.StatusOK, title: "owned by group:ghost-team", has: []string{"not in the catalog"}},
	})
}

func TestOwnerShowsTheChannelOfTheAskersPlatform(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "who owns ledger", platform: bot.PlatformDiscord, status: bot.StatusOK, has: []string{"Channel: payments-chat"}},
		{text: "who owns ledger", platform: bot.PlatformSlack, status: bot.StatusOK, has: []string{"Channel: #payments"}},
	})
}

func TestAmbiguousNamesOfferClickableChoices(t *testing.T) {
	r := orgRouter(t)
	resp := ask(t, r, "who owns search")
	if resp.Status != bot.StatusAmbiguous {
		t.Fatalf("status = %q, want ambiguous\n%s", resp.Status, flat(resp))
	}
	want := map[string]bool{"owner api:default/search": false, "owner component:default/search": false}
	for _, s := range resp.Suggestions {
		if _, ok := want[s.Command]; ok {
			want[s.Command] = true
		}
	}
	for cmd, seen := range want {
		if !seen {
			t.Errorf("no choice %q in %+v", cmd, resp.Suggestions)
		}
	}
	if len(resp.Suggestions) != 2 {
		t.Errorf("suggestions = %+v, want 2", resp.Suggestions)
	}
	// One set of choices: the same commands are not offered again as actions.
	for _, a := range resp.Actions {
		if _, dup := want[a.Command]; dup {
			t.Errorf("choice %q offered twice (also as an action)", a.Command)
		}
	}
	// Clicking a choice answers.
	for cmd := range want {
		if got := ask(t, r, cmd); got.Status != bot.StatusOK {
			t.Errorf("%q: status %q", cmd, got.Status)
		}
	}
}

func TestResolutionPrefersTheKindThatFitsTheVerb(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		// "payments" is a system; "team payments" is a group by title.
		{text: "who owns payments", status: bot.StatusOK, title: "payments is owned by Team Payments"},
		{text: "team Team Payments", status: bot.StatusOK, title: "Team Payments"},
		{text: "team payments-api", status: bot.StatusOK, title: "Team Payments", has: []string{"Members: 1"}},
		{text: "api search", status: bot.StatusOK, title: "search", has: []string{"Type: grpc"}},
		{text: "api component:search", status: bot.StatusOK, title: "provides and consumes no API"},
		{text: "info component search", status: bot.StatusOK, has: []string{"Ref: component:default/search"}},
		{text: "system payments", status: bot.StatusOK, title: "payments (system)"},
		// the default namespace wins over another namespace for the same kind
		{text: "who owns checkout", status: bot.StatusOK, title: "checkout is owned by Team Checkout"},
		{text: "info legacy/checkout", status: bot.StatusOK, has: []string{"Ref: component:legacy/checkout"}},
	})
}

func TestNotFoundSuggestsTheClosestThree(t *testing.T) {
	r := orgRouter(t)
	resp := ask(t, r, "who owns pymnts-ap")
	if resp.Status != bot.StatusNotFound {
		t.Fatalf("status %q\n%s", resp.Status, flat(resp))
	}
	if len(resp.Suggestions) == 0 || len(resp.Suggestions) > 3 {
		t.Fatalf("suggestions = %+v, want 1 to 3", resp.Suggestions)
	}
	if resp.Suggestions[0].Command != "owner component:default/payments-api" {
		t.Errorf("best suggestion = %+v", resp.Suggestions[0])
	}
	resp = ask(t, r, "who owns zzzzqqqq")
	if resp.Status != bot.StatusNotFound || !strings.Contains(resp.Text, "search zzzzqqqq") {
		t.Errorf("unknown name: %s", flat(resp))
	}
	resp = ask(t, r, "who owns component:default/nope")
	if resp.Status != bot.StatusNotFound {
		t.Errorf("unknown ref: %s", flat(resp))
	}
}

func TestTypoCloseToOneNameResolvesIt(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "who owns ledgr", status: bot.StatusOK, title: "ledger is owned by Team Payments"},
	})
}

func TestMissingArgumentIsAUsageAnswer(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "who owns", status: bot.StatusUsage, title: "Usage: owner X"},
		{text: "impact", status: bot.StatusUsage, title: "Usage: dependents X"},
		{text: "dependents ledger-db depth x", status: bot.StatusUsage},
		{text: "search", status: bot.StatusUsage},
	})
}

func TestOnCall(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "who's on call for payments-api?", status: bot.StatusOK, title: "On-call for Payments API", has: []string{"https://app.pagerduty.com/service-directory/PAY123", "From Team Payments"}, hasNot: []string{"secret-integration-key"}},
		{text: "Who’s on call for checkout", status: bot.StatusOK, has: []string{"link Checkout on-call rota https://oncall.acme.example/checkout"}},
		{text: "oncall platform", status: bot.StatusOK, has: []string{"Opsgenie team: platform-oncall"}},
		{text: "on call for ledger-db", status: bot.StatusOK, has: []string{"Opsgenie team: platform-oncall"}},
		{text: "oncall orphan", status: bot.StatusOK, title: "No on-call is recorded"},
	})
}

func TestInfoCardAndBareName(t *testing.T) {
	card := []string{"Takes card payments.", "Kind: Component · service", "Owner: Team Payments", "Tags: go, payments",
		"link Dashboard https://grafana.acme.example/d/payments", "link GitHub acme/payments-service https://github.com/acme/payments-service",
		"Docs: TechDocs (dir:.)", "Defined in: org.yaml"}
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "info payments-api", status: bot.StatusOK, title: "Payments API", has: card},
		{text: "payments-api", status: bot.StatusOK, title: "Payments API", has: card},
		{text: `"Payments API"`, status: bot.StatusOK, title: "Payments API", has: card},
		{text: "what is payments-api?", status: bot.StatusOK, title: "Payments API", has: card},
		{text: "tell me about the payments api", status: bot.StatusOK, title: "Payments API", has: card},
	})
}

func TestDeps(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "deps payments-api", status: bot.StatusOK, has: []string{"ledger-db (resource) | depends on", "ledger (component) | depends on"}},
		{text: "what does checkout depend on?", status: bot.StatusOK, has: []string{"Payments HTTP API (api:payments-http) | consumes this API, provided by component:payments-api"}},
		{text: "deps search", status: bot.StatusAmbiguous},
		{text: "deps web-shop", status: bot.StatusOK, has: []string{"checkout (component) | depends on"}},
		{text: "dependencies of ledger-db", status: bot.StatusOK, title: "depends on nothing"},
	})
}

func TestBlastRadiusIsTransitiveThroughAPIsAndGroupedByTeam(t *testing.T) {
	r := orgRouter(t)
	want := []string{
		"## Team Payments (group:payments-team) · #payments — 3",
		"- Payments API (component:payments-api) | depth 1 · depends on resource:ledger-db",
		"- ledger (component) | depth 1 · depends on resource:ledger-db",
		"- Payments HTTP API (api:payments-http) | depth 2 · provided by component:payments-api",
		"## Team Checkout (group:checkout-team) · #checkout — 2",
		"- checkout (component) | depth 3 · consumes api:payments-http",
		"- Web Shop (component:web-shop) | depth 4 · depends on component:checkout",
		"Teams to tell: 2", "Deepest: 4",
	}
	for _, text := range []string{"impact ledger-db", "what depends on the ledger-db?", "dependents resource:ledger-db", "blast radius of ledger-db", "what breaks if ledger-db goes down?", "who is affected by ledger-db"} {
		t.Run(text, func(t *testing.T) {
			resp := askAs(t, r, text, bot.User{Platform: bot.PlatformConsole, ID: "x"}, 0)
			// five entities on a page of five: no paging
			got := flat(resp)
			if resp.Status != bot.StatusOK || !strings.HasPrefix(resp.Title, "5 entities affected if ledger-db goes down") {
				t.Fatalf("%s", got)
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
		})
	}
	resp := ask(t, r, "impact ledger-db depth 1")
	if !strings.HasPrefix(resp.Title, "2 entities") {
		t.Errorf("depth 1: %s", flat(resp))
	}
	resp = ask(t, r, "impact payments")
	if !strings.Contains(flat(resp), "Payments API (component:payments-api) | depth 1 · part of system:payments") {
		t.Errorf("system parts: %s", flat(resp))
	}
	resp = ask(t, r, "impact web-shop")
	if !strings.HasPrefix(resp.Title, "Nothing in the catalog depends on Web Shop") {
		t.Errorf("leaf: %s", flat(resp))
	}
}

func TestLongAnswersPageWithANextPageAction(t *testing.T) {
	// A hub with 12 dependents, page size 5: pages of 5, 5, 2.
	var ents []*catalog.Entity
	comp := func(name string, deps ...string) *catalog.Entity {
		spec := map[string]any{"type": "service", "owner": "team-x"}
		if len(deps) > 0 {
			var l []any
			for _, d := range deps {
				l = append(l, d)
			}
			spec["dependsOn"] = l
		}
		return &catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: catalog.Metadata{Name: name}, Spec: spec, Known: true}
	}
	ents = append(ents, comp("hub"))
	for i := 0; i < 12; i++ {
		ents = append(ents, comp(fmt.Sprintf("leaf-%02d", i), "component:hub"))
	}
	r := newRouter(t, catalog.Build(&catalog.Result{Entities: ents}), nil)
	seen := map[string]bool{}
	page := 0
	for n := 0; n < 5; n++ {
		resp := askAs(t, r, "impact hub", bot.User{Platform: bot.PlatformConsole}, page)
		if resp.Page == nil || resp.Page.Total != 3 || resp.Page.Items != 12 || resp.Page.Index != page {
			t.Fatalf("page %d: %+v", page, resp.Page)
		}
		for _, s := range resp.Sections {
			for _, it := range s.Items {
				if seen[it.Ref] {
					t.Errorf("%s on two pages", it.Ref)
				}
				seen[it.Ref] = true
			}
		}
		var next *bot.Action
		for i := range resp.Actions {
			if strings.HasPrefix(resp.Actions[i].Label, "next page") {
				next = &resp.Actions[i]
			}
		}
		if next == nil {
			break
		}
		if next.Command != "impact hub" {
			t.Errorf("next page command = %q", next.Command)
		}
		page = next.Page
	}
	if len(seen) != 12 {
		t.Errorf("saw %d of 12 dependents across the pages", len(seen))
	}
}

func TestTeam(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "team payments-team", status: bot.StatusOK, title: "Team Payments", has: []string{"Parent: ACME Inc (group:acme)", "Channel: #payments", "## Members", "Alice Archer (user:alice) | member alice@acme.example", "## Owns", "Payments API (component:payments-api) | component · service · production", "Owns: 1 system, 2 components, 1 API"}},
		{text: "who is in payments-team?", status: bot.StatusOK, title: "Team Payments"},
		{text: "team acme", status: bot.StatusOK, has: []string{"Child teams: group:payments-team, group:checkout-team, group:platform"}},
		{text: "team nobody-team", status: bot.StatusNotFound},
	})
}

func TestWhoamiMapsChatUsers(t *testing.T) {
	r := orgRouter(t)
	cases := []struct {
		user bot.User
		want string
	}{
		{bot.User{Platform: bot.PlatformSlack, ID: "U0ALICE"}, "You are Alice Archer (user:alice)"},
		{bot.User{Platform: bot.PlatformDiscord, ID: "4242"}, "You are Bob Baker (user:bob)"},
		{bot.User{Platform: bot.PlatformSlack, ID: "UNKNOWN", Email: "carol@acme.example"}, "You are Carol Cook (user:carol)"},
		{bot.User{Platform: bot.PlatformConsole, ID: "alice"}, "You are Alice Archer (user:alice)"},
	}
	for _, c := range cases {
		resp := askAs(t, r, "whoami", c.user, 0)
		if resp.Status != bot.StatusOK || resp.Title != c.want {
			t.Errorf("%+v: %s", c.user, flat(resp))
		}
	}
	resp := askAs(t, r, "mine", bot.User{Platform: bot.PlatformSlack, ID: "U0ALICE"}, 0)
	if !strings.Contains(flat(resp), "Teams: Team Payments") || !strings.Contains(flat(resp), "Your teams own: 1 system, 2 components, 1 API") {
		t.Errorf("mine: %s", flat(resp))
	}
	resp = askAs(t, r, "whoami", bot.User{Platform: bot.PlatformSlack, ID: "U999"}, 0)
	if resp.Status != bot.StatusNotFound || !strings.Contains(resp.Text, "slack.com/user-id: U999") {
		t.Errorf("unknown user: %s", flat(resp))
	}
}

func TestSearchRanksNamesAboveDescriptions(t *testing.T) {
	r := orgRouter(t)
	resp := ask(t, r, "search ledger")
	if resp.Status != bot.StatusOK || len(resp.Sections) == 0 || len(resp.Sections[0].Items) < 2 {
		t.Fatalf("%s", flat(resp))
	}
	if got := resp.Sections[0].Items[0].Ref; got != "component:default/ledger" {
		t.Errorf("first hit = %s, want the exact name", got)
	}
	runAnswerCases(t, r, []answerCase{
		{text: "find go payments", status: bot.StatusOK, has: []string{"component:default/payments-api"}},
		{text: "search money", status: bot.StatusOK, has: []string{"system:default/payments"}},
		{text: "search acme/payments-service", status: bot.StatusOK, has: []string{"component:default/payments-api"}},
		{text: "search qqqxxxzzz", status: bot.StatusNotFound},
	})
}

func TestAPIAndSystem(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "api payments-http", status: bot.StatusOK, has: []string{"## Provided by", "Payments API (component:payments-api)", "## Consumed by (1)", "checkout (component)"}},
		{text: `api "Payments HTTP API"`, status: bot.StatusOK, title: "Payments HTTP API"},
		{text: "apis payments-api", status: bot.StatusOK, has: []string{"## Provides", "api:payments-http"}},
		{text: "system payments", status: bot.StatusOK, has: []string{"Parts: 2 components, 1 API, 1 resource", "Domain: commerce (domain)", "Channel: #payments"}},
		{text: "domain commerce", status: bot.StatusOK, has: []string{"Parts: 2 system"}},
		{text: "system ledger", status: bot.StatusOK, title: "payments (system)"},
		{text: "system orphan", status: bot.StatusOK, title: "not part of a system"},
	})
}

func TestHelp(t *testing.T) {
	runAnswerCases(t, orgRouter(t), []answerCase{
		{text: "help", status: bot.StatusOK, has: []string{"owner X", "dependents X [depth N]", "team T", "whoami", "search Q", "api X", "system X", "oncall X", "deps X", "info X"}, hasNot: []string{"docs Q"}},
		{text: "", status: bot.StatusOK, title: "callboard commands"},
		{text: "help impact", status: bot.StatusOK, title: "dependents X [depth N]", has: []string{"action impact ledger-db => impact ledger-db"}, hasNot: []string{"artists-db"}}, // examples name the served catalog
		{text: "help who owns", status: bot.StatusOK, title: "owner X"},
		{text: "help frobnicate", status: bot.StatusNotFound},
	})
}

// docsFake is an in-memory DocSearcher returning n numbered hits.
type docsFake struct {
	n       int
	entity  *catalog.Ref
	queries []string
}

func (d *docsFake) SearchDocs(ctx context.Context, q string, entity *catalog.Ref, limit, offset int) ([]bot.DocHit, int, error) {
	d.queries = append(d.queries, q)
	d.entity = entity
	var out []bot.DocHit
	for i := offset; i < d.n && i < offset+limit; i++ {
		out = append(out, bot.DocHit{Page: fmt.Sprintf("p%d.md", i), Title: q, Score: float64(d.n - i)})
	}
	return out, d.n, nil
}

func TestDocsParsesTheEntityAndPages(t *testing.T) {
	s := loadSnapshot(t, "testdata", "org.yaml")
	cases := []struct {
		text, q, entity string
	}{
		{"docs how to rotate keys", "how to rotate keys", ""},
		{"docs rollback in payments-api", "rollback", "component:default/payments-api"},
		{"docs payments-api rollback", "rollback", "component:default/payments-api"},
		{`docs rollback in "Payments API"`, "rollback", "component:default/payments-api"},
		{"docs deploys in production", "deploys in production", ""},
	}
	for _, c := range cases {
		d := &docsFake{n: 12}
		r := newRouter(t, s, d)
		resp := ask(t, r, c.text)
		if resp.Status != bot.StatusOK || len(resp.Docs) != 5 {
			t.Fatalf("%q: %s", c.text, flat(resp))
		}
		if d.queries[0] != c.q {
			t.Errorf("%q: query %q, want %q", c.text, d.queries[0], c.q)
		}
		got := ""
		if d.entity != nil {
			got = d.entity.String()
		}
		if got != c.entity {
			t.Errorf("%q: entity %q, want %q", c.text, got, c.entity)
		}
		if resp.Page == nil || resp.Page.Total != 3 {
			t.Errorf("%q: page %+v", c.text, resp.Page)
		}
	}
	d := &docsFake{n: 12}
	r := newRouter(t, s, d)
	resp := askAs(t, r, "docs rollback", bot.User{Platform: bot.PlatformConsole}, 2)
	if len(resp.Docs) != 2 || resp.Docs[0].Page != "p10.md" {
		t.Errorf("last page: %s", flat(resp))
	}
	resp = ask(t, newRouter(t, s, &docsFake{}), "docs nothing here")
	if resp.Status != bot.StatusNotFound {
		t.Errorf("no hits: %s", flat(resp))
	}
}

func TestKindCountsReadAsWords(t *testing.T) {
	for _, c := range []struct {
		n          int
		kind, want string
	}{
		{1, "system", "1 system"}, {5, "component", "5 components"}, {3, "api", "3 APIs"}, {1, "api", "1 API"},
		{2, "resource", "2 resources"}, {2, "template", "2 templates"}, {4, "user", "4 users"},
	} {
		if got := bot.CountOf(c.n, c.kind); got != c.want {
			t.Errorf("CountOf(%d, %q) = %q, want %q", c.n, c.kind, got, c.want)
		}
	}
}

func TestLongDescriptionIsFoldedBelowTheKeyFacts(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("The ledger keeps every posting ever made. ", 700) // ~29,000 characters
	yaml := "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n---\n" +
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: big\n  description: \"" + long + "\"\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
	if err := os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRouter(t, loadSnapshot(t, dir, "catalog-info.yaml"), nil)
	for _, q := range []string{"info big", "component big"} {
		resp := ask(t, r, q)
		if resp.Status != bot.StatusOK {
			t.Fatalf("%s: %s\n%s", q, resp.Status, flat(resp))
		}
		if n := len([]rune(resp.Text)); n > 700 {
			t.Errorf("%s: opening text is %d characters, want the description folded", q, n)
		}
		if !strings.Contains(flat(resp), "team-a") {
			t.Errorf("%s: owner missing:\n%.400s", q, flat(resp))
		}
		if len(resp.Sections) == 0 {
			t.Fatalf("%s: no sections; want the description last:\n%.400s", q, flat(resp))
		}
		last := resp.Sections[len(resp.Sections)-1]
		if last.Title != "Description" || last.Text != strings.TrimSpace(long) {
			t.Errorf("%s: last section %q holds %d characters, want the whole description", q, last.Title, len(last.Text))
		}
	}
	// A short description stays where it is.
	short := ask(t, orgRouter(t), "info ledger")
	for _, s := range short.Sections {
		if s.Title == "Description" {
			t.Errorf("short description folded: %+v", s)
		}
	}
}
