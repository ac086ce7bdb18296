package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/health"
)

// HealthOptions configure the `health` command.
type HealthOptions struct {
	// Catalog is required.
	Catalog Catalog
	// Rules are health.rules from callboard.yaml (nil: every rule at its default).
	Rules health.Config
	// InChannel makes the answer visible to the channel.
	InChannel bool
	// Worst is how many entities the answer lists (default 10).
	Worst int
	// Reports, when set, is shared with whoever else checks the catalog
	// (the digest) and may be warmed on each swap, off the request path;
	// nil: the command keeps its own, checked at the first request.
	Reports *HealthReports
}

// HealthReports checks snapshots, keeping the report of the last one (a
// check of 100,000 entities takes a few hundred milliseconds).
type HealthReports struct {
	Rules health.Config
	mu    sync.Mutex
	snap  *catalog.Snapshot
	rep   *health.Report
}

// Of returns the report of s, checked once per snapshot.
func (h *HealthReports) Of(s *catalog.Snapshot) *health.Report {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.snap != s || h.rep == nil {
		h.snap, h.rep = s, health.Check(s, h.Rules)
	}
	return h.rep
}

// Has reports whether s's report is kept already (checked, not pending).
func (h *HealthReports) Has(s *catalog.Snapshot) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snap == s && h.rep != nil
}

// RegisterHealth adds `health [TEAM]`: the organisation's catalog health
// score and worst items, or one team's (with its sub-teams).
func RegisterHealth(r *Router, o HealthOptions) error {
	if err := o.Rules.Check(); err != nil {
		return fmt.Errorf("register health: %w", err)
	}
	if o.Worst <= 0 {
		o.Worst = 10
	}
	a := &answers{Options: Options{Catalog: o.Catalog, InChannel: o.InChannel, PageSize: 15}, router: r}
	reports := o.Reports
	if reports == nil {
		reports = &HealthReports{Rules: o.Rules}
	}
	return r.Register(Command{
		Name: "health", Aliases: []string{"catalog health", "scorecard"},
		Phrases: []string{"how healthy is", "how healthy is the catalog", "health of", "scorecard for", "health for"},
		Summary: "catalog health: the score and the worst items, for the organisation or one team",
		Usage:   "health [TEAM]", Examples: []string{"health", "health team-a"},
		Help: "Checks the catalog against its health rules (owners that exist and have people, on-call, runbooks and docs for production components, " +
			"API definitions, team channels, dangling relations, deprecated components still depended on) and answers with a score out of 100 and the worst items. " +
			"`health TEAM` narrows it to what TEAM and its sub-teams own. Rules are set in callboard.yaml (health.rules); `callboard health` runs the same check in CI.",
		Handler: HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			s, _, bad := a.snapshot()
			if bad != nil {
				return bad, nil
			}
			rep := reports.Of(s)
			if Args(req) == "" {
				return a.okFor(req, HealthAnswer(s, rep, "the organisation", o.Worst, req.Platform)), nil
			}
			s, g, bad := a.resolveArg(req, preferTeam)
			if bad != nil {
				return bad, nil
			}
			if kindOf(g) != catalog.KindGroup {
				or, ok := ownerRef(s, g)
				oe, found := s.Get(or)
				if !ok || !found || kindOf(oe) != catalog.KindGroup {
					return a.okFor(req, &Response{Title: g.DisplayName() + " is not a team",
						Text: "`health` takes a team; " + entityLabel(g) + " has no owning team in the catalog.", Actions: []Action{{Label: "health", Command: "health"}}}), nil
				}
				g = oe
			}
			teams := health.TeamAndBelow(s, g.Ref())
			return a.okFor(req, HealthAnswer(s, rep.For(teams...), displayName(g), o.Worst, req.Platform)), nil
		}),
	})
}

// severityMark is how a finding's severity reads in a list.
func severityMark(s health.Severity) string {
	switch s {
	case health.Error:
		return "error"
	case health.Warning:
		return "warning"
	}
	return "note"
}

// HealthAnswer renders a report about whom ("the organisation", a team's
// name): the score, counts, the worst entities, the weakest teams and the
// rules that found something.
func HealthAnswer(s *catalog.Snapshot, rep *health.Report, whom string, worst int, platform string) *Response {
	resp := &Response{Title: fmt.Sprintf("Catalog health of %s: %d/100", whom, rep.Score)}
	c := rep.Counts
	if len(rep.Findings) == 0 {
		resp.Text = fmt.Sprintf("%d %s checked; nothing to fix.", rep.Entities, plural(rep.Entities, "entity", "entities"))
	} else {
		resp.Text = fmt.Sprintf("%d %s checked: %d %s, %d %s, %d %s.", rep.Entities, plural(rep.Entities, "entity", "entities"),
			c.Error, plural(c.Error, "error", "errors"), c.Warning, plural(c.Warning, "warning", "warnings"), c.Info, plural(c.Info, "note", "notes"))
	}
	if w := rep.Worst(worst); len(w) > 0 {
		sec := Section{Title: "Worst items"}
		for _, ef := range w {
			sec.Items = append(sec.Items, findingItem(s, ef.Entity, ef.Findings))
		}
		if n := countEntities(rep); n > len(w) {
			sec.Text = fmt.Sprintf("%d of %d entities with findings.", len(w), n)
		}
		resp.Sections = append(resp.Sections, sec)
	}
	if len(rep.Teams) > 1 {
		sec := Section{Title: "Teams with the lowest scores"}
		for _, t := range rep.Teams {
			if t.Findings == 0 || len(sec.Items) == 5 {
				break
			}
			label := shortRef(t.Team)
			if e, ok := s.Get(t.Team); ok {
				label = displayName(e)
			}
			sec.Items = append(sec.Items, Item{Text: fmt.Sprintf("%s: %d/100", label, t.Score),
				Detail: fmt.Sprintf("%d %s", t.Findings, plural(t.Findings, "finding", "findings")), Ref: t.Team.String()})
			if len(resp.Actions) < 3 {
				resp.Actions = append(resp.Actions, Action{Label: "health " + t.Team.Name, Command: "health " + t.Team.String()})
			}
		}
		if len(sec.Items) > 0 {
			resp.Sections = append(resp.Sections, sec)
		}
	}
	var rules []string
	for _, rc := range rep.Rules {
		if rc.Findings > 0 {
			rules = append(rules, fmt.Sprintf("`%s` %d (%s)", rc.ID, rc.Findings, rc.Title))
		}
	}
	if len(rules) > 0 {
		resp.Sections = append(resp.Sections, Section{Title: "By rule", Text: strings.Join(rules, "\n")})
	}
	for _, ef := range rep.Worst(worst) {
		resp.Refs = append(resp.Refs, refData(ef.Entity))
	}
	return resp
}

func countEntities(rep *health.Report) int {
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		seen[f.Entity.Key()] = true
	}
	return len(seen)
}

// findingItem is one entity with its findings, as a list item.
func findingItem(s *catalog.Snapshot, ref catalog.Ref, fs []health.Finding) Item {
	label := shortRef(ref)
	if e, ok := s.Get(ref); ok {
		label = entityLabel(e)
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = severityMark(f.Severity) + " " + f.Rule + ": " + f.Message
	}
	return Item{Text: label, Detail: strings.Join(parts, "; "), Ref: ref.String()}
}
