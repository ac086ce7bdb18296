package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/callboard/callboard/adapters/console"
)

func init() {
	register(command{name: "ask", summary: "answer one chat command (\"who owns X\") and exit", run: runAsk})
}

func runAsk(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var opts AppOptions
	appFlags(fs, &opts)
	jsonOut := fs.Bool("json", false, "print the answer as JSON (the chat.Response)")
	page := fs.Int("page", 1, "page `N` of a long answer")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, `usage: callboard ask [--catalog PATH]... [--docs PATH]... [--config FILE] [--json] [--page N] "TEXT"

Runs one chat command as the console user and prints the answer.
Exit status: 0 answered, 1 not found (suggestions are printed), 2 usage error.
Try: callboard ask "who owns payments-api?"   callboard ask help

flags:`)
		fs.PrintDefaults()
	}
	rest, code, ok := parseCommandLine(fs, args)
	if !ok {
		return code
	}
	text := strings.TrimSpace(strings.Join(rest, " "))
	if text == "" {
		fmt.Fprintln(env.Stderr, "callboard ask: say what to ask, e.g. callboard ask \"who owns payments-api?\"")
		fs.Usage()
		return 2
	}
	if *page < 1 {
		fmt.Fprintf(env.Stderr, "callboard ask: --page %d: pages start at 1\n", *page)
		return 2
	}
	app, code := openCLIApp(ctx, env, "ask", opts)
	if app == nil {
		return code
	}
	resp, err := console.Ask(ctx, app.Router, consoleUser(env), text, *page-1)
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard ask: %v\n", err)
		return 1
	}
	if *jsonOut {
		err = console.RenderJSON(env.Stdout, resp)
	} else {
		err = console.Render(env.Stdout, resp)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard ask: %v\n", err)
		return 1
	}
	return exitCode(resp.Status)
}
