// Package github connects callboard to GitHub through its REST API
// (google/go-github): client construction with a token or a GitHub App
// installation, GitHub Enterprise base URLs, a retrying transport that honours
// rate limits, the scaffold.Publisher that creates repositories, commits and
// pull requests, catalog discovery across an organisation (OrgSource), the
// Refresher that keeps a catalog.Store current, and the webhook handler.
//
// It implements interfaces of the domain packages (catalog, scaffold) and
// must not depend on chat adapters, bot, or Redis. Its tests run against
// githubtest, an in-process fake GitHub.
package github
