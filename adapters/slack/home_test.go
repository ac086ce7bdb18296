package slack

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/examples"
	"github.com/callboard/callboard/scaffold"
)

// gate holds every request until opened, so a test can see what happens
// while the answer is still being built.
type gate struct {
	next chat.Handler
	open chan struct{}
}

func (g *gate) Handle(ctx context.Context, req *chat.Request) (*chat.Response, error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.next.Handle(ctx, req)
}

// homeEnv is the adapter in front of the real built-in commands on the
// example organisation, with its rota and one scaffold job of Priya's.
func homeEnv(t *testing.T) (*env, *gate) {
	t.Helper()
	s := catalog.Build(catalog.LoadFS(context.Background(), examples.FS, []string{examples.Root}, catalog.LoadOptions{Source: "files"}))
	rt, err := rota.Load(examples.FS, examples.Rota)
	if err != nil {
		t.Fatal(err)
	}
	jobs := scaffold.NewMemJobStore()
	job := &scaffold.Job{ID: "job-ledger", Template: "template:default/go-service", Values: map[string]any{"name": "ledger-export"},
		Requester: "slack:U05PRIYA04", State: scaffold.JobFailed, Error: "publish:github: repository exists", Created: time.Now()}
	if _, _, err := jobs.Create(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	r := chat.NewRouter(chat.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(s), OnCall: rt, Jobs: jobs}); err != nil {
		t.Fatal(err)
	}
	g := &gate{next: r, open: make(chan struct{})}
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	fake.AddUser(slacktest.User{ID: "U05PRIYA04", Name: "priya", Email: "priya.raman@tallybird.example.com"})
	fake.AddUser(slacktest.User{ID: "U0NEWBIE", Name: "newbie", Email: "newbie@example.com"})
	a, err := New(Config{SigningSecret: testSecret, BotToken: "xoxb-test", APIURL: fake.APIURL()}, g)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &env{a: a, fake: fake, srv: srv}, g
}

func homeOpened(id, user, tab string) []byte {
	return eventBody(id, `{"type":"app_home_opened","user":"`+user+`","channel":"D0HOME","tab":"`+tab+`","event_ts":"1700000000.000100"}`)
}

// blockText is every text of a view's blocks, for "contains" checks.
func blockText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var blocks any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(blocks)
	return b.String()
}

func TestAppHomeIsAcknowledgedAtOnceThenPublished(t *testing.T) {
	e, g := homeEnv(t)
	// The answer is held back: the event must still be acknowledged.
	resp, _ := e.post(t, PathEvents, "application/json", homeOpened("EvHOME1", "U05PRIYA04", "home"), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("app_home_opened answered %d", resp.StatusCode)
	}
	if n := len(e.fake.Calls("views.publish")); n != 0 {
		t.Fatalf("views.publish called %d times before the page was built", n)
	}
	close(g.open)
	calls := e.fake.Wait("views.publish", 1, time.Minute)
	if len(calls) != 1 || calls[0].Error != "" {
		t.Fatalf("views.publish calls: %+v", calls)
	}
	c := calls[0]
	if c.Params.Get("user_id") != "U05PRIYA04" {
		t.Errorf("published for %q", c.Params.Get("user_id"))
	}
	text := blockText(t, c.Blocks)
	for _, want := range []string{"You are Priya Raman", "owns", "On call now", "Your recent scaffold jobs", "ledger-export", "failed", "repository exists", "what I own", "Updated "} {
		if !strings.Contains(text, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(c.Body), `"type":"modal"`) || !strings.Contains(string(c.Body), `"type":"home"`) {
		t.Errorf("not a home view: %s", c.Body)
	}
}

func TestAppHomeIsBuiltForTheHomeTabOnlyAndTellsStrangersHowToLink(t *testing.T) {
	e, g := homeEnv(t)
	close(g.open)
	e.post(t, PathEvents, "application/json", homeOpened("EvMSG", "U05PRIYA04", "messages"), time.Now(), testSecret, nil)
	e.post(t, PathEvents, "application/json", homeOpened("EvNEW", "U0NEWBIE", "home"), time.Now(), testSecret, nil)
	calls := e.fake.Wait("views.publish", 1, time.Minute)
	if len(calls) != 1 || calls[0].Params.Get("user_id") != "U0NEWBIE" {
		t.Fatalf("want one view, for U0NEWBIE; got %+v", calls)
	}
	text := blockText(t, calls[0].Blocks)
	if !strings.Contains(text, "slack.com/user-id: U0NEWBIE") || !strings.Contains(text, "newbie@example.com") {
		t.Errorf("no linking hint:\n%s", text)
	}
	// Each opening rebuilds the page.
	e.post(t, PathEvents, "application/json", homeOpened("EvNEW2", "U0NEWBIE", "home"), time.Now(), testSecret, nil)
	if calls := e.fake.Wait("views.publish", 2, time.Minute); len(calls) != 2 {
		t.Fatalf("second opening: %d views published", len(calls))
	}
}

func TestHomeViewOfAHugeAnswerFitsSlacksLimit(t *testing.T) {
	var items []chat.Item
	for i := range 400 {
		items = append(items, chat.Item{Text: strings.Repeat("x", 40), Detail: strings.Repeat("d", 200) + string(rune('a'+i%26))})
	}
	resp := &chat.Response{Title: "You are X"}
	for range 60 {
		resp.Sections = append(resp.Sections, chat.Section{Title: "Team", Items: items[:20]})
	}
	v := HomeView(resp, RenderOptions{}, time.Now())
	if n := len(v.Blocks.BlockSet); n > maxHomeBlocks {
		t.Fatalf("%d blocks", n)
	}
	raw, _ := json.Marshal(v.Blocks)
	if err := slacktest.CheckBlocks(raw, maxHomeBlocks); err != nil {
		t.Fatalf("Slack would refuse the view: %v", err)
	}
	if !strings.Contains(blockText(t, raw), "do not fit the Home tab") {
		t.Error("the cut is not said")
	}
}

// A button of the Home tab has no channel and no response_url: its answer
// goes to the person's DM with the app.
func TestAppHomeButtonsAnswerInTheDM(t *testing.T) {
	e, g := homeEnv(t)
	close(g.open)
	e.post(t, PathEvents, "application/json", homeOpened("EvHOME3", "U05PRIYA04", "home"), time.Now(), testSecret, nil)
	calls := e.fake.Wait("views.publish", 1, time.Minute)
	if len(calls) != 1 {
		t.Fatalf("views.publish: %+v", calls)
	}
	id, value := buttonValue(t, calls[0].Blocks, "what I own")
	payload := blockActionsPayload(id, value, "", false)
	payload["user"] = map[string]any{"id": "U05PRIYA04", "username": "priya", "name": "priya", "team_id": "T0001"}
	delete(payload, "channel")
	delete(payload, "response_url")
	payload["container"] = map[string]any{"type": "view", "view_id": "V0HOME"}
	payload["view"] = map[string]any{"id": "V0HOME", "type": "home", "callback_id": "callboard_home"}
	resp, _ := e.post(t, PathInteractions, formType, interactionBody(payload), time.Now(), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("click answered %d", resp.StatusCode)
	}
	posts := e.fake.Wait("chat.postMessage", 1, time.Minute)
	if len(posts) != 1 || posts[0].Params.Get("channel") != "U05PRIYA04" || !strings.Contains(blockText(t, posts[0].Blocks), "You are Priya Raman") {
		t.Fatalf("the button's answer: %+v", posts)
	}
}
