package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

type fixedHealth []bot.SourceHealth

func (f fixedHealth) CatalogHealth() []bot.SourceHealth { return f }

// Only configured admins see catalog status; it shows each source and
// repository with its last success, error and counts.
func TestCatalogStatusOnlyForAdmins(t *testing.T) {
	snap := loadSnapshot(t, "../examples/org", "all.yaml")
	admin, _ := catalog.ParseRef("user:default/nadia.okafor", "", "")
	r := bot.NewRouter(bot.RouterOptions{})
	health := fixedHealth{{Name: "github:acme", LastSuccess: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Entities: 7,
		Repos: []bot.SourceHealth{{Name: "acme/ledger", LastError: "catalog-info.yaml:3: bad kind", Problems: 1}}}}
	if err := bot.RegisterAdmin(r, bot.AdminOptions{Catalog: catalog.NewStore(snap), Health: health, Admins: []catalog.Ref{admin}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		user   string
		status bot.Status
		want   []string
	}{
		{"admin", "U04NADIA01", bot.StatusOK, []string{"github:acme", "2026-12-01T10:00:00Z", "7", "acme/ledger", "bad kind", "catalog problems"}},
		{"another user", "U04TOMAS02", bot.StatusDenied, []string{"admins"}},
		{"unknown chat user", "UNOBODY", bot.StatusDenied, []string{"admins"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := r.Handle(context.Background(), &bot.Request{Text: "catalog status", Platform: bot.PlatformSlack, User: bot.User{ID: tt.user}})
			if err != nil || resp.Status != tt.status {
				t.Fatalf("status %v err %v; want %v", resp.Status, err, tt.status)
			}
			text := flat(resp)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("answer lacks %q:\n%s", w, text)
				}
			}
			if tt.status == bot.StatusDenied && strings.Contains(text, "github:acme") {
				t.Error("denied answer shows source status")
			}
		})
	}
}
