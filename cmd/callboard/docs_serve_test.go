package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot/chat"
)

// docs.base_url decides where documentation hits link; without it they
// link to the Markdown source.
func TestServeDocsLinksFollowBaseURL(t *testing.T) {
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	tests := []struct {
		name, extra, prefix string
	}{
		{"base url set", "docs:\n  base_url: https://portal.example/docs/{namespace}/{kind}/{name}/{path}\n", "https://portal.example/docs/default/component/"},
		{"no base url", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, "catalog:\n  sources: ["+org+"]\n"+tt.extra), envOf(nil))
			if err != nil {
				t.Fatal(err)
			}
			s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.app.Router.Handle(t.Context(), &chat.Request{Text: "docs refunds failing", Platform: chat.PlatformSlack, User: chat.User{ID: "U1"}})
			if err != nil || len(resp.Docs) == 0 {
				t.Fatalf("no docs hits: %v %+v", err, resp)
			}
			u := resp.Docs[0].URL
			if tt.prefix != "" && !strings.HasPrefix(u, tt.prefix) {
				t.Fatalf("link %q does not follow base_url %q", u, tt.prefix)
			}
			if tt.prefix == "" && strings.HasPrefix(u, "https://portal.example") {
				t.Fatalf("link %q uses a base url nobody configured", u)
			}
		})
	}
}

// A docs.paths site that cannot be read is handled alike at start and
// after a refresh: it fails the rebuild, which says so, and the index in
// force keeps serving (after a refresh it used to be dropped silently).
func TestServeKeepsTheDocsIndexWhenALooseSiteIsGone(t *testing.T) {
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "mkdocs.yml"), []byte("site_name: Runbooks\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(site, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "docs", "index.md"), []byte("# Zebrafjord failover\n\nHow to fail the zebrafjord over.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(writeConfig(t, "catalog:\n  sources: [testdata/org.yaml]\ndocs:\n  paths: ["+site+"]\n"), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hits := func() int {
		resp, err := s.app.Router.Handle(t.Context(), &chat.Request{Text: "docs zebrafjord", Platform: chat.PlatformSlack, User: chat.User{ID: "U1"}})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Docs)
	}
	if hits() == 0 {
		t.Fatal("the docs.paths site is not searched at start")
	}
	if err := os.RemoveAll(site); err != nil {
		t.Fatal(err)
	}
	s.rebuildDocs(t.Context(), nil, nil) // as after a catalog refresh
	if hits() == 0 {
		t.Error("the index in force was replaced by one without the unreadable site")
	}
	if !strings.Contains(logs.String(), "docs not indexed after refresh") {
		t.Errorf("the unreadable site was not reported:\n%s", logs.String())
	}
}
