package scaffold

import (
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Templates parses every Template entity of a snapshot (v1beta3 ones), sorted
// by name. Templates that do not parse are returned as errors, each naming
// the file and the problem, so `templates` can still list the rest.
func Templates(snap *catalog.Snapshot) ([]*Template, []error) {
	var out []*Template
	var errs []error
	if snap == nil {
		return nil, nil
	}
	for _, e := range snap.Entities() {
		if !strings.EqualFold(e.Kind, catalog.KindTemplate) {
			continue
		}
		t, err := ParseTemplate(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.Key() < out[j].Ref.Key() })
	return out, errs
}

// StepLines renders a job's steps for a chat message updated as they finish:
// one line per step with a state mark, then what exists when it failed.
func (j *Job) StepLines() []string {
	marks := map[StepState]string{StepPending: "·", StepRunning: "…", StepDone: "✓", StepSkipped: "–", StepFailed: "✗"}
	lines := make([]string, 0, len(j.Steps)+1)
	for _, s := range j.Steps {
		line := fmt.Sprintf("%s %s", marks[s.State], s.Name)
		if (s.State == StepFailed || s.State == StepSkipped) && s.Error != "" {
			line += ": " + s.Error
		} else if s.DryRun && s.State == StepDone {
			line = "○ " + s.Name + ": " + s.Outcome()
		}
		lines = append(lines, line)
	}
	if j.State == JobFailed {
		if ex := j.Exists(); len(ex) > 0 {
			lines = append(lines, "Exists now: "+strings.Join(ex, "; "))
		} else {
			lines = append(lines, "Nothing was created.")
		}
	}
	return lines
}

// Usage is a one-line example of running the template from chat, required
// parameters first: "scaffold go-service name=... owner=... repoUrl=github.com?owner=ORG&repo=NAME".
func (t *Template) Usage() string {
	parts := []string{"scaffold", t.Ref.Name}
	for _, p := range t.Params() {
		if p.Required {
			parts = append(parts, p.Hint())
		}
	}
	return strings.Join(parts, " ")
}
