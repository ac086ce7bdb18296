package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/callboard/callboard/bot/chat"
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
	term := out
	if b, ok := out.(*lineBuffer); ok {
		term = b.out
	}
	if lc.Format == "json" || (lc.Format != "text" && !isTerminal(term)) {
		h = slog.NewJSONHandler(out, opts)
	} else {
		h = slog.NewTextHandler(out, opts)
	}
	return slog.New(requestIDHandler{h})
}

// lineBuffer holds whole log lines (a slog handler writes each line in one
// Write) until Flush, or until it holds 64 KiB, then writes them to out in
// one Write: no line is ever split between two writes.
type lineBuffer struct {
	mu  sync.Mutex
	out io.Writer
	buf []byte
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= 64<<10 {
		return len(p), b.flushLocked()
	}
	return len(p), nil
}

// Flush writes the lines held.
func (b *lineBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *lineBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// redactor is chat.Redactor with the slog attribute rewriting main's logger needs.
type redactor chat.Redactor

func (r redactor) text(s string) string { return chat.Redactor(r).Text(s) }

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
