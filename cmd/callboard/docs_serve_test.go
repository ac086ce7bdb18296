package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
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
			resp, err := s.app.Router.Handle(t.Context(), &bot.Request{Text: "docs refunds failing", Platform: bot.PlatformSlack, User: bot.User{ID: "U1"}})
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
