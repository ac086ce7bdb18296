package github

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/callboard/callboard/catalog/ingest"
)

// Collector exposes GitHub API usage and catalog refresh state to
// Prometheus. Register it on the registry /metrics serves:
//
//	prometheus.MustRegister(github.NewCollector(client, refresher))
type Collector struct {
	client    *Client
	refresher Statuser

	calls, retries, notModified, remaining, limit, reset *prometheus.Desc
	entities, problems, failing, lastSuccess, sourceErr  *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// Statuser reports the state of catalog sources (*ingest.Refresher).
type Statuser interface{ Status() ingest.Status }

// NewCollector returns a collector; either argument may be nil.
func NewCollector(c *Client, r Statuser) *Collector {
	if r, ok := r.(*ingest.Refresher); ok && r == nil {
		return NewCollector(c, nil)
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &Collector{client: c, refresher: r,
		calls:       d("callboard_github_api_calls_total", "HTTP requests sent to the GitHub API, retries included."),
		retries:     d("callboard_github_api_retries_total", "GitHub API requests that were retries after a 5xx or a rate limit."),
		notModified: d("callboard_github_api_not_modified_total", "GitHub API answers that were 304 Not Modified (free of rate limit)."),
		remaining:   d("callboard_github_rate_limit_remaining", "X-RateLimit-Remaining last seen.", "resource"),
		limit:       d("callboard_github_rate_limit_limit", "X-RateLimit-Limit last seen.", "resource"),
		reset:       d("callboard_github_rate_limit_reset_timestamp_seconds", "X-RateLimit-Reset last seen.", "resource"),
		entities:    d("callboard_catalog_source_entities", "Entities a catalog source currently contributes.", "source"),
		problems:    d("callboard_catalog_source_problems", "Problems a catalog source currently reports.", "source"),
		failing:     d("callboard_catalog_source_failing_repos", "Repositories whose last refresh failed.", "source"),
		lastSuccess: d("callboard_catalog_source_last_success_timestamp_seconds", "When a catalog source last loaded without error.", "source"),
		sourceErr:   d("callboard_catalog_source_up", "1 when the source's last load succeeded, else 0.", "source"),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.calls, c.retries, c.notModified, c.remaining, c.limit, c.reset,
		c.entities, c.problems, c.failing, c.lastSuccess, c.sourceErr} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.client != nil {
		st := c.client.Stats()
		ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(st.Calls))
		ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(st.Retries))
		ch <- prometheus.MustNewConstMetric(c.notModified, prometheus.CounterValue, float64(st.NotModified))
		if st.Limit > 0 {
			res := st.Resource
			if res == "" {
				res = "core"
			}
			ch <- prometheus.MustNewConstMetric(c.remaining, prometheus.GaugeValue, float64(st.Remaining), res)
			ch <- prometheus.MustNewConstMetric(c.limit, prometheus.GaugeValue, float64(st.Limit), res)
			ch <- prometheus.MustNewConstMetric(c.reset, prometheus.GaugeValue, float64(st.Reset.Unix()), res)
		}
	}
	if c.refresher != nil {
		for _, s := range c.refresher.Status().Sources {
			failing := 0
			for _, r := range s.Repos {
				if r.LastError != "" {
					failing++
				}
			}
			up := 1.0
			if s.LastError != "" {
				up = 0
			}
			ch <- prometheus.MustNewConstMetric(c.entities, prometheus.GaugeValue, float64(s.Entities), s.Name)
			ch <- prometheus.MustNewConstMetric(c.problems, prometheus.GaugeValue, float64(s.Problems), s.Name)
			ch <- prometheus.MustNewConstMetric(c.failing, prometheus.GaugeValue, float64(failing), s.Name)
			ch <- prometheus.MustNewConstMetric(c.sourceErr, prometheus.GaugeValue, up, s.Name)
			if !s.LastSuccess.IsZero() {
				ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, float64(s.LastSuccess.Unix()), s.Name)
			}
		}
	}
}
