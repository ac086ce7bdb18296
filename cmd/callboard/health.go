package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // health.digest.timezone works in a static image without zoneinfo

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/health"
)

func init() {
	register(command{name: "health", summary: "check catalog health rules (score, worst items; exit 1 on error findings, for CI)", run: runHealth})
}

// HealthConfig is callboard.yaml's health section: the rules' settings
// and the per-team digest.
type HealthConfig struct {
	// Rules by rule id: enabled (default true) and severity (info,
	// warning, error; default the rule's own).
	Rules  map[string]HealthRuleConfig `yaml:"rules"`
	Digest HealthDigestConfig          `yaml:"digest"`
}

// HealthRuleConfig is one rule's setting.
type HealthRuleConfig struct {
	Enabled  *bool  `yaml:"enabled"`
	Severity string `yaml:"severity"`
}

// HealthDigestConfig schedules the per-team digest posted to each team's
// Slack channel.
type HealthDigestConfig struct {
	// Enabled defaults to true: digests go out when Slack has a bot token.
	Enabled *bool `yaml:"enabled"`
	// Schedule is a cron expression (default weekly, Monday 09:00).
	Schedule string `yaml:"schedule"`
	// Timezone is the schedule's IANA time zone (default UTC).
	Timezone string `yaml:"timezone"`
}

func defaultHealthConfig() HealthConfig {
	return HealthConfig{Digest: HealthDigestConfig{Schedule: bot.DefaultDigestSchedule, Timezone: "UTC"}}
}

// rules is the rules' settings as catalog/health takes them (validated
// by healthProblems first).
func (h HealthConfig) rules() health.Config {
	if len(h.Rules) == 0 {
		return nil
	}
	out := health.Config{}
	for id, r := range h.Rules {
		var st health.Setting
		if r.Enabled != nil && !*r.Enabled {
			st.Off = true
		}
		if r.Severity != "" {
			st.Severity, _ = health.ParseSeverity(r.Severity)
		}
		out[id] = st
	}
	return out
}

// healthProblems are the bad keys of the health section, at file:line:col.
func (c *Config) healthProblems(pos map[string][2]int) ConfigErrors {
	var errs ConfigErrors
	bad := func(path, format string, args ...any) {
		errs = append(errs, c.errAt(pos, path, fmt.Sprintf(format, args...)))
	}
	for id, r := range c.Health.Rules {
		if _, ok := health.RuleByID(id); !ok {
			bad("health.rules."+id, "unknown health rule %q; the rules are %s", id, strings.Join(health.RuleIDs(), ", "))
			continue
		}
		if r.Severity != "" {
			if _, err := health.ParseSeverity(r.Severity); err != nil {
				bad("health.rules."+id+".severity", "must be one of %s; got %q", strings.Join(health.Severities, ", "), r.Severity)
			}
		}
	}
	d := c.Health.Digest
	if _, err := bot.ParseSchedule(d.Schedule); err != nil {
		bad("health.digest.schedule", "%v", err)
	}
	if _, err := time.LoadLocation(d.Timezone); err != nil || d.Timezone == "" || d.Timezone == "Local" {
		bad("health.digest.timezone", "must be an IANA time zone such as UTC or Europe/Berlin; got %q", d.Timezone)
	}
	return errs
}

// registerHealth adds the `health` chat command with the configured rules;
// its reports are a.Health, which serve warms on each swap and the digest
// shares.
func registerHealth(r *chat.Router, a *App) error {
	rules := a.Options.HealthRules
	if rules == nil && a.Options.cfg != nil {
		rules = a.Options.cfg.Health.rules()
	}
	a.Health = &bot.HealthReports{Rules: rules}
	return bot.RegisterHealth(r, bot.HealthOptions{Catalog: catalogView{a}, Rules: rules, InChannel: a.Options.InChannel, Reports: a.Health})
}

// healthJSON is `callboard health --json`: the report and what it covers.
type healthJSON struct {
	// Scope is "organisation" or the team's ref.
	Scope string `json:"scope"`
	*health.Report
}

// runHealth is `callboard health [--json] [--catalog …] [--docs …]
// [--config FILE] [TEAM]`: findings as file:line:col lines (or the report
// as JSON), exit 1 when any finding is at error severity.
func runHealth(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var opts AppOptions
	appFlags(fs, &opts)
	jsonOut := fs.Bool("json", false, "print the report as one JSON object: {scope, score, entities, counts, rules, teams, findings}")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, `usage: callboard health [--json] [--catalog PATH]... [--docs PATH]... [--config FILE] [TEAM]

Checks the catalog against the health rules (health.rules in callboard.yaml) and prints each
finding as file:line:col: severity: rule: entity: message, then the score. TEAM narrows the
check to what that team and its sub-teams own.
Exit status: 0 no finding at error severity, 1 some (or the catalog could not be read), 2 usage error.

flags:`)
		fs.PrintDefaults()
	}
	rest, code, ok := parseCommandLine(fs, args)
	if !ok {
		return code
	}
	if len(rest) > 1 {
		fmt.Fprintf(env.Stderr, "callboard health: name at most one team; got %q\n", strings.Join(rest, " "))
		return 2
	}
	app, code := openCLIApp(ctx, env, "health", opts)
	if app == nil {
		return code
	}
	// A catalog that could not all be read fails the gate as validate
	// does: the findings would miss what the broken files hold. (A docs
	// site that does not build is not the catalog's fault: no-docs is.)
	loadFailed := 0
	for _, p := range app.Store.Current().Problems() {
		if p.Severity == catalog.Error {
			loadFailed++
		}
	}
	s := app.Store.Current()
	rep := app.Health.Of(s) // the configured rules, as the chat command's
	scope, whom := "organisation", "the organisation"
	if len(rest) == 1 {
		g, msg := findTeam(s, rest[0])
		if g == nil {
			fmt.Fprintf(env.Stderr, "callboard health: %s\n", msg)
			return 2
		}
		rep = rep.For(health.TeamAndBelow(s, g.Ref())...)
		scope, whom = g.Ref().String(), g.Ref().String()
	}
	if *jsonOut {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(healthJSON{Scope: scope, Report: rep}); err != nil {
			fmt.Fprintf(env.Stderr, "callboard health: %v\n", err)
			return 1
		}
	} else {
		for _, f := range rep.Findings {
			fmt.Fprintln(env.Stdout, f.String())
		}
		c := rep.Counts
		fmt.Fprintf(env.Stderr, "catalog health of %s: %d/100; %d %s checked: %d %s, %d %s, %d %s\n", whom, rep.Score,
			rep.Entities, plural(rep.Entities, "entity", "entities"), c.Error, plural(c.Error, "error", "errors"),
			c.Warning, plural(c.Warning, "warning", "warnings"), c.Info, plural(c.Info, "note", "notes"))
	}
	if loadFailed > 0 {
		fmt.Fprintf(env.Stderr, "callboard health: %d %s in the catalog files (see callboard validate): failing\n", loadFailed, plural(loadFailed, "error", "errors"))
	}
	if rep.Errors() > 0 || loadFailed > 0 {
		return 1
	}
	return 0
}

// findTeam finds the group name names (a ref, or a group's name); when
// there is none, a sentence saying so with the closest names.
func findTeam(s *catalog.Snapshot, name string) (*catalog.Entity, string) {
	if r, err := catalog.ParseRef(name, catalog.KindGroup, catalog.DefaultNamespace); err == nil {
		if e, ok := s.Get(r); ok && strings.EqualFold(e.Kind, catalog.KindGroup) {
			return e, ""
		}
	}
	for _, e := range s.ByName(name) {
		if strings.EqualFold(e.Kind, catalog.KindGroup) {
			return e, ""
		}
	}
	var near []string
	for _, m := range s.Fuzzy(name, 20) {
		if strings.EqualFold(m.Entity.Kind, catalog.KindGroup) && len(near) < 3 {
			near = append(near, m.Entity.Metadata.Name)
		}
	}
	msg := fmt.Sprintf("no team (group) called %q in the catalog", name)
	if len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return nil, msg
}
