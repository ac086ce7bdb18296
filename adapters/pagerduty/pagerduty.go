package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

// DefaultAPIURL is PagerDuty's public REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// Options configure a Client.
type Options struct {
	// Token is a REST API key (sent as "Authorization: Token token=…").
	Token string
	// APIURL is the API root (PAGERDUTY_API_URL, tests); "" is DefaultAPIURL.
	APIURL string
	// HTTPClient, when set, makes the requests (its Transport is wrapped).
	HTTPClient *http.Client
	// MaxRetryWait is the longest Retry-After a 429 is waited out for before
	// retrying once (default 1 s); longer ones are returned as a rate limit.
	MaxRetryWait time.Duration
	// MaxPages bounds how many pages of one list are read (default 10).
	MaxPages int
}

// Client reads on-call facts from PagerDuty.
type Client struct {
	pd       *pd.Client
	maxPages int
	// keys caches integration key → service id (a key names one service for good).
	mu    sync.Mutex
	keys  map[string]string
	users map[string]*pd.User
}

// New returns a Client; it is an error to give no token.
func New(opts Options) (*Client, error) {
	if strings.TrimSpace(opts.Token) == "" {
		return nil, errors.New("pagerduty: no API token (set PAGERDUTY_TOKEN)")
	}
	url := strings.TrimRight(opts.APIURL, "/")
	if url == "" {
		url = DefaultAPIURL
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wait := opts.MaxRetryWait
	if wait <= 0 {
		wait = time.Second
	}
	cp := *hc
	cp.Transport = &retryTransport{next: base, maxWait: wait}
	c := pd.NewClient(opts.Token, pd.WithAPIEndpoint(url))
	c.HTTPClient = &cp
	pages := opts.MaxPages
	if pages <= 0 {
		pages = 10
	}
	return &Client{pd: c, maxPages: pages, keys: map[string]string{}, users: map[string]*pd.User{}}, nil
}

// OnCallNow implements bot.OnCall.
func (c *Client) OnCallNow(ctx context.Context, annotations map[string]string) (*bot.Rota, error) {
	id := strings.TrimSpace(annotations[catalog.AnnotationPagerDutyID])
	key := strings.TrimSpace(annotations[catalog.AnnotationPagerDutyKey])
	if id == "" && key == "" {
		return nil, nil
	}
	ctx, limit := withLimit(ctx)
	if id == "" {
		var err error
		if id, err = c.serviceByKey(ctx, key); err != nil {
			return nil, pagingError(err, limit, "")
		}
		if id == "" {
			return nil, &bot.PagingError{Source: "PagerDuty", Reason: "has no service with the entity's integration key", NotFound: true}
		}
	}
	svc, err := c.pd.GetServiceWithContext(ctx, id, &pd.GetServiceOptions{Includes: []string{"escalation_policies"}})
	if err != nil {
		return nil, pagingError(err, limit, "service "+id)
	}
	r := &bot.Rota{Source: "PagerDuty", Target: fmt.Sprintf("service %s (%s)", svc.Name, svc.ID), URL: svc.HTMLURL}
	if svc.EscalationPolicy.ID == "" {
		return r, nil
	}
	seen := map[string]bool{}
	opts := pd.ListOnCallOptions{EscalationPolicyIDs: []string{svc.EscalationPolicy.ID}, Includes: []string{"users"}, Limit: 100}
	for page := 0; page < c.maxPages; page++ {
		res, err := c.pd.ListOnCallsWithContext(ctx, opts)
		if err != nil {
			return nil, pagingError(err, limit, "escalation policy "+svc.EscalationPolicy.ID)
		}
		for _, oc := range res.OnCalls {
			k := strconv.Itoa(int(oc.EscalationLevel)) + "/" + oc.User.ID + "/" + oc.Schedule.ID
			if seen[k] {
				continue
			}
			seen[k] = true
			if oc.User.Email == "" && oc.User.ID != "" {
				// The users were not included: look each one up (once).
				if u, err := c.user(ctx, oc.User.ID); err == nil {
					oc.User = *u
				} else if pe := pagingError(err, limit, "user "+oc.User.ID).(*bot.PagingError); pe.RetryAfter > 0 {
					return nil, pe
				}
			}
			name := oc.User.Name
			if name == "" {
				name = oc.User.Summary
			}
			sh := bot.Shift{Level: int(oc.EscalationLevel), Name: name, Email: oc.User.Email, Schedule: oc.Schedule.Summary}
			if sh.Schedule == "" && oc.Schedule.ID == "" {
				sh.Schedule = "always on call (no schedule)"
			}
			sh.Start, _ = time.Parse(time.RFC3339, oc.Start)
			sh.End, _ = time.Parse(time.RFC3339, oc.End)
			r.Shifts = append(r.Shifts, sh)
		}
		if !res.More || len(res.OnCalls) == 0 {
			break
		}
		opts.Offset = res.Offset + uint(len(res.OnCalls))
	}
	sort.SliceStable(r.Shifts, func(i, j int) bool { return r.Shifts[i].Level < r.Shifts[j].Level })
	return r, nil
}

// user reads a PagerDuty user, remembered for the Client's life (a user's
// name and email rarely change; the cache is bounded).
func (c *Client) user(ctx context.Context, id string) (*pd.User, error) {
	c.mu.Lock()
	u, ok := c.users[id]
	c.mu.Unlock()
	if ok {
		return u, nil
	}
	u, err := c.pd.GetUserWithContext(ctx, id, pd.GetUserOptions{})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.users) > 10000 {
		c.users = map[string]*pd.User{}
	}
	c.users[id] = u
	c.mu.Unlock()
	return u, nil
}

// serviceByKey finds the service one of whose integrations has key, as
// Backstage's PagerDuty plugin does: services listed with their integrations.
func (c *Client) serviceByKey(ctx context.Context, key string) (string, error) {
	c.mu.Lock()
	id, ok := c.keys[key]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	opts := pd.ListServiceOptions{Includes: []string{"integrations"}, Limit: 100}
	for page := 0; page < c.maxPages; page++ {
		res, err := c.pd.ListServicesWithContext(ctx, opts)
		if err != nil {
			return "", err
		}
		for _, s := range res.Services {
			for _, in := range s.Integrations {
				if in.IntegrationKey != "" && in.IntegrationKey == key {
					c.mu.Lock()
					c.keys[key] = s.ID
					c.mu.Unlock()
					return s.ID, nil
				}
			}
		}
		if !res.More || len(res.Services) == 0 {
			break
		}
		opts.Offset = res.Offset + uint(len(res.Services))
	}
	return "", nil
}

// pagingError turns a client error into the one line a person is shown.
func pagingError(err error, limit *rateLimit, what string) error {
	pe := &bot.PagingError{Source: "PagerDuty", Err: err}
	var api pd.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &api) && api.RateLimited():
		pe.Reason = "is rate limiting us"
		pe.RetryAfter = limit.get()
		if pe.RetryAfter <= 0 {
			pe.RetryAfter = time.Minute // PagerDuty's limits reset each minute
		}
	case errors.As(err, &api) && api.NotFound():
		pe.Reason = "does not know " + what
		pe.NotFound = true
	case errors.As(err, &api) && (api.StatusCode == http.StatusUnauthorized || api.StatusCode == http.StatusForbidden):
		pe.Reason = fmt.Sprintf("refused our API token (HTTP %d)", api.StatusCode)
	case errors.As(err, &api):
		pe.Reason = fmt.Sprintf("answered HTTP %d", api.StatusCode)
	case errors.Is(err, errTooLarge) || strings.Contains(err.Error(), errTooLarge.Error()): // the library wraps it with %v
		pe.Reason = "sent an answer too large to read"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		pe.Reason = "did not answer in time"
	default:
		pe.Reason = "is unreachable"
	}
	return pe
}

// rateLimit carries a 429's Retry-After from the transport to the caller.
type rateLimit struct {
	mu sync.Mutex
	d  time.Duration
}

func (r *rateLimit) set(d time.Duration) { r.mu.Lock(); r.d = d; r.mu.Unlock() }
func (r *rateLimit) get() time.Duration  { r.mu.Lock(); defer r.mu.Unlock(); return r.d }

type limitKey struct{}

func withLimit(ctx context.Context) (context.Context, *rateLimit) {
	l := &rateLimit{}
	return context.WithValue(ctx, limitKey{}, l), l
}

// retryTransport waits out a short Retry-After once and retries; a longer
// one is recorded for the caller and the 429 returned.
type retryTransport struct {
	next    http.RoundTripper
	maxWait time.Duration
}

// MaxBody bounds a PagerDuty answer: the client library reads a body
// whole (io.ReadAll), and a page of 100 on-calls with users is well under
// a megabyte.
const MaxBody = 8 << 20

// errTooLarge is an answer longer than MaxBody.
var errTooLarge = fmt.Errorf("answer longer than %d bytes", MaxBody)

// RoundTrip implements http.RoundTripper; every body it returns ends in
// errTooLarge past MaxBody.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.roundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &boundedBody{rc: resp.Body, left: MaxBody}
	}
	return resp, err
}

// boundedBody reads at most left bytes, then fails with errTooLarge.
type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more says whether the body ends here.
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

func (t *retryTransport) roundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	wait := RetryAfter(resp.Header, time.Now())
	if resp.Header.Get("Retry-After") != "" && wait <= t.maxWait && req.Body == nil {
		resp.Body.Close()
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		resp, err = t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		wait = RetryAfter(resp.Header, time.Now())
	}
	if l, ok := req.Context().Value(limitKey{}).(*rateLimit); ok {
		l.set(wait)
	}
	return resp, nil
}

// RetryAfter reads a Retry-After header: seconds or an HTTP date (0 when absent).
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
