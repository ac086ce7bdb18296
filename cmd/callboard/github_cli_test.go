package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
)

// ghOrg is a fake GitHub with organisation acme: payments-api (owned by
// team-payments, with a TechDocs site) and two more services.
func ghOrg(t *testing.T) *githubtest.Server {
	t.Helper()
	srv := githubtest.New(t)
	srv.AddRepo("acme", "payments-api", map[string]string{
		"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-payments\n",
		"mkdocs.yml":        "site_name: Payments API\n",
		"docs/index.md":     "# Payments API\n\n## Refunds failing\n\nWhen refunds fail, restart the settlement worker.\n",
	})
	for _, n := range []string{"ledger", "search"} {
		srv.AddRepo("acme", n, map[string]string{
			"catalog-info.yaml": fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\nspec:\n  type: service\n  lifecycle: production\n  owner: team-%s\n", n, n),
		})
	}
	return srv
}

func ghEnv(srv *githubtest.Server) map[string]string {
	return map[string]string{"USER": "alice", "GITHUB_TOKEN": githubtest.DefaultToken, "GITHUB_API_URL": srv.URL}
}

// ask, chat and validate read github:ORG and github:ORG/REPO with the
// credentials serve uses, TechDocs sites included; a second run answers
// from the cache with conditional requests.
func TestCLIReadsGitHubSources(t *testing.T) {
	srv := ghOrg(t)
	env := ghEnv(srv)
	cache := t.TempDir()

	code, out, errs := runEnv(t, env, "ask", "--catalog", "github:acme", "--cache", cache, "who owns payments-api")
	if code != 0 || !strings.Contains(out, "team-payments") {
		t.Fatalf("ask: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	first := srv.Requests()
	if strings.Contains(errs, "repositories") {
		t.Fatalf("progress shown on a stderr that is not a terminal: %q", errs)
	}

	srv.ResetCalls()
	code, out, errs = runEnv(t, env, "ask", "--catalog", "github:acme", "--cache", cache, "docs refunds failing")
	if code != 0 || !strings.Contains(out, "settlement worker") {
		t.Fatalf("ask docs: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	if nm, n := srv.NotModified(), srv.Requests(); n == 0 || float64(nm) < 0.95*float64(n) {
		t.Fatalf("second run: %d of %d answers were 304 (first run made %d requests): %v", nm, n, first, srv.Calls())
	}

	code, out, errs = runEnv(t, env, "ask", "--catalog", "github:acme/ledger", "--no-cache", "who owns ledger")
	if code != 0 || !strings.Contains(out, "team-ledger") {
		t.Fatalf("ask github:acme/ledger: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}

	var outb, errb strings.Builder
	code = Run(t.Context(), &Env{Stdin: strings.NewReader("who owns search\n"), Stdout: &outb, Stderr: &errb, Getenv: envOf(env)}, []string{"chat", "--catalog", "github:acme", "--cache", cache})
	if code != 0 || !strings.Contains(outb.String(), "team-search") {
		t.Fatalf("chat: exit %d\nstdout %q\nstderr %q", code, outb.String(), errb.String())
	}

	code, out, errs = runEnv(t, env, "validate", "--cache", cache, "github:acme")
	if code != 0 {
		t.Fatalf("validate: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	srv.Push("acme", "search", "main", map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: search\nspec:\n  type: service\n"}, nil)
	code, out, errs = runEnv(t, env, "validate", "--cache", cache, "github:acme")
	if code != 1 || !strings.Contains(out+errs, "search") {
		t.Fatalf("validate after an invalid push: exit %d (want 1)\nstdout %q\nstderr %q", code, out, errs)
	}
}

// The default cache is the user cache folder's callboard; --no-cache
// writes nothing; the cache holds no token.
func TestCLIGitHubCacheFolder(t *testing.T) {
	srv := ghOrg(t)
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HOME", home)
	env := ghEnv(srv)
	if code, _, errs := runEnv(t, env, "ask", "--catalog", "github:acme", "--no-cache", "who owns ledger"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(home, "callboard")); !os.IsNotExist(err) {
		t.Fatalf("--no-cache made the cache folder: %v", err)
	}
	if code, _, errs := runEnv(t, env, "ask", "--catalog", "github:acme", "who owns ledger"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	n := 0
	filepath.Walk(filepath.Join(home, "callboard"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
			if b, _ := os.ReadFile(p); strings.Contains(string(b), githubtest.DefaultToken) {
				t.Errorf("%s holds the token", p)
			}
		}
		return nil
	})
	if n == 0 {
		t.Fatal("nothing cached in the user cache folder")
	}
}

// Progress goes to a terminal's stderr on one rewritten line, never with
// -q, and the answer stays on stdout.
func TestCLIGitHubProgress(t *testing.T) {
	srv := ghOrg(t)
	old := stderrIsTerminal
	stderrIsTerminal = func(io.Writer) bool { return true }
	t.Cleanup(func() { stderrIsTerminal = old })

	code, out, errs := runEnv(t, ghEnv(srv), "ask", "--catalog", "github:acme", "--no-cache", "who owns ledger")
	if code != 0 || !strings.Contains(out, "team-ledger") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	if strings.Contains(out, "repositories") {
		t.Fatalf("progress on stdout: %q", out)
	}
	for _, want := range []string{"\r\x1b[Kgithub:acme: 0 of 3 repositories", "github:acme: 3 of 3 repositories, 5 files, rate limit 49"} {
		if !strings.Contains(errs, want) {
			t.Fatalf("stderr %q lacks %q", errs, want)
		}
	}
	if strings.Count(errs, "\n") != strings.Count(errs, "3 of 3") {
		t.Fatalf("progress is not one updating line: %q", errs)
	}
	_, _, errs = runEnv(t, ghEnv(srv), "ask", "-q", "--catalog", "github:acme", "--no-cache", "who owns ledger")
	if strings.Contains(errs, "repositories") {
		t.Fatalf("-q still shows progress: %q", errs)
	}
}

// Each failure names the source and says what to do.
func TestCLIGitHubErrorsSayWhatToDo(t *testing.T) {
	srv := ghOrg(t)
	env := ghEnv(srv)
	noCreds := map[string]string{"USER": "alice", "GITHUB_API_URL": srv.URL}
	badToken := map[string]string{"USER": "alice", "GITHUB_TOKEN": "expired", "GITHUB_API_URL": srv.URL}
	tests := []struct {
		name  string
		env   map[string]string
		fault func()
		spec  string
		want  []string
	}{
		{"no credentials", noCreds, nil, "github:acme", []string{`"github:acme"`, "no GitHub credentials", "set GITHUB_TOKEN", "GITHUB_APP_ID"}},
		{"no such organisation", env, nil, "github:nope", []string{`"github:nope"`, `no organisation or user "nope"`, "check the name"}},
		{"token refused", badToken, nil, "github:acme", []string{`"github:acme"`, "401 Bad credentials", "check GITHUB_TOKEN"}},
		{"token without access", env, func() {
			srv.Fail("GET", "/repos/{owner}/{repo}/contents/{path}", 100, githubtest.Fault{Status: 403, Message: "Resource not accessible by personal access token"})
		}, "github:acme", []string{`"github:acme"`, "no access (403 Resource not accessible", "read access"}},
		{"rate limit used up", env, func() {
			srv.Fail("GET", "/orgs/{org}/repos", 100, githubtest.PrimaryRateLimit(90*time.Minute))
		}, "github:acme", []string{`"github:acme"`, "rate limit is used up until", " UTC)", "GitHub App"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ClearFaults()
			srv.SetRateLimit(5000, time.Hour)
			if tt.fault != nil {
				tt.fault()
			}
			code, out, errs := runEnv(t, tt.env, "ask", "--catalog", tt.spec, "--no-cache", "who owns ledger")
			if code == 0 || out != "" {
				t.Fatalf("exit %d, stdout %q: want a failure", code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Fatalf("stderr %q lacks %q", errs, w)
				}
			}
			if strings.Contains(errs, githubtest.DefaultToken) {
				t.Fatalf("stderr shows the token: %q", errs)
			}
			code, _, verrs := runEnv(t, tt.env, "validate", "--no-cache", tt.spec)
			if code == 0 || !strings.Contains(verrs, tt.want[0]) {
				t.Fatalf("validate: exit %d, stderr %q", code, verrs)
			}
		})
	}
}

// A url: TechDocs site on the same GitHub is read as serve reads it.
func TestCLIGitHubReadsURLTechDocs(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "handbook", map[string]string{
		"site/mkdocs.yml":    "site_name: Handbook\n",
		"site/docs/index.md": "# Handbook\n\n## Key rotation\n\nRotate the signing keys every quarter with the keyctl tool.\n",
	})
	srv.AddRepo("acme", "portal", map[string]string{
		"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: portal\n  annotations:\n    backstage.io/techdocs-ref: url:" + srv.URL + "/acme/handbook/tree/main/site\nspec:\n  type: website\n  lifecycle: production\n  owner: team-web\n",
	})
	cache := t.TempDir()
	code, out, errs := runEnv(t, ghEnv(srv), "ask", "--catalog", "github:acme", "--cache", cache, "docs signing keys rotation")
	if code != 0 || !strings.Contains(out, "keyctl") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	srv.ResetCalls()
	if code, out, _ = runEnv(t, ghEnv(srv), "ask", "--catalog", "github:acme", "--cache", cache, "docs signing keys rotation"); code != 0 || !strings.Contains(out, "keyctl") {
		t.Fatalf("second run: exit %d, stdout %q", code, out)
	}
	// Everything is a 304 but handbook's missing catalog-info.yaml (a 404
	// is not kept).
	if nm, n := srv.NotModified(), srv.Requests(); nm != n-1 {
		t.Fatalf("second run: %d of %d answers were 304, want all but one: %v", nm, n, srv.Calls())
	}
}
