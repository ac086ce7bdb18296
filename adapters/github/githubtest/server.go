package githubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultToken is the token every new Server accepts.
const DefaultToken = "test-token"

// DefaultUser is the login of the authenticated user.
const DefaultUser = "callboard-bot"

// Server is a fake GitHub. Create one with New; it is closed when the test ends.
type Server struct {
	// URL is the API root without a trailing slash (go-github wants URL+"/").
	URL string
	// HTMLBase is the web root used in html_url fields.
	HTMLBase string

	srv *httptest.Server

	mu          sync.Mutex
	user        string
	tokens      map[string]time.Time // token -> expiry (zero: never)
	orgs        map[string]bool      // lower-case org login
	repos       map[string]*repo     // lower-case "owner/name"
	calls       map[string]int
	requests    int
	notModified int
	faults      []*fault
	limit       int
	remaining   int
	reset       time.Time
	window      time.Duration
	nextID      int64
	seq         int64
	app         *appConfig
	issued      int
	now         func() time.Time
}

type repo struct {
	id            int64
	owner, name   string
	description   string
	visibility    string
	defaultBranch string
	archived      bool
	topics        []string
	created       time.Time
	pushed        time.Time
	blobs         map[string][]byte
	trees         map[string]map[string]treeEntry // sha -> path -> entry (flat, files only)
	commits       map[string]*commitObj
	refs          map[string]string // "heads/main" -> commit sha
	pulls         []*pull
	executable    map[string]bool // paths seeded with mode 100755
}

type treeEntry struct {
	mode string
	sha  string
}

type commitObj struct {
	sha     string
	message string
	tree    string
	parents []string
	when    time.Time
}

type pull struct {
	number      int
	title, body string
	head, base  string
	state       string
	draft       bool
}

// Commit is a commit as tests see it.
type Commit struct {
	SHA     string
	Message string
	Parents []string
}

// PullRequest is a pull request as tests see it.
type PullRequest struct {
	Number int
	Title  string
	Body   string
	Head   string
	Base   string
	State  string
	Draft  bool
}

// New starts a fake GitHub that accepts DefaultToken, authenticates as
// DefaultUser and allows 5000 requests an hour.
func New(t testing.TB) *Server {
	s := &Server{
		HTMLBase: "https://github.com",
		user:     DefaultUser,
		tokens:   map[string]time.Time{DefaultToken: {}},
		orgs:     map[string]bool{},
		repos:    map[string]*repo{},
		calls:    map[string]int{},
		limit:    5000,
		window:   time.Hour,
		now:      time.Now,
	}
	s.remaining = s.limit
	s.reset = s.now().Add(s.window)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddToken makes token valid.
func (s *Server) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = time.Time{}
}

// SetUser sets the authenticated user's login.
func (s *Server) SetUser(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = login
}

// SetRateLimit sets the primary rate limit: limit requests per window,
// starting a fresh window now.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.remaining, s.window = limit, limit, window
	s.reset = s.now().Add(window)
}

// AddOrg creates an organisation with no repositories.
func (s *Server) AddOrg(org string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgs[strings.ToLower(org)] = true
}

// RepoOption adjusts a seeded repository.
type RepoOption func(*repo)

// Archived marks a seeded repository archived.
func Archived() RepoOption { return func(r *repo) { r.archived = true } }

// Topics sets a seeded repository's topics.
func Topics(t ...string) RepoOption { return func(r *repo) { r.topics = append([]string(nil), t...) } }

// DefaultBranch sets a seeded repository's default branch (default "main").
func DefaultBranch(b string) RepoOption { return func(r *repo) { r.defaultBranch = b } }

// Executable seeds these paths with git mode 100755 (scripts).
func Executable(paths ...string) RepoOption {
	return func(r *repo) {
		if r.executable == nil {
			r.executable = map[string]bool{}
		}
		for _, p := range paths {
			r.executable[p] = true
		}
	}
}

// Private makes a seeded repository private.
func Private() RepoOption { return func(r *repo) { r.visibility = "private" } }

// AddRepo seeds a repository. With files it has one commit holding them on
// its default branch; with no files it is empty. An owner other than the
// authenticated user becomes an organisation.
func (s *Server) AddRepo(owner, name string, files map[string]string, opts ...RepoOption) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.EqualFold(owner, s.user) {
		s.orgs[strings.ToLower(owner)] = true
	}
	r := s.newRepo(owner, name)
	for _, o := range opts {
		o(r)
	}
	if len(files) > 0 {
		s.pushLocked(r, r.defaultBranch, files, nil, "Initial commit")
	}
	s.repos[key(owner, name)] = r
}

// Push writes files (path -> content) and removes paths as one new commit on
// branch (created when missing) and returns its SHA.
func (s *Server) Push(owner, name, branch string, files map[string]string, remove []string) string {
	return s.PushCommit(owner, name, branch, "Update files", files, remove)
}

// PushCommit is Push with a commit message.
func (s *Server) PushCommit(owner, name, branch, message string, files map[string]string, remove []string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[key(owner, name)]
	if r == nil {
		panic("githubtest: no repository " + owner + "/" + name)
	}
	if branch == "" {
		branch = r.defaultBranch
	}
	return s.pushLocked(r, branch, files, remove, message)
}

// SetArchived archives or unarchives a repository.
func (s *Server) SetArchived(owner, name string, archived bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[key(owner, name)]; r != nil {
		r.archived = archived
	}
}

// DeleteRepo removes a repository.
func (s *Server) DeleteRepo(owner, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.repos, key(owner, name))
}

// RenameRepo renames a repository.
func (s *Server) RenameRepo(owner, from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[key(owner, from)]
	if r == nil {
		return
	}
	delete(s.repos, key(owner, from))
	r.name = to
	s.repos[key(owner, to)] = r
}

func (s *Server) newRepo(owner, name string) *repo {
	s.nextID++
	now := s.now().UTC()
	return &repo{
		id: s.nextID, owner: owner, name: name, visibility: "public", defaultBranch: "main",
		created: now, pushed: now,
		blobs: map[string][]byte{}, trees: map[string]map[string]treeEntry{},
		commits: map[string]*commitObj{}, refs: map[string]string{},
	}
}

func (s *Server) pushLocked(r *repo, branch string, files map[string]string, remove []string, msg string) string {
	base := map[string]treeEntry{}
	var parents []string
	if head, ok := r.refs["heads/"+branch]; ok {
		parents = []string{head}
		for p, e := range r.trees[r.commits[head].tree] {
			base[p] = e
		}
	} else if len(r.refs) > 0 {
		// A new branch starts from the default branch.
		if head, ok := r.refs["heads/"+r.defaultBranch]; ok {
			parents = []string{head}
			for p, e := range r.trees[r.commits[head].tree] {
				base[p] = e
			}
		}
	}
	for p, c := range files {
		mode := "100644"
		if r.executable[p] {
			mode = "100755"
		}
		base[p] = treeEntry{mode: mode, sha: r.putBlob([]byte(c))}
	}
	for _, p := range remove {
		delete(base, p)
	}
	if len(r.refs) == 0 {
		r.defaultBranch = branch
	}
	c := s.newCommit(r, msg, r.putTree(base), parents)
	r.refs["heads/"+branch] = c.sha
	r.pushed = s.now().UTC()
	return c.sha
}

func (r *repo) empty() bool { return len(r.refs) == 0 }

func (r *repo) putBlob(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	sha := hex.EncodeToString(h.Sum(nil))
	r.blobs[sha] = data
	return sha
}

func (r *repo) putTree(entries map[string]treeEntry) string {
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha1.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s %s %s\n", entries[p].mode, p, entries[p].sha)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	r.trees[sha] = entries
	return sha
}

func (s *Server) newCommit(r *repo, msg, tree string, parents []string) *commitObj {
	s.seq++
	h := sha1.New()
	fmt.Fprintf(h, "tree %s\nparents %v\nseq %d\n\n%s", tree, parents, s.seq, msg)
	c := &commitObj{sha: hex.EncodeToString(h.Sum(nil)), message: msg, tree: tree, parents: parents, when: s.now().UTC()}
	r.commits[c.sha] = c
	return c
}

// resolve turns a branch name, "heads/x", a commit SHA or a tree SHA into a
// commit (nil for a bare tree) and a tree SHA.
func (r *repo) resolve(ref string) (*commitObj, string, bool) {
	ref = strings.TrimPrefix(ref, "refs/")
	ref = strings.TrimPrefix(ref, "heads/")
	if ref == "" || ref == "HEAD" {
		ref = r.defaultBranch
	}
	if sha, ok := r.refs["heads/"+ref]; ok {
		c := r.commits[sha]
		return c, c.tree, true
	}
	if c, ok := r.commits[ref]; ok {
		return c, c.tree, true
	}
	if _, ok := r.trees[ref]; ok {
		return nil, ref, true
	}
	return nil, "", false
}

// RepoView is a repository as tests inspect it.
type RepoView struct {
	s *Server
	r *repo
}

// Repo returns the repository, or nil when there is none.
func (s *Server) Repo(owner, name string) *RepoView {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[key(owner, name)]
	if r == nil {
		return nil
	}
	return &RepoView{s: s, r: r}
}

// Description, Visibility, DefaultBranch, Archived and Topics report the
// repository's settings.
func (v *RepoView) Description() string { v.s.mu.Lock(); defer v.s.mu.Unlock(); return v.r.description }

// Visibility is "public", "private" or "internal".
func (v *RepoView) Visibility() string { v.s.mu.Lock(); defer v.s.mu.Unlock(); return v.r.visibility }

// DefaultBranch is the default branch's name.
func (v *RepoView) DefaultBranch() string {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	return v.r.defaultBranch
}

// Topics are the repository's topics.
func (v *RepoView) Topics() []string {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	return append([]string(nil), v.r.topics...)
}

// Empty reports whether the repository has no commits.
func (v *RepoView) Empty() bool { v.s.mu.Lock(); defer v.s.mu.Unlock(); return v.r.empty() }

// Branches maps branch names to head commit SHAs.
func (v *RepoView) Branches() map[string]string {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	out := map[string]string{}
	for k, sha := range v.r.refs {
		out[strings.TrimPrefix(k, "heads/")] = sha
	}
	return out
}

// Files returns path -> content at ref (a branch or commit SHA; "" for the
// default branch), or nil when ref does not exist.
func (v *RepoView) Files(ref string) map[string]string {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	_, tree, ok := v.r.resolve(ref)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for p, e := range v.r.trees[tree] {
		out[p] = string(v.r.blobs[e.sha])
	}
	return out
}

// Modes returns path -> git file mode at ref.
func (v *RepoView) Modes(ref string) map[string]string {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	_, tree, ok := v.r.resolve(ref)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for p, e := range v.r.trees[tree] {
		out[p] = e.mode
	}
	return out
}

// Commits returns the history of ref following first parents, newest first.
func (v *RepoView) Commits(ref string) []Commit {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	c, _, ok := v.r.resolve(ref)
	if !ok {
		return nil
	}
	var out []Commit
	for c != nil {
		out = append(out, Commit{SHA: c.sha, Message: c.message, Parents: append([]string(nil), c.parents...)})
		if len(c.parents) == 0 {
			break
		}
		c = v.r.commits[c.parents[0]]
	}
	return out
}

// PullRequests returns every pull request, oldest first.
func (v *RepoView) PullRequests() []PullRequest {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	out := make([]PullRequest, 0, len(v.r.pulls))
	for _, p := range v.r.pulls {
		out = append(out, PullRequest{Number: p.number, Title: p.title, Body: p.body, Head: p.head, Base: p.base, State: p.state, Draft: p.draft})
	}
	return out
}

// Calls returns the number of requests served, keyed by "METHOD pattern",
// e.g. "POST /repos/{owner}/{repo}/git/trees". Faults and 304s count.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Requests is the total number of requests served.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

// NotModified is the number of 304 responses served.
func (s *Server) NotModified() int { s.mu.Lock(); defer s.mu.Unlock(); return s.notModified }

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.requests, s.notModified = 0, 0
}

// RateRemaining is what X-RateLimit-Remaining would say now.
func (s *Server) RateRemaining() int { s.mu.Lock(); defer s.mu.Unlock(); return s.remaining }

func key(owner, name string) string { return strings.ToLower(owner + "/" + name) }

// ---- faults ----

// Fault is an injected failure response.
type Fault struct {
	Status     int
	Message    string
	RetryAfter string // Retry-After header; "" for none
	// Exhaust makes the response look like a primary rate limit: remaining 0
	// and reset ResetIn from now.
	Exhaust bool
	ResetIn time.Duration
}

// ServerError is a 500.
func ServerError() Fault { return Fault{Status: 500, Message: "Server Error"} }

// BadGateway is a 502.
func BadGateway() Fault { return Fault{Status: 502, Message: "Bad Gateway"} }

// SecondaryRateLimit is GitHub's 403 for a secondary rate limit.
func SecondaryRateLimit(retryAfter time.Duration) Fault {
	return Fault{Status: 403, RetryAfter: strconv.Itoa(int(retryAfter / time.Second)),
		Message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
}

// TooManyRequests is a 429 with Retry-After.
func TooManyRequests(retryAfter time.Duration) Fault {
	return Fault{Status: 429, RetryAfter: strconv.Itoa(int(retryAfter / time.Second)),
		Message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
}

// PrimaryRateLimit is GitHub's 403 when the hourly budget is spent; it resets after resetIn.
func PrimaryRateLimit(resetIn time.Duration) Fault {
	return Fault{Status: 403, Message: "API rate limit exceeded for user ID 1.", Exhaust: true, ResetIn: resetIn}
}

type fault struct {
	method, pattern string
	left            int
	f               Fault
}

// Fail makes the next n requests matching method ("" any) and pattern ("" any,
// else a pattern as in Calls, e.g. "/repos/{owner}/{repo}/git/trees", or an
// exact path, e.g. "/repos/acme/svc/contents/catalog-info.yaml") fail with f.
func (s *Server) Fail(method, pattern string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, pattern: pattern, left: n, f: f})
}

// ClearFaults drops every pending injected failure.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ---- HTTP ----

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rp *reply) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	rp.status = status
	rp.header.Set("Content-Type", "application/json; charset=utf-8")
	rp.body = b
}

func (rp *reply) err(status int, msg string, doc string, errs ...map[string]any) {
	m := map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest" + doc}
	if len(errs) > 0 {
		m["errors"] = errs
	}
	rp.json(status, m)
}

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	p := strings.TrimPrefix(req.URL.Path, "/api/v3")
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(req.Body)
	rp := &reply{header: http.Header{}}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !now.Before(s.reset) {
		s.remaining = s.limit
		s.reset = now.Add(s.window)
	}
	pattern, h := s.route(req.Method, p)
	s.calls[req.Method+" "+pattern]++
	s.requests++

	switch {
	case h == nil:
		rp.err(404, "Not Found", "")
	case pattern == "/app/installations/{id}/access_tokens":
		h(rp, req, body.Bytes())
	default:
		if ok := s.authorised(req); !ok {
			rp.err(401, "Bad credentials", "")
			break
		}
		if s.remaining <= 0 {
			rp.err(403, "API rate limit exceeded for user ID 1.", "/overview/rate-limits-for-the-rest-api")
			break
		}
		if f := s.takeFault(req.Method, pattern, p); f != nil {
			if f.RetryAfter != "" {
				rp.header.Set("Retry-After", f.RetryAfter)
			}
			if f.Exhaust {
				s.remaining = 0
				s.reset = now.Add(f.ResetIn)
			}
			rp.err(f.Status, f.Message, "/overview/rate-limits-for-the-rest-api")
			break
		}
		h(rp, req, body.Bytes())
	}
	if rp.status == 0 {
		rp.status = 200
	}
	if rp.status == http.StatusNotModified {
		s.notModified++
	} else if s.remaining > 0 && pattern != "/app/installations/{id}/access_tokens" {
		s.remaining--
	}
	hd := w.Header()
	for k, v := range rp.header {
		hd[k] = v
	}
	hd.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	hd.Set("X-RateLimit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
	hd.Set("X-RateLimit-Used", strconv.Itoa(s.limit-s.remaining))
	hd.Set("X-RateLimit-Resource", "core")
	hd.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%d", s.requests))
	w.WriteHeader(rp.status)
	if rp.status != http.StatusNotModified {
		_, _ = w.Write(rp.body)
	}
}

func (s *Server) takeFault(method, pattern, path string) *Fault {
	for i, f := range s.faults {
		if (f.method == "" || f.method == method) && (f.pattern == "" || f.pattern == pattern || f.pattern == path) {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			out := f.f
			return &out
		}
	}
	return nil
}

func (s *Server) authorised(req *http.Request) bool {
	a := req.Header.Get("Authorization")
	tok := ""
	switch {
	case strings.HasPrefix(a, "Bearer "):
		tok = strings.TrimPrefix(a, "Bearer ")
	case strings.HasPrefix(a, "token "):
		tok = strings.TrimPrefix(a, "token ")
	default:
		return false
	}
	exp, ok := s.tokens[tok]
	if !ok {
		return false
	}
	return exp.IsZero() || s.now().Before(exp)
}

type handler func(rp *reply, req *http.Request, body []byte)

// route maps a path to its pattern and handler.
func (s *Server) route(method, p string) (string, handler) {
	seg := strings.Split(strings.Trim(p, "/"), "/")
	n := len(seg)
	switch {
	case n == 1 && seg[0] == "user" && method == "GET":
		return "/user", s.getUser
	case n == 2 && seg[0] == "user" && seg[1] == "repos":
		switch method {
		case "POST":
			return "/user/repos", func(rp *reply, req *http.Request, b []byte) { s.createRepo(rp, s.user, b, false) }
		case "GET":
			return "/user/repos", func(rp *reply, req *http.Request, b []byte) { s.listRepos(rp, req, s.user) }
		}
	case n == 3 && seg[0] == "orgs" && seg[2] == "repos":
		org := seg[1]
		switch method {
		case "POST":
			return "/orgs/{org}/repos", func(rp *reply, req *http.Request, b []byte) { s.createRepo(rp, org, b, true) }
		case "GET":
			return "/orgs/{org}/repos", func(rp *reply, req *http.Request, b []byte) {
				if !s.orgs[strings.ToLower(org)] {
					rp.err(404, "Not Found", "/repos/repos#list-organization-repositories")
					return
				}
				s.listRepos(rp, req, org)
			}
		}
	case n == 3 && seg[0] == "users" && seg[2] == "repos" && method == "GET":
		u := seg[1]
		return "/users/{username}/repos", func(rp *reply, req *http.Request, b []byte) {
			// GitHub answers 404 for a user that does not exist: here, one
			// that is not the authenticated user and owns no repository.
			known := strings.EqualFold(u, s.user)
			for _, r := range s.repos {
				known = known || strings.EqualFold(r.owner, u)
			}
			if !known {
				rp.err(404, "Not Found", "/repos/repos#list-repositories-for-a-user")
				return
			}
			s.listRepos(rp, req, u)
		}
	case n == 4 && seg[0] == "app" && seg[1] == "installations" && seg[3] == "access_tokens" && method == "POST":
		id := seg[2]
		return "/app/installations/{id}/access_tokens", func(rp *reply, req *http.Request, b []byte) { s.accessToken(rp, req, id) }
	case n >= 3 && seg[0] == "repos":
		return s.routeRepo(method, seg[1], seg[2], seg[3:])
	}
	return p, nil
}

func (s *Server) routeRepo(method, owner, name string, rest []string) (string, handler) {
	const pre = "/repos/{owner}/{repo}"
	withRepo := func(pattern string, h func(rp *reply, req *http.Request, b []byte, r *repo)) (string, handler) {
		return pre + pattern, func(rp *reply, req *http.Request, b []byte) {
			r := s.repos[key(owner, name)]
			if r == nil {
				rp.err(404, "Not Found", "/repos/repos#get-a-repository")
				return
			}
			h(rp, req, b, r)
		}
	}
	n := len(rest)
	switch {
	case n == 0 && method == "GET":
		return withRepo("", func(rp *reply, req *http.Request, b []byte, r *repo) { s.conditional(rp, req, 200, s.repoJSON(r)) })
	case n == 1 && rest[0] == "topics":
		switch method {
		case "GET":
			return withRepo("/topics", func(rp *reply, req *http.Request, b []byte, r *repo) {
				rp.json(200, map[string]any{"names": nonNil(r.topics)})
			})
		case "PUT":
			return withRepo("/topics", s.putTopics)
		}
	case n >= 2 && rest[0] == "contents":
		switch method {
		case "GET":
			return withRepo("/contents/{path}", s.getContents(strings.Join(rest[1:], "/")))
		case "PUT":
			return withRepo("/contents/{path}", s.putContents(strings.Join(rest[1:], "/")))
		}
	case n == 1 && rest[0] == "contents" && method == "GET":
		return withRepo("/contents/{path}", s.getContents(""))
	case n >= 3 && rest[0] == "git" && (rest[1] == "ref" || rest[1] == "refs") && method == "GET":
		return withRepo("/git/ref/{ref}", s.getRef(strings.Join(rest[2:], "/")))
	case n == 2 && rest[0] == "git" && rest[1] == "refs" && method == "POST":
		return withRepo("/git/refs", s.createRef)
	case n >= 3 && rest[0] == "git" && rest[1] == "refs" && method == "PATCH":
		return withRepo("/git/refs/{ref}", s.updateRef(strings.Join(rest[2:], "/")))
	case n == 2 && rest[0] == "git" && rest[1] == "trees" && method == "POST":
		return withRepo("/git/trees", s.createTree)
	case n >= 3 && rest[0] == "git" && rest[1] == "trees" && method == "GET":
		return withRepo("/git/trees/{sha}", s.getTree(strings.Join(rest[2:], "/")))
	case n == 2 && rest[0] == "git" && rest[1] == "blobs" && method == "POST":
		return withRepo("/git/blobs", s.createBlob)
	case n == 3 && rest[0] == "git" && rest[1] == "blobs" && method == "GET":
		return withRepo("/git/blobs/{sha}", s.getBlob(rest[2])) // blobs.go
	case n == 2 && rest[0] == "git" && rest[1] == "commits" && method == "POST":
		return withRepo("/git/commits", s.createCommit)
	case n == 3 && rest[0] == "git" && rest[1] == "commits" && method == "GET":
		return withRepo("/git/commits/{sha}", s.getCommit(rest[2]))
	case n == 1 && rest[0] == "pulls":
		switch method {
		case "GET":
			return withRepo("/pulls", s.listPulls)
		case "POST":
			return withRepo("/pulls", s.createPull)
		}
	}
	return pre + "/" + strings.Join(rest, "/"), nil
}

// conditional answers v with an ETag, or 304 when If-None-Match matches.
func (s *Server) conditional(rp *reply, req *http.Request, status int, v any) {
	rp.json(status, v)
	sum := sha256.Sum256(rp.body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	rp.header.Set("ETag", etag)
	if inm := req.Header.Get("If-None-Match"); inm != "" && (inm == etag || strings.TrimPrefix(inm, "W/") == etag) {
		rp.status = http.StatusNotModified
		rp.body = nil
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) ownerJSON(login string) map[string]any {
	typ := "User"
	if s.orgs[strings.ToLower(login)] {
		typ = "Organization"
	}
	return map[string]any{"login": login, "type": typ, "url": s.URL + "/users/" + login}
}

func (s *Server) repoJSON(r *repo) map[string]any {
	size := 0
	for _, b := range r.blobs {
		size += len(b)
	}
	return map[string]any{
		"id": r.id, "node_id": fmt.Sprintf("R_%d", r.id), "name": r.name, "full_name": r.owner + "/" + r.name,
		"owner": s.ownerJSON(r.owner), "private": r.visibility != "public", "visibility": r.visibility,
		"html_url": s.HTMLBase + "/" + r.owner + "/" + r.name, "description": r.description,
		"url": s.URL + "/repos/" + r.owner + "/" + r.name, "default_branch": r.defaultBranch,
		"archived": r.archived, "disabled": false, "fork": false, "topics": nonNil(r.topics),
		"size": (size + 1023) / 1024, "created_at": r.created.Format(time.RFC3339),
		"updated_at": r.pushed.Format(time.RFC3339), "pushed_at": r.pushed.Format(time.RFC3339),
		"clone_url": s.HTMLBase + "/" + r.owner + "/" + r.name + ".git",
	}
}

func (s *Server) getUser(rp *reply, req *http.Request, b []byte) {
	if strings.Contains(req.Header.Get("Authorization"), "ghs_") {
		// Installation tokens act as the App, not as a user.
		rp.err(403, "Resource not accessible by integration", "/users/users#get-the-authenticated-user")
		return
	}
	rp.json(200, map[string]any{"login": s.user, "id": 1, "type": "User"})
}

func validRepoName(n string) bool {
	if n == "" || len(n) > 100 || n == "." || n == ".." {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (s *Server) createRepo(rp *reply, owner string, b []byte, org bool) {
	doc := "/repos/repos#create-a-repository-for-the-authenticated-user"
	if org {
		doc = "/repos/repos#create-an-organization-repository"
		if !s.orgs[strings.ToLower(owner)] {
			rp.err(404, "Not Found", doc)
			return
		}
	}
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Private     *bool  `json:"private"`
		Visibility  string `json:"visibility"`
		AutoInit    bool   `json:"auto_init"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", doc)
		return
	}
	if !validRepoName(in.Name) {
		rp.err(422, "Repository creation failed.", doc, map[string]any{"resource": "Repository", "code": "custom", "field": "name", "message": "name is invalid"})
		return
	}
	if s.repos[key(owner, in.Name)] != nil {
		rp.err(422, "Repository creation failed.", doc, map[string]any{"resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"})
		return
	}
	r := s.newRepo(owner, in.Name)
	r.description = in.Description
	switch {
	case in.Visibility != "":
		if in.Visibility != "public" && in.Visibility != "private" && in.Visibility != "internal" || in.Visibility == "internal" && !org {
			rp.err(422, "Validation Failed", doc, map[string]any{"resource": "Repository", "code": "invalid", "field": "visibility"})
			return
		}
		r.visibility = in.Visibility
	case in.Private != nil && *in.Private:
		r.visibility = "private"
	}
	if in.AutoInit {
		s.pushLocked(r, r.defaultBranch, map[string]string{"README.md": "# " + in.Name + "\n"}, nil, "Initial commit")
	}
	s.repos[key(owner, in.Name)] = r
	rp.json(201, s.repoJSON(r))
}

func (s *Server) listRepos(rp *reply, req *http.Request, owner string) {
	var list []*repo
	for _, r := range s.repos {
		if strings.EqualFold(r.owner, owner) {
			list = append(list, r)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	q := req.URL.Query()
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max(1, (len(list)+per-1)/per)
	from := min((page-1)*per, len(list))
	to := min(from+per, len(list))
	out := make([]any, 0, to-from)
	for _, r := range list[from:to] {
		out = append(out, s.repoJSON(r))
	}
	link := func(pg int, rel string) string {
		u := url.URL{Scheme: "http", Host: req.Host, Path: req.URL.Path}
		v := req.URL.Query()
		v.Set("page", strconv.Itoa(pg))
		v.Set("per_page", strconv.Itoa(per))
		u.RawQuery = v.Encode()
		return fmt.Sprintf(`<%s>; rel="%s"`, u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		rp.header.Set("Link", strings.Join(links, ", "))
	}
	s.conditional(rp, req, 200, out)
	if rp.status == 200 || rp.status == 304 {
		if et := rp.header.Get("ETag"); et != "" {
			rp.header.Set("ETag", "W/"+et)
		}
	}
}

func (s *Server) putTopics(rp *reply, req *http.Request, b []byte, r *repo) {
	var in struct {
		Names []string `json:"names"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", "/repos/repos#replace-all-repository-topics")
		return
	}
	for _, t := range in.Names {
		if t == "" || len(t) > 50 || strings.ToLower(t) != t || strings.ContainsAny(t, " _") {
			rp.err(422, "Validation Failed", "/repos/repos#replace-all-repository-topics",
				map[string]any{"resource": "Repository", "code": "invalid", "field": "topics", "message": t + " is not a valid topic"})
			return
		}
	}
	r.topics = append([]string{}, in.Names...)
	rp.json(200, map[string]any{"names": nonNil(r.topics)})
}

func (s *Server) emptyRepo(rp *reply, doc string) {
	rp.err(409, "Git Repository is empty.", doc)
}

func (s *Server) fileJSON(r *repo, p string, e treeEntry, withContent bool) map[string]any {
	data := r.blobs[e.sha]
	m := map[string]any{
		"type": "file", "name": p[strings.LastIndex(p, "/")+1:], "path": p, "sha": e.sha, "size": len(data),
		"url":          s.URL + "/repos/" + r.owner + "/" + r.name + "/contents/" + p,
		"html_url":     s.HTMLBase + "/" + r.owner + "/" + r.name + "/blob/" + r.defaultBranch + "/" + p,
		"download_url": s.URL + "/raw/" + r.owner + "/" + r.name + "/" + r.defaultBranch + "/" + p,
	}
	if withContent {
		m["encoding"] = "base64"
		m["content"] = wrap76(encodeBase64(data))
	}
	return m
}

func (s *Server) getContents(p string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/repos/contents#get-repository-content"
		if r.empty() {
			rp.err(404, "This repository is empty.", doc)
			return
		}
		_, tree, ok := r.resolve(req.URL.Query().Get("ref"))
		if !ok {
			rp.err(404, "No commit found for the ref "+req.URL.Query().Get("ref"), doc)
			return
		}
		entries := r.trees[tree]
		if e, ok := entries[p]; ok {
			s.conditional(rp, req, 200, s.fileJSON(r, p, e, true))
			return
		}
		// A directory: its direct children.
		prefix := p + "/"
		if p == "" {
			prefix = ""
		}
		seen := map[string]bool{}
		var list []map[string]any
		var names []string
		for fp := range entries {
			if strings.HasPrefix(fp, prefix) {
				names = append(names, fp)
			}
		}
		sort.Strings(names)
		for _, fp := range names {
			rest := fp[len(prefix):]
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				d := prefix + rest[:i]
				if !seen[d] {
					seen[d] = true
					list = append(list, map[string]any{"type": "dir", "name": rest[:i], "path": d, "sha": dirSHA(tree, d), "size": 0})
				}
				continue
			}
			list = append(list, s.fileJSON(r, fp, entries[fp], false))
		}
		if len(list) == 0 {
			rp.err(404, "Not Found", doc)
			return
		}
		s.conditional(rp, req, 200, list)
	}
}

func dirSHA(tree, dir string) string {
	h := sha1.Sum([]byte(tree + "\x00" + dir))
	return hex.EncodeToString(h[:])
}

func (s *Server) putContents(p string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/repos/contents#create-or-update-file-contents"
		var in struct {
			Message string `json:"message"`
			Content string `json:"content"`
			Branch  string `json:"branch"`
			SHA     string `json:"sha"`
		}
		if err := json.Unmarshal(b, &in); err != nil {
			rp.err(400, "Problems parsing JSON", doc)
			return
		}
		data, err := decodeBase64(in.Content)
		if err != nil || in.Message == "" {
			rp.err(422, "Invalid request.\n\n\"content\" is not valid base64 or \"message\" is missing.", doc)
			return
		}
		branch := in.Branch
		if branch == "" {
			branch = r.defaultBranch
		}
		status := 201
		var parents []string
		base := map[string]treeEntry{}
		if !r.empty() {
			head, ok := r.refs["heads/"+branch]
			if !ok {
				rp.err(404, "Branch "+branch+" not found", doc)
				return
			}
			parents = []string{head}
			for k, v := range r.trees[r.commits[head].tree] {
				base[k] = v
			}
			if old, exists := base[p]; exists {
				if in.SHA == "" {
					rp.err(422, "Invalid request.\n\n\"sha\" wasn't supplied.", doc)
					return
				}
				if in.SHA != old.sha {
					rp.err(409, p+" does not match "+in.SHA, doc)
					return
				}
				status = 200
			}
		} else {
			r.defaultBranch = branch
		}
		e := treeEntry{mode: "100644", sha: r.putBlob(data)}
		base[p] = e
		c := s.newCommit(r, in.Message, r.putTree(base), parents)
		r.refs["heads/"+branch] = c.sha
		r.pushed = s.now().UTC()
		rp.json(status, map[string]any{"content": s.fileJSON(r, p, e, false), "commit": s.commitJSON(r, c)})
	}
}

func (s *Server) refJSON(r *repo, ref string) map[string]any {
	sha := r.refs[ref]
	return map[string]any{"ref": "refs/" + ref, "node_id": "REF_" + sha[:8], "url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/refs/" + ref,
		"object": map[string]any{"type": "commit", "sha": sha, "url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/commits/" + sha}}
}

func (s *Server) getRef(ref string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/git/refs#get-a-reference"
		if r.empty() {
			s.emptyRepo(rp, doc)
			return
		}
		ref = strings.TrimPrefix(ref, "refs/")
		if _, ok := r.refs[ref]; !ok {
			rp.err(404, "Not Found", doc)
			return
		}
		rp.json(200, s.refJSON(r, ref))
	}
}

func (s *Server) createRef(rp *reply, req *http.Request, b []byte, r *repo) {
	const doc = "/git/refs#create-a-reference"
	if r.empty() {
		s.emptyRepo(rp, doc)
		return
	}
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", doc)
		return
	}
	if !strings.HasPrefix(in.Ref, "refs/") || strings.Count(in.Ref, "/") < 2 {
		rp.err(422, "Reference name must start with 'refs/' and have at least two slashes.", doc)
		return
	}
	if r.commits[in.SHA] == nil {
		rp.err(422, "Object does not exist", doc)
		return
	}
	ref := strings.TrimPrefix(in.Ref, "refs/")
	if _, ok := r.refs[ref]; ok {
		rp.err(422, "Reference already exists", doc)
		return
	}
	r.refs[ref] = in.SHA
	r.pushed = s.now().UTC()
	rp.json(201, s.refJSON(r, ref))
}

func (r *repo) isAncestor(anc, sha string) bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == anc {
			return true
		}
		if seen[c] || r.commits[c] == nil {
			continue
		}
		seen[c] = true
		stack = append(stack, r.commits[c].parents...)
	}
	return false
}

func (s *Server) updateRef(ref string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/git/refs#update-a-reference"
		if r.empty() {
			s.emptyRepo(rp, doc)
			return
		}
		var in struct {
			SHA   string `json:"sha"`
			Force bool   `json:"force"`
		}
		if err := json.Unmarshal(b, &in); err != nil {
			rp.err(400, "Problems parsing JSON", doc)
			return
		}
		ref = strings.TrimPrefix(ref, "refs/")
		old, ok := r.refs[ref]
		if !ok {
			rp.err(422, "Reference does not exist", doc)
			return
		}
		if r.commits[in.SHA] == nil {
			rp.err(422, "Object does not exist", doc)
			return
		}
		if !in.Force && !r.isAncestor(old, in.SHA) {
			rp.err(422, "Update is not a fast forward", doc)
			return
		}
		r.refs[ref] = in.SHA
		r.pushed = s.now().UTC()
		rp.json(200, s.refJSON(r, ref))
	}
}

func (s *Server) treeJSON(r *repo, sha string, recursive bool) map[string]any {
	entries := r.trees[sha]
	paths := make([]string, 0, len(entries))
	dirs := map[string]bool{}
	for p := range entries {
		paths = append(paths, p)
		for i := strings.IndexByte(p, '/'); i >= 0; {
			dirs[p[:i]] = true
			j := strings.IndexByte(p[i+1:], '/')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	for d := range dirs {
		paths = append(paths, d)
	}
	sort.Strings(paths)
	list := []map[string]any{}
	for _, p := range paths {
		if !recursive && strings.Contains(p, "/") {
			continue
		}
		if dirs[p] {
			list = append(list, map[string]any{"path": p, "mode": "040000", "type": "tree", "sha": dirSHA(sha, p)})
			continue
		}
		e := entries[p]
		list = append(list, map[string]any{"path": p, "mode": e.mode, "type": "blob", "sha": e.sha, "size": len(r.blobs[e.sha]),
			"url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/blobs/" + e.sha})
	}
	return map[string]any{"sha": sha, "url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/trees/" + sha, "tree": list, "truncated": false}
}

func (s *Server) createTree(rp *reply, req *http.Request, b []byte, r *repo) {
	const doc = "/git/trees#create-a-tree"
	if r.empty() {
		s.emptyRepo(rp, doc)
		return
	}
	var in struct {
		BaseTree string                       `json:"base_tree"`
		Tree     []map[string]json.RawMessage `json:"tree"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", doc)
		return
	}
	entries := map[string]treeEntry{}
	if in.BaseTree != "" {
		base, ok := r.trees[in.BaseTree]
		if !ok {
			// A commit's tree is accepted too.
			_, t, ok2 := r.resolve(in.BaseTree)
			if !ok2 {
				rp.err(422, "Invalid tree info", doc)
				return
			}
			base = r.trees[t]
		}
		for k, v := range base {
			entries[k] = v
		}
	}
	for i, raw := range in.Tree {
		var path, mode, typ string
		_ = json.Unmarshal(raw["path"], &path)
		_ = json.Unmarshal(raw["mode"], &mode)
		_ = json.Unmarshal(raw["type"], &typ)
		bad := func(msg string) {
			rp.err(422, fmt.Sprintf("tree.%d.%s", i, msg), doc)
		}
		if path == "" || strings.HasPrefix(path, "/") || strings.Contains(path, "//") || strings.Contains("/"+path+"/", "/../") {
			bad("path is invalid")
			return
		}
		if mode != "100644" && mode != "100755" && mode != "120000" {
			bad("mode is invalid")
			return
		}
		if typ != "blob" {
			bad("type must be blob")
			return
		}
		shaRaw, hasSHA := raw["sha"]
		contentRaw, hasContent := raw["content"]
		switch {
		case hasContent:
			var c string
			if err := json.Unmarshal(contentRaw, &c); err != nil {
				bad("content is not a string")
				return
			}
			entries[path] = treeEntry{mode: mode, sha: r.putBlob([]byte(c))}
		case hasSHA && string(shaRaw) == "null":
			delete(entries, path)
		case hasSHA:
			var sha string
			_ = json.Unmarshal(shaRaw, &sha)
			if _, ok := r.blobs[sha]; !ok {
				bad("sha is not a blob")
				return
			}
			entries[path] = treeEntry{mode: mode, sha: sha}
		default:
			bad("either sha or content is required")
			return
		}
	}
	sha := r.putTree(entries)
	rp.json(201, s.treeJSON(r, sha, true))
}

func (s *Server) getTree(ref string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/git/trees#get-a-tree"
		if r.empty() {
			s.emptyRepo(rp, doc)
			return
		}
		_, tree, ok := r.resolve(ref)
		if !ok {
			rp.err(404, "Not Found", doc)
			return
		}
		rec := req.URL.Query().Get("recursive")
		s.conditional(rp, req, 200, s.treeJSON(r, tree, rec != "" && rec != "0" && rec != "false"))
	}
}

func (s *Server) createBlob(rp *reply, req *http.Request, b []byte, r *repo) {
	const doc = "/git/blobs#create-a-blob"
	if r.empty() {
		s.emptyRepo(rp, doc)
		return
	}
	var in struct {
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", doc)
		return
	}
	data := []byte(in.Content)
	switch in.Encoding {
	case "", "utf-8":
	case "base64":
		d, err := decodeBase64(in.Content)
		if err != nil {
			rp.err(422, "content is not valid Base64", doc)
			return
		}
		data = d
	default:
		rp.err(422, "encoding must be utf-8 or base64", doc)
		return
	}
	sha := r.putBlob(data)
	rp.json(201, map[string]any{"sha": sha, "url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/blobs/" + sha})
}

func (s *Server) commitJSON(r *repo, c *commitObj) map[string]any {
	parents := []map[string]any{}
	for _, p := range c.parents {
		parents = append(parents, map[string]any{"sha": p, "url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/commits/" + p})
	}
	who := map[string]any{"name": "callboard", "email": "callboard@example.com", "date": c.when.Format(time.RFC3339)}
	return map[string]any{"sha": c.sha, "node_id": "C_" + c.sha[:8], "message": c.message,
		"url":      s.URL + "/repos/" + r.owner + "/" + r.name + "/git/commits/" + c.sha,
		"html_url": s.HTMLBase + "/" + r.owner + "/" + r.name + "/commit/" + c.sha,
		"tree":     map[string]any{"sha": c.tree, "url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/trees/" + c.tree},
		"parents":  parents, "author": who, "committer": who}
}

func (s *Server) createCommit(rp *reply, req *http.Request, b []byte, r *repo) {
	const doc = "/git/commits#create-a-commit"
	if r.empty() {
		s.emptyRepo(rp, doc)
		return
	}
	var in struct {
		Message string   `json:"message"`
		Tree    string   `json:"tree"`
		Parents []string `json:"parents"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", doc)
		return
	}
	if in.Message == "" {
		rp.err(422, "Invalid request.\n\n\"message\" wasn't supplied.", doc)
		return
	}
	if _, ok := r.trees[in.Tree]; !ok {
		rp.err(422, "Tree SHA does not exist", doc)
		return
	}
	for _, p := range in.Parents {
		if r.commits[p] == nil {
			rp.err(422, "Parent SHA does not exist or is not a commit object", doc)
			return
		}
	}
	c := s.newCommit(r, in.Message, in.Tree, in.Parents)
	rp.json(201, s.commitJSON(r, c))
}

func (s *Server) getCommit(sha string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/git/commits#get-a-commit-object"
		if r.empty() {
			s.emptyRepo(rp, doc)
			return
		}
		c := r.commits[sha]
		if c == nil {
			rp.err(404, "Not Found", doc)
			return
		}
		rp.json(200, s.commitJSON(r, c))
	}
}

func (s *Server) pullJSON(r *repo, p *pull) map[string]any {
	return map[string]any{"number": p.number, "state": p.state, "title": p.title, "body": p.body, "draft": p.draft,
		"html_url": fmt.Sprintf("%s/%s/%s/pull/%d", s.HTMLBase, r.owner, r.name, p.number),
		"url":      fmt.Sprintf("%s/repos/%s/%s/pulls/%d", s.URL, r.owner, r.name, p.number),
		"head":     map[string]any{"ref": p.head, "label": r.owner + ":" + p.head, "sha": r.refs["heads/"+p.head]},
		"base":     map[string]any{"ref": p.base, "label": r.owner + ":" + p.base, "sha": r.refs["heads/"+p.base]}}
}

func (s *Server) listPulls(rp *reply, req *http.Request, b []byte, r *repo) {
	q := req.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	head := q.Get("head")
	if i := strings.IndexByte(head, ':'); i >= 0 {
		if !strings.EqualFold(head[:i], r.owner) {
			rp.json(200, []any{})
			return
		}
		head = head[i+1:]
	}
	out := []any{}
	for _, p := range r.pulls {
		if (state == "all" || p.state == state) && (head == "" || p.head == head) && (q.Get("base") == "" || p.base == q.Get("base")) {
			out = append(out, s.pullJSON(r, p))
		}
	}
	rp.json(200, out)
}

func (s *Server) createPull(rp *reply, req *http.Request, b []byte, r *repo) {
	const doc = "/pulls/pulls#create-a-pull-request"
	var in struct {
		Title string `json:"title"`
		Head  string `json:"head"`
		Base  string `json:"base"`
		Body  string `json:"body"`
		Draft bool   `json:"draft"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		rp.err(400, "Problems parsing JSON", doc)
		return
	}
	head := in.Head
	if i := strings.IndexByte(head, ':'); i >= 0 {
		head = head[i+1:]
	}
	invalid := func(field string) {
		rp.err(422, "Validation Failed", doc, map[string]any{"resource": "PullRequest", "field": field, "code": "invalid"})
	}
	if in.Title == "" {
		rp.err(422, "Validation Failed", doc, map[string]any{"resource": "PullRequest", "field": "title", "code": "missing_field"})
		return
	}
	hs, ok := r.refs["heads/"+head]
	if !ok {
		invalid("head")
		return
	}
	bs, ok := r.refs["heads/"+in.Base]
	if !ok {
		invalid("base")
		return
	}
	for _, p := range r.pulls {
		if p.state == "open" && p.head == head && p.base == in.Base {
			rp.err(422, "Validation Failed", doc, map[string]any{"resource": "PullRequest", "code": "custom",
				"message": "A pull request already exists for " + r.owner + ":" + head + "."})
			return
		}
	}
	if hs == bs || r.isAncestor(hs, bs) {
		rp.err(422, "Validation Failed", doc, map[string]any{"resource": "PullRequest", "code": "custom",
			"message": "No commits between " + in.Base + " and " + head})
		return
	}
	p := &pull{number: len(r.pulls) + 1, title: in.Title, body: in.Body, head: head, base: in.Base, state: "open", draft: in.Draft}
	r.pulls = append(r.pulls, p)
	rp.json(201, s.pullJSON(r, p))
}
