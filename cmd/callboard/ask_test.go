package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	orgCatalog       = "testdata/org.yaml"
	backstageCatalog = "../../testdata/backstage"
)

// run runs the real callboard in-process.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		return map[string]string{"USER": "alice"}[k]
	}}
	code = Run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestAskExitCodesAndAnswers(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		has  []string
	}{
		{"OwnerAnswered", []string{"ask", "--catalog", orgCatalog, "who owns payments-api?"}, 0, []string{"Payments API is owned by Team Payments", "Channel:    #payments"}},
		{"FlagsAfterText", []string{"ask", "who", "owns", "ledger", "--catalog", orgCatalog}, 0, []string{"ledger is owned by Team Payments"}},
		{"NotFoundSuggests", []string{"ask", "--catalog", orgCatalog, "who owns ledgerdbx"}, 1, []string{"Did you mean", "owner resource:default/ledger-db"}},
		{"AmbiguousOffersChoices", []string{"ask", "--catalog", orgCatalog, "who owns search"}, 1, []string{"matches 2 entities", "owner api:default/search"}},
		{"MissingArgumentIsUsage", []string{"ask", "--catalog", orgCatalog, "who owns"}, 2, []string{"Usage: owner X"}},
		{"WhoamiFromUSER", []string{"ask", "--catalog", orgCatalog, "whoami"}, 0, []string{"You are Alice Archer"}},
		{"SecondPage", []string{"ask", "--catalog", orgCatalog, "--page", "1", "help"}, 0, []string{"callboard commands"}},
		{"BackstageOwner", []string{"ask", "--catalog", backstageCatalog, "who owns artist-lookup"}, 0, []string{"artist-lookup is owned by team-a"}},
		{"BackstageTeam", []string{"ask", "--catalog", backstageCatalog, "team team-a"}, 0, []string{"team-a", "Janelle Dawe"}},
		{"BackstageAmbiguous", []string{"ask", "--catalog", backstageCatalog, "info petstore"}, 1, []string{"api:default/petstore", "component:default/petstore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			for _, h := range tt.has {
				if !strings.Contains(out, h) {
					t.Errorf("stdout lacks %q:\n%s", h, out)
				}
			}
		})
	}
}

func TestAskUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"NoText", []string{"ask", "--catalog", orgCatalog}, "say what to ask"},
		{"UnknownFlag", []string{"ask", "--nope", "x"}, "flag provided but not defined"},
		{"BadPage", []string{"ask", "--page", "0", "help"}, "pages start at 1"},
		{"EmptyCatalogFlag", []string{"ask", "--catalog", "", "help"}, "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := run(t, "", tt.args...)
			if code != 2 || !strings.Contains(errs, tt.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.msg)
			}
		})
	}
}

func TestAskUnreadableCatalogFailsClearly(t *testing.T) {
	code, _, errs := run(t, "", "ask", "--catalog", "testdata/no-such-dir", "help")
	if code != 1 || !strings.Contains(errs, "no catalog entities found in testdata/no-such-dir") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestAskJSONGolden pins the JSON contract of a few answers.
func TestAskJSONGolden(t *testing.T) {
	tests := []struct{ name, text string }{
		{"owner", "who owns payments-api?"},
		{"impact", "impact ledger-db"},
		{"ambiguous", "who owns search"},
		{"notfound", "who owns pymnts-ap"},
		{"team", "team payments-team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, errs := run(t, "", "ask", "--json", "--catalog", orgCatalog, tt.text)
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("not JSON: %v\n%s\n%s", err, out, errs)
			}
			pretty, _ := json.MarshalIndent(v, "", "  ")
			pretty = append(pretty, '\n')
			path := filepath.Join("testdata", "golden", tt.name+".json")
			if *update {
				if err := os.WriteFile(path, pretty, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(pretty, want) {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", tt.text, path, pretty)
			}
		})
	}
}

// TestDocsFlagWithoutCatalogSearchesOnlyThoseSites: `--docs SITE` with no
// catalog searches that site, not the embedded example organisation's docs
// beside it (whose "refunds" pages would otherwise come first).
func TestDocsFlagWithoutCatalogSearchesOnlyThoseSites(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"mkdocs.yml":    "site_name: Loose\n",
		"docs/index.md": "# Loose\n\nHow refunds are reconciled here.\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name     string
		args     []string
		wantHits func(n int) bool
	}{
		{"DocsAlone", []string{"ask", "--json", "--docs", dir, "docs refunds"}, func(n int) bool { return n == 1 }},
		{"WithCatalog", []string{"ask", "--json", "--catalog", "../../examples/org", "--docs", dir, "docs refunds"}, func(n int) bool { return n > 1 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, errs)
			}
			var resp struct {
				Docs []struct {
					Page, Entity string
				} `json:"docs"`
			}
			if err := json.Unmarshal([]byte(out), &resp); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !tt.wantHits(len(resp.Docs)) {
				t.Errorf("%d hits: %+v", len(resp.Docs), resp.Docs)
			}
			if tt.name == "DocsAlone" && (resp.Docs[0].Page != "index.md" || resp.Docs[0].Entity != "") {
				t.Errorf("hit %+v, want the loose site's index.md", resp.Docs[0])
			}
		})
	}
}
