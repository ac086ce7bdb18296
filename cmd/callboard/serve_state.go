package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callboard/callboard/bot/chat"
)

// failOpen counts the shared-state calls on the answer's path that failed
// (Redis slow, hung or away) and that the callers therefore let through:
// dedupe answers anyway, the rate limit allows, the audit record is lost
// (each caller logs it too).
type failOpen struct{ c *prometheus.CounterVec }

func newFailOpen() failOpen {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callboard_shared_state_fail_open_total",
		Help: "Shared-state (Redis) calls on the answer's path that failed or ran out of their time budget and were let through: dedupe, rate_limit, audit.",
	}, []string{"op"})
	for _, op := range []string{"dedupe", "rate_limit", "audit"} {
		c.WithLabelValues(op)
	}
	return failOpen{c}
}

func (f failOpen) dedupe(d chat.Dedupe) chat.Dedupe {
	return countedDedupe{d, f.c.WithLabelValues("dedupe")}
}
func (f failOpen) limiter(l chat.RateLimiter) chat.RateLimiter {
	return countedLimiter{l, f.c.WithLabelValues("rate_limit")}
}
func (f failOpen) audit(a chat.Audit) chat.Audit {
	return countedAudit{a, f.c.WithLabelValues("audit")}
}

type countedDedupe struct {
	chat.Dedupe
	n prometheus.Counter
}

func (d countedDedupe) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := d.Dedupe.FirstSeen(ctx, key, ttl)
	if err != nil {
		d.n.Inc()
	}
	return ok, err
}

type countedLimiter struct {
	chat.RateLimiter
	n prometheus.Counter
}

func (l countedLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	ok, wait, err := l.RateLimiter.Allow(ctx, key)
	if err != nil {
		l.n.Inc()
	}
	return ok, wait, err
}

type countedAudit struct {
	chat.Audit
	n prometheus.Counter
}

func (a countedAudit) Record(ctx context.Context, e chat.AuditEntry) error {
	err := a.Audit.Record(ctx, e)
	if err != nil {
		a.n.Inc()
	}
	return err
}

// redisStatus is the last answer of the shared Redis to /readyz's PING,
// reported beside readiness (never as a reason for it) and as
// callboard_redis_up.
type redisStatus struct {
	up    atomic.Int32 // 1 up, 0 down
	gauge prometheus.GaugeFunc
}

func newRedisStatus() *redisStatus {
	r := &redisStatus{}
	r.gauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "callboard_redis_up",
		Help: "1 when the shared Redis answered the last readiness check, else 0. Lookups are answered either way; dedupe, rate limits and audit fail open and scaffold jobs wait while it is 0.",
	}, func() float64 { return float64(r.up.Load()) })
	return r
}
