package scaffold_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

// liveCatalog is a Registrar that adds registered files to a catalog
// snapshot, as the app wiring does, so lookups see the new entity at once.
type liveCatalog struct {
	mu    sync.Mutex
	files fstest.MapFS
	snap  *catalog.Snapshot
	calls int
}

func newLiveCatalog(base ...*catalog.Entity) *liveCatalog {
	return &liveCatalog{files: fstest.MapFS{}, snap: catalog.NewSnapshot(base, nil)}
}

func (c *liveCatalog) Register(ctx context.Context, data []byte, location string) (catalog.Ref, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	name := fmt.Sprintf("registered-%d.yaml", len(c.files))
	c.files[name] = &fstest.MapFile{Data: data}
	res := catalog.LoadFS(ctx, c.files, []string{name}, catalog.LoadOptions{Source: location})
	if len(res.Entities) == 0 {
		return catalog.Ref{}, fmt.Errorf("%s: no entity", location)
	}
	all := append(append([]*catalog.Entity(nil), c.snap.Entities()...), res.Entities...)
	c.snap = catalog.Build(&catalog.Result{Entities: all})
	return res.Entities[0].Ref(), nil
}

func (c *liveCatalog) Snapshot() *catalog.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap
}

func goService(t *testing.T) *scaffold.Template {
	t.Helper()
	tmpl, err := scaffold.LoadTemplateFile(context.Background(), "testdata/templates/go-service/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func goParams() map[string]string {
	return map[string]string{"name": "ledger", "owner": "group:team-payments", "repoUrl": "github.com?owner=acme&repo=ledger", "tags": "go,payments", "apiToken": "s3cret-token"}
}

func TestFullRunCreatesOneRepositoryWithEveryFileInOneCommitAndRegistersIt(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	cat := newLiveCatalog()
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: pub, Registrar: cat}
	var events []string
	job, err := r.Start(context.Background(), scaffold.Request{Template: goService(t), Params: goParams(), Key: "slack:T1:abc",
		Progress: func(e scaffold.Event) {
			if e.Step >= 0 {
				events = append(events, e.Job.Steps[e.Step].ID+"="+string(e.Job.Steps[e.Step].State))
			} else {
				events = append(events, "job="+string(e.Job.State))
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if job.State != scaffold.JobSucceeded {
		t.Fatalf("state %s: %s", job.State, job.Error)
	}
	want := "job=running fetch=running fetch=done log=skipped publish=running publish=done register=running register=done job=succeeded"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("events\n got %s\nwant %s", got, want)
	}
	repo := pub.Repo("github.com", "acme", "ledger")
	if repo == nil || len(repo.Branches["main"]) != 1 {
		t.Fatalf("repo = %+v, want one commit on main", repo)
	}
	files := repo.Branches["main"][0].Files
	for _, name := range []string{"catalog-info.yaml", "README.md", "cmd/ledger.go", ".github/workflows/ci.yml", "logo.png"} {
		if _, ok := files[name]; !ok {
			t.Errorf("commit lacks %s (has %d files)", name, len(files))
		}
	}
	if !strings.Contains(string(files[".github/workflows/ci.yml"].Data), "${{ github.ref }}") {
		t.Errorf("copyWithoutTemplating file was rendered: %q", files[".github/workflows/ci.yml"].Data)
	}
	if !strings.Contains(string(files["logo.png"].Data), "${{ values.name }}") {
		t.Errorf("binary file was rendered")
	}
	if got := string(files["README.md"].Data); !strings.Contains(got, "# LEDGER") || !strings.Contains(got, "replicas: 2.") || !strings.Contains(got, "Office hours.") {
		t.Errorf("README.md = %q", got)
	}
	if got := string(files["catalog-info.yaml"].Data); !strings.Contains(got, "github.com/project-slug: acme/ledger") || !strings.Contains(got, "- payments") {
		t.Errorf("catalog-info.yaml = %q", got)
	}
	if calls := pub.Calls(); calls["EnsureRepository"] != 1 || calls["Commit"] != 1 || calls["EnsurePullRequest"] != 0 {
		t.Errorf("publisher calls %v", calls)
	}
	if repo.Spec.Description != "ledger service" || strings.Join(repo.Spec.Topics, ",") != "go,payments" {
		t.Errorf("repo spec %+v (topics must keep list type)", repo.Spec)
	}
	owned := cat.Snapshot().OwnedBy(catalog.MustParseRef("group:default/team-payments"))
	if len(owned) != 1 || owned[0].Metadata.Name != "ledger" {
		t.Errorf("who owns ledger: catalog says %v", owned)
	}
	if job.Output == nil || len(job.Output.Links) != 2 || job.Output.Links[0].URL != "https://github.com/acme/ledger" || job.Output.Links[1].EntityRef != "component:default/ledger" {
		t.Errorf("output %+v", job.Output)
	}
	if _, ok := job.Values["apiToken"]; ok {
		t.Error("the secret parameter was stored in the job")
	}
	for _, s := range job.Steps {
		if strings.Contains(fmt.Sprint(s.Output), "s3cret") {
			t.Errorf("secret in step output %v", s.Output)
		}
	}
}

func TestSameIdempotencyKeyGivesOneJobAndOneRepository(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: pub, Registrar: newLiveCatalog()}
	ctx := context.Background()
	first, err := r.Start(ctx, scaffold.Request{Template: goService(t), Params: goParams(), Key: "delivery-1"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.Start(ctx, scaffold.Request{Template: goService(t), Params: goParams(), Key: "delivery-1"})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || second.State != scaffold.JobSucceeded {
		t.Fatalf("jobs %s and %s (%s), want the same", first.ID, second.ID, second.State)
	}
	if calls := pub.Calls(); calls["EnsureRepository"] != 1 || calls["Commit"] != 1 || pub.RepoCount() != 1 {
		t.Errorf("calls %v, repos %d", calls, pub.RepoCount())
	}
}

func TestFailureMidwaySaysWhatExistsAndRetryResumesWithoutDuplicates(t *testing.T) {
	cases := []struct {
		name       string
		failMethod string
		exists     string // substring of what the job says exists
	}{
		{"commit fails after the repository was created", "Commit", "repository https://github.com/acme/ledger"},
		{"repository creation fails", "EnsureRepository", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pub := scaffoldtest.NewMemPublisher()
			cat := newLiveCatalog()
			store := scaffold.NewMemJobStore()
			r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: cat}
			ctx := context.Background()
			pub.FailNext(c.failMethod, errors.New("502 bad gateway"))
			job, err := r.Start(ctx, scaffold.Request{Template: goService(t), Params: goParams(), Key: "k"})
			var se *scaffold.StepError
			if !errors.As(err, &se) || se.Step != "publish" {
				t.Fatalf("err = %v, want publish to fail", err)
			}
			stored, _ := store.Get(ctx, job.ID)
			exists := strings.Join(stored.Exists(), "; ")
			if c.exists == "" && exists != "" || !strings.Contains(exists, c.exists) {
				t.Errorf("job says exists %q, want %q", exists, c.exists)
			}
			if !strings.Contains(stored.Error, "502 bad gateway") || stored.Steps[2].State != scaffold.StepFailed || stored.Steps[3].State != scaffold.StepPending {
				t.Errorf("stored job %+v", stored)
			}
			if cat.calls != 0 {
				t.Error("registered although publishing failed")
			}
			job, err = r.Retry(ctx, goService(t), job.ID, map[string]string{"apiToken": "s3cret-token"}, nil)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if job.State != scaffold.JobSucceeded || job.Attempts != 2 {
				t.Fatalf("after retry %s, attempts %d", job.State, job.Attempts)
			}
			repo := pub.Repo("github.com", "acme", "ledger")
			if pub.RepoCount() != 1 || len(repo.Branches["main"]) != 1 || cat.calls != 1 {
				t.Errorf("after retry: %d repos, %d commits, %d registrations; want 1 each", pub.RepoCount(), len(repo.Branches["main"]), cat.calls)
			}
			// A second retry of a finished job does nothing.
			before := pub.Calls()
			if _, err := r.Retry(ctx, goService(t), job.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
			if after := pub.Calls(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("retry of a finished job called the publisher: %v -> %v", before, after)
			}
		})
	}
}

func TestRetryAfterRegisterFailsDoesNotPublishAgain(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	store := scaffold.NewMemJobStore()
	r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: failingRegistrar{}}
	ctx := context.Background()
	job, err := r.Start(ctx, scaffold.Request{Template: goService(t), Params: goParams()})
	if err == nil || !strings.Contains(err.Error(), "what exists: repository https://github.com/acme/ledger, commit") {
		t.Fatalf("err = %v", err)
	}
	r.Registrar = newLiveCatalog()
	if _, err := r.Retry(ctx, goService(t), job.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if c := pub.Calls(); c["EnsureRepository"] != 1 || c["Commit"] != 1 {
		t.Errorf("publisher calls %v, want the publish step not repeated", c)
	}
}

type failingRegistrar struct{}

func (failingRegistrar) Register(context.Context, []byte, string) (catalog.Ref, error) {
	return catalog.Ref{}, errors.New("catalog unavailable")
}

func TestBadStepsFailUpFrontWithNoSideEffect(t *testing.T) {
	base := goService(t)
	cases := []struct {
		name   string
		edit   func(t *scaffold.Template)
		params map[string]string
		want   string
	}{
		{"unknown action", func(t *scaffold.Template) { t.Steps[1].Action = "deploy:prod" }, nil, `unknown action "deploy:prod"`},
		{"missing input", func(t *scaffold.Template) { delete(t.Steps[2].Input, "repoUrl") }, nil, "missing input repoUrl"},
		{"repoUrl host not allowed by the step", func(t *scaffold.Template) { t.Steps[2].Input["repoUrl"] = "gitlab.com?owner=acme&repo=x" }, nil, "host gitlab.com is not allowed"},
		{"repository name invalid for GitHub", func(t *scaffold.Template) { t.Steps[2].Input["repoUrl"] = "github.com?owner=acme&repo=bad name" }, nil, "GitHub allows only letters"},
		{"repository name too long", func(t *scaffold.Template) {
			t.Steps[2].Input["repoUrl"] = "github.com?owner=acme&repo=" + strings.Repeat("a", 101)
		}, nil, "at most 100"},
		{"skeleton from an unconfigured host", func(t *scaffold.Template) { t.Steps[0].Input["url"] = "https://evil.example/skel" }, nil, "not a configured template location"},
		{"skeleton outside the template", func(t *scaffold.Template) { t.Steps[0].Input["url"] = "../../../../etc" }, nil, "leaves the template's location"},
		{"bad expression", func(t *scaffold.Template) { t.Steps[2].Input["description"] = "${{ parameters.name | }}" }, nil, "template.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := *base
			tmpl.Steps = make([]scaffold.Step, len(base.Steps))
			for i, s := range base.Steps {
				s.Input = copyMap(s.Input)
				tmpl.Steps[i] = s
			}
			c.edit(&tmpl)
			pub := scaffoldtest.NewMemPublisher()
			store := scaffold.NewMemJobStore()
			r := &scaffold.Runner{Store: store, Publisher: pub, Registrar: newLiveCatalog()}
			params := c.params
			if params == nil {
				params = goParams()
			}
			job, err := r.Start(context.Background(), scaffold.Request{Template: &tmpl, Params: params, Key: "k"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if job != nil || len(pub.Calls()) != 0 {
				t.Errorf("something ran: job %v, calls %v", job, pub.Calls())
			}
			if _, created, _ := store.Create(context.Background(), &scaffold.Job{ID: "probe", Key: "k"}); !created {
				t.Error("a job was recorded for a refused request")
			}
		})
	}
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestPullRequestCommitsOnABranchAtTargetPathAndOpensOnePR(t *testing.T) {
	tmpl, err := scaffold.LoadTemplateFile(context.Background(), backstageTemplates+"/pull-request/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pub := scaffoldtest.NewMemPublisher()
	pub.AddRepo("github.com", "acme", "monorepo", []scaffold.File{{Path: "README.md", Data: []byte("mono\n")}}, "init")
	fetcher := &scaffoldtest.MemFetcher{Trees: map[string][]scaffold.File{
		"https://github.com/backstage/community/tree/main/backstage-community-sessions": {{Path: "README.md", Data: []byte("# sessions\n")}},
	}}
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: pub, Fetcher: fetcher, AllowedHosts: []string{"github.com"}}
	params := map[string]string{"name": "billing", "repoUrl": "github.com?owner=acme&repo=monorepo"}
	job, err := r.Start(context.Background(), scaffold.Request{Template: tmpl, Params: params, Key: "pr-1"})
	if err != nil {
		t.Fatal(err)
	}
	repo := pub.Repo("github.com", "acme", "monorepo")
	head := repo.Branches["create-billing"]
	if len(repo.Pulls) != 1 || len(head) != 2 {
		t.Fatalf("pulls %d, branch commits %d", len(repo.Pulls), len(head))
	}
	files := head[1].Files
	for _, p := range []string{"README.md", "billing/catalog-info.yaml", "billing/community/README.md"} {
		if _, ok := files[p]; !ok {
			t.Errorf("branch lacks %s", p)
		}
	}
	if job.Steps[2].Output["pullRequestNumber"] != float64(1) || job.Output.Links[0].URL != "https://github.com/acme/monorepo/pull/1" {
		t.Errorf("outputs %v / %+v", job.Steps[2].Output, job.Output)
	}
	if repo.Pulls[0].Spec.Title != "Create new project: billing" {
		t.Errorf("title %q", repo.Pulls[0].Spec.Title)
	}
}

func TestTakenRepositoryNameIsRefusedWithoutTouchingIt(t *testing.T) {
	pub := scaffoldtest.NewMemPublisher()
	pub.AddRepo("github.com", "acme", "ledger", []scaffold.File{{Path: "x", Data: []byte("x")}}, "someone else's")
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: pub, Registrar: newLiveCatalog()}
	_, err := r.Start(context.Background(), scaffold.Request{Template: goService(t), Params: goParams()})
	if !errors.Is(err, scaffold.ErrRepoExists) || !strings.Contains(err.Error(), "nothing was created") {
		t.Fatalf("err = %v, want ErrRepoExists and nothing created", err)
	}
	if c := pub.Calls(); c["Commit"] != 0 {
		t.Errorf("committed into a foreign repository: %v", c)
	}
}

func TestChatHelpersListTemplatesAndSteps(t *testing.T) {
	res := catalog.LoadPaths(context.Background(), []string{backstageTemplates})
	snap := catalog.Build(res)
	ts, errs := scaffold.Templates(snap)
	if len(ts) != 9 || len(errs) != 0 {
		t.Fatalf("%d templates, errors %v", len(ts), errs)
	}
	if u := goService(t).Usage(); u != "scaffold go-service name=... owner=... repoUrl=github.com?owner=ORG&repo=NAME" {
		t.Errorf("usage %q", u)
	}
	job := &scaffold.Job{State: scaffold.JobFailed, Steps: []scaffold.StepRecord{
		{Name: "Fetch", State: scaffold.StepDone},
		{Name: "Publish", State: scaffold.StepFailed, Error: "502", Created: []string{"repository https://github.com/acme/ledger"}},
		{Name: "Register", State: scaffold.StepPending},
	}}
	want := "✓ Fetch\n✗ Publish: 502\n· Register\nExists now: repository https://github.com/acme/ledger"
	if got := strings.Join(job.StepLines(), "\n"); got != want {
		t.Errorf("lines\n%s\nwant\n%s", got, want)
	}
}

func TestStepOutcomeSaysWhatADryRunDid(t *testing.T) {
	cases := []struct {
		rec  scaffold.StepRecord
		want string
	}{
		{scaffold.StepRecord{Action: "publish:github", State: scaffold.StepDone}, "done"},
		{scaffold.StepRecord{Action: "publish:github", State: scaffold.StepDone, DryRun: true, Output: map[string]any{"remoteUrl": "https://github.com/acme/x"}},
			"dry run: nothing created; would create repository https://github.com/acme/x"},
		{scaffold.StepRecord{Action: "publish:github:pull-request", State: scaffold.StepDone, DryRun: true, Output: map[string]any{"remoteUrl": "https://github.com/acme/x/pull/0"}},
			"dry run: nothing created; would open a pull request on https://github.com/acme/x"},
		{scaffold.StepRecord{Action: "catalog:register", State: scaffold.StepDone, DryRun: true, Output: map[string]any{"entityRef": "component:default/x"}},
			"dry run: nothing created; would register component:default/x"},
		{scaffold.StepRecord{Action: "catalog:register", State: scaffold.StepDone, DryRun: true}, "dry run: nothing done"},
	}
	for _, c := range cases {
		if got := c.rec.Outcome(); got != c.want {
			t.Errorf("%s: Outcome() = %q, want %q", c.rec.Action, got, c.want)
		}
	}
	job := &scaffold.Job{Steps: []scaffold.StepRecord{cases[1].rec}}
	job.Steps[0].Name = "Publish"
	if got := job.StepLines()[0]; got != "○ Publish: "+cases[1].want {
		t.Errorf("chat step line = %q", got)
	}
}
