package redis

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"
)

// State is every shared-state implementation over one client, as main wires
// them: Dedupe, Limiter and Audit for chat.Router, Locker for leadership, Jobs
// and Queue for scaffold.Runner, Catalog for the snapshot bus and HandOver
// for webhook work (catalog/ingest), Stash for chat buttons' long payloads.
type State struct {
	Client goredis.UniversalClient
	// Chosen is the mode the client was built in (single node, Sentinel or
	// Cluster) and why, for the log.
	Chosen   Chosen
	prefix   string
	Dedupe   *Dedupe
	Limiter  *RateLimiter
	Audit    *Audit
	Locker   *Locker
	Jobs     *JobStore
	Queue    *Queue
	Catalog  *SnapshotBus
	HandOver HandOver
	Stash    *Stash
	// Replicas are the replicas' heartbeats (the status page).
	Replicas *Replicas
	// Alerts keeps alert groups' cards and locks.
	Alerts *AlertStore
}

// Open builds the client from o and the state over it, with a rate limit of
// rate requests per second and burst per key. It does not dial, except to
// ask one address whether it is a Cluster: call Healthy.
func Open(o Options, rate float64, burst int) (*State, error) {
	c, chosen, err := newClient(o)
	if err != nil {
		return nil, err
	}
	p := o.Prefix()
	return &State{
		Client:   c,
		Chosen:   chosen,
		prefix:   p,
		Dedupe:   &Dedupe{C: c, Prefix: p},
		Limiter:  &RateLimiter{C: c, Prefix: p, Rate: rate, Burst: burst},
		Audit:    &Audit{C: c, Prefix: p},
		Locker:   &Locker{C: c, Prefix: p},
		Jobs:     &JobStore{C: c, Prefix: p},
		Queue:    &Queue{C: c, Prefix: p},
		Catalog:  &SnapshotBus{C: c, Prefix: p},
		HandOver: HandOver{C: c, Prefix: p},
		Stash:    &Stash{C: c, Prefix: p},
		Replicas: &Replicas{C: c, Prefix: p},
		Alerts:   &AlertStore{C: c, Prefix: p},
	}, nil
}

// Registrations are the entities scaffold jobs registered, shared by the
// replicas; self names this replica.
func (s *State) Registrations(self string) *Registrations {
	return &Registrations{C: s.Client, Jobs: s.Jobs, Prefix: s.prefix, Self: self}
}

// Channel is the pub/sub channel named name (after the key prefix).
func (s *State) Channel(name string) Channel {
	return Channel{C: s.Client, Name: s.prefix + name}
}

// RateLimiter is a rate limit of rate per second and burst per key, beside
// the request limiter (the GitHub webhook's refresh budget).
func (s *State) RateLimiter(rate float64, burst int) *RateLimiter {
	return &RateLimiter{C: s.Client, Prefix: s.prefix, Rate: rate, Burst: burst}
}

// SetLogger sends go-redis's own messages to log (redacted like every
// line) instead of the standard logger. It is process-wide, as go-redis's
// logger is.
func SetLogger(log *slog.Logger) { goredis.SetLogger(redisLog{log}) }

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// Healthy reports whether Redis answers, for /readyz.
func (s *State) Healthy(ctx context.Context) error { return Healthy(ctx, s.Client) }

// Close closes the client.
func (s *State) Close() error { return s.Client.Close() }
