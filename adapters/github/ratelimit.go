package github

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/callboard/callboard/scaffold"
)

// EnsureRepository implements scaffold.Publisher. A rate limit that resets
// later than the Transport waits is a *scaffold.WaitError (the job parks).
func (p *Publisher) EnsureRepository(ctx context.Context, spec scaffold.RepoSpec, marker string) (scaffold.Repo, error) {
	r, err := p.ensureRepository(ctx, spec, marker)
	return r, waitable(err)
}

// Commit implements scaffold.Publisher (see commit); rate limits as
// EnsureRepository.
func (p *Publisher) Commit(ctx context.Context, host, owner, repo, branch, base string, files []scaffold.File, message, marker string) (string, error) {
	sha, err := p.commit(ctx, host, owner, repo, branch, base, files, message, marker)
	return sha, waitable(err)
}

// EnsurePullRequest implements scaffold.Publisher; rate limits as
// EnsureRepository.
func (p *Publisher) EnsurePullRequest(ctx context.Context, spec scaffold.PullRequestSpec) (scaffold.PullRequest, error) {
	pr, err := p.ensurePullRequest(ctx, spec)
	return pr, waitable(err)
}

// rateLimitReason is what a parked job tells the person.
const rateLimitReason = "GitHub's rate limit was reached"

// waitable turns GitHub's rate-limit answers (a 429, or a 403 with
// Retry-After or an exhausted X-RateLimit-Remaining) into a
// *scaffold.WaitError until the reset they name; other errors pass as they are.
func waitable(err error) error {
	if err == nil {
		return nil
	}
	if until, ok := rateLimitReset(err, time.Now()); ok {
		return &scaffold.WaitError{Until: until, Reason: rateLimitReason, Err: err}
	}
	return err
}

func rateLimitReset(err error, now time.Time) (time.Time, bool) {
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		if t := rl.Rate.Reset.Time; t.After(now) {
			return t.Add(time.Second), true
		}
		if rl.Response != nil {
			if t, ok := resetFromHeaders(rl.Response, now); ok {
				return t, true
			}
		}
		return now.Add(time.Minute), true
	}
	var abuse *gh.AbuseRateLimitError
	if errors.As(err, &abuse) {
		if abuse.RetryAfter != nil {
			return now.Add(*abuse.RetryAfter), true
		}
		if abuse.Response != nil {
			if t, ok := resetFromHeaders(abuse.Response, now); ok {
				return t, true
			}
		}
		return now.Add(time.Minute), true
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		code := er.Response.StatusCode
		if code != http.StatusTooManyRequests && code != http.StatusForbidden {
			return time.Time{}, false
		}
		if t, ok := resetFromHeaders(er.Response, now); ok {
			return t, true
		}
		if code == http.StatusTooManyRequests {
			return now.Add(time.Minute), true
		}
	}
	return time.Time{}, false
}

// resetFromHeaders reads Retry-After (seconds or a date), else an exhausted
// X-RateLimit-Remaining with its X-RateLimit-Reset.
func resetFromHeaders(resp *http.Response, now time.Time) (time.Time, bool) {
	h := resp.Header
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return now.Add(time.Duration(s) * time.Second), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return time.Unix(s, 0).Add(time.Second), true
		}
	}
	return time.Time{}, false
}
