package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/catalog"
)

// Refresher keeps a catalog.Store current from any number of sources: it
// holds each source's last good result, rebuilds a Snapshot with
// catalog.Build when one changes and swaps it into the Store. Readers never
// wait on it. Repositories of a RepoSource (github.OrgSource) refresh one
// at a time (RefreshRepo), which is what webhooks use.
type Refresher struct {
	store    *catalog.Store
	sources  []catalog.Source
	interval time.Duration
	log      *slog.Logger
	// OnRefresh, when set, is called after every source or repository
	// refresh (for metrics). It must not block.
	OnRefresh func(RefreshReport)
	// Building, when set, is called as the Refresher starts loading
	// sources or building a snapshot, and the func it returns when that
	// work is done (calls may nest): serve lifts its soft memory limit
	// meanwhile, as the next catalog is built beside the one served.
	Building func() (done func())
	// RetryMin and RetryMax bound the wait between attempts at a source's
	// first load (default 1s and 30s): Run retries a source that has never
	// loaded with exponential backoff and jitter, not at the next interval.
	RetryMin, RetryMax time.Duration

	mu      sync.Mutex // guards results, status
	results map[string]*catalog.Result
	status  map[string]*SourceStatus
	buildMu sync.Mutex // one rebuild at a time, in order
	built   time.Time
}

// RepoSource is a source made of an organisation's repositories, each of
// which can be re-read or dropped on its own (github.OrgSource): what
// webhooks drive.
type RepoSource interface {
	catalog.Source
	// Org is the organisation the source reads.
	Org() string
	// Relevant reports whether a push touching paths of repo can change the catalog.
	Relevant(repo string, paths []string) bool
	RefreshRepo(ctx context.Context, repo string) error
	Has(repo string) bool
	RemoveRepo(repo string)
	// Result is what the source holds now.
	Result() *catalog.Result
	// Status is each repository's state, for operators.
	Status() []RepoStatus
}

// RepoStatus is one repository's state, for operators.
type RepoStatus struct {
	Repo        string    `json:"repo"`
	LastSuccess time.Time `json:"last_success"`
	LastAttempt time.Time `json:"last_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	Entities    int       `json:"entities"`
	Problems    int       `json:"problems"`
	Files       int       `json:"files"`
	Empty       bool      `json:"empty,omitempty"`
	Skipped     string    `json:"skipped,omitempty"`
}

// RefreshReport describes one refresh, for metrics.
type RefreshReport struct {
	Source   string
	Repo     string // "" for a whole source
	Duration time.Duration
	Err      error
	Entities int // in the snapshot built afterwards
	Problems int
}

// SourceStatus is one source's state.
type SourceStatus struct {
	Name        string       `json:"name"`
	LastSuccess time.Time    `json:"last_success"`
	LastAttempt time.Time    `json:"last_attempt"`
	LastError   string       `json:"last_error,omitempty"`
	Entities    int          `json:"entities"`
	Problems    int          `json:"problems"`
	Repos       []RepoStatus `json:"repos,omitempty"`
}

// Status is what operators see (`catalog status`).
type Status struct {
	Sources   []SourceStatus `json:"sources"`
	Entities  int            `json:"entities"`
	Problems  int            `json:"problems"`
	Version   uint64         `json:"version"`
	LastBuild time.Time      `json:"last_build"`
	// FailingRepos counts repositories whose last refresh failed.
	FailingRepos int `json:"failing_repos"`
}

// NewRefresher returns a Refresher that swaps snapshots into store. interval
// is the period of the full refresh Run performs (0: 15 minutes).
func NewRefresher(store *catalog.Store, interval time.Duration, log *slog.Logger, sources ...catalog.Source) *Refresher {
	if interval <= 0 {
		interval = 15 * time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Refresher{store: store, sources: sources, interval: interval, log: log,
		results: map[string]*catalog.Result{}, status: map[string]*SourceStatus{}}
	for _, s := range sources {
		r.status[s.Name()] = &SourceStatus{Name: s.Name()}
	}
	return r
}

// Store is the store the Refresher fills.
func (r *Refresher) Store() *catalog.Store { return r.store }

// Run refreshes every source now and then every interval until ctx is done.
// A source that has never loaded (Backstage or GitHub still starting, say)
// is retried sooner, with backoff from RetryMin to RetryMax, until it does.
func (r *Refresher) Run(ctx context.Context) error {
	_ = r.Refresh(ctx)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	backoff := r.retryMin()
	retry := time.NewTimer(0)
	defer retry.Stop()
	for {
		retry.Stop()
		var retryC <-chan time.Time
		if pending := r.pending(); len(pending) > 0 {
			wait := jitter(backoff)
			backoff = min(2*backoff, r.retryMax())
			r.log.InfoContext(ctx, "catalog source not loaded yet; retrying soon", "sources", sourceNames(pending), "in", wait.Round(time.Millisecond).String())
			retry.Reset(wait)
			retryC = retry.C
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
			_ = r.Refresh(ctx)
		case <-retryC:
			_ = r.refresh(ctx, r.pending())
		}
	}
}

func (r *Refresher) retryMin() time.Duration {
	if r.RetryMin > 0 {
		return r.RetryMin
	}
	return time.Second
}

func (r *Refresher) retryMax() time.Duration {
	if r.RetryMax > 0 {
		return max(r.RetryMax, r.retryMin())
	}
	return max(30*time.Second, r.retryMin())
}

// jitter spreads d over [d/2, d), so replicas started together do not
// retry in step.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// Pending names the sources that have never loaded.
func (r *Refresher) Pending() []string { return sourceNames(r.pending()) }

// pending are the sources that have never loaded.
func (r *Refresher) pending() []catalog.Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []catalog.Source
	for _, s := range r.sources {
		if st := r.status[s.Name()]; st == nil || st.LastSuccess.IsZero() {
			out = append(out, s)
		}
	}
	return out
}

func sourceNames(ss []catalog.Source) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name()
	}
	return out
}

// Refresh loads every source (in parallel) and swaps in a new snapshot. A
// source that fails keeps its last good result; the returned error joins
// the failures.
func (r *Refresher) Refresh(ctx context.Context) error { return r.refresh(ctx, r.sources) }

func (r *Refresher) refresh(ctx context.Context, sources []catalog.Source) error {
	if len(sources) == 0 {
		return nil
	}
	defer r.building()()
	errs := make([]error, len(sources))
	took := make([]time.Duration, len(sources))
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			errs[i] = r.load(ctx, s)
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	snap := r.rebuild()
	for i, s := range sources {
		r.report(RefreshReport{Source: s.Name(), Duration: took[i], Err: errs[i]}, snap)
	}
	return errors.Join(errs...)
}

func (r *Refresher) load(ctx context.Context, s catalog.Source) error {
	start := time.Now()
	res, err := s.Load(ctx)
	took := time.Since(start)
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.status[s.Name()]
	st.LastAttempt = start
	if err != nil {
		st.LastError = err.Error()
		r.log.WarnContext(ctx, "catalog source refresh failed", "source", s.Name(), "duration", took.Round(time.Millisecond).String(), "err", err)
		// An OrgSource's partial result is still its best knowledge.
		if _, ok := s.(RepoSource); ok && res != nil {
			r.results[s.Name()] = res
		}
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	first := st.LastSuccess.IsZero()
	st.LastError = ""
	st.LastSuccess = time.Now()
	if res == nil {
		res = &catalog.Result{}
	}
	r.results[s.Name()] = res
	r.log.InfoContext(ctx, "catalog source loaded", "source", s.Name(), "entities", len(res.Entities), "problems", len(res.Problems),
		"duration", took.Round(time.Millisecond).String(), "first", first)
	return nil
}

// org finds the RepoSource for an organisation.
func (r *Refresher) org(org string) RepoSource {
	for _, s := range r.sources {
		if o, ok := s.(RepoSource); ok && strings.EqualFold(o.Org(), org) {
			return o
		}
	}
	return nil
}

// Watches reports whether some source reads org.
func (r *Refresher) Watches(org string) bool { return r.org(org) != nil }

// Relevant reports whether a push touching paths of org/repo can change the catalog.
func (r *Refresher) Relevant(org, repo string, paths []string) bool {
	o := r.org(org)
	return o != nil && o.Relevant(repo, paths)
}

// RefreshRepo re-reads one repository of org and swaps in a new snapshot.
func (r *Refresher) RefreshRepo(ctx context.Context, org, repo string) error {
	o := r.org(org)
	if o == nil {
		return fmt.Errorf("no catalog source reads organisation %s", org)
	}
	start := time.Now()
	err := o.RefreshRepo(ctx, repo)
	r.mu.Lock()
	r.results[o.Name()] = o.Result()
	r.mu.Unlock()
	snap := r.rebuild()
	r.report(RefreshReport{Source: o.Name(), Repo: repo, Duration: time.Since(start), Err: err}, snap)
	return err
}

// RemoveRepo drops a repository of org (deleted, renamed or transferred away).
func (r *Refresher) RemoveRepo(org, repo string) {
	o := r.org(org)
	if o == nil || !o.Has(repo) {
		return
	}
	o.RemoveRepo(repo)
	r.mu.Lock()
	r.results[o.Name()] = o.Result()
	r.mu.Unlock()
	snap := r.rebuild()
	r.report(RefreshReport{Source: o.Name(), Repo: repo}, snap)
}

func (r *Refresher) report(rep RefreshReport, snap *catalog.Snapshot) {
	if snap != nil {
		rep.Entities, rep.Problems = snap.Len(), len(snap.Problems())
	}
	if r.OnRefresh != nil {
		r.OnRefresh(rep)
	}
}

// rebuild builds a snapshot from the held results and swaps it in. Entities
// are copied first: Build fills relations, and the entities of the snapshot
// in force must not change under its readers.
func (r *Refresher) rebuild() *catalog.Snapshot {
	defer r.building()()
	r.buildMu.Lock()
	defer r.buildMu.Unlock()
	r.mu.Lock()
	if cur := r.store.Current(); cur != nil && cur.Len() > 0 {
		// A source that has never loaded would be missing from the
		// rebuild. While the store already serves a catalog (one followed
		// from the previous ingest leader, say), keep it rather than swap
		// in one without that source's entities.
		for _, s := range r.sources {
			if st := r.status[s.Name()]; st == nil || st.LastSuccess.IsZero() {
				r.mu.Unlock()
				r.log.Warn("catalog not rebuilt: a source has not loaded yet; the current snapshot keeps serving", "source", s.Name())
				return nil
			}
		}
	}
	names := make([]string, 0, len(r.results))
	for n := range r.results {
		names = append(names, n)
	}
	sort.Strings(names)
	results := make([]*catalog.Result, 0, len(names))
	for _, n := range names {
		src := r.results[n]
		cp := &catalog.Result{Problems: append([]catalog.Problem(nil), src.Problems...), Documents: src.Documents}
		cp.Entities = make([]*catalog.Entity, len(src.Entities))
		for i, e := range src.Entities {
			c := *e
			c.Relations = append([]catalog.Relation(nil), e.Relations...)
			cp.Entities[i] = &c
		}
		results = append(results, cp)
	}
	for _, n := range names {
		if st := r.status[n]; st != nil {
			st.Entities, st.Problems = len(r.results[n].Entities), len(r.results[n].Problems)
		}
	}
	r.mu.Unlock()
	snap := catalog.Build(results...)
	r.store.Swap(snap)
	r.mu.Lock()
	r.built = time.Now()
	r.mu.Unlock()
	return snap
}

// building calls Building (a no-op without it).
func (r *Refresher) building() (done func()) {
	if r.Building == nil {
		return func() {}
	}
	return r.Building()
}

// Status reports every source, and every repository of RepoSources.
func (r *Refresher) Status() Status {
	r.mu.Lock()
	out := Status{LastBuild: r.built}
	for _, s := range r.sources {
		st := *r.status[s.Name()]
		out.Sources = append(out.Sources, st)
	}
	r.mu.Unlock()
	for i, s := range r.sources {
		if o, ok := s.(RepoSource); ok {
			out.Sources[i].Repos = o.Status()
			for _, rs := range out.Sources[i].Repos {
				if rs.LastError != "" {
					out.FailingRepos++
				}
			}
		}
	}
	if snap := r.store.Current(); snap != nil {
		out.Entities, out.Problems, out.Version = snap.Len(), len(snap.Problems()), snap.Version()
	}
	return out
}
