package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/bot/chat"
)

// Dedupe implements chat.Dedupe with SET NX PX.
type Dedupe struct {
	C      goredis.UniversalClient
	Prefix string
}

// FirstSeen implements chat.Dedupe.
func (d *Dedupe) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := d.C.SetNX(ctx, d.Prefix+"dedupe:"+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis dedupe: %w", err)
	}
	return ok, nil
}

// Forget drops key, so it is new again (a webhook delivery whose work
// failed, to be redelivered).
func (d *Dedupe) Forget(ctx context.Context, key string) error {
	if err := d.C.Del(ctx, d.Prefix+"dedupe:"+key).Err(); err != nil {
		return fmt.Errorf("redis dedupe: %w", err)
	}
	return nil
}

// bucket is a token bucket: KEYS[1] hash {tokens, ts(ms)}; ARGV rate/s,
// burst. The time is Redis' own, so replicas with skewed clocks agree.
var bucket = goredis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1])
local ts = tonumber(v[2])
if tokens == nil then tokens = burst; ts = now end
tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
local ok = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {ok, wait}
`)

// RateLimiter implements chat.RateLimiter with an atomic token bucket in Lua
// (EVALSHA, falling back to EVAL), shared by all replicas.
type RateLimiter struct {
	C      goredis.UniversalClient
	Prefix string
	Rate   float64 // tokens per second
	Burst  int
}

// Allow implements chat.RateLimiter.
func (l *RateLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	if l.Rate <= 0 || l.Burst <= 0 {
		return false, 0, fmt.Errorf("redis rate limiter: rate %v and burst %d must be positive", l.Rate, l.Burst)
	}
	res, err := bucket.Run(ctx, l.C, []string{l.Prefix + "rate:" + key}, l.Rate, l.Burst).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("redis rate limit: %w", err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("redis rate limit: script returned %v", res)
	}
	wait := time.Duration(res[1]) * time.Millisecond
	if wait > time.Duration(math.MaxInt64/2) {
		wait = time.Duration(math.MaxInt64 / 2)
	}
	return res[0] == 1, wait, nil
}

// Stash implements chat.Stash with SET PX and GET, so a chat button rendered
// on one replica works when its click reaches another.
type Stash struct {
	C      goredis.UniversalClient
	Prefix string
}

// Put implements chat.Stash.
func (s *Stash) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.C.Set(ctx, s.Prefix+"stash:"+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redis stash: %w", err)
	}
	return nil
}

// Get implements chat.Stash.
func (s *Stash) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := s.C.Get(ctx, s.Prefix+"stash:"+key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redis stash: %w", err)
	}
	return v, true, nil
}

// Audit implements chat.Audit with XADD to a stream capped at about MaxLen entries.
type Audit struct {
	C      goredis.UniversalClient
	Prefix string
	MaxLen int64 // default 100000
}

// Record implements chat.Audit.
func (a *Audit) Record(ctx context.Context, e chat.AuditEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redis audit: %w", err)
	}
	maxLen := a.MaxLen
	if maxLen <= 0 {
		maxLen = 100000
	}
	err = a.C.XAdd(ctx, &goredis.XAddArgs{
		Stream: a.Prefix + "audit", MaxLen: maxLen, Approx: true,
		Values: map[string]any{"entry": data},
	}).Err()
	if err != nil {
		return fmt.Errorf("redis audit: %w", err)
	}
	return nil
}

var (
	_ chat.Dedupe      = (*Dedupe)(nil)
	_ chat.RateLimiter = (*RateLimiter)(nil)
	_ chat.Audit       = (*Audit)(nil)
)
