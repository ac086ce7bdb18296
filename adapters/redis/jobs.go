package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	return nil, true, nil
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

// Save implements scaffold.JobStore (only an existing job is replaced).
func (s *JobStore) Save(ctx context.Context, job *scaffold.Job) error {
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("redis job %s: %w", job.ID, err)
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
	// Visibility is how long a claim lasts without an ack (default 5 minutes).
	Visibility time.Duration
	// Group is the consumer group (default "workers").
	Group string
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
	vis := or(q.Visibility, 5*time.Minute)
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
			ack := func(ctx context.Context) error {
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
