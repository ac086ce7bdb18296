// Command callboard is a chat-ops bot that puts a developer portal in chat.
//
// Sub-commands live one per file in this folder and register themselves in
// init with register; main only dispatches. This package is wiring: it
// builds the domain (catalog, catalog/ingest, scaffold, bot) and the
// adapters from the configuration and starts their Runs; it never speaks an
// outside party's library itself (no go-redis, discordgo, slack-go or
// go-github import: layering_test.go at the module root checks every
// package's imports against what its doc.go allows).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one sub-command: it parses its own flags from args and returns
// the process exit code (0 ok, 1 failure or not found, 2 usage error).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// Env is what a sub-command may touch of the process, so tests run the real
// sub-commands in-process with their own streams and environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate sub-command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// Run dispatches args[0] to its sub-command.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "callboard: unknown command %q\n\n", args[0])
		usage(env.Stderr)
		return 2
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: callboard <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'callboard <command> -h' for a command's flags.")
}
