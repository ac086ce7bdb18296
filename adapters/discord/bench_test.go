package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// alwaysFirst lets a benchmark send one signed body many times.
type alwaysFirst struct{}

func (alwaysFirst) FirstSeen(context.Context, string, time.Duration) (bool, error) { return true, nil }

func BenchmarkRender(b *testing.B) {
	for _, bc := range []struct {
		name string
		resp *chat.Response
	}{{"owner", mustAnswer("owner payments-api", 0)}, {"over-every-limit", hugeResponse()}} {
		b.Run(bc.name, func(b *testing.B) {
			r := testRenderer()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r.render(bc.resp)
			}
		})
	}
}

// BenchmarkInteraction measures verify + parse + answer + render of a
// signed /owner command, as ServeHTTP does it (the handler is instant).
func BenchmarkInteraction(b *testing.B) {
	now := time.Now()
	a, err := New(Config{PublicKey: testKey.Public().(ed25519.PublicKey),
		Dedupe: alwaysFirst{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}, chat.HandlerFunc(richHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	body := commandPayload("owner", opt("entity", "payments-api"))
	stamp := strconv.FormatInt(now.Unix(), 10)
	sig := hex.EncodeToString(ed25519.Sign(testKey, append([]byte(stamp), body...)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
		r.Header.Set("X-Signature-Timestamp", stamp)
		r.Header.Set("X-Signature-Ed25519", sig)
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body)
		}
	}
}
