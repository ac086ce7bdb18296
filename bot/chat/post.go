package chat

import (
	"errors"
	"fmt"
	"time"
)

// The errors of an adapter posting outside a request (alert cards, replies
// to finished jobs), which the features that post branch on.

// ErrChannelUnusable is a channel the bot cannot post in (no such channel,
// not a member, archived): retrying will not help, the fallback channel may.
// Posters wrap their platform's error with it.
var ErrChannelUnusable = errors.New("the bot cannot post in this channel")

// RetryLaterError is a refusal that names when to try again (a platform's
// 429 with Retry-After).
type RetryLaterError struct {
	After time.Duration
	Err   error
}

func (e *RetryLaterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryLaterError) Unwrap() error { return e.Err }
