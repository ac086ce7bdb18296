package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/callboard/callboard/bot/chat"
)

// catalog.admins decides who may ask `catalog status` on a serving replica.
func TestServeCatalogStatusFollowsAdmins(t *testing.T) {
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	cfg, err := LoadConfig(writeConfig(t, "catalog:\n  sources: ["+org+"]\n  admins: [nadia.okafor]\n"), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user string
		want chat.Status
	}{
		{"U04NADIA01", chat.StatusOK},
		{"U04TOMAS02", chat.StatusDenied},
	}
	for _, tt := range tests {
		resp, err := s.app.Router.Handle(t.Context(), &chat.Request{Text: "catalog status", Platform: chat.PlatformSlack, User: chat.User{ID: tt.user}})
		if err != nil || resp.Status != tt.want {
			t.Errorf("%s: status %v (%v); want %v", tt.user, resp.Status, err, tt.want)
		}
	}
}
