package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// ErrDuplicate is returned (with a nil Response) for a delivery already
// seen: the adapter acknowledges it and sends nothing.
var ErrDuplicate = errors.New("duplicate delivery")

// logger returns l or the default logger.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// Deduplicated drops requests whose DeliveryID was seen within ttl (retried
// Slack events, repeated Discord interactions). A failing Dedupe is logged
// and the request is answered: a duplicate answer beats none in an incident.
// Like RateLimited and Audited, it waits on the store only within the
// request's state budget (StateContext).
func Deduplicated(d Dedupe, ttl time.Duration, log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			if req.DeliveryID == "" {
				return next.Handle(ctx, req)
			}
			sctx, done := StateContextFor(ctx, d)
			first, err := d.FirstSeen(sctx, req.Platform+":"+req.DeliveryID, ttl)
			done()
			if err != nil {
				logger(log).WarnContext(ctx, "dedupe unavailable; answering anyway", "platform", req.Platform, "delivery", req.DeliveryID, "err", err)
			} else if !first {
				return nil, ErrDuplicate
			}
			return next.Handle(ctx, req)
		})
	}
}

// RateLimited answers StatusDenied when the asker (platform and user id)
// has no token left. A failing RateLimiter is logged and lets the request by.
func RateLimited(l RateLimiter, log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			sctx, done := StateContextFor(ctx, l)
			ok, retry, err := l.Allow(sctx, req.Platform+":"+req.User.ID)
			done()
			if err != nil {
				logger(log).WarnContext(ctx, "rate limiter unavailable; allowing", "platform", req.Platform, "user", req.User.ID, "err", err)
				return next.Handle(ctx, req)
			}
			if !ok {
				secs := int(math.Ceil(retry.Seconds()))
				return &Response{
					Title:     "Slow down a little",
					Text:      fmt.Sprintf("You have asked a lot in a short time. Try again in %d %s.", secs, plural(secs, "second", "seconds")),
					Status:    StatusDenied,
					Ephemeral: true,
				}, nil
			}
			return next.Handle(ctx, req)
		})
	}
}

// Audited records every request (who, what, the command, the outcome and
// how long it took) in a. A failing Audit is logged, never shown.
func Audited(a Audit, log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			start := time.Now()
			resp, err := next.Handle(ctx, req)
			st := StatusError
			switch {
			case errors.Is(err, ErrDuplicate):
				return resp, err
			case resp != nil && err == nil:
				st = resp.Status
			}
			e := AuditEntry{Time: start.UTC(), Platform: req.Platform, UserID: req.User.ID, Channel: req.Channel,
				Text: req.Text, Command: Parsed(req).Command, Status: st, Duration: time.Since(start)}
			sctx, done := StateContextFor(ctx, a)
			aerr := a.Record(sctx, e)
			done()
			if aerr != nil {
				logger(log).WarnContext(ctx, "audit record failed", "user", req.User.ID, "err", aerr)
			}
			return resp, err
		})
	}
}

// Recovered turns handler errors and panics into a StatusError answer that
// says nothing internal, and logs the cause. ErrDuplicate passes through.
// Put it outermost, so other middleware see the errors first.
func Recovered(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (resp *Response, err error) {
			defer func() {
				if p := recover(); p != nil {
					logger(log).ErrorContext(ctx, "command panicked", "command", Parsed(req).Command, "panic", fmt.Sprint(p))
					resp, err = internalError(), nil
				}
			}()
			resp, err = next.Handle(ctx, req)
			if err != nil && !errors.Is(err, ErrDuplicate) {
				logger(log).ErrorContext(ctx, "command failed", "command", Parsed(req).Command, "err", err)
				return internalError(), nil
			}
			if err == nil && resp == nil {
				return internalError(), nil
			}
			return resp, err
		})
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func internalError() *Response {
	return &Response{Title: "Something went wrong", Text: "That failed on our side and has been logged. Try again, or ask in a moment.", Status: StatusError, Ephemeral: true}
}
