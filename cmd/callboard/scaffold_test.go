package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/github/githubtest"
)

const backstageTemplates = "../../testdata/software-templates/scaffolder-templates"

func TestScaffoldDryRunWritesRenderedFilesAndExitCodes(t *testing.T) {
	docs := filepath.Join(backstageTemplates, "docs-template", "template.yaml")
	okParams := []string{"name=runbooks", "description=How we run things", "owner=team-sre", "repoUrl=github.com?owner=acme&repo=runbooks"}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"dry run renders every file", append([]string{"scaffold", "--dry-run", "--template", docs, "--out", "OUT"}, okParams...), 0,
			[]string{"rendered 3 files", "docs/index.md", "name: \"runbooks\"", "Repository: https://github.com/acme/runbooks"},
			[]string{"[1/3] fetch (fetch:template): done", // A dry run says what it did: nothing, and what a real run would do.
				"[2/3] publish (publish:github): dry run: nothing created; would create repository https://github.com/acme/runbooks",
				"[3/3] register (catalog:register): dry run: nothing created; would register component:default/runbooks"}},
		{"missing parameters are listed", []string{"scaffold", "--dry-run", "--template", docs, "--out", "OUT", "name=x"}, 2, nil,
			[]string{"needs:", "description=...", "repoUrl=github.com?owner=ORG&repo=NAME"}},
		{"invalid parameter names the rule", append([]string{"scaffold", "--dry-run", "--template", docs, "--out", "OUT", "repoUrl=gitlab.com?owner=a&repo=b"}, okParams[:3]...), 2, nil,
			[]string{"parameter 'repoUrl': host gitlab.com is not allowed"}},
		{"not key=value is usage", []string{"scaffold", "--dry-run", "--template", docs, "--out", "OUT", "oops"}, 2, nil, []string{`"oops" is not a key=value parameter`}},
		{"no template is usage", []string{"scaffold", "--dry-run", "--out", "OUT"}, 2, nil, []string{"name a template of the catalog", "or give --template PATH"}},
		// A template of the catalog by name: the embedded example organisation's by default.
		{"a template of the catalog by name", []string{"scaffold", "--dry-run", "go-service", "--out", "OUT", "name=ledger-export", "owner=team-payments", "description=d", "repoUrl.repo=ledger-export"}, 0,
			[]string{"rendered 11 files", "cmd/ledger-export/main.go"}, []string{"would create repository https://github.com/tallybird/ledger-export"}},
		{"a template of --catalog by name", []string{"scaffold", "--dry-run", "--catalog", filepath.Join(backstageTemplates, "docs-template"), "docs-template", "--out", "OUT"}, 2, nil,
			[]string{"needs:", "description=..."}},
		{"an unknown template name lists the catalog's", []string{"scaffold", "--dry-run", "go-servic", "--out", "OUT"}, 2, nil,
			[]string{`no template called "go-servic" in the example organisation (no --catalog given); available: add-runbook, go-service, techdocs-site`}},
		{"unreadable template fails", []string{"scaffold", "--dry-run", "--template", "nope.yaml", "--out", "OUT"}, 1, nil, []string{"nope.yaml"}},
		// As Backstage's dry run: a step whose action callboard lacks is
		// skipped, saying which and why, and the rest run (a real run
		// refuses up front: scaffold's own tests).
		{"unsupported action is skipped in a dry run", []string{"scaffold", "--dry-run", "--template", filepath.Join(backstageTemplates, "rails-demo", "template.yaml"), "--out", "OUT",
			"name=shop", "owner=team-web", "repoUrl=github.com?owner=acme&repo=shop", "dryRun=true"}, 0,
			[]string{"skipped: Fetch Base (fetch:rails): not run in the dry run: callboard has no action fetch:rails"}, []string{"[2/5] step-2 (catalog:write): done"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "OUT", out)
			}
			code, stdout, stderr := run(t, "", args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
			}
			for _, s := range c.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if c.code == 0 {
				data, err := os.ReadFile(filepath.Join(out, "catalog-info.yaml"))
				slug := "acme/runbooks"
				if strings.Contains(c.name, "unsupported") {
					slug = "acme/shop"
				}
				if strings.Contains(c.name, "by name") {
					slug = "tallybird/ledger-export"
				}
				if err != nil || !strings.Contains(string(data), "github.com/project-slug: "+slug) {
					t.Errorf("written catalog-info.yaml: %s %v", data, err)
				}
			}
		})
	}
}

func TestScaffoldPublishesToGitHubInOneCommit(t *testing.T) {
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		return map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken, "GITHUB_API_URL": gh.URL}[k]
	}}
	args := []string{"scaffold", "--template", filepath.Join(backstageTemplates, "create-react-app", "template.yaml"), "--key", "k1",
		"component_id=web-shop", "description=The shop", "owner=team-web", "repoUrl=github.com?owner=acme&repo=web-shop"}
	if code := Run(context.Background(), env, args); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	repo := gh.Repo("acme", "web-shop")
	if repo == nil {
		t.Fatal("no repository created")
	}
	commits := repo.Commits(repo.DefaultBranch())
	files := repo.Files(repo.DefaultBranch())
	if len(files) != 9 || !strings.Contains(files["catalog-info.yaml"], "name: \"web-shop\"") {
		t.Errorf("files %d: %v", len(files), keys(files))
	}
	if len(commits) == 0 || !strings.Contains(commits[len(commits)-1].Message, "callboard-job:") {
		t.Errorf("commits %+v", commits)
	}
	t.Logf("GitHub API requests for a %d-file run: %d %v", len(files), gh.Requests(), gh.Calls())
	if !strings.Contains(out.String(), "Open in catalog: component:default/web-shop") {
		t.Errorf("stdout %s", out.String())
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// writeBigTemplate writes a template whose skeleton has n text files.
func writeBigTemplate(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	tmpl := `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: big
spec:
  owner: group:platform
  type: service
  parameters:
    - required: [name, repoUrl]
      properties:
        name: {type: string}
        repoUrl: {type: string, ui:field: RepoUrlPicker}
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: "${{ parameters.name }}"}
    - id: publish
      action: publish:github
      input: {repoUrl: "${{ parameters.repoUrl }}"}
`
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, "skeleton", "pkg"+string(rune('a'+i%20)), "f"+strings.Repeat("x", i%3)+itoa(i)+".txt")
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("file "+itoa(i)+" of ${{ values.name }}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "template.yaml")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestGitHubRequestsPerRunDoNotGrowWithFiles(t *testing.T) {
	var requests []int
	for _, n := range []int{10, 1000} {
		gh := githubtest.New(t)
		gh.AddOrg("acme")
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			return map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken, "GITHUB_API_URL": gh.URL}[k]
		}}
		if code := Run(context.Background(), env, []string{"scaffold", "--template", writeBigTemplate(t, n), "name=big", "repoUrl=github.com?owner=acme&repo=big"}); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if got := len(gh.Repo("acme", "big").Files("main")); got != n {
			t.Fatalf("%d files pushed, want %d", got, n)
		}
		requests = append(requests, gh.Requests())
	}
	t.Logf("GitHub API requests per run: 10 files %d, 1000 files %d", requests[0], requests[1])
	if requests[0] != requests[1] {
		t.Errorf("requests grew with files: %v", requests)
	}
}
