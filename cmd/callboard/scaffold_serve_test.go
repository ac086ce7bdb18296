package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/discord"
	"github.com/callboard/callboard/adapters/discord/discordtest"
	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

const (
	priya = "U05PRIYA04" // user:priya.raman, member of team-payments
	nadia = "U04NADIA01" // user:nadia.okafor, member of money-movement only
)

// scaffoldApp is the embedded organisation's App publishing to a fake
// GitHub, with a worker running, as `serve` wires it without Redis.
type scaffoldApp struct {
	app   *App
	gh    *githubtest.Server
	setup *scaffoldSetup
}

func newScaffoldApp(t *testing.T, dedupe chat.Dedupe, policy *scaffold.Policy) *scaffoldApp {
	t.Helper()
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	client, err := github.NewClient(github.Config{Token: githubtest.DefaultToken, BaseURL: gh.URL,
		Retry: github.Retry{Attempts: 2, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	setup := &scaffoldSetup{Publisher: github.NewPublisher(client), Store: scaffold.NewMemJobStore(), Queue: scaffold.NewMemQueue(),
		Notifier: &scaffold.Notifier{}, Poll: 20 * time.Millisecond, Policy: policy, Registered: ingest.NewRegistry(nil, nil),
		Admins: []catalog.Ref{catalog.MustParseRef("user:default/grace.mbeki")}}
	return runScaffoldApp(t, gh, setup, dedupe)
}

// runScaffoldApp builds the App around setup and starts one worker on its
// queue, as `serve` wires them; both stop when the test ends.
func runScaffoldApp(t *testing.T, gh *githubtest.Server, setup *scaffoldSetup, dedupe chat.Dedupe) *scaffoldApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	app, err := NewApp(ctx, AppOptions{Scaffold: setup, Dedupe: dedupe})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Scaffold.Work(ctx, setup.Queue, "test", app.templateByRef, setup.Notifier.Notify) }()
	return &scaffoldApp{app: app, gh: gh, setup: setup}
}

func (a *scaffoldApp) ask(t *testing.T, user, delivery, text string) *chat.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := a.app.Router.Handle(ctx, &chat.Request{Text: text, Platform: chat.PlatformSlack, DeliveryID: delivery,
		User: chat.User{Platform: chat.PlatformSlack, ID: user}, Received: time.Now()})
	if err != nil {
		if errors.Is(err, chat.ErrDuplicate) {
			return nil
		}
		t.Fatalf("%q: %v", text, err)
	}
	return resp
}

// followToEnd runs a reply's Follow as an adapter would and returns the
// messages it sent, the last being the job's end.
func followToEnd(t *testing.T, resp *chat.Response) []*chat.Response {
	t.Helper()
	if resp.Follow == nil {
		t.Fatalf("reply %q has no follow-up", resp.Title)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var ups []*chat.Response
	if err := resp.Follow(ctx, func(r *chat.Response) error { ups = append(ups, r); return nil }); err != nil {
		t.Fatalf("follow: %v", err)
	}
	if len(ups) == 0 {
		t.Fatal("the follow-up sent nothing")
	}
	return ups
}

func jobID(t *testing.T, resp *chat.Response) string {
	t.Helper()
	i := strings.LastIndex(resp.Title, "job ")
	if i < 0 {
		t.Fatalf("no job id in %q", resp.Title)
	}
	return strings.TrimSpace(resp.Title[i+4:])
}

const scaffoldLedgerExport = `scaffold go-service name=ledger-export owner=team-payments description="Exports ledger entries" repoUrl=github.com?owner=tallybird&repo=ledger-export`

func TestChatScaffoldPublishesOneCommitRegistersAndAnswersWhoOwns(t *testing.T) {
	a := newScaffoldApp(t, nil, nil)
	resp := a.ask(t, priya, "Ev1", scaffoldLedgerExport)
	if resp.Status != chat.StatusOK || !strings.HasPrefix(resp.Title, "Scaffolding ledger-export from go-service… job ") {
		t.Fatalf("immediate reply: %s %q %s", resp.Status, resp.Title, resp.Text)
	}
	id := jobID(t, resp)
	ups := followToEnd(t, resp)
	last := ups[len(ups)-1]
	if last.Status != chat.StatusOK || last.Title != "Scaffolded ledger-export from go-service: job "+id {
		t.Fatalf("last update: %s %q\n%s", last.Status, last.Title, last.Text)
	}
	for _, want := range []string{"✓ Render the skeleton", "✓ Create the GitHub repository", "✓ Register in the catalog", "registered component:default/ledger-export"} {
		if !strings.Contains(last.Text, want) {
			t.Errorf("last update lacks %q:\n%s", want, last.Text)
		}
	}
	if len(last.Links) == 0 || last.Links[0].URL != "https://github.com/tallybird/ledger-export" {
		t.Errorf("links %+v", last.Links)
	}

	// Every rendered file, in one commit.
	tmpl, err := a.app.templateByRef(context.Background(), "template:default/go-service")
	if err != nil {
		t.Fatal(err)
	}
	prev, err := a.app.Scaffold.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: map[string]string{
		"name": "ledger-export", "owner": "team-payments", "description": "Exports ledger entries", "repoUrl": "github.com?owner=tallybird&repo=ledger-export"}})
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, f := range prev.Files {
		want = append(want, f.Path)
	}
	repo := a.gh.Repo("tallybird", "ledger-export")
	if repo == nil {
		t.Fatal("no repository tallybird/ledger-export")
	}
	for p := range repo.Files("") {
		got = append(got, p)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("repository files\n%v\nwant\n%v", got, want)
	}
	if c := repo.Commits("main"); len(c) != 1 || !strings.Contains(c[0].Message, scaffold.Marker(id)) {
		t.Errorf("commits %+v; want one, with the job's marker", c)
	}

	// The live catalog has it at once: no refresh.
	who := a.ask(t, priya, "", "who owns ledger-export")
	if who.Status != chat.StatusOK || !strings.Contains(who.Title, "ledger-export is owned by Team Payments") {
		t.Errorf("who owns: %s %q", who.Status, who.Title)
	}
	// And a reload of the files keeps it (the registered source).
	if err := a.app.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.app.Store.Current().Get(catalog.MustParseRef("component:default/ledger-export")); !ok {
		t.Error("a catalog reload dropped the registered component")
	}

	status := a.ask(t, nadia, "", "scaffold status "+id)
	if !strings.Contains(status.Title, "Scaffolded ledger-export") || !status.Ephemeral {
		t.Errorf("status: %q", status.Title)
	}
	if r := a.ask(t, priya, "", "scaffold status nope"); r.Status != chat.StatusNotFound {
		t.Errorf("unknown job: %s", r.Status)
	}
}

// failingDedupe is a dedupe whose store is down: the Router answers anyway.
type failingDedupe struct{}

func (failingDedupe) FirstSeen(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("dedupe store unreachable")
}

func TestSameDeliveryTwiceGivesOneJobAndOneRepository(t *testing.T) {
	// With the Router's dedupe working the second delivery is dropped.
	a := newScaffoldApp(t, nil, nil)
	first := a.ask(t, priya, "Ev2", scaffoldLedgerExport)
	if again := a.ask(t, priya, "Ev2", scaffoldLedgerExport); again != nil {
		t.Errorf("retried delivery answered: %q", again.Title)
	}
	followToEnd(t, first)

	// With dedupe down, the job's idempotency key (the delivery id) holds.
	b := newScaffoldApp(t, failingDedupe{}, nil)
	r1 := b.ask(t, priya, "Ev3", scaffoldLedgerExport)
	r2 := b.ask(t, priya, "Ev3", scaffoldLedgerExport)
	if jobID(t, r1) != jobID(t, r2) {
		t.Fatalf("two jobs for one delivery: %q, %q", r1.Title, r2.Title)
	}
	followToEnd(t, r1)
	if r2.Follow != nil {
		followToEnd(t, r2)
	} else if !strings.HasPrefix(r2.Title, "Scaffolded") {
		// The job had already finished: the reply is its end, with nothing to follow.
		t.Errorf("second delivery: %q with no follow-up", r2.Title)
	}
	if n := b.gh.Calls()["POST /orgs/{org}/repos"]; n != 1 {
		t.Errorf("%d repository creations, want 1 (calls %v)", n, b.gh.Calls())
	}
	if c := b.gh.Repo("tallybird", "ledger-export").Commits("main"); len(c) != 1 {
		t.Errorf("%d commits", len(c))
	}
}

func TestPublishFailureSaysWhatExistsAndRetryResumes(t *testing.T) {
	a := newScaffoldApp(t, nil, nil)
	a.gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 100, githubtest.ServerError())
	resp := a.ask(t, priya, "Ev4", scaffoldLedgerExport)
	id := jobID(t, resp)
	ups := followToEnd(t, resp)
	last := ups[len(ups)-1]
	if last.Status != chat.StatusError || !strings.Contains(last.Title, "failed: job "+id) {
		t.Fatalf("after the failure: %s %q", last.Status, last.Title)
	}
	for _, want := range []string{"✗ Create the GitHub repository", "Exists now: repository https://github.com/tallybird/ledger-export", "scaffold retry " + id} {
		if !strings.Contains(last.Text, want) {
			t.Errorf("failure reply lacks %q:\n%s", want, last.Text)
		}
	}
	if _, ok := a.app.Store.Current().Get(catalog.MustParseRef("component:default/ledger-export")); ok {
		t.Error("registered although publishing failed")
	}
	a.gh.ClearFaults()

	// Someone else may not retry it; an admin or the requester may.
	if r := a.ask(t, nadia, "", "scaffold retry "+id); r.Status != chat.StatusDenied {
		t.Errorf("retry by another user: %s %q", r.Status, r.Text)
	}
	retry := a.ask(t, priya, "", "scaffold retry "+id)
	if !strings.HasPrefix(retry.Title, "Retrying: ") {
		t.Fatalf("retry: %s %q %s", retry.Status, retry.Title, retry.Text)
	}
	ups = followToEnd(t, retry)
	if end := ups[len(ups)-1]; end.Status != chat.StatusOK || !strings.Contains(end.Text, "registered component:default/ledger-export") {
		t.Fatalf("after retry: %s %q\n%s", end.Status, end.Title, end.Text)
	}
	// The retry met the repository again (GitHub's 422 for the taken
	// name) and took it as its own by the marker: created once.
	job, err := a.setup.Store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(job.Exists(), "\n"), "repository https://github.com/tallybird/ledger-export"); n != 1 || job.Attempts != 2 {
		t.Errorf("job says %v after %d attempts", job.Exists(), job.Attempts)
	}
	if c := a.gh.Repo("tallybird", "ledger-export").Commits("main"); len(c) != 1 {
		t.Errorf("%d commits", len(c))
	}
	if r := a.ask(t, "U04GRACE03", "", "scaffold retry "+id); !strings.Contains(r.Text, "already succeeded") {
		t.Errorf("admin retry of a finished job: %q", r.Text)
	}
}

func TestPolicyRefusalSaysWhoMayRunIt(t *testing.T) {
	policy := &scaffold.Policy{Rules: []scaffold.Rule{{Templates: []string{"go-service"}, Groups: []string{"group:default/team-payments"}}}}
	a := newScaffoldApp(t, nil, policy)
	r := a.ask(t, nadia, "Ev5", scaffoldLedgerExport)
	if r.Status != chat.StatusDenied || r.Follow != nil {
		t.Fatalf("refusal: %s %q %s", r.Status, r.Title, r.Text)
	}
	for _, want := range []string{"team-payments", "nadia.okafor belongs to money-movement"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("refusal lacks %q: %s", want, r.Text)
		}
	}
	if a.gh.Repo("tallybird", "ledger-export") != nil || a.gh.Requests() != 0 {
		t.Errorf("a refused request reached GitHub (%d requests)", a.gh.Requests())
	}
	// A member runs it.
	if ok := a.ask(t, priya, "Ev6", scaffoldLedgerExport); ok.Status != chat.StatusOK || ok.Follow == nil {
		t.Errorf("member: %s %q %s", ok.Status, ok.Title, ok.Text)
	}
}

// The Slack path of a request missing values: the slash command opens a
// form, and submitting it runs the job, followed in a posted message.
func TestSlackFormSubmissionRunsTheJob(t *testing.T) {
	a := newScaffoldApp(t, nil, nil)
	fake := slacktest.New()
	defer fake.Close()
	const secret = "test-signing-secret"
	ad, err := slack.New(slack.Config{SigningSecret: secret, BotToken: "xoxb-test", APIURL: fake.APIURL(), Command: "/callboard"}, a.app.Router)
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Close()
	srv := httptest.NewServer(ad)
	defer srv.Close()
	post := func(path string, body []byte) []byte {
		t.Helper()
		resp, b := postSlackSigned(t, srv.URL+path, secret, body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	ack := post(slack.PathCommands, []byte(url.Values{"command": {"/callboard"}, "text": {`scaffold go-service name=ledger-export description="Exports \"ledger\" entries"`},
		"user_id": {priya}, "channel_id": {"C1"}, "team_id": {"T1"}, "trigger_id": {"1.2.3"}, "response_url": {fake.ResponseURL()}}.Encode()))
	opened := fake.Wait("views.open", 1, 3*time.Second)
	if len(opened) != 1 {
		t.Fatal("no form opened")
	}
	// The ack says the form opens; the "needs more" text is not posted as well.
	if strings.Contains(string(ack), "needs more") || !strings.Contains(string(ack), "Opening the form") {
		t.Errorf("ack %s", ack)
	}
	var sent struct {
		View struct {
			CallbackID      string `json:"callback_id"`
			PrivateMetadata string `json:"private_metadata"`
			Blocks          []struct {
				Type     string `json:"type"`
				BlockID  string `json:"block_id"`
				Optional bool   `json:"optional"`
				Element  struct {
					InitialValue  string `json:"initial_value"`
					InitialOption *struct {
						Value string `json:"value"`
					} `json:"initial_option"`
				} `json:"element"`
			} `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal(opened[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	// What is missing, in the template's order: the owner, then the
	// repository's name (its owner is the one allowedOwners names, so not
	// asked; the name defaults to the service's); then, under a heading,
	// the optional parameters not given, with their defaults.
	var order []string
	initial := map[string]string{}
	for _, b := range sent.View.Blocks {
		id := b.BlockID
		if b.Type != "input" {
			id = b.Type
		} else if b.Optional {
			id += "?"
		}
		order = append(order, id)
		initial[b.BlockID] = b.Element.InitialValue
		if b.Element.InitialOption != nil {
			initial[b.BlockID] = b.Element.InitialOption.Value
		}
	}
	want := "in_owner in_repoUrl.repo divider context in_system? in_port? in_features? in_visibility?"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("form blocks\n %s\nwant\n %s", got, want)
	}
	if initial["in_repoUrl.repo"] != "ledger-export" || initial["in_port"] != "8080" || initial["in_system"] != "developer-platform" || initial["in_visibility"] != "private" {
		t.Errorf("initial values %v", initial)
	}
	values := map[string]map[string]any{
		"in_owner":        {"v": map[string]any{"type": "plain_text_input", "value": "team-payments"}},
		"in_repoUrl.repo": {"v": map[string]any{"type": "plain_text_input", "value": "ledger-export"}},
		"in_port":         {"v": map[string]any{"type": "plain_text_input", "value": "9090"}},
		"in_visibility":   {"v": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "internal", "text": map[string]any{"type": "plain_text", "text": "internal"}}}},
	}
	submit := func(values map[string]map[string]any) string {
		payload, _ := json.Marshal(map[string]any{"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": priya},
			"view": map[string]any{"id": "V1", "type": "modal", "callback_id": sent.View.CallbackID, "private_metadata": sent.View.PrivateMetadata, "state": map[string]any{"values": values}}})
		return string(post(slack.PathInteractions, []byte(url.Values{"payload": {string(payload)}}.Encode())))
	}
	// A bad repository name is shown beside the field it was typed in.
	bad := map[string]map[string]any{"in_owner": values["in_owner"], "in_repoUrl.repo": {"v": map[string]any{"type": "plain_text_input", "value": "ledger/export"}}}
	if ack := submit(bad); !strings.Contains(ack, `"in_repoUrl.repo":"`) || !strings.Contains(ack, "GitHub allows only letters") {
		t.Errorf("a bad repository name: %s", ack)
	}
	if ack := submit(values); !strings.Contains(ack, `"clear"`) {
		t.Fatalf("submission refused: %s", ack)
	}
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) && !strings.Contains(last, "registered component:default/ledger-export") {
		time.Sleep(20 * time.Millisecond)
		if ups := fake.Calls("chat.update"); len(ups) > 0 {
			last = string(ups[len(ups)-1].Blocks)
		}
	}
	if !strings.Contains(last, "Scaffolded ledger-export") || !strings.Contains(last, "registered component:default/ledger-export") {
		t.Fatalf("the posted message did not reach the job's end: %s", last)
	}
	for _, api := range []string{"chat.postMessage", "chat.postEphemeral", "response_url"} {
		for _, c := range fake.Calls(api) {
			if strings.Contains(string(c.Body), "needs more") {
				t.Errorf("%s posted the 'needs more' text beside the form: %s", api, c.Body)
			}
		}
	}
	repo := a.gh.Repo("tallybird", "ledger-export")
	files := repo.Files("")
	if !strings.Contains(files["cmd/ledger-export/main.go"], `Addr: ":9090"`) || repo.Visibility() != "internal" {
		t.Errorf("the optional values set in the form were not used: visibility %s\n%s", repo.Visibility(), files["cmd/ledger-export/main.go"])
	}
	if !strings.Contains(files["catalog-info.yaml"], `Exports \"ledger\" entries`) && !strings.Contains(files["catalog-info.yaml"], `Exports "ledger" entries`) {
		t.Errorf("the description given before the form did not survive it:\n%s", files["catalog-info.yaml"])
	}
}

// TestDiscordFormAsksTheRequiredThenOffersTheOptional: Discord's form holds
// five fields, so /scaffold shows the required ones in the template's
// order; its submission offers Create or "More options…", whose form holds
// the optional ones; that submission runs the job with every value. Signed
// interactions through the real adapter and bot.
func TestDiscordFormAsksTheRequiredThenOffersTheOptional(t *testing.T) {
	a := newScaffoldApp(t, nil, nil)
	api := discordtest.NewServer()
	defer api.Close()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	ad, err := discord.New(discord.Config{PublicKey: pub, Session: api.Session("bot-token")}, a.app.Router)
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Close()
	n := 0
	interact := func(typ int, data map[string]any) (int, map[string]any) {
		t.Helper()
		n++
		body, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("9%017d", n), "application_id": "app1", "type": typ, "token": fmt.Sprintf("tok-%d", n),
			"version": 1, "guild_id": "g1", "channel_id": "c1", "member": map[string]any{"user": map[string]any{"id": "u42", "username": "priya"}},
			"message": map[string]any{"id": "m1", "channel_id": "c1", "content": ""}, "data": data})
		stamp := strconv.FormatInt(time.Now().Unix(), 10)
		r := httptest.NewRequest("POST", "/discord/interactions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Signature-Timestamp", stamp)
		r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
		w := httptest.NewRecorder()
		ad.ServeHTTP(w, r)
		var out struct {
			Type int            `json:"type"`
			Data map[string]any `json:"data"`
		}
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &out) != nil {
			t.Fatalf("interaction %d: %d %s", n, w.Code, w.Body)
		}
		return out.Type, out.Data
	}
	fields := func(data map[string]any) (names []string) {
		rows, _ := data["components"].([]any)
		for _, r := range rows {
			for _, c := range r.(map[string]any)["components"].([]any) {
				names = append(names, c.(map[string]any)["custom_id"].(string))
			}
		}
		return names
	}
	submit := func(customID string, values map[string]string) (int, map[string]any) {
		var rows []any
		for k, v := range values {
			rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k, "value": v}}})
		}
		return interact(5, map[string]any{"custom_id": customID, "components": rows})
	}

	typ, form := interact(2, map[string]any{"id": "cmd1", "name": "scaffold", "type": 1, "options": []any{map[string]any{"name": "template", "type": 3, "value": "go-service"}}})
	if typ != 9 {
		t.Fatalf("/scaffold go-service answered type %d, want the form (9) alone: %v", typ, form)
	}
	if got := strings.Join(fields(form), " "); got != "name owner description repoUrl.repo" {
		t.Errorf("first form asks %q, want the required ones in the template's order", got)
	}
	typ, ready := submit(form["custom_id"].(string), map[string]string{"name": "ledger-export", "owner": "team-payments", "description": "Exports ledger entries", "repoUrl.repo": "ledger-export"})
	if typ != 4 {
		t.Fatalf("submission answered type %d: %v", typ, ready)
	}
	var moreID string
	raw, _ := json.Marshal(ready)
	for _, r := range ready["components"].([]any) {
		for _, c := range r.(map[string]any)["components"].([]any) {
			if b := c.(map[string]any); b["label"] == "More options…" {
				moreID = b["custom_id"].(string)
			}
		}
	}
	if moreID == "" || !strings.Contains(string(raw), "System, HTTP port, Extras, Visibility") || !strings.Contains(string(raw), `"Create"`) {
		t.Fatalf("after the required fields, want Create and More options…: %s", raw)
	}
	if a.gh.Repo("tallybird", "ledger-export") != nil {
		t.Fatal("the first form's submission already created the repository")
	}
	typ, options := interact(3, map[string]any{"custom_id": moreID, "component_type": 2})
	if typ != 9 {
		t.Fatalf("More options… answered type %d: %v", typ, options)
	}
	if got := strings.Join(fields(options), " "); got != "system port features visibility" {
		t.Errorf("options form asks %q", got)
	}
	if typ, _ := submit(options["custom_id"].(string), map[string]string{"port": "9090", "visibility": "internal"}); typ != 4 && typ != 5 {
		t.Fatalf("options submission answered type %d", typ)
	}
	deadline := time.Now().Add(time.Minute)
	var repo *githubtest.RepoView
	for time.Now().Before(deadline) && (repo == nil || repo.Files("")["cmd/ledger-export/main.go"] == "") {
		time.Sleep(20 * time.Millisecond)
		repo = a.gh.Repo("tallybird", "ledger-export")
	}
	if repo == nil {
		t.Fatal("no repository was created")
	}
	if main := repo.Files("")["cmd/ledger-export/main.go"]; !strings.Contains(main, `Addr: ":9090"`) || repo.Visibility() != "internal" {
		t.Fatalf("the job did not use both forms' values: visibility %q\n%s", repo.Visibility(), main)
	}
}
