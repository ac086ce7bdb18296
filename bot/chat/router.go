package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// Command is one chat command: the verbs that select it, its help, and the
// Handler that answers it. Built-in commands are registered through the same
// Router.Register as a team's own (the plugin system).
type Command struct {
	// Name is the canonical verb ("owner"); it is also matched.
	Name string `json:"name"`
	// Aliases are other verbs, one or more words each ("who owns", "owns").
	Aliases []string `json:"aliases,omitempty"`
	// Phrases are natural ways of asking, with {} marking where the argument
	// goes when it is not at the end ("what does {} depend on"). A phrase
	// without {} takes the argument after it, like an alias.
	Phrases []string `json:"phrases,omitempty"`
	// Summary is one line for the command list; Usage the synopsis ("owner X").
	Summary string `json:"summary"`
	Usage   string `json:"usage"`
	// Examples are command lines shown by help (and clickable there).
	Examples []string `json:"examples,omitempty"`
	// Help is the longer text of `help <command>`.
	Help    string  `json:"help,omitempty"`
	Handler Handler `json:"-"`
	// Hidden commands work but are not listed by help or registered as
	// platform commands.
	Hidden bool `json:"hidden,omitempty"`
	// Private commands answer the asker only (their answers are always
	// ephemeral): `whoami` shows an email. An adapter that must acknowledge
	// before the answer is ready (Discord's deferral) asks Router.Private.
	Private bool `json:"private,omitempty"`
}

// RouterOptions configure a Router. The zero value is usable.
type RouterOptions struct {
	// Default is the command run when no verb matches (a bare "payments-api"
	// runs "info payments-api"). Empty: such text gets a usage answer.
	Default string
	// Empty is the command run for an empty line (usually "help").
	Empty string
	// Logger receives handler errors; nil means slog.Default().
	Logger *slog.Logger
}

// Router parses a request's text, picks the command it names and runs the
// command's Handler through the middleware. A Router is itself a Handler.
type Router struct {
	opts RouterOptions

	mu       sync.RWMutex
	cmds     []*Command
	byName   map[string]*Command
	patterns map[string][]pattern // first word (or "" for a pattern starting with {}) → patterns, longest first
	anywhere map[string]bool      // one-word verbs recognised after the start too (Anywhere)
	mw       []Middleware
	chain    Handler
}

// NewRouter returns an empty Router.
func NewRouter(opts RouterOptions) *Router {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Router{opts: opts, byName: map[string]*Command{}, patterns: map[string][]pattern{}, anywhere: map[string]bool{}}
	r.chain = HandlerFunc(r.dispatch)
	return r
}

// Register adds a command. It is an error to register a name, alias or
// phrase twice, or a command without a name or handler.
func (r *Router) Register(c Command) error {
	c.Name = strings.ToLower(strings.TrimSpace(c.Name))
	if c.Name == "" {
		return errors.New("register command: name is empty")
	}
	if c.Handler == nil {
		return fmt.Errorf("register command %q: no handler", c.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[c.Name]; dup {
		return fmt.Errorf("register command %q: already registered", c.Name)
	}
	cmd := &c
	var add []pattern
	seen := map[string]bool{}
	for _, s := range append(append([]string{c.Name}, c.Aliases...), c.Phrases...) {
		p, ok := compilePattern(s, cmd, len(r.cmds))
		if !ok {
			return fmt.Errorf("register command %q: pattern %q has no words", c.Name, s)
		}
		key := strings.Join(p.prefix, " ") + "{}" + strings.Join(p.suffix, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, q := range r.patterns[first(p)] {
			if strings.Join(q.prefix, " ")+"{}"+strings.Join(q.suffix, " ") == key {
				return fmt.Errorf("register command %q: %q is already taken by %q", c.Name, s, q.cmd.Name)
			}
		}
		add = append(add, p)
	}
	for _, p := range add {
		k := first(p)
		r.patterns[k] = append(r.patterns[k], p)
		sort.SliceStable(r.patterns[k], func(i, j int) bool {
			return r.patterns[k][i].length() > r.patterns[k][j].length()
		})
	}
	r.byName[c.Name] = cmd
	r.cmds = append(r.cmds, cmd)
	return nil
}

func first(p pattern) string {
	if len(p.prefix) == 0 {
		return ""
	}
	return p.prefix[0]
}

// MustRegister is Register for commands known to be well formed; it panics on error.
func (r *Router) MustRegister(c Command) {
	if err := r.Register(c); err != nil {
		panic(err)
	}
}

// Use appends middleware. The first added is the outermost: it sees the
// request first and the response last. Middleware sees the parsed command
// (Parsed(req)) since the Router parses before running it.
func (r *Router) Use(mw ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mw = append(r.mw, mw...)
	var h Handler = HandlerFunc(r.dispatch)
	for i := len(r.mw) - 1; i >= 0; i-- {
		h = r.mw[i](h)
	}
	r.chain = h
}

// Commands returns the registered commands in registration order, hidden
// ones included (callers filter on Hidden).
func (r *Router) Commands() []Command {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Command, len(r.cmds))
	for i, c := range r.cmds {
		out[i] = *c
	}
	return out
}

// Lookup returns the command registered under name (its canonical verb).
func (r *Router) Lookup(name string) (Command, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.byName[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Command{}, false
	}
	return *c, true
}

// Parse returns how the Router reads text, without running anything.
func (r *Router) Parse(text string) Invocation {
	r.mu.RLock()
	defer r.mu.RUnlock()
	inv, _ := r.parse(text)
	return inv
}

func (r *Router) parse(text string) (Invocation, *Command) {
	toks := stripPoliteness(tokenize(text))
	if len(toks) == 0 {
		if c := r.byName[r.opts.Empty]; c != nil {
			return Invocation{Command: c.Name}, c
		}
		return Invocation{}, nil
	}
	try := func(cands []pattern) (Invocation, *Command, bool) {
		for _, p := range cands {
			rest, ok := p.match(toks)
			if !ok {
				continue
			}
			args, words := argsOf(rest)
			verb := make([]string, 0, p.length())
			for _, t := range toks[:len(p.prefix)] {
				verb = append(verb, t.text)
			}
			for _, t := range toks[len(toks)-len(p.suffix):] {
				verb = append(verb, t.text)
			}
			return Invocation{Command: p.cmd.Name, Verb: strings.Join(verb, " "), Args: args, Words: words}, p.cmd, true
		}
		return Invocation{}, nil, false
	}
	if !toks[0].quoted {
		if inv, c, ok := try(r.patterns[toks[0].lower]); ok {
			if c.Name == r.opts.Default {
				// "what's the escalation path for kyc": a more specific
				// intent inside beats the catch-all "what's X".
				if inv2, c2, ok := r.intentInside(toks); ok && c2.Name != c.Name {
					return inv2, c2
				}
			}
			return inv, c
		}
	}
	if inv, c, ok := try(r.patterns[""]); ok {
		return inv, c
	}
	if inv, c, ok := r.intentInside(toks); ok {
		return inv, c
	}
	args, words := argsOf(toks)
	if c := r.byName[r.opts.Default]; c != nil {
		return Invocation{Command: c.Name, Args: args, Words: words}, c
	}
	return Invocation{Args: args, Words: words}, nil
}

// Handle parses req.Text, records the Invocation on req (see Parsed) and runs
// the chosen command through the middleware.
func (r *Router) Handle(ctx context.Context, req *Request) (*Response, error) {
	if resp := TextTooLong(req.Text); resp != nil {
		r.opts.Logger.WarnContext(ctx, "command text over the limit; not parsed", "bytes", len(req.Text), "limit", MaxTextBytes,
			"platform", req.Platform, "user", req.User.ID)
		return resp, nil
	}
	r.mu.RLock()
	inv, _ := r.parse(req.Text)
	h := r.chain
	r.mu.RUnlock()
	req.parsed = &inv
	return h.Handle(ctx, req)
}

func (r *Router) dispatch(ctx context.Context, req *Request) (*Response, error) {
	inv := Parsed(req)
	r.mu.RLock()
	c := r.byName[inv.Command]
	r.mu.RUnlock()
	if c == nil {
		return &Response{
			Title:     "I did not understand that",
			Text:      fmt.Sprintf("%q is not a command I know. Type `help` for the list.", strings.TrimSpace(req.Text)),
			Status:    StatusUsage,
			Ephemeral: true,
			Actions:   []Action{{Label: "help", Command: "help"}},
		}, nil
	}
	resp, err := c.Handler.Handle(ctx, req)
	if resp != nil && c.Private {
		resp.Ephemeral = true
	}
	return resp, err
}

// Private reports whether the answer to req is for the asker only (its
// command is Private), before running anything, so an adapter that
// acknowledges early picks the right visibility.
func (r *Router) Private(req *Request) bool {
	inv := r.Parse(req.Text)
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := r.byName[inv.Command]
	return c != nil && c.Private
}

// WithInvocation returns a copy of req carrying inv, for handlers that call
// another command's handler directly (tests, composite commands).
func WithInvocation(req *Request, inv Invocation) *Request {
	cp := *req
	cp.parsed = &inv
	return &cp
}

// Anywhere makes one-word verbs count after the start of a sentence too
// ("ledger runbook", "checkout on-call"); verbs of two words or more always
// do. The features name theirs when they register their commands.
func (r *Router) Anywhere(verbs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range verbs {
		for _, t := range tokenize(v) {
			r.anywhere[t.lower] = true
		}
	}
}

// intentInside finds a command's words after the start of a sentence ("is
// card gateway down? who owns it"): the earliest, longest phrase wins, and
// the words before and after it are the argument.
func (r *Router) intentInside(toks []token) (Invocation, *Command, bool) {
	for i := 1; i < len(toks); i++ {
		if toks[i].quoted {
			continue
		}
		for _, p := range r.patterns[toks[i].lower] {
			if len(p.suffix) > 0 || (len(p.prefix) < 2 && !r.anywhere[p.prefix[0]]) || i+len(p.prefix) > len(toks) {
				continue
			}
			ok := true
			for j, w := range p.prefix {
				if toks[i+j].quoted || toks[i+j].lower != w {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			rest := append(append([]token{}, toks[:i]...), toks[i+len(p.prefix):]...)
			args, words := argsOf(rest)
			verb := make([]string, len(p.prefix))
			for j := range p.prefix {
				verb[j] = toks[i+j].text
			}
			return Invocation{Command: p.cmd.Name, Verb: strings.Join(verb, " "), Args: args, Words: words}, p.cmd, true
		}
	}
	return Invocation{}, nil, false
}

// Reroute answers text as if it had been typed instead of req's own text,
// through the command it names but not through the middleware again (the
// request already passed it): for a handler that finds the text meant
// another command ("help! payments-api is down").
func (r *Router) Reroute(ctx context.Context, req *Request, text string) (*Response, error) {
	r.mu.RLock()
	inv, c := r.parse(text)
	r.mu.RUnlock()
	if c == nil {
		return r.dispatch(ctx, WithInvocation(req, inv))
	}
	cp := *req
	cp.Text = text
	cp.parsed = &inv
	return c.Handler.Handle(ctx, &cp)
}
