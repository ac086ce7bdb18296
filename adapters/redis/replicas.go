package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Replicas keeps a heartbeat record per replica: its id, the catalog
// snapshot version it serves and whether it leads ingestion, so any replica
// can say what all of them serve (the status page). A record lives TTL
// (default 45 s) after its last beat; beat well within it.
type Replicas struct {
	C      goredis.UniversalClient
	Prefix string
	TTL    time.Duration
}

// ReplicaBeat is one replica's heartbeat.
type ReplicaBeat struct {
	ID       string    `json:"id"`
	Version  uint64    `json:"version"`
	Entities int       `json:"entities"`
	Leader   bool      `json:"leader"`
	Seen     time.Time `json:"seen"`
}

func (r *Replicas) ttl() time.Duration { return or(r.TTL, 45*time.Second) }
func (r *Replicas) set() string        { return r.Prefix + "replicas" }

// Beat records b (Seen is set to now).
func (r *Replicas) Beat(ctx context.Context, b ReplicaBeat) error {
	if b.ID == "" {
		return errors.New("replica heartbeat: no replica id")
	}
	b.Seen = time.Now().UTC()
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = r.C.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Set(ctx, r.Prefix+"replica:"+b.ID, data, r.ttl())
		p.ZAdd(ctx, r.set(), goredis.Z{Score: float64(b.Seen.UnixMilli()), Member: b.ID})
		p.ZRemRangeByScore(ctx, r.set(), "-inf", strconv.FormatInt(b.Seen.Add(-r.ttl()).UnixMilli(), 10))
		return nil
	})
	if err != nil {
		return fmt.Errorf("replica heartbeat: %w", err)
	}
	return nil
}

// List returns the replicas heard from within TTL, in id order.
func (r *Replicas) List(ctx context.Context) ([]ReplicaBeat, error) {
	since := strconv.FormatInt(time.Now().Add(-r.ttl()).UnixMilli(), 10)
	ids, err := r.C.ZRangeByScore(ctx, r.set(), &goredis.ZRangeBy{Min: since, Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("replica list: %w", err)
	}
	cmds := make([]*goredis.StringCmd, len(ids))
	if _, err := r.C.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, r.Prefix+"replica:"+id)
		}
		return nil
	}); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("replica list: %w", err)
	}
	var out []ReplicaBeat
	for _, c := range cmds {
		data, err := c.Bytes()
		if err != nil {
			continue // expired between the two reads
		}
		var b ReplicaBeat
		if json.Unmarshal(data, &b) == nil {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b ReplicaBeat) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
