package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
)

// newLogger builds the process logger: JSON when format is json, or auto
// and out is not a terminal; text otherwise. Every secret in secrets is
// replaced by [redacted] wherever it appears in a line, and a request id in
// the context is added to every line.
func newLogger(out io.Writer, lc LogConfig, secrets []string) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(lc.Level))
	r := redactor(secrets)
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		return r.attr(a)
	}}
	var h slog.Handler
	if lc.Format == "json" || (lc.Format != "text" && !isTerminal(out)) {
		h = slog.NewJSONHandler(out, opts)
	} else {
		h = slog.NewTextHandler(out, opts)
	}
	return slog.New(requestIDHandler{h})
}

type redactor []string

// tokenShapes are credentials callboard holds without knowing their value in
// advance (GitHub App installation tokens, minted hourly) or that a remote
// error may echo: GitHub's ghp_/ghs_/gho_/ghu_/ghr_ and github_pat_ tokens,
// Slack's xox?- and xapp- tokens. They are redacted by shape.
var tokenShapes = regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[a-z]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,})`)

func (r redactor) text(s string) string {
	for _, v := range r {
		if len(v) >= 4 && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	if strings.Contains(s, "gh") || strings.Contains(s, "xo") || strings.Contains(s, "xapp-") {
		s = tokenShapes.ReplaceAllString(s, "[redacted]")
	}
	return s
}

func (r redactor) attr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(r.text(a.Value.String()))
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			a.Value = slog.StringValue(r.text(v.Error()))
		case fmt.Stringer:
			a.Value = slog.StringValue(r.text(v.String()))
		case []byte:
			a.Value = slog.StringValue(r.text(string(v)))
		default:
			s := fmt.Sprint(v)
			if rs := r.text(s); rs != s {
				a.Value = slog.StringValue(rs)
			}
		}
	}
	return a
}

type ctxKey int

const requestIDKey ctxKey = 0

// withRequestID returns ctx carrying id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// requestID is the id withRequestID put in ctx ("" when none).
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestIDHandler adds request_id to every record logged with a context
// that carries one.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// withRequestIDs gives each HTTP request an id (the caller's X-Request-Id
// when it is short and plain, else a new one), echoes it in the response
// and puts it in the request's context for every log line.
func withRequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(withRequestID(r.Context(), id)))
	})
}
