package redis

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/catalog"
)

// SnapshotBus carries the catalog from the leader to the other replicas: the
// leader Publishes the entities (JSON, gzip) under a versioned key, points
// catalog:current at it and PUBLISHes the version; the others Follow and load
// each new version, so only the leader spends GitHub's rate limit.
//
// Origin.FS is not serialised: entities loaded from the bus cannot read files
// beside them. Replicas must take documentation from the leader's doc index or
// re-fetch it; the bus does neither.
type SnapshotBus struct {
	C      goredis.UniversalClient
	Prefix string
	// Keep is how long a published version stays readable (default 24h).
	Keep time.Duration
}

func (b *SnapshotBus) channel() string { return b.Prefix + "catalog:published" }
func (b *SnapshotBus) current() string { return b.Prefix + "catalog:current" }
func (b *SnapshotBus) key(v int64) string {
	return b.Prefix + "catalog:snapshot:" + strconv.FormatInt(v, 10)
}

// Publish stores the snapshot's entities as a new version and notifies the
// followers. It returns the version.
func (b *SnapshotBus) Publish(ctx context.Context, snap *catalog.Snapshot) (int64, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(snap.Entities()); err != nil {
		return 0, fmt.Errorf("encoding the catalog snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("compressing the catalog snapshot: %w", err)
	}
	v, err := b.C.Incr(ctx, b.Prefix+"catalog:version").Result()
	if err != nil {
		return 0, fmt.Errorf("redis catalog version: %w", err)
	}
	if err := b.C.Set(ctx, b.key(v), buf.Bytes(), or(b.Keep, 24*time.Hour)).Err(); err != nil {
		return 0, fmt.Errorf("redis catalog snapshot %d: %w", v, err)
	}
	if err := b.C.Set(ctx, b.current(), v, 0).Err(); err != nil {
		return 0, fmt.Errorf("redis catalog current: %w", err)
	}
	if err := b.C.Publish(ctx, b.channel(), v).Err(); err != nil {
		return 0, fmt.Errorf("redis catalog notify: %w", err)
	}
	return v, nil
}

// ErrNoSnapshot is returned by Load when nothing was published yet.
var ErrNoSnapshot = errors.New("no catalog snapshot published")

// Load reads the current published version.
func (b *SnapshotBus) Load(ctx context.Context) (*catalog.Snapshot, int64, error) {
	v, err := b.C.Get(ctx, b.current()).Int64()
	if errors.Is(err, goredis.Nil) {
		return nil, 0, ErrNoSnapshot
	}
	if err != nil {
		return nil, 0, fmt.Errorf("redis catalog current: %w", err)
	}
	s, err := b.LoadVersion(ctx, v)
	return s, v, err
}

// LoadVersion reads one published version.
func (b *SnapshotBus) LoadVersion(ctx context.Context, v int64) (*catalog.Snapshot, error) {
	data, err := b.C.Get(ctx, b.key(v)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("catalog snapshot %d: expired or never published", v)
	}
	if err != nil {
		return nil, fmt.Errorf("redis catalog snapshot %d: %w", v, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("catalog snapshot %d: not gzip: %w", v, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("catalog snapshot %d: %w", v, err)
	}
	var entities []*catalog.Entity
	if err := json.Unmarshal(raw, &entities); err != nil {
		return nil, fmt.Errorf("catalog snapshot %d: not the JSON of entities: %w", v, err)
	}
	return catalog.NewSnapshot(entities, nil), nil
}

// Follow calls apply with the current snapshot and then with every newer one
// published, until ctx is done. Versions older than one already applied are
// skipped. After a lost subscription (Redis restarted) it reloads the current
// version, so no publication is missed for long.
func (b *SnapshotBus) Follow(ctx context.Context, apply func(version int64, snap *catalog.Snapshot)) error {
	var last int64
	load := func() {
		s, v, err := b.Load(ctx)
		if err == nil && v > last {
			last = v
			apply(v, s)
		}
	}
	sub := b.C.Subscribe(ctx, b.channel())
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		return fmt.Errorf("redis catalog subscribe: %w", err)
	}
	load()
	ch := sub.Channel()
	resync := time.NewTicker(30 * time.Second)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-resync.C:
			load()
		case m, ok := <-ch:
			if !ok {
				return errors.New("redis catalog subscription closed")
			}
			v, err := strconv.ParseInt(m.Payload, 10, 64)
			if err != nil || v <= last {
				continue
			}
			s, err := b.LoadVersion(ctx, v)
			if err != nil {
				continue
			}
			last = v
			apply(v, s)
		}
	}
}
