// Package github connects callboard to GitHub through its REST API
// (google/go-github): client construction with a token or a GitHub App
// installation, GitHub Enterprise base URLs, a retrying transport that honours
// rate limits, the scaffold.Publisher that creates repositories, commits and
// pull requests, catalog discovery across an organisation (OrgSource, an
// ingest.RepoSource the catalog/ingest Refresher combines with any other
// source), and the webhook handler.
//
// It implements interfaces of the domain packages (catalog, catalog/ingest,
// scaffold) and
// must not depend on chat adapters, bot, or Redis. Its tests run against
// githubtest, an in-process fake GitHub.
package github
