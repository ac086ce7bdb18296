// Package githubtest is an in-process fake of the parts of GitHub's REST API
// that callboard uses: repositories, topics, the Git Data API (refs, trees,
// blobs, commits), contents, pull requests, GitHub App installation tokens,
// rate-limit headers, conditional requests, pagination and GitHub-shaped
// error bodies. Tests point the real go-github client at Server.URL and
// inspect the server afterwards (Repo, Calls).
//
// It depends only on the standard library; it must not import callboard's
// packages, so any package's tests can use it.
package githubtest
