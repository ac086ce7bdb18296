package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

// IngestLock is the leader lock of the replica that reads the remote
// catalog sources (GitHub, a Backstage instance) and publishes snapshots.
const IngestLock = "catalog-ingest"

// replicas is how replicas share one view of remote catalog sources. With
// Redis, one replica (the holder of IngestLock) runs the Refresher and
// publishes every snapshot it swaps in, with its TechDocs sites, on the
// SnapshotBus; the others follow the bus and answer from what the leader
// published, so only one replica spends GitHub's rate limit. Webhook
// deliveries that reach a follower are handed to the leader through Redis.
// Without Redis the one process is always the leader and nothing is
// published.
type replicas struct {
	s      *server
	bus    *redis.SnapshotBus
	locker bot.Locker

	leading atomic.Bool
	// followed is the last bundle applied from the bus (nil on a leader
	// that never followed): its snapshot and when it came.
	mu        sync.Mutex
	followed  *redis.Bundle
	indexed   *redis.Bundle // the bundle whose sites the doc index holds
	version   int64
	appliedAt time.Time

	// swapped wakes the follow-up worker (docs and publishing) after a swap.
	swapped chan struct{}
	// leaderGauge is 1 while this replica leads ingestion.
	leaderGauge prometheus.Gauge
}

func newIngest(s *server) *replicas {
	in := &replicas{s: s, swapped: make(chan struct{}, 1), leaderGauge: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "callboard_catalog_ingest_leader",
		Help: "1 while this replica holds the catalog ingest lock and reads the remote sources, else 0.",
	})}
	s.metrics.Register(in.leaderGauge)
	if s.redis != nil {
		in.bus = s.redis.Catalog
		in.locker = s.redis.Locker
	} else {
		in.locker = bot.NewMemoryLocker()
	}
	s.app.Store.OnSwap(func(*catalog.Snapshot) {
		select {
		case in.swapped <- struct{}{}:
		default:
		}
	})
	return in
}

// run is the background work: lead when the lock is ours, follow the bus
// otherwise, and index docs (and publish, as leader) after every swap.
func (in *replicas) run(ctx context.Context) error {
	var wg sync.WaitGroup
	work := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	work(in.followUps)
	if in.bus != nil {
		work(in.follow)
	}
	in.lead(ctx)
	wg.Wait()
	return nil
}

// lead waits for the ingest lock, runs the Refresher while the lease holds,
// and goes back to waiting when it is lost.
func (in *replicas) lead(ctx context.Context) {
	log := in.s.log
	for ctx.Err() == nil {
		lease, err := in.locker.Acquire(ctx, IngestLock)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("cannot take the catalog ingest lock; retrying", "err", err)
			sleep(ctx, 2*time.Second)
			continue
		}
		log.Info("leading catalog ingestion", "fencing_token", lease.Token())
		in.seed(ctx)
		in.leading.Store(true)
		in.leaderGauge.Set(1)
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-lease.Lost():
				log.Warn("lost the catalog ingest lock; following the new leader")
				cancel()
			case <-lctx.Done():
			}
		}()
		// Only the leader listens for webhook work followers hand over, so a
		// hand-over with no leader listening is known (and refused).
		var fwd sync.WaitGroup
		if in.bus != nil {
			fwd.Add(1)
			go func() { defer fwd.Done(); in.forwarded(lctx) }()
		}
		_ = in.s.refresh.Run(lctx)
		cancel()
		fwd.Wait()
		in.leading.Store(false)
		in.leaderGauge.Set(0)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		_ = lease.Release(rctx)
		rcancel()
	}
}

// seed gives a new leader that serves no catalog yet the newest snapshot
// on the bus (the last leader's), before its own first read of the sources:
// should GitHub be down at this cold start, it answers (and is ready) from
// that snapshot, and the Refresher keeps it until every source has loaded.
func (in *replicas) seed(ctx context.Context) {
	if in.bus == nil || in.s.loaded.Load() {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, v, err := in.bus.LoadBundle(lctx)
	if err != nil {
		if !errors.Is(err, redis.ErrNoSnapshot) {
			in.s.log.Warn("cannot read the last published catalog; starting from the sources alone", "err", err)
		}
		return
	}
	in.apply(v, b)
	in.s.log.Info("starting from the last published catalog while the sources are read", "version", v, "entities", b.Snapshot.Len())
}

// apply swaps in a bundle read from the bus.
func (in *replicas) apply(v int64, b redis.Bundle) {
	in.mu.Lock()
	in.followed, in.version, in.appliedAt = &b, v, time.Now()
	in.mu.Unlock()
	in.s.app.Store.Swap(b.Snapshot)
	in.s.metrics.ObserveRefresh(0, nil)
	if b.Snapshot.Len() > 0 {
		in.s.loaded.Store(true)
	}
}

// follow applies every version the leader publishes, while not leading.
func (in *replicas) follow(ctx context.Context) {
	for ctx.Err() == nil {
		err := in.bus.FollowBundle(ctx, func(v int64, b redis.Bundle) {
			if in.leading.Load() {
				return // ours, or older than what we hold
			}
			in.apply(v, b)
			in.s.log.Info("catalog snapshot loaded from the leader", "version", v, "entities", b.Snapshot.Len(), "sites", len(b.Sites))
		})
		if ctx.Err() != nil {
			return
		}
		in.s.log.Warn("following the catalog leader failed; retrying", "err", err)
		sleep(ctx, time.Second)
	}
}

// followUps indexes the documentation of each snapshot swapped in and, on
// the leader, publishes the snapshot with its sites. Swaps that come close
// together (a refresh of several sources) are taken as one.
func (in *replicas) followUps(ctx context.Context) {
	last := in.s.app.Store.Current()
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.swapped:
		}
		sleep(ctx, 100*time.Millisecond)
		snap := in.s.app.Store.Current()
		if ctx.Err() != nil {
			return
		}
		if snap == nil || snap == last {
			continue
		}
		last = snap
		sites, probs, same := in.sitesFor(ctx, snap)
		if !same {
			in.s.rebuildDocs(ctx, sites, probs)
		}
		if in.bus == nil || !in.leading.Load() || in.fromBus(snap) {
			continue // a snapshot that came from the bus is not published again
		}
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		v, err := in.bus.PublishBundle(pctx, redis.Bundle{Snapshot: snap, Sites: sites})
		cancel()
		if err != nil {
			in.s.log.Warn("publishing the catalog snapshot failed; followers keep the previous one", "err", err)
			continue
		}
		in.mu.Lock()
		in.version, in.appliedAt = v, time.Now()
		in.mu.Unlock()
		in.s.log.Info("catalog snapshot published", "version", v, "entities", snap.Len(), "sites", len(sites))
	}
}

// sitesFor is the TechDocs of snap: read beside the entities on the
// replica that loaded them, or as the leader published them. A follower's
// snapshots all derive from the last bundle it applied (plus entities
// registered since, whose docs live in repositories not read yet), so it
// indexes that bundle's sites; same reports they are the ones indexed last.
func (in *replicas) sitesFor(ctx context.Context, snap *catalog.Snapshot) (sites []docs.Site, probs []catalog.Problem, same bool) {
	in.mu.Lock()
	b := in.followed
	same = b != nil && b == in.indexed
	bus := b != nil && (!in.leading.Load() || b.Snapshot == snap)
	if bus {
		in.indexed = b
	}
	in.mu.Unlock()
	if bus {
		for _, d := range b.Dropped {
			probs = append(probs, catalog.Problem{Severity: catalog.Warning, Pos: catalog.Position{File: "catalog leader"},
				Message: "TechDocs site not carried to this replica: " + d})
		}
		return b.Sites, probs, same
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	sites, probs = docs.SitesFromSnapshotWith(ctx, snap, in.s.app.DocsRemote)
	return sites, probs, false
}

// fromBus reports whether snap is the snapshot last read from the bus.
func (in *replicas) fromBus(snap *catalog.Snapshot) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.followed != nil && in.followed.Snapshot == snap
}

// webhookOp is a webhook's work handed from a follower to the leader.
type webhookOp struct {
	Op   string `json:"op"` // "refresh" or "remove"
	Org  string `json:"org"`
	Repo string `json:"repo"`
}

func (in *replicas) opsChannel() redis.Channel { return in.s.redis.Channel("catalog:webhook-ops") }

// forwarded carries out, on the leader, the webhook work followers hand over.
func (in *replicas) forwarded(ctx context.Context) {
	for ctx.Err() == nil {
		sub, err := in.opsChannel().Subscribe(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			sleep(ctx, time.Second)
			continue
		}
		in.takeOver(ctx, sub.Messages())
		sub.Close()
	}
}

// takeOver carries out the operations arriving on ch while leading, until
// ctx is done or the subscription ends.
func (in *replicas) takeOver(ctx context.Context, ch <-chan string) {
	for {
		var m string
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			m = msg
		}
		if !in.leading.Load() {
			continue
		}
		var op webhookOp
		if err := json.Unmarshal([]byte(m), &op); err != nil {
			continue
		}
		switch op.Op {
		case "refresh":
			rctx, cancel := context.WithTimeout(ctx, time.Minute)
			if err := in.s.refresh.RefreshRepo(rctx, op.Org, op.Repo); err != nil {
				in.s.log.Warn("refresh handed over by a follower failed", "repo", op.Org+"/"+op.Repo, "err", err)
			}
			cancel()
		case "remove":
			in.s.refresh.RemoveRepo(op.Org, op.Repo)
		}
	}
}

// webhookTarget is the github.RepoRefresher webhooks drive: the Refresher
// itself on the leader; on a follower, a hand-over to the leader.
type webhookTarget struct{ in *replicas }

var _ github.RepoRefresher = webhookTarget{}

func (t webhookTarget) Watches(org string) bool { return t.in.s.refresh.Watches(org) }

// Relevant is only known to the replica holding each repository's state:
// a follower hands every push over and lets the leader's conditional
// requests make an unchanged repository cheap.
func (t webhookTarget) Relevant(org, repo string, paths []string) bool {
	if t.in.bus == nil || t.in.leading.Load() {
		return t.in.s.refresh.Relevant(org, repo, paths)
	}
	return true
}

func (t webhookTarget) RefreshRepo(ctx context.Context, org, repo string) error {
	if t.in.bus == nil || t.in.leading.Load() {
		return t.in.s.refresh.RefreshRepo(ctx, org, repo)
	}
	return t.in.handOver(ctx, webhookOp{Op: "refresh", Org: org, Repo: repo})
}

func (t webhookTarget) RemoveRepo(org, repo string) {
	if t.in.bus == nil || t.in.leading.Load() {
		t.in.s.refresh.RemoveRepo(org, repo)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.in.handOver(ctx, webhookOp{Op: "remove", Org: org, Repo: repo}); err != nil {
		t.in.s.log.Warn("cannot hand a repository removal to the catalog leader", "repo", org+"/"+repo, "err", err)
	}
}

// handOver gives op to the leader: the receiver count of the leader's
// channel (exact on a Cluster too: the channel is sharded there) tells that
// it listens. A leader that is resubscribing (its connection was lost, or a
// new one was just elected) is given a moment before the hand-over is
// refused.
func (in *replicas) handOver(ctx context.Context, op webhookOp) error {
	data, _ := json.Marshal(op)
	for try := 0; ; try++ {
		n, err := in.opsChannel().Publish(ctx, data)
		if err != nil {
			in.s.log.Warn("handing webhook work to the catalog leader failed", "op", op.Op, "repo", op.Org+"/"+op.Repo, "err", err)
			return errors.New("the catalog leader cannot be reached through Redis right now; the next full refresh will pick the change up")
		}
		if n > 0 {
			return nil
		}
		if try == 4 || ctx.Err() != nil {
			return errors.New("no catalog leader is listening yet; the next full refresh will pick the change up")
		}
		in.s.log.Info("no catalog leader listened to a webhook hand-over; trying again", "op", op.Op, "repo", op.Org+"/"+op.Repo)
		sleep(ctx, 250*time.Millisecond)
	}
}

// health adds, on a follower, where its catalog came from.
func (in *replicas) health() []bot.SourceHealth {
	if in.bus == nil || in.leading.Load() {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	h := bot.SourceHealth{Name: "catalog leader (via Redis)"}
	if in.followed == nil {
		h.LastError = "no snapshot received from the leader yet"
		return []bot.SourceHealth{h}
	}
	h.Name = fmt.Sprintf("catalog leader (via Redis), version %d", in.version)
	h.LastSuccess = in.appliedAt
	h.Entities = in.followed.Snapshot.Len()
	h.Problems = len(in.followed.Snapshot.Problems())
	if len(in.followed.Dropped) > 0 {
		h.LastError = "TechDocs not carried: " + strings.Join(in.followed.Dropped, "; ")
	}
	return []bot.SourceHealth{h}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
