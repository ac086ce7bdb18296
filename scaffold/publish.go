package scaffold

import (
	"context"
	"errors"
)

// ErrRepoExists is returned when a repository name is taken by a repository
// that this job did not create.
var ErrRepoExists = errors.New("repository already exists")

// File is one file of a rendered tree.
type File struct {
	Path       string // slash-separated, relative to the tree root, never leaving it
	Data       []byte
	Executable bool
}

// RepoSpec describes a repository to create.
type RepoSpec struct {
	Host          string // "github.com" or a GitHub Enterprise host
	Owner         string // organisation or user
	Name          string
	Description   string
	Visibility    string // "public", "private" or "internal"
	DefaultBranch string // "" means "main"
	Topics        []string
}

// Repo is a repository that exists.
type Repo struct {
	Owner         string
	Name          string
	HTMLURL       string // https://github.com/o/r
	DefaultBranch string
	// Created is true when this call created it, false when it was found
	// (a retry of the same job).
	Created bool
}

// PullRequestSpec describes a pull request to open.
type PullRequestSpec struct {
	Host   string
	Owner  string
	Repo   string
	Base   string // "" means the repository's default branch
	Branch string // the head branch, created by Commit
	Title  string
	Body   string
	Draft  bool
}

// PullRequest is an opened pull request.
type PullRequest struct {
	Number  int
	HTMLURL string
	Created bool
}

// Publisher is what scaffolding needs from a Git host. Every method is
// idempotent for the same marker, so a job retried after a crash never creates
// anything twice. adapters/github implements it.
type Publisher interface {
	// EnsureRepository creates the repository, empty. When the name is
	// taken it returns the existing repository (Created false) if it is
	// empty or its default branch's head commit message contains marker,
	// and ErrRepoExists otherwise.
	EnsureRepository(ctx context.Context, spec RepoSpec, marker string) (Repo, error)
	// Commit writes files as one commit on branch, with a fixed number of
	// API calls whatever the number of files. When branch does not exist it
	// is created from base ("" for an empty repository's first commit). When
	// the head of branch already has a commit whose message contains marker,
	// that commit's SHA is returned and nothing is written.
	Commit(ctx context.Context, host, owner, repo, branch, base string, files []File, message, marker string) (sha string, err error)
	// EnsurePullRequest opens the pull request, or returns the open one for
	// the same head branch.
	EnsurePullRequest(ctx context.Context, spec PullRequestSpec) (PullRequest, error)
}
