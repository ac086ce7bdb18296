package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

// Lock is the leader lock of the replica that reads the remote catalog
// sources (GitHub, a Backstage instance) and publishes snapshots.
const Lock = "catalog-ingest"

// Bus carries snapshots from the leader to the other replicas
// (redis.SnapshotBus).
type Bus interface {
	// PublishBundle stores b as a new version and tells the followers.
	PublishBundle(ctx context.Context, b Bundle) (int64, error)
	// LoadBundle reads the current version (ErrNoSnapshot: none yet).
	LoadBundle(ctx context.Context) (Bundle, int64, error)
	// FollowBundle calls apply with every new version until ctx ends.
	FollowBundle(ctx context.Context, apply func(version int64, b Bundle)) error
}

// Bundle is what one published version holds.
type Bundle struct {
	Snapshot *catalog.Snapshot
	// Sites are the TechDocs sites to index. On Load each one's FS is an
	// in-memory copy of the files published (mkdocs.yml and Markdown).
	Sites []docs.Site
	// Dropped names the sites left out of the bundle (over MaxDocBytes, or
	// unreadable), so a follower can report them rather than lose them
	// silently.
	Dropped []string
}

// ErrNoSnapshot is returned by a Bus's LoadBundle when nothing was
// published yet.
var ErrNoSnapshot = errors.New("no catalog snapshot published")

// Options are what an Ingest is built from.
type Options struct {
	// Store is the live catalog; Refresher fills it from the sources.
	Store     *catalog.Store
	Refresher *Refresher
	// Locker elects the leader (nil: in memory, this process leads).
	Locker chat.Locker
	// Bus and HandOver connect the replicas (nil: one process; nothing is
	// published and webhooks refresh here).
	Bus      Bus
	HandOver HandOver
	// DocsRemote reads url: TechDocs sites (nil: they are named as not read).
	DocsRemote docs.SiteReader
	// Index rebuilds the documentation index after a swap.
	Index func(ctx context.Context, sites []docs.Site, probs []catalog.Problem)
	// Loaded reports whether a catalog already serves (a new leader then
	// skips the last published one).
	Loaded func() bool
	// Applied is called after a snapshot from the leader is swapped in.
	Applied func(version int64, b Bundle)
	Log     *slog.Logger
}

// Ingest is how replicas share one view of remote catalog sources. With
// Redis, one replica (the holder of Lock) runs the Refresher and
// publishes every snapshot it swaps in, with its TechDocs sites, on the
// Bus; the others follow the bus and answer from what the leader
// published, so only one replica spends GitHub's rate limit. Webhook
// deliveries that reach a follower are handed to the leader (HandOver).
// Without Redis the one process is always the leader and nothing is
// published.
type Ingest struct {
	o      Options
	log    *slog.Logger
	bus    Bus
	locker chat.Locker

	leading atomic.Bool
	// followed is the last bundle applied from the bus (nil on a leader
	// that never followed): its snapshot and when it came.
	mu        sync.Mutex
	followed  *Bundle
	indexed   *Bundle // the bundle whose sites the doc index holds
	version   int64
	appliedAt time.Time

	// swapped wakes the follow-up worker (docs and publishing) after a swap.
	swapped chan struct{}
}

// New builds an Ingest; nothing runs before Run.
func New(o Options) *Ingest {
	in := &Ingest{o: o, log: o.Log, bus: o.Bus, locker: o.Locker, swapped: make(chan struct{}, 1)}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if in.locker == nil {
		in.locker = chat.NewMemoryLocker()
	}
	if in.o.Index == nil {
		in.o.Index = func(context.Context, []docs.Site, []catalog.Problem) {}
	}
	o.Store.OnSwap(func(*catalog.Snapshot) {
		select {
		case in.swapped <- struct{}{}:
		default:
		}
	})
	return in
}

// Leading reports whether this replica leads ingestion now.
func (in *Ingest) Leading() bool { return in.leading.Load() }

// Version is the bus version this replica last applied or published (0: none).
func (in *Ingest) Version() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.version
}

// Loading reports whether the catalog is still loading: on the leader,
// some source has never loaded; on a follower, no snapshot arrived yet.
func (in *Ingest) Loading() bool {
	if in.leading.Load() {
		return len(in.o.Refresher.Pending()) > 0
	}
	return in.o.Loaded == nil || !in.o.Loaded()
}
