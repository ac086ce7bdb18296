package health

import (
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// ownedKinds are the kinds that take an owner.
var ownedKinds = map[string]bool{
	catalog.KindComponent: true, catalog.KindAPI: true, catalog.KindResource: true,
	catalog.KindSystem: true, catalog.KindDomain: true, catalog.KindTemplate: true,
}

// maxRelated bounds Finding.Related.
const maxRelated = 5

// tally is one team's (or the organisation's) share of the checks.
type tally struct {
	team     catalog.Ref
	checks   [16]int // per rule index: entities checked
	total    int     // weight of every check
	failed   int     // weight of the checks that found something
	findings int
	count    int           // entities attributed
	entities []catalog.Ref // entities attributed to the team, in load order
}

func (t *tally) score() int { return score(t.total, t.failed) }

// score is 100 × the share of check weight that passed, rounded down, and
// below 100 while anything failed.
func score(total, failed int) int {
	if total == 0 {
		return 100
	}
	s := 100 * (total - failed) / total
	if failed > 0 && s == 100 {
		s = 99
	}
	return s
}

// checker holds one Check's state.
type checker struct {
	s      *catalog.Snapshot
	rules  []active
	idx    map[string]int
	org    tally
	teams  map[string]*tally
	out    []Finding
	people map[*catalog.Entity]int8 // group → 1 has people, 2 has none, 3 being visited
	pageUp map[*catalog.Entity]bool // group → paging annotation on it or above it
}

// Check runs the configured rules over s. It reads the snapshot only.
func Check(s *catalog.Snapshot, c Config) *Report {
	ck := &checker{s: s, rules: c.rules(), idx: map[string]int{}, teams: map[string]*tally{},
		people: map[*catalog.Entity]int8{}, pageUp: map[*catalog.Entity]bool{}}
	for i, r := range ck.rules {
		ck.idx[r.ID] = i
	}
	if s != nil {
		for _, e := range s.Entities() {
			ck.entity(e)
		}
	}
	return ck.report()
}

// on reports whether rule id runs.
func (ck *checker) on(id string) bool { return ck.rules[ck.idx[id]].on }

func kindOf(e *catalog.Entity) string { return strings.ToLower(e.Kind) }

func isProduction(e *catalog.Entity) bool {
	return strings.EqualFold(strings.TrimSpace(e.SpecString("lifecycle")), "production")
}

// get returns the entity r names in the snapshot.
func (ck *checker) get(r catalog.Ref) (*catalog.Entity, bool) { return ck.s.Get(r) }

// teamOf is the group responsible for e: e itself for a group, else its
// (first) owner when that exists and is a group.
func (ck *checker) teamOf(e *catalog.Entity) (catalog.Ref, bool) {
	if kindOf(e) == catalog.KindGroup {
		return e.Ref(), true
	}
	for _, r := range e.Relations {
		if r.Type == catalog.RelOwnedBy {
			return r.Target, true
		}
	}
	return catalog.Ref{}, false
}

// check counts one check of rule id on e for the organisation and e's team,
// and records the finding when msg is not "".
func (ck *checker) check(e *catalog.Entity, team *tally, id, msg string, related []catalog.Ref) {
	i := ck.idx[id]
	r := ck.rules[i]
	if !r.on {
		return
	}
	w := r.Severity.weight()
	ck.org.checks[i]++
	ck.org.total += w
	if team != nil {
		team.checks[i]++
		team.total += w
	}
	if msg == "" {
		return
	}
	ck.org.failed += w
	ck.org.findings++
	f := Finding{Rule: id, Severity: r.Severity, Entity: e.Ref(), Message: msg, Pos: e.Origin.Pos, Related: related}
	if team != nil {
		team.failed += w
		team.findings++
		t := team.team
		f.Team = &t
	}
	ck.out = append(ck.out, f)
}

func (ck *checker) tallyOf(r catalog.Ref) *tally {
	k := r.Key()
	t, ok := ck.teams[k]
	if !ok {
		t = &tally{team: r}
		ck.teams[k] = t
	}
	return t
}

func (ck *checker) entity(e *catalog.Entity) {
	kind := kindOf(e)
	var team *tally
	if r, ok := ck.teamOf(e); ok {
		team = ck.tallyOf(r)
		team.entities = append(team.entities, e.Ref())
		team.count++
	}
	ck.org.count++
	if ownedKinds[kind] {
		ck.owner(e, team)
	}
	ck.dangling(e, team)
	switch kind {
	case catalog.KindGroup:
		ck.group(e, team)
	case catalog.KindAPI:
		msg := ""
		if !hasDefinition(e) {
			msg = "the API has no spec.definition"
		}
		ck.check(e, team, RuleAPINoDefinition, msg, nil)
	case catalog.KindComponent:
		if strings.EqualFold(strings.TrimSpace(e.SpecString("lifecycle")), "deprecated") {
			ck.deprecated(e, team)
		}
		if isProduction(e) {
			ck.production(e, team)
		}
	}
}

func (ck *checker) owner(e *catalog.Entity, team *tally) {
	var owners []catalog.Ref
	for _, r := range e.Relations {
		if r.Type == catalog.RelOwnedBy {
			owners = append(owners, r.Target)
		}
	}
	if len(owners) == 0 {
		ck.check(e, team, RuleNoOwner, "no owner: set spec.owner to the team that answers for it", nil)
		return
	}
	ck.check(e, team, RuleNoOwner, "", nil)
	var missing []catalog.Ref
	for _, o := range owners {
		if _, ok := ck.get(o); !ok {
			missing = append(missing, o)
		}
	}
	msg := ""
	if len(missing) > 0 {
		msg = fmt.Sprintf("its owner %s is not in the catalog", missing[0])
	}
	ck.check(e, team, RuleUnknownOwner, msg, missing)
}

// inverseOnly are the relation types no spec field makes: Build adds them
// as inverses, only towards entities that exist.
func inverseOnly(typ string) bool {
	switch typ {
	case catalog.RelOwnerOf, catalog.RelHasPart, catalog.RelDependencyOf, catalog.RelAPIProvidedBy, catalog.RelAPIConsumedBy:
		return true
	}
	return false
}

func (ck *checker) dangling(e *catalog.Entity, team *tally) {
	n := 0
	var missing []catalog.Ref
	// A source's own relations may be of any type, to anything.
	sourced := len(e.SourceRelations) > 0
	for _, r := range e.Relations {
		if r.Type == catalog.RelOwnedBy {
			continue
		}
		n++
		if !sourced && inverseOnly(r.Type) {
			continue
		}
		if _, ok := ck.get(r.Target); !ok {
			missing = append(missing, r.Target)
		}
	}
	if n == 0 {
		return
	}
	msg := ""
	if len(missing) > 0 {
		names := make([]string, 0, min(len(missing), maxRelated))
		for _, m := range missing[:min(len(missing), maxRelated)] {
			names = append(names, m.String())
		}
		msg = fmt.Sprintf("%d %s to entities not in the catalog: %s", len(missing), plural(len(missing), "relation points", "relations point"), strings.Join(names, ", "))
		if len(missing) > maxRelated {
			msg += fmt.Sprintf(" and %d more", len(missing)-maxRelated)
		}
		missing = missing[:min(len(missing), maxRelated)]
	}
	ck.check(e, team, RuleDanglingRelation, msg, missing)
}

// hasPeople reports whether group g has a member, itself or in a sub-team.
func (ck *checker) hasPeople(g *catalog.Entity) bool {
	switch ck.people[g] {
	case 1:
		return true
	case 2, 3:
		return false
	}
	ck.people[g] = 3
	found := false
	for _, r := range g.Relations {
		if r.Type == catalog.RelHasMember {
			if _, ok := ck.get(r.Target); ok {
				found = true
				break
			}
		}
	}
	if !found {
		for _, r := range g.Relations {
			if r.Type == catalog.RelParentOf {
				if c, ok := ck.get(r.Target); ok && ck.hasPeople(c) {
					found = true
					break
				}
			}
		}
	}
	if found {
		ck.people[g] = 1
	} else {
		ck.people[g] = 2
	}
	return found
}

func (ck *checker) group(g *catalog.Entity, team *tally) {
	if ck.on(RuleEmptyOwnerGroup) {
		if owned := ck.s.OwnedBy(g.Ref()); len(owned) > 0 {
			msg := ""
			if !ck.hasPeople(g) {
				msg = fmt.Sprintf("owns %d %s but has no members, nor do its sub-teams", len(owned), plural(len(owned), "entity", "entities"))
			}
			ck.check(g, team, RuleEmptyOwnerGroup, msg, nil)
		}
	}
	msg := ""
	if !hasAny(g, ChannelAnnotations) {
		msg = "no chat channel: add slack.com/channel-id (or slack.com/channel-name, discord.com/channel)"
	}
	ck.check(g, team, RuleGroupNoChannel, msg, nil)
}

func hasAny(e *catalog.Entity, keys []string) bool {
	for _, k := range keys {
		if strings.TrimSpace(e.Annotation(k)) != "" {
			return true
		}
	}
	return false
}

func hasDefinition(e *catalog.Entity) bool {
	switch v := e.Spec["definition"].(type) {
	case string:
		return strings.TrimSpace(v) != ""
	case map[string]any:
		return len(v) > 0 // a placeholder ($text, $openapi) its source resolves
	}
	return false
}

func (ck *checker) deprecated(e *catalog.Entity, team *tally) {
	seen := map[string]bool{}
	var users []catalog.Ref
	add := func(r catalog.Ref) {
		if r.Kind != catalog.KindComponent || seen[r.Key()] {
			return
		}
		if d, ok := ck.get(r); ok && isProduction(d) {
			seen[r.Key()] = true
			users = append(users, d.Ref())
		}
	}
	for _, r := range e.Relations {
		switch r.Type {
		case catalog.RelDependencyOf:
			add(r.Target)
		case catalog.RelProvidesAPI:
			if api, ok := ck.get(r.Target); ok {
				for _, c := range api.RelationTargets(catalog.RelAPIConsumedBy) {
					add(c)
				}
			}
		}
	}
	msg := ""
	if len(users) > 0 {
		sort.Slice(users, func(i, j int) bool { return users[i].Key() < users[j].Key() })
		names := make([]string, 0, maxRelated)
		for _, u := range users[:min(len(users), maxRelated)] {
			names = append(names, u.Name)
		}
		msg = fmt.Sprintf("deprecated, yet %d production %s on it: %s", len(users), plural(len(users), "component still depends", "components still depend"), strings.Join(names, ", "))
		if len(users) > maxRelated {
			msg += fmt.Sprintf(" and %d more", len(users)-maxRelated)
		}
		users = users[:min(len(users), maxRelated)]
	}
	ck.check(e, team, RuleDeprecatedDependency, msg, users)
}

func (ck *checker) production(e *catalog.Entity, team *tally) {
	msg := ""
	if ck.on(RuleNoOnCall) && !ck.pageable(e) {
		msg = "production, but no PagerDuty or Opsgenie annotation on it, its system, its owner or the teams above: nobody can be paged"
	}
	ck.check(e, team, RuleNoOnCall, msg, nil)
	msg = ""
	if !hasRunbook(e) {
		msg = "production, but no runbook link (metadata.links with type: runbook)"
	}
	ck.check(e, team, RuleNoRunbook, msg, nil)
	msg = ""
	if strings.TrimSpace(e.Annotation(catalog.AnnotationTechDocsRef)) == "" {
		msg = "production, but no docs (backstage.io/techdocs-ref annotation)"
	}
	ck.check(e, team, RuleNoDocs, msg, nil)
}

// pageable reports whether a paging annotation is on e, its system, its
// owner or the groups above the owner: where callboard's oncall looks.
func (ck *checker) pageable(e *catalog.Entity) bool {
	if hasAny(e, PagingAnnotations) {
		return true
	}
	for _, r := range e.Relations {
		switch r.Type {
		case catalog.RelPartOf:
			if r.Target.Kind == catalog.KindSystem {
				if s, ok := ck.get(r.Target); ok && hasAny(s, PagingAnnotations) {
					return true
				}
			}
		case catalog.RelOwnedBy:
			if o, ok := ck.get(r.Target); ok {
				if kindOf(o) == catalog.KindGroup {
					if ck.groupPageable(o, 0) {
						return true
					}
				} else if hasAny(o, PagingAnnotations) {
					return true
				}
			}
		}
	}
	return false
}

// groupPageable reports whether g or a group above it has a paging annotation.
func (ck *checker) groupPageable(g *catalog.Entity, depth int) bool {
	if v, ok := ck.pageUp[g]; ok {
		return v
	}
	ck.pageUp[g] = false // a cycle ends here
	v := hasAny(g, PagingAnnotations)
	if !v && depth < 20 {
		for _, p := range g.RelationTargets(catalog.RelChildOf) {
			if pe, ok := ck.get(p); ok && ck.groupPageable(pe, depth+1) {
				v = true
				break
			}
		}
	}
	ck.pageUp[g] = v
	return v
}

var runbookTypes = []string{"runbook", "runbooks", "playbook", "playbooks"}

func hasRunbook(e *catalog.Entity) bool {
	for _, l := range e.Metadata.Links {
		for _, t := range runbookTypes {
			if strings.EqualFold(l.Type, t) {
				return true
			}
		}
		s := strings.ToLower(l.Title + " " + l.URL)
		if strings.Contains(s, "runbook") || strings.Contains(s, "run book") || strings.Contains(s, "playbook") {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
