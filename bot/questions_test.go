package bot_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/examples"
)

// The incident question set: questions as a stressed on-call engineer types
// them, on the embedded example organisation (with its example rota) and on
// Backstage's demo catalog, each with the entity the answer must be about
// and what it must say. The share answered right is logged and must stay at
// or above 95%.

type question struct {
	q      string
	entity string   // the ref the answer is about ("" when none)
	has    []string // what the answer must say
	// choice marks a question whose right answer is a choice: the name fits
	// several entities with different answers.
	choice bool
}

// incidentClock is a Monday afternoon in week 48 of the example rota.
var incidentClock = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func exampleRouter(t testing.TB) *bot.Router {
	t.Helper()
	res := catalog.LoadFS(context.Background(), examples.FS, []string{examples.Root}, catalog.LoadOptions{Source: "files"})
	s := catalog.Build(res)
	rt, err := rota.Load(examples.FS, examples.Rota)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return incidentClock }
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(s), PageSize: 15, OnCall: rt.WithClock(now), Now: now}); err != nil {
		t.Fatal(err)
	}
	return r
}

func demoRouter(t testing.TB) *bot.Router {
	t.Helper()
	res := catalog.LoadFS(context.Background(), os.DirFS("testdata/questions/backstage"), []string{"all.yaml", "acme/org.yaml"}, catalog.LoadOptions{Source: "files"})
	var kept []*catalog.Entity
	for _, e := range res.Entities {
		if e.Kind != "" && e.Metadata.Name != "" {
			kept = append(kept, e)
		}
	}
	res.Entities = kept
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(catalog.Build(res)), PageSize: 15}); err != nil {
		t.Fatal(err)
	}
	return r
}

var exampleQuestions = []question{
	// who owns, as typed
	{"who owns the ledger service", "component:default/ledger", []string{"owned by Team Ledger"}, false},
	{"who owns ledger?", "component:default/ledger", []string{"Team Ledger", "#team-ledger"}, false},
	{"is card gateway down? who owns it", "component:default/card-gateway", []string{"owned by Team Payments"}, false},
	{"card-gateway is down, who owns it?", "component:default/card-gateway", []string{"Team Payments"}, false},
	{"who owns kyc", "component:default/kyc-service", []string{"owned by Team Risk", "Taking"}, false},
	{"who owns auth", "group:default/team-identity", []string{"owned by Team Identity", "auth-service"}, false},
	{"who owns the payments api", "component:default/payments-api", []string{"owned by Team Payments"}, false},
	{"whos the owner of fx rates", "component:default/fx-rates", []string{"Team Ledger"}, false},
	{"who is responsible for the refunds worker?", "component:default/refunds-worker", []string{"Team Payments"}, false},
	{"which team owns webhook dispatcher", "component:default/webhook-dispatcher", []string{"Team Payments"}, false},
	{"who owns the payments db", "resource:default/payments-db", []string{"Team Payments"}, false},
	{"who owns ledger-db right now", "resource:default/ledger-db", []string{"Team Ledger"}, false},
	{"who owns kafka", "resource:default/kafka-cluster", []string{"Team Platform"}, false},
	{"who owns mobile bff please", "component:default/mobile-bff", []string{"Team Merchant Experience"}, false},
	{"owner of the merchant dashboard", "component:default/merchant-dashboard", []string{"Team Merchant Experience"}, false},
	{"who maintains fraud scoring", "component:default/fraud-scoring", []string{"Team Risk"}, false},
	{"who owns reconciliation?", "component:default/reconciliation", []string{"Team Ledger"}, false},
	{"who owns the checkout service", "component:default/checkout", []string{"Team Checkout"}, false},
	{"who owns payouts", "component:default/payouts", []string{"Team Ledger"}, false},
	{"who owns service kit", "component:default/service-kit-go", []string{"Team Platform"}, false},
	{"who owns the sessions cache", "resource:default/sessions-cache", []string{"Team Identity"}, false},
	{"who owns the storefront sdk", "component:default/storefront-sdk", []string{"Team Checkout"}, false},
	{"who owns ledger grpc api", "api:default/ledger-grpc", []string{"Team Ledger"}, false},
	{"who owns the fraud score api", "api:default/fraud-score-grpc", []string{"Team Risk"}, false},
	{"who owns core banking", "system:default/core-banking", []string{"Team Ledger"}, false},
	{"who owns callboard", "component:default/callboard", []string{"Team Platform"}, false},
	{"who owns risk feature store", "resource:default/risk-feature-store", []string{"Team Risk"}, false},
	{"who owns go-service", "", []string{"owned by"}, false},
	{"checkout is down", "component:default/checkout", []string{"Team Checkout", "On call now", "Sofia Rossi"}, false},
	{"is the ledger down?", "component:default/ledger", []string{"Team Ledger", "Mateo Álvarez"}, false},
	{"payments-api is on fire", "component:default/payments-api", []string{"Team Payments", "Priya Raman"}, false},
	{"auth-service down", "component:default/auth-service", []string{"Team Identity"}, false},
	// on-call
	{"who is on call for checkout right now", "component:default/checkout", []string{"Sofia Rossi", "Checkout primary", "until"}, false},
	{"who is on call for ledger", "component:default/ledger", []string{"Mateo Álvarez", "Example data"}, false},
	{"on call ledger", "component:default/ledger", []string{"Mateo Álvarez", "Level 2", "Nadia Okafor"}, false},
	{"who's on call for payments?", "", []string{"Priya Raman", "owned by Team Payments"}, false},
	{"who is oncall for the payments api", "component:default/payments-api", []string{"Priya Raman"}, false},
	{"who do i page for card gateway", "component:default/card-gateway", []string{"Priya Raman"}, false},
	{"who's on-call for kyc?", "component:default/kyc-service", []string{"Li Wei"}, false},
	{"who is on call for fraud scoring right now?", "component:default/fraud-scoring", []string{"Li Wei", "Opsgenie team risk"}, false},
	{"who is on call for team-platform", "group:default/team-platform", []string{"Ravi Menon"}, false},
	{"who is on call for the kafka cluster", "resource:default/kafka-cluster", []string{"Ravi Menon"}, false},
	{"oncall auth-service", "component:default/auth-service", []string{"Kenji Sato"}, false},
	{"who should i page for mobile bff", "component:default/mobile-bff", []string{"Oliver Brennan"}, false},
	{"pager merchant-dashboard", "component:default/merchant-dashboard", []string{"Oliver Brennan"}, false},
	{"who is on call for payouts now", "component:default/payouts", []string{"Mateo Álvarez"}, false},
	{"who has the pager for reconciliation", "component:default/reconciliation", []string{"Mateo Álvarez"}, false},
	{"who's on call for webhook dispatcher", "component:default/webhook-dispatcher", []string{"Priya Raman"}, false},
	{"who is on call for the identity team", "group:default/team-identity", []string{"Kenji Sato"}, false},
	{"who do i wake up for fx-rates", "component:default/fx-rates", []string{"Mateo Álvarez"}, false},
	{"on-call for refunds worker", "component:default/refunds-worker", []string{"Priya Raman"}, false},
	{"who is on call for checkout", "component:default/checkout", []string{"Next (level 1)", "Daniel Park"}, false},
	// what breaks
	{"what breaks if ledger goes down", "component:default/ledger", []string{"affected if Ledger goes down", "Team Payments"}, false},
	{"what breaks if the payments db dies", "resource:default/payments-db", []string{"affected if"}, false},
	{"what depends on kafka?", "resource:default/kafka-cluster", []string{"affected"}, false},
	{"impact of auth-service", "component:default/auth-service", []string{"affected"}, false},
	{"blast radius for card gateway", "component:default/card-gateway", []string{"affected"}, false},
	{"what happens if fraud scoring goes down", "component:default/fraud-scoring", []string{"affected"}, false},
	{"what breaks if ledger-db is down?", "resource:default/ledger-db", []string{"affected"}, false},
	{"who depends on the payments api", "component:default/payments-api", []string{"affected"}, false},
	// teams
	{"who is on team payments", "group:default/team-payments", []string{"Priya Raman", "Members"}, false},
	{"who's on the ledger team", "group:default/team-ledger", []string{"Mateo Álvarez"}, false},
	{"team risk", "group:default/team-risk", []string{"Li Wei"}, false},
	{"members of team identity", "group:default/team-identity", []string{"Kenji Sato"}, false},
	{"who is in the checkout team?", "group:default/team-checkout", []string{"Sofia Rossi"}, false},
	{"platform team", "group:default/team-platform", []string{"Ravi Menon"}, false},
	// links
	{"runbook for payments-api", "component:default/payments-api", []string{"https://runbooks.tallybird.example.com/payments-api"}, false},
	{"where is the runbook for ledger?", "component:default/ledger", []string{"https://runbooks.tallybird.example.com/ledger"}, false},
	{"checkout runbook", "component:default/checkout", []string{"https://runbooks.tallybird.example.com/checkout"}, false},
	{"how do i fix the card gateway", "component:default/card-gateway", []string{"https://runbooks.tallybird.example.com/card-gateway"}, false},
	{"runbook kyc", "component:default/kyc-service", []string{"https://runbooks.tallybird.example.com/kyc-service"}, false},
	{"dashboard payments-api", "component:default/payments-api", []string{"https://grafana.tallybird.example.com/d/payments-api"}, false},
	{"where is the dashboard for the ledger", "component:default/ledger", []string{"https://grafana.tallybird.example.com/d/ledger"}, false},
	{"grafana for fx rates", "component:default/fx-rates", []string{"https://grafana.tallybird.example.com/d/fx-rates"}, false},
	{"metrics for payments db", "resource:default/payments-db", []string{"https://grafana.tallybird.example.com/d/pg-payments"}, false},
	{"escalation for payments-api", "component:default/payments-api", []string{"Team Payments", "Money Movement"}, false},
	{"how do i escalate about checkout", "component:default/checkout", []string{"Team Checkout", "Customer Products"}, false},
	{"contact for auth", "component:default/auth-service", []string{"identity@tallybird.example.com", "#team-identity"}, false},
	{"how do i reach the ledger team", "group:default/team-ledger", []string{"ledger@tallybird.example.com"}, false},
	{"which channel for payments-api", "component:default/payments-api", []string{"#team-payments"}, false},
	{"repo ledger", "component:default/ledger", []string{"https://github.com/tallybird/ledger"}, false},
	{"where is the code for the refunds worker", "component:default/refunds-worker", []string{"github.com/tallybird/refunds-worker"}, false},
	{"logs for checkout", "component:default/checkout", []string{"No logs is recorded", "Team Checkout"}, false},
	// longer sentences
	{"payments api is returning 500s, who do I page?", "component:default/payments-api", []string{"Priya Raman"}, false},
	{"ledger is down what breaks", "component:default/ledger", []string{"affected if Ledger goes down"}, false},
	{"can you tell me who owns fx-rates", "component:default/fx-rates", []string{"Team Ledger"}, false},
	{"who to call for checkout", "component:default/checkout", []string{"Sofia Rossi"}, false},
	{"who is on-call for team ledger right now?", "group:default/team-ledger", []string{"Mateo Álvarez"}, false},
	{"who is the on call engineer for payments", "", []string{"Priya Raman"}, false},
	{"what team is ledger on", "group:default/team-ledger", []string{"Members"}, false},
	{"any runbook for the fraud service?", "component:default/fraud-scoring", []string{"https://runbooks.tallybird.example.com/fraud-scoring"}, false},
	{"hey who's oncall for ledger?", "component:default/ledger", []string{"Mateo Álvarez"}, false},
	{"who do i contact about payouts", "component:default/payouts", []string{"ledger@tallybird.example.com"}, false},
	{"the kyc service is throwing errors, who owns it?", "component:default/kyc-service", []string{"Team Risk"}, false},
	{"help! payments-api is down", "component:default/payments-api", []string{"Team Payments", "Priya Raman"}, false},
	{"who's on call for ledger rn", "component:default/ledger", []string{"Mateo Álvarez"}, false},
	{"who is on call for checkout this week?", "component:default/checkout", []string{"Sofia Rossi"}, false},
	{"ownership of ledger", "component:default/ledger", []string{"owned by Team Ledger"}, false},
	{"who gets paged for the ledger", "component:default/ledger", []string{"Mateo Álvarez"}, false},
	{"where's the grafana for ledger", "component:default/ledger", []string{"https://grafana.tallybird.example.com/d/ledger"}, false},
	{"what's the escalation path for kyc", "component:default/kyc-service", []string{"Team Risk (#team-risk) → Money Movement"}, false},
	{"how do i reach payments", "", []string{"payments@tallybird.example.com", "all owned by Team Payments"}, false},
	{"refunds are failing, who is on call for refunds-worker", "component:default/refunds-worker", []string{"Priya Raman"}, false},
}

var backstageQuestions = []question{
	{"who owns artist-lookup", "component:default/artist-lookup", []string{"owned by team-a"}, false},
	{"who owns the artist lookup service?", "component:default/artist-lookup", []string{"team-a"}, false},
	{"who owns www-artist right now", "component:default/www-artist", []string{"team-a"}, false},
	{"who owns podcast api", "component:default/podcast-api", []string{"team-b"}, false},
	{"who owns the queue proxy", "component:default/queue-proxy", []string{"team-b"}, false},
	{"who owns playback sdk", "component:default/playback-sdk", []string{"team-c"}, false},
	{"who owns shuffle-api?", "component:default/shuffle-api", []string{"guest"}, false},
	{"who owns wayback archive ingestion", "component:default/wayback-archive-ingestion", []string{"team-d"}, false},
	{"who owns the artists db", "resource:default/artists-db", []string{"team-a"}, false},
	{"who owns starwars", "api:default/starwars-graphql", []string{"team-b"}, false},
	{"who owns streetlights", "api:default/streetlights", []string{"team-c"}, false},
	{"who owns hello world", "", []string{"team-c"}, false},
	{"who owns wayback", "", []string{"wayback-archive-ingestion", "wayback-search"}, true},
	{"who owns the podcast system", "system:default/podcast", []string{"team-b"}, false},
	{"is artist-lookup down? who owns it", "component:default/artist-lookup", []string{"team-a"}, false},
	{"searcher is down", "component:default/searcher", []string{"guest"}, false},
	{"who is on call for artist-lookup", "component:default/artist-lookup", []string{"No on-call is recorded", "team-a"}, false},
	{"who's on call for podcast-api right now?", "component:default/podcast-api", []string{"team-b"}, false},
	{"who do i page for petstore", "", []string{"team-c"}, false},
	{"what breaks if artists-db goes down", "resource:default/artists-db", []string{"affected"}, false},
	{"what depends on wayback-search", "", []string{"dependents api:default/wayback-search", "dependents component:default/wayback-search"}, true},
	{"what breaks if the artist lookup dies", "component:default/artist-lookup", []string{"affected"}, false},
	{"impact of playback-order", "component:default/playback-order", []string{"Nothing in the catalog depends on playback-order"}, false},
	{"who is on team a", "group:default/team-a", []string{"Janelle Dawe"}, false},
	{"team-b members", "group:default/team-b", []string{"Amelia Park"}, false},
	{"who is in team c", "group:default/team-c", []string{"Calum Leavy"}, false},
	{"members of team-d", "group:default/team-d", []string{"Eva MacDowell"}, false},
	{"dashboard for artist-lookup", "component:default/artist-lookup", []string{"Dashboard"}, false},
	{"runbook artist-lookup", "component:default/artist-lookup", []string{"No runbook is recorded", "team-a"}, false},
	{"where is the repo for petstore", "component:default/petstore", []string{"repo api:default/petstore"}, true},
	{"repo for the petstore component", "component:default/petstore", []string{"GitHub Repo"}, false},
	{"contact for artist-lookup", "component:default/artist-lookup", []string{"team-a@example.com", "Support"}, false},
	{"escalation for www-artist", "component:default/www-artist", []string{"team-a → Backstage"}, false},
	{"who owns team-a", "group:default/team-a", []string{"reports to Backstage"}, false},
	{"who is on call for www-artist right now?", "component:default/www-artist", []string{"No on-call is recorded", "team-a@example.com"}, false},
	{"podcast-api is down, who do i call?", "component:default/podcast-api", []string{"team-b@example.com"}, false},
	{"artist lookup is throwing errors who owns it", "component:default/artist-lookup", []string{"owned by team-a"}, false},
	{"who do i ping about the petstore component", "component:default/petstore", []string{"team-c@example.com"}, false},
	{"who's in team d?", "group:default/team-d", []string{"Lucy Sheehan"}, false},
	{"who owns the playback domain", "domain:default/playback", []string{"Frank Tiernan"}, false},
	{"is the wayback search service down", "component:default/wayback-search", []string{"owned by team-a"}, false},
	{"who is responsible for the starwars graphql api", "api:default/starwars-graphql", []string{"Team B"}, false},
	{"who owns jenny.doe", "user:default/jenny.doe", []string{"member of Team B"}, false},
	{"what breaks if the spotify api goes down", "api:default/spotify", []string{"Nothing in the catalog depends on spotify"}, false},
}

func otherRouter(t testing.TB) *bot.Router {
	t.Helper()
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(loadSnapshot(t, "testdata/questions", "other-org.yaml")), PageSize: 15}); err != nil {
		t.Fatal(err)
	}
	return r
}

var otherQuestions = []question{
	{"who owns billing", "component:default/billing-svc", []string{"owned by Growth Squad", "#growth-eng"}, false},
	{"who owns billing right now?", "component:default/billing-svc", []string{"Growth Squad"}, false},
	{"is billing down? who owns it", "component:default/billing-svc", []string{"Growth Squad"}, false},
	{"who is on call for billing", "component:default/billing-svc", []string{"PagerDuty is not configured", "#growth-eng"}, false},
	{"who's on call for the billing db", "resource:default/billing-postgres", []string{"Site Reliability"}, false},
	{"what breaks if the billing db dies", "resource:default/billing-postgres", []string{"affected if Billing Postgres goes down"}, false},
	{"runbook for billing", "component:default/billing-svc", []string{"https://wiki.ex.com/billing/runbook"}, false},
	{"where are the logs for billing", "component:default/billing-svc", []string{"https://logs.ex.com/billing"}, false},
	{"dashboard for billing-svc", "component:default/billing-svc", []string{"https://dd.ex.com/dash/billing"}, false},
	{"who's on the growth squad", "group:default/growth", []string{"Ann Lee"}, false},
	{"contact for sre", "group:default/sre", []string{"sre@ex.com", "Slack channel C0SRE99999"}, false},
	{"who owns notifications", "component:default/notification-service", []string{"Site Reliability"}, false},
	{"repo for notification service", "component:default/notification-service", []string{"https://github.com/ex/notify"}, false},
	{"billing is returning 500s who do i page", "component:default/billing-svc", []string{"Growth Squad"}, false},
	{"who owns the billing api", "api:default/billing-api", []string{"Growth Squad"}, false},
}

func score(t *testing.T, r *bot.Router, qs []question) (right int) {
	t.Helper()
	for _, q := range qs {
		resp := askAs(t, r, q.q, bot.User{Platform: bot.PlatformConsole, ID: "oncall-engineer"}, 0)
		got := flat(resp)
		want := bot.StatusOK
		if q.choice {
			want = bot.StatusAmbiguous
		}
		ok := resp.Status == want && (q.entity == "" || strings.Contains(got, q.entity))
		for _, h := range q.has {
			ok = ok && strings.Contains(got, h)
		}
		if ok {
			right++
			continue
		}
		t.Logf("WRONG %q (status %s; want %s %q):\n%s", q.q, resp.Status, q.entity, q.has, got)
	}
	return right
}

func TestIncidentQuestionsAreAnsweredRight(t *testing.T) {
	right := score(t, exampleRouter(t), exampleQuestions)
	right += score(t, demoRouter(t), backstageQuestions)
	right += score(t, otherRouter(t), otherQuestions)
	n := len(exampleQuestions) + len(backstageQuestions) + len(otherQuestions)
	share := float64(right) / float64(n)
	t.Logf("incident questions answered right: %d of %d (%.1f%%)", right, n, 100*share)
	if n < 100 {
		t.Errorf("the set has %d questions, want at least 100", n)
	}
	if share < 0.95 {
		t.Errorf("answered right %.1f%%, want at least 95%%", 100*share)
	}
}
