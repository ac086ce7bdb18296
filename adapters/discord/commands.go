package discord

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Commands are the application commands callboard registers: /callboard
// takes any command line; /owner, /impact, /docs and /scaffold take typed
// options with autocomplete for entity and template names.
func Commands() []*discordgo.ApplicationCommand {
	str := discordgo.ApplicationCommandOptionString
	entity := func(required bool, desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: str, Name: "entity", Description: desc, Required: required, Autocomplete: true}
	}
	return []*discordgo.ApplicationCommand{
		{Name: "callboard", Description: "Ask callboard anything: who owns X, impact X, docs Q, scaffold T, me (your page) …",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: str, Name: "query", Description: "A command, e.g. \"who owns payments-api\" or \"help\"", Required: true, MaxLength: 1000},
			}},
		{Name: "owner", Description: "Who owns a service, API, system or resource, and how to reach them",
			Options: []*discordgo.ApplicationCommandOption{entity(true, "The entity: a name, title or ref")}},
		{Name: "impact", Description: "The blast radius: everything that depends on an entity, by team",
			Options: []*discordgo.ApplicationCommandOption{entity(true, "The entity: a name, title or ref")}},
		{Name: "docs", Description: "Search the documentation",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: str, Name: "query", Description: "What to look for, e.g. \"runbook failover\"", Required: true, MaxLength: 500},
				entity(false, "Only this entity's docs"),
			}},
		{Name: "scaffold", Description: "Create a new service from a golden-path template",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: str, Name: "template", Description: "The template's name", Required: true, Autocomplete: true},
				{Type: str, Name: "params", Description: "Parameters as key=value, e.g. name=ledger owner=team-payments", MaxLength: 1500},
			}},
	}
}

// commandText turns a slash command into the command line the router reads.
func commandText(d discordgo.ApplicationCommandInteractionData) string {
	opt := func(name string) string {
		for _, o := range d.Options {
			if o.Name == name {
				return strings.TrimSpace(optionString(o))
			}
		}
		return ""
	}
	switch d.Name {
	case "callboard":
		return opt("query")
	case "owner", "impact":
		return d.Name + " " + opt("entity")
	case "docs":
		q := "docs " + opt("query")
		if e := opt("entity"); e != "" {
			q += " in " + e
		}
		return q
	case "scaffold":
		return strings.TrimSpace("scaffold " + opt("template") + " " + opt("params"))
	}
	// A command registered by someone else: its name, then its
	// subcommands' names and its options' values, in order.
	parts := []string{d.Name}
	var walk func([]*discordgo.ApplicationCommandInteractionDataOption)
	walk = func(opts []*discordgo.ApplicationCommandInteractionDataOption) {
		for _, o := range opts {
			switch o.Type {
			case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
				parts = append(parts, o.Name)
				walk(o.Options)
				continue
			}
			if v := strings.TrimSpace(optionString(o)); v != "" {
				parts = append(parts, v)
			}
		}
	}
	walk(d.Options)
	return strings.Join(parts, " ")
}

// completionKind says what the focused option of command names.
func completionKind(command string, o *discordgo.ApplicationCommandInteractionDataOption) string {
	if o == nil {
		return ""
	}
	switch o.Name {
	case "entity":
		return KindEntity
	case "template":
		return KindTemplate
	}
	return ""
}

var commandName = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

// ValidateCommands checks commands against Discord's rules before they are
// sent: names 1–32 characters of letters, digits, - and _, in lower case;
// descriptions 1–100 characters; at most 25 options (and 25 choices) each;
// names and descriptions of one command together at most 4,000 characters.
// It reports every problem, each naming the command and option.
func ValidateCommands(cmds []*discordgo.ApplicationCommand) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range cmds {
		where := fmt.Sprintf("command %d (/%s)", i+1, c.Name)
		errs = append(errs, checkName(where, c.Name)...)
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("%s: name used twice", where))
		}
		seen[c.Name] = true
		total := runeLen(c.Name)
		if c.Type == 0 || c.Type == discordgo.ChatApplicationCommand {
			errs = append(errs, checkDescription(where, c.Description)...)
			total += runeLen(c.Description)
		}
		n, more := checkOptions(where, c.Options)
		total += n
		errs = append(errs, more...)
		if total > maxCommandChars {
			errs = append(errs, fmt.Errorf("%s: names and descriptions together are %d characters, over %d", where, total, maxCommandChars))
		}
	}
	return errors.Join(errs...)
}

func checkOptions(where string, opts []*discordgo.ApplicationCommandOption) (int, []error) {
	var errs []error
	total := 0
	if len(opts) > maxCommandOptions {
		errs = append(errs, fmt.Errorf("%s: %d options, at most %d", where, len(opts), maxCommandOptions))
	}
	seen := map[string]bool{}
	for _, o := range opts {
		ow := fmt.Sprintf("%s option %q", where, o.Name)
		errs = append(errs, checkName(ow, o.Name)...)
		if seen[o.Name] {
			errs = append(errs, fmt.Errorf("%s: name used twice", ow))
		}
		seen[o.Name] = true
		errs = append(errs, checkDescription(ow, o.Description)...)
		total += runeLen(o.Name) + runeLen(o.Description)
		if len(o.Choices) > maxChoices {
			errs = append(errs, fmt.Errorf("%s: %d choices, at most %d", ow, len(o.Choices), maxChoices))
		}
		if o.Autocomplete && len(o.Choices) > 0 {
			errs = append(errs, fmt.Errorf("%s: autocomplete and fixed choices cannot be combined", ow))
		}
		for _, ch := range o.Choices {
			if n := runeLen(ch.Name); n < 1 || n > maxChoiceName {
				errs = append(errs, fmt.Errorf("%s: choice name %q is %d characters, want 1–%d", ow, ch.Name, n, maxChoiceName))
			}
			total += runeLen(ch.Name) + runeLen(fmt.Sprint(ch.Value))
		}
		n, more := checkOptions(ow, o.Options)
		total += n
		errs = append(errs, more...)
	}
	return total, errs
}

func checkName(where, name string) []error {
	switch {
	case !commandName.MatchString(name):
		return []error{fmt.Errorf("%s: name %q must be 1–%d letters, digits, - or _", where, name, maxCommandName)}
	case strings.ToLower(name) != name:
		return []error{fmt.Errorf("%s: name %q must be lower case", where, name)}
	}
	return nil
}

func checkDescription(where, d string) []error {
	if n := runeLen(d); n < 1 || n > maxCommandDescription {
		return []error{fmt.Errorf("%s: description is %d characters, want 1–%d", where, n, maxCommandDescription)}
	}
	return nil
}

// RegisterCommands replaces the application's slash commands with cmds,
// in guild (a snowflake) or globally (""), and returns the names Discord
// registered.
func RegisterCommands(ctx context.Context, s *discordgo.Session, appID, guild string, cmds []*discordgo.ApplicationCommand) ([]string, error) {
	created, err := s.ApplicationCommandBulkOverwrite(appID, guild, cmds, discordgo.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(created))
	for i, c := range created {
		names[i] = c.Name
	}
	return names, nil
}
