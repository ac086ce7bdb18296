package alertmanager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/alertmanager"
	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/examples"
)

const token = "am-test-token"

// incidentClock is a Monday afternoon in week 48 of the example rota.
var incidentClock = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

var exampleStore = sync.OnceValue(func() *catalog.Store {
	res := catalog.LoadFS(context.Background(), examples.FS, []string{examples.Root}, catalog.LoadOptions{Source: "files"})
	return catalog.NewStore(catalog.Build(res))
})

// outcomes counts Alerts outcomes.
type outcomes struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *outcomes) add(_, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]int{}
	}
	o.n[outcome]++
}

func (o *outcomes) get(k string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[k]
}

// replica is one callboard's alert path: webhook → Alerts → Slack adapter.
type replica struct {
	url    string
	alerts *bot.Alerts
	router *chat.Router
	out    *outcomes
}

func newReplica(t testing.TB, fake *slacktest.Server, store bot.AlertStore, routing bot.AlertRouting) *replica {
	t.Helper()
	rt, err := rota.Load(examples.FS, examples.Rota)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return incidentClock }
	router := chat.NewRouter(chat.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(router, bot.Options{Catalog: exampleStore(), OnCall: rt.WithClock(now), Now: now}); err != nil {
		t.Fatal(err)
	}
	sl, err := slack.New(slack.Config{SigningSecret: "sign", BotToken: "xoxb-test", APIURL: fake.APIURL()}, router)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sl.Close() })
	out := &outcomes{}
	al, err := bot.NewAlerts(bot.AlertsConfig{Catalog: exampleStore(), OnCall: rt.WithClock(now), Now: now, Routing: routing,
		Platform: chat.PlatformSlack, Poster: sl, Store: store, Outcome: out.add, Backoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range al.Commands() {
		router.MustRegister(c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { al.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	h, err := alertmanager.New(alertmanager.Config{Token: token, Submit: al.Submit})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &replica{url: srv.URL, alerts: al, router: router, out: out}
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// notification is a version 4 payload as Alertmanager writes it.
func notification(groupKey, status string, alerts ...amAlert) []byte {
	b, _ := json.Marshal(map[string]any{"version": "4", "groupKey": groupKey, "status": status, "receiver": "callboard",
		"groupLabels": map[string]string{}, "commonLabels": map[string]string{}, "commonAnnotations": map[string]string{},
		"externalURL": "http://alertmanager.example:9093", "truncatedAlerts": 0, "alerts": alerts})
	return b
}

func alertOn(labels map[string]string, status string, started time.Time) amAlert {
	a := amAlert{Status: status, Labels: labels, StartsAt: started, Fingerprint: fmt.Sprintf("%x", len(labels)*7919+started.Second()),
		Annotations:  map[string]string{"summary": "5xx ratio above 5% for 10 minutes", "runbook_url": "https://wiki.example.com/runbooks/high-error-rate"},
		GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=up"}
	if status == bot.AlertResolved {
		a.EndsAt = started.Add(10 * time.Minute)
	}
	return a
}

func deliver(t testing.TB, url, bearer string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond for up to a minute (a guard against hangs, not a speed check).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cards(fake *slacktest.Server) (top, replies []slacktest.Message) {
	for _, m := range fake.Messages("") {
		if m.ThreadTS == "" {
			top = append(top, m)
		} else {
			replies = append(replies, m)
		}
	}
	return top, replies
}

func TestAlertBecomesOwnerCardInTheTeamChannelThenResolves(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts-unrouted"})
	started := incidentClock.Add(-15 * time.Minute)
	labels := map[string]string{"alertname": "HighErrorRate", "service": "ledger", "severity": "page"}
	firing := notification(`{}:{alertname="HighErrorRate"}`, bot.AlertFiring, alertOn(labels, bot.AlertFiring, started))
	if code := deliver(t, r.url, token, firing); code != http.StatusOK {
		t.Fatalf("delivery answered %d", code)
	}
	waitFor(t, "the card", func() bool { top, _ := cards(fake); return len(top) == 1 })
	top, _ := cards(fake)
	card := top[0]
	if card.Channel != "#ledger-oncall" {
		t.Fatalf("card posted in %q, want ledger's channel #ledger-oncall", card.Channel)
	}
	blocks := string(card.Blocks)
	for _, want := range []string{"Firing", "HighErrorRate", "Ledger", "Owner", "Team Ledger", "On call now", "Mateo", "Teams affected",
		"https://wiki.example.com/runbooks/high-error-rate", "https://runbooks.tallybird.example.com/ledger",
		"impact component:default/ledger", "oncall component:default/ledger", "runbook component:default/ledger", "I'm on it", "alert take "} {
		if !strings.Contains(blocks, want) {
			t.Errorf("card lacks %q:\n%s", want, blocks)
		}
	}
	// Alertmanager repeats a group's notification (repeat_interval): nothing new.
	deliver(t, r.url, token, firing)
	waitFor(t, "the repeat handled", func() bool { return r.out.get(bot.AlertDuplicate) == 1 })

	// "I'm on it" posts who took it in the card's thread.
	id := between(blocks, "alert take ", `"`)
	resp, err := r.router.Handle(context.Background(), &chat.Request{Text: "alert take " + id, Platform: chat.PlatformSlack,
		User: chat.User{Platform: chat.PlatformSlack, ID: "U0MATEO", Name: "mateo"}, Channel: card.Channel})
	if err != nil || resp.Status != chat.StatusOK {
		t.Fatalf("take: %+v, %v", resp, err)
	}
	_, replies := cards(fake)
	if len(replies) != 1 || replies[0].ThreadTS != card.TS || !strings.Contains(string(replies[0].Blocks), `\u003c@U0MATEO\u003e is on it`) {
		t.Fatalf("thread after take: %+v", replies)
	}
	if top, _ := cards(fake); top[0].Updates != 1 || !strings.Contains(string(top[0].Blocks), "*On it*") || !strings.Contains(string(top[0].Blocks), `\u003c@U0MATEO\u003e`) {
		t.Fatalf("the card does not say who took it:\n%s", top[0].Blocks)
	}

	resolved := notification(`{}:{alertname="HighErrorRate"}`, bot.AlertResolved, alertOn(labels, bot.AlertResolved, started))
	deliver(t, r.url, token, resolved)
	waitFor(t, "the update", func() bool { return r.out.get(bot.AlertUpdated) == 1 })
	top, replies = cards(fake)
	if len(top) != 1 || top[0].Updates != 2 {
		t.Fatalf("after resolve: %d cards, %d updates; want the one card updated again", len(top), top[0].Updates)
	}
	if b := string(top[0].Blocks); !strings.Contains(b, "Resolved") || strings.Contains(b, "I'm on it") || !strings.Contains(b, "On it") {
		t.Fatalf("resolved card:\n%s", b)
	}
	if len(replies) != 2 || !strings.Contains(replies[1].Text+string(replies[1].Blocks), "Resolved at") || replies[1].ThreadTS != card.TS {
		t.Fatalf("thread after resolve: %+v", replies)
	}
	// A late redelivery of the firing state does not re-open it.
	deliver(t, r.url, token, firing)
	waitFor(t, "the late firing", func() bool { return r.out.get(bot.AlertDuplicate) == 2 })
	// It fires again: a new message.
	again := notification(`{}:{alertname="HighErrorRate"}`, bot.AlertFiring, alertOn(labels, bot.AlertFiring, incidentClock.Add(time.Minute)))
	deliver(t, r.url, token, again)
	waitFor(t, "the re-fire's card", func() bool { return r.out.get(bot.AlertPosted) == 2 })
	if top, _ := cards(fake); len(top) != 2 || !strings.Contains(string(top[1].Blocks), "Firing") || top[1].Updates != 0 {
		t.Fatalf("after the re-fire: %d cards, want a new firing card beside the resolved one", len(top))
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

func TestUnmappedAlertGoesToTheFallbackChannelNamingTheLabelsTried(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "C0FALLBACK1"})
	labels := map[string]string{"alertname": "DiskFull", "job": "node-exporter", "app": "mystery"}
	deliver(t, r.url, token, notification("g-unmapped", bot.AlertFiring, alertOn(labels, bot.AlertFiring, incidentClock)))
	waitFor(t, "the card", func() bool { top, _ := cards(fake); return len(top) == 1 })
	top, _ := cards(fake)
	b := string(top[0].Blocks)
	if top[0].Channel != "C0FALLBACK1" || !strings.Contains(b, "not in the catalog") || !strings.Contains(b, "app=mystery") || !strings.Contains(b, "job=node-exporter") {
		t.Fatalf("unmapped card in %s:\n%s", top[0].Channel, b)
	}
}

func TestSeverityOverrideAndMappingByEntityRefAndKubernetesLabel(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts", SeverityChannels: map[string]string{"critical": "C0INCIDENT"}})
	deliver(t, r.url, token, notification("g-ref", bot.AlertFiring,
		alertOn(map[string]string{"alertname": "Slow", "backstage_entity": "component:default/payments-api", "service": "ledger"}, bot.AlertFiring, incidentClock)))
	deliver(t, r.url, token, notification("g-crit", bot.AlertFiring,
		alertOn(map[string]string{"alertname": "Down", "service": "ledger", "severity": "critical"}, bot.AlertFiring, incidentClock)))
	waitFor(t, "two cards", func() bool { top, _ := cards(fake); return len(top) == 2 })
	byChannel := map[string]string{}
	for _, m := range fake.Messages("") {
		byChannel[m.Channel] = string(m.Blocks)
	}
	if b, ok := byChannel["#payments-api"]; !ok || !strings.Contains(b, "Slow") {
		t.Fatalf("the entity-ref label did not win over service=ledger: %v", keys(byChannel))
	}
	if b, ok := byChannel["C0INCIDENT"]; !ok || !strings.Contains(b, "Down") || !strings.Contains(b, "Ledger") {
		t.Fatalf("critical did not go to the severity channel: %v", keys(byChannel))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestWebhookRefusesMissingOrWrongTokenAndBadPayloads(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts"})
	good := notification("g", bot.AlertFiring, alertOn(map[string]string{"alertname": "X", "service": "ledger"}, bot.AlertFiring, incidentClock))
	for name, c := range map[string]struct {
		bearer string
		body   []byte
		want   int
	}{
		"no token":    {"", good, http.StatusUnauthorized},
		"wrong token": {"nope", good, http.StatusUnauthorized},
		"version 3":   {token, bytes.Replace(good, []byte(`"version":"4"`), []byte(`"version":"3"`), 1), http.StatusBadRequest},
		"not json":    {token, []byte("{"), http.StatusBadRequest},
		"oversized":   {token, append(append([]byte(`{"version":"4","x":"`), bytes.Repeat([]byte("a"), alertmanager.DefaultMaxBody)...), '"', '}'), http.StatusRequestEntityTooLarge},
	} {
		if got := deliver(t, r.url, c.bearer, c.body); got != c.want {
			t.Errorf("%s: answered %d, want %d", name, got, c.want)
		}
	}
	if len(fake.Messages("")) != 0 {
		t.Fatal("a refused delivery posted a card")
	}
	if _, err := alertmanager.New(alertmanager.Config{Submit: r.alerts.Submit}); err == nil || !strings.Contains(err.Error(), "ALERTMANAGER_WEBHOOK_TOKEN") {
		t.Fatalf("no token and no explicit allow: %v", err)
	}
	if _, err := alertmanager.New(alertmanager.Config{AllowNoToken: true, Submit: r.alerts.Submit}); err != nil {
		t.Fatalf("allowed without a token: %v", err)
	}
}

func TestRateLimitedPostIsRetriedNotDropped(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts"})
	fake.RateLimit("chat.postMessage", time.Second, 2)
	fake.Fail("chat.postMessage", "internal_error")
	deliver(t, r.url, token, notification("g-rl", bot.AlertFiring, alertOn(map[string]string{"alertname": "X", "service": "ledger"}, bot.AlertFiring, incidentClock)))
	waitFor(t, "the card after 429s", func() bool { top, _ := cards(fake); return len(top) == 1 })
	if n := r.out.get(bot.AlertRetried); n != 3 {
		t.Fatalf("%d retries counted, want 3 (two 429s, one ok:false)", n)
	}
	calls := fake.Calls("chat.postMessage")
	if len(calls) != 4 || calls[1].Time.Sub(calls[0].Time) < time.Second {
		t.Fatalf("%d calls; the retry after a 429 with Retry-After 1 must wait for it", len(calls))
	}
}

// Three replicas share one Redis; Alertmanager's deliveries (and a second
// Alertmanager's, and retries) reach any of them: one card per group, one
// update per resolve.
func TestThreeReplicasPostOneCardPerGroup(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	c, err := redis.NewClient(redis.Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	var reps []*replica
	for range 3 {
		reps = append(reps, newReplica(t, fake, &redis.AlertStore{C: c, Prefix: "three:"}, bot.AlertRouting{FallbackChannel: "#alerts"}))
	}
	services := []string{"ledger", "payments-api", "auth-service", "checkout", "payouts"}
	rng := rand.New(rand.NewPCG(21, 21))
	var mu sync.Mutex
	deliveries := 0
	send := func(status string) {
		var wg sync.WaitGroup
		for i, svc := range services {
			body := notification("group-"+svc, status, alertOn(map[string]string{"alertname": "Err", "service": svc}, status, incidentClock.Add(-time.Duration(i)*time.Minute)))
			// Each group is delivered 2–6 times, to replicas picked at random, at once.
			for range 2 + rng.IntN(5) {
				url := reps[rng.IntN(3)].url
				mu.Lock()
				deliveries++
				mu.Unlock()
				wg.Go(func() {
					if code := deliver(t, url, token, body); code != http.StatusOK {
						t.Errorf("delivery answered %d", code)
					}
				})
			}
		}
		wg.Wait()
	}
	total := func(k string) int {
		n := 0
		for _, r := range reps {
			n += r.out.get(k)
		}
		return n
	}
	send(bot.AlertFiring)
	waitFor(t, "every delivery handled", func() bool {
		return total(bot.AlertPosted) == len(services) && len(fake.Calls("chat.postMessage")) >= len(services)
	})
	send(bot.AlertResolved)
	waitFor(t, "every resolve handled", func() bool { return total(bot.AlertUpdated) >= len(services) })
	// Every delivery ends posted, updated or a duplicate.
	waitFor(t, "every delivery accounted for", func() bool {
		return total(bot.AlertPosted)+total(bot.AlertUpdated)+total(bot.AlertDuplicate)+total(bot.AlertStale) == deliveries
	})
	if f := total(bot.AlertFailed); f != 0 {
		t.Fatalf("%d deliveries failed", f)
	}
	top, replies := cards(fake)
	if len(top) != len(services) {
		t.Fatalf("%d cards for %d groups", len(top), len(services))
	}
	seen := map[string]bool{}
	for _, m := range top {
		if seen[m.Channel] {
			t.Fatalf("two cards in %s", m.Channel)
		}
		seen[m.Channel] = true
		if m.Updates != 1 {
			t.Errorf("card in %s updated %d times, want once", m.Channel, m.Updates)
		}
	}
	if len(replies) != len(services) {
		t.Fatalf("%d thread replies, want one resolve line per group", len(replies))
	}
	if total(bot.AlertPosted) != len(services) || total(bot.AlertUpdated) != len(services) {
		t.Fatalf("posted %d, updated %d; want %d each", total(bot.AlertPosted), total(bot.AlertUpdated), len(services))
	}
}

func TestCardsCarryNoSecretNorInternalAddress(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts"})
	a := alertOn(map[string]string{"alertname": "Leak", "service": "ledger"}, bot.AlertFiring, incidentClock)
	a.GeneratorURL = "http://10.0.0.7:9090/graph?g0.expr=up"
	a.Annotations = map[string]string{"summary": "token xoxb-1234567890-abcdefghij seen on 10.1.2.3:9100", "dashboard": "http://grafana.internal:3000/d/ledger"}
	// A second alert in the group: the card lists each alert, with its link.
	a2 := alertOn(map[string]string{"alertname": "Leak", "service": "ledger", "instance": "b"}, bot.AlertFiring, incidentClock)
	a2.GeneratorURL = "http://prometheus-0.monitoring:9090/graph?g0.expr=up"
	deliver(t, r.url, token, notification("g-leak", bot.AlertFiring, a, a2))
	waitFor(t, "the card", func() bool { top, _ := cards(fake); return len(top) == 1 })
	top, _ := cards(fake)
	b := string(top[0].Blocks) + top[0].Text
	for _, leak := range []string{"xoxb-1234567890", "10.1.2.3", "10.0.0.7", "grafana.internal", "prometheus-0.monitoring"} {
		if strings.Contains(b, leak) {
			t.Errorf("the card shows %q:\n%s", leak, b)
		}
	}
	if !strings.Contains(b, "https://runbooks.tallybird.example.com/ledger") {
		t.Errorf("public links were dropped too:\n%s", b)
	}
}

func TestCardGoesToTheFallbackWhenTheCatalogsChannelRefusesTheBot(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "C0FALLBACK1"})
	fake.Fail("chat.postMessage", "not_in_channel")
	deliver(t, r.url, token, notification("g-nic", bot.AlertFiring, alertOn(map[string]string{"alertname": "X", "service": "ledger"}, bot.AlertFiring, incidentClock)))
	waitFor(t, "the card", func() bool { return r.out.get(bot.AlertPosted) == 1 })
	top, _ := cards(fake)
	if len(top) != 1 || top[0].Channel != "C0FALLBACK1" || !strings.Contains(string(top[0].Blocks), "cannot post in #ledger-oncall") {
		t.Fatalf("cards: %+v", top)
	}
	if n := r.out.get(bot.AlertRetried); n != 0 {
		t.Fatalf("%d retries of a channel that refuses the bot", n)
	}
}

func TestFullQueueAsksAlertmanagerToDeliverAgain(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	sl, err := slack.New(slack.Config{SigningSecret: "sign", BotToken: "xoxb-test", APIURL: fake.APIURL()}, chat.NewRouter(chat.RouterOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	out := &outcomes{}
	// Not running: nothing leaves the queue of one.
	al, err := bot.NewAlerts(bot.AlertsConfig{Catalog: exampleStore(), Poster: sl, QueueSize: 1, Outcome: out.add})
	if err != nil {
		t.Fatal(err)
	}
	h, err := alertmanager.New(alertmanager.Config{Token: token, Submit: al.Submit})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	body := notification("g", bot.AlertFiring, alertOn(map[string]string{"alertname": "X"}, bot.AlertFiring, incidentClock))
	if code := deliver(t, srv.URL, token, body); code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	if code := deliver(t, srv.URL, token, body); code != http.StatusServiceUnavailable {
		t.Fatalf("delivery to a full queue: %d, want 503 so that Alertmanager retries", code)
	}
	if out.get(bot.AlertRefused) != 1 {
		t.Fatal("the refusal is not counted")
	}
}

func TestDecodeKeepsWhatAlertmanagerSays(t *testing.T) {
	body := []byte(`{"version":"4","groupKey":"{}:{alertname=\"Err\"}","truncatedAlerts":250,"status":"firing","receiver":"callboard",
"groupLabels":{"alertname":"Err"},"commonLabels":{"alertname":"Err","service":"ledger"},"commonAnnotations":{"summary":"errors"},
"externalURL":"https://alertmanager.example.com","alerts":[{"status":"firing","labels":{"alertname":"Err","service":"ledger","pod":"a"},
"annotations":{},"startsAt":"2026-12-07T20:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://prometheus.example.com/graph","fingerprint":"f1"}]}`)
	g, err := alertmanager.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	a := g.Alerts[0]
	if g.Key != `{}:{alertname="Err"}` || g.Truncated != 250 || g.URL != "https://alertmanager.example.com" || a.Name != "Err" ||
		a.Fingerprint != "f1" || a.Annotations["summary"] != "errors" || !a.StartsAt.Equal(time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)) {
		t.Fatalf("decoded %+v", g)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"version":"4","status":"firing","alerts":[{"status":"firing"}]}`, "groupKey"},
		{`{"version":"4","groupKey":"g","status":"pending","alerts":[{"status":"firing"}]}`, `status "pending"`},
		{`{"version":"4","groupKey":"g","status":"firing","alerts":[]}`, "alerts is empty"},
		{`{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"x"}]}`, "alerts[0].status"},
	} {
		if _, err := alertmanager.Decode([]byte(bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want an error naming %s", bad.body, err, bad.want)
		}
	}
}

// One replica shows a group's deliveries in the order they came, however
// many groups arrive at once: a group's second alert and then its
// resolution make two thread lines in that order, never a resolved card
// followed by an "older firing state" dropped as stale.
func TestDeliveriesOfOneGroupAreShownInOrder(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts-unrouted"})
	started := incidentClock.Add(-15 * time.Minute)
	const groups = 24
	for i := range groups {
		key := fmt.Sprintf(`{}:{alertname="Order%d"}`, i)
		a := alertOn(map[string]string{"alertname": fmt.Sprintf("Order%d", i), "service": "ledger"}, bot.AlertFiring, started)
		b := alertOn(map[string]string{"alertname": fmt.Sprintf("Order%d", i), "service": "ledger", "instance": "b"}, bot.AlertFiring, started.Add(time.Minute))
		for _, body := range [][]byte{
			notification(key, bot.AlertFiring, a),
			notification(key, bot.AlertFiring, a, b),
			notification(key, bot.AlertResolved, alertOn(a.Labels, bot.AlertResolved, started), alertOn(b.Labels, bot.AlertResolved, started.Add(time.Minute))),
		} {
			if code := deliver(t, r.url, token, body); code != http.StatusOK {
				t.Fatalf("delivery answered %d", code)
			}
		}
	}
	waitFor(t, "every group handled", func() bool {
		return r.out.get(bot.AlertPosted)+r.out.get(bot.AlertUpdated)+r.out.get(bot.AlertStale) >= 3*groups
	})
	if n := r.out.get(bot.AlertStale); n != 0 {
		t.Errorf("%d deliveries were shown out of order and dropped as stale", n)
	}
	top, replies := cards(fake)
	if len(top) != groups {
		t.Fatalf("%d cards, want %d", len(top), groups)
	}
	thread := map[string][]string{}
	for _, m := range replies {
		thread[m.ThreadTS] = append(thread[m.ThreadTS], m.Text+string(m.Blocks))
	}
	for _, c := range top {
		lines := thread[c.TS]
		if len(lines) != 2 || !strings.Contains(lines[0], "2 of 2 alerts firing") || !strings.Contains(lines[1], "Resolved at") {
			t.Errorf("card %s: thread %q, want the change and then the resolution", c.TS, lines)
		}
	}
}

// A resolution of the alerts of an earlier firing, arriving after the
// group fired again (it waited in another replica's backoff), leaves the
// new firing card as it is.
func TestOldResolutionDoesNotResolveARefiredCard(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	r := newReplica(t, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts-unrouted"})
	labels := map[string]string{"alertname": "Refire", "service": "ledger"}
	first, again := incidentClock.Add(-time.Hour), incidentClock.Add(-time.Minute)
	key := `{}:{alertname="Refire"}`
	oldResolved := notification(key, bot.AlertResolved, alertOn(labels, bot.AlertResolved, first))
	for i, body := range [][]byte{
		notification(key, bot.AlertFiring, alertOn(labels, bot.AlertFiring, first)),
		oldResolved,
		notification(key, bot.AlertFiring, alertOn(labels, bot.AlertFiring, again)),
	} {
		deliver(t, r.url, token, body)
		want := []int{1, 2, 3}[i]
		waitFor(t, "the delivery handled", func() bool { return r.out.get(bot.AlertPosted)+r.out.get(bot.AlertUpdated) == want })
	}
	deliver(t, r.url, token, oldResolved)
	waitFor(t, "the late resolution handled", func() bool {
		return r.out.get(bot.AlertStale)+r.out.get(bot.AlertDuplicate)+r.out.get(bot.AlertUpdated) > 1
	})
	top, _ := cards(fake)
	if len(top) != 2 || !strings.Contains(string(top[1].Blocks), "Firing") || top[1].Updates != 0 {
		t.Fatalf("after a late resolution of the first firing: %d cards; the second: %d updates\n%s", len(top), top[len(top)-1].Updates, top[len(top)-1].Blocks)
	}
}
