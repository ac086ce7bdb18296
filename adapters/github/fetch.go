package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// conditional is an ETag cache in front of GET: an unchanged resource costs
// a 304 (which GitHub does not count against the rate limit) and is answered
// from the cached body.
type conditional struct {
	client *Client
	// MaxRateWait bounds how long a GET waits for a primary rate limit to
	// reset when the transport has given up.
	maxRateWait time.Duration

	// disk, when set, keeps the entries across processes (the client's
	// DiskCache).
	disk *DiskCache

	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	etag string
	body []byte
	link string
}

type fetched struct {
	status      int
	body        []byte
	link        string
	notModified bool
}

// apiError is a non-2xx answer from GitHub, with GitHub's message.
type apiError struct {
	Status  int
	URL     string
	Message string
	// Reset is when an exhausted primary rate limit resets (zero otherwise).
	Reset time.Time
}

// ErrNoSuchOwner is wrapped by a source's error when its organisation (or
// user) does not exist, or is not visible to the credentials.
var ErrNoSuchOwner = errors.New("no such organisation or user")

// ErrorStatus returns the HTTP status and GitHub's message of a failed
// call err wraps.
func ErrorStatus(err error) (status int, message string, ok bool) {
	var e *apiError
	if !errors.As(err, &e) {
		return 0, "", false
	}
	return e.Status, e.Message, true
}

// RateLimitReset returns when the exhausted primary rate limit that failed
// err resets.
func RateLimitReset(err error) (time.Time, bool) {
	var e *apiError
	if !errors.As(err, &e) || e.Reset.IsZero() {
		return time.Time{}, false
	}
	return e.Reset, true
}

func (e *apiError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, e.Message)
}

func newConditional(c *Client) *conditional {
	g := &conditional{client: c, maxRateWait: time.Hour, entries: map[string]cached{}}
	if c != nil { // nil: a spec checked without a client
		g.disk = c.cache
	}
	return g
}

// missingPrefix marks a kept 404 or 409 answer: its "etag" is the prefix
// and the status (a real ETag is quoted, so never starts with it).
const missingPrefix = "missing:"

func missingStatus(c cached) (int, bool) {
	v, ok := strings.CutPrefix(c.etag, missingPrefix)
	if !ok {
		return 0, false
	}
	st, err := strconv.Atoi(v)
	return st, err == nil
}

type cacheOnlyKey struct{}

// withCacheOnly marks ctx: answers the cache holds are taken without a
// request (the repository is known unchanged); others are fetched.
func withCacheOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheOnlyKey{}, true)
}

// get fetches an API path. 404 and 409 are answers (status set, no error);
// other failures are errors.
func (g *conditional) get(ctx context.Context, p string, q url.Values) (fetched, error) {
	return g.getURL(ctx, g.client.url(p, q))
}

func (g *conditional) getURL(ctx context.Context, u string) (fetched, error) {
	waited := time.Duration(0)
	for {
		f, retryIn, err := g.once(ctx, u)
		if err == nil || retryIn <= 0 || waited+retryIn > g.maxRateWait {
			return f, err
		}
		if serr := sleep(ctx, retryIn); serr != nil {
			return fetched{}, fmt.Errorf("waiting for the GitHub rate limit to reset: %w", serr)
		}
		waited += retryIn
	}
}

func (g *conditional) once(ctx context.Context, u string) (fetched, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fetched{}, 0, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	g.mu.Lock()
	c, have := g.entries[u]
	g.mu.Unlock()
	if !have && g.disk != nil {
		c, have = g.disk.load(u)
	}
	if have && ctx.Value(cacheOnlyKey{}) != nil {
		if st, ok := missingStatus(c); ok {
			return fetched{status: st, body: c.body}, 0, nil
		}
		return fetched{status: 200, body: c.body, link: c.link, notModified: true}, 0, nil
	}
	if _, ok := missingStatus(c); ok {
		have = false // an answer kept for cache-only reads: nothing to revalidate
	}
	if have && c.etag != "" {
		req.Header.Set("If-None-Match", c.etag)
	}
	resp, err := g.client.HTTP.Do(req)
	if err != nil {
		return fetched{}, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fetched{}, 0, fmt.Errorf("GET %s: %w", u, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && have:
		g.mu.Lock()
		g.entries[u] = c
		g.mu.Unlock()
		return fetched{status: 200, body: c.body, link: c.link, notModified: true}, 0, nil
	case resp.StatusCode == http.StatusOK:
		g.mu.Lock()
		et := resp.Header.Get("ETag")
		if et != "" {
			g.entries[u] = cached{etag: et, body: body, link: resp.Header.Get("Link")}
		} else {
			delete(g.entries, u)
		}
		g.mu.Unlock()
		if g.disk != nil {
			if et != "" {
				g.disk.store(u, cached{etag: et, body: body, link: resp.Header.Get("Link")})
			} else {
				g.disk.remove(u)
			}
		}
		return fetched{status: 200, body: body, link: resp.Header.Get("Link")}, 0, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusConflict:
		g.mu.Lock()
		delete(g.entries, u)
		g.mu.Unlock()
		if g.disk != nil {
			// GitHub sends no ETag with a 404 or 409: kept for reads of a
			// repository known unchanged only (withCacheOnly).
			g.disk.store(u, cached{etag: missingPrefix + strconv.Itoa(resp.StatusCode), body: body})
		}
		return fetched{status: resp.StatusCode, body: body}, 0, nil
	}
	e := &apiError{Status: resp.StatusCode, URL: u, Message: githubMessage(body)}
	if (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) && resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			e.Reset = time.Unix(s, 0)
			return fetched{}, max(0, time.Until(e.Reset)) + time.Second, e
		}
	}
	return fetched{}, 0, e
}

// forget drops cached answers whose URL contains part.
func (g *conditional) forget(part string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for u := range g.entries {
		if strings.Contains(u, part) {
			delete(g.entries, u)
		}
	}
}

func githubMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return m.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// nextLink returns the rel="next" URL of a Link header.
func nextLink(link string) string {
	for _, part := range strings.Split(link, ",") {
		segs := strings.Split(part, ";")
		if len(segs) < 2 {
			continue
		}
		u := strings.Trim(strings.TrimSpace(segs[0]), "<>")
		for _, s := range segs[1:] {
			if strings.TrimSpace(s) == `rel="next"` {
				return u
			}
		}
	}
	return ""
}
