package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
	"github.com/callboard/callboard/catalog/health"
	"github.com/callboard/callboard/examples"
	"github.com/callboard/callboard/scaffold"
)

// AppOptions are what every entry point (ask, chat, serve) builds the bot from.
type AppOptions struct {
	// Catalogs are catalog paths (files, directories, Location files). Empty,
	// with no Sources, means the embedded example organisation.
	Catalogs []string
	// Sources are remote catalog sources (a Backstage instance) Load reads
	// beside Catalogs: the command line's; serve's Refresher reads its own.
	Sources []catalog.Source
	// RemoteOnly says the catalog comes only from remote sources that serve
	// loads after start: NewApp loads nothing and starts with an empty
	// snapshot (answers say the catalog is still loading, through
	// App.SetLoading).
	RemoteOnly bool
	// Docs are TechDocs site paths for `docs` (beside the catalog's own sites).
	Docs []string
	// DocsBaseURL is docs.base_url: the pattern links to rendered pages follow.
	DocsBaseURL string
	// Config is the callboard.yaml path; `ask` and `chat` read it through
	// applyConfigFile before NewApp (serve reads it itself).
	Config string
	// PageSize is the number of list items per answer page (0: the bot's default).
	PageSize int
	// InChannel answers lookups visibly to the channel (chat platforms).
	InChannel bool
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Secrets are the configured secret values: no answer, job record or
	// status shows them (tokens are also recognised by their shape).
	Secrets []string

	// State for the middleware. Nil Dedupe and RateLimiter mean in-memory
	// ones; nil Audit means no audit log. RateLimit (requests per second per
	// user) and Burst of 0 turn rate limiting off.
	Dedupe      chat.Dedupe
	DedupeTTL   time.Duration
	RateLimiter chat.RateLimiter
	RateLimit   float64
	Burst       int
	Audit       chat.Audit
	// Metrics counts every request outermost and watches the App's
	// catalog and docs index (nil: no metrics).
	Metrics *Metrics

	// Scaffold wires chat scaffolding (serve sets it); nil: dry runs only.
	Scaffold *scaffoldSetup

	// cfg is the --config file applyConfigFile read (nil: none), for the
	// credentials of remote sources.
	cfg *Config

	// DocsRemote reads url: TechDocs sites (the command line's GitHub
	// sources set it); it becomes App.DocsRemote.
	DocsRemote docs.SiteReader
	// Quiet hides the progress of remote sources (-q); CacheDir and
	// NoCache are --cache and --no-cache (GitHub answers kept on disk).
	Quiet    bool
	CacheDir string
	NoCache  bool
	// stderr receives progress while remote sources are read (a terminal only).
	stderr io.Writer

	// OnCall names who is on call now (PagerDuty, Opsgenie); nil: the
	// embedded example organisation's example rota when it is served, else
	// on-call answers from the catalog alone. OnCallStash caches its
	// answers (nil: in memory).
	OnCall      bot.OnCall
	OnCallStash chat.Stash
	// OnCallTTL and OnCallTimeout are oncall.cache_ttl and oncall.timeout.
	OnCallTTL, OnCallTimeout time.Duration

	// HealthRules are health.rules (nil: the --config file's, else defaults).
	HealthRules health.Config
}

// App is callboard assembled: the catalog Store and the Router with the
// built-in commands and middleware. main's sub-commands and end-to-end tests
// run the same App.
type App struct {
	Options AppOptions
	Store   *catalog.Store
	Router  *chat.Router
	// Problems are those of the last catalog load.
	Problems []catalog.Problem
	// Docs holds the documentation index, rebuilt by Load.
	Docs *docs.Holder
	// Health is the catalog health reports of the `health` command, one
	// check per snapshot.
	Health *bot.HealthReports
	// DocsRemote reads url: TechDocs sites (GitHub's, set by serve when
	// GitHub is configured); nil: they are named as not read.
	DocsRemote docs.SiteReader
	// Scaffold runs the chat's scaffold jobs (workers call its Work).
	Scaffold *scaffold.Runner
	log      *slog.Logger
	// loading, when set (by serve, before it serves), reports whether some
	// catalog source has not loaded yet.
	loading atomic.Pointer[func() bool]
	// progress, when set, says how far that load has got.
	progress atomic.Pointer[func() string]
}

// SetLoading tells the answers how to know that the catalog is still
// loading (some remote source not read yet).
func (a *App) SetLoading(f func() bool) { a.loading.Store(&f) }

// catalogView is the App's Store as the bot sees it: with Loading.
type catalogView struct{ a *App }

func (v catalogView) Current() *catalog.Snapshot { return v.a.Store.Current() }

// SetLoadingProgress tells the answers how far the load has got.
func (a *App) SetLoadingProgress(f func() string) { a.progress.Store(&f) }

func (v catalogView) LoadingProgress() string {
	if f := v.a.progress.Load(); f != nil {
		return (*f)()
	}
	return ""
}

func (v catalogView) Loading() bool {
	f := v.a.loading.Load()
	return f != nil && (*f)()
}

// docSearch adapts a docs.Holder to bot.DocSearcher.
type docSearch struct{ h *docs.Holder }

func (d docSearch) SearchDocs(ctx context.Context, q string, entity *catalog.Ref, limit, offset int) ([]chat.DocHit, int, error) {
	ix := d.h.Current()
	if ix == nil {
		return nil, 0, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	hits, total := ix.Search(q, docs.SearchOptions{Entity: entity, Limit: limit, Offset: offset})
	out := make([]chat.DocHit, len(hits))
	for i, h := range hits {
		out[i] = chat.DocHit{Page: h.Page, Anchor: h.Anchor, Title: h.Title, Heading: h.Heading, Snippet: h.Snippet, URL: h.URL, Score: h.Score}
		if !h.Entity.IsZero() {
			out[i].Entity = h.Entity.String()
		}
	}
	return out, total, nil
}

// onCall is the on-call source answers use, cached.
func (a *App) onCall() (bot.OnCall, error) {
	oc := a.Options.OnCall
	if oc == nil && len(a.Options.Catalogs) == 0 {
		fsys, _ := embeddedOrg()
		r, err := rota.Load(fsys, examples.Rota)
		if err != nil {
			return nil, err
		}
		oc = r
	}
	if oc == nil {
		return nil, nil
	}
	st := a.Options.OnCallStash
	if st == nil {
		st = chat.NewMemoryStash()
	}
	return &bot.CachedOnCall{Next: oc, Stash: st, TTL: a.Options.OnCallTTL, Logger: a.log}, nil
}

// embeddedOrg returns the example organisation built into the binary and
// the Location file to start from.
var embeddedOrg = func() (fs.FS, string) { return examples.FS, examples.Root }

// NewApp loads the catalog and builds the Router.
func NewApp(ctx context.Context, opts AppOptions) (*App, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &App{Options: opts, Store: catalog.NewStore(nil), Docs: docs.NewHolder(nil), DocsRemote: opts.DocsRemote, log: log}
	if opts.RemoteOnly {
		// An empty catalog until the first load, never the embedded example
		// organisation in its place; answers say it is still loading.
		a.Store.Swap(catalog.NewSnapshot(nil, nil))
	} else if err := a.Load(ctx); err != nil {
		return nil, err
	}
	r := chat.NewRouter(chat.RouterOptions{Default: "info", Empty: "help", Logger: log})
	oc, err := a.onCall()
	if err != nil {
		return nil, err
	}
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalogView{a}, Docs: docSearch{a.Docs}, PageSize: opts.PageSize, InChannel: opts.InChannel, OnCall: oc, OnCallTimeout: opts.OnCallTimeout, Jobs: appJobs{a}}); err != nil {
		return nil, err
	}
	if opts.Scaffold != nil && opts.Scaffold.Registered != nil {
		opts.Scaffold.Registered.Attach(a.Store)
	}
	if err := bot.RegisterScaffold(r, a.scaffoldOptions()); err != nil {
		return nil, err
	}
	if err := registerHealth(r, a); err != nil { // health.go
		return nil, err
	}
	r.Use(a.middleware()...)
	a.Router = r
	return a, nil
}

// middleware is the Router's middleware in order, outermost first: metrics
// (so refusals, duplicates and failures are counted as the asker saw them),
// the redactor (every answer and follow-up passes it), recovery, the audit
// log, dedupe and the rate limit.
func (a *App) middleware() []chat.Middleware {
	opts, log := a.Options, a.log
	var mw []chat.Middleware
	if opts.Metrics != nil {
		opts.Metrics.watch(a.Store, a.Docs)
		mw = append(mw, opts.Metrics.Middleware())
	}
	mw = append(mw, chat.Redacting(chat.Redactor(opts.Secrets).Text), chat.Recovered(log))
	if opts.Audit != nil {
		mw = append(mw, chat.Audited(opts.Audit, log))
	}
	d := opts.Dedupe
	if d == nil {
		d = chat.NewMemoryDedupe()
	}
	ttl := opts.DedupeTTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	mw = append(mw, chat.Deduplicated(d, ttl, log))
	if opts.RateLimiter != nil || (opts.RateLimit > 0 && opts.Burst > 0) {
		rl := opts.RateLimiter
		if rl == nil {
			rl = chat.NewMemoryRateLimiter(opts.RateLimit, opts.Burst)
		}
		mw = append(mw, chat.RateLimited(rl, log))
	}
	return mw
}

// Load reads the catalog again and swaps it in; requests in flight keep
// the snapshot they have. A load that finds no entity at all is an error
// and keeps the current snapshot.
func (a *App) Load(ctx context.Context) error {
	var res *catalog.Result
	switch {
	case len(a.Options.Catalogs) == 0 && len(a.Options.Sources) == 0:
		if embeddedOrg == nil {
			return errors.New("no --catalog given and this build has no embedded example organisation: pass --catalog PATH")
		}
		fsys, root := embeddedOrg()
		res = catalog.LoadFS(ctx, fsys, []string{root}, catalog.LoadOptions{Source: "examples"})
	case len(a.Options.Catalogs) == 0:
		res = &catalog.Result{}
	default:
		res = catalog.LoadPaths(ctx, a.Options.Catalogs)
	}
	if len(a.Options.Sources) > 0 {
		start := time.Now()
		remote, err := loadSources(ctx, a.Options.Sources)
		if err != nil {
			return err
		}
		res.Merge(remote)
		a.log.InfoContext(ctx, "remote catalog sources loaded", "sources", len(a.Options.Sources), "entities", len(remote.Entities), "duration", time.Since(start).Round(time.Millisecond).String())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Files that are not descriptors (OpenAPI definitions beside them) carry no kind.
	kept := res.Entities[:0]
	for _, e := range res.Entities {
		if e.Kind != "" && e.Metadata.Name != "" {
			kept = append(kept, e)
		}
	}
	res.Entities = kept
	if len(res.Entities) == 0 {
		msg := "no catalog entities found in " + strings.Join(a.catalogNames(), ", ")
		if len(res.Problems) > 0 {
			msg += ": " + res.Problems[0].String()
		}
		return errors.New(msg)
	}
	a.loadRegistered(ctx, res)
	s := catalog.Build(res)
	a.Store.Swap(s)
	a.Problems = s.Problems()
	errs := 0
	for _, p := range a.Problems {
		if p.Severity == catalog.Error {
			errs++
		}
	}
	a.log.InfoContext(ctx, "catalog loaded", "entities", s.Len(), "problems", len(a.Problems), "errors", errs, "version", s.Version())
	return a.loadDocs(ctx, s)
}

// loadDocs rebuilds the documentation index from the snapshot's TechDocs
// sites and the --docs sites. A site that cannot be read is a problem, not
// a failure: the others are still searched. Sites named with --docs and no
// catalog are searched alone: the embedded example organisation is there
// for its entities, and its docs would compete with the sites asked for.
func (a *App) loadDocs(ctx context.Context, s *catalog.Snapshot) error {
	var sites []docs.Site
	var probs []catalog.Problem
	if len(a.Options.Catalogs) > 0 || len(a.Options.Docs) == 0 {
		sites, probs = docs.SitesFromSnapshotWith(ctx, s, a.DocsRemote)
	}
	loose, err := looseSites(a.Options.Docs)
	if err != nil {
		return err
	}
	sites = append(sites, loose...)
	probs = append(probs, a.Docs.Rebuild(ctx, sites, docs.BuildOptions{BaseURL: a.Options.DocsBaseURL})...)
	a.Problems = append(a.Problems, probs...)
	a.log.InfoContext(ctx, "docs indexed", "sites", len(sites), "problems", len(probs))
	return ctx.Err()
}

// looseSites reads the TechDocs sites named by --docs and docs.paths. A
// site that cannot be read is an error everywhere: the index is not
// rebuilt (the previous one keeps serving) and the error is reported.
func looseSites(paths []string) ([]docs.Site, error) {
	var sites []docs.Site
	for _, p := range paths {
		site, err := docs.LooseSite(p)
		if err != nil {
			return nil, err
		}
		sites = append(sites, site)
	}
	return sites, nil
}

func (a *App) catalogNames() []string {
	names := append([]string(nil), a.Options.Catalogs...)
	for _, s := range a.Options.Sources {
		names = append(names, s.Name())
	}
	if len(names) == 0 {
		return []string{"the embedded example organisation"}
	}
	return names
}

// ProblemSummary is one line about load problems for a CLI's stderr ("" when none).
func (a *App) ProblemSummary() string {
	errs := 0
	for _, p := range a.Problems {
		if p.Severity == catalog.Error {
			errs++
		}
	}
	if errs == 0 {
		return ""
	}
	return fmt.Sprintf("callboard: %d %s in the catalog or its docs (run `callboard validate` on the catalog for details)", errs, plural(errs, "problem", "problems"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	*l = append(*l, v)
	return nil
}

// appFlags adds the flags every entry point shares to fs.
func appFlags(fs *flag.FlagSet, o *AppOptions) {
	fs.Var((*listFlag)(&o.Catalogs), "catalog", "catalog `PATH` (file, directory or Location file) github:ORG or github:ORG/REPO (with GITHUB_TOKEN or a GitHub App), or backstage:URL (with BACKSTAGE_TOKEN or backstage.token_file); repeatable; default: the embedded example organisation")
	fs.Var((*listFlag)(&o.Docs), "docs", "TechDocs site `PATH` (a folder holding mkdocs.yml) to search besides the catalog's own (with no --catalog, instead of the example organisation's); repeatable")
	fs.StringVar(&o.Config, "config", "", "callboard.yaml `FILE`: its catalog sources (unless --catalog is given), docs.paths and docs.base_url")
	cacheFlags(fs, o)
}

// cacheFlags are the flags of commands that read remote catalogs.
func cacheFlags(fs *flag.FlagSet, o *AppOptions) {
	fs.BoolVar(&o.Quiet, "q", false, "no progress on stderr while a GitHub organisation is read")
	fs.StringVar(&o.CacheDir, "cache", "", "keep GitHub answers with their ETags in `DIR` (default: the user cache folder's callboard); safe to delete")
	fs.BoolVar(&o.NoCache, "no-cache", false, "keep no GitHub answers on disk")
}

// parseInterspersed parses flags anywhere among args ("ask 'who owns x' --json")
// and returns the other arguments in order. "--" ends flag parsing.
// parseCommandLine is parseInterspersed for a sub-command: not ok, it
// gives the exit code (0 after -h, 2 for a usage error fs has printed).
func parseCommandLine(fs *flag.FlagSet, args []string) (rest []string, code int, ok bool) {
	rest, err := parseInterspersed(fs, args)
	switch {
	case err == flag.ErrHelp:
		return nil, 0, false
	case err != nil:
		return nil, 2, false
	}
	return rest, 0, true
}

func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// consoleUser is the person at the terminal: CALLBOARD_USER or USER, and
// CALLBOARD_EMAIL, so `whoami` can find them in the catalog.
func consoleUser(env *Env) chat.User {
	id := env.Getenv("CALLBOARD_USER")
	if id == "" {
		id = env.Getenv("USER")
	}
	return chat.User{Platform: chat.PlatformConsole, ID: id, Name: id, Email: env.Getenv("CALLBOARD_EMAIL")}
}

// exitCode maps an answer to the CLI contract: 0 answered, 1 not found (or
// ambiguous, denied, failed), 2 usage.
func exitCode(s chat.Status) int {
	switch s {
	case chat.StatusOK:
		return 0
	case chat.StatusUsage:
		return 2
	}
	return 1
}

// openCLIApp is how ask, chat, health and scaffold start: the --config
// file applied (its notes on stderr), the catalog loaded and a summary of
// its problems on stderr. nil with the exit code when it cannot: 2 for a
// bad configuration (usage), 1 for a catalog that cannot be loaded.
func openCLIApp(ctx context.Context, env *Env, command string, opts AppOptions) (*App, int) {
	opts.stderr = env.Stderr
	notes, err := applyConfigFile(&opts, env.Getenv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard %s: %v\n", command, err)
		return nil, 2
	}
	for _, n := range notes {
		fmt.Fprintln(env.Stderr, n)
	}
	app, err := NewApp(ctx, opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard %s: %v\n", command, err)
		return nil, 1
	}
	if s := app.ProblemSummary(); s != "" {
		fmt.Fprintln(env.Stderr, s)
	}
	return app, 0
}
