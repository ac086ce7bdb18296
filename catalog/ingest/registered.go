package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/callboard/callboard/catalog"
)

// Registry holds the entities scaffold jobs registered (catalog:register):
// the scaffold.Registrar that puts a new entity in the live catalog at once,
// and the catalog.Source ("registered") every later rebuild reads, so a file
// reload or a GitHub refresh does not drop it. With Redis the descriptors
// are kept in a hash, so every replica's rebuilds include them, and each
// registration is published so the other replicas add it at once too.
// Run does the work that follows (re-adding after a swap, following other
// replicas); a catalog swap only signals it.
//
// A registration is retired once the entity arrives from another source
// (GitHub discovery of the new repository): that source is the truth then.
type Registry struct {
	log *slog.Logger
	kv  Registrations // nil: this process only

	mu    sync.Mutex
	store *catalog.Store
	files map[string][]byte      // location -> descriptor
	refs  map[string]catalog.Ref // location -> its first entity
	// swapMu makes copy-on-write additions one at a time.
	swapMu sync.Mutex
	// swapped wakes Run after a catalog swap.
	swapped chan struct{}
}

// Registrations is where registrations are shared between replicas
// (redis.Registrations; in memory, MemoryRegistrations).
type Registrations interface {
	Put(ctx context.Context, location string, data []byte) error
	Delete(ctx context.Context, location string) error
	All(ctx context.Context) (map[string][]byte, error)
	// Follow calls f with each registration made elsewhere until ctx ends.
	Follow(ctx context.Context, f func(location string)) error
}

// SourceName is the name of the source registrations load as.
const SourceName = "registered"

// NewRegistry returns a Registry sharing registrations through kv (nil:
// this process only).
func NewRegistry(kv Registrations, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{kv: kv, log: log, files: map[string][]byte{}, refs: map[string]catalog.Ref{}, swapped: make(chan struct{}, 1)}
}

// Attach makes r add registrations to store, and (while Run runs) re-add
// them to any snapshot swapped in without them (a rebuild that raced a
// registration, a snapshot published by a leader that had not seen it yet).
func (r *Registry) Attach(store *catalog.Store) {
	r.mu.Lock()
	r.store = store
	r.mu.Unlock()
	store.OnSwap(func(*catalog.Snapshot) {
		// Not in the swapping goroutine (the other hooks of this swap
		// finish first): Run does it.
		select {
		case r.swapped <- struct{}{}:
		default:
		}
	})
}

// Run re-adds registrations after every catalog swap and adds those other
// replicas make, until ctx is done.
func (r *Registry) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = r.follow(ctx) }()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-r.swapped:
			r.swappedIn(ctx)
		}
	}
}

// swappedIn re-adds the registrations the current snapshot lacks: only
// what the shared store still holds, so a registration another replica
// retired stays retired.
func (r *Registry) swappedIn(ctx context.Context) {
	r.mu.Lock()
	store := r.store
	r.mu.Unlock()
	if store == nil {
		return
	}
	if r.kv != nil {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := r.sync(sctx); err != nil {
			r.log.Warn("registrations not re-checked after a catalog swap", "err", err)
			return
		}
	}
	if cur := store.Current(); cur != nil {
		if missing := r.MissingFrom(cur); len(missing) > 0 {
			r.addLive(missing)
		}
	}
}

// sync makes this replica's registrations those Redis holds: new ones are
// added, and ones retired elsewhere (another source now provides the
// entity) are forgotten, so no swap brings them back.
func (r *Registry) sync(ctx context.Context) error {
	all, err := r.kv.All(ctx)
	if err != nil {
		return err
	}
	refs := make(map[string]catalog.Ref, len(all))
	for loc, data := range all {
		es, err := parseRegistered(ctx, loc, data)
		if err == nil && len(es) > 0 {
			refs[loc] = es[0].Ref()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for loc := range r.files {
		if _, ok := all[loc]; !ok {
			delete(r.files, loc)
			delete(r.refs, loc)
		}
	}
	for loc, data := range all {
		r.files[loc] = data
		if ref, ok := refs[loc]; ok {
			r.refs[loc] = ref
		}
	}
	return nil
}

// parse reads a descriptor as the registered source would.
func parseRegistered(ctx context.Context, location string, data []byte) ([]*catalog.Entity, error) {
	const name = "catalog-info.yaml"
	res := catalog.LoadFS(ctx, fstest.MapFS{name: &fstest.MapFile{Data: data}}, []string{name},
		catalog.LoadOptions{Source: SourceName, Display: func(string) string { return location }})
	var problems []string
	for _, p := range res.Problems {
		if p.Severity == catalog.Error {
			problems = append(problems, p.String())
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	var out []*catalog.Entity
	for _, e := range res.Entities {
		if e.Kind != "" && e.Metadata.Name != "" {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no catalog entity in it", location)
	}
	return out, nil
}

// Register implements scaffold.Registrar.
func (r *Registry) Register(ctx context.Context, data []byte, location string) (catalog.Ref, error) {
	es, err := parseRegistered(ctx, location, data)
	if err != nil {
		return catalog.Ref{}, err
	}
	if r.kv != nil {
		if err := r.kv.Put(ctx, location, data); err != nil {
			return catalog.Ref{}, fmt.Errorf("keeping the registration in Redis: %w", err)
		}
	}
	r.mu.Lock()
	r.files[location] = append([]byte(nil), data...)
	r.refs[location] = es[0].Ref()
	r.mu.Unlock()
	r.addLive(es)
	r.log.Info("entity registered", "entity", es[0].Ref().String(), "location", location)
	return es[0].Ref(), nil
}

// MissingFrom returns the registered entities s lacks (all of them for an
// empty snapshot: this process's copies, when the shared store is away).
func (r *Registry) MissingFrom(s *catalog.Snapshot) []*catalog.Entity {
	r.mu.Lock()
	var locs []string
	for loc, ref := range r.refs {
		if _, ok := s.Get(ref); !ok {
			locs = append(locs, loc)
		}
	}
	files := make(map[string][]byte, len(locs))
	for _, l := range locs {
		files[l] = r.files[l]
	}
	r.mu.Unlock()
	sort.Strings(locs)
	var out []*catalog.Entity
	for _, l := range locs {
		es, err := parseRegistered(context.Background(), l, files[l])
		if err == nil {
			out = append(out, es...)
		}
	}
	return out
}

// addLive swaps in a snapshot of the current one plus es (replacing
// entities of the same refs): copies of the entities, so the snapshot in
// force never changes under its readers. The current snapshot's problems
// are kept, with those Build finds about the new entities.
func (r *Registry) addLive(es []*catalog.Entity) {
	r.mu.Lock()
	store := r.store
	r.mu.Unlock()
	if store == nil || len(es) == 0 {
		return
	}
	r.swapMu.Lock()
	defer r.swapMu.Unlock()
	// Built from the current snapshot and swapped in only if that is still
	// current: a refresh or a followed snapshot swapped in meanwhile is not
	// overwritten; the registration is added to that one instead.
	for attempt := 0; attempt < 5; attempt++ {
		cur := store.Current()
		fresh := map[string]bool{}
		for _, e := range es {
			fresh[e.Ref().Key()] = true
		}
		base := &catalog.Result{}
		var problems []catalog.Problem
		if cur != nil {
			base.Entities = make([]*catalog.Entity, 0, cur.Len()+len(es))
			for _, e := range cur.Entities() {
				if fresh[e.Ref().Key()] {
					continue
				}
				c := *e
				c.Relations = nil
				base.Entities = append(base.Entities, &c)
			}
			for _, p := range cur.Problems() {
				if !fresh[p.Entity.Key()] {
					problems = append(problems, p)
				}
			}
		}
		added := make([]*catalog.Entity, len(es))
		for i, e := range es {
			c := *e
			added[i] = &c
		}
		built := catalog.Build(base, &catalog.Result{Entities: added})
		for _, p := range built.Problems() {
			if fresh[p.Entity.Key()] {
				problems = append(problems, p)
			}
		}
		if store.CompareAndSwap(cur, catalog.NewSnapshot(built.Entities(), problems)) {
			return
		}
	}
	r.log.Warn("registered entities not added: the catalog kept changing under the swap; the next swap adds them")
}

// Name implements catalog.Source.
func (r *Registry) Name() string { return SourceName }

// Load implements catalog.Source: every registration (this replica's and,
// with Redis, every other's) whose entity no other source provides now.
func (r *Registry) Load(ctx context.Context) (*catalog.Result, error) {
	if r.kv != nil {
		if err := r.sync(ctx); err != nil {
			return nil, fmt.Errorf("reading registrations from Redis: %w", err)
		}
	}
	r.mu.Lock()
	store := r.store
	locs := make([]string, 0, len(r.files))
	for l := range r.files {
		locs = append(locs, l)
	}
	files := make(map[string][]byte, len(r.files))
	for l, d := range r.files {
		files[l] = d
	}
	r.mu.Unlock()
	sort.Strings(locs)
	var cur *catalog.Snapshot
	if store != nil {
		cur = store.Current()
	}
	res := &catalog.Result{}
	for _, l := range locs {
		es, err := parseRegistered(ctx, l, files[l])
		if err != nil {
			res.Problems = append(res.Problems, catalog.Problem{Pos: catalog.Position{File: l}, Severity: catalog.Warning, Message: "registered entity not loaded: " + err.Error()})
			continue
		}
		if cur != nil {
			if e, ok := cur.Get(es[0].Ref()); ok && e.Origin.Source != SourceName {
				r.retire(ctx, l)
				continue
			}
		}
		r.mu.Lock()
		r.refs[l] = es[0].Ref()
		r.mu.Unlock()
		res.Entities = append(res.Entities, es...)
	}
	return res, nil
}

// retire forgets a registration another source now provides.
func (r *Registry) retire(ctx context.Context, location string) {
	r.mu.Lock()
	delete(r.files, location)
	delete(r.refs, location)
	r.mu.Unlock()
	if r.kv != nil {
		if err := r.kv.Delete(ctx, location); err != nil {
			r.log.Warn("cannot forget a registration another source now provides", "location", location, "err", err)
		}
	}
}

// follow adds the registrations other replicas make, as they make them.
func (r *Registry) follow(ctx context.Context) error {
	if r.kv == nil {
		return nil
	}
	for ctx.Err() == nil {
		err := r.kv.Follow(ctx, func(location string) {
			all, err := r.kv.All(ctx)
			if err != nil {
				r.log.Warn("reading a registration made elsewhere", "location", location, "err", err)
				return
			}
			data, ok := all[location]
			if !ok {
				return
			}
			es, err := parseRegistered(ctx, location, data)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.files[location] = data
			r.refs[location] = es[0].Ref()
			r.mu.Unlock()
			r.addLive(es)
		})
		if ctx.Err() != nil {
			return nil
		}
		r.log.Warn("following registrations failed; retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}
