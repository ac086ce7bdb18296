package scaffold_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

// memTemplate parses template.yaml from files (with its skeletons beside it).
func memTemplate(t *testing.T, files fstest.MapFS) *scaffold.Template {
	t.Helper()
	res := catalog.LoadFS(context.Background(), files, []string{"template.yaml"}, catalog.LoadOptions{Source: "mem"})
	for _, p := range res.Problems {
		if p.Severity == catalog.Error {
			t.Fatalf("template.yaml: %s", p.String())
		}
	}
	if len(res.Entities) != 1 {
		t.Fatalf("%d entities", len(res.Entities))
	}
	tmpl, err := scaffold.ParseTemplate(res.Entities[0])
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

const levelTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: levels
spec:
  owner: team-a
  type: service
  parameters:
    - title: Basics
      required: [name, kind]
      properties:
        name: {type: string}
        kind: {type: string, enum: [service, library]}
    - title: Service only
      when: ${{ parameters.kind === 'service' }}
      required: [port]
      properties:
        port: {type: integer, minimum: 1024, default: 8080}
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
          enabled: ${{ parameters.kind === 'service' }}
          missing: ${{ parameters.nothing }}
    - id: notify
      name: Tell the team
      action: notification:send
      input:
        message: hi
    - id: log
      action: debug:log
      input:
        message: ${{ parameters.nothing | dump }}
    - id: community
      name: Fetch community docs
      action: fetch:plain
      input:
        url: https://github.com/backstage/community/tree/main/sessions
        targetPath: community
    - id: per-item
      name: Log each tag
      action: debug:log
      each: ['a', 'b']
      input:
        message: ${{ each.value }}
  output:
    links:
      - title: Repository
        url: https://example.com/${{ parameters.name }}
      - title: Library docs
        if: ${{ parameters.kind === 'library' }}
        url: https://example.com/docs
    text:
      - title: Shown
        content: shown ${{ parameters.name }}
      - title: Hidden
        if: false
        content: hidden
`

func levelFiles() fstest.MapFS {
	return fstest.MapFS{
		"template.yaml":         {Data: []byte(levelTemplate)},
		"skeleton/values.json":  {Data: []byte("${{ values | dump }}\n")},
		"skeleton/settings.yml": {Data: []byte("enabled: ${{ values.enabled }}\nport: ${{ values.port }}\n")},
		"skeleton/context.txt":  {Data: []byte("[${{ parameters.name }}][${{ values.name }}]")},
	}
}

func TestDryRunSkipsStepsItCannotRunAndARealRunRefusesThem(t *testing.T) {
	tmpl := memTemplate(t, levelFiles())
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore()}
	params := map[string]string{"name": "ledger", "kind": "service", "port": "9090"}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: params})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if p.Job.State != scaffold.JobSucceeded {
		t.Fatalf("dry run %s: %s", p.Job.State, p.Job.Error)
	}
	if len(p.Skipped) != 2 || !strings.Contains(p.Skipped[0], "Tell the team (notification:send)") || !strings.Contains(p.Skipped[0], "no action notification:send") ||
		!strings.Contains(p.Skipped[1], "Fetch community docs (fetch:plain)") || !strings.Contains(p.Skipped[1], "not a configured template location") {
		t.Errorf("skipped = %q, want the notification and remote fetch steps, named, with why", p.Skipped)
	}
	states := map[string]scaffold.StepState{}
	for _, s := range p.Job.Steps {
		states[s.ID] = s.State
	}
	if states["fetch"] != scaffold.StepDone || states["log"] != scaffold.StepDone || states["notify"] != scaffold.StepSkipped || states["per-item"] != scaffold.StepDone {
		t.Errorf("step states %v", states)
	}
	if lines := strings.Join(p.Job.StepLines(), "\n"); !strings.Contains(lines, "– Tell the team: not run in the dry run") {
		t.Errorf("step lines do not say why the step was skipped:\n%s", lines)
	}

	_, err = r.Start(context.Background(), scaffold.Request{Template: tmpl, Params: params})
	var cerr *scaffold.CheckError
	if !errors.As(err, &cerr) || cerr.Action != "notification:send" || !strings.Contains(err.Error(), `unknown action "notification:send"`) {
		t.Fatalf("real run err = %v, want a refusal naming notification:send", err)
	}
}

func TestStepInputsThatRenderUndefinedAreDroppedAndOutputItemsObeyIf(t *testing.T) {
	tmpl := memTemplate(t, levelFiles())
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore()}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: map[string]string{"name": "ledger", "kind": "service", "port": "9090"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range p.Files {
		got[f.Path] = string(f.Data)
	}
	// missing rendered undefined: Backstage leaves it out of values, so
	// dump prints no "missing": null; booleans print as JavaScript's.
	if got["values.json"] != `{"enabled":true,"name":"ledger"}`+"\n" {
		t.Errorf("values.json = %q", got["values.json"])
	}
	// A skeleton sees values only, as in Backstage.
	if got["context.txt"] != "[][ledger]" {
		t.Errorf("context.txt = %q", got["context.txt"])
	}
	if got["settings.yml"] != "enabled: true\nport: \n" {
		t.Errorf("settings.yml = %q", got["settings.yml"])
	}
	for _, s := range p.Job.Steps {
		if s.ID == "log" && s.Output["message"] != nil {
			t.Errorf("debug:log got message %v from an undefined input", s.Output["message"])
		}
	}
	out := p.Job.Output
	if out == nil || len(out.Links) != 1 || out.Links[0].Title != "Repository" || out.Links[0].URL != "https://example.com/ledger" {
		t.Errorf("links = %+v, want only the Repository link (the other's if is false)", out)
	}
	if out == nil || len(out.Text) != 1 || out.Text[0] != "shown ledger" {
		t.Errorf("text = %+v, want only the shown item", out)
	}

	p, err = r.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: map[string]string{"name": "lib", "kind": "library"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Job.Output.Links) != 2 {
		t.Errorf("library links = %+v, want both", p.Job.Output.Links)
	}
}

func TestHiddenParameterPagesAreNeitherAskedNorValidated(t *testing.T) {
	tmpl := memTemplate(t, levelFiles())
	// kind=library hides the "Service only" page: port is not asked for,
	// not validated (80 is under its minimum) and its default is not used.
	v, err := tmpl.Values(map[string]string{"name": "lib", "kind": "library"})
	if err != nil {
		t.Fatalf("library: %v", err)
	}
	if _, ok := v["port"]; ok {
		t.Errorf("values %v use the default of a hidden page", v)
	}
	if _, err := tmpl.Values(map[string]string{"name": "lib", "kind": "library", "port": "80"}); err != nil {
		t.Errorf("a hidden page was validated: %v", err)
	}
	// kind=service shows it: port is validated, and its default applies.
	_, err = tmpl.Values(map[string]string{"name": "svc", "kind": "service", "port": "80"})
	var perr *scaffold.ParamError
	if !errors.As(err, &perr) || !strings.Contains(err.Error(), "port") {
		t.Errorf("shown page not validated: %v", err)
	}
	v, err = tmpl.Values(map[string]string{"name": "svc", "kind": "service"})
	if err != nil || v["port"] != float64(8080) {
		t.Errorf("service values = %v, %v; want the port default", v, err)
	}
}

func TestARunawaySkeletonFailsItsJobOnceNamingTheFile(t *testing.T) {
	files := levelFiles()
	files["template.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(levelTemplate, `    - id: notify
      name: Tell the team
      action: notification:send
      input:
        message: hi
`, "", 1))}
	files["skeleton/boom.txt"] = &fstest.MapFile{Data: []byte("{% macro f(n) %}${{ f(n + 1) }}{% endmacro %}${{ f(0) }}")}
	tmpl := memTemplate(t, files)
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore()}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: map[string]string{"name": "x", "kind": "library"}})
	if err == nil || !strings.Contains(err.Error(), "skeleton/boom.txt") || !errors.Is(err, scaffold.ErrTemplateBudget) {
		t.Fatalf("err = %v, want a budget error naming skeleton/boom.txt", err)
	}
	if p.Job.State != scaffold.JobFailed || p.Job.Attempts != 1 {
		t.Errorf("job %s after %d attempts; want failed after one", p.Job.State, p.Job.Attempts)
	}
}

// The reason a dry run gives for a step it did not run goes through the
// runner's redactor, as a failed step's error does: it quotes the step's
// input (a URL), which may carry a token.
func TestDryRunSkipReasonIsRedacted(t *testing.T) {
	tmpl := memTemplate(t, levelFiles())
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Redact: func(s string) string {
		return strings.ReplaceAll(s, "backstage/community", "[redacted]")
	}}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: map[string]string{"name": "ledger", "kind": "service", "port": "9090"}})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	all := strings.Join(p.Skipped, "\n") + "\n" + strings.Join(p.Job.StepLines(), "\n")
	if strings.Contains(all, "backstage/community") || !strings.Contains(all, "[redacted]") {
		t.Errorf("dry-run skip reasons bypass the redactor:\n%s", all)
	}
}
