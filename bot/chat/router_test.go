package chat

import (
	"context"
	"testing"
)

func echoRouter(t *testing.T) *Router {
	t.Helper()
	r := NewRouter(RouterOptions{Default: "info", Empty: "help"})
	echo := HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		inv := Parsed(req)
		return &Response{Title: inv.Command, Text: inv.Args, Status: StatusOK}, nil
	})
	for _, c := range []Command{
		{Name: "owner", Aliases: []string{"who owns", "owns", "whose"}, Phrases: []string{"who is the owner of", "{} owner", "who owns {} now"}},
		{Name: "dependents", Aliases: []string{"impact"}, Phrases: []string{"what depends on"}},
		{Name: "deps", Phrases: []string{"what does {} depend on"}},
		{Name: "oncall", Aliases: []string{"on-call", "on call"}, Phrases: []string{"who's on call for", "who is on call for"}},
		{Name: "info"},
		{Name: "help"},
	} {
		c.Handler = echo
		if err := r.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestRouterParsesVerbsAndPhrasings(t *testing.T) {
	r := echoRouter(t)
	tests := []struct {
		text, cmd, args string
	}{
		{"who owns payments?", "owner", "payments"},
		{"Who OWNS Payments-API", "owner", "Payments-API"},
		{"owner component:default/payments-api", "owner", "component:default/payments-api"},
		{`who owns "Payments API"?`, "owner", "Payments API"},
		{"who owns “Payments API”", "owner", "Payments API"},
		{"who is the owner of the ledger?", "owner", "ledger"},
		{"payments owner", "owner", "payments"},
		{"what depends on the ledger", "dependents", "ledger"},
		{"impact artists-db", "dependents", "artists-db"},
		{"what does checkout depend on?", "deps", "checkout"},
		{"who's on call for checkout", "oncall", "checkout"},
		{"Who’s on call for checkout?", "oncall", "checkout"},
		{"on call checkout", "oncall", "checkout"},
		{"please who owns payments", "owner", "payments"},
		{"payments-api", "info", "payments-api"},
		{"", "help", ""},
		{"   ", "help", ""},
		{`"who owns"`, "info", "who owns"},
		{"the", "info", "the"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			resp, err := r.Handle(context.Background(), &Request{Text: tt.text})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Title != tt.cmd || resp.Text != tt.args {
				t.Errorf("%q: got command %q args %q, want %q %q", tt.text, resp.Title, resp.Text, tt.cmd, tt.args)
			}
		})
	}
}

func TestRouterRejectsDuplicateAndEmptyCommands(t *testing.T) {
	r := echoRouter(t)
	h := HandlerFunc(func(context.Context, *Request) (*Response, error) { return &Response{}, nil })
	for _, c := range []Command{
		{Name: "owner", Handler: h},
		{Name: "x", Aliases: []string{"who owns"}, Handler: h},
		{Name: "", Handler: h},
		{Name: "y"},
		{Name: "z", Aliases: []string{"  "}, Handler: h},
	} {
		if err := r.Register(c); err == nil {
			t.Errorf("Register(%+v) succeeded, want an error", c.Name)
		}
	}
}

func TestRouterRunsMiddlewareOutermostFirstWithParsedCommand(t *testing.T) {
	r := echoRouter(t)
	var order []string
	mk := func(name string) Middleware {
		return func(next Handler) Handler {
			return HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
				order = append(order, name+":"+Parsed(req).Command)
				return next.Handle(ctx, req)
			})
		}
	}
	r.Use(mk("a"), mk("b"))
	if _, err := r.Handle(context.Background(), &Request{Text: "impact x"}); err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != "a:dependents" || order[1] != "b:dependents" {
		t.Errorf("middleware order = %v", order)
	}
}

func TestRouterWithoutDefaultAnswersUsage(t *testing.T) {
	r := NewRouter(RouterOptions{})
	resp, err := r.Handle(context.Background(), &Request{Text: "frobnicate the thing"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != StatusUsage {
		t.Errorf("status = %q, want usage", resp.Status)
	}
}

// A one-word verb after the name counts only once a feature marks it with
// Anywhere; phrases of two words count anywhere without it.
func TestRouterRecognisesOneWordVerbsAfterTheNameOnlyWhenMarked(t *testing.T) {
	ask := func(r *Router, text string) Invocation {
		t.Helper()
		resp, err := r.Handle(context.Background(), &Request{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return Invocation{Command: resp.Title, Args: resp.Text}
	}
	r := echoRouter(t)
	if got := ask(r, "ledger owner"); got.Command != "owner" || got.Args != "ledger" {
		t.Errorf(`"ledger owner" is the phrase "{} owner": %+v`, got)
	}
	if got := ask(r, "is the ledger down? impact"); got.Command != "info" || got.Args != "ledger down impact" {
		t.Errorf("unmarked one-word verb after the name: %+v, want info of the whole line", got)
	}
	if got := ask(r, "is the ledger down? what depends on it"); got.Command != "dependents" {
		t.Errorf("two-word phrase after the start: %+v, want dependents", got)
	}
	r.Anywhere("impact")
	if got := ask(r, "is the ledger down? impact"); got.Command != "dependents" || got.Args != "ledger down" {
		t.Errorf("marked one-word verb after the name: %+v, want dependents of ledger down", got)
	}
}
