package github

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

// OrgOptions select and read an organisation's repositories.
type OrgOptions struct {
	// Repos limits discovery to these repository names (empty: every repository).
	Repos []string
	// Topics keeps only repositories carrying at least one of these topics.
	Topics []string
	// Paths are the catalog files read in each repository: paths, or globs
	// where '*' matches within a path segment and "**" any number of
	// segments. Default: catalog-info.yaml.
	Paths []string
	// IncludeArchived reads archived repositories too (default: skipped).
	IncludeArchived bool
	// Concurrency bounds the repositories read at once (default 8).
	Concurrency int
	// MaxFiles bounds the files read from one repository (default 1000).
	MaxFiles int
	// MaxRateWait bounds a wait for the rate limit to reset (default 1h).
	MaxRateWait time.Duration
	Logger      *slog.Logger
	// TrustUnchangedAfter, when positive and the client has a DiskCache,
	// lets a repository whose entry in the organisation's listing is
	// byte for byte the one recorded at its last complete read be read from
	// the cache without a request (a push changes pushed_at, so the listing
	// changes). A read is recorded only when it came this long after the
	// repository's last push, so a listing that ran ahead of the files
	// cannot pin an old read. The command line sets it; serve, which
	// refreshes on webhooks, does not.
	TrustUnchangedAfter time.Duration
	// Progress, when set, is called as Load goes: once the repositories
	// are listed, then after each repository is read (from one goroutine
	// at a time).
	Progress func(Progress)
}

// Progress is how far a Load has got.
type Progress struct {
	Org     string
	Scanned int // repositories read so far
	Total   int // repositories to read
	Files   int // catalog and docs files found so far
	// RateRemaining and RateLimit are the last rate-limit headers seen
	// (RateLimit 0: none seen yet).
	RateRemaining, RateLimit int
}

// OrgSource is a catalog.Source over the repositories of a GitHub
// organisation (or user). It keeps each repository's last good result, so a
// repository that fails to refresh keeps answering with what it had.
type OrgSource struct {
	client *Client
	org    string
	opts   OrgOptions
	get    *conditional
	log    *slog.Logger

	mu    sync.Mutex
	repos map[string]*repoState // lower-case repository name
}

type repoMeta struct {
	Name          string   `json:"name"`
	FullName      string   `json:"full_name"`
	DefaultBranch string   `json:"default_branch"`
	Archived      bool     `json:"archived"`
	Topics        []string `json:"topics"`
	HTMLURL       string   `json:"html_url"`
	Owner         struct {
		Login string `json:"login"`
	} `json:"owner"`
	PushedAt time.Time `json:"pushed_at"`
	// stamp is the SHA-256 of the repository's JSON in the listing.
	stamp string
}

// decodeMeta reads one repository's JSON, stamped.
func decodeMeta(raw []byte) (repoMeta, error) {
	var m repoMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, err
	}
	sum := sha256.Sum256(raw)
	m.stamp = hex.EncodeToString(sum[:])
	return m, nil
}

type repoState struct {
	meta        repoMeta
	result      *catalog.Result // last good
	files       map[string]bool // paths read last time
	dirs        []string        // folders read whole: TechDocs sites, template skeletons
	lastSuccess time.Time
	lastAttempt time.Time
	lastErr     error
	empty       bool
	skipped     string // why the repository is not read ("archived")
}

// RepoStatus is one repository's state, for operators.
type RepoStatus = ingest.RepoStatus

var _ ingest.RepoSource = (*OrgSource)(nil)

// NewOrgSource returns a source over org's repositories, read through c.
func NewOrgSource(c *Client, org string, opts OrgOptions) *OrgSource {
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"catalog-info.yaml"}
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = 1000
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := newConditional(c)
	if opts.MaxRateWait > 0 {
		g.maxRateWait = opts.MaxRateWait
	}
	return &OrgSource{client: c, org: org, opts: opts, get: g, log: log, repos: map[string]*repoState{}}
}

// Name is "github:ORG".
func (s *OrgSource) Name() string { return "github:" + s.org }

// Org is the organisation's login.
func (s *OrgSource) Org() string { return s.org }

// Load lists the repositories and reads each (implements catalog.Source).
// Repositories that vanished are dropped; one that fails keeps its last good
// result and its error shows in Status and as a warning. The error is
// non-nil only when the repositories cannot be listed at all.
func (s *OrgSource) Load(ctx context.Context) (*catalog.Result, error) {
	metas, err := s.list(ctx)
	if err != nil {
		return s.Result(), err
	}
	keep := map[string]bool{}
	for _, m := range metas {
		keep[strings.ToLower(m.Name)] = true
	}
	s.mu.Lock()
	for k := range s.repos {
		if !keep[k] {
			delete(s.repos, k)
		}
	}
	s.mu.Unlock()

	var pmu sync.Mutex
	prog := Progress{Org: s.org, Total: len(metas)}
	report := func(files int, done bool) {
		if s.opts.Progress == nil {
			return
		}
		pmu.Lock()
		defer pmu.Unlock()
		prog.Files += files
		if done {
			prog.Scanned++
		}
		if s.client != nil {
			st := s.client.Stats()
			prog.RateRemaining, prog.RateLimit = st.Remaining, st.Limit
		}
		s.opts.Progress(prog)
	}
	report(0, false)
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg sync.WaitGroup
	for _, m := range metas {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(m repoMeta) {
			defer wg.Done()
			defer func() { <-sem }()
			s.refresh(ctx, m)
			n := 0
			s.mu.Lock()
			if st := s.repos[strings.ToLower(m.Name)]; st != nil {
				n = len(st.files)
			}
			s.mu.Unlock()
			report(n, true)
		}(m)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return s.Result(), err
	}
	return s.Result(), nil
}

// RefreshRepo re-reads one repository (after a push, or when it was created
// or renamed). A repository that no longer exists, or no longer qualifies,
// is dropped.
func (s *OrgSource) RefreshRepo(ctx context.Context, name string) error {
	f, err := s.get.get(ctx, "repos/"+url.PathEscape(s.org)+"/"+url.PathEscape(name), nil)
	if err != nil {
		s.mu.Lock()
		if st := s.repos[strings.ToLower(name)]; st != nil {
			st.lastErr, st.lastAttempt = err, time.Now()
		}
		s.mu.Unlock()
		return fmt.Errorf("refresh %s/%s: %w", s.org, name, err)
	}
	if f.status == 404 {
		s.RemoveRepo(name)
		return nil
	}
	var m repoMeta
	if err := json.Unmarshal(f.body, &m); err != nil {
		return fmt.Errorf("refresh %s/%s: unreadable repository: %w", s.org, name, err)
	}
	if !s.wanted(m) {
		s.RemoveRepo(name)
		return nil
	}
	return s.refresh(ctx, m)
}

// RemoveRepo forgets a repository (deleted, renamed away, transferred).
func (s *OrgSource) RemoveRepo(name string) {
	s.mu.Lock()
	delete(s.repos, strings.ToLower(name))
	s.mu.Unlock()
	s.get.forget("/repos/" + s.org + "/" + name + "/")
}

// Has reports whether the source holds the repository.
func (s *OrgSource) Has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[strings.ToLower(name)] != nil
}

// Relevant reports whether a change to paths in the repository can change
// the catalog or its docs: a configured catalog path, a file read last time,
// or anything under a TechDocs site.
func (s *OrgSource) Relevant(name string, paths []string) bool {
	s.mu.Lock()
	st := s.repos[strings.ToLower(name)]
	s.mu.Unlock()
	for _, p := range paths {
		for _, pat := range s.opts.Paths {
			if matchGlob(pat, p) {
				return true
			}
		}
		if st == nil {
			continue
		}
		if st.files[p] {
			return true
		}
		for _, d := range st.dirs {
			if d == "." || strings.HasPrefix(p, d+"/") {
				return true
			}
		}
	}
	return false
}

// Result merges every repository's last good result, in repository order,
// with a warning for each repository whose last refresh failed.
func (s *OrgSource) Result() *catalog.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.repos))
	for k := range s.repos {
		names = append(names, k)
	}
	sort.Strings(names)
	out := &catalog.Result{}
	for _, k := range names {
		st := s.repos[k]
		out.Merge(st.result)
		if st.lastErr != nil {
			msg := "refresh failed: " + st.lastErr.Error()
			if !st.lastSuccess.IsZero() {
				msg += "; showing what was read at " + st.lastSuccess.UTC().Format(time.RFC3339)
			}
			out.Problems = append(out.Problems, catalog.Problem{Pos: catalog.Position{File: s.display(st.meta, "")}, Severity: catalog.Warning, Message: msg})
		}
	}
	return out
}

// RepoErrors returns the error of each repository whose last refresh
// failed, by repository name.
func (s *OrgSource) RepoErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.repos))
	for k, st := range s.repos {
		if st.lastErr != nil {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := make([]error, 0, len(names))
	for _, k := range names {
		out = append(out, s.repos[k].lastErr)
	}
	return out
}

// Status reports each repository's state, by name.
func (s *OrgSource) Status() []RepoStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RepoStatus, 0, len(s.repos))
	for _, st := range s.repos {
		rs := RepoStatus{Repo: s.org + "/" + st.meta.Name, LastSuccess: st.lastSuccess, LastAttempt: st.lastAttempt,
			Files: len(st.files), Empty: st.empty, Skipped: st.skipped}
		if st.lastErr != nil {
			rs.LastError = st.lastErr.Error()
		}
		if st.result != nil {
			rs.Entities, rs.Problems = len(st.result.Entities), len(st.result.Problems)
		}
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Repo < out[j].Repo })
	return out
}

func (s *OrgSource) wanted(m repoMeta) bool {
	if len(s.opts.Repos) > 0 {
		ok := false
		for _, r := range s.opts.Repos {
			ok = ok || strings.EqualFold(r, m.Name)
		}
		if !ok {
			return false
		}
	}
	if len(s.opts.Topics) > 0 {
		ok := false
		for _, t := range s.opts.Topics {
			for _, have := range m.Topics {
				ok = ok || strings.EqualFold(t, have)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// list returns the repositories to read: each named one, or every
// repository of the organisation page by page (falling back to a user's).
func (s *OrgSource) list(ctx context.Context) ([]repoMeta, error) {
	var out []repoMeta
	if len(s.opts.Repos) > 0 {
		for _, name := range s.opts.Repos {
			f, err := s.get.get(ctx, "repos/"+url.PathEscape(s.org)+"/"+url.PathEscape(name), nil)
			if err != nil {
				return nil, fmt.Errorf("read repository %s/%s: %w", s.org, name, err)
			}
			if f.status != 200 {
				s.log.WarnContext(ctx, "configured repository not found", "repo", s.org+"/"+name)
				continue
			}
			m, err := decodeMeta(f.body)
			if err != nil {
				return nil, fmt.Errorf("read repository %s/%s: %w", s.org, name, err)
			}
			if s.wanted(m) {
				out = append(out, m)
			}
		}
		return out, nil
	}
	q := url.Values{"per_page": {"100"}, "type": {"all"}}
	next := s.client.url("orgs/"+url.PathEscape(s.org)+"/repos", q)
	user := false
	for next != "" {
		f, err := s.get.getURL(ctx, next)
		if err != nil {
			return nil, fmt.Errorf("list repositories of %s: %w", s.org, err)
		}
		if f.status == 404 && !user && len(out) == 0 {
			user = true
			next = s.client.url("users/"+url.PathEscape(s.org)+"/repos", url.Values{"per_page": {"100"}, "type": {"owner"}})
			continue
		}
		if f.status != 200 {
			return nil, fmt.Errorf("list repositories of %s: %w (%d)", s.org, ErrNoSuchOwner, f.status)
		}
		var page []json.RawMessage
		if err := json.Unmarshal(f.body, &page); err != nil {
			return nil, fmt.Errorf("list repositories of %s: %w", s.org, err)
		}
		for _, raw := range page {
			m, err := decodeMeta(raw)
			if err != nil {
				return nil, fmt.Errorf("list repositories of %s: %w", s.org, err)
			}
			if s.wanted(m) {
				out = append(out, m)
			}
		}
		next = nextLink(f.link)
	}
	return out, nil
}

func (s *OrgSource) display(m repoMeta, p string) string {
	base := m.HTMLURL
	if base == "" {
		base = "https://" + s.client.Host() + "/" + s.org + "/" + m.Name
	}
	base = strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	return base + "/" + p
}

// refresh reads one repository and records the outcome.
func (s *OrgSource) refresh(ctx context.Context, m repoMeta) error {
	k := strings.ToLower(m.Name)
	s.mu.Lock()
	st := s.repos[k]
	if st == nil {
		st = &repoState{}
		s.repos[k] = st
	}
	st.meta = m
	s.mu.Unlock()

	now := time.Now()
	if m.Archived && !s.opts.IncludeArchived {
		s.mu.Lock()
		st.result, st.files, st.dirs, st.skipped, st.lastErr = &catalog.Result{}, nil, nil, "archived", nil
		st.lastAttempt, st.lastSuccess = now, now
		s.mu.Unlock()
		return nil
	}
	stampURL := ""
	if d := s.get.disk; d != nil && s.opts.TrustUnchangedAfter > 0 && m.stamp != "" {
		stampURL = "listing:" + s.client.url("repos/"+url.PathEscape(s.org)+"/"+url.PathEscape(m.Name), nil)
		if c, ok := d.load(stampURL); ok && c.etag == m.stamp {
			ctx = withCacheOnly(ctx)
			stampURL = "" // recorded already
		}
	}
	rr, err := s.read(ctx, m)
	if err == nil && stampURL != "" && !m.PushedAt.IsZero() && time.Since(m.PushedAt) > s.opts.TrustUnchangedAfter {
		s.get.disk.store(stampURL, cached{etag: m.stamp})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.lastAttempt = now
	st.skipped = ""
	if err != nil {
		st.lastErr = err
		s.log.WarnContext(ctx, "repository refresh failed", "repo", m.FullName, "err", err)
		return fmt.Errorf("refresh %s/%s: %w", s.org, m.Name, err)
	}
	st.lastErr = nil
	st.lastSuccess = now
	st.result, st.files, st.dirs, st.empty = rr.result, rr.files, rr.dirs, rr.empty
	return nil
}

type repoRead struct {
	result *catalog.Result
	files  map[string]bool
	dirs   []string
	empty  bool
}

// reader fetches one repository's catalog files into memory.
type reader struct {
	s     *OrgSource
	m     repoMeta
	fsys  fstest.MapFS
	tree  []string        // every file path, once fetched
	exec  map[string]bool // files the tree lists as executable (mode 100755)
	empty bool
	probs []catalog.Problem
	read  map[string]bool
}

func (s *OrgSource) read(ctx context.Context, m repoMeta) (repoRead, error) {
	r := &reader{s: s, m: m, fsys: fstest.MapFS{}, read: map[string]bool{}}
	var roots []string
	for _, pat := range s.opts.Paths {
		if !hasGlob(pat) {
			roots = append(roots, pat)
			continue
		}
		files, err := r.listTree(ctx)
		if err != nil {
			return repoRead{}, err
		}
		for _, f := range files {
			if matchGlob(pat, f) {
				roots = append(roots, f)
			}
		}
	}
	var found []string
	for _, p := range roots {
		ok, err := r.fetch(ctx, p)
		if err != nil {
			return repoRead{}, err
		}
		if ok {
			found = append(found, p)
		}
		if r.empty {
			break
		}
	}
	// Follow what the descriptors point at: Location targets, TechDocs
	// sites, template skeletons and $text/$json/$yaml placeholders, breadth
	// first.
	queue := append([]string(nil), found...)
	scanned := map[string]bool{}
	var dirs []string
	var catalogFiles []string
	for len(queue) > 0 && ctx.Err() == nil {
		p := queue[0]
		queue = queue[1:]
		if scanned[p] {
			continue
		}
		scanned[p] = true
		catalogFiles = append(catalogFiles, p)
		refs := scanDescriptor(r.fsys[p].Data)
		for _, t := range refs.targets {
			paths, err := r.resolveTarget(ctx, p, t)
			if err != nil {
				return repoRead{}, err
			}
			for _, tp := range paths {
				ok, err := r.fetch(ctx, tp)
				if err != nil {
					return repoRead{}, err
				}
				if ok {
					queue = append(queue, tp)
				} else {
					r.problem(p, catalog.Warning, fmt.Sprintf("Location target %s not found in the repository", t))
				}
			}
		}
		for _, ph := range refs.placeholders {
			tp, ok := relPath(p, ph)
			if !ok {
				continue
			}
			if _, err := r.fetch(ctx, tp); err != nil {
				return repoRead{}, err
			}
		}
		// Folders read with the descriptor: TechDocs sites and template
		// skeletons. A push touching them refreshes the repository.
		for _, f := range []struct {
			what  string
			rels  []string
			fetch func(ctx context.Context, from, dir string) error
		}{{"TechDocs dir", refs.docsDirs, r.fetchSite}, {"template skeleton", refs.skeletons, r.fetchSkeleton}} {
			for _, rel := range f.rels {
				dir, ok := relPath(p, rel)
				if !ok {
					r.problem(p, catalog.Warning, fmt.Sprintf("%s %q leaves the repository", f.what, rel))
					continue
				}
				if err := f.fetch(ctx, p, dir); err != nil {
					return repoRead{}, err
				}
				dirs = append(dirs, dir)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return repoRead{}, err
	}
	res := &catalog.Result{Problems: r.probs}
	opts := catalog.LoadOptions{Source: s.Name(), DisplayPrefix: s.display(m, "")}
	if len(found) > 0 {
		loaded := catalog.LoadFS(ctx, r.fsys, found, opts)
		res.Merge(loaded)
		// LoadFS may or may not follow Locations itself: load each catalog
		// file it did not report on, so no entity is lost or doubled.
		seen := map[string]bool{}
		for _, d := range loaded.Documents {
			seen[d.File] = true
		}
		for _, pr := range loaded.Problems {
			seen[pr.Pos.File] = true
		}
		for _, e := range loaded.Entities {
			seen[opts.DisplayPrefix+e.Origin.Path] = true
		}
		var rest []string
		for _, p := range catalogFiles {
			if !seen[opts.DisplayPrefix+p] {
				rest = append(rest, p)
			}
		}
		if len(rest) > 0 {
			res.Merge(catalog.LoadFS(ctx, r.fsys, rest, opts))
		}
	}
	return repoRead{result: res, files: r.read, dirs: dirs, empty: r.empty}, nil
}

func (r *reader) problem(file string, sev catalog.Severity, msg string) {
	r.probs = append(r.probs, catalog.Problem{Pos: catalog.Position{File: r.s.display(r.m, file)}, Severity: sev, Message: msg})
}

func (r *reader) repoPath() string {
	return "repos/" + url.PathEscape(r.s.org) + "/" + url.PathEscape(r.m.Name)
}

// fetch reads one file into the in-memory tree; false when it does not exist.
func (r *reader) fetch(ctx context.Context, p string) (bool, error) {
	if _, ok := r.fsys[p]; ok {
		return true, nil
	}
	if r.empty {
		return false, nil
	}
	if len(r.read) >= r.s.opts.MaxFiles {
		r.problem(p, catalog.Warning, fmt.Sprintf("not read: the repository has more than %d catalog and docs files", r.s.opts.MaxFiles))
		return false, nil
	}
	esc := make([]string, 0, 4)
	for _, seg := range strings.Split(p, "/") {
		esc = append(esc, url.PathEscape(seg))
	}
	f, err := r.s.get.get(ctx, r.repoPath()+"/contents/"+strings.Join(esc, "/"), nil)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", p, err)
	}
	if f.status == 404 {
		if strings.Contains(githubMessage(f.body), "empty") {
			r.empty = true
		}
		return false, nil
	}
	if f.status != 200 {
		return false, fmt.Errorf("read %s: %d %s", p, f.status, githubMessage(f.body))
	}
	var c struct {
		Type     string `json:"type"`
		Encoding string `json:"encoding"`
		Content  string `json:"content"`
		Size     int    `json:"size"`
	}
	if err := json.Unmarshal(f.body, &c); err != nil {
		// A directory is a JSON array: not a file.
		return false, nil
	}
	if c.Type != "file" {
		return false, nil
	}
	if c.Encoding != "base64" {
		r.problem(p, catalog.Error, fmt.Sprintf("not read: %d bytes is more than the contents API returns inline", c.Size))
		return false, nil
	}
	data, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(c.Content))
	if err != nil {
		return false, fmt.Errorf("read %s: bad base64 from GitHub: %w", p, err)
	}
	mode := fs.FileMode(0o644)
	if r.exec[p] {
		mode = 0o755 // a skeleton's scripts stay executable
	}
	r.fsys[p] = &fstest.MapFile{Data: data, Mode: mode}
	r.read[p] = true
	return true, nil
}

// listTree returns every file path on the default branch (one call).
func (r *reader) listTree(ctx context.Context) ([]string, error) {
	if r.tree != nil || r.empty {
		return r.tree, nil
	}
	branch := r.m.DefaultBranch
	if branch == "" {
		branch = "HEAD"
	}
	f, err := r.s.get.get(ctx, r.repoPath()+"/git/trees/"+url.PathEscape(branch), url.Values{"recursive": {"1"}})
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	if f.status == 409 || f.status == 404 {
		r.empty = f.status == 409
		r.tree = []string{}
		return r.tree, nil
	}
	var t struct {
		Tree []struct {
			Path string `json:"path"`
			Type string `json:"type"`
			Mode string `json:"mode"`
		} `json:"tree"`
		Truncated bool `json:"truncated"`
	}
	if err := json.Unmarshal(f.body, &t); err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	if t.Truncated {
		r.problem("", catalog.Warning, "the file list is truncated by GitHub: globs may miss files")
	}
	r.tree = []string{}
	for _, e := range t.Tree {
		if e.Type == "blob" {
			if e.Mode == "100755" {
				if r.exec == nil {
					r.exec = map[string]bool{}
				}
				r.exec[e.Path] = true
			}
			r.tree = append(r.tree, e.Path)
		}
	}
	return r.tree, nil
}

// resolveTarget turns a Location target into repository paths.
func (r *reader) resolveTarget(ctx context.Context, from, target string) ([]string, error) {
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			r.problem(from, catalog.Warning, fmt.Sprintf("Location target %q is not a URL", target))
			return nil, nil
		}
		// https://github.com/ORG/REPO/blob/BRANCH/path inside this repository.
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		own := r.s.display(r.m, "")
		if len(segs) >= 5 && strings.EqualFold(u.Host+"/"+segs[0]+"/"+segs[1]+"/", own) && (segs[2] == "blob" || segs[2] == "tree") {
			target = "/" + strings.Join(segs[4:], "/")
		} else {
			// Another repository: it is discovered on its own when it is in
			// this organisation; anything else is not followed.
			if !(len(segs) >= 2 && strings.EqualFold(segs[0], r.s.org)) {
				r.problem(from, catalog.Warning, fmt.Sprintf("Location target %s is outside organisation %s and is not followed", target, r.s.org))
			}
			return nil, nil
		}
	}
	var p string
	if strings.HasPrefix(target, "/") {
		p = path.Clean(strings.TrimPrefix(target, "/"))
	} else {
		var ok bool
		p, ok = relPath(from, target)
		if !ok {
			r.problem(from, catalog.Warning, fmt.Sprintf("Location target %q leaves the repository", target))
			return nil, nil
		}
	}
	if !hasGlob(p) {
		return []string{p}, nil
	}
	files, err := r.listTree(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		if matchGlob(p, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// fetchSite reads a TechDocs site: mkdocs.yml and the Markdown under its docs dir.
func (r *reader) fetchSite(ctx context.Context, from, dir string) error {
	cfg := path.Join(dir, "mkdocs.yml")
	ok, err := r.fetch(ctx, cfg)
	if err != nil {
		return err
	}
	if !ok {
		cfg = path.Join(dir, "mkdocs.yaml")
		if ok, err = r.fetch(ctx, cfg); err != nil {
			return err
		}
	}
	if !ok {
		r.problem(from, catalog.Warning, fmt.Sprintf("TechDocs site %s has no mkdocs.yml", dir))
		return nil
	}
	var mk struct {
		DocsDir string `yaml:"docs_dir"`
	}
	_ = yaml.Unmarshal(r.fsys[cfg].Data, &mk)
	if mk.DocsDir == "" {
		mk.DocsDir = "docs"
	}
	docs, ok := relPath(cfg, mk.DocsDir)
	if !ok {
		r.problem(cfg, catalog.Warning, fmt.Sprintf("docs_dir %q leaves the repository", mk.DocsDir))
		return nil
	}
	files, err := r.listTree(ctx)
	if err != nil {
		return err
	}
	for _, f := range files {
		if (docs == "." || strings.HasPrefix(f, docs+"/")) && (strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".markdown")) {
			if _, err := r.fetch(ctx, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchSkeleton reads a template's skeleton: every file under dir, or dir
// itself when it is a file (fetch:template:file, fetch:plain:file).
func (r *reader) fetchSkeleton(ctx context.Context, from, dir string) error {
	files, err := r.listTree(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, f := range files {
		if f != dir && dir != "." && !strings.HasPrefix(f, dir+"/") {
			continue
		}
		n++
		if _, err := r.fetch(ctx, f); err != nil {
			return err
		}
	}
	if n == 0 {
		r.problem(from, catalog.Warning, fmt.Sprintf("template skeleton %s is not in the repository", dir))
	}
	return nil
}

// relPath joins a path relative to the directory of from, refusing ones
// that leave the repository.
func relPath(from, rel string) (string, bool) {
	rel = strings.TrimPrefix(rel, "file:")
	if strings.HasPrefix(rel, "/") {
		return path.Clean(strings.TrimPrefix(rel, "/")), true
	}
	p := path.Join(path.Dir(from), rel)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

type descriptorRefs struct {
	targets      []string
	docsDirs     []string
	placeholders []string
	// skeletons are the relative urls of a Template's fetch:template and
	// fetch:plain steps (folders, or files for the :file variants): read
	// with the template, so it can run from the catalog alone.
	skeletons []string
}

// scanDescriptor finds what a catalog file points at inside its repository.
// Parse errors are left for catalog.LoadFS to report with positions.
func scanDescriptor(data []byte) descriptorRefs {
	var out descriptorRefs
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if !errors.Is(err, io.EOF) {
				return out
			}
			return out
		}
		var doc struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
			Spec struct {
				Type    string   `yaml:"type"`
				Target  string   `yaml:"target"`
				Targets []string `yaml:"targets"`
			} `yaml:"spec"`
		}
		if n.Decode(&doc) != nil {
			continue
		}
		if strings.EqualFold(doc.Kind, "Location") {
			if doc.Spec.Target != "" {
				out.targets = append(out.targets, doc.Spec.Target)
			}
			out.targets = append(out.targets, doc.Spec.Targets...)
		}
		if ref := doc.Metadata.Annotations[catalog.AnnotationTechDocsRef]; strings.HasPrefix(ref, "dir:") {
			out.docsDirs = append(out.docsDirs, strings.TrimPrefix(ref, "dir:"))
		}
		if strings.EqualFold(doc.Kind, "Template") {
			var t struct {
				Spec map[string]any `yaml:"spec"`
			}
			if n.Decode(&t) == nil {
				out.skeletons = append(out.skeletons, scaffold.LocalSkeletons(t.Spec)...)
			}
		}
		walkPlaceholders(&n, &out.placeholders)
	}
}

func walkPlaceholders(n *yaml.Node, out *[]string) {
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k, v := n.Content[0], n.Content[1]
		if (k.Value == "$text" || k.Value == "$json" || k.Value == "$yaml") && v.Kind == yaml.ScalarNode && !strings.Contains(v.Value, "://") {
			*out = append(*out, v.Value)
			return
		}
	}
	for _, c := range n.Content {
		walkPlaceholders(c, out)
	}
}

func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// matchGlob matches slash-separated paths; "**" matches any number of segments.
func matchGlob(pattern, name string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
