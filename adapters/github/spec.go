package github

import (
	"fmt"
	"strings"
)

// IsSourceSpec reports whether a --catalog value names GitHub ("github:...").
func IsSourceSpec(spec string) bool { return strings.HasPrefix(spec, "github:") }

// NewSourceFromSpec builds the OrgSource a --catalog value names:
// "github:ORG" (every repository of ORG) or "github:ORG/REPO" (one
// repository). opts.Repos is set from REPO when given.
func NewSourceFromSpec(c *Client, spec string, opts OrgOptions) (*OrgSource, error) {
	rest, ok := strings.CutPrefix(spec, "github:")
	if !ok {
		return nil, fmt.Errorf("catalog source %q does not start with github:", spec)
	}
	org, repo, hasRepo := strings.Cut(strings.Trim(rest, "/"), "/")
	if org == "" || (hasRepo && (repo == "" || strings.Contains(repo, "/"))) {
		return nil, fmt.Errorf("catalog source %q: write github:ORG or github:ORG/REPO", spec)
	}
	if hasRepo {
		if err := ValidateRepoName(repo); err != nil {
			return nil, fmt.Errorf("catalog source %q: %w", spec, err)
		}
		opts.Repos = []string{repo}
	}
	return NewOrgSource(c, org, opts), nil
}

// CheckSourceSpec says whether spec is a well-formed github:ORG or
// github:ORG/REPO, without a client (configuration checks).
func CheckSourceSpec(spec string) error {
	_, err := NewSourceFromSpec(nil, spec, OrgOptions{})
	return err
}
