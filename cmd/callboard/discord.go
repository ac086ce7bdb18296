package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/callboard/callboard/adapters/discord"
)

func init() {
	register(command{name: "discord", summary: "Discord set-up: register the slash commands", run: runDiscord})
}

func runDiscord(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		discordUsage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "register":
		return runDiscordRegister(ctx, env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "callboard discord: unknown sub-command %q\n\n", args[0])
	discordUsage(env.Stderr)
	return 2
}

func discordUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: callboard discord register [--guild ID] [--dry-run]")
	fmt.Fprintln(w, "\nregister overwrites the application's slash commands (/callboard, /owner, /impact, /docs,")
	fmt.Fprintln(w, "/scaffold) globally, or in one guild with --guild (instant, for testing). It reads")
	fmt.Fprintln(w, "DISCORD_APP_ID and DISCORD_BOT_TOKEN from the environment.")
}

// runDiscordRegister bulk-overwrites the application's commands after
// checking them against Discord's rules, so a bad definition is reported
// here, naming the command, rather than as a 400 from Discord.
func runDiscordRegister(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("callboard discord register", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	guild := fs.String("guild", "", "register in this guild (server) id only; default: globally")
	dryRun := fs.Bool("dry-run", false, "check the commands and print them as JSON without sending them")
	fs.Usage = func() { discordUsage(env.Stderr); fmt.Fprintln(env.Stderr); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "callboard discord register: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *guild != "" && !isSnowflake(*guild) {
		fmt.Fprintf(env.Stderr, "callboard discord register: --guild %q is not a guild id (a number, as Discord's developer mode copies it)\n", *guild)
		return 2
	}
	cmds := discord.Commands()
	if err := discord.ValidateCommands(cmds); err != nil {
		fmt.Fprintf(env.Stderr, "callboard discord register: the commands break Discord's rules:\n%v\n", err)
		return 1
	}
	if *dryRun {
		b, _ := json.MarshalIndent(cmds, "", "  ")
		fmt.Fprintln(env.Stdout, string(b))
		return 0
	}
	appID, token := strings.TrimSpace(env.Getenv("DISCORD_APP_ID")), strings.TrimSpace(env.Getenv("DISCORD_BOT_TOKEN"))
	var missing []string
	if appID == "" {
		missing = append(missing, "DISCORD_APP_ID")
	}
	if token == "" {
		missing = append(missing, "DISCORD_BOT_TOKEN")
	}
	if len(missing) > 0 {
		fmt.Fprintf(env.Stderr, "callboard discord register: set %s (from the Discord developer portal: General Information and Bot)\n", strings.Join(missing, " and "))
		return 2
	}
	s, err := discord.NewSession(token, env.Getenv("DISCORD_API_URL"))
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard discord register: %v\n", err)
		return 2
	}
	created, err := discord.RegisterCommands(ctx, s, appID, *guild, cmds)
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard discord register: Discord refused the commands: %v\n", scrub(err, token))
		return 1
	}
	names := make([]string, len(created))
	for i, c := range created {
		names[i] = "/" + c
	}
	where := "globally (Discord may take up to an hour to show them everywhere)"
	if *guild != "" {
		where = "in guild " + *guild
	}
	fmt.Fprintf(env.Stdout, "registered %d commands %s: %s\n", len(created), where, strings.Join(names, " "))
	return 0
}

func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// scrub keeps the bot token out of an error message.
func scrub(err error, token string) string {
	msg := err.Error()
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "[token]")
	}
	return msg
}
