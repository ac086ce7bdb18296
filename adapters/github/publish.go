package github

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"

	"github.com/callboard/callboard/scaffold"
)

var _ scaffold.Publisher = (*Publisher)(nil)

// initMessage is the message of the placeholder commit that initialises an
// empty repository (the Git Data API refuses to write to one). Commit
// replaces it with a root commit, so it never stays in history.
const initMessage = "callboard: initialise repository"

// Publisher implements scaffold.Publisher on GitHub. Every method makes a
// fixed number of API calls, whatever the number of files (binary files
// excepted: each costs one blob upload).
type Publisher struct {
	client *Client

	mu    sync.Mutex
	login string // the authenticated user's login, once known
}

// NewPublisher returns a Publisher that publishes through c.
func NewPublisher(c *Client) *Publisher {
	return &Publisher{client: c}
}

// ValidateRepoName applies GitHub's rules for repository names: 1 to 100
// characters of ASCII letters, digits, '-', '_' and '.', not "." or "..".
func ValidateRepoName(name string) error {
	if name == "" {
		return errors.New("repository name is empty")
	}
	if len(name) > 100 {
		return fmt.Errorf("repository name %q is longer than 100 characters", name)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("repository name %q is reserved", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("repository name %q may only contain ASCII letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

func status(resp *gh.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

// isUser reports whether owner is the authenticated user (so repositories
// are created under /user/repos). An App installation has no user.
func (p *Publisher) isUser(ctx context.Context, c *Client, owner string) bool {
	p.mu.Lock()
	login := p.login
	p.mu.Unlock()
	if login == "" {
		u, resp, err := c.GitHub.Users.Get(ctx, "")
		switch {
		case err == nil:
			login = u.GetLogin()
		case status(resp) == http.StatusForbidden || status(resp) == http.StatusUnauthorized || status(resp) == http.StatusNotFound:
			login = "\x00" // an App installation has no user: owners are organisations
		default:
			return false // unknown this time: ask again next time
		}
		p.mu.Lock()
		p.login = login
		p.mu.Unlock()
	}
	return strings.EqualFold(login, owner)
}

func (p *Publisher) ensureRepository(ctx context.Context, spec scaffold.RepoSpec, marker string) (scaffold.Repo, error) {
	if err := ValidateRepoName(spec.Name); err != nil {
		return scaffold.Repo{}, err
	}
	if spec.Owner == "" {
		return scaffold.Repo{}, fmt.Errorf("repository %q has no owner", spec.Name)
	}
	vis := spec.Visibility
	switch vis {
	case "", "public", "private", "internal":
	default:
		return scaffold.Repo{}, fmt.Errorf("repository visibility %q is not public, private or internal", vis)
	}
	branch := spec.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	c := p.client
	full := spec.Owner + "/" + spec.Name
	org := spec.Owner
	if p.isUser(ctx, c, spec.Owner) {
		org = ""
	}
	in := &gh.Repository{Name: gh.String(spec.Name), AutoInit: gh.Bool(false)}
	if spec.Description != "" {
		in.Description = gh.String(spec.Description)
	}
	if vis != "" {
		in.Visibility = gh.String(vis)
		in.Private = gh.Bool(vis != "public")
	}
	created, resp, err := c.GitHub.Repositories.Create(ctx, org, in)
	switch {
	case err == nil:
		if err := p.setTopics(ctx, c, spec, nil); err != nil {
			return scaffold.Repo{}, err
		}
		return scaffold.Repo{Owner: spec.Owner, Name: spec.Name, HTMLURL: created.GetHTMLURL(), DefaultBranch: branch, Created: true}, nil
	case status(resp) == http.StatusUnprocessableEntity && nameTaken(err):
		// Ours from an earlier try, or someone else's.
	default:
		return scaffold.Repo{}, fmt.Errorf("create repository %s: %w", full, err)
	}
	existing, _, err := c.GitHub.Repositories.Get(ctx, spec.Owner, spec.Name)
	if err != nil {
		return scaffold.Repo{}, fmt.Errorf("repository %s exists but cannot be read: %w", full, err)
	}
	head, resp, err := c.GitHub.Git.GetRef(ctx, spec.Owner, spec.Name, "heads/"+existing.GetDefaultBranch())
	switch {
	case status(resp) == http.StatusConflict:
		// Empty: nothing was written yet, so it is safe to take over.
	case err != nil:
		return scaffold.Repo{}, fmt.Errorf("repository %s exists: %w: %w", full, scaffold.ErrRepoExists, err)
	default:
		cm, _, err := c.GitHub.Git.GetCommit(ctx, spec.Owner, spec.Name, head.GetObject().GetSHA())
		if err != nil {
			return scaffold.Repo{}, fmt.Errorf("read head commit of %s: %w", full, err)
		}
		ours := marker != "" && strings.Contains(cm.GetMessage(), marker)
		initialised := cm.GetMessage() == initMessage && len(cm.Parents) == 0 // an earlier try stopped after initialising
		if !ours && !initialised {
			return scaffold.Repo{}, fmt.Errorf("%s: %w (it was not created by this job)", full, scaffold.ErrRepoExists)
		}
		branch = existing.GetDefaultBranch()
	}
	if err := p.setTopics(ctx, c, spec, existing.Topics); err != nil {
		return scaffold.Repo{}, err
	}
	return scaffold.Repo{Owner: existing.GetOwner().GetLogin(), Name: existing.GetName(), HTMLURL: existing.GetHTMLURL(), DefaultBranch: branch}, nil
}

func nameTaken(err error) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) {
		return false
	}
	for _, e := range er.Errors {
		if strings.Contains(e.Message, "already exists") {
			return true
		}
	}
	return strings.Contains(er.Message, "already exists")
}

func (p *Publisher) setTopics(ctx context.Context, c *Client, spec scaffold.RepoSpec, have []string) error {
	if len(spec.Topics) == 0 {
		return nil
	}
	want := make([]string, len(spec.Topics))
	for i, t := range spec.Topics {
		want[i] = strings.ToLower(t)
	}
	if slices.Equal(want, have) {
		return nil
	}
	if _, _, err := c.GitHub.Repositories.ReplaceAllTopics(ctx, spec.Owner, spec.Name, want); err != nil {
		return fmt.Errorf("set topics of %s/%s: %w", spec.Owner, spec.Name, err)
	}
	return nil
}

func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, "\\") {
		return fmt.Errorf("file path %q is not a clean relative path inside the repository", p)
	}
	return nil
}

func binary(b []byte) bool { return !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 }

// commit is Commit. Calls: read the branch ref and its
// head commit (plus the base's when the branch is new), then one tree, one
// commit and one ref update. An empty repository first gets its first file
// through the contents API (the Git Data API answers 409 there), and the
// commit written on top is a root commit that replaces it, so the branch
// history is the one commit.
func (p *Publisher) commit(ctx context.Context, host, owner, repo, branch, base string, files []scaffold.File, message, marker string) (string, error) {
	if len(files) == 0 {
		return "", errors.New("nothing to commit: the tree has no files")
	}
	if branch == "" {
		return "", errors.New("commit needs a branch name")
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return "", err
		}
		if seen[f.Path] {
			return "", fmt.Errorf("file path %q appears twice", f.Path)
		}
		seen[f.Path] = true
	}
	if marker != "" && !strings.Contains(message, marker) {
		message += "\n\n" + marker
	}
	c := p.client
	full := owner + "/" + repo
	g := c.GitHub.Git

	var parent, baseTree string
	branchExists, replaceRoot := false, false
	ref, resp, err := g.GetRef(ctx, owner, repo, "heads/"+branch)
	switch {
	case err == nil:
		branchExists = true
		head, _, err := g.GetCommit(ctx, owner, repo, ref.GetObject().GetSHA())
		if err != nil {
			return "", fmt.Errorf("read head of %s@%s: %w", full, branch, err)
		}
		if marker != "" && strings.Contains(head.GetMessage(), marker) {
			return head.GetSHA(), nil
		}
		if head.GetMessage() == initMessage && len(head.Parents) == 0 {
			replaceRoot = true // an earlier try initialised the repository and stopped
		} else {
			parent, baseTree = head.GetSHA(), head.GetTree().GetSHA()
		}
	case status(resp) == http.StatusConflict:
		if err := p.initialise(ctx, c, owner, repo, branch, files[0]); err != nil {
			return "", err
		}
		branchExists, replaceRoot = true, true
	case status(resp) == http.StatusNotFound:
		if base == "" {
			r, _, err := c.GitHub.Repositories.Get(ctx, owner, repo)
			if err != nil {
				return "", fmt.Errorf("read repository %s: %w", full, err)
			}
			base = r.GetDefaultBranch()
		}
		bref, bresp, err := g.GetRef(ctx, owner, repo, "heads/"+base)
		if status(bresp) == http.StatusConflict {
			// Empty after all: the branch becomes the first one.
			if err := p.initialise(ctx, c, owner, repo, branch, files[0]); err != nil {
				return "", err
			}
			branchExists, replaceRoot = true, true
			break
		}
		if err != nil {
			return "", fmt.Errorf("base branch %q of %s: %w", base, full, err)
		}
		bc, _, err := g.GetCommit(ctx, owner, repo, bref.GetObject().GetSHA())
		if err != nil {
			return "", fmt.Errorf("read head of %s@%s: %w", full, base, err)
		}
		parent, baseTree = bc.GetSHA(), bc.GetTree().GetSHA()
	default:
		return "", fmt.Errorf("read branch %s of %s: %w", branch, full, err)
	}

	entries := make([]*gh.TreeEntry, 0, len(files))
	for _, f := range files {
		mode := "100644"
		if f.Executable {
			mode = "100755"
		}
		e := &gh.TreeEntry{Path: gh.String(f.Path), Mode: gh.String(mode), Type: gh.String("blob")}
		if binary(f.Data) {
			b, _, err := g.CreateBlob(ctx, owner, repo, &gh.Blob{Content: gh.String(base64.StdEncoding.EncodeToString(f.Data)), Encoding: gh.String("base64")})
			if err != nil {
				return "", fmt.Errorf("upload %s to %s: %w", f.Path, full, err)
			}
			e.SHA = b.SHA
		} else {
			e.Content = gh.String(string(f.Data))
		}
		entries = append(entries, e)
	}
	tree, _, err := g.CreateTree(ctx, owner, repo, baseTree, entries)
	if err != nil {
		return "", fmt.Errorf("write tree of %d files to %s: %w", len(files), full, err)
	}
	in := &gh.Commit{Message: gh.String(message), Tree: &gh.Tree{SHA: tree.SHA}}
	if parent != "" {
		in.Parents = []*gh.Commit{{SHA: gh.String(parent)}}
	}
	cm, _, err := g.CreateCommit(ctx, owner, repo, in, nil)
	if err != nil {
		return "", fmt.Errorf("write commit to %s: %w", full, err)
	}
	newRef := &gh.Reference{Ref: gh.String("refs/heads/" + branch), Object: &gh.GitObject{SHA: cm.SHA}}
	if branchExists {
		_, _, err = g.UpdateRef(ctx, owner, repo, newRef, replaceRoot)
	} else {
		_, _, err = g.CreateRef(ctx, owner, repo, newRef)
	}
	if err != nil {
		return "", fmt.Errorf("move %s of %s to the new commit: %w", branch, full, err)
	}
	return cm.GetSHA(), nil
}

// initialise gives an empty repository its first commit on branch.
func (p *Publisher) initialise(ctx context.Context, c *Client, owner, repo, branch string, f scaffold.File) error {
	_, _, err := c.GitHub.Repositories.CreateFile(ctx, owner, repo, f.Path, &gh.RepositoryContentFileOptions{
		Message: gh.String(initMessage), Content: f.Data, Branch: gh.String(branch),
	})
	if err != nil {
		return fmt.Errorf("initialise empty repository %s/%s: %w", owner, repo, err)
	}
	return nil
}

func (p *Publisher) ensurePullRequest(ctx context.Context, spec scaffold.PullRequestSpec) (scaffold.PullRequest, error) {
	if spec.Branch == "" || spec.Title == "" {
		return scaffold.PullRequest{}, errors.New("a pull request needs a head branch and a title")
	}
	c := p.client
	full := spec.Owner + "/" + spec.Repo
	base := spec.Base
	if base == "" {
		r, _, err := c.GitHub.Repositories.Get(ctx, spec.Owner, spec.Repo)
		if err != nil {
			return scaffold.PullRequest{}, fmt.Errorf("read repository %s: %w", full, err)
		}
		base = r.GetDefaultBranch()
	}
	find := func() (*gh.PullRequest, error) {
		list, _, err := c.GitHub.PullRequests.List(ctx, spec.Owner, spec.Repo, &gh.PullRequestListOptions{
			State: "open", Head: spec.Owner + ":" + spec.Branch, Base: base,
		})
		if err != nil {
			return nil, fmt.Errorf("list pull requests of %s: %w", full, err)
		}
		if len(list) > 0 {
			return list[0], nil
		}
		return nil, nil
	}
	if pr, err := find(); err != nil || pr != nil {
		if err != nil {
			return scaffold.PullRequest{}, err
		}
		return scaffold.PullRequest{Number: pr.GetNumber(), HTMLURL: pr.GetHTMLURL()}, nil
	}
	pr, resp, err := c.GitHub.PullRequests.Create(ctx, spec.Owner, spec.Repo, &gh.NewPullRequest{
		Title: gh.String(spec.Title), Head: gh.String(spec.Branch), Base: gh.String(base),
		Body: gh.String(spec.Body), Draft: gh.Bool(spec.Draft),
	})
	if err != nil {
		if status(resp) == http.StatusUnprocessableEntity {
			// Opened concurrently by another try.
			if pr, ferr := find(); ferr == nil && pr != nil {
				return scaffold.PullRequest{Number: pr.GetNumber(), HTMLURL: pr.GetHTMLURL()}, nil
			}
		}
		return scaffold.PullRequest{}, fmt.Errorf("open pull request %s into %s of %s: %w", spec.Branch, base, full, err)
	}
	return scaffold.PullRequest{Number: pr.GetNumber(), HTMLURL: pr.GetHTMLURL(), Created: true}, nil
}
