package statuspage

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testToken = "s3cret-status-token-0123456789"

var clock = time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)

func sampleReport() Report {
	return Report{
		Generated: clock, Replica: "callboard-0", Entities: 78,
		Sources: []Source{
			{Name: "files", LastRefresh: clock.Add(-2 * time.Minute), Duration: 140 * time.Millisecond, OK: true, Entities: 70},
			{Name: "github:tallybird", LastRefresh: clock.Add(-time.Hour), Duration: 3 * time.Second, Error: "GET https://api.github.com/orgs/tallybird/repos: 401 Bad credentials (token ghp_LEAKED123)", Entities: 8, Problems: 2},
		},
		Problems: GroupProblems([]RawProblem{
			{File: "github.com/tallybird/ledger/catalog-info.yaml", Line: 12, Col: 3, Severity: "error", Message: "spec.owner: <script>alert(1)</script> is not a valid reference"},
			{File: "org/users.yaml", Line: 4, Severity: "warning", Message: "spec.memberOf: group:default/ghost does not exist"},
			{File: "github.com/tallybird/ledger/catalog-info.yaml", Line: 3, Severity: "warning", Message: "metadata.description is empty"},
		}),
		ProblemCount: 3,
		Leader:       "callboard-1",
		Replicas:     []Replica{{ID: "callboard-0", Version: 7, Entities: 78, Self: true, Seen: clock}, {ID: "callboard-1", Version: 7, Leader: true, Seen: clock.Add(-5 * time.Second)}},
		Docs:         Docs{Sites: 3, Pages: 17, Built: clock.Add(-10 * time.Minute)},
		Jobs: Jobs{ByState: map[string]int{"succeeded": 4, "failed": 1, "running": 1}, Listed: 6,
			Failed: []FailedJob{{ID: "job-9", Template: "template:default/go-service", Created: clock.Add(-3 * time.Hour), Error: "publish:github: repository tallybird/ledger-export exists"}}},
		GitHub: &RateLimit{Resource: "core", Remaining: 4711, Limit: 5000, Reset: clock.Add(30 * time.Minute)},
		Redis:  "ok",
	}
}

func newPage(t *testing.T) *httptest.Server {
	t.Helper()
	p, err := New(Options{Token: testToken, Report: func(context.Context) Report { return sampleReport() },
		Redact: func(s string) string { return strings.ReplaceAll(s, "ghp_LEAKED123", "[redacted]") },
		Now:    func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, u string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestNoTokenNoPage(t *testing.T) {
	if _, err := New(Options{Report: func(context.Context) Report { return Report{} }}); err == nil || !strings.Contains(err.Error(), "CALLBOARD_STATUS_TOKEN") {
		t.Fatalf("err = %v", err)
	}
}

func TestBearerTokenGuardsBothPages(t *testing.T) {
	srv := newPage(t)
	c := srv.Client()
	for _, c0 := range []struct {
		path, auth string
		code       int
		has        string
	}{
		{PathPage, "", 200, `name="token"`},
		{PathPage, "Bearer wrong", 200, `name="token"`},
		{PathJSON, "", 401, "Authorization: Bearer"},
		{PathJSON, "Bearer wrong", 401, ""},
		{PathJSON, "Bearer " + testToken + "x", 401, ""},
		{PathPage, "Bearer " + testToken, 200, "github:tallybird"},
		{PathJSON, "Bearer " + testToken, 200, `"leader": "callboard-1"`},
	} {
		hdr := map[string]string{}
		if c0.auth != "" {
			hdr["Authorization"] = c0.auth
		}
		resp, body := get(t, c, srv.URL+c0.path, hdr)
		if resp.StatusCode != c0.code || !strings.Contains(body, c0.has) {
			t.Errorf("%s with %q: %d, want %d with %q:\n%.300s", c0.path, c0.auth, resp.StatusCode, c0.code, c0.has, body)
		}
		if strings.Contains(body, "ghp_LEAKED123") || (!strings.Contains(c0.auth, testToken) && strings.Contains(body, "tallybird")) {
			t.Errorf("%s with %q shows what it must not:\n%s", c0.path, c0.auth, body)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: headers %v", c0.path, resp.Header)
		}
	}
}

func TestLoginFormSetsASessionCookieThatIsNotTheToken(t *testing.T) {
	srv := newPage(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(srv.URL+PathLogin, url.Values{"token": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(b), "That token is not right") {
		t.Fatalf("wrong token: %d %s", resp.StatusCode, b)
	}
	// Without following the redirect, to see the cookie as set.
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = nc.PostForm(srv.URL+PathLogin, url.Values{"token": {testToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != PathPage {
		t.Fatalf("login: %d %v", resp.StatusCode, resp.Header)
	}
	set := resp.Header.Get("Set-Cookie")
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Strict") || strings.Contains(set, testToken) {
		t.Fatalf("cookie %q", set)
	}
	cookie := resp.Cookies()[0]
	for name, c0 := range map[string]struct {
		value string
		code  int
	}{
		"as set":       {cookie.Value, 200},
		"tampered":     {cookie.Value[:len(cookie.Value)-1] + "0", 401},
		"other expiry": {"9999999999" + cookie.Value[strings.Index(cookie.Value, "."):], 401},
		"the token":    {testToken, 401},
	} {
		if c0.value == cookie.Value && name == "tampered" && strings.HasSuffix(cookie.Value, "0") {
			c0.value = cookie.Value[:len(cookie.Value)-1] + "1"
		}
		resp, body := get(t, srv.Client(), srv.URL+PathJSON, map[string]string{"Cookie": CookieName + "=" + c0.value})
		if resp.StatusCode != c0.code {
			t.Errorf("cookie %s: %d, want %d: %.200s", name, resp.StatusCode, c0.code, body)
		}
	}
	// The jar follows the redirect like a browser: the page shows.
	resp, err = c.PostForm(srv.URL+PathLogin, url.Values{"token": {testToken}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Catalog sources") {
		t.Fatalf("after login: %d %.300s", resp.StatusCode, b)
	}
}

func TestSessionExpires(t *testing.T) {
	now := clock
	p, _ := New(Options{Token: testToken, Report: func(context.Context) Report { return sampleReport() }, Now: func() time.Time { return now }})
	req := httptest.NewRequest(http.MethodPost, PathLogin, strings.NewReader("token="+testToken))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	p.ServeHTTP(w, req)
	cookie := w.Result().Cookies()[0]
	check := func() int {
		r := httptest.NewRequest(http.MethodGet, PathJSON, nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		return w.Code
	}
	if c := check(); c != 200 {
		t.Fatalf("fresh session: %d", c)
	}
	now = now.Add(sessionLife + time.Minute)
	if c := check(); c != 401 {
		t.Fatalf("expired session: %d", c)
	}
}

func TestPageShowsTheReportEscapedAndRedacted(t *testing.T) {
	srv := newPage(t)
	auth := map[string]string{"Authorization": "Bearer " + testToken}
	_, html := get(t, srv.Client(), srv.URL+PathPage, auth)
	for _, want := range []string{
		"78 entities", "reachable", "4711 / 5000 left", "3 sites, 17 pages",
		"github:tallybird", "failed", "[redacted]", "140ms", "3s",
		`<a href="https://github.com/tallybird/ledger/blob/HEAD/catalog-info.yaml" rel="noreferrer">github.com/tallybird/ledger/catalog-info.yaml</a>`,
		`href="https://github.com/tallybird/ledger/blob/HEAD/catalog-info.yaml#L12"`, "github.com/tallybird/ledger/catalog-info.yaml:12:3",
		"org/users.yaml:4", "&lt;script&gt;alert(1)&lt;/script&gt;",
		"Ingest leader: <code>callboard-1</code>", "(this one)",
		"4 succeeded", "1 failed", "1 running", "job-9", "repository tallybird/ledger-export exists",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "ghp_LEAKED123") {
		t.Error("page carries a script or a secret")
	}
	// Problems in line order within their file, files in name order.
	if strings.Index(html, "catalog-info.yaml:3") > strings.Index(html, "catalog-info.yaml:12:3") || strings.Index(html, "github.com/tallybird") > strings.Index(html, "org/users.yaml") {
		t.Error("problems out of order")
	}
	_, js := get(t, srv.Client(), srv.URL+PathJSON, auth)
	var rep Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Entities != 78 || len(rep.Sources) != 2 || rep.Sources[1].Error == "" || strings.Contains(js, "ghp_LEAKED123") || rep.GitHub.Remaining != 4711 || len(rep.Problems) != 2 {
		t.Errorf("json: %s", js)
	}
}

func TestGitHubLinksOnlyForGitHubFiles(t *testing.T) {
	for file, want := range map[string]string{
		"github.com/acme/web/catalog-info.yaml":       "https://github.com/acme/web/blob/HEAD/catalog-info.yaml",
		"github.com/acme/web/docs/a b.yaml":           "https://github.com/acme/web/blob/HEAD/docs/a%20b.yaml",
		"github.com/acme/web":                         "https://github.com/acme/web",
		"ghe.acme.example/acme/web/catalog-info.yaml": "https://ghe.acme.example/acme/web/blob/HEAD/catalog-info.yaml",
		"gitlab.example/acme/web/catalog-info.yaml":   "",
		"org/users.yaml":                              "",
		"/srv/catalog/org/users.yaml":                 "",
	} {
		if got := gitHubURL(file, []string{"ghe.acme.example"}); got != want {
			t.Errorf("gitHubURL(%q) = %q, want %q", file, got, want)
		}
	}
}

func TestGuessingTheTokenIsSlowedDown(t *testing.T) {
	now := clock
	p, _ := New(Options{Token: testToken, Report: func(context.Context) Report { return sampleReport() }, Now: func() time.Time { return now }})
	login := func(token string) int {
		req := httptest.NewRequest(http.MethodPost, PathLogin, strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		return w.Code
	}
	for i := range maxFails {
		if c := login("guess"); c != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, c)
		}
	}
	if c := login(testToken); c != http.StatusTooManyRequests {
		t.Fatalf("after %d wrong tokens the right one was checked: %d", maxFails, c)
	}
	now = now.Add(failWindow + time.Second)
	if c := login(testToken); c != http.StatusSeeOther {
		t.Fatalf("a minute later: %d", c)
	}
	// The bearer header is the same door: its wrong guesses count too.
	bearer := func(token string) int {
		req := httptest.NewRequest(http.MethodGet, PathJSON, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		return w.Code
	}
	now = now.Add(failWindow + time.Second)
	for range maxFails {
		bearer("guess")
	}
	if c := bearer(testToken); c != http.StatusUnauthorized {
		t.Fatalf("after %d wrong bearer tokens the right one was checked: %d", maxFails, c)
	}
	if c := login(testToken); c != http.StatusTooManyRequests {
		t.Fatalf("wrong bearer tokens did not count for the form: %d", c)
	}
}

// A short token could be guessed: the page refuses to start with one,
// saying how long it must be and never what it is.
func TestShortTokenIsRefused(t *testing.T) {
	_, err := New(Options{Token: "hunter2", Report: func(context.Context) Report { return Report{} }})
	if err == nil || !strings.Contains(err.Error(), "has 7 characters; use at least 16") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkPage renders the page of a report with 1,000 problems in 100
// files (it lists the first 500 and leaves the rest to /status.json).
// go test ./adapters/statuspage -run '^$' -bench Page
func BenchmarkPage(b *testing.B) {
	rep := sampleReport()
	var raw []RawProblem
	for i := range 1000 {
		raw = append(raw, RawProblem{File: "github.com/acme/repo-" + strconv.Itoa(i%100) + "/catalog-info.yaml", Line: i, Severity: "warning", Message: "spec.owner: group:default/ghost does not exist"})
	}
	rep.Problems, rep.ProblemCount = GroupProblems(raw), len(raw)
	p, _ := New(Options{Token: testToken, Report: func(context.Context) Report { return rep }})
	req := httptest.NewRequest(http.MethodGet, PathPage, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	w := httptest.NewRecorder()
	p.ServeHTTP(w, req)
	if !strings.Contains(w.Body.String(), "…and 500 more: ") {
		b.Fatal("the page does not cap its problems")
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func TestPageListsAtMostItsShareOfProblems(t *testing.T) {
	files := []FileProblems{{File: "a", Problems: make([]Problem, 3)}, {File: "b", Problems: make([]Problem, 4)}, {File: "c", Problems: make([]Problem, 2)}}
	for max, want := range map[int]string{9: "[a:3 b:4 c:2] 0", 5: "[a:3 b:2] 4", 3: "[a:3] 6", 0: "[] 9"} {
		out, hidden := capProblems(files, max)
		var got []string
		for _, f := range out {
			got = append(got, f.File+":"+strconv.Itoa(len(f.Problems)))
		}
		if s := "[" + strings.Join(got, " ") + "] " + strconv.Itoa(hidden); s != want {
			t.Errorf("cap %d = %s, want %s", max, s, want)
		}
	}
	if len(files[1].Problems) != 4 {
		t.Error("capping changed the report")
	}
}
