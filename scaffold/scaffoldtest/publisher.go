package scaffoldtest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/callboard/callboard/scaffold"
)

// MemPublisher is an in-memory Git host faithful to scaffold.Publisher's
// contract: markers make every call idempotent, a taken name that is not
// this job's is ErrRepoExists, Commit writes one commit whatever the number
// of files. Tests read Repos and Calls afterwards and inject failures with
// FailNext.
type MemPublisher struct {
	mu    sync.Mutex
	repos map[string]*MemRepo
	calls map[string]int
	fail  map[string]error
}

// MemRepo is a repository held by MemPublisher.
type MemRepo struct {
	Spec     scaffold.RepoSpec
	Branches map[string][]MemCommit // oldest first
	Pulls    []MemPull
}

// MemCommit is one commit: the whole tree at that point.
type MemCommit struct {
	SHA     string
	Message string
	Files   map[string]scaffold.File
}

// MemPull is an opened pull request.
type MemPull struct {
	Number int
	Spec   scaffold.PullRequestSpec
}

// NewMemPublisher returns a host with no repositories.
func NewMemPublisher() *MemPublisher {
	return &MemPublisher{repos: map[string]*MemRepo{}, calls: map[string]int{}, fail: map[string]error{}}
}

func key(host, owner, name string) string {
	if host == "" {
		host = "github.com"
	}
	return strings.ToLower(host + "/" + owner + "/" + name)
}

// AddRepo puts an existing repository with one commit on its default branch.
func (p *MemPublisher) AddRepo(host, owner, name string, files []scaffold.File, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := &MemRepo{Spec: scaffold.RepoSpec{Host: host, Owner: owner, Name: name, DefaultBranch: "main"}, Branches: map[string][]MemCommit{}}
	c := MemCommit{Message: message, Files: map[string]scaffold.File{}}
	for _, f := range files {
		c.Files[f.Path] = f
	}
	c.SHA = sha(c)
	r.Branches["main"] = []MemCommit{c}
	p.repos[key(host, owner, name)] = r
}

// FailNext makes the next call of method ("EnsureRepository", "Commit",
// "EnsurePullRequest") fail with err, before it changes anything.
func (p *MemPublisher) FailNext(method string, err error) {
	p.mu.Lock()
	p.fail[method] = err
	p.mu.Unlock()
}

// Calls returns how many times each method was called.
func (p *MemPublisher) Calls() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.calls {
		out[k] = v
	}
	return out
}

// Repo returns a copy of a repository's state, or nil.
func (p *MemPublisher) Repo(host, owner, name string) *MemRepo {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.repos[key(host, owner, name)]
	if !ok {
		return nil
	}
	c := *r
	c.Branches = map[string][]MemCommit{}
	for b, cs := range r.Branches {
		c.Branches[b] = append([]MemCommit(nil), cs...)
	}
	c.Pulls = append([]MemPull(nil), r.Pulls...)
	return &c
}

// RepoCount is the number of repositories.
func (p *MemPublisher) RepoCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.repos)
}

func (p *MemPublisher) enter(method string) error {
	p.calls[method]++
	if err, ok := p.fail[method]; ok {
		delete(p.fail, method)
		return err
	}
	return nil
}

func sha(c MemCommit) string {
	h := sha1.New()
	h.Write([]byte(c.Message))
	names := make([]string, 0, len(c.Files))
	for n := range c.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h.Write([]byte(n))
		h.Write(c.Files[n].Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (r *MemRepo) defaultBranch() string {
	if r.Spec.DefaultBranch != "" {
		return r.Spec.DefaultBranch
	}
	return "main"
}

func html(host, owner, name string) string {
	if host == "" {
		host = "github.com"
	}
	return "https://" + host + "/" + owner + "/" + name
}

// EnsureRepository implements scaffold.Publisher.
func (p *MemPublisher) EnsureRepository(ctx context.Context, spec scaffold.RepoSpec, marker string) (scaffold.Repo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.enter("EnsureRepository"); err != nil {
		return scaffold.Repo{}, err
	}
	if err := ctx.Err(); err != nil {
		return scaffold.Repo{}, err
	}
	if err := scaffold.CheckRepoName(spec.Name); err != nil {
		return scaffold.Repo{}, err
	}
	k := key(spec.Host, spec.Owner, spec.Name)
	if r, ok := p.repos[k]; ok {
		head := r.Branches[r.defaultBranch()]
		if len(r.Branches) == 0 || (marker != "" && len(head) > 0 && strings.Contains(head[len(head)-1].Message, marker)) {
			return scaffold.Repo{Owner: spec.Owner, Name: spec.Name, HTMLURL: html(spec.Host, spec.Owner, spec.Name), DefaultBranch: r.defaultBranch()}, nil
		}
		return scaffold.Repo{}, fmt.Errorf("%s/%s: %w", spec.Owner, spec.Name, scaffold.ErrRepoExists)
	}
	r := &MemRepo{Spec: spec, Branches: map[string][]MemCommit{}}
	p.repos[k] = r
	return scaffold.Repo{Owner: spec.Owner, Name: spec.Name, HTMLURL: html(spec.Host, spec.Owner, spec.Name), DefaultBranch: r.defaultBranch(), Created: true}, nil
}

// Commit implements scaffold.Publisher.
func (p *MemPublisher) Commit(ctx context.Context, host, owner, repo, branch, base string, files []scaffold.File, message, marker string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.enter("Commit"); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	r, ok := p.repos[key(host, owner, repo)]
	if !ok {
		return "", fmt.Errorf("repository %s/%s not found", owner, repo)
	}
	if len(files) == 0 {
		return "", errors.New("nothing to commit")
	}
	if marker != "" && !strings.Contains(message, marker) {
		message += "\n\n" + marker
	}
	var parent map[string]scaffold.File
	if cs, ok := r.Branches[branch]; ok {
		head := cs[len(cs)-1]
		if marker != "" && strings.Contains(head.Message, marker) {
			return head.SHA, nil
		}
		parent = head.Files
	} else if len(r.Branches) > 0 {
		if base == "" {
			base = r.defaultBranch()
		}
		bs, ok := r.Branches[base]
		if !ok {
			return "", fmt.Errorf("base branch %q of %s/%s not found", base, owner, repo)
		}
		parent = bs[len(bs)-1].Files
		r.Branches[branch] = append([]MemCommit(nil), bs...)
	}
	c := MemCommit{Message: message, Files: map[string]scaffold.File{}}
	for k, f := range parent {
		c.Files[k] = f
	}
	seen := map[string]bool{}
	for _, f := range files {
		if _, err := scaffold.CleanPath(f.Path); err != nil || f.Path != strings.Trim(f.Path, "/") {
			return "", fmt.Errorf("file path %q: bad path", f.Path)
		}
		if seen[f.Path] {
			return "", fmt.Errorf("file path %q appears twice", f.Path)
		}
		seen[f.Path] = true
		c.Files[f.Path] = f
	}
	c.SHA = sha(c)
	r.Branches[branch] = append(r.Branches[branch], c)
	return c.SHA, nil
}

// EnsurePullRequest implements scaffold.Publisher.
func (p *MemPublisher) EnsurePullRequest(ctx context.Context, spec scaffold.PullRequestSpec) (scaffold.PullRequest, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.enter("EnsurePullRequest"); err != nil {
		return scaffold.PullRequest{}, err
	}
	r, ok := p.repos[key(spec.Host, spec.Owner, spec.Repo)]
	if !ok {
		return scaffold.PullRequest{}, fmt.Errorf("repository %s/%s not found", spec.Owner, spec.Repo)
	}
	if _, ok := r.Branches[spec.Branch]; !ok {
		return scaffold.PullRequest{}, fmt.Errorf("head branch %q does not exist", spec.Branch)
	}
	for _, pr := range r.Pulls {
		if pr.Spec.Branch == spec.Branch {
			return scaffold.PullRequest{Number: pr.Number, HTMLURL: fmt.Sprintf("%s/pull/%d", html(spec.Host, spec.Owner, spec.Repo), pr.Number)}, nil
		}
	}
	n := len(r.Pulls) + 1
	r.Pulls = append(r.Pulls, MemPull{Number: n, Spec: spec})
	return scaffold.PullRequest{Number: n, HTMLURL: fmt.Sprintf("%s/pull/%d", html(spec.Host, spec.Owner, spec.Repo), n), Created: true}, nil
}
