package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

// Run is the background work: lead when the lock is ours, follow the bus
// otherwise, and index docs (and publish, as leader) after every swap. It
// returns when ctx is done, every goroutine it started stopped.
func (in *Ingest) Run(ctx context.Context) error {
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
func (in *Ingest) lead(ctx context.Context) {
	log := in.log
	for ctx.Err() == nil {
		lease, err := in.locker.Acquire(ctx, Lock)
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
		if in.bus != nil && in.o.HandOver != nil {
			fwd.Add(1)
			go func() { defer fwd.Done(); in.forwarded(lctx) }()
		}
		_ = in.o.Refresher.Run(lctx)
		cancel()
		fwd.Wait()
		in.leading.Store(false)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		_ = lease.Release(rctx)
		rcancel()
	}
}

// seed gives a new leader that serves no catalog yet the newest snapshot
// on the bus (the last leader's), before its own first read of the sources:
// should GitHub be down at this cold start, it answers (and is ready) from
// that snapshot, and the Refresher keeps it until every source has loaded.
func (in *Ingest) seed(ctx context.Context) {
	if in.bus == nil || (in.o.Loaded != nil && in.o.Loaded()) {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, v, err := in.bus.LoadBundle(lctx)
	if err != nil {
		if !errors.Is(err, ErrNoSnapshot) {
			in.log.Warn("cannot read the last published catalog; starting from the sources alone", "err", err)
		}
		return
	}
	in.apply(v, b)
	in.log.Info("starting from the last published catalog while the sources are read", "version", v, "entities", b.Snapshot.Len())
}

// apply swaps in a bundle read from the bus.
func (in *Ingest) apply(v int64, b Bundle) {
	in.mu.Lock()
	in.followed, in.version, in.appliedAt = &b, v, time.Now()
	in.mu.Unlock()
	in.o.Store.Swap(b.Snapshot)
	if in.o.Applied != nil {
		in.o.Applied(v, b)
	}
}

// follow applies every version the leader publishes, while not leading.
func (in *Ingest) follow(ctx context.Context) {
	for ctx.Err() == nil {
		err := in.bus.FollowBundle(ctx, func(v int64, b Bundle) {
			if in.leading.Load() {
				return // ours, or older than what we hold
			}
			in.apply(v, b)
			in.log.Info("catalog snapshot loaded from the leader", "version", v, "entities", b.Snapshot.Len(), "sites", len(b.Sites))
		})
		if ctx.Err() != nil {
			return
		}
		in.log.Warn("following the catalog leader failed; retrying", "err", err)
		sleep(ctx, time.Second)
	}
}

// followUps indexes the documentation of each snapshot swapped in and, on
// the leader, publishes the snapshot with its sites. Swaps that come close
// together (a refresh of several sources) are taken as one.
func (in *Ingest) followUps(ctx context.Context) {
	last := in.o.Store.Current()
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.swapped:
		}
		sleep(ctx, 100*time.Millisecond)
		snap := in.o.Store.Current()
		if ctx.Err() != nil {
			return
		}
		if snap == nil || snap == last {
			continue
		}
		last = snap
		sites, probs, same := in.sitesFor(ctx, snap)
		if !same {
			in.o.Index(ctx, sites, probs)
		}
		if in.bus == nil || !in.leading.Load() || in.fromBus(snap) {
			continue // a snapshot that came from the bus is not published again
		}
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		v, err := in.bus.PublishBundle(pctx, Bundle{Snapshot: snap, Sites: sites})
		cancel()
		if err != nil {
			in.log.Warn("publishing the catalog snapshot failed; followers keep the previous one", "err", err)
			continue
		}
		in.mu.Lock()
		in.version, in.appliedAt = v, time.Now()
		in.mu.Unlock()
		in.log.Info("catalog snapshot published", "version", v, "entities", snap.Len(), "sites", len(sites))
	}
}

// sitesFor is the TechDocs of snap: read beside the entities on the
// replica that loaded them, or as the leader published them. A follower's
// snapshots all derive from the last bundle it applied (plus entities
// registered since, whose docs live in repositories not read yet), so it
// indexes that bundle's sites; same reports they are the ones indexed last.
func (in *Ingest) sitesFor(ctx context.Context, snap *catalog.Snapshot) (sites []docs.Site, probs []catalog.Problem, same bool) {
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
	sites, probs = docs.SitesFromSnapshotWith(ctx, snap, in.o.DocsRemote)
	return sites, probs, false
}

// fromBus reports whether snap is the snapshot last read from the bus.
func (in *Ingest) fromBus(snap *catalog.Snapshot) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.followed != nil && in.followed.Snapshot == snap
}

// Op is a webhook's work handed from a follower to the leader.
type Op struct {
	Op   string `json:"op"` // "refresh" or "remove"
	Org  string `json:"org"`
	Repo string `json:"repo"`
}

// HandOver carries Ops from followers to the leader (redis.HandOver; in
// memory, MemoryHandOver).
type HandOver interface {
	// Send gives op to whoever receives and returns how many did.
	Send(ctx context.Context, op Op) (int64, error)
	// Receive calls f with each Op sent, once it is listening, until ctx
	// is done or the connection fails (its error).
	Receive(ctx context.Context, f func(Op)) error
}

// forwarded carries out, on the leader, the webhook work followers hand over.
func (in *Ingest) forwarded(ctx context.Context) {
	for ctx.Err() == nil {
		start := time.Now()
		_ = in.o.HandOver.Receive(ctx, func(op Op) { in.takeOver(ctx, op) })
		// A subscription that ended after a while (a dropped connection,
		// a Cluster slot moved) is made again at once, or followers'
		// hand-overs in the meantime find nobody listening; one that failed
		// or ended at once waits before the next try (no busy loop).
		if time.Since(start) < time.Second {
			sleep(ctx, time.Second)
		}
	}
}

// takeOver carries out an operation handed over while leading.
func (in *Ingest) takeOver(ctx context.Context, op Op) {
	if !in.leading.Load() {
		return
	}
	switch op.Op {
	case "refresh":
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		if err := in.o.Refresher.RefreshRepo(rctx, op.Org, op.Repo); err != nil {
			in.log.Warn("refresh handed over by a follower failed", "repo", op.Org+"/"+op.Repo, "err", err)
		}
		cancel()
	case "remove":
		in.o.Refresher.RemoveRepo(op.Org, op.Repo)
	}
}

// Webhooks is what GitHub webhooks drive (a github.RepoRefresher): the
// Refresher itself on the leader; on a follower, a hand-over to the leader.
func (in *Ingest) Webhooks() Webhooks { return Webhooks{in} }

// Webhooks is Ingest.Webhooks.
type Webhooks struct{ in *Ingest }

// Watches reports whether some source reads org.
func (t Webhooks) Watches(org string) bool { return t.in.o.Refresher.Watches(org) }

// Relevant is only known to the replica holding each repository's state:
// a follower hands every push over and lets the leader's conditional
// requests make an unchanged repository cheap.
func (t Webhooks) Relevant(org, repo string, paths []string) bool {
	if t.in.bus == nil || t.in.leading.Load() {
		return t.in.o.Refresher.Relevant(org, repo, paths)
	}
	return true
}

// RefreshRepo re-reads one repository of org, on the leader.
func (t Webhooks) RefreshRepo(ctx context.Context, org, repo string) error {
	if t.in.bus == nil || t.in.leading.Load() {
		return t.in.o.Refresher.RefreshRepo(ctx, org, repo)
	}
	return t.in.handOver(ctx, Op{Op: "refresh", Org: org, Repo: repo})
}

// RemoveRepo drops a repository of org, on the leader.
func (t Webhooks) RemoveRepo(org, repo string) {
	if t.in.bus == nil || t.in.leading.Load() {
		t.in.o.Refresher.RemoveRepo(org, repo)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.in.handOver(ctx, Op{Op: "remove", Org: org, Repo: repo}); err != nil {
		t.in.log.Warn("cannot hand a repository removal to the catalog leader", "repo", org+"/"+repo, "err", err)
	}
}

// handOver gives op to the leader: the receiver count of the leader's
// channel (exact on a Cluster too: the channel is sharded there) tells that
// it listens. A leader that is resubscribing (its connection was lost, or a
// new one was just elected) is given a moment before the hand-over is
// refused.
func (in *Ingest) handOver(ctx context.Context, op Op) error {
	if in.o.HandOver == nil {
		return errors.New("no catalog leader is listening yet; the next full refresh will pick the change up")
	}
	for try := 0; ; try++ {
		n, err := in.o.HandOver.Send(ctx, op)
		if err != nil {
			in.log.Warn("handing webhook work to the catalog leader failed", "op", op.Op, "repo", op.Org+"/"+op.Repo, "err", err)
			return errors.New("the catalog leader cannot be reached through Redis right now; the next full refresh will pick the change up")
		}
		if n > 0 {
			return nil
		}
		if try == 4 || ctx.Err() != nil {
			return errors.New("no catalog leader is listening yet; the next full refresh will pick the change up")
		}
		in.log.Info("no catalog leader listened to a webhook hand-over; trying again", "op", op.Op, "repo", op.Org+"/"+op.Repo)
		sleep(ctx, 250*time.Millisecond)
	}
}

// Health is, on a follower, where its catalog came from (nil on the leader
// or a single process: the Refresher's Status says it).
func (in *Ingest) Health() []bot.SourceHealth {
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
