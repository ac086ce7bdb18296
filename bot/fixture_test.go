package bot_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

// backstageDir is Backstage's demo catalog (see its SOURCE.md).
const backstageDir = "../testdata/backstage"

// loadSnapshot loads roots of fsys into a snapshot the way main does.
func loadSnapshot(t testing.TB, dir string, roots ...string) *catalog.Snapshot {
	t.Helper()
	res := catalog.LoadFS(context.Background(), os.DirFS(dir), roots, catalog.LoadOptions{Source: "files"})
	var kept []*catalog.Entity
	for _, e := range res.Entities {
		if e.Kind != "" && e.Metadata.Name != "" { // skip non-descriptor YAML (OpenAPI files)
			kept = append(kept, e)
		}
	}
	res.Entities = kept
	return catalog.Build(res)
}

// newRouter is the router main builds, on snapshot s.
func newRouter(t testing.TB, s *catalog.Snapshot, docs bot.DocSearcher) *bot.Router {
	t.Helper()
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(s), Docs: docs, PageSize: 5}); err != nil {
		t.Fatal(err)
	}
	return r
}

func ask(t testing.TB, r *bot.Router, text string) *bot.Response {
	t.Helper()
	return askAs(t, r, text, bot.User{Platform: bot.PlatformConsole, ID: "tester"}, 0)
}

func askAs(t testing.TB, r *bot.Router, text string, u bot.User, page int) *bot.Response {
	t.Helper()
	resp, err := r.Handle(context.Background(), &bot.Request{Text: text, User: u, Platform: u.Platform, Page: page})
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	if resp == nil {
		t.Fatalf("%q: nil response", text)
	}
	return resp
}

// flat renders a response as one string, for "contains" assertions.
func flat(r *bot.Response) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Text + "\n")
	for _, f := range r.Fields {
		b.WriteString(f.Name + ": " + f.Value + "\n")
	}
	for _, s := range r.Sections {
		b.WriteString("## " + s.Title + "\n" + s.Text + "\n")
		for _, it := range s.Items {
			b.WriteString("- " + it.Text + " | " + it.Detail + " | " + it.Ref + "\n")
		}
	}
	for _, l := range r.Links {
		b.WriteString("link " + l.Title + " " + l.URL + "\n")
	}
	for _, a := range r.Actions {
		b.WriteString("action " + a.Label + " => " + a.Command + "\n")
	}
	for _, s := range r.Suggestions {
		b.WriteString("suggest " + s.Label + " => " + s.Command + "\n")
	}
	for _, d := range r.Docs {
		b.WriteString("doc " + d.Page + "#" + d.Anchor + " " + d.Title + "\n")
	}
	return b.String()
}
