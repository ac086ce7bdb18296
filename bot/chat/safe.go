package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"regexp"
	"strings"
)

// UserError is an error with a message fit for any chat user (Message, a
// plain sentence) and a cause for the operators' log only. Handlers and
// adapters return or wrap one where they know what to tell people;
// ErrorResponse shows Message and logs the cause.
type UserError struct {
	Message string
	Cause   error
}

// NewUserError returns a UserError; cause may be nil.
func NewUserError(message string, cause error) *UserError {
	return &UserError{Message: message, Cause: cause}
}

// Error is the whole chain, for logs.
func (e *UserError) Error() string {
	if e.Cause == nil {
		return e.Message
	}
	return e.Message + ": " + e.Cause.Error()
}

func (e *UserError) Unwrap() error { return e.Cause }

// genericFailure is what people see of an error that carries no UserError.
const genericFailure = "Something went wrong answering that; please try again in a minute. If it keeps failing, tell the callboard admins."

// PublicMessage is the part of err a chat user may see: the message of the
// outermost *UserError in its chain, else a generic sentence. Never the
// cause's text (addresses, file paths, tokens).
func PublicMessage(err error) string {
	var ue *UserError
	if errors.As(err, &ue) && ue.Message != "" {
		return PublicText(ue.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "That took longer than allowed. Try again in a minute."
	}
	if errors.Is(err, context.Canceled) {
		return "callboard was shutting down before it could answer. Try again in a minute."
	}
	return genericFailure
}

// ErrorResponse is the answer to a request that failed with err, the one
// function every adapter renders failures with: the public message and a
// reference, while err itself goes to log with that reference (and the
// request id the context's logger adds).
func ErrorResponse(ctx context.Context, log *slog.Logger, err error, attrs ...any) *Response {
	ref := errorRef()
	if log != nil {
		log.ErrorContext(ctx, "request failed", append([]any{"err", err, "error_ref", ref}, attrs...)...)
	}
	return &Response{Status: StatusError, Ephemeral: true,
		Text: PublicMessage(err) + " (reference " + ref + ")"}
}

// FollowUpFailed is what replaces a slow answer (Response.Follow) whose
// work failed with err, on every platform: ErrorResponse's public message
// and reference, and what to do next. The cause goes to log only.
func FollowUpFailed(ctx context.Context, log *slog.Logger, err error, attrs ...any) *Response {
	resp := ErrorResponse(ctx, log, err, append(attrs, "during", "follow-up")...)
	resp.Title = "That did not finish"
	resp.Text += "\nRun the command again; work already done is not repeated."
	return resp
}

func errorRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tokenShapes are credentials redacted by their shape, whatever their value:
// GitHub's ghp_/ghs_/gho_/ghu_/ghr_ and github_pat_ tokens (GitHub App
// installation tokens are minted hourly, so their values are not known in
// advance), Slack's xox?- and xapp- tokens.
var tokenShapes = regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[a-z]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,})`)

// Redactor replaces secrets in text: every value it holds (the configured
// tokens and keys) and anything shaped like a token. Log lines, chat
// replies, job records and status pages all pass one.
type Redactor []string

// Text returns s with secrets replaced by [redacted].
func (r Redactor) Text(s string) string {
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

var (
	// go-github's "POST https://host/api/v3/…: 422 message []" and
	// net/http's `Post "https://host/…": cause` name the request; people
	// need the answer, not the address.
	requestPrefix = regexp.MustCompile(`\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|Get|Post|Put|Patch|Delete|Head) "?https?://[^\s"]+"?: `)
	// "dial tcp 10.0.0.7:6379: connect: connection refused" and the like.
	// "lookup redis.internal on 10.0.0.2:53: no such host" too.
	dialAddr = regexp.MustCompile(`\b(?:(?:dial|read|write) (?:tcp|tcp4|tcp6|udp|unix) [^\s]*|lookup [^\s]+ on [^\s]+): `)
	// URLs of loopback, private or port-numbered hosts.
	internalURL = regexp.MustCompile(`https?://(?:(?:localhost|127\.[0-9.]+|10\.[0-9.]+|192\.168\.[0-9.]+|172\.(?:1[6-9]|2[0-9]|3[01])\.[0-9.]+|\[[0-9a-fA-F:]+\])(?::\d+)?|[A-Za-z0-9.-]+:\d+)(?:/[^\s"]*)?`)
	// Bare internal addresses ("127.0.0.1:6379").
	internalAddr = regexp.MustCompile(`\b(?:127\.[0-9.]+|10\.[0-9.]+|192\.168\.[0-9.]+|172\.(?:1[6-9]|2[0-9]|3[01])\.[0-9.]+):\d+\b`)
)

// PublicText is s fit for a chat user: tokens redacted (by shape; a
// Redactor knows the configured ones too) and the addresses of requests
// and connections taken out, keeping what was said about the failure.
func PublicText(s string) string {
	s = Redactor(nil).Text(s)
	if !strings.Contains(s, ":") {
		return s
	}
	s = requestPrefix.ReplaceAllString(s, "")
	s = dialAddr.ReplaceAllString(s, "")
	s = internalURL.ReplaceAllString(s, "[internal address]")
	s = internalAddr.ReplaceAllString(s, "[internal address]")
	return strings.TrimSuffix(s, " []")
}

// Redacting is middleware passing every text of an answer (and of its
// follow-ups) through redact: nothing a handler says reaches chat with a
// secret in it.
func Redacting(redact func(string) string) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			resp, err := next.Handle(ctx, req)
			if resp != nil {
				RedactResponse(resp, redact)
			}
			return resp, err
		})
	}
}

// RedactResponse passes every text of r (and of its follow-ups) through
// redact, in place.
func RedactResponse(r *Response, redact func(string) string) {
	r.Title = redact(r.Title)
	r.Text = redact(r.Text)
	for i := range r.Fields {
		r.Fields[i].Value = redact(r.Fields[i].Value)
	}
	for i := range r.Sections {
		s := &r.Sections[i]
		s.Title, s.Text = redact(s.Title), redact(s.Text)
		for j := range s.Fields {
			s.Fields[j].Value = redact(s.Fields[j].Value)
		}
		for j := range s.Items {
			s.Items[j].Text = redact(s.Items[j].Text)
			s.Items[j].Detail = redact(s.Items[j].Detail)
			s.Items[j].URL = redact(s.Items[j].URL)
		}
	}
	// Buttons and links leave the process too (a button's command echoes
	// what was asked; a link may carry a token in its query).
	for i := range r.Actions {
		r.Actions[i].Label, r.Actions[i].Command = redact(r.Actions[i].Label), redact(r.Actions[i].Command)
	}
	for i := range r.Suggestions {
		r.Suggestions[i].Label, r.Suggestions[i].Command = redact(r.Suggestions[i].Label), redact(r.Suggestions[i].Command)
	}
	for i := range r.Links {
		r.Links[i].Title, r.Links[i].URL = redact(r.Links[i].Title), redact(r.Links[i].URL)
	}
	if f := r.Follow; f != nil {
		r.Follow = func(ctx context.Context, send func(*Response) error) error {
			return f(ctx, func(next *Response) error {
				if next != nil {
					RedactResponse(next, redact)
				}
				return send(next)
			})
		}
	}
}
