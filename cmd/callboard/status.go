package main

// The operator status page (adapters/statuspage) as serve wires it: the
// report it shows, built from the running server, and each replica's
// heartbeat in Redis. serve.go and config.go only call in here.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/statuspage"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

// StatusConfig is the status page's section of callboard.yaml. The page is
// off unless a token is set: CALLBOARD_STATUS_TOKEN, or the file TokenFile.
type StatusConfig struct {
	TokenFile string `yaml:"token_file"`
}

// appJobs lists the app's scaffold jobs (for `me` and the status page). The
// Runner and its store are built after the built-in commands, so the store
// is looked up at each call.
type appJobs struct{ a *App }

func (j appJobs) ListJobs(ctx context.Context, q scaffold.JobQuery) ([]*scaffold.Job, error) {
	if j.a.Scaffold == nil {
		return nil, nil
	}
	l, ok := j.a.Scaffold.Store.(scaffold.JobLister)
	if !ok {
		return nil, errors.New("this job store cannot list jobs")
	}
	return l.ListJobs(ctx, q)
}

// statusJobs is how many recent jobs the page counts by state.
const statusJobs = 500

// heartbeatEvery is how often a replica writes its heartbeat (its record
// lives three times as long).
const heartbeatEvery = 15 * time.Second

// loads remembers the last load of each catalog source: when, how long, and
// the outcome (the Refresher's status has no durations).
type loads struct {
	mu sync.Mutex
	m  map[string]loadRecord
}

type loadRecord struct {
	at  time.Time
	d   time.Duration
	err error
}

func (l *loads) record(source string, at time.Time, d time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]loadRecord{}
	}
	l.m[source] = loadRecord{at, d, err}
}

func (l *loads) get(source string) (loadRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.m[source]
	return r, ok
}

// statusState is the server's part of the page: its replica id and the
// loads it saw.
type statusState struct {
	replica string
	loads   loads
}

// newStatusState names this replica: the pod (host) name, the process and
// a few random bytes, so ids stay apart for processes on one host and for
// servers in one process (tests).
func newStatusState() *statusState {
	host, _ := os.Hostname()
	if host == "" {
		host = "callboard"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &statusState{replica: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))}
}

func (s *Main) status() *statusState { return s.stat }

// observeLoad records a load of the local catalog (files or the embedded
// example organisation) that started at start.
func (s *Main) observeLoad(start time.Time, err error) {
	s.status().loads.record(s.localSourceName(), time.Now(), time.Since(start), err)
}

func (s *Main) localSourceName() string {
	if len(s.app.Options.Catalogs) == 0 {
		return "examples (embedded)"
	}
	return "files: " + strings.Join(s.app.Options.Catalogs, ", ")
}

// wireStatus serves /status and /status.json when a status token is set,
// and beats this replica's heartbeat in Redis.
func (s *Main) wireStatus() error {
	st := s.status()
	if s.refresh != nil {
		prev := s.refresh.OnRefresh
		s.refresh.OnRefresh = func(rep ingest.RefreshReport) {
			if prev != nil {
				prev(rep)
			}
			if rep.Repo == "" {
				st.loads.record(rep.Source, time.Now(), rep.Duration, rep.Err)
			}
		}
	}
	if s.redis != nil {
		s.background = append(s.background, s.heartbeat)
	}
	if s.cfg.secrets.StatusToken == "" {
		return nil
	}
	p, err := statuspage.New(statuspage.Options{Token: s.cfg.secrets.StatusToken, Report: s.statusReport,
		Redact: func(t string) string { return chat.PublicText(redactor(s.cfg.secrets.values()).text(t)) }, Logger: s.log.With("component", "status")})
	if err != nil {
		return err
	}
	p.Register(s.mux)
	return nil
}

// heartbeat writes this replica's record until ctx ends: every
// heartbeatEvery, and at once when a new snapshot is swapped in.
func (s *Main) heartbeat(ctx context.Context) error {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	swapped := make(chan struct{}, 1)
	s.app.Store.OnSwap(func(*catalog.Snapshot) {
		select {
		case swapped <- struct{}{}:
		default:
		}
	})
	for {
		bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := s.redis.Replicas.Beat(bctx, s.beat()); err != nil && ctx.Err() == nil {
			s.log.Warn("replica heartbeat not written", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-swapped:
			// A follower records the published version just after the
			// swap: let it (and a burst of swaps) settle first.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// beat is what this replica says about itself.
func (s *Main) beat() redis.ReplicaBeat {
	b := redis.ReplicaBeat{ID: s.status().replica, Leader: s.leading()}
	b.Version, b.Entities = s.servedVersion()
	return b
}

// leading: this replica reads the remote sources (always, without Redis).
func (s *Main) leading() bool {
	return s.ingest != nil && (s.ingest.Leading() || s.redis == nil)
}

// servedVersion is the snapshot version this replica serves: the version
// published on the snapshot bus (the same number on every replica serving
// it), else the local store's sequence number.
func (s *Main) servedVersion() (uint64, int) {
	snap := s.app.Store.Current()
	n := 0
	if snap != nil {
		n = snap.Len()
	}
	if s.ingest != nil {
		if v := s.ingest.Version(); v > 0 {
			return uint64(v), n
		}
	}
	if snap == nil {
		return 0, 0
	}
	return snap.Version(), n
}

// statusReport builds what the page shows; the page redacts it.
func (s *Main) statusReport(ctx context.Context) statuspage.Report {
	st := s.status()
	rep := statuspage.Report{Generated: time.Now().UTC(), Replica: st.replica}
	snap := s.app.Store.Current()
	if snap != nil {
		rep.Entities = snap.Len()
		var raw []statuspage.RawProblem
		for _, p := range snap.Problems() {
			sev := "error"
			if p.Severity == catalog.Warning {
				sev = "warning"
			}
			raw = append(raw, statuspage.RawProblem{File: p.Pos.File, Line: p.Pos.Line, Col: p.Pos.Col, Severity: sev, Message: p.Message})
		}
		rep.Problems, rep.ProblemCount = statuspage.GroupProblems(raw, s.gitHubHosts()...), len(raw)
	}
	rep.Sources = s.statusSources(snap)
	rep.Redis = s.redisState(ctx)
	s.statusReplicas(ctx, &rep)
	if ix := s.app.Docs.Current(); ix != nil {
		stats := ix.Stats()
		rep.Docs = statuspage.Docs{Sites: stats.Sites, Pages: stats.Pages, Built: stats.Built}
	}
	rep.Jobs = s.statusJobs(ctx)
	rep.GitHub = s.gitHubRate()
	return rep
}

func (s *Main) statusSources(snap *catalog.Snapshot) []statuspage.Source {
	st := s.status()
	var out []statuspage.Source
	if s.refresh == nil {
		src := statuspage.Source{Name: s.localSourceName(), OK: true}
		if snap != nil {
			src.Entities, src.Problems, src.LastRefresh = snap.Len(), len(snap.Problems()), snap.Built()
		}
		if l, ok := st.loads.get(src.Name); ok {
			src.LastRefresh, src.Duration = l.at, l.d
			if l.err != nil {
				src.OK, src.Error = false, l.err.Error()
			}
		}
		return append(out, src)
	}
	for _, h := range (refreshHealth{r: s.refresh, in: s.ingest}).CatalogHealth() {
		src := statuspage.Source{Name: h.Name, LastRefresh: h.LastSuccess, OK: h.LastError == "", Error: h.LastError, Entities: h.Entities, Problems: h.Problems}
		if l, ok := st.loads.get(h.Name); ok {
			src.LastRefresh, src.Duration = l.at, l.d
		}
		out = append(out, src)
	}
	return out
}

// statusReplicas fills the leader and the replicas: from the heartbeats in
// Redis, else this one process.
func (s *Main) statusReplicas(ctx context.Context, rep *statuspage.Report) {
	self := s.beat()
	self.Seen = rep.Generated
	beats := []redis.ReplicaBeat{self}
	if s.redis != nil {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err := s.redis.Replicas.List(lctx)
		cancel()
		if err == nil {
			beats = got
			found := false
			for i := range beats {
				if beats[i].ID == self.ID {
					beats[i], found = self, true // this replica's own view is fresher
				}
			}
			if !found {
				beats = append(beats, self)
			}
		}
	}
	sort.Slice(beats, func(i, j int) bool { return beats[i].ID < beats[j].ID })
	if s.ingest == nil {
		rep.LeaderNote = "none: every replica reads the local catalog files itself"
	}
	for _, b := range beats {
		rep.Replicas = append(rep.Replicas, statuspage.Replica{ID: b.ID, Version: b.Version, Entities: b.Entities, Leader: b.Leader, Seen: b.Seen, Self: b.ID == self.ID})
		if b.Leader && rep.Leader == "" {
			rep.Leader = b.ID
		}
	}
}

func (s *Main) statusJobs(ctx context.Context) statuspage.Jobs {
	out := statuspage.Jobs{ByState: map[string]int{}}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	jobs, err := appJobs{s.app}.ListJobs(lctx, scaffold.JobQuery{Limit: statusJobs})
	if err != nil {
		out.Error = "the scaffold jobs could not be read: " + redisReasonOr(err)
		return out
	}
	out.Listed = len(jobs)
	for _, j := range jobs {
		out.ByState[string(j.State)]++
		if j.State == scaffold.JobFailed && len(out.Failed) < 50 {
			out.Failed = append(out.Failed, statuspage.FailedJob{ID: j.ID, Template: j.Template, Created: j.Created, Error: j.Error})
		}
	}
	return out
}

// redisReasonOr is a job store error as the page may show it.
func redisReasonOr(err error) string {
	if errors.Is(err, scaffold.ErrUnavailable) {
		return "the shared job store (Redis) is unavailable"
	}
	return err.Error()
}

// gitHubRate is GitHub's rate limit as /metrics last exported it (nil when
// GitHub is not used).
func (s *Main) gitHubRate() *statuspage.RateLimit {
	mfs, err := s.metrics.Registry.Gather()
	if err != nil {
		return nil
	}
	var rl *statuspage.RateLimit
	val := func(name string) (float64, string, bool) {
		for _, mf := range mfs {
			if mf.GetName() != name || len(mf.GetMetric()) == 0 {
				continue
			}
			m := mf.GetMetric()[0]
			return gaugeOf(m), labelOf(m, "resource"), true
		}
		return 0, "", false
	}
	if _, _, ok := val("callboard_github_api_calls_total"); !ok {
		return nil
	}
	rl = &statuspage.RateLimit{}
	if v, res, ok := val("callboard_github_rate_limit_remaining"); ok {
		rl.Remaining, rl.Resource = int(v), res
	}
	if v, _, ok := val("callboard_github_rate_limit_limit"); ok {
		rl.Limit = int(v)
	}
	if v, _, ok := val("callboard_github_rate_limit_reset_timestamp_seconds"); ok {
		rl.Reset = time.Unix(int64(v), 0).UTC()
	}
	return rl
}

func gaugeOf(m *dto.Metric) float64 {
	if g := m.GetGauge(); g != nil {
		return g.GetValue()
	}
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return 0
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// gitHubHosts is the GitHub Enterprise host files are read from (named as
// discovery names them, by the API URL's host), so the page links their
// problems too; none for github.com, which the page always knows.
func (s *Main) gitHubHosts() []string {
	u, err := url.Parse(s.cfg.GitHub.APIURL)
	if s.cfg.GitHub.APIURL == "" || err != nil || u.Hostname() == "" || u.Hostname() == "api.github.com" {
		return nil
	}
	return []string{u.Hostname()}
}
