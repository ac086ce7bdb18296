package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

// wireScaffold is chat scaffolding in `serve`: it fills opts.Scaffold
// before the App is built (jobs in Redis when it is configured, else in
// memory; the registered source; callboard_scaffold_jobs) and adds the
// workers and the Registry's Run to the background work. Runner.Workers run
// on every replica, so any of them finishes a job. Publishing is on when
// GitHub is configured (a token or a GitHub App).
func (s *Main) wireScaffold(opts *AppOptions) error {
	cfg := s.cfg
	host, _ := os.Hostname()
	if host == "" {
		host = "callboard"
	}
	// The pod (host) name, and the process, so two processes on one host
	// never share a consumer's pending claims.
	s.consumer = fmt.Sprintf("%s-%d", host, os.Getpid())
	s.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callboard_scaffold_jobs",
		Help: "Scaffold jobs by the state they reached on this replica: queued (accepted or handed back), running (an attempt started), succeeded, failed, interrupted (stopped by shutdown and handed back), parked (waiting for a GitHub rate limit to reset).",
	}, []string{"state"})
	for _, st := range []string{"queued", "running", "succeeded", "failed", "interrupted", "parked"} {
		s.jobs.WithLabelValues(st)
	}
	setup := &scaffoldSetup{Notifier: &scaffold.Notifier{}, Poll: time.Second}
	if len(cfg.Scaffold.Policy) > 0 {
		p := &scaffold.Policy{AllowUnlisted: cfg.Scaffold.AllowUnlisted}
		for _, r := range cfg.Scaffold.Policy {
			p.Rules = append(p.Rules, scaffold.Rule{Templates: r.Templates, Groups: r.Groups})
		}
		setup.Policy = p
	}
	for _, l := range cfg.Scaffold.Locations {
		if u, err := url.Parse(l); err == nil && u.Host != "" {
			setup.AllowedHosts = append(setup.AllowedHosts, u.Hostname())
		} else {
			setup.AllowedHosts = append(setup.AllowedHosts, strings.TrimSuffix(l, "/"))
		}
	}
	setup.Admins = s.admins
	var queue scaffold.Queue
	dedupe := chat.Dedupe(chat.NewMemoryDedupe())
	if s.redis != nil {
		dedupe = s.redis.Dedupe
	}
	setup.Once = func(ctx context.Context, key string) (bool, error) { return dedupe.FirstSeen(ctx, key, 24*time.Hour) }
	if s.redis != nil {
		setup.Store = s.redis.Jobs
		s.redis.Queue.Visibility = cfg.Scaffold.ClaimTimeout
		queue = s.redis.Queue
		setup.Registered = ingest.NewRegistry(s.redis.Registrations(host+"/"+newToken()), s.log)
	} else {
		setup.Store = scaffold.NewMemJobStore()
		mq := scaffold.NewMemQueue()
		mq.Visibility = cfg.Scaffold.ClaimTimeout
		queue = mq
		setup.Registered = ingest.NewRegistry(nil, s.log)
	}
	setup.Queue = countingQueue{Queue: queue, jobs: s.jobs}
	// A job's outcome reaches its message even when the replica that took
	// the request (and followed the job) died: the worker posts it.
	setup.Replies = &bot.JobReplies{Watch: chat.NewMemoryStash(), Once: setup.Once, Repliers: s.replier, Log: s.log}
	if s.redis != nil {
		setup.Replies.Watch = s.redis.Stash
	}
	if client := s.github; client != nil {
		setup.Publisher = github.NewPublisher(client)
		// Remote skeletons on the configured template locations are read
		// with the same credentials.
		setup.Fetcher = github.NewTemplateFetcher(client, github.TechDocsOptions{Hosts: setup.AllowedHosts})
	} else {
		setup.NotConfigured = "This callboard has no GitHub credentials to publish with: set GITHUB_TOKEN (or github.token_file), or a GitHub App (github.app_id, github.installation_id and GITHUB_APP_PRIVATE_KEY_FILE), and restart."
	}
	s.scaffold = setup
	opts.Scaffold = setup
	s.metrics.Register(s.jobs)
	// Registrations made elsewhere, and re-added after every swap.
	s.background = append(s.background, setup.Registered.Run)
	if setup.Publisher != nil {
		s.background = append(s.background, s.runWorkers)
	}
	return nil
}

// newToken is a short random id (a replica's own, for its announcements).
func newToken() string { return fmt.Sprintf("%x", time.Now().UnixNano()) }

// runWorkers runs the workers until ctx ends (scaffold.Runner.Workers). On
// shutdown a worker stops taking jobs; a job it was running is recorded
// queued at its step and handed back to the queue, for another replica.
func (s *Main) runWorkers(ctx context.Context) error {
	s.log.Info("scaffold workers running", "workers", s.cfg.Scaffold.Workers, "consumer", s.consumer, "shared", s.redis != nil)
	return s.app.Scaffold.Workers(ctx, s.cfg.Scaffold.Workers, s.scaffold.Queue, s.consumer, s.app.templateByRef, s.progress)
}

// progress passes a worker's event to the chat replies watching the job
// and counts the job's state.
func (s *Main) progress(e scaffold.Event) {
	s.scaffold.Notifier.Notify(e)
	s.scaffold.Replies.Settled(e.Job)
	switch {
	case e.Step < 0 && e.Job.State == scaffold.JobRunning:
		s.jobs.WithLabelValues("running").Inc()
	case e.Step < 0 && e.Job.State == scaffold.JobSucceeded:
		s.jobs.WithLabelValues("succeeded").Inc()
	case e.Job.State == scaffold.JobFailed:
		s.jobs.WithLabelValues("failed").Inc()
	case e.Job.State == scaffold.JobWaiting:
		s.jobs.WithLabelValues("parked").Inc()
	case e.Step >= 0 && e.Job.State == scaffold.JobQueued:
		s.jobs.WithLabelValues("interrupted").Inc()
	}
}

// replier is the platform's adapter, to post a job's outcome to a message
// (nil when that platform is not configured).
func (s *Main) replier(platform string) bot.Replier {
	switch {
	case platform == chat.PlatformSlack && s.slack != nil:
		return s.slack
	case platform == chat.PlatformDiscord && s.discord != nil:
		return s.discord
	}
	return nil
}

// countingQueue counts what is queued.
type countingQueue struct {
	scaffold.Queue
	jobs *prometheus.CounterVec
}

// The claims of both queues (Redis, memory) are leases: pass them on.
func (q countingQueue) leaser() scaffold.Leaser { return q.Queue.(scaffold.Leaser) }
func (q countingQueue) Lease(ctx context.Context, consumer, id string) (scaffold.Claim, error) {
	return q.leaser().Lease(ctx, consumer, id)
}
func (q countingQueue) Renew(ctx context.Context, consumer string, c scaffold.Claim) error {
	return q.leaser().Renew(ctx, consumer, c)
}
func (q countingQueue) Release(ctx context.Context, c scaffold.Claim) error {
	return q.leaser().Release(ctx, c)
}
func (q countingQueue) Heartbeat() time.Duration { return q.leaser().Heartbeat() }

func (q countingQueue) Enqueue(ctx context.Context, id string) error {
	err := q.Queue.Enqueue(ctx, id)
	if err == nil {
		q.jobs.WithLabelValues("queued").Inc()
	}
	return err
}
