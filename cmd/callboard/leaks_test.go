package main

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

const leakedToken = "ghp_LEAKEDLEAKEDLEAKEDLEAKEDLEAKED0123"

// A GitHub error whose text holds a token and GitHub's internal address
// reaches no chat message, no `scaffold status` and no Redis job record:
// people see what failed, the cause goes to the log.
func TestScaffoldFailureShowsNoSecretOrInternalAddress(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	client, err := github.NewClient(github.Config{Token: githubtest.DefaultToken, BaseURL: gh.URL,
		Retry: github.Retry{Attempts: 1, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	rc := rs.Client(t)
	setup := &scaffoldSetup{Publisher: github.NewPublisher(client), Store: &redis.JobStore{C: rc, Prefix: "cb:"}, Queue: scaffold.NewMemQueue(),
		Notifier: &scaffold.Notifier{}, Poll: 20 * time.Millisecond, Registered: ingest.NewRegistry(nil, nil)}
	app := runScaffoldApp(t, gh, setup, nil).app
	ctx := t.Context()
	gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 100, githubtest.Fault{Status: 422,
		Message: "tree rejected for " + leakedToken + "; see " + gh.URL + "/internal/debug"})

	fake := slacktest.New()
	defer fake.Close()
	const secret = "test-signing-secret"
	ad, err := slack.New(slack.Config{SigningSecret: secret, BotToken: "xoxb-test", APIURL: fake.APIURL(), Command: "/callboard"}, app.Router)
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Close()
	srv := httptest.NewServer(ad)
	defer srv.Close()
	slash := func(user, text, trigger string) string {
		t.Helper()
		resp, b := postSlackSigned(t, srv.URL+slack.PathCommands, secret, []byte(url.Values{"command": {"/callboard"}, "text": {text},
			"user_id": {user}, "channel_id": {"C1"}, "team_id": {"T1"}, "trigger_id": {trigger}, "response_url": {fake.ResponseURL()}}.Encode()))
		if resp.StatusCode != 200 {
			t.Fatalf("%q: status %d %s", text, resp.StatusCode, b)
		}
		return string(b)
	}
	ack := slash(priya, scaffoldLedgerExport, "1.2.3")
	m := regexp.MustCompile(`job ([0-9a-f]{24})`).FindStringSubmatch(ack)
	if m == nil {
		t.Fatalf("no job id in the answer: %s", ack)
	}
	id := m[1]
	var sent []string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(strings.Join(sent, "\n"), "scaffold retry "+id) {
		time.Sleep(20 * time.Millisecond)
		sent = sent[:0]
		for _, method := range []string{"response_url", "chat.update", "chat.postMessage", "chat.postEphemeral"} {
			for _, c := range fake.Calls(method) {
				sent = append(sent, string(c.Body))
			}
		}
	}
	if !strings.Contains(strings.Join(sent, "\n"), "Create the GitHub repository") {
		t.Fatalf("the job's failure was never posted:\n%s", strings.Join(sent, "\n"))
	}
	sent = append(sent, ack, slash(nadia, "scaffold status "+id, "1.2.4"))
	job, err := setup.Store.Get(ctx, id)
	if err != nil || job.State != scaffold.JobFailed {
		t.Fatalf("job %+v, %v", job, err)
	}
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if rc.Type(ctx, k).Val() == "string" {
			sent = append(sent, "redis "+k+": "+rc.Get(ctx, k).Val())
		}
	}
	host := strings.TrimPrefix(gh.URL, "http://")
	for _, s := range sent {
		for _, leak := range []string{leakedToken, host, "/api/v3/"} {
			if strings.Contains(s, leak) {
				t.Errorf("%q reached people or a record:\n%s", leak, s)
			}
		}
	}
	if !strings.Contains(job.Error, "422 tree rejected for [redacted]") {
		t.Errorf("the record lost what GitHub said: %q", job.Error)
	}
}

// `info` names where an entity is defined by its path inside the catalog
// folder, not the server's file path.
func TestInfoShowsNoServerFilePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "teams"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "teams", "x.yaml"), []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: inject}\nspec: {type: service, lifecycle: production, owner: team-a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := NewApp(t.Context(), AppOptions{Catalogs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := app.Router.Handle(t.Context(), &chat.Request{Text: "info inject", User: chat.User{Platform: chat.PlatformConsole, ID: "me"}})
	if err != nil {
		t.Fatal(err)
	}
	var where string
	for _, f := range resp.Fields {
		if f.Name == "Defined in" {
			where = f.Value
		}
	}
	if where != "teams/x.yaml:1:1" {
		t.Errorf("Defined in %q, want the path inside the catalog folder (teams/x.yaml:1:1)", where)
	}
	if _, ok := app.Store.Current().Get(catalog.MustParseRef("component:default/inject")); !ok {
		t.Fatal("not loaded")
	}
}
