package main

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

// Metrics are callboard's Prometheus metrics on their own registry (no
// global state, so tests and several servers in one process do not clash).
type Metrics struct {
	Registry *prometheus.Registry

	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	refreshSeconds prometheus.Histogram
	refreshErrors  prometheus.Counter
	sourceErrors   *prometheus.CounterVec
	httpRequests   *prometheus.CounterVec
}

// NewMetrics registers the process, Go, request and catalog metrics.
// store and index are read at scrape time; either may be nil.
func NewMetrics(store *catalog.Store, index *docs.Holder) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callboard_requests_total",
		Help: "Chat requests answered, by platform, command and outcome (the answer's status, or error).",
	}, []string{"platform", "command", "outcome"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "callboard_request_duration_seconds",
		Help:    "Time to answer a chat request (to the acknowledgement; slow follow-ups excluded), by platform and command.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"platform", "command"})
	m.refreshSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "callboard_catalog_refresh_duration_seconds",
		Help:    "Time to load the catalog from its sources.",
		Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
	})
	m.refreshErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "callboard_catalog_refresh_errors_total",
		Help: "Catalog loads that failed (the previous snapshot kept serving).",
	})
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callboard_http_requests_total",
		Help: "HTTP requests by endpoint and status code class.",
	}, []string{"endpoint", "code"})
	m.sourceErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callboard_catalog_source_refresh_errors_total",
		Help: "Failed refreshes of one catalog source (or one repository of it).",
	}, []string{"source", "repo"})
	m.Registry.MustRegister(m.sourceErrors)
	m.Registry.MustRegister(m.requests, m.latency, m.refreshSeconds, m.refreshErrors, m.httpRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.watch(store, index)
	return m
}

// watch registers the gauges read from store and index at scrape time;
// either may be nil.
func (m *Metrics) watch(store *catalog.Store, index *docs.Holder) {
	if store != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "callboard_catalog_entities",
			Help: "Entities in the current catalog snapshot.",
		}, func() float64 {
			if s := store.Current(); s != nil {
				return float64(s.Len())
			}
			return 0
		}))
	}
	if index != nil {
		stat := func(f func(docs.Stats) int64) func() float64 {
			return func() float64 {
				if ix := index.Current(); ix != nil {
					return float64(f(ix.Stats()))
				}
				return 0
			}
		}
		m.Registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callboard_docs_sections", Help: "Sections in the documentation index."},
				stat(func(s docs.Stats) int64 { return int64(s.Sections) })),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callboard_docs_pages", Help: "Pages in the documentation index."},
				stat(func(s docs.Stats) int64 { return int64(s.Pages) })),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callboard_docs_index_bytes", Help: "Estimated memory of the documentation index."},
				stat(func(s docs.Stats) int64 { return s.IndexBytes })),
		)
	}
}

// Middleware counts each request by platform, command and outcome (the
// answer's status, "duplicate" for a delivery already seen, "error") and
// observes its latency. It goes outermost (App.middleware) so refusals
// (dedupe, rate limit) and failures are counted too.
func (m *Metrics) Middleware() chat.Middleware {
	return func(next chat.Handler) chat.Handler {
		return chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
			start := time.Now()
			resp, err := next.Handle(ctx, req)
			cmd := chat.Parsed(req).Command
			if cmd == "" {
				cmd = "none"
			}
			outcome := "error"
			switch {
			case errors.Is(err, chat.ErrDuplicate):
				outcome = "duplicate"
			case err == nil && resp != nil:
				outcome = string(resp.Status)
			}
			platform := req.Platform
			if platform == "" {
				platform = "unknown"
			}
			m.requests.WithLabelValues(platform, cmd, outcome).Inc()
			m.latency.WithLabelValues(platform, cmd).Observe(time.Since(start).Seconds())
			return resp, err
		})
	}
}

// ObserveRefresh records one catalog load.
func (m *Metrics) ObserveRefresh(d time.Duration, err error) {
	m.refreshSeconds.Observe(d.Seconds())
	if err != nil {
		m.refreshErrors.Inc()
	}
}

// ObserveSourceRefresh counts a failed refresh of source (and repo, "" for
// the whole source).
func (m *Metrics) ObserveSourceRefresh(source, repo string, err error) {
	if err != nil {
		m.sourceErrors.WithLabelValues(source, repo).Inc()
	}
}

// Register adds further collectors (GitHub's, scaffold's).
func (m *Metrics) Register(cs ...prometheus.Collector) {
	m.Registry.MustRegister(cs...)
}
