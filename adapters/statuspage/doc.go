// Package statuspage serves the operator status page of `callboard serve`:
// GET /status (HTML from html/template, inline responsive CSS, no script,
// no front-end build) and GET /status.json (the same Report as JSON).
//
// What the page shows is a Report, built by whoever runs the server (main)
// and passed through Options.Redact before it is shown, so no secret that
// an error happened to echo reaches the page. The page is behind a token:
// a request carries it as "Authorization: Bearer TOKEN", or a person logs
// in through the page's form, which sets an HttpOnly, SameSite=Strict
// cookie holding an expiring HMAC of the token (never the token itself).
//
// It depends on nothing of callboard but the Report it is given: not on
// the catalog, Redis or GitHub packages.
package statuspage
