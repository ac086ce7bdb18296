package redis

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
)

// BenchmarkDedupeFirstSeen measures one delivery check (SET NX PX) against
// the private Redis, each with a new key, run in parallel as replicas would.
func BenchmarkDedupeFirstSeen(b *testing.B) {
	d := &Dedupe{C: client(b, redistest.Start(b, redistest.Config{})), Prefix: prefix()}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := d.FirstSeen(ctx, strconv.Itoa(i)+":"+strconv.FormatInt(time.Now().UnixNano(), 36), time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRateLimitAllow measures one token-bucket script call (EVALSHA)
// over 100 users.
func BenchmarkRateLimitAllow(b *testing.B) {
	l := &RateLimiter{C: client(b, redistest.Start(b, redistest.Config{})), Prefix: prefix(), Rate: 1e6, Burst: 1e6}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, _, err := l.Allow(ctx, "slack:U"+strconv.Itoa(i%100)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
