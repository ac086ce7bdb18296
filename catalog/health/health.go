package health

import (
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Severity says how much a finding matters. Error findings fail
// `callboard health` (exit 1), as invalid entities fail `validate`.
type Severity int

const (
	// Info is worth knowing; it lowers the score a little.
	Info Severity = iota + 1
	// Warning should be fixed.
	Warning
	// Error must be fixed: it fails a CI gate.
	Error
)

// Severities are the names ParseSeverity reads, lowest first.
var Severities = []string{"info", "warning", "error"}

func (s Severity) String() string {
	if s >= Info && s <= Error {
		return Severities[s-1]
	}
	return "unset"
}

// weight is a check's share of the score.
func (s Severity) weight() int {
	switch s {
	case Error:
		return 3
	case Warning:
		return 2
	}
	return 1
}

// ParseSeverity reads "info", "warning" or "error" (any case).
func ParseSeverity(s string) (Severity, error) {
	for i, n := range Severities {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Severity(i + 1), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: use one of %s", s, strings.Join(Severities, ", "))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Rule is one health rule.
type Rule struct {
	// ID names the rule in callboard.yaml and in output ("no-owner").
	ID string `json:"id"`
	// Title is a few words ("no owner").
	Title string `json:"title"`
	// Explain says in plain words what the rule checks and why it matters.
	Explain string `json:"explain"`
	// Severity is the rule's default severity.
	Severity Severity `json:"severity"`
}

// Rule ids.
const (
	RuleNoOwner              = "no-owner"
	RuleUnknownOwner         = "unknown-owner"
	RuleEmptyOwnerGroup      = "empty-owner-group"
	RuleDanglingRelation     = "dangling-relation"
	RuleDeprecatedDependency = "deprecated-dependency"
	RuleNoOnCall             = "no-oncall"
	RuleNoRunbook            = "no-runbook"
	RuleNoDocs               = "no-docs"
	RuleAPINoDefinition      = "api-no-definition"
	RuleGroupNoChannel       = "group-no-channel"
)

// Rules are every rule, in the order reports list them.
var Rules = []Rule{
	{RuleNoOwner, "no owner", "A component, API, resource, system, domain or template names no owner (spec.owner): nobody is asked when it breaks.", Error},
	{RuleUnknownOwner, "owner does not exist", "The owner an entity names is not in the catalog (a typo, a renamed or deleted team): `who owns` cannot name anyone.", Error},
	{RuleEmptyOwnerGroup, "owner group has no members", "A group owns entities but has no members, directly or in its sub-teams: the owner is a name without people.", Warning},
	{RuleDanglingRelation, "dangling relation", "A relation (dependsOn, system, providesApis, consumesApis, memberOf, parent, …) points at an entity that is not in the catalog, so dependency and impact answers miss it. Ownership is the unknown-owner rule's.", Warning},
	{RuleDeprecatedDependency, "deprecated but still depended on", "A deprecated component that production components still depend on (through dependsOn, or by consuming an API it provides): they need a migration plan.", Warning},
	{RuleNoOnCall, "production without on-call", "A production component with no PagerDuty or Opsgenie annotation on it, its system, its owner or the teams above the owner (where `oncall` looks): nobody can be paged for it.", Error},
	{RuleNoRunbook, "production without a runbook", "A production component with no runbook link (metadata.links of type runbook or playbook, or titled so): the person paged at night has nothing to follow.", Warning},
	{RuleNoDocs, "production without docs", "A production component with no TechDocs (no backstage.io/techdocs-ref annotation): `docs` has nothing to search for it.", Warning},
	{RuleAPINoDefinition, "API without a definition", "An API has no spec.definition: its consumers cannot see its contract.", Warning},
	{RuleGroupNoChannel, "group without a channel", "A group has no chat channel annotation (slack.com/channel-id, slack.com/channel-name, slack.com/channel or discord.com/channel): answers cannot say where to reach it, and it gets no digest.", Info},
}

// RuleByID returns the rule with this id.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// RuleIDs are the rule ids, in order.
func RuleIDs() []string {
	out := make([]string, len(Rules))
	for i, r := range Rules {
		out[i] = r.ID
	}
	return out
}

// PagingAnnotations are the annotations that name a paging target (the keys
// callboard's on-call answers read: bot.PagingAnnotations).
var PagingAnnotations = []string{
	catalog.AnnotationPagerDutyID, catalog.AnnotationPagerDutyKey,
	catalog.AnnotationOpsgenieTeam, catalog.AnnotationOpsgenieComp,
}

// ChannelAnnotations are the annotations that name a group's chat channel
// (those callboard's answers read).
var ChannelAnnotations = []string{
	"slack.com/channel-id", "slack.com/channel-name", catalog.AnnotationSlackChannel, catalog.AnnotationDiscordChannel,
}

// Setting changes one rule: Off turns it off; a non-zero Severity replaces
// its default.
type Setting struct {
	Off      bool
	Severity Severity
}

// Config is the rules' settings by rule id; rules not named keep their
// defaults. The zero value runs every rule at its default severity.
type Config map[string]Setting

// Check reports the ids Config names that are no rule's.
func (c Config) Check() error {
	var bad []string
	for id := range c {
		if _, ok := RuleByID(id); !ok {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("unknown health rule %s; the rules are %s", strings.Join(bad, ", "), strings.Join(RuleIDs(), ", "))
	}
	return nil
}

// active is a rule as configured.
type active struct {
	Rule
	on bool
}

func (c Config) rules() []active {
	out := make([]active, len(Rules))
	for i, r := range Rules {
		out[i] = active{Rule: r, on: true}
		if s, ok := c[r.ID]; ok {
			out[i].on = !s.Off
			if s.Severity != 0 {
				out[i].Severity = s.Severity
			}
		}
	}
	return out
}

// Finding is one thing a rule found wrong with one entity.
type Finding struct {
	Rule     string      `json:"rule"`
	Severity Severity    `json:"severity"`
	Entity   catalog.Ref `json:"entity"`
	// Team is the group responsible: the entity's owner (for a group, the
	// group itself); nil when there is none.
	Team *catalog.Ref `json:"team,omitempty"`
	// Message says what is wrong, in a sentence.
	Message string `json:"message"`
	// Pos is where the entity is defined.
	Pos catalog.Position `json:"pos"`
	// Related are the other entities the finding names (missing targets,
	// dependents), at most a few.
	Related []catalog.Ref `json:"related,omitempty"`
}

// String renders "file:line:col: severity: rule: entity: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s: %s: %s", f.Pos, f.Severity, f.Rule, f.Entity, f.Message)
}

// Key identifies a finding across reports (rule and entity; a rule finds
// at most one thing per entity).
func (f Finding) Key() string { return f.Rule + " " + f.Entity.Key() }
