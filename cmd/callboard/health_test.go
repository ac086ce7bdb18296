package main

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
)

func TestHealthExitCodesGateCI(t *testing.T) {
	offErrors := writeConfig(t, "health:\n  rules:\n    unknown-owner: {enabled: false}\n    no-oncall: {enabled: false}\n")
	docsError := writeConfig(t, "health:\n  rules:\n    no-docs: {severity: error}\n")
	badRule := writeConfig(t, "health:\n  rules:\n    no-owners: {enabled: false}\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // lines expected on stdout
		stderr string
	}{
		{"clean catalog", []string{"health", "--catalog", "testdata/health/clean.yaml"}, 0, nil, "catalog health of the organisation: 100/100; 3 entities checked: 0 errors"},
		{"errors fail", []string{"health", "--catalog", "testdata/health/broken.yaml"}, 1, []string{
			"testdata/health/broken.yaml:20:1: error: unknown-owner: component:default/orphan: its owner group:default/team-renamed is not in the catalog",
			"testdata/health/broken.yaml:20:1: error: no-oncall: component:default/orphan: production, but no PagerDuty or Opsgenie annotation on it, its system, its owner or the teams above: nobody can be paged",
		}, "2 errors"},
		{"warnings pass", []string{"health", "--catalog", "testdata/health/nodocs.yaml"}, 0, []string{
			"testdata/health/nodocs.yaml:20:1: warning: no-docs: component:default/ledger: production, but no docs (backstage.io/techdocs-ref annotation)",
		}, "1 warning"},
		{"config raises a rule to error", []string{"health", "--config", docsError, "--catalog", "testdata/health/nodocs.yaml"}, 1, []string{
			"testdata/health/nodocs.yaml:20:1: error: no-docs: component:default/ledger: production, but no docs (backstage.io/techdocs-ref annotation)",
		}, "1 error,"},
		{"config turns the failing rules off", []string{"health", "--catalog", "testdata/health/broken.yaml", "--config", offErrors}, 0, nil, "0 errors"},
		{"one team, flags after it", []string{"health", "team-ledger", "--catalog", "testdata/health/broken.yaml"}, 0, nil, "catalog health of group:default/team-ledger: 100/100"},
		{"unknown team", []string{"health", "--catalog", "testdata/health/clean.yaml", "team-ledgr"}, 2, nil, `no team (group) called "team-ledgr" in the catalog; did you mean team-ledger?`},
		{"two teams", []string{"health", "--catalog", "testdata/health/clean.yaml", "a", "b"}, 2, nil, "name at most one team"},
		{"bad flag", []string{"health", "--jsn"}, 2, nil, "flag provided but not defined: -jsn"},
		{"unknown rule in config", []string{"health", "--config", badRule, "--catalog", "testdata/health/clean.yaml"}, 2, nil, `:3:5: health.rules.no-owners: unknown health rule "no-owners"`},
		{"missing catalog", []string{"health", "--catalog", "testdata/health/none.yaml"}, 1, nil, "none.yaml"},
		// A clean file beside one that does not parse: the gate fails, as
		// validate's does, rather than scoring what it could read 100/100.
		{"a file that cannot be read fails", []string{"health", "--catalog", "testdata/health/unreadable"}, 1, nil, "1 error in the catalog files (see callboard validate): failing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if len(tt.stdout) == 0 && strings.TrimSpace(stdout) != "" {
				t.Errorf("want no findings, stdout:\n%s", stdout)
			}
			for _, want := range tt.stdout {
				found := false
				for _, l := range lines {
					found = found || l == want
				}
				if !found {
					t.Errorf("stdout lacks the line\n%s\ngot:\n%s", want, stdout)
				}
			}
			if len(tt.stdout) > 0 && len(lines) != len(tt.stdout) {
				t.Errorf("%d findings, want %d:\n%s", len(lines), len(tt.stdout), stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}
}

func TestHealthJSONShape(t *testing.T) {
	code, stdout, stderr := run(t, "", "health", "--json", "--catalog", "testdata/health/broken.yaml")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Scope    string         `json:"scope"`
		Score    int            `json:"score"`
		Entities int            `json:"entities"`
		Counts   map[string]int `json:"counts"`
		Rules    []struct {
			ID, Title, Explain, Severity string
			Enabled                      bool
			Checked, Findings            int
		} `json:"rules"`
		Teams []struct {
			Team                      map[string]string
			Score, Entities, Findings int
		} `json:"teams"`
		Findings []struct {
			Rule, Severity, Message string
			Entity                  map[string]string
			Team                    map[string]string
			Pos                     struct {
				File      string
				Line, Col int
			}
			Related []map[string]string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if got.Scope != "organisation" || got.Entities != 3 || got.Score <= 0 || got.Score >= 100 {
		t.Errorf("scope %q entities %d score %d", got.Scope, got.Entities, got.Score)
	}
	if got.Counts["error"] != 2 || got.Counts["warning"] != 0 {
		t.Errorf("counts %v", got.Counts)
	}
	if len(got.Rules) != 10 || got.Rules[0].ID != "no-owner" || got.Rules[0].Explain == "" || !got.Rules[0].Enabled {
		t.Errorf("rules %+v", got.Rules)
	}
	if len(got.Findings) != 2 {
		t.Fatalf("findings %+v", got.Findings)
	}
	f := got.Findings[0]
	if f.Rule != "unknown-owner" || f.Severity != "error" || f.Entity["name"] != "orphan" || f.Team["name"] != "team-renamed" ||
		f.Pos.File != "testdata/health/broken.yaml" || f.Pos.Line != 20 || len(f.Related) != 1 || f.Related[0]["name"] != "team-renamed" {
		t.Errorf("finding %+v", f)
	}
	// One team: its scope and only its findings.
	code, stdout, _ = run(t, "", "health", "--json", "--catalog", "testdata/health/broken.yaml", "team-ledger")
	if code != 0 || !strings.Contains(stdout, `"scope": "group:default/team-ledger"`) || !strings.Contains(stdout, `"findings": []`) {
		t.Errorf("team-ledger: exit %d\n%s", code, stdout)
	}
}

func TestConfigCheckNamesBadHealthSettings(t *testing.T) {
	cfg := writeConfig(t, `health:
  rules:
    no-docs: {severity: fatal}
    no-owner: {enabled: false}
    group-without-channel: {enabled: false}
  digest:
    schedule: every monday
    timezone: Europe/Atlantis
`)
	code, _, stderr := run(t, "", "config", "check", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		cfg + `:3:15: health.rules.no-docs.severity: must be one of info, warning, error; got "fatal"`,
		cfg + `:5:5: health.rules.group-without-channel: unknown health rule "group-without-channel"; the rules are no-owner, unknown-owner,`,
		cfg + `:7:5: health.digest.schedule: "every monday" is not a cron schedule`,
		cfg + `:8:5: health.digest.timezone: must be an IANA time zone such as UTC or Europe/Berlin; got "Europe/Atlantis"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("config check lacks\n%s\ngot:\n%s", want, stderr)
		}
	}
	ok := writeConfig(t, "health:\n  rules:\n    no-docs: {severity: error}\n    group-no-channel: {enabled: false}\n  digest:\n    schedule: \"30 8 * * MON-FRI\"\n    timezone: Europe/Berlin\n")
	if code, stdout, stderr := run(t, "", "config", "check", "--config", ok); code != 0 {
		t.Errorf("a good health section: exit %d\n%s%s", code, stdout, stderr)
	}
}

// serve checks the catalog's health as each snapshot is swapped in, so the
// first `health` after a refresh is answered from memory, and the digest
// reads the same report.
func TestServeChecksHealthOffTheRequestPath(t *testing.T) {
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	cfg, err := LoadConfig(writeConfig(t, "catalog:\n  sources: ["+org+"]\n"), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMain(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if cur := s.app.Store.Current(); !s.app.Health.Has(cur) {
		t.Fatal("the loaded snapshot's health is not checked before any request")
	}
	next := catalog.Build(&catalog.Result{Entities: s.app.Store.Current().Entities()})
	s.app.Store.Swap(next)
	if !s.app.Health.Has(next) {
		t.Fatal("a snapshot swapped in is not checked as it is swapped")
	}
}
