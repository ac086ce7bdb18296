package health_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
	"github.com/callboard/callboard/catalog/health"
)

// snap builds a snapshot from YAML documents (joined with ---).
func snap(t *testing.T, docs ...string) *catalog.Snapshot {
	t.Helper()
	fsys := fstest.MapFS{"catalog.yaml": {Data: []byte(strings.Join(docs, "\n---\n"))}}
	res := catalog.LoadFS(context.Background(), fsys, []string{"catalog.yaml"}, catalog.LoadOptions{})
	for _, p := range res.Problems {
		if p.Severity == catalog.Error {
			t.Fatalf("fixture: %s", p)
		}
	}
	return catalog.Build(res)
}

// A team with a member, a channel and a PagerDuty service: the base every
// case adds to, clean on its own.
const (
	teamA = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  annotations:
    slack.com/channel-id: C0TEAMA
    pagerduty.com/service-id: PTEAMA
spec: {type: team, children: [], members: [ada]}`
	ada = `apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ada}
spec: {memberOf: [team-a]}`
)

// component renders a component of team-a with a runbook and docs unless
// the extra lines say otherwise.
func component(name, lifecycle string, extra ...string) string {
	return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ` + name + `
  annotations:
    backstage.io/techdocs-ref: dir:.
  links:
    - {url: "https://runbooks.example.com/` + name + `", title: Runbook, type: runbook}
spec:
  type: service
  lifecycle: ` + lifecycle + `
  owner: team-a
` + strings.Join(extra, "\n")
}

func rulesFound(r *health.Report) map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Findings {
		out[f.Rule] = append(out[f.Rule], f.Entity.Name)
	}
	return out
}

func TestEachRuleFiresAndStaysQuiet(t *testing.T) {
	cases := []struct {
		name string
		rule string
		// bad triggers the rule on entity want; good is the same catalog fixed.
		bad, good []string
		want      string
	}{
		{"template without owner", health.RuleNoOwner,
			[]string{teamA, ada, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: tpl}\nspec: {type: service, steps: []}"},
			[]string{teamA, ada, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: tpl}\nspec: {type: service, owner: team-a, steps: []}"},
			"tpl"},
		{"owner that does not exist", health.RuleUnknownOwner,
			[]string{teamA, ada, strings.Replace(component("svc", "experimental"), "owner: team-a", "owner: team-gone", 1)},
			[]string{teamA, ada, component("svc", "experimental")},
			"svc"},
		{"owner group with no members", health.RuleEmptyOwnerGroup,
			[]string{strings.Replace(teamA, "members: [ada]", "members: []", 1), component("svc", "experimental")},
			[]string{teamA, ada, component("svc", "experimental")},
			"team-a"},
		{"dangling dependency", health.RuleDanglingRelation,
			[]string{teamA, ada, component("svc", "experimental", "  dependsOn: [resource:gone-db]")},
			[]string{teamA, ada, component("svc", "experimental", "  dependsOn: [resource:db]"),
				"apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: db}\nspec: {type: database, owner: team-a}"},
			"svc"},
		{"deprecated component production depends on", health.RuleDeprecatedDependency,
			[]string{teamA, ada, component("old", "deprecated"), component("svc", "production", "  dependsOn: [component:old]")},
			[]string{teamA, ada, component("old", "deprecated"), component("svc", "experimental", "  dependsOn: [component:old]")},
			"old"},
		{"deprecated component whose API production consumes", health.RuleDeprecatedDependency,
			[]string{teamA, ada, component("old", "deprecated", "  providesApis: [old-api]"), component("svc", "production", "  consumesApis: [old-api]"),
				"apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: old-api}\nspec: {type: openapi, lifecycle: deprecated, owner: team-a, definition: x}"},
			[]string{teamA, ada, component("old", "deprecated", "  providesApis: [old-api]"),
				"apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: old-api}\nspec: {type: openapi, lifecycle: deprecated, owner: team-a, definition: x}"},
			"old"},
		{"production without on-call", health.RuleNoOnCall,
			[]string{strings.Replace(teamA, "pagerduty.com/service-id: PTEAMA", "x.example.com/other: y", 1), ada, component("svc", "production")},
			[]string{strings.Replace(teamA, "pagerduty.com/service-id: PTEAMA", "x.example.com/other: y", 1), ada,
				strings.Replace(component("svc", "production"), "backstage.io/techdocs-ref: dir:.", "backstage.io/techdocs-ref: dir:.\n    opsgenie.com/team: svc-team", 1)},
			"svc"},
		{"production without a runbook", health.RuleNoRunbook,
			[]string{teamA, ada, strings.NewReplacer("title: Runbook, type: runbook", "title: Dashboard, type: dashboard", "runbooks.example.com", "grafana.example.com").Replace(component("svc", "production"))},
			[]string{teamA, ada, component("svc", "production")},
			"svc"},
		{"production without docs", health.RuleNoDocs,
			[]string{teamA, ada, strings.Replace(component("svc", "production"), "backstage.io/techdocs-ref: dir:.", "x.example.com/other: y", 1)},
			[]string{teamA, ada, component("svc", "production")},
			"svc"},
		{"API without a definition", health.RuleAPINoDefinition,
			[]string{teamA, ada, "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pay-api}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: \"  \"}"},
			[]string{teamA, ada, "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pay-api}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: \"openapi: 3.0.0\"}"},
			"pay-api"},
		{"group without a channel", health.RuleGroupNoChannel,
			[]string{strings.Replace(teamA, "slack.com/channel-id: C0TEAMA", "x.example.com/other: y", 1), ada},
			[]string{strings.Replace(teamA, "slack.com/channel-id: C0TEAMA", "discord.com/channel: \"123456789012345678\"", 1), ada},
			"team-a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := health.Check(snap(t, c.bad...), nil)
			if got := rulesFound(bad)[c.rule]; len(got) != 1 || got[0] != c.want {
				t.Errorf("bad catalog: %s found %v, want [%s]; all findings: %v", c.rule, got, c.want, bad.Findings)
			}
			if bad.Score >= 100 {
				t.Errorf("bad catalog scores %d, want below 100", bad.Score)
			}
			good := health.Check(snap(t, c.good...), nil)
			if len(good.Findings) != 0 {
				t.Errorf("fixed catalog still has findings: %v", good.Findings)
			}
			if good.Score != 100 || good.Errors() != 0 {
				t.Errorf("fixed catalog: score %d, %d errors; want 100, 0", good.Score, good.Errors())
			}
		})
	}
}

// On-call found above the owner (a parent team) or on the system counts:
// that is where `oncall` looks.
func TestOnCallIsLookedForWhereOncallLooks(t *testing.T) {
	parent := `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: dept
  annotations: {slack.com/channel-name: dept, opsgenie.com/team: dept}
spec: {type: department, children: [team-a]}`
	noPage := strings.Replace(teamA, "pagerduty.com/service-id: PTEAMA", "x.example.com/other: y", 1)
	if r := health.Check(snap(t, parent, noPage, ada, component("svc", "production")), nil); len(rulesFound(r)[health.RuleNoOnCall]) != 0 {
		t.Errorf("a parent team's Opsgenie team should cover the component: %v", r.Findings)
	}
	sys := "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: pay\n  annotations: {pagerduty.com/integration-key: k}\nspec: {owner: team-a}"
	if r := health.Check(snap(t, noPage, ada, sys, component("svc", "production", "  system: pay")), nil); len(rulesFound(r)[health.RuleNoOnCall]) != 0 {
		t.Errorf("the system's PagerDuty integration should cover the component: %v", r.Findings)
	}
}

// A sub-team's members count for the department that owns things.
func TestGroupWithMembersInSubTeamsIsNotEmpty(t *testing.T) {
	dept := `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: dept
  annotations: {slack.com/channel-name: dept, opsgenie.com/team: dept}
spec: {type: department, children: [team-a]}`
	dom := "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: payments}\nspec: {owner: dept}"
	r := health.Check(snap(t, dept, teamA, ada, dom), nil)
	if got := rulesFound(r)[health.RuleEmptyOwnerGroup]; len(got) != 0 {
		t.Errorf("dept has people through team-a, yet: %v", got)
	}
}

func TestConfigTurnsRulesOffAndChangesSeverity(t *testing.T) {
	s := snap(t, strings.Replace(teamA, "slack.com/channel-id: C0TEAMA", "x.example.com/other: y", 1), ada,
		strings.Replace(component("svc", "production"), "backstage.io/techdocs-ref: dir:.", "x.example.com/other: y", 1))
	def := health.Check(s, nil)
	if got := rulesFound(def); len(got[health.RuleNoDocs]) != 1 || len(got[health.RuleGroupNoChannel]) != 1 {
		t.Fatalf("defaults: %v", def.Findings)
	}
	if def.Errors() != 0 {
		t.Fatalf("defaults: no-docs and group-no-channel are not errors, got %d errors", def.Errors())
	}
	cfg := health.Config{health.RuleNoDocs: {Severity: health.Error}, health.RuleGroupNoChannel: {Off: true}}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	r := health.Check(s, cfg)
	got := rulesFound(r)
	if len(got[health.RuleGroupNoChannel]) != 0 {
		t.Errorf("a rule turned off still found %v", got[health.RuleGroupNoChannel])
	}
	if r.Errors() != 1 || r.Findings[0].Rule != health.RuleNoDocs || r.Findings[0].Severity != health.Error {
		t.Errorf("no-docs at error severity: %d errors, findings %v", r.Errors(), r.Findings)
	}
	for _, rc := range r.Rules {
		if rc.ID == health.RuleGroupNoChannel && (rc.Enabled || rc.Checked != 0) {
			t.Errorf("rule off: %+v", rc)
		}
	}
	// Turning the only finding's rule off scores 100.
	if r := health.Check(s, health.Config{health.RuleNoDocs: {Off: true}, health.RuleGroupNoChannel: {Off: true}}); r.Score != 100 {
		t.Errorf("every finding's rule off: score %d, findings %v", r.Score, r.Findings)
	}
	if err := (health.Config{"no-such-rule": {Off: true}}).Check(); err == nil || !strings.Contains(err.Error(), "no-such-rule") || !strings.Contains(err.Error(), health.RuleNoOwner) {
		t.Errorf("unknown rule id: %v", err)
	}
	if _, err := health.ParseSeverity("fatal"); err == nil {
		t.Error("ParseSeverity accepted fatal")
	}
}

func TestReportForOneTeamAndWorst(t *testing.T) {
	teamB := strings.NewReplacer("team-a", "team-b", "C0TEAMA", "C0TEAMB", "[ada]", "[bob]").Replace(teamA)
	bob := strings.NewReplacer("name: ada", "name: bob", "team-a", "team-b").Replace(ada)
	noDocsNoRunbook := strings.NewReplacer("backstage.io/techdocs-ref: dir:.", "x.example.com/other: y", "type: runbook", "type: other", "title: Runbook", "title: Other", "runbooks.example.com", "other.example.com").Replace(component("bad", "production"))
	s := snap(t, teamA, ada, teamB, bob, noDocsNoRunbook, strings.Replace(component("fine", "production"), "owner: team-a", "owner: team-b", 1),
		strings.Replace(component("nodocs", "production"), "backstage.io/techdocs-ref: dir:.", "x.example.com/other: y", 1))
	r := health.Check(s, nil)
	a := r.For(catalog.Ref{Kind: "group", Namespace: "default", Name: "team-a"})
	b := r.For(catalog.Ref{Kind: "group", Namespace: "default", Name: "team-b"})
	if len(b.Findings) != 0 || b.Score != 100 {
		t.Errorf("team-b is clean: %d findings, score %d", len(b.Findings), b.Score)
	}
	if len(a.Findings) != 3 || a.Score >= 100 || a.Score > r.Score {
		t.Errorf("team-a: %d findings (want 3), score %d (org %d)", len(a.Findings), a.Score, r.Score)
	}
	if len(r.Teams) != 2 || r.Teams[0].Team.Name != "team-a" {
		t.Errorf("teams worst first: %+v", r.Teams)
	}
	w := r.Worst(5)
	if len(w) != 2 || w[0].Entity.Name != "bad" || len(w[0].Findings) != 2 || w[1].Entity.Name != "nodocs" {
		t.Errorf("worst: %+v", w)
	}
	// The JSON shape scripts rely on.
	b2, _ := json.Marshal(a)
	var m map[string]any
	_ = json.Unmarshal(b2, &m)
	for _, k := range []string{"score", "entities", "counts", "rules", "teams", "findings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report JSON lacks %q: %s", k, b2)
		}
	}
	if f := m["findings"].([]any)[0].(map[string]any); f["severity"] != "warning" || f["rule"] == nil || f["pos"] == nil || f["team"] == nil {
		t.Errorf("finding JSON: %v", f)
	}
}

func TestDiffListsWhatChanged(t *testing.T) {
	team := catalog.Ref{Kind: "group", Namespace: "default", Name: "team-a"}
	before := health.Check(snap(t, teamA, ada, component("svc", "production"),
		strings.Replace(component("old", "production"), "backstage.io/techdocs-ref: dir:.", "x.example.com/other: y", 1)), nil).TeamState(team)
	after := health.Check(snap(t, teamA, ada, strings.Replace(component("svc", "production"), "backstage.io/techdocs-ref: dir:.", "x.example.com/other: y", 1),
		component("new", "experimental")), nil).TeamState(team)
	c := health.Diff(before, after)
	if len(c.New) != 1 || c.New[0].Entity.Name != "svc" || len(c.Fixed) != 1 || c.Fixed[0].Entity.Name != "old" {
		t.Errorf("findings: new %v, fixed %v", c.New, c.Fixed)
	}
	if len(c.Added) != 1 || c.Added[0].Name != "new" || len(c.Removed) != 1 || c.Removed[0].Name != "old" {
		t.Errorf("entities: added %v, removed %v", c.Added, c.Removed)
	}
	if !health.Diff(after, after).Empty() {
		t.Error("a state compared with itself changed")
	}
}

// The generated organisation is realistic: its checks run and score.
func TestGeneratedCatalogChecks(t *testing.T) {
	r := health.Check(catalogtest.Snapshot(catalogtest.Options{N: 2000, Seed: 3}), nil)
	if r.Entities != 2000 || len(r.Teams) == 0 {
		t.Fatalf("entities %d, teams %d", r.Entities, len(r.Teams))
	}
	for _, rc := range r.Rules {
		if rc.Enabled && rc.Checked == 0 && rc.ID != health.RuleNoOwner {
			// no-owner checks templates too; every other rule has subjects here.
			t.Errorf("rule %s checked nothing in a generated catalog", rc.ID)
		}
	}
}

// BenchmarkHealth100k checks 100,000 generated entities. Besides the
// wall time it reports the checking thread's CPU time (cpu-ms/op), which a
// busy machine (several builds at once) inflates far less.
func BenchmarkHealth100k(b *testing.B) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100_000, Seed: 1})
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	measured := true
	b.ResetTimer()
	for b.Loop() {
		c0, ok0 := threadCPU()
		r := health.Check(s, nil)
		c1, ok1 := threadCPU()
		measured = measured && ok0 && ok1
		cpu += c1 - c0
		if r.Entities != 100_000 {
			b.Fatal(r.Entities)
		}
	}
	if measured {
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

// Relations a source states itself may be of any type (a Backstage
// instance's dependencyOf, say) and point at entities this catalog lacks:
// they are checked like the others.
func TestSourceRelationsToMissingEntitiesDangle(t *testing.T) {
	e := &catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Known: true,
		Metadata:        catalog.Metadata{Name: "svc", Namespace: "default"},
		Spec:            map[string]any{"type": "service", "lifecycle": "experimental"},
		SourceRelations: []catalog.Relation{{Type: catalog.RelDependencyOf, Target: catalog.Ref{Kind: "component", Namespace: "default", Name: "ghost"}}}}
	r := health.Check(catalog.Build(&catalog.Result{Entities: []*catalog.Entity{e}}), nil)
	if got := rulesFound(r)[health.RuleDanglingRelation]; len(got) != 1 || got[0] != "svc" {
		t.Errorf("dangling-relation found %v; findings %v", got, r.Findings)
	}
}
