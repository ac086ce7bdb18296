package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/examples"
	"github.com/callboard/callboard/scaffold"
)

// meRouter is the example organisation with its rota and a job store
// holding jobs of two people.
func meRouter(t *testing.T) *bot.Router {
	t.Helper()
	s := catalog.Build(catalog.LoadFS(context.Background(), examples.FS, []string{examples.Root}, catalog.LoadOptions{Source: "files"}))
	rt, err := rota.Load(examples.FS, examples.Rota)
	if err != nil {
		t.Fatal(err)
	}
	jobs := scaffold.NewMemJobStore()
	for i, j := range []scaffold.Job{
		{ID: "job-priya-old", Template: "template:default/go-service", Values: map[string]any{"name": "ledger-export"}, Requester: "slack:U05PRIYA04", State: scaffold.JobSucceeded},
		{ID: "job-priya-new", Template: "template:default/go-service", Values: map[string]any{"name": "fx-rates"}, User: "user:default/priya.raman", State: scaffold.JobFailed, Error: "publish:github: repository tallybird/fx-rates exists"},
		{ID: "job-tomas", Template: "template:default/go-service", Values: map[string]any{"name": "tomas-thing"}, Requester: "slack:U04TOMAS02", State: scaffold.JobRunning},
	} {
		j.Created = incidentClock.Add(time.Duration(i) * time.Hour)
		if _, _, err := jobs.Create(context.Background(), &j); err != nil {
			t.Fatal(err)
		}
	}
	now := func() time.Time { return incidentClock }
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(s), OnCall: rt.WithClock(now), Now: now, Jobs: jobs}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMeShowsTeamsOwnedOnCallAndOwnJobs(t *testing.T) {
	r := meRouter(t)
	resp := askAs(t, r, "me", bot.User{Platform: bot.PlatformSlack, ID: "U05PRIYA04"}, 0)
	got := flat(resp)
	if resp.Status != bot.StatusOK || !resp.Ephemeral {
		t.Fatalf("status %s, ephemeral %v:\n%s", resp.Status, resp.Ephemeral, got)
	}
	for _, want := range []string{
		"You are Priya Raman (user:priya.raman)",
		"Teams: ", "## On call now",
		"## Your recent scaffold jobs",
		"fx-rates | failed · ", "repository tallybird/fx-rates exists",
		"ledger-export | succeeded · ",
		"action help => help",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("me lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "tomas-thing") {
		t.Errorf("me shows another person's job:\n%s", got)
	}
	// Newest job first.
	if strings.Index(got, "fx-rates") > strings.Index(got, "ledger-export") {
		t.Errorf("jobs not newest first:\n%s", got)
	}
	// What the team owns carries lifecycles.
	if !strings.Contains(got, " owns (") || !strings.Contains(got, "production") {
		t.Errorf("owned things without lifecycle:\n%s", got)
	}
}

func TestMeTellsAnUnknownPersonHowToLinkThemselves(t *testing.T) {
	resp := askAs(t, meRouter(t), "me", bot.User{Platform: bot.PlatformSlack, ID: "U0NEWBIE"}, 0)
	got := flat(resp)
	if resp.Status != bot.StatusNotFound || !strings.Contains(got, "slack.com/user-id: U0NEWBIE") || !strings.Contains(got, "## Your recent scaffold jobs\nNone yet") {
		t.Errorf("unknown person:\n%s", got)
	}
}

// BenchmarkMe100k: the `me` page (the Slack Home tab) of a team member in a
// 100,000-entity catalog, among 2,000 scaffold jobs.
// go test ./bot -run '^$' -bench Me100k -benchtime 2000x
func BenchmarkMe100k(b *testing.B) {
	s := big(b)
	var who string
	for _, e := range s.Entities() {
		if e.Kind == "User" && len(e.Relations) > 0 {
			who = e.Metadata.Name
			break
		}
	}
	if who == "" {
		b.Fatal("no User with a team in the generated catalog")
	}
	jobs := scaffold.NewMemJobStore()
	for i := range 2000 {
		requester := fmt.Sprintf("console:someone-%d", i%200)
		if i%100 == 0 {
			requester = "console:" + who
		}
		j := &scaffold.Job{ID: fmt.Sprintf("job-%d", i), Template: "template:default/go-service", Requester: requester, State: scaffold.JobSucceeded, Created: incidentClock.Add(time.Duration(i) * time.Minute)}
		if _, _, err := jobs.Create(context.Background(), j); err != nil {
			b.Fatal(err)
		}
	}
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(s), Jobs: jobs}); err != nil {
		b.Fatal(err)
	}
	u := bot.User{Platform: bot.PlatformConsole, ID: who}
	askAs(b, r, "me", u, 0) // builds the per-snapshot lookup once
	d := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := r.Handle(context.Background(), &bot.Request{Text: "me", User: u, Platform: u.Platform})
		d = append(d, time.Since(start))
		if err != nil || resp.Status != bot.StatusOK {
			b.Fatalf("me: %v %+v", err, resp)
		}
	}
	b.StopTimer()
	reportPercentiles(b, d)
}
