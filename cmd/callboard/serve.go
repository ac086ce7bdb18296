package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/callboard/callboard/adapters/discord"
	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
	"github.com/callboard/callboard/catalog/ingest"
)

func init() {
	register(command{name: "serve", summary: "serve Slack, Discord and GitHub webhooks, /healthz, /readyz, /metrics and /status", run: runServe})
}

func runServe(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var (
		file     = fs.String("config", "", "callboard.yaml `FILE` (default: built-in defaults and the environment)")
		addr     = fs.String("addr", "", "listen on `HOST:PORT` (overrides server.addr)")
		catalogs listFlag
		docPaths listFlag
	)
	fs.Var(&catalogs, "catalog", "catalog `PATH` or source (github:ORG, github:ORG/REPO, backstage:URL); repeatable; overrides catalog.sources")
	fs.Var(&docPaths, "docs", "TechDocs site `PATH` to search besides the catalog's own; repeatable")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "callboard serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := LoadConfig(*file, env.Getenv)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	if *addr != "" {
		cfg.Server.Addr = *addr
	}
	if len(catalogs) > 0 {
		cfg.Catalog.Sources = catalogs
		cfg.sourcesFromFlags = true
	}
	cfg.Docs.Paths = append(cfg.Docs.Paths, docPaths...)
	if errs := cfg.serveProblems(); len(errs) > 0 {
		errs.sort()
		fmt.Fprintln(env.Stderr, redactor(cfg.secrets.values()).text(errs.Error()))
		return 1
	}
	log := newLogger(env.Stderr, cfg.Log, cfg.secrets.values())
	m := NewMain(cfg, log)
	defer m.Close()
	// The process's memory limit: serve run as a command only (Mains in
	// tests share their process).
	m.logOut = env.Stderr
	m.memory = newMemoryLimiter(cfg.Memory.Headroom, env.Getenv("GOMEMLIMIT"), log)
	if err := m.Open(ctx); err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if err := m.Run(ctx); err != nil {
		log.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

// Main is `callboard serve` (the shape of benbjohnson/wtf's Main): runServe
// parses the flags and the configuration, Open builds every part, Run
// serves until its context ends and shuts down, Close releases what Open
// took. It holds the App (the catalog, the Router and its middleware, as
// ask and chat have it), the one client of each outside party, the
// adapters, the catalog's ingest and the scaffold workers. End-to-end tests
// run the same Main.
type Main struct {
	cfg     *Config
	log     *slog.Logger
	app     *App
	metrics *Metrics
	mux     *http.ServeMux
	redis   *redis.State
	slack   *slack.Adapter
	discord *discord.Adapter
	refresh *ingest.Refresher
	// admins are catalog.admins, read once.
	admins []catalog.Ref
	// github is the one GitHub client (nil: no credentials).
	github *github.Client
	// ingest shares remote sources between replicas (nil: files only).
	ingest *ingest.Ingest
	// loaded is set once a catalog snapshot is serving.
	loaded atomic.Bool
	// dedupe is the shared dedupe (counted when it fails open); nil without Redis.
	dedupe chat.Dedupe
	// audit writes the audit log off the request path; closed last.
	audit    *chat.AsyncAudit
	failOpen failOpen
	redisUp  *redisStatus
	// scaffold is chat scaffolding as Open wired it (serve_scaffold.go):
	// its workers' consumer name and the callboard_scaffold_jobs counter.
	scaffold *scaffoldSetup
	consumer string
	jobs     *prometheus.CounterVec
	// digest posts the teams' health digests (serve_digest.go); nil: off.
	digest *bot.Digest
	// stat is the status page's state (status.go).
	stat *statusState
	// logOut is where log (and the audit lines) go, when known.
	logOut io.Writer
	// memory sets the soft memory limit after each swap (memory.go); nil: none.
	memory *memoryLimiter
	// background work (socket mode, gateway, refresh, workers: each a Run)
	// started by Run with its context.
	background []func(context.Context) error
	closeOnce  sync.Once
}

// NewMain returns serve's Main for cfg (LoadConfig's, checked), logging
// to log. Nothing is built before Open.
func NewMain(cfg *Config, log *slog.Logger) *Main {
	return &Main{cfg: cfg, log: log, mux: http.NewServeMux(), failOpen: newFailOpen(), redisUp: newRedisStatus(), metrics: NewMetrics(nil, nil), stat: newStatusState()}
}

// auditLog is the audit log: lines of the process log, held by a
// lineBuffer that the AsyncAudit flushes after each burst when the process
// log's output is known (one write per burst, not one per request).
func (s *Main) auditLog() chat.SlogAudit {
	if s.logOut == nil {
		return chat.SlogAudit{Logger: s.log.With("log", "audit")}
	}
	b := &lineBuffer{out: s.logOut}
	return chat.SlogAudit{Logger: newLogger(b, s.cfg.Log, s.cfg.secrets.values()).With("log", "audit"), Buffer: b}
}

// Open builds every part from the configuration, each outside party once
// (Redis, GitHub, Slack, Discord): the App with its middleware, the
// catalog's ingest, scaffolding, the adapters and the HTTP routes. Nothing
// listens and no background work runs before Run. After an error, Close
// releases what was opened.
func (s *Main) Open(ctx context.Context) error {
	cfg, log := s.cfg, s.log
	paths, specs := splitSources(cfg.Catalog.Sources)
	// With remote sources only, nothing is loaded before the Refresher's
	// first load: never the embedded example organisation in place of the
	// configured catalog. Answers say it is still loading; readiness too.
	opts := AppOptions{Catalogs: paths, RemoteOnly: len(paths) == 0 && len(specs) > 0, Docs: cfg.Docs.Paths, DocsBaseURL: cfg.Docs.BaseURL, Config: cfg.file, Logger: log, InChannel: !cfg.Slack.Ephemeral,
		RateLimit: cfg.Limits.PerUserRate, Burst: cfg.Limits.Burst, Audit: s.auditLog(),
		Secrets: cfg.secrets.values(), HealthRules: cfg.Health.rules()}
	// The audit log line is written by one goroutine, off the request path
	// (with Redis, the audit stream below is written in the request, as
	// before: replicas read it).
	s.audit = chat.NewAsyncAudit(opts.Audit, 8192, log)
	opts.Audit = s.audit
	if cfg.Redis.URL != "" || len(cfg.Redis.Addrs) > 0 {
		ro := cfg.redisOptions()
		redis.SetLogger(log)
		st, err := redis.Open(ro, cfg.Limits.PerUserRate, cfg.Limits.Burst)
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		log.Info("redis mode chosen", "mode", string(st.Chosen.Mode), "why", st.Chosen.Why, "redis", ro.String())
		s.redis = st
		s.dedupe = s.failOpen.dedupe(st.Dedupe)
		opts.Dedupe = s.dedupe
		opts.RateLimiter = s.failOpen.limiter(st.Limiter)
		opts.Audit = s.failOpen.audit(st.Audit)
	}
	if err := opts.pagingFrom(cfg); err != nil {
		return err
	}
	if s.redis != nil {
		opts.OnCallStash = s.redis.Stash
	}
	admins, errs := cfg.admins()
	if len(errs) > 0 {
		return errs
	}
	s.admins = admins
	if err := s.openGitHub(); err != nil {
		return err
	}
	if err := s.wireScaffold(&opts); err != nil {
		return err
	}
	opts.Metrics = s.metrics
	start := time.Now()
	app, err := NewApp(ctx, opts)
	if err != nil {
		return err
	}
	s.app = app
	// The health check (a few hundred ms at 100k entities) runs as each
	// snapshot is swapped in, in the refresh, not in the first `health`
	// request after it; the digest reads the same reports.
	app.Store.OnSwap(func(snap *catalog.Snapshot) { app.Health.Of(snap) })
	if s.memory != nil {
		s.memory.current = app.Store.Current
		app.Store.OnSwap(s.memory.swapped)
		s.background = append(s.background, s.memory.Run)
	}
	if !opts.RemoteOnly {
		s.metrics.ObserveRefresh(time.Since(start), nil)
		s.observeLoad(start, nil)
	}
	s.metrics.Register(s.failOpen.c, s.redisUp.gauge, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "callboard_audit_dropped_total",
		Help: "Audit entries dropped because the audit writer's queue was full.",
	}, func() float64 { return float64(s.audit.Dropped()) }))
	s.loaded.Store(len(specs) == 0)

	if err := s.wireGitHub(specs, paths); err != nil {
		return err
	}
	if err := s.wireAdmin(); err != nil {
		return err
	}
	if len(specs) == 0 {
		s.background = append(s.background, s.reloadFiles)
	}
	if err := s.wireSlack(); err != nil {
		return err
	}
	if err := s.wireDiscord(); err != nil {
		return err
	}
	if err := s.wireDigest(); err != nil { // serve_digest.go
		return err
	}
	if err := s.wireAlerts(); err != nil {
		return err
	}
	if err := s.wireStatus(); err != nil {
		return err
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.serveReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{Registry: s.metrics.Registry}))
	return nil
}

// pathSource is the local catalog paths as a catalog.Source, so a
// Refresher that also reads GitHub keeps them in its snapshots.
type pathSource []string

func (p pathSource) Name() string { return "files" }
func (p pathSource) Load(ctx context.Context) (*catalog.Result, error) {
	return catalog.LoadPaths(ctx, p), nil
}

// openGitHub builds the one GitHub client (a token or a GitHub App) that
// discovery, TechDocs, template fetching, publishing and the metrics
// collector share, so they share its rate-limit state and App tokens too.
// s.github stays nil without credentials.
func (s *Main) openGitHub() error {
	gc := githubConfig(s.cfg)
	if gc.Token == "" && gc.AppID == 0 {
		return nil
	}
	c, err := github.NewClient(gc)
	if err != nil {
		return fmt.Errorf("github: %w", err)
	}
	s.github = c
	return nil
}

func (s *Main) wireGitHub(specs, paths []string) error {
	cfg := s.cfg
	sec := cfg.secrets
	if len(specs) == 0 && sec.GitHubToken == "" && cfg.GitHub.AppID == 0 && sec.GitHubWebhookSecret == "" {
		return nil
	}
	client := s.github
	if client != nil {
		s.app.DocsRemote = github.NewTechDocsReader(client, github.TechDocsOptions{}) // url: TechDocs sites on this GitHub
	}
	var sources []catalog.Source
	if len(paths) > 0 {
		sources = append(sources, pathSource(paths))
	}
	if sc := s.app.Options.Scaffold; sc != nil && sc.Registered != nil {
		sources = append(sources, sc.Registered) // what scaffold jobs registered (serve_scaffold.go)
	}
	progress := newLoadProgress()
	for _, spec := range specs {
		src, err := remoteSource(spec, cfg, client, github.OrgOptions{Progress: progress.report})
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}
	if len(sources) > 0 && len(specs) > 0 {
		r := ingest.NewRefresher(s.app.Store, cfg.Catalog.RefreshInterval, s.log, sources...)
		r.OnRefresh = func(rep ingest.RefreshReport) {
			s.metrics.ObserveSourceRefresh(rep.Source, rep.Repo, rep.Err)
			if rep.Repo == "" {
				s.metrics.ObserveRefresh(rep.Duration, rep.Err)
			}
			if rep.Err == nil && rep.Entities > 0 {
				s.loaded.Store(true)
			}
		}
		if s.memory != nil {
			r.Building = s.memory.building
		}
		s.refresh = r
		// The Refresher runs on the ingest leader only (every process
		// without Redis); docs follow each swap.
		s.ingest = s.newIngest(r)
		s.background = append(s.background, s.ingest.Run)
		// Until every source has loaded on the leader (or a follower has a
		// snapshot from it), a lookup that finds nothing says so.
		s.app.SetLoading(s.ingest.Loading)
		s.app.SetLoadingProgress(func() string {
			if !s.ingest.Leading() {
				return "another replica reads the sources; this one answers once it has published them."
			}
			return progress.text(r.Pending())
		})
	}
	if client != nil {
		s.metrics.Register(github.NewCollector(client, s.refresh))
	}
	if client != nil && len(specs) == 0 {
		// Local catalogs were indexed before GitHub was wired: read their
		// url: TechDocs sites now rather than at the first reload.
		s.background = append(s.background, func(ctx context.Context) error {
			sites, probs := docs.SitesFromSnapshotWith(ctx, s.app.Store.Current(), s.app.DocsRemote)
			s.rebuildDocs(ctx, sites, probs)
			return nil
		})
	}
	if sec.GitHubWebhookSecret != "" && s.refresh != nil {
		hook := github.NewWebhook(sec.GitHubWebhookSecret, s.ingest.Webhooks())
		hook.Log = s.log.With("component", "github-webhook")
		if s.redis != nil {
			// Deliveries and the refresh budget are shared by the replicas.
			hook.Seen = s.redis.Dedupe
			hook.Budget = s.redis.RateLimiter(github.RefreshesPerMinute/60.0, github.RefreshesPerMinute)
		}
		s.background = append(s.background, func(ctx context.Context) error {
			<-ctx.Done()
			hook.Close()
			return nil
		})
		s.mux.Handle("POST /github/webhook", hook)
	}
	return nil
}

// newIngest shares r's work between the replicas: through Redis when it is
// configured, else this process leads.
func (s *Main) newIngest(r *ingest.Refresher) *ingest.Ingest {
	o := ingest.Options{Store: s.app.Store, Refresher: r, DocsRemote: s.app.DocsRemote, Index: s.rebuildDocs, Log: s.log,
		Loaded: s.loaded.Load,
		Applied: func(_ int64, b ingest.Bundle) {
			s.metrics.ObserveRefresh(0, nil)
			if b.Snapshot.Len() > 0 {
				s.loaded.Store(true)
			}
		}}
	if s.redis != nil {
		o.Locker, o.Bus, o.HandOver = s.redis.Locker, s.redis.Catalog, s.redis.HandOver
	}
	in := ingest.New(o)
	s.metrics.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "callboard_catalog_ingest_leader",
		Help: "1 while this replica holds the catalog ingest lock and reads the remote sources, else 0.",
	}, func() float64 {
		if in.Leading() {
			return 1
		}
		return 0
	}))
	return in
}

// Close releases what Open took (the audit writer, the Redis client); Run
// calls it when it ends, and it may be called again.
func (s *Main) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if s.audit != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = s.audit.Close(ctx)
			cancel()
		}
		if s.redis != nil {
			err = s.redis.Close()
		}
	})
	return err
}

// reloadFiles reloads local catalog files every refresh interval.
func (s *Main) reloadFiles(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Catalog.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			start := time.Now()
			err := s.app.Load(ctx)
			if ctx.Err() != nil {
				return nil
			}
			s.metrics.ObserveRefresh(time.Since(start), err)
			s.observeLoad(start, err)
			if err != nil {
				s.log.WarnContext(ctx, "catalog reload failed; the previous snapshot keeps serving", "err", err)
			}
		}
	}
}

func (s *Main) wireSlack() error {
	cfg := s.cfg
	if !cfg.slackOn() {
		return nil
	}
	sc := slack.Config{
		Dedupe:        s.dedupe,
		SigningSecret: cfg.secrets.SlackSigningSecret,
		BotToken:      cfg.secrets.SlackBotToken,
		APIURL:        cfg.Slack.APIURL,
		Command:       cfg.Slack.Command,
		Aliases:       cfg.Slack.Aliases,
		InChannel:     !cfg.Slack.Ephemeral,
		MaxBody:       cfg.Server.MaxBodyBytes,
		Logger:        s.log.With("platform", "slack"),
	}
	if s.redis != nil {
		sc.Stash = s.redis.Stash
	}
	if cfg.Slack.Mode == "socket" {
		sc.AppToken = cfg.secrets.SlackAppToken
	}
	a, err := slack.New(sc, s.app.Router)
	if err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	s.slack = a
	if cfg.Slack.Mode == "socket" {
		s.background = append(s.background, a.RunSocketMode)
	} else {
		a.Register(s.mux)
	}
	return nil
}

func (s *Main) wireDiscord() error {
	cfg := s.cfg
	if !cfg.discordOn() {
		return nil
	}
	pk, err := discord.ParsePublicKey(cfg.secrets.DiscordPublicKey)
	if err != nil {
		return errors.New("discord: DISCORD_PUBLIC_KEY (or discord.public_key_file) must be the application's hex Ed25519 public key")
	}
	dc := discord.Config{PublicKey: pk, Prefix: cfg.Discord.Prefix, Logger: s.log.With("platform", "discord"), MaxBody: cfg.Server.MaxBodyBytes,
		Completer: discordCompleter(s.app.Store)}
	if cfg.secrets.DiscordBotToken != "" {
		sess, err := discord.NewSession(cfg.secrets.DiscordBotToken, "")
		if err != nil {
			return errors.New("discord: cannot build a session from the bot token")
		}
		dc.Session = sess
	}
	if s.redis != nil {
		dc.Dedupe = s.dedupe
		dc.Stash = s.redis.Stash
	}
	a, err := discord.New(dc, s.app.Router)
	if err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	s.discord = a
	s.mux.Handle("POST /discord/interactions", a)
	if cfg.Discord.Gateway {
		// One replica holds the gateway: the leader lock is in Redis when
		// configured, else per process (run one replica then).
		var locker chat.Locker = chat.NewMemoryLocker()
		if s.redis != nil {
			locker = s.redis.Locker
		}
		s.background = append(s.background, func(ctx context.Context) error { return a.RunGateway(ctx, locker, nil) })
	}
	return nil
}

// notReady is why the server cannot serve (nil when it can). Ready means
// able to answer: lookups come from memory, so a Redis that is away makes
// no replica unready (Kubernetes would otherwise route to none while all
// of them could answer); it is reported apart, by redisState.
func (s *Main) notReady(context.Context) []string {
	var why []string
	if !s.loaded.Load() || s.app.Store.Current() == nil || s.app.Store.Current().Len() == 0 {
		why = append(why, "catalog not loaded yet")
	}
	return why
}

// redisState pings the shared Redis: "ok", "unreachable: REASON", or ""
// when none is configured. It also sets callboard_redis_up.
func (s *Main) redisState(ctx context.Context) string {
	if s.redis == nil {
		return ""
	}
	pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := s.redis.Healthy(pctx); err != nil {
		s.redisUp.up.Store(0)
		return "unreachable: " + redis.Reason(err)
	}
	s.redisUp.up.Store(1)
	return "ok"
}

func (s *Main) serveReady(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{}
	if rs := s.redisState(r.Context()); rs != "" {
		body["redis"] = rs
	}
	if why := s.notReady(r.Context()); len(why) > 0 {
		body["status"], body["reasons"] = "not ready", why
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	body["status"], body["entities"] = "ready", s.app.Store.Current().Len()
	writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// handler is the mux behind request ids, body limits and access counting.
func (s *Main) handler() http.Handler {
	max := s.cfg.Server.MaxBodyBytes
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, max)
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		s.mux.ServeHTTP(sw, r)
		_, pattern := s.mux.Handler(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		s.metrics.httpRequests.WithLabelValues(pattern, fmt.Sprintf("%dxx", sw.code/100)).Inc()
		if sw.code >= 400 && r.URL.Path != "/readyz" {
			s.log.InfoContext(r.Context(), "http request refused", "method", r.Method, "path", r.URL.Path, "status", sw.code)
		}
	})
	return withRequestIDs(inner)
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Run listens until ctx is done, then shuts down gracefully: stop
// accepting, let acknowledgements in flight finish (within
// server.shutdown_timeout), stop background work (releasing the gateway's
// leader lock) and wait for follow-ups.
func (s *Main) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Server.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: s.cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.Server.ReadTimeout,
		WriteTimeout:      s.cfg.Server.WriteTimeout,
		IdleTimeout:       s.cfg.Server.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, f := range s.background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(bg); err != nil && bg.Err() == nil {
				s.log.Error("background work stopped", "err", err)
			}
		}()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String(), "slack", s.slack != nil, "discord", s.discord != nil,
		"github_refresh", s.refresh != nil, "redis", s.redis != nil)

	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down", "deadline", s.cfg.Server.ShutdownTimeout.String())
	case runErr = <-serveErr:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("requests still in flight at the shutdown deadline", "err", err)
	}
	stopBG()
	wg.Wait()
	// Outcome posts the stopped workers started read Redis: let them end
	// (within the deadline) before it closes.
	if s.scaffold != nil {
		if err := s.scaffold.Replies.Wait(sctx); err != nil {
			s.log.Warn("scaffold outcomes still being posted at the shutdown deadline", "err", err)
		}
	}
	if s.discord != nil {
		if err := s.discord.Shutdown(sctx); err != nil {
			s.log.Warn("discord follow-ups cut short", "err", err)
		}
	}
	if s.slack != nil {
		if err := s.slack.Shutdown(sctx); err != nil {
			s.log.Warn("slack follow-ups cut short", "err", err)
		}
	}
	// Every audit entry queued is written (Redis is still open for it).
	if err := s.audit.Close(sctx); err != nil {
		s.log.Warn("audit entries still queued at the shutdown deadline", "err", err)
	}
	_ = s.Close()
	s.log.Info("stopped")
	if errors.Is(runErr, http.ErrServerClosed) {
		return nil
	}
	return runErr
}

// rebuildDocs indexes the TechDocs sites of the snapshot a refresh swapped
// in (and the docs.paths sites), so documentation search follows the catalog.
func (s *Main) rebuildDocs(ctx context.Context, sites []docs.Site, probs []catalog.Problem) {
	// Bounded, and stopped with the background work on shutdown (Rebuild
	// keeps the old index when cancelled).
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	loose, err := looseSites(s.cfg.Docs.Paths)
	if err != nil {
		s.log.Warn("docs not indexed after refresh; the previous index keeps serving", "err", err)
		return
	}
	sites = append(sites, loose...)
	probs = append(probs, s.app.Docs.Rebuild(ctx, sites, docs.BuildOptions{BaseURL: s.cfg.Docs.BaseURL})...)
	s.log.Info("docs indexed after refresh", "sites", len(sites), "problems", len(probs))
}

// wireAdmin registers `catalog status` for catalog.admins.
func (s *Main) wireAdmin() error {
	o := bot.AdminOptions{Catalog: s.app.Store, Admins: s.admins}
	if s.refresh != nil {
		o.Health = refreshHealth{r: s.refresh, in: s.ingest, redact: redactor(s.cfg.secrets.values())}
	}
	return bot.RegisterAdmin(s.app.Router, o)
}

// refreshHealth adapts the GitHub Refresher's Status to bot.CatalogHealth.
// Error texts pass the same redaction as log lines: an admin's reply is no
// place for a token a remote error happened to echo.
type refreshHealth struct {
	r      *ingest.Refresher
	in     *ingest.Ingest
	redact redactor
}

func (h refreshHealth) CatalogHealth() []bot.SourceHealth {
	var out []bot.SourceHealth
	if h.in != nil {
		if f := h.in.Health(); f != nil {
			// A follower's own Refresher is idle: say where its catalog came from.
			for i := range f {
				f[i].LastError = h.redact.text(f[i].LastError)
			}
			return f
		}
	}
	for _, src := range h.r.Status().Sources {
		sh := bot.SourceHealth{Name: src.Name, LastSuccess: src.LastSuccess, LastError: h.redact.text(src.LastError), Entities: src.Entities, Problems: src.Problems}
		for _, rp := range src.Repos {
			sh.Repos = append(sh.Repos, bot.SourceHealth{Name: rp.Repo, LastSuccess: rp.LastSuccess, LastError: h.redact.text(rp.LastError), Entities: rp.Entities, Problems: rp.Problems})
		}
		out = append(out, sh)
	}
	return out
}

// discordCompleter answers /owner, /info… and /scaffold autocomplete from
// the current catalog: entity names ranked as info resolves them, and
// template names.
func discordCompleter(store *catalog.Store) discord.Completer {
	return discord.CompleterFunc(func(ctx context.Context, kind, prefix string, limit int) []discord.Choice {
		var out []discord.Choice
		for _, c := range bot.Complete(store.Current(), kind == discord.KindTemplate, prefix, limit) {
			out = append(out, discord.Choice{Name: c.Label, Value: c.Value})
		}
		return out
	})
}
