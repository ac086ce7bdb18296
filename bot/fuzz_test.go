package bot_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callboard/callboard/bot"
)

// FuzzRouter (go test -fuzz FuzzRouter -fuzztime 30s -fuzzminimizetime 1s) feeds arbitrary text through the parser and the built-in
// commands: nothing panics, every answer has a status and a title, and the
// parsed argument text is trimmed and made of the input's words.
func FuzzRouter(f *testing.F) {
	for _, s := range []string{
		"who owns payments-api?", `who owns "Payments API"`, "what depends on the ledger", "who’s on call for checkout",
		"impact ledger-db depth 2", "docs rollback in payments-api", "component:default/payments-api", "“", `"`, "'a", "?", "",
		"help who owns", "team \"", "search \x00", "what does {} depend on", "dependents x depth=-1", "oncall for for for",
	} {
		f.Add(s)
	}
	s := loadSnapshot(f, "testdata", "org.yaml")
	r := newRouter(f, s, &docsFake{n: 3})
	names := map[string]bool{"": true}
	for _, c := range r.Commands() {
		names[c.Name] = true
	}
	f.Fuzz(func(t *testing.T, text string) {
		inv := r.Parse(text)
		if !names[inv.Command] {
			t.Fatalf("%q parsed to unknown command %q", text, inv.Command)
		}
		if inv.Args != strings.TrimSpace(inv.Args) {
			t.Fatalf("%q: args %q not trimmed", text, inv.Args)
		}
		if utf8.ValidString(text) {
			for _, w := range inv.Words {
				if w == "" {
					t.Fatalf("%q: empty word in %q", text, inv.Words)
				}
			}
		}
		resp, err := r.Handle(context.Background(), &bot.Request{Text: text, Platform: bot.PlatformConsole})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if resp == nil || resp.Status == "" || resp.Title == "" {
			t.Fatalf("%q: incomplete answer %+v", text, resp)
		}
	})
}
