package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/scaffold"
)

// JobStore implements scaffold.JobStore: the job as JSON under job:<id>, and
// the idempotency key taken with SET NX under jobkey:<key>. Records expire
// after TTL (default 30 days), readable by any replica until then.
type JobStore struct {
	C      goredis.UniversalClient
	Prefix string
	TTL    time.Duration
}

func (s *JobStore) ttl() time.Duration { return or(s.TTL, 30*24*time.Hour) }

// Create implements scaffold.JobStore. When Redis is unavailable it returns an
// error: the caller must refuse the request rather than risk a duplicate.
func (s *JobStore) Create(ctx context.Context, job *scaffold.Job) (*scaffold.Job, bool, error) {
	data, err := json.Marshal(job)
	if err != nil {
		return nil, false, fmt.Errorf("redis job %s: %w", job.ID, err)
	}
	if job.Key != "" {
		ok, err := s.C.SetNX(ctx, s.Prefix+"jobkey:"+job.Key, job.ID, s.ttl()).Result()
		if err != nil {
			return nil, false, unavailable("redis job store unavailable, request refused to avoid a duplicate", err)
		}
		if !ok {
			id, err := s.C.Get(ctx, s.Prefix+"jobkey:"+job.Key).Result()
			if err != nil {
				return nil, false, fmt.Errorf("redis job key %q: %w", job.Key, err)
			}
			// The winner may not have written its record yet.
			for i := 0; ; i++ {
				existing, err := s.Get(ctx, id)
				if err == nil || !errors.Is(err, scaffold.ErrJobNotFound) || i >= 50 {
					return existing, false, err
				}
				select {
				case <-ctx.Done():
					return nil, false, ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	}
	if err := s.C.Set(ctx, s.Prefix+"job:"+job.ID, data, s.ttl()).Err(); err != nil {
		if job.Key != "" {
			s.C.Del(context.WithoutCancel(ctx), s.Prefix+"jobkey:"+job.Key)
		}
		return nil, false, unavailable("redis job store unavailable, request refused", err)
	}
	s.index(ctx, job)
	return nil, true, nil
}

// Jobs are listed from sorted sets of ids scored by creation time: one of
// every job (trimmed to the newest listAllMax) and one per requester and per
// user (the newest listPersonMax), expiring with the records.
const (
	listAllMax    = 10000
	listPersonMax = 200
)

func (s *JobStore) indexKeys(job *scaffold.Job) map[string]int64 {
	keys := map[string]int64{s.Prefix + "jobs:recent": listAllMax}
	if job.Requester != "" {
		keys[s.Prefix+"jobs:requester:"+job.Requester] = listPersonMax
	}
	if job.User != "" {
		keys[s.Prefix+"jobs:user:"+job.User] = listPersonMax
	}
	return keys
}

// index records a created job in the list indexes. The job is stored
// already; an index that cannot be written only leaves it out of lists, so
// the failure is logged, not returned.
func (s *JobStore) index(ctx context.Context, job *scaffold.Job) {
	created := job.Created
	if created.IsZero() {
		created = time.Now()
	}
	_, err := s.C.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for key, keep := range s.indexKeys(job) {
			p.ZAdd(ctx, key, goredis.Z{Score: float64(created.UnixMilli()), Member: job.ID})
			p.ZRemRangeByRank(ctx, key, 0, -keep-1)
			p.Expire(ctx, key, s.ttl())
		}
		return nil
	})
	if err != nil {
		slog.WarnContext(ctx, "redis job store: job not indexed for lists", "job", job.ID, "err", err)
	}
}

// ListJobs implements scaffold.JobLister.
func (s *JobStore) ListJobs(ctx context.Context, q scaffold.JobQuery) ([]*scaffold.Job, error) {
	var keys []string
	if q.Requester == "" && q.User == "" {
		keys = append(keys, s.Prefix+"jobs:recent")
	}
	if q.Requester != "" {
		keys = append(keys, s.Prefix+"jobs:requester:"+q.Requester)
	}
	if q.User != "" {
		keys = append(keys, s.Prefix+"jobs:user:"+q.User)
	}
	seen := map[string]bool{}
	var ids []string
	for _, key := range keys {
		got, err := s.C.ZRevRange(ctx, key, 0, int64(q.Max())-1).Result()
		if err != nil {
			return nil, unavailable("redis job store unavailable, jobs not listed", err)
		}
		for _, id := range got {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	// One GET per job in a pipeline: on a Cluster the records live in
	// different slots, which one MGET may not span.
	cmds := make([]*goredis.StringCmd, len(ids))
	if _, err := s.C.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.Prefix+"job:"+id)
		}
		return nil
	}); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, unavailable("redis job store unavailable, jobs not listed", err)
	}
	var out []*scaffold.Job
	for i, c := range cmds {
		data, err := c.Bytes()
		if errors.Is(err, goredis.Nil) {
			continue // expired since it was indexed
		}
		if err != nil {
			return nil, fmt.Errorf("redis job %s: %w", ids[i], err)
		}
		var j scaffold.Job
		if err := json.Unmarshal(data, &j); err != nil {
			return nil, fmt.Errorf("redis job %s: stored record is not valid JSON: %w", ids[i], err)
		}
		out = append(out, &j)
	}
	scaffold.SortJobs(out)
	if len(out) > q.Max() {
		out = out[:q.Max()]
	}
	return out, nil
}

// unavailableError is a Redis error that is scaffold.ErrUnavailable too, so
// chat shows a plain sentence and the log keeps the cause.
type unavailableError struct {
	msg string
	err error
}

func unavailable(msg string, err error) error { return &unavailableError{msg, err} }

func (e *unavailableError) Error() string   { return e.msg + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{scaffold.ErrUnavailable, e.err} }

// Get implements scaffold.JobStore.
func (s *JobStore) Get(ctx context.Context, id string) (*scaffold.Job, error) {
	data, err := s.C.Get(ctx, s.Prefix+"job:"+id).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, scaffold.ErrJobNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redis job %s: %w", id, err)
	}
	var j scaffold.Job
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("redis job %s: stored record is not valid JSON: %w", id, err)
	}
	return &j, nil
}

// fencedSet replaces KEYS[1] (only when it exists: ARGV[3] "XX") with
// ARGV[1], or sets the field ARGV[4] of the hash KEYS[1] (ARGV[3] "HSET"),
// only while the lease KEYS[2] holds the token ARGV[2]: the write of a
// worker that lost its claim is refused, atomically. When lease and epoch
// (KEYS[3]) are both gone, Redis lost its data (restarted without
// persistence): the worker still running the job restores them, and its
// record, rather than drop a job no queue entry remembers any more.
var fencedSet = goredis.NewScript(`
local restored = false
local cur = redis.call('GET', KEYS[2])
if cur ~= ARGV[2] then
  if cur or redis.call('EXISTS', KEYS[3]) == 1 then
    return redis.error_reply('CLAIMLOST')
  end
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[5])
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[6])
  restored = true
end
if ARGV[3] == 'HSET' then
  redis.call('HSET', KEYS[1], ARGV[4], ARGV[1])
  return 1
end
if not restored and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return 1
`)

// restoredLeaseTTL is the lease a worker restores after Redis lost its
// data; its heartbeat renews it to the queue's own at the next beat.
const restoredLeaseTTL = 10 * time.Second

func isClaimLost(err error) bool { return err != nil && strings.Contains(err.Error(), "CLAIMLOST") }

// leaseKey and epochKey carry the job's key as their hash tag, so on a
// Cluster they live in the job record's slot and one script may touch all
// three.
func leaseKey(prefix, id string) string { return "{" + prefix + "job:" + id + "}:lease" }
func epochKey(prefix, id string) string { return "{" + prefix + "job:" + id + "}:epoch" }

// Save implements scaffold.JobStore (only an existing job is replaced).
// With a scaffold.Claim on ctx for this job, the write is fenced: refused
// with scaffold.ErrClaimLost once another worker leased the job.
func (s *JobStore) Save(ctx context.Context, job *scaffold.Job) error {
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("redis job %s: %w", job.ID, err)
	}
	if c, ok := scaffold.ClaimFrom(ctx); ok && c.Job == job.ID {
		n, err := fencedSet.Run(ctx, s.C, []string{s.Prefix + "job:" + job.ID, leaseKey(s.Prefix, job.ID), epochKey(s.Prefix, job.ID)},
			data, c.Token, "XX", s.ttl().Milliseconds(), s.ttl().Milliseconds(), restoredLeaseTTL.Milliseconds()).Int()
		switch {
		case isClaimLost(err):
			return fmt.Errorf("redis job %s: %w", job.ID, scaffold.ErrClaimLost)
		case err != nil:
			return fmt.Errorf("redis job %s: %w", job.ID, err)
		case n == 0:
			return scaffold.ErrJobNotFound
		}
		return nil
	}
	ok, err := s.C.SetArgs(ctx, s.Prefix+"job:"+job.ID, data, goredis.SetArgs{Mode: "XX", TTL: s.ttl()}).Result()
	if errors.Is(err, goredis.Nil) || (err == nil && ok != "OK") {
		return scaffold.ErrJobNotFound
	}
	if err != nil {
		return fmt.Errorf("redis job %s: %w", job.ID, err)
	}
	return nil
}

// Queue implements scaffold.Queue with a Stream and a consumer group: Enqueue
// is XADD, Claim is XAUTOCLAIM of an entry idle longer than Visibility, else
// XREADGROUP; ack is XACK.
type Queue struct {
	C      goredis.UniversalClient
	Prefix string
	// Visibility is how long a claim lasts without an ack or a renewal
	// (default 15 s): a dead worker's job is taken over after about that.
	Visibility time.Duration
	// Group is the consumer group (default "workers").
	Group string

	// entries maps consumer+"\n"+job id to the stream entry it claimed, for Renew.
	entries sync.Map
}

func (q *Queue) stream() string { return q.Prefix + "jobs" }
func (q *Queue) group() string {
	if q.Group == "" {
		return "workers"
	}
	return q.Group
}

func (q *Queue) ensureGroup(ctx context.Context) error {
	err := q.C.XGroupCreateMkStream(ctx, q.stream(), q.group(), "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("redis queue group: %w", err)
	}
	return nil
}

// Enqueue implements scaffold.Queue. An error means the id was not accepted.
func (q *Queue) Enqueue(ctx context.Context, id string) error {
	if err := q.C.XAdd(ctx, &goredis.XAddArgs{Stream: q.stream(), Values: map[string]any{"id": id}}).Err(); err != nil {
		return unavailable(fmt.Sprintf("redis queue unavailable, job %s not enqueued", id), err)
	}
	return q.ensureGroup(ctx)
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

// Claim implements scaffold.Queue.
func (q *Queue) Claim(ctx context.Context, consumer string) (string, func(context.Context) error, error) {
	vis := q.visibility()
	block := min(vis/2, time.Second)
	if block < 10*time.Millisecond {
		block = 10 * time.Millisecond
	}
	for {
		if err := ctx.Err(); err != nil {
			return "", nil, err
		}
		msgs, _, err := q.C.XAutoClaim(ctx, &goredis.XAutoClaimArgs{
			Stream: q.stream(), Group: q.group(), Consumer: consumer, MinIdle: vis, Start: "0", Count: 1,
		}).Result()
		if err == nil && len(msgs) == 0 {
			var streams []goredis.XStream
			streams, err = q.C.XReadGroup(ctx, &goredis.XReadGroupArgs{
				Group: q.group(), Consumer: consumer, Streams: []string{q.stream(), ">"}, Count: 1, Block: block,
			}).Result()
			if len(streams) > 0 {
				msgs = streams[0].Messages
			}
		}
		if errors.Is(err, goredis.Nil) {
			err = nil
		}
		if isNoGroup(err) {
			err = q.ensureGroup(ctx)
		}
		for _, m := range msgs {
			id, _ := m.Values["id"].(string)
			msgID := m.ID
			if id != "" {
				q.entries.Store(consumer+"\n"+id, msgID)
			}
			ack := func(ctx context.Context) error {
				q.entries.CompareAndDelete(consumer+"\n"+id, msgID)
				if err := q.C.XAck(ctx, q.stream(), q.group(), msgID).Err(); err != nil {
					return fmt.Errorf("redis queue ack %s: %w", id, err)
				}
				q.C.XDel(ctx, q.stream(), msgID)
				return nil
			}
			if id == "" { // not ours: drop it
				_ = ack(ctx)
				continue
			}
			return id, ack, nil
		}
		if err != nil {
			// Redis is away: wait a little and try again until ctx ends.
			select {
			case <-ctx.Done():
				return "", nil, fmt.Errorf("redis queue: %w (last error: %v)", ctx.Err(), err)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

var (
	_ scaffold.JobStore = (*JobStore)(nil)
	_ scaffold.Queue    = (*Queue)(nil)
)

// FencedHSet sets field of the hash key to value; with a scaffold.Claim on
// ctx the write is fenced like Save (a registration made by a job's worker
// is refused once the job is another's).
func (s *JobStore) FencedHSet(ctx context.Context, key, field string, value []byte) error {
	c, ok := scaffold.ClaimFrom(ctx)
	if !ok {
		return s.C.HSet(ctx, key, field, value).Err()
	}
	err := fencedSet.Run(ctx, s.C, []string{key, leaseKey(s.Prefix, c.Job), epochKey(s.Prefix, c.Job)},
		value, c.Token, "HSET", field, s.ttl().Milliseconds(), restoredLeaseTTL.Milliseconds()).Err()
	if err != nil && strings.Contains(err.Error(), "CROSSSLOT") {
		// On a Cluster the shared hash lives in another slot than the
		// job's lease: check the lease, then write (a window of one
		// round trip instead of none).
		err = checkLease.Run(ctx, s.C, []string{leaseKey(s.Prefix, c.Job), epochKey(s.Prefix, c.Job)}, c.Token).Err()
		if err == nil {
			err = s.C.HSet(ctx, key, field, value).Err()
		}
	}
	if isClaimLost(err) {
		return fmt.Errorf("job %s: %w", c.Job, scaffold.ErrClaimLost)
	}
	return err
}

// checkLease fails with CLAIMLOST unless the lease KEYS[1] holds ARGV[1] (or
// lease and epoch KEYS[2] are both gone with Redis' data).
var checkLease = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] or (not cur and redis.call('EXISTS', KEYS[2]) == 0) then return 1 end
return redis.error_reply('CLAIMLOST')
`)

// leaseJob takes a job's lease unless a live one exists: KEYS lease, epoch;
// ARGV lease ms, epoch ms. Returns the new token, or 0 when held.
var leaseJob = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local t = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], t, 'PX', ARGV[1])
return t
`)

// renewJob extends the lease KEYS[1] held with token ARGV[1] by ARGV[2] ms, or
// takes it again when it lapsed and nobody leased the job since (the epoch
// KEYS[2] is still the token, or gone with all of Redis' data: then it is
// restored, ARGV[3] ms). 0 when the job is another's.
var renewJob = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local epoch = redis.call('GET', KEYS[2])
if cur == ARGV[1] or (not cur and (epoch == ARGV[1] or not epoch)) then
  if not epoch then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3]) end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

var releaseJob = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

func (q *Queue) visibility() time.Duration { return or(q.Visibility, 15*time.Second) }

// leaseTTL is a little shorter than the visibility, so a lapsed claim of
// the stream entry finds the lease lapsed too.
func (q *Queue) leaseTTL() time.Duration { return q.visibility() * 9 / 10 }

// Lease implements scaffold.Leaser.
func (q *Queue) Lease(ctx context.Context, consumer, id string) (scaffold.Claim, error) {
	t, err := leaseJob.Run(ctx, q.C, []string{leaseKey(q.Prefix, id), epochKey(q.Prefix, id)},
		q.leaseTTL().Milliseconds(), (30 * 24 * time.Hour).Milliseconds()).Int64()
	if err != nil {
		return scaffold.Claim{}, fmt.Errorf("redis lease of job %s: %w", id, err)
	}
	if t == 0 {
		return scaffold.Claim{}, scaffold.ErrClaimHeld
	}
	return scaffold.Claim{Job: id, Token: t}, nil
}

// Renew implements scaffold.Leaser: the lease, then the stream entry's
// claim (XCLAIM with no minimum idle time resets it), so neither lapses
// while the worker lives.
func (q *Queue) Renew(ctx context.Context, consumer string, c scaffold.Claim) error {
	n, err := renewJob.Run(ctx, q.C, []string{leaseKey(q.Prefix, c.Job), epochKey(q.Prefix, c.Job)}, c.Token, q.leaseTTL().Milliseconds(),
		(30 * 24 * time.Hour).Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("redis renewing the lease of job %s: %w", c.Job, err)
	}
	if n == 0 {
		return scaffold.ErrClaimLost
	}
	if v, ok := q.entries.Load(consumer + "\n" + c.Job); ok {
		if err := q.C.XClaimJustID(ctx, &goredis.XClaimArgs{Stream: q.stream(), Group: q.group(), Consumer: consumer,
			MinIdle: 0, Messages: []string{v.(string)}}).Err(); err != nil {
			return fmt.Errorf("redis renewing the claim of job %s: %w", c.Job, err)
		}
	}
	return nil
}

// Release implements scaffold.Leaser.
func (q *Queue) Release(ctx context.Context, c scaffold.Claim) error {
	return releaseJob.Run(ctx, q.C, []string{leaseKey(q.Prefix, c.Job)}, c.Token).Err()
}

// Heartbeat implements scaffold.Leaser: a third of the visibility.
func (q *Queue) Heartbeat() time.Duration { return q.visibility() / 3 }

var _ scaffold.Leaser = (*Queue)(nil)
