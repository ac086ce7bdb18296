package scaffold_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/scaffold"
)

// echoAction returns its input message as the output "said".
type echoAction struct{}

func (echoAction) Name() string { return "test:echo" }
func (echoAction) Inputs() []scaffold.Input {
	return []scaffold.Input{{Name: "message", Type: "string", Required: true}}
}
func (echoAction) SideEffects() bool                              { return false }
func (echoAction) Check(*scaffold.CheckEnv, map[string]any) error { return nil }
func (echoAction) Run(_ context.Context, _ *scaffold.StepContext, in map[string]any) (map[string]any, error) {
	return map[string]any{"said": in["message"]}, nil
}

func eachTemplate(each string) fstest.MapFS {
	return fstest.MapFS{"template.yaml": {Data: []byte(`apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: each-demo}
spec:
  owner: team-a
  type: service
  parameters:
    properties:
      names: {type: array, items: {type: string}}
      count: {type: number}
  steps:
    - id: greet
      name: Greet each
      action: test:echo
      each: ` + each + `
      input:
        message: hi ${{ each.value }} at ${{ each.key }}
    - id: after
      action: test:echo
      input:
        message: ${{ steps.greet.output.said | join('; ') }}|${{ each }}
  output:
    text:
      - title: Said
        content: ${{ steps.after.output.said }}
`)}}
}

func runEach(t *testing.T, each string, params map[string]string) (*scaffold.Job, error) {
	t.Helper()
	actions := scaffold.DefaultActions()
	actions["test:echo"] = echoAction{}
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Actions: actions}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: memTemplate(t, eachTemplate(each)), Params: params})
	if p == nil {
		return nil, err
	}
	return p.Job, err
}

// A step with each: runs once per item with each.key and each.value, and
// each output name holds the list of the iterations' values, as Backstage
// collects them; each is gone after the step.
func TestEachRunsAStepOncePerItem(t *testing.T) {
	tests := []struct{ each, want string }{
		{"${{ parameters.names }}", "hi ledger at 0; hi refunds at 1|"},
		{"{b: x, a: y}", "hi y at a; hi x at b|"},
	}
	for _, tc := range tests {
		job, err := runEach(t, tc.each, map[string]string{"names": "ledger,refunds"})
		if err != nil {
			t.Fatalf("each %s: %v", tc.each, err)
		}
		if job.State != scaffold.JobSucceeded || job.Output == nil || len(job.Output.Text) != 1 {
			t.Fatalf("each %s: job %s (%s), output %+v", tc.each, job.State, job.Error, job.Output)
		}
		if got := job.Output.Text[0]; !strings.Contains(got, tc.want) {
			t.Errorf("each %s: output %q, want it to contain %q", tc.each, got, tc.want)
		}
	}
}

// each: over something that is not a list or an object fails the step with
// a message naming the step and what it got; a list longer than the bound
// is refused rather than run.
func TestEachRefusesWhatItCannotIterate(t *testing.T) {
	job, err := runEach(t, "${{ parameters.count }}", map[string]string{"count": "3"})
	if err == nil || job.State != scaffold.JobFailed || !strings.Contains(job.Error, "step greet") || !strings.Contains(job.Error, "each: must be a list or an object, not float64") {
		t.Errorf("each over a number: err %v, job %s %q", err, job.State, job.Error)
	}
	big := "[" + strings.TrimSuffix(strings.Repeat("x, ", 1001), ", ") + "]"
	job, err = runEach(t, big, nil)
	if err == nil || !strings.Contains(job.Error, "each: has 1001 items; at most 1000 are run") {
		t.Errorf("each over 1001 items: err %v, job %q", err, job.Error)
	}
}
