package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/callboard/callboard/adapters/console"
)

func init() {
	register(command{name: "chat", summary: "an interactive session with the bot (also reads piped commands line by line)", run: runChat})
}

func runChat(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var opts AppOptions
	appFlags(fs, &opts)
	jsonOut := fs.Bool("json", false, "print one JSON response (the chat.Response) per input line")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, `usage: callboard chat [--catalog PATH]... [--docs PATH]... [--config FILE] [--json]

Reads chat commands line by line, from a terminal (with a prompt) or from
piped input, and prints each answer. In a session, "next" shows the next page
of the last answer, a number runs that action of it, "quit" ends.
Example: printf 'who owns payments-api\nimpact ledger-db\n' | callboard chat --json

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "callboard chat: unexpected argument %q (to ask one thing, use callboard ask)\n", fs.Arg(0))
		return 2
	}
	app, code := openCLIApp(ctx, env, "chat", opts)
	if app == nil {
		return code
	}
	sess := &console.Session{Handler: app.Router, User: consoleUser(env), In: env.Stdin, Out: env.Stdout, Err: env.Stderr, JSON: *jsonOut}
	if isTerminal(env.Stdin) && !*jsonOut {
		sess.Prompt = "callboard> "
		fmt.Fprintf(env.Stdout, "callboard: %d entities loaded. Type help, or quit.\n", app.Store.Current().Len())
		if restore, ok := lineEditor(sess, env); ok {
			defer restore()
		}
	}
	if _, err := sess.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(env.Stderr, "callboard chat: %v\n", err)
		return 1
	}
	return 0
}

// lineEditor gives a session on a terminal line editing and history (arrow
// keys, Ctrl-A/E, Ctrl-D or Ctrl-C to end) with golang.org/x/term, when
// both stdin and stdout are the terminal. It returns the function that puts
// the terminal back.
func lineEditor(sess *console.Session, env *Env) (func(), bool) {
	in, ok1 := env.Stdin.(*os.File)
	out, ok2 := env.Stdout.(*os.File)
	if !ok1 || !ok2 || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return nil, false
	}
	state, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return nil, false
	}
	t := console.NewEditor(struct {
		io.Reader
		io.Writer
	}{in, out}, sess.Prompt)
	if w, h, err := term.GetSize(int(out.Fd())); err == nil {
		_ = t.SetSize(w, h)
	}
	// In raw mode a newline must be written as CR LF: the terminal does it.
	sess.Editor, sess.Out, sess.Err = t, t, t
	return func() { _ = term.Restore(int(in.Fd()), state) }, true
}

// isTerminal reports whether r is a terminal (a character device).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
