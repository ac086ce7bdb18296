package slack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
	"github.com/callboard/callboard/internal/loadgen"
)

// BenchmarkServeSlash10k is one signed slash command through the whole
// HTTP handler (read, verify, replay check, parse, dedupe, the built-in
// commands over a 10,000-entity catalog, render, write):
// go test ./adapters/slack -run '^$' -bench ServeSlash10k -benchmem
func BenchmarkServeSlash10k(b *testing.B) {
	snap := catalogtest.Snapshot(catalogtest.Options{N: 10_000, Seed: 1})
	router := chat.NewRouter(chat.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(router, bot.Options{Catalog: catalog.NewStore(snap)}); err != nil {
		b.Fatal(err)
	}
	var comps, groups []string
	for _, e := range snap.Entities() {
		switch e.Ref().Kind {
		case catalog.KindComponent:
			comps = append(comps, "who owns "+e.Metadata.Name)
		case catalog.KindGroup:
			groups = append(groups, "team "+e.Metadata.Name)
		}
	}
	for _, bc := range []struct {
		name string
		asks []string
	}{{"owns", comps[:200]}, {"team", groups[:min(200, len(groups))]}} {
		b.Run(bc.name, func(b *testing.B) {
			a, err := New(Config{SigningSecret: testSecret}, router)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				body := []byte(loadgen.Body("/callboard", bc.asks[i%len(bc.asks)], i))
				req := httptest.NewRequest(http.MethodPost, PathCommands, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Slack-Request-Timestamp", ts)
				req.Header.Set("X-Slack-Signature", loadgen.Sign(testSecret, ts, body))
				w := httptest.NewRecorder()
				a.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
