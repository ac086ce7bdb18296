package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

// scaffoldSetup is how chat scaffolding runs in an App. `serve` fills it
// (serve_scaffold.go); without it chat runs are dry runs, in memory.
type scaffoldSetup struct {
	// Publisher creates repositories; nil means publishing is off.
	Publisher scaffold.Publisher
	// Store and Queue keep jobs (Redis with several replicas; nil: memory).
	Store scaffold.JobStore
	Queue scaffold.Queue
	// Notifier carries this process's workers' progress to chat replies.
	Notifier *scaffold.Notifier
	// Poll is how often a reply re-reads a job worked elsewhere.
	Poll         time.Duration
	Policy       *scaffold.Policy
	AllowedHosts []string
	// Fetcher reads remote skeletons (url: https://github.com/...) on the
	// AllowedHosts; nil: only skeletons beside the template.
	Fetcher scaffold.URLFetcher
	// Once dedupes retries across replicas (nil: retries are not deduped).
	Once func(ctx context.Context, key string) (bool, error)
	// Admins may retry anyone's job (catalog.admins).
	Admins []catalog.Ref
	// Registered is the live-catalog Registrar and the "registered" source.
	Registered *ingest.Registry
	// NotConfigured says how to turn publishing on, when it is off.
	NotConfigured string
	// Replies posts a job's outcome to its request's message when the
	// replica following it died (nil: only the following reply does).
	Replies *bot.JobReplies
}

// scaffoldOptions builds the Runner (kept as a.Scaffold, for workers) and
// the chat commands' options from a.Options.Scaffold.
func (a *App) scaffoldOptions() bot.ScaffoldOptions {
	setup := a.Options.Scaffold
	if setup == nil {
		setup = &scaffoldSetup{}
	}
	store := setup.Store
	if store == nil {
		store = scaffold.NewMemJobStore()
	}
	runner := &scaffold.Runner{Store: store, Catalog: a.Store.Current, Policy: setup.Policy, AllowedHosts: setup.AllowedHosts, Fetcher: setup.Fetcher, Once: setup.Once, Log: a.log,
		Redact: func(s string) string { return chat.PublicText(chat.Redactor(a.Options.Secrets).Text(s)) }}
	if setup.Publisher != nil {
		runner.Publisher = setup.Publisher
	}
	if setup.Registered != nil {
		runner.Registrar = setup.Registered
	}
	a.Scaffold = runner
	o := bot.ScaffoldOptions{Catalog: a.Store, Runner: runner, Notifier: setup.Notifier, Poll: setup.Poll, Admins: setup.Admins, NotConfigured: setup.NotConfigured, Replies: setup.Replies}
	if setup.Publisher != nil {
		o.Queue = setup.Queue
		if o.Queue == nil {
			o.Queue = scaffold.NewMemQueue()
			setup.Queue = o.Queue
		}
	}
	return o
}

// loadRegistered adds the registered source to a catalog load, when there
// is one. Failing to read it keeps the load (and logs why).
func (a *App) loadRegistered(ctx context.Context, res *catalog.Result) {
	if a.Options.Scaffold == nil || a.Options.Scaffold.Registered == nil {
		return
	}
	reg, err := a.Options.Scaffold.Registered.Load(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "registered entities not reloaded; they stay in the live catalog until the next load", "err", err)
		// Keep this process's copies rather than drop them.
		reg = &catalog.Result{Entities: a.Options.Scaffold.Registered.MissingFrom(catalog.NewSnapshot(nil, nil))}
	}
	res.Merge(reg)
}

// templateByRef finds a job's template in the current catalog.
func (a *App) templateByRef(_ context.Context, ref string) (*scaffold.Template, error) {
	want, err := catalog.ParseRef(ref, catalog.KindTemplate, "")
	if err != nil {
		return nil, fmt.Errorf("bad template reference %q: %w", ref, err)
	}
	ts, errs := scaffold.Templates(a.Store.Current())
	for _, t := range ts {
		if t.Ref.Key() == want.Key() {
			return t, nil
		}
	}
	for _, e := range errs {
		if strings.Contains(e.Error(), want.Name) {
			return nil, fmt.Errorf("template %s no longer parses: %w", ref, e)
		}
	}
	return nil, fmt.Errorf("template %s is not in the catalog any more", ref)
}
