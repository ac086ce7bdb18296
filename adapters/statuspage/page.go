package statuspage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths the page serves.
const (
	PathPage   = "/status"
	PathJSON   = "/status.json"
	PathLogin  = "/status/login"
	PathLogout = "/status/logout"
)

// CookieName is the session cookie the login form sets.
const CookieName = "callboard_status"

// sessionLife is how long a login lasts.
const sessionLife = 12 * time.Hour

// Options configure the page.
type Options struct {
	// Token is required: without one there is no page (New fails).
	Token string
	// Report builds what the page shows, at each request.
	Report func(ctx context.Context) Report
	// Redact cleans every free text of the report (secrets, internal
	// addresses) before it is shown. Nil shows texts as they are.
	Redact func(string) string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Logger receives refused logins (never the token tried).
	Logger *slog.Logger
}

// Page is the status page's http.Handler.
type Page struct {
	o   Options
	key []byte // HMAC key of session cookies, derived from the token

	mu    sync.Mutex
	fails []time.Time // refused logins within the last failWindow
}

// At most maxFails wrong tokens per failWindow are checked (per process):
// guessing is slowed to a crawl, while a person who mistypes is not locked
// out for long.
const (
	maxFails   = 10
	failWindow = time.Minute
)

//go:embed page.html
var files embed.FS

var tmpl = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"ago":      ago,
	"when":     func(t time.Time) string { return stamp(t) },
	"dur":      dur,
	"states":   states,
	"problems": func(n int) string { return plural(n, "problem", "problems") },
}).ParseFS(files, "page.html"))

// MinTokenLength is the shortest status token New accepts.
const MinTokenLength = 16

// New returns the page, or an error when no token is configured.
func New(o Options) (*Page, error) {
	if strings.TrimSpace(o.Token) == "" {
		return nil, errors.New("status page: no token configured (CALLBOARD_STATUS_TOKEN or status.token_file)")
	}
	if n := len(strings.TrimSpace(o.Token)); n < MinTokenLength {
		// The page is reachable wherever serve is: a short token could be
		// guessed. Never say what the token is, only how long it must be.
		return nil, fmt.Errorf("status page: the token (CALLBOARD_STATUS_TOKEN or status.token_file) has %d characters; use at least %d, random (openssl rand -hex 16)", n, MinTokenLength)
	}
	if o.Report == nil {
		return nil, errors.New("status page: no report")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	mac := hmac.New(sha256.New, []byte(o.Token))
	mac.Write([]byte("callboard status page session key v1"))
	return &Page{o: o, key: mac.Sum(nil)}, nil
}

// Register adds the page's routes to mux.
func (p *Page) Register(mux *http.ServeMux) {
	mux.Handle("GET "+PathPage, p)
	mux.Handle("GET "+PathJSON, p)
	mux.Handle("POST "+PathLogin, p)
	mux.Handle("POST "+PathLogout, p)
}

func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == PathLogin:
		p.login(w, r)
	case r.Method == http.MethodPost && r.URL.Path == PathLogout:
		http.SetCookie(w, p.cookie(r, "", -1))
		http.Redirect(w, r, PathPage, http.StatusSeeOther)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case r.URL.Path == PathJSON:
		if !p.authorized(r) {
			h.Set("WWW-Authenticate", `Bearer realm="callboard status"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "send the status token as Authorization: Bearer TOKEN"})
			return
		}
		writeJSON(w, http.StatusOK, p.report(r.Context()))
	case r.URL.Path == PathPage:
		if !p.authorized(r) {
			// The login page itself is a page like any other (200), so a
			// browser logs no failed load; the data stays behind the token.
			p.render(w, http.StatusOK, view{Login: true})
			return
		}
		rep := p.report(r.Context())
		hidden := 0
		rep.Problems, hidden = capProblems(rep.Problems, maxShownProblems)
		p.render(w, http.StatusOK, view{Report: &rep, HiddenProblems: hidden})
	default:
		http.NotFound(w, r)
	}
}

func (p *Page) report(ctx context.Context) Report {
	rep := p.o.Report(ctx).redacted(p.o.Redact)
	if rep.Generated.IsZero() {
		rep.Generated = p.o.Now()
	}
	return rep
}

// view is what the template renders: the login form or the report.
type view struct {
	Login  bool
	Failed bool
	Report *Report
	// HiddenProblems is how many problems the page leaves to /status.json.
	HiddenProblems int
}

// maxShownProblems bounds the problems the HTML page lists (a large broken
// catalog has thousands); /status.json has them all.
const maxShownProblems = 500

// capProblems keeps the first max problems, in file order, and says how
// many it left out.
func capProblems(files []FileProblems, max int) ([]FileProblems, int) {
	var out []FileProblems
	shown, hidden := 0, 0
	for _, f := range files {
		switch {
		case shown >= max:
			hidden += len(f.Problems)
		case shown+len(f.Problems) > max:
			keep := max - shown
			hidden += len(f.Problems) - keep
			f.Problems = f.Problems[:keep]
			out = append(out, f)
			shown = max
		default:
			out = append(out, f)
			shown += len(f.Problems)
		}
	}
	return out, hidden
}

func (p *Page) render(w http.ResponseWriter, code int, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	if err := tmpl.Execute(&b, v); err != nil {
		p.o.Logger.Error("status page: template failed", "err", err)
		http.Error(w, "the status page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// authorized: a bearer token equal to the configured one, or a valid
// session cookie. Both compare in constant time.
func (p *Page) authorized(r *http.Request) bool {
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		// Wrong bearer tokens count against the same limit as the login
		// form's: neither door allows more guesses than the other.
		if p.tooManyFails() {
			return false
		}
		if p.tokenMatches(strings.TrimSpace(auth)) {
			return true
		}
		p.failed()
		p.o.Logger.Warn("status page: request refused: wrong bearer token")
		return false
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return false
	}
	exp, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || p.o.Now().Unix() > n {
		return false
	}
	want := p.sign(exp)
	return subtle.ConstantTimeCompare([]byte(sig), []byte(want)) == 1
}

// tokenMatches compares hashes, so neither the content nor the length of
// the token leaks through timing.
func (p *Page) tokenMatches(got string) bool {
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(p.o.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (p *Page) sign(exp string) string {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte("session:" + exp))
	return hex.EncodeToString(mac.Sum(nil))
}

func (p *Page) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if p.tooManyFails() {
		w.Header().Set("Retry-After", strconv.Itoa(int(failWindow/time.Second)))
		http.Error(w, "Too many wrong tokens were tried; wait a minute and try again.", http.StatusTooManyRequests)
		return
	}
	if !p.tokenMatches(strings.TrimSpace(r.PostForm.Get("token"))) {
		p.failed()
		p.o.Logger.Warn("status page: login refused: wrong token")
		p.render(w, http.StatusUnauthorized, view{Login: true, Failed: true})
		return
	}
	exp := strconv.FormatInt(p.o.Now().Add(sessionLife).Unix(), 10)
	http.SetCookie(w, p.cookie(r, exp+"."+p.sign(exp), int(sessionLife/time.Second)))
	http.Redirect(w, r, PathPage, http.StatusSeeOther)
}

func (p *Page) recentFails() []time.Time {
	cut := p.o.Now().Add(-failWindow)
	i := 0
	for i < len(p.fails) && p.fails[i].Before(cut) {
		i++
	}
	p.fails = p.fails[i:]
	return p.fails
}

func (p *Page) tooManyFails() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.recentFails()) >= maxFails
}

func (p *Page) failed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails = append(p.recentFails(), p.o.Now())
}

func (p *Page) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago is "3m ago" for t relative to the report's time.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

type stateCount struct {
	State string
	N     int
}

// states orders job states as a job moves through them.
func states(m map[string]int) []stateCount {
	rank := map[string]int{"queued": 0, "running": 1, "waiting": 2, "succeeded": 3, "failed": 4}
	var out []stateCount
	for s, n := range m {
		out = append(out, stateCount{s, n})
	}
	sort.Slice(out, func(i, j int) bool {
		ri, ok := rank[out[i].State]
		if !ok {
			ri = 9
		}
		rj, ok := rank[out[j].State]
		if !ok {
			rj = 9
		}
		if ri != rj {
			return ri < rj
		}
		return out[i].State < out[j].State
	})
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
