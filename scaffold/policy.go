package scaffold

import (
	"fmt"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Policy says which catalog groups may run which templates. A template no
// rule names may be run by anyone when AllowUnlisted is true, and by no one
// otherwise. The zero Policy (no rules) lets everyone run everything.
type Policy struct {
	Rules         []Rule `yaml:"rules" json:"rules"`
	AllowUnlisted bool   `yaml:"allowUnlisted" json:"allowUnlisted"`
}

// Rule lets members of Groups (transitively, through group parents) run
// Templates. Templates are names or refs ("go-service",
// "template:default/go-service") or "*"; Groups are group refs or names.
type Rule struct {
	Templates []string `yaml:"templates" json:"templates"`
	Groups    []string `yaml:"groups" json:"groups"`
}

// DeniedError says why a user may not run a template, in words fit for them.
type DeniedError struct {
	Template catalog.Ref
	User     catalog.Ref
	Reason   string
}

func (e *DeniedError) Error() string { return e.Reason }

func matchesTemplate(pattern string, t catalog.Ref) bool {
	if pattern == "*" {
		return true
	}
	if r, err := catalog.ParseRef(pattern, catalog.KindTemplate, ""); err == nil {
		return r.Key() == t.Key()
	}
	return false
}

// Groups returns every group the user belongs to: spec.memberOf, then each
// group's parents, transitively (cycles are tolerated).
func Groups(snap *catalog.Snapshot, user catalog.Ref) []catalog.Ref {
	if snap == nil {
		return nil
	}
	u, ok := snap.Get(user)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []catalog.Ref
	var queue []catalog.Ref
	for _, m := range u.SpecStrings("memberOf") {
		if r, err := catalog.ParseRef(m, catalog.KindGroup, user.Namespace); err == nil {
			queue = append(queue, r)
		}
	}
	for _, r := range u.RelationTargets(catalog.RelMemberOf) {
		queue = append(queue, r)
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if seen[g.Key()] {
			continue
		}
		seen[g.Key()] = true
		out = append(out, g)
		if ge, ok := snap.Get(g); ok {
			if p := ge.SpecString("parent"); p != "" {
				if r, err := catalog.ParseRef(p, catalog.KindGroup, g.Namespace); err == nil {
					queue = append(queue, r)
				}
			}
		}
	}
	return out
}

// Allow returns nil when user may run template t, else a *DeniedError.
func (p *Policy) Allow(snap *catalog.Snapshot, user catalog.Ref, t catalog.Ref) error {
	if p == nil || len(p.Rules) == 0 {
		return nil
	}
	var wanted []string
	listed := false
	for _, r := range p.Rules {
		for _, pat := range r.Templates {
			if matchesTemplate(pat, t) {
				listed = true
				wanted = append(wanted, r.Groups...)
			}
		}
	}
	if !listed {
		if p.AllowUnlisted {
			return nil
		}
		return &DeniedError{Template: t, User: user, Reason: fmt.Sprintf("no rule lets anyone run %s; ask the platform team to add it to the scaffold policy", t.Name)}
	}
	if user.IsZero() {
		return &DeniedError{Template: t, Reason: fmt.Sprintf("%s may be run only by members of %s, and your chat account is not linked to a catalog User", t.Name, strings.Join(wanted, ", "))}
	}
	groups := Groups(snap, user)
	for _, w := range wanted {
		wr, err := catalog.ParseRef(w, catalog.KindGroup, "")
		if err != nil {
			continue
		}
		for _, g := range groups {
			if g.Key() == wr.Key() {
				return nil
			}
		}
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	mine := "no group"
	if len(names) > 0 {
		mine = strings.Join(names, ", ")
	}
	return &DeniedError{Template: t, User: user, Reason: fmt.Sprintf("%s may be run only by members of %s; %s belongs to %s", t.Name, strings.Join(wanted, ", "), user.Name, mine)}
}
