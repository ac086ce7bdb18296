package redis

import (
	"context"
	"encoding/json"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/catalog/ingest"
)

// Registrations keeps the entities scaffold jobs registered in a hash
// shared by the replicas and announces each on a channel: an
// ingest.Registrations.
type Registrations struct {
	C goredis.UniversalClient
	// Jobs fences a job worker's registration with its claim.
	Jobs   *JobStore
	Prefix string
	// Self names this replica, so its own announcements are skipped.
	Self string
}

var _ ingest.Registrations = (*Registrations)(nil)

func (k *Registrations) hash() string { return k.Prefix + "catalog:registered" }
func (k *Registrations) channel() Channel {
	return Channel{C: k.C, Name: k.Prefix + "catalog:registered:new"}
}

// Put keeps a registration (fenced by the job's claim on ctx, if any) and
// announces it.
func (k *Registrations) Put(ctx context.Context, location string, data []byte) error {
	jobs := k.Jobs
	if jobs == nil {
		jobs = &JobStore{C: k.C, Prefix: k.Prefix}
	}
	if err := jobs.FencedHSet(ctx, k.hash(), location, data); err != nil {
		return err
	}
	// Should the announcement be lost, the other replicas still read the
	// registration at their next rebuild.
	_, _ = k.channel().Publish(ctx, k.Self+"\n"+location)
	return nil
}

// Delete forgets a registration.
func (k *Registrations) Delete(ctx context.Context, location string) error {
	return k.C.HDel(ctx, k.hash(), location).Err()
}

// All returns every registration, by location.
func (k *Registrations) All(ctx context.Context) (map[string][]byte, error) {
	m, err := k.C.HGetAll(ctx, k.hash()).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(m))
	for l, d := range m {
		out[l] = []byte(d)
	}
	return out, nil
}

// Follow calls f with the location of each registration another replica
// announces, until ctx is done or the subscription fails.
func (k *Registrations) Follow(ctx context.Context, f func(location string)) error {
	return k.channel().Listen(ctx, func(m string) {
		from, loc, _ := strings.Cut(m, "\n")
		if from != k.Self && loc != "" {
			f(loc)
		}
	})
}

// HandOver carries webhook work from followers to the catalog ingest
// leader over a Channel: an ingest.HandOver. The receiver count Send
// returns is exact on a Cluster too (the channel is sharded there).
type HandOver struct {
	C      goredis.UniversalClient
	Prefix string
}

var _ ingest.HandOver = HandOver{}

func (h HandOver) channel() Channel {
	return Channel{C: h.C, Name: h.Prefix + "catalog:webhook-ops"}
}

// Send publishes op and returns how many listened.
func (h HandOver) Send(ctx context.Context, op ingest.Op) (int64, error) {
	data, _ := json.Marshal(op)
	return h.channel().Publish(ctx, data)
}

// Receive subscribes and calls f with each op until ctx is done or the
// subscription ends.
func (h HandOver) Receive(ctx context.Context, f func(ingest.Op)) error {
	return h.channel().Listen(ctx, func(m string) {
		var op ingest.Op
		if json.Unmarshal([]byte(m), &op) == nil {
			f(op)
		}
	})
}
