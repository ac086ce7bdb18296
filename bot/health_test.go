package bot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
	"github.com/callboard/callboard/catalog/health"
)

const healthOrg = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: dept, annotations: {slack.com/channel-name: dept, pagerduty.com/service-id: PDEPT}}
spec: {type: department, children: [team-a, team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a, title: Team A, annotations: {slack.com/channel-id: C0A}}
spec: {type: team, parent: dept, children: [], members: [ada]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b, annotations: {slack.com/channel-id: C0B}}
spec: {type: team, parent: dept, children: [], members: [bob]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ada}
spec: {memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {memberOf: [team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ledger, annotations: {backstage.io/techdocs-ref: dir:.}, links: [{url: "https://rb.example.com/ledger", type: runbook}]}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: billing}
spec: {type: service, lifecycle: production, owner: team-b, dependsOn: [resource:gone-db]}
`

func healthRouter(t *testing.T, rules health.Config) *bot.Router {
	t.Helper()
	res := catalog.LoadFS(context.Background(), fstest.MapFS{"c.yaml": {Data: []byte(healthOrg)}}, []string{"c.yaml"}, catalog.LoadOptions{})
	for _, p := range res.Problems {
		t.Fatalf("fixture: %s", p)
	}
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	store := catalog.NewStore(catalog.Build(res))
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: store}); err != nil {
		t.Fatal(err)
	}
	if err := bot.RegisterHealth(r, bot.HealthOptions{Catalog: store, Rules: rules}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHealthCommandScoresTheOrganisationAndOneTeam(t *testing.T) {
	r := healthRouter(t, nil)
	org := ask(t, r, "health")
	if org.Status != bot.StatusOK || !strings.Contains(org.Title, "the organisation") || !strings.Contains(org.Title, "/100") {
		t.Fatalf("org answer: %+v", org)
	}
	text := flat(org)
	for _, want := range []string{"billing", "no-docs", "dangling-relation", "Worst items"} {
		if !strings.Contains(text, want) {
			t.Errorf("org answer lacks %q:\n%s", want, text)
		}
	}
	if !slices.ContainsFunc(org.Refs, func(r bot.EntityRef) bool { return r.Name == "billing" }) {
		t.Errorf("refs %v lack billing", org.Refs)
	}
	a := ask(t, r, "health team-a")
	if a.Status != bot.StatusOK || !strings.Contains(a.Title, "Team A: 100/100") {
		t.Errorf("team-a is clean: %q\n%s", a.Title, flat(a))
	}
	if strings.Contains(flat(a), "billing") {
		t.Errorf("team-a's answer lists team-b's component:\n%s", flat(a))
	}
	b := ask(t, r, "how healthy is team-b")
	if !strings.Contains(flat(b), "billing") || strings.Contains(b.Title, "100/100") {
		t.Errorf("team-b: %s", flat(b))
	}
	// A department covers its sub-teams.
	if d := ask(t, r, "health dept"); !strings.Contains(flat(d), "billing") {
		t.Errorf("dept should include team-b's findings:\n%s", flat(d))
	}
	// A component asks about its owner's team.
	if c := ask(t, r, "health billing"); !strings.Contains(c.Title, "team-b") {
		t.Errorf("health of a component: %q", c.Title)
	}
	if nf := ask(t, r, "health team-zzzzzz"); nf.Status == bot.StatusOK {
		t.Errorf("unknown team answered OK: %+v", nf)
	}
}

func TestHealthCommandFollowsRuleSettings(t *testing.T) {
	r := healthRouter(t, health.Config{health.RuleNoDocs: {Off: true}, health.RuleDanglingRelation: {Severity: health.Error}})
	text := flat(ask(t, r, "health team-b"))
	if strings.Contains(text, "no-docs") || !strings.Contains(text, "error dangling-relation") {
		t.Errorf("settings not applied:\n%s", text)
	}
	if err := bot.RegisterHealth(bot.NewRouter(bot.RouterOptions{}), bot.HealthOptions{Catalog: catalog.NewStore(nil), Rules: health.Config{"nope": {}}}); err == nil {
		t.Error("an unknown rule id registered")
	}
}

// health reads the annotations callboard's answers read.
func TestHealthReadsTheAnnotationsAnswersRead(t *testing.T) {
	if !slices.Equal(health.PagingAnnotations, bot.PagingAnnotations) {
		t.Errorf("health.PagingAnnotations %v, bot.PagingAnnotations %v", health.PagingAnnotations, bot.PagingAnnotations)
	}
	for _, k := range health.ChannelAnnotations {
		e := &catalog.Entity{Kind: "Group", Metadata: catalog.Metadata{Name: "g", Annotations: map[string]string{k: "C0123ABCD"}}}
		if got := ask(t, groupRouter(t, e), "team g"); !strings.Contains(flat(got), "C0123ABCD") {
			t.Errorf("annotation %s: the team card shows no channel:\n%s", k, flat(got))
		}
	}
}

func groupRouter(t *testing.T, g *catalog.Entity) *bot.Router {
	t.Helper()
	g.APIVersion, g.Known = "backstage.io/v1alpha1", true
	g.Spec = map[string]any{"type": "team", "children": []any{}}
	return newRouter(t, catalog.Build(&catalog.Result{Entities: []*catalog.Entity{g}}), nil)
}

func TestParseSchedule(t *testing.T) {
	for _, ok := range []string{bot.DefaultDigestSchedule, "@weekly", "*/5 * * * * *", "30 8 * * MON-FRI"} {
		if _, err := bot.ParseSchedule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"every monday", "61 * * * *", "CRON_TZ=Europe/Paris 0 9 * * 1"} {
		if _, err := bot.ParseSchedule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// BenchmarkHealthAnswer100k is a `health` answer on 100,000 entities the
// first time after a swap: the check and the answer built from it.
func BenchmarkHealthAnswer100k(b *testing.B) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100_000, Seed: 1})
	b.ResetTimer()
	for b.Loop() {
		resp := bot.HealthAnswer(s, health.Check(s, nil), "the organisation", 10, bot.PlatformSlack)
		if len(resp.Sections) == 0 {
			b.Fatal("no worst items")
		}
	}
}

// flakyPoster refuses its first post with a rate limit, then accepts.
type flakyPoster struct {
	mu     sync.Mutex
	calls  int
	posted []string
	// clock, when set, is read at each post into at.
	clock *fastClock
	at    []time.Time
}

func (p *flakyPoster) postedNow() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.posted...)
}

func (p *flakyPoster) Post(_ context.Context, channel string, _ *bot.Response) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls == 1 {
		return "", &bot.RetryLaterError{After: 10 * time.Millisecond, Err: errors.New("ratelimited")}
	}
	p.posted = append(p.posted, channel)
	if p.clock != nil {
		p.at = append(p.at, p.clock.Now())
	}
	return "1.1", nil
}

// A digest that the platform rate-limits is posted once the limit has
// passed, not dropped until the next scheduled time.
func TestDigestWaitsOutARateLimit(t *testing.T) {
	res := catalog.LoadFS(context.Background(), fstest.MapFS{"c.yaml": {Data: []byte(healthOrg)}}, []string{"c.yaml"}, catalog.LoadOptions{})
	p := &flakyPoster{}
	d := &bot.Digest{Catalog: catalog.NewStore(catalog.Build(res)), Reports: &bot.HealthReports{}, Poster: p,
		Locker: bot.NewMemoryLocker(), State: bot.NewMemoryStash()}
	n, err := d.Send(context.Background(), time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	if err != nil || n == 0 {
		t.Fatalf("Send = %d, %v", n, err)
	}
	if p.calls != n+1 || len(p.posted) != n {
		t.Errorf("%d calls for %d digests posted (%v); want the refused one posted again", p.calls, n, p.posted)
	}
}

// lateCatalog has no snapshot for its first looks, as while serve loads.
type lateCatalog struct {
	mu    sync.Mutex
	looks int
	s     *catalog.Snapshot
}

func (c *lateCatalog) Current() *catalog.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.looks++
	if c.looks <= 2 {
		return nil
	}
	return c.s
}

// fastClock jumps to whatever time is waited for.
type fastClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fastClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fastClock) SleepUntil(ctx context.Context, t time.Time) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return nil
}

// A scheduled time that comes while the catalog is still loading waits for
// the load and then sends, rather than skipping to next week.
func TestDigestWaitsForTheFirstCatalogLoad(t *testing.T) {
	res := catalog.LoadFS(context.Background(), fstest.MapFS{"c.yaml": {Data: []byte(healthOrg)}}, []string{"c.yaml"}, catalog.LoadOptions{})
	sched, err := bot.ParseSchedule("0 9 * * 1")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fastClock{now: time.Date(2026, 12, 7, 8, 59, 0, 0, time.UTC)}
	p := &flakyPoster{calls: 1, clock: clock} // no rate limit: every post lands
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &bot.Digest{Catalog: &lateCatalog{s: catalog.Build(res)}, Reports: &bot.HealthReports{}, Poster: p, Schedule: sched,
		Locker: bot.NewMemoryLocker(), State: bot.NewMemoryStash(), Clock: clock}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	deadline := time.Now().Add(time.Minute)
	for len(p.postedNow()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no digest posted once the catalog loaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if first := p.at[0]; first.After(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("the digest of Monday 09:00 went out at %s: the week's digest was skipped", first)
	}
}
