package github

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// TechDocsOptions bound what a TechDocsReader reads.
type TechDocsOptions struct {
	// Hosts are the web hosts whose URLs are read, besides the client's own
	// (github.com, or the GitHub Enterprise host). A URL on any other host
	// is refused: the client's credentials are for its GitHub only.
	Hosts []string
	// MaxFiles bounds the Markdown pages read for one site (default 1000).
	MaxFiles int
	// MaxBytes bounds the bytes read for one site (default 32 MiB).
	MaxBytes int64
}

// TechDocsReader reads "url:" TechDocs sites
// (https://HOST/ORG/REPO/tree/BRANCH/PATH) from GitHub into memory: one
// recursive tree call (conditional, so an unchanged branch costs a 304) and
// one blob call per file not read before. Blobs are kept by SHA, so a
// refresh reads only the files that changed. It implements docs.SiteReader.
type TechDocsReader struct {
	client *Client
	get    *conditional
	opts   TechDocsOptions
	hosts  map[string]bool

	mu    sync.Mutex
	good  map[string]goodSite        // url -> the last read that succeeded
	blobs map[string][]byte          // sha -> content
	sites map[string]map[string]bool // url -> the blob SHAs its last read used
	refs  map[string]int             // sha -> sites using it
}

// NewTechDocsReader returns a reader of url: TechDocs sites through c.
func NewTechDocsReader(c *Client, opts TechDocsOptions) *TechDocsReader {
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = 1000
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 32 << 20
	}
	hosts := map[string]bool{strings.ToLower(c.Host()): true}
	for _, h := range opts.Hosts {
		hosts[strings.ToLower(strings.TrimSpace(h))] = true
	}
	return &TechDocsReader{client: c, get: newConditional(c), opts: opts, hosts: hosts, good: map[string]goodSite{}, blobs: map[string][]byte{}, sites: map[string]map[string]bool{}, refs: map[string]int{}}
}

// techDocsURL is a url: target taken apart.
type techDocsURL struct {
	scheme, host string // as written, for links
	owner, repo  string
	ref          []string // the segments after tree/ or blob/: branch, then path
}

func (r *TechDocsReader) parse(raw string) (techDocsURL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return techDocsURL{}, fmt.Errorf("%q is not an http(s) URL of a repository tree", raw)
	}
	if !r.hosts[strings.ToLower(u.Hostname())] {
		return techDocsURL{}, fmt.Errorf("host %s is not a configured GitHub host (%s)", u.Hostname(), strings.Join(r.hostList(), ", "))
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 || segs[0] == "" || segs[1] == "" {
		return techDocsURL{}, fmt.Errorf("%q names no repository (want https://%s/ORG/REPO/tree/BRANCH/PATH)", raw, u.Host)
	}
	t := techDocsURL{scheme: u.Scheme, host: u.Host, owner: segs[0], repo: strings.TrimSuffix(segs[1], ".git")}
	switch {
	case len(segs) == 2:
		t.ref = []string{"HEAD"}
	case (segs[2] == "tree" || segs[2] == "blob") && len(segs) >= 4:
		t.ref = segs[3:]
	default:
		return techDocsURL{}, fmt.Errorf("%q is not a repository tree URL (want https://%s/ORG/REPO/tree/BRANCH/PATH)", raw, u.Host)
	}
	for _, s := range t.ref {
		if s == ".." || s == "." {
			return techDocsURL{}, fmt.Errorf("%q has a %q segment", raw, s)
		}
	}
	return t, nil
}

func (r *TechDocsReader) hostList() []string {
	var out []string
	for h := range r.hosts {
		out = append(out, h)
	}
	return out
}

type treeEntry struct {
	Path string `json:"path"`
	Type string `json:"type"`
	Mode string `json:"mode"`
	SHA  string `json:"sha"`
	Size int64  `json:"size"`
}

// ReadSite reads the site at a url: target (implements docs.SiteReader).
// The file system holds mkdocs.yml at its root and the Markdown of the docs
// dir under it; source is the blob URL of the site folder.
func (r *TechDocsReader) ReadSite(ctx context.Context, raw string) (fs.FS, string, error) {
	fsys, source, err := r.readSite(ctx, raw)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.good[raw] = goodSite{fsys, source}
		return fsys, source, nil
	}
	if g, ok := r.good[raw]; ok && errors.Is(err, errUnreachable) {
		// GitHub failing for a moment (a 5xx, the network, a rate-limit
		// wait cut short) does not take the site out of search: the last
		// good read serves until a read succeeds.
		return g.fsys, g.source, nil
	}
	return nil, "", err
}

// errUnreachable marks a read that failed on the way to GitHub, not on what
// the site holds.
var errUnreachable = errors.New("GitHub unreachable")

type goodSite struct {
	fsys   fs.FS
	source string
}

func (r *TechDocsReader) readSite(ctx context.Context, raw string) (fs.FS, string, error) {
	t, err := r.parse(raw)
	if err != nil {
		return nil, "", err
	}
	repoPath := "repos/" + t.owner + "/" + t.repo
	tree, branch, dir, err := r.listTree(ctx, t)
	if err != nil {
		return nil, "", err
	}
	files := map[string]treeEntry{}
	for _, e := range tree {
		if e.Type == "blob" {
			files[e.Path] = e
		}
	}
	under := func(d, p string) (string, bool) {
		if d == "." {
			return p, true
		}
		rel, ok := strings.CutPrefix(p, d+"/")
		return rel, ok
	}
	cfgName := ""
	for _, n := range []string{"mkdocs.yml", "mkdocs.yaml"} {
		if _, ok := files[path.Join(dir, n)]; ok {
			cfgName = n
			break
		}
	}
	if cfgName == "" {
		return nil, "", fmt.Errorf("no mkdocs.yml in %s of %s/%s at %s", dir, t.owner, t.repo, branch)
	}
	fsys := fstest.MapFS{}
	var total int64
	read := func(p, rel string) error {
		e := files[p]
		if total += e.Size; total > r.opts.MaxBytes {
			return fmt.Errorf("the site is larger than %d bytes", r.opts.MaxBytes)
		}
		data, err := r.blob(ctx, repoPath, e.SHA)
		if err != nil {
			return fmt.Errorf("reading %s: %w: %w", p, errUnreachable, err)
		}
		fsys[rel] = &fstest.MapFile{Data: data, Mode: 0o644}
		return nil
	}
	if err := read(path.Join(dir, cfgName), cfgName); err != nil {
		return nil, "", err
	}
	var mk struct {
		DocsDir string `yaml:"docs_dir"`
	}
	_ = yaml.Unmarshal(fsys[cfgName].Data, &mk) // docs reports a bad mkdocs.yml with its position
	docsDir := path.Clean(strings.TrimSpace(mk.DocsDir))
	if mk.DocsDir == "" {
		docsDir = "docs"
	}
	if path.IsAbs(docsDir) || docsDir == ".." || strings.HasPrefix(docsDir, "../") {
		return nil, "", fmt.Errorf("docs_dir %q must be inside the site folder", mk.DocsDir)
	}
	pages := 0
	root := path.Join(dir, docsDir)
	for p := range files {
		rel, ok := under(root, p)
		if !ok {
			continue
		}
		if ext := strings.ToLower(path.Ext(p)); ext != ".md" && ext != ".markdown" {
			continue
		}
		if pages++; pages > r.opts.MaxFiles {
			return nil, "", fmt.Errorf("the docs dir holds more than %d Markdown pages", r.opts.MaxFiles)
		}
		if err := read(p, path.Join(docsDir, rel)); err != nil {
			return nil, "", err
		}
	}
	used := map[string]bool{}
	for p := range fsys {
		used[files[path.Join(dir, p)].SHA] = true
	}
	r.keepOnly(raw, used)
	source := t.scheme + "://" + t.host + "/" + t.owner + "/" + t.repo + "/blob/" + branch
	if dir != "." {
		source += "/" + dir
	}
	return fsys, source, nil
}

// listTree lists the repository tree a URL names, recursively, with one
// conditional call per try: the branch may hold slashes, so the shortest
// run of segments naming a tree is taken (at most three tries). dir is the
// folder the rest of the URL names ("." for the root).
func (r *TechDocsReader) listTree(ctx context.Context, t techDocsURL) (tree []treeEntry, branch, dir string, err error) {
	// Client.url takes an escaped path: each segment is escaped once.
	repoPath := "repos/" + url.PathEscape(t.owner) + "/" + url.PathEscape(t.repo)
	for n := 1; n <= min(3, len(t.ref)); n++ {
		b := strings.Join(t.ref[:n], "/")
		esc := make([]string, n)
		for i, seg := range t.ref[:n] {
			esc[i] = url.PathEscape(seg)
		}
		f, err := r.get.get(ctx, repoPath+"/git/trees/"+strings.Join(esc, "/"), url.Values{"recursive": {"1"}})
		if err != nil {
			return nil, "", "", fmt.Errorf("listing %s/%s at %s: %w: %w", t.owner, t.repo, b, errUnreachable, err)
		}
		if f.status == 409 {
			return nil, "", "", fmt.Errorf("repository %s/%s is empty", t.owner, t.repo)
		}
		if f.status == 404 {
			continue
		}
		var body struct {
			Tree      []treeEntry `json:"tree"`
			Truncated bool        `json:"truncated"`
		}
		if err := json.Unmarshal(f.body, &body); err != nil {
			return nil, "", "", fmt.Errorf("listing %s/%s: %w", t.owner, t.repo, err)
		}
		if body.Truncated {
			return nil, "", "", fmt.Errorf("GitHub truncated the file list of %s/%s at %s (too many files to list in one call)", t.owner, t.repo, b)
		}
		dir = path.Clean(strings.Join(t.ref[n:], "/"))
		if dir == "" {
			dir = "."
		}
		return body.Tree, b, dir, nil
	}
	return nil, "", "", fmt.Errorf("repository %s/%s or branch %s not found (or not visible to the GitHub credentials)", t.owner, t.repo, t.ref[0])
}

// blob returns a file's content by SHA: from memory when read before
// (content under a SHA never changes), else with one call.
func (r *TechDocsReader) blob(ctx context.Context, repoPath, sha string) ([]byte, error) {
	r.mu.Lock()
	data, ok := r.blobs[sha]
	r.mu.Unlock()
	if ok {
		return data, nil
	}
	f, err := r.get.get(ctx, repoPath+"/git/blobs/"+sha, nil)
	if err != nil {
		return nil, err
	}
	if f.status != 200 {
		return nil, fmt.Errorf("blob %s: %d %s", sha, f.status, githubMessage(f.body))
	}
	r.get.forget("/git/blobs/" + sha) // kept below, by SHA, not as a response
	var b struct {
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
	}
	if err := json.Unmarshal(f.body, &b); err != nil {
		return nil, fmt.Errorf("blob %s: %w", sha, err)
	}
	if b.Encoding != "base64" {
		return nil, fmt.Errorf("blob %s: unexpected encoding %q", sha, b.Encoding)
	}
	data, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(b.Content))
	if err != nil {
		return nil, fmt.Errorf("blob %s: bad base64 from GitHub: %w", sha, err)
	}
	r.mu.Lock()
	r.blobs[sha] = data
	r.mu.Unlock()
	return data, nil
}

// forgetBlobs drops every kept blob (a reader used for one-off reads).
func (r *TechDocsReader) forgetBlobs() {
	r.mu.Lock()
	r.blobs = map[string][]byte{}
	r.mu.Unlock()
}

// keepOnly records the blobs the site at url now uses and drops the blobs
// no site's last read uses, so memory follows what the sites hold.
func (r *TechDocsReader) keepOnly(url string, used map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for sha := range used {
		r.refs[sha]++
	}
	for sha := range r.sites[url] {
		if r.refs[sha]--; r.refs[sha] <= 0 {
			delete(r.refs, sha)
			delete(r.blobs, sha)
		}
	}
	r.sites[url] = used
	if len(r.blobs) > len(r.refs) {
		// Blobs of reads that failed half-way: nothing uses them.
		for sha := range r.blobs {
			if r.refs[sha] == 0 {
				delete(r.blobs, sha)
			}
		}
	}
}
