package bot_test

import (
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
)

func backstageRouter(t testing.TB) *bot.Router {
	t.Helper()
	s := loadSnapshot(t, backstageDir, "acme", "apis", "components", "domains", "resources", "systems")
	if s.Len() < 50 {
		t.Fatalf("loaded %d entities from %s, want the demo catalog", s.Len(), backstageDir)
	}
	return newRouter(t, s, nil)
}

func TestBackstageDemoCatalog(t *testing.T) {
	runAnswerCases(t, backstageRouter(t), []answerCase{
		{text: "who owns artist-lookup?", status: bot.StatusOK, title: "artist-lookup is owned by team-a",
			has: []string{"Email: team-a@example.com", "Escalation: team-a → Backstage", "Lifecycle: experimental", "System: artist-engagement-portal (system)", "Domain: Artists (domain:artists)"}},
		{text: "who owns Artist Lookup", status: bot.StatusOK, title: "owned by team-a"},
		{text: "impact artists-db", status: bot.StatusOK, has: []string{"artist-lookup (component) | depth 1 · depends on resource:artists-db", "team-a (group)"}},
		{text: "what depends on the artists-db?", status: bot.StatusOK, has: []string{"depth 1"}},
		{text: "team team-a", status: bot.StatusOK, title: "team-a", has: []string{"## Members", "Janelle Dawe (user:janelle.dawe)", "Email: team-a@example.com", "Parent: Backstage (group:backstage)"}},
		{text: "who owns petstore", status: bot.StatusAmbiguous, has: []string{"owner api:default/petstore", "owner component:default/petstore"}},
		{text: "info wayback-search", status: bot.StatusAmbiguous, has: []string{"info api:default/wayback-search", "info component:default/wayback-search"}},
		{text: "api petstore", status: bot.StatusOK, has: []string{"Ref: api:default/petstore"}},
		{text: "who owns api:petstore", status: bot.StatusOK},
		{text: "system audio-playback", status: bot.StatusOK, has: []string{"## Parts"}},
		{text: "domain artists", status: bot.StatusOK, has: []string{"artist-engagement-portal"}},
		{text: "search artist", status: bot.StatusOK, has: []string{"component:default/artist-lookup"}},
		{text: "who's on call for artist-lookup", status: bot.StatusOK, title: "No on-call is recorded", has: []string{"Owner: team-a (group)"}},
		{text: "who owns artist-lookp", status: bot.StatusOK, title: "artist-lookup is owned by team-a", has: []string{"Assuming you meant"}},
		{text: "who owns nothing-like-this-at-all", status: bot.StatusNotFound},
		{text: "deps artist-lookup", status: bot.StatusOK, has: []string{"artists-db (resource) | depends on"}},
		{text: "team acme-corp", status: bot.StatusOK, title: "ACME Corp"},
	})
}

func TestBackstageUserInAnotherNamespaceResolvesByRef(t *testing.T) {
	r := backstageRouter(t)
	resp := ask(t, r, "search guest")
	if resp.Status != bot.StatusOK || !strings.Contains(flat(resp), "user:") {
		t.Errorf("%s", flat(resp))
	}
}
