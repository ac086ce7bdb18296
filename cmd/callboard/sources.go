package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/callboard/callboard/adapters/backstage"
	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/catalog"
)

// isRemoteSpec reports whether a --catalog value (or catalog.sources entry)
// names a remote source rather than a path.
func isRemoteSpec(spec string) bool { return github.IsSourceSpec(spec) || backstage.IsSpec(spec) }

// splitSources sorts --catalog values (or catalog.sources entries) into
// paths, read from disk, and remote sources (remoteSource): serve and the
// command line sort them here alike.
func splitSources(specs []string) (paths, remote []string) {
	for _, spec := range specs {
		if isRemoteSpec(spec) {
			remote = append(remote, spec)
		} else {
			paths = append(paths, spec)
		}
	}
	return paths, remote
}

// remoteSource turns a --catalog value naming a remote source into the
// catalog.Source that reads it, with the credentials of cfg: serve's
// Refresher and the command line (ask, chat, validate) read the same
// sources the same way. gh is the GitHub client for github: sources (nil
// when none is configured); org how an organisation is read (its
// progress; the command line does not wait for a spent rate limit).
func remoteSource(spec string, cfg *Config, gh *github.Client, org github.OrgOptions) (catalog.Source, error) {
	switch {
	case backstage.IsSpec(spec):
		o := backstage.Options{Token: cfg.secrets.BackstageToken, UIURL: cfg.Backstage.UIURL}
		if !cfg.Backstage.tokenFromEnv {
			o.TokenFile = cfg.Backstage.TokenFile // re-read at every load: a renewed token is picked up
		}
		return backstage.FromSpec(spec, o)
	case github.IsSourceSpec(spec):
		if gh == nil {
			return nil, fmt.Errorf("catalog source %q needs GITHUB_TOKEN or a GitHub App (github.app_id)", spec)
		}
		src, err := github.NewSourceFromSpec(gh, spec, org)
		if err != nil {
			return nil, fmt.Errorf("catalog source %q: %w", spec, err)
		}
		return src, nil
	}
	return nil, fmt.Errorf("catalog source %q is not a remote source (github:ORG, github:ORG/REPO, backstage:URL)", spec)
}

// cliConfig is the configuration the command line reads remote sources and
// asks paging tools with: the --config file's when one was given, else the
// defaults and the environment variables those need alone (BACKSTAGE_TOKEN,
// PAGERDUTY_TOKEN, OPSGENIE_API_KEY and their API URLs), so a bad unrelated
// variable does not stop `ask`.
func cliConfig(o *AppOptions, getenv func(string) string) *Config {
	if o.cfg != nil {
		return o.cfg
	}
	cfg := defaultConfig()
	cfg.secrets.BackstageToken = getenv("BACKSTAGE_TOKEN")
	cfg.secrets.PagerDutyToken = getenv("PAGERDUTY_TOKEN")
	cfg.secrets.OpsgenieAPIKey = getenv("OPSGENIE_API_KEY")
	cfg.OnCall.PagerDuty.APIURL = getenv("PAGERDUTY_API_URL")
	cfg.OnCall.Opsgenie.APIURL = getenv("OPSGENIE_API_URL")
	return &cfg
}

// githubConfig is how serve and the command line reach GitHub: the token
// or App of cfg (its file and the environment) and github.api_url.
func githubConfig(cfg *Config) github.Config {
	gc := github.Config{Token: cfg.secrets.GitHubToken, AppID: cfg.GitHub.AppID, InstallationID: cfg.GitHub.InstallationID, BaseURL: cfg.GitHub.APIURL}
	if cfg.secrets.GitHubPrivateKey != "" {
		gc.PrivateKey = []byte(cfg.secrets.GitHubPrivateKey)
	}
	return gc
}

// cliGitHubConfig is githubConfig for a command-line run: the --config
// file's when one was given, else the environment's GitHub settings alone
// (GITHUB_TOKEN or GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and
// GITHUB_APP_PRIVATE_KEY_FILE or GITHUB_APP_PRIVATE_KEY; GITHUB_API_URL).
func cliGitHubConfig(o *AppOptions, getenv func(string) string) (github.Config, error) {
	if o.cfg != nil {
		return githubConfig(o.cfg), nil
	}
	gc, err := github.ConfigFromEnv(getenv)
	if err != nil {
		return gc, err
	}
	if k := getenv("GITHUB_APP_PRIVATE_KEY"); k != "" && gc.PrivateKeyFile == "" {
		gc.PrivateKey = []byte(k)
	}
	return gc, nil
}

// splitCLISources moves the remote --catalog values of o into o.Sources,
// read by App.Load beside the paths. GitHub sources share one client (with
// the on-disk cache unless o.NoCache), which also reads the url: TechDocs
// sites their entities name.
func splitCLISources(o *AppOptions, getenv func(string) string) error {
	paths, remote := splitSources(o.Catalogs)
	var client *github.Client
	for _, spec := range remote {
		if github.IsSourceSpec(spec) {
			if err := github.CheckSourceSpec(spec); err != nil {
				return err
			}
			if client == nil {
				c, err := cliGitHubClient(o, spec, getenv)
				if err != nil {
					return err
				}
				client = c
				o.DocsRemote = github.NewTechDocsReader(c, github.TechDocsOptions{})
			}
		}
		src, err := remoteSource(spec, cliConfig(o, getenv), client, github.OrgOptions{
			// A person is waiting: report a spent rate limit with its
			// reset time rather than wait for it.
			MaxRateWait: time.Nanosecond,
			Progress:    newProgressLine(o.stderr, o.Quiet).report,
			// With the disk cache, a repository unchanged in the
			// listing since a read made 5 minutes after its last push
			// costs no request.
			TrustUnchangedAfter: 5 * time.Minute,
		})
		if err != nil {
			return err
		}
		if gs, ok := src.(*github.OrgSource); ok {
			src = &cliGitHubSource{OrgSource: gs, spec: spec}
		}
		o.Sources = append(o.Sources, src)
	}
	o.Catalogs = paths
	return nil
}

// cliGitHubClient builds the GitHub client of a command-line run, with
// the on-disk cache unless o.NoCache.
func cliGitHubClient(o *AppOptions, spec string, getenv func(string) string) (*github.Client, error) {
	gc, err := cliGitHubConfig(o, getenv)
	if err != nil {
		return nil, fmt.Errorf("catalog source %q: %w", spec, err)
	}
	if gc.Token == "" && gc.AppID == 0 && gc.InstallationID == 0 && gc.PrivateKeyFile == "" && len(gc.PrivateKey) == 0 {
		return nil, fmt.Errorf("catalog source %q: no GitHub credentials: set GITHUB_TOKEN to a token that can read the repositories, or a GitHub App (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PRIVATE_KEY_FILE); GITHUB_API_URL for GitHub Enterprise", spec)
	}
	// Retries stay short: a spent rate limit is reported, not waited for.
	gc.Retry = github.Retry{MaxWait: 10 * time.Second}
	c, err := github.NewClient(gc)
	if err != nil {
		return nil, fmt.Errorf("catalog source %q: %w", spec, err)
	}
	if !o.NoCache {
		dir := o.CacheDir
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return nil, fmt.Errorf("catalog source %q: no user cache folder (%v): pass --cache DIR or --no-cache", spec, err)
			}
			dir = filepath.Join(base, "callboard")
		}
		cache, err := github.NewDiskCache(dir, 0)
		if err != nil {
			return nil, fmt.Errorf("catalog source %q: %w (pass --cache DIR or --no-cache)", spec, err)
		}
		_, _ = cache.Prune() // bounded between runs; a failure only costs space
		c.UseCache(cache)
	}
	return c, nil
}

// cliGitHubSource is a github: source read from the command line: its
// errors say what to do, and a repository that could not be read because
// of the credentials or the rate limit fails the run rather than leaving
// a catalog with holes.
type cliGitHubSource struct {
	*github.OrgSource
	spec string
}

func (s *cliGitHubSource) Load(ctx context.Context) (*catalog.Result, error) {
	res, err := s.OrgSource.Load(ctx)
	if err != nil {
		return nil, s.explain(err)
	}
	for _, rerr := range s.OrgSource.RepoErrors() {
		if fatalGitHubError(rerr) {
			return nil, s.explain(rerr)
		}
	}
	return res, nil
}

// fatalGitHubError: the run cannot go on (credentials, rate limit).
func fatalGitHubError(err error) bool {
	if _, ok := github.RateLimitReset(err); ok {
		return true
	}
	st, _, ok := github.ErrorStatus(err)
	return ok && (st == 401 || st == 403)
}

// explain words a GitHub source's failure for the person at the terminal.
func (s *cliGitHubSource) explain(err error) error {
	if reset, ok := github.RateLimitReset(err); ok {
		return fmt.Errorf("catalog source %q: the GitHub rate limit is used up until %s (%s UTC): try again then, or use a GitHub App, whose limit is higher; the cache makes the next runs cost little",
			s.spec, reset.Local().Format("15:04:05 MST"), reset.UTC().Format("15:04:05"))
	}
	if errors.Is(err, github.ErrNoSuchOwner) {
		return fmt.Errorf("catalog source %q: there is no organisation or user %q on GitHub, or the credentials cannot see it: check the name after github:", s.spec, s.Org())
	}
	if st, msg, ok := github.ErrorStatus(err); ok {
		switch st {
		case 401:
			return fmt.Errorf("catalog source %q: GitHub refused the credentials (401 %s): check GITHUB_TOKEN (or the App settings) and renew it if it expired", s.spec, msg)
		case 403:
			return fmt.Errorf("catalog source %q: the credentials have no access (403 %s): give the token read access to the repositories (Contents and Metadata read, or the repo scope), or install the App on them", s.spec, msg)
		}
	}
	return fmt.Errorf("catalog source %q: %w", s.spec, err)
}

// progressLine shows how far the reading of an organisation has got, on
// one line of a terminal rewritten in place. It is silent when w is not a
// terminal, or quiet.
type progressLine struct {
	w   io.Writer
	on  bool
	mu  sync.Mutex
	len int
}

// stderrIsTerminal reports whether w is a terminal (a variable for tests).
var stderrIsTerminal = func(w io.Writer) bool { return isTerminal(w) }

func newProgressLine(w io.Writer, quiet bool) *progressLine {
	return &progressLine{w: w, on: w != nil && !quiet && stderrIsTerminal(w)}
}

func (p *progressLine) report(g github.Progress) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf("github:%s: %d of %d repositories, %d %s", g.Org, g.Scanned, g.Total, g.Files, plural(g.Files, "file", "files"))
	if g.RateLimit > 0 {
		line += fmt.Sprintf(", rate limit %d of %d left", g.RateRemaining, g.RateLimit)
	}
	// \r and erase-line: the line is rewritten in place.
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	if g.Scanned >= g.Total {
		fmt.Fprintln(p.w)
	}
}

// loadSources reads the remote sources of a command-line run, in order. A
// source that fails fails the run: its error says what to do.
func loadSources(ctx context.Context, sources []catalog.Source) (*catalog.Result, error) {
	res := &catalog.Result{}
	for _, s := range sources {
		r, err := s.Load(ctx)
		if err != nil {
			return nil, err
		}
		res.Merge(r)
	}
	return res, nil
}
