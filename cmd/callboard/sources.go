package main

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/adapters/backstage"
	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/catalog"
)

// isRemoteSpec reports whether a --catalog value (or catalog.sources entry)
// names a remote source rather than a path.
func isRemoteSpec(spec string) bool { return github.IsSourceSpec(spec) || backstage.IsSpec(spec) }

// remoteSource turns a --catalog value naming a remote source into the
// catalog.Source that reads it, with the credentials of cfg: serve's
// Refresher and the command line (ask, chat, validate) read the same
// sources the same way. gh is the GitHub client for github: sources (nil
// when none is configured).
func remoteSource(spec string, cfg *Config, gh *github.Client) (catalog.Source, error) {
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
		src, err := github.NewSourceFromSpec(gh, spec, github.OrgOptions{})
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

// splitCLISources moves the remote --catalog values of o into o.Sources,
// read by App.Load beside the paths. GitHub sources are not read from the
// command line yet: they are refused with a clear error rather than taken
// for a missing file.
func splitCLISources(o *AppOptions, getenv func(string) string) error {
	var paths []string
	for _, spec := range o.Catalogs {
		switch {
		case backstage.IsSpec(spec):
			src, err := remoteSource(spec, cliConfig(o, getenv), nil)
			if err != nil {
				return err
			}
			o.Sources = append(o.Sources, src)
		case github.IsSourceSpec(spec):
			return fmt.Errorf("catalog source %q: GitHub sources are read only by `callboard serve` so far", spec)
		default:
			paths = append(paths, spec)
		}
	}
	o.Catalogs = paths
	return nil
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
