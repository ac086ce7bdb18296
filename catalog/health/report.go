package health

import (
	"sort"

	"github.com/callboard/callboard/catalog"
)

// Report is the result of Check: the score, counts and findings, for the
// organisation or (after For) some teams.
type Report struct {
	// Score is 0–100: the share of the checks, weighted by severity (error
	// 3, warning 2, info 1), that found nothing; below 100 while anything
	// was found.
	Score int `json:"score"`
	// Entities is the number of entities covered.
	Entities int `json:"entities"`
	// Counts are the findings by severity.
	Counts Counts `json:"counts"`
	// Rules are every rule with its settings and counts, in order.
	Rules []RuleCount `json:"rules"`
	// Teams are the teams' scores, worst first.
	Teams []TeamScore `json:"teams"`
	// Findings are worst first: by severity, then rule, then entity.
	Findings []Finding `json:"findings"`

	rules []active
	teams map[string]*tally
}

// Counts are findings by severity.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
}

// RuleCount is one rule as configured, with what it checked and found.
type RuleCount struct {
	Rule
	Enabled  bool `json:"enabled"`
	Checked  int  `json:"checked"`
	Findings int  `json:"findings"`
}

// TeamScore is one team's score.
type TeamScore struct {
	Team     catalog.Ref `json:"team"`
	Score    int         `json:"score"`
	Entities int         `json:"entities"`
	Findings int         `json:"findings"`
}

// EntityFindings are the findings of one entity.
type EntityFindings struct {
	Entity   catalog.Ref  `json:"entity"`
	Team     *catalog.Ref `json:"team,omitempty"`
	Findings []Finding    `json:"findings"`
	weight   int
}

func (ck *checker) report() *Report {
	sortFindings(ck.out, ck.idx)
	r := &Report{Findings: ck.out, rules: ck.rules, teams: ck.teams}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	r.fill([]*tally{&ck.org})
	r.Teams = make([]TeamScore, 0, len(ck.teams))
	for _, t := range ck.teams {
		r.Teams = append(r.Teams, TeamScore{Team: t.team, Score: t.score(), Entities: t.count, Findings: t.findings})
	}
	sort.Slice(r.Teams, func(i, j int) bool {
		a, b := r.Teams[i], r.Teams[j]
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		if a.Findings != b.Findings {
			return a.Findings > b.Findings
		}
		return a.Team.Key() < b.Team.Key()
	})
	return r
}

// fill computes Score, Entities, Counts and Rules from the tallies and r.Findings.
func (r *Report) fill(ts []*tally) {
	total, failed := 0, 0
	var checked [16]int
	r.Entities = 0
	for _, t := range ts {
		total += t.total
		failed += t.failed
		r.Entities += t.count
		for i := range checked {
			checked[i] += t.checks[i]
		}
	}
	r.Score = score(total, failed)
	found := map[string]int{}
	r.Counts = Counts{}
	for _, f := range r.Findings {
		found[f.Rule]++
		switch f.Severity {
		case Error:
			r.Counts.Error++
		case Warning:
			r.Counts.Warning++
		default:
			r.Counts.Info++
		}
	}
	r.Rules = make([]RuleCount, len(r.rules))
	for i, a := range r.rules {
		r.Rules[i] = RuleCount{Rule: a.Rule, Enabled: a.on, Checked: checked[i], Findings: found[a.ID]}
	}
}

func sortFindings(fs []Finding, idx map[string]int) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Rule != b.Rule {
			return idx[a.Rule] < idx[b.Rule]
		}
		return a.Entity.Key() < b.Entity.Key()
	})
}

// For narrows the report to the findings and checks of these teams
// (entities they own, and the groups themselves).
func (r *Report) For(teams ...catalog.Ref) *Report {
	out := &Report{rules: r.rules, teams: map[string]*tally{}}
	var ts []*tally
	want := map[string]bool{}
	for _, t := range teams {
		k := t.Key()
		if want[k] {
			continue
		}
		want[k] = true
		if tl, ok := r.teams[k]; ok {
			ts = append(ts, tl)
			out.teams[k] = tl
			out.Teams = append(out.Teams, TeamScore{Team: tl.team, Score: tl.score(), Entities: tl.count, Findings: tl.findings})
		}
	}
	sort.SliceStable(out.Teams, func(i, j int) bool { return out.Teams[i].Score < out.Teams[j].Score })
	out.Findings = []Finding{}
	for _, f := range r.Findings {
		if f.Team != nil && want[f.Team.Key()] {
			out.Findings = append(out.Findings, f)
		}
	}
	out.fill(ts)
	return out
}

// Errors is the number of error findings.
func (r *Report) Errors() int { return r.Counts.Error }

// Worst returns up to n entities with the heaviest findings (severity
// weights summed), worst first.
func (r *Report) Worst(n int) []EntityFindings {
	by := map[string]*EntityFindings{}
	var order []*EntityFindings
	for _, f := range r.Findings {
		k := f.Entity.Key()
		ef, ok := by[k]
		if !ok {
			ef = &EntityFindings{Entity: f.Entity, Team: f.Team}
			by[k] = ef
			order = append(order, ef)
		}
		ef.Findings = append(ef.Findings, f)
		ef.weight += f.Severity.weight()
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].weight != order[j].weight {
			return order[i].weight > order[j].weight
		}
		return false // Findings' own order: severity, rule, entity
	})
	if len(order) > n {
		order = order[:n]
	}
	out := make([]EntityFindings, len(order))
	for i, ef := range order {
		out[i] = *ef
	}
	return out
}

// State is what a team's digest remembers of a report: its findings and
// the entities attributed to it (those it owns, and the group itself).
type State struct {
	Findings []Finding     `json:"findings"`
	Entities []catalog.Ref `json:"entities"`
}

// TeamState is team's State in this report.
func (r *Report) TeamState(team catalog.Ref) State {
	st := State{Findings: []Finding{}, Entities: []catalog.Ref{}}
	k := team.Key()
	if t, ok := r.teams[k]; ok {
		st.Entities = append(st.Entities, t.entities...)
	}
	for _, f := range r.Findings {
		if f.Team != nil && f.Team.Key() == k {
			st.Findings = append(st.Findings, f)
		}
	}
	return st
}

// Changes are what differs between two States of a team.
type Changes struct {
	// New are findings now that were not there before; Fixed the reverse.
	New   []Finding `json:"new"`
	Fixed []Finding `json:"fixed"`
	// Added are entities the team has now and did not; Removed the reverse.
	Added   []catalog.Ref `json:"added"`
	Removed []catalog.Ref `json:"removed"`
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.New)+len(c.Fixed)+len(c.Added)+len(c.Removed) == 0
}

// Diff says what changed from prev to cur.
func Diff(prev, cur State) Changes {
	c := Changes{New: []Finding{}, Fixed: []Finding{}, Added: []catalog.Ref{}, Removed: []catalog.Ref{}}
	was := make(map[string]bool, len(prev.Findings))
	for _, f := range prev.Findings {
		was[f.Key()] = true
	}
	is := make(map[string]bool, len(cur.Findings))
	for _, f := range cur.Findings {
		is[f.Key()] = true
		if !was[f.Key()] {
			c.New = append(c.New, f)
		}
	}
	for _, f := range prev.Findings {
		if !is[f.Key()] {
			c.Fixed = append(c.Fixed, f)
		}
	}
	had := make(map[string]bool, len(prev.Entities))
	for _, e := range prev.Entities {
		had[e.Key()] = true
	}
	has := make(map[string]bool, len(cur.Entities))
	for _, e := range cur.Entities {
		has[e.Key()] = true
		if !had[e.Key()] {
			c.Added = append(c.Added, e)
		}
	}
	for _, e := range prev.Entities {
		if !has[e.Key()] {
			c.Removed = append(c.Removed, e)
		}
	}
	return c
}

// TeamAndBelow is group g and the groups below it (parentOf), each once.
func TeamAndBelow(s *catalog.Snapshot, g catalog.Ref) []catalog.Ref {
	out := []catalog.Ref{g}
	seen := map[string]bool{g.Key(): true}
	for i := 0; i < len(out) && len(out) < 10000; i++ {
		e, ok := s.Get(out[i])
		if !ok {
			continue
		}
		for _, c := range e.RelationTargets(catalog.RelParentOf) {
			if !seen[c.Key()] {
				seen[c.Key()] = true
				out = append(out, c)
			}
		}
	}
	return out
}
