package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoggerRedactsSecretsAndAddsRequestID(t *testing.T) {
	const secret = "marker-secret-8d1f"
	tests := []struct {
		name   string
		format string
		log    func(l interface {
			InfoContext(context.Context, string, ...any)
		}, ctx context.Context)
	}{
		{"secret in a string attr", "json", func(l interface {
			InfoContext(context.Context, string, ...any)
		}, ctx context.Context) {
			l.InfoContext(ctx, "calling", "url", "https://x/?token="+secret)
		}},
		{"secret in an error", "text", func(l interface {
			InfoContext(context.Context, string, ...any)
		}, ctx context.Context) {
			l.InfoContext(ctx, "failed", "err", errors.New("bad token "+secret))
		}},
		{"secret in the message", "json", func(l interface {
			InfoContext(context.Context, string, ...any)
		}, ctx context.Context) {
			l.InfoContext(ctx, "token is "+secret)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := newLogger(&buf, LogConfig{Level: "info", Format: tt.format}, []string{secret})
			tt.log(l, withRequestID(context.Background(), "req-42"))
			out := buf.String()
			if strings.Contains(out, secret) {
				t.Fatalf("secret logged: %s", out)
			}
			if !strings.Contains(out, "[redacted]") || !strings.Contains(out, "req-42") {
				t.Fatalf("want [redacted] and the request id: %s", out)
			}
		})
	}
}

func TestReadyzStaysReadyAndReportsUnreachableRedis(t *testing.T) {
	p := writeConfig(t, "redis:\n  url: redis://127.0.0.1:1/0\ncatalog:\n  sources: [testdata/org.yaml]\n")
	cfg, err := LoadConfig(p, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, err := openMain(t.Context(), cfg, newLogger(&logs, cfg.Log, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.redis.Close()
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/healthz", 200, `"ok"`},
		// Ready: lookups are answered from memory; Redis is reported apart.
		{"/readyz", 200, `"redis":"unreachable: connection refused"`},
		{"/metrics", 200, "callboard_redis_up 0"},
		{"/metrics", 200, "callboard_catalog_entities"},
		{"/nowhere", 404, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(b.String(), tt.want) {
			t.Errorf("%s: %d %s; want %d containing %q", tt.path, resp.StatusCode, b.String(), tt.code, tt.want)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", tt.path)
		}
		if tt.path == "/readyz" {
			var v struct {
				Status  string
				Reasons []string
			}
			if json.Unmarshal(b.Bytes(), &v) != nil || v.Status != "ready" || len(v.Reasons) != 0 {
				t.Errorf("/readyz: %s", b.String())
			}
		}
	}
}

// Tokens callboard never saw in its configuration (an installation token a
// remote error echoes) are redacted by their shape, in logs and in the
// admin replies that share the redactor; ordinary words that merely start
// alike are left alone.
func TestRedactorRemovesTokenShapes(t *testing.T) {
	r := redactor{"configured-secret-1"}
	cases := map[string]string{
		"GET https://api.github.com/x: 401 token ghs_16C7e42F292c6912E7710c838347Ae178B4a rejected": "GET https://api.github.com/x: 401 token [redacted] rejected",
		"auth github_pat_11ABCDEFG0123456789_abcdefghijklmnop failed":                               "auth [redacted] failed",
		"slack said invalid_auth for xoxb-1234567890-abcdefghij":                                    "slack said invalid_auth for [redacted]",
		"socket mode xapp-1-A0123-456789-abcdef dropped":                                            "socket mode [redacted] dropped",
		"configured-secret-1 leaked":                                                                "[redacted] leaked",
		"ghost ghp_short and xoxo greetings":                                                        "ghost ghp_short and xoxo greetings",
	}
	for in, want := range cases {
		if got := r.text(in); got != want {
			t.Errorf("text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}
