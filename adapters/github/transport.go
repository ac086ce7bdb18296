package github

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Retry bounds how Transport retries.
type Retry struct {
	// Attempts is the most tries of one request, the first included (0: 5).
	Attempts int
	// MaxWait is the most time spent waiting between tries of one request,
	// summed (0: 2 minutes). A rate limit that resets later than that is
	// returned to the caller rather than waited for.
	MaxWait time.Duration
	// Backoff is the first wait after a 5xx, doubled each time (0: 250ms).
	Backoff time.Duration
	// MaxBackoff caps one backoff wait (0: 10s).
	MaxBackoff time.Duration
}

// DefaultRetry is used for a zero Retry.
var DefaultRetry = Retry{Attempts: 5, MaxWait: 2 * time.Minute, Backoff: 250 * time.Millisecond, MaxBackoff: 10 * time.Second}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetry.Attempts
	}
	if r.MaxWait <= 0 {
		r.MaxWait = DefaultRetry.MaxWait
	}
	if r.Backoff <= 0 {
		r.Backoff = DefaultRetry.Backoff
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = DefaultRetry.MaxBackoff
	}
	return r
}

// Stats are a Transport's counters and the last rate-limit headers it saw.
type Stats struct {
	Calls       int64 // HTTP requests sent, retries included
	Retries     int64 // of which retries
	NotModified int64 // 304 answers
	Limit       int   // X-RateLimit-Limit
	Remaining   int   // X-RateLimit-Remaining
	Reset       time.Time
	Resource    string // X-RateLimit-Resource
}

// Transport is an http.RoundTripper that retries 5xx answers and rate limits
// (primary: waits for X-RateLimit-Reset; secondary and 429: Retry-After, or
// at least a minute as GitHub asks), within Retry's bounds, and records
// rate-limit headers. A cancelled context stops the wait at once.
type Transport struct {
	Base  http.RoundTripper
	Retry Retry

	calls, retries, notModified atomic.Int64
	mu                          sync.Mutex
	limit, remaining            int
	reset                       time.Time
	resource                    string
}

// Stats returns the counters.
func (t *Transport) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Stats{Calls: t.calls.Load(), Retries: t.retries.Load(), NotModified: t.notModified.Load(),
		Limit: t.limit, Remaining: t.remaining, Reset: t.reset, Resource: t.resource}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := t.Retry.withDefaults()
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	getBody := req.GetBody
	if req.Body != nil && req.Body != http.NoBody && getBody == nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req = req.Clone(req.Context())
		req.Body, _ = getBody()
		req.GetBody = getBody
	}
	ctx := req.Context()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		try := req
		if attempt > 1 {
			try = req.Clone(ctx)
			if getBody != nil {
				b, err := getBody()
				if err != nil {
					return nil, err
				}
				try.Body = b
			}
			t.retries.Add(1)
		}
		t.calls.Add(1)
		resp, err := base.RoundTrip(try)
		if err != nil {
			if ctx.Err() != nil || attempt >= r.Attempts || !idempotent(req.Method) {
				return nil, err
			}
			d := backoff(r, attempt)
			if waited+d > r.MaxWait {
				return nil, err
			}
			if serr := sleep(ctx, d); serr != nil {
				return nil, serr
			}
			waited += d
			continue
		}
		t.record(resp)
		d, retry := t.wait(r, resp, attempt)
		if !retry || attempt >= r.Attempts || waited+d > r.MaxWait {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
		waited += d
	}
}

func idempotent(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodPut || m == http.MethodDelete
}

func backoff(r Retry, attempt int) time.Duration {
	d := r.Backoff << (attempt - 1)
	if d > r.MaxBackoff || d <= 0 {
		d = r.MaxBackoff
	}
	// Up to 25% jitter so replicas do not retry in step.
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

func (t *Transport) record(resp *http.Response) {
	if resp.StatusCode == http.StatusNotModified {
		t.notModified.Add(1)
	}
	h := resp.Header
	lim, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limit, t.remaining = lim, rem
	if s, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		t.reset = time.Unix(s, 0)
	}
	t.resource = h.Get("X-RateLimit-Resource")
}

// wait says whether resp deserves a retry and after how long.
func (t *Transport) wait(r Retry, resp *http.Response, attempt int) (time.Duration, bool) {
	code := resp.StatusCode
	switch {
	case code >= 500 && code != http.StatusNotImplemented:
		if d, ok := retryAfter(resp); ok {
			return d, true
		}
		return backoff(r, attempt), true
	case code == http.StatusTooManyRequests || code == http.StatusForbidden:
		if d, ok := retryAfter(resp); ok {
			return d, true
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if s, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				// One second past the reset absorbs clock skew and rounding.
				return max(0, time.Until(time.Unix(s, 0))) + time.Second, true
			}
		}
		if code == http.StatusTooManyRequests || secondaryLimit(resp) {
			return time.Minute, true
		}
	}
	return 0, false
}

func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if tm, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(tm)), true
	}
	return 0, false
}

// secondaryLimit peeks at a 403 body for GitHub's secondary-rate-limit
// message, leaving the body readable.
func secondaryLimit(resp *http.Response) bool {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return err == nil && bytes.Contains(bytes.ToLower(b), []byte("secondary rate limit"))
}
