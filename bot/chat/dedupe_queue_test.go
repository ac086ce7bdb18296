package chat

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// A ttl's queue gives its keys back first stored first, however they
// were pushed and popped in between, and stays within twice what it holds.
func TestTTLQueueIsFirstInFirstOut(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	q := &ttlQueue{}
	var want []int64
	next := int64(0)
	for range 20000 {
		if len(want) == 0 || r.IntN(3) > 0 {
			q.push(expiring{exp: next})
			want = append(want, next)
			next++
			continue
		}
		if got := q.pop(); got.exp != want[0] {
			t.Fatalf("popped %d, want %d", got.exp, want[0])
		}
		want = want[1:]
		if n := len(q.q) - q.head; n != len(want) {
			t.Fatalf("%d kept, want %d", n, len(want))
		}
		if len(q.q) > 2*len(want)+1024 {
			t.Fatalf("%d entries in the slice for %d keys", len(q.q), len(want))
		}
	}
}

func TestMemoryDedupeForgetsKeysAsTheyExpireInTimeOrder(t *testing.T) {
	now := time.Unix(1000, 0)
	d := NewMemoryDedupe()
	d.now = func() time.Time { return now }
	ctx := context.Background()
	for _, k := range []struct {
		key string
		ttl time.Duration
	}{{"hour", time.Hour}, {"minute", time.Minute}, {"ten", 10 * time.Minute}} {
		if ok, _ := d.FirstSeen(ctx, k.key, k.ttl); !ok {
			t.Fatalf("%s not first", k.key)
		}
	}
	// The probes below live a nanosecond: they only make a call happen.
	seen := func(key string) bool {
		_, ok := d.seen[d.digest(key)]
		return ok
	}
	now = now.Add(2 * time.Minute)
	_, _ = d.FirstSeen(ctx, "probe1", time.Nanosecond)
	if seen("minute") || !seen("ten") || !seen("hour") {
		t.Fatalf("after 2 min: %v", d.seen)
	}
	now = now.Add(10 * time.Minute)
	_, _ = d.FirstSeen(ctx, "probe2", time.Nanosecond)
	if seen("ten") || !seen("hour") || seen("probe1") {
		t.Fatalf("after 12 min: %v", d.seen)
	}
	if ok, _ := d.FirstSeen(ctx, "hour", time.Hour); ok {
		t.Fatal("hour forgotten before it expired")
	}
	if ok, _ := d.FirstSeen(ctx, "minute", time.Minute); !ok {
		t.Fatal("an expired key is still seen")
	}
	if d.Evicted() != 0 {
		t.Fatalf("evicted %d with no bound reached", d.Evicted())
	}
}

func TestMemoryDedupeKeepsAtMostMaxForgettingTheOldest(t *testing.T) {
	now := time.Unix(1000, 0)
	d := NewMemoryDedupe()
	d.Max = 3
	d.now = func() time.Time { return now }
	ctx := context.Background()
	for _, k := range []struct {
		key string
		ttl time.Duration
	}{{"a", time.Hour}, {"b", time.Minute}, {"c", 30 * time.Minute}, {"d", 2 * time.Hour}} {
		if ok, _ := d.FirstSeen(ctx, k.key, k.ttl); !ok {
			t.Fatalf("%s not first", k.key)
		}
	}
	if d.Len() != 3 || d.Evicted() != 1 {
		t.Fatalf("len %d evicted %d, want 3 and 1", d.Len(), d.Evicted())
	}
	for key, want := range map[string]bool{"b": false, "c": false, "d": false} {
		if ok, _ := d.FirstSeen(ctx, key, time.Hour); ok != want {
			t.Errorf("%s: first %v", key, ok)
		}
	}
	if ok, _ := d.FirstSeen(ctx, "a", time.Hour); !ok {
		t.Error("a, the oldest key, was kept over the bound")
	}
	if d.Len() != 3 || d.Evicted() != 2 {
		t.Fatalf("len %d evicted %d, want 3 and 2", d.Len(), d.Evicted())
	}
}

// Slack keeps each request's signature 11 minutes (replays) beside hour-long
// retry keys in one store. Full, it must forget old keys, not the fresh
// signatures because they expire sooner: a replay a moment later is refused.
func TestMemoryDedupeAtItsBoundStillRefusesAFreshReplay(t *testing.T) {
	now := time.Unix(1000, 0)
	d := NewMemoryDedupe()
	d.Max = 1000
	d.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range 5000 {
		now = now.Add(10 * time.Millisecond)
		if ok, _ := d.FirstSeen(ctx, "slack:slash:"+strconv.Itoa(i), time.Hour); !ok {
			t.Fatalf("trigger %d not first", i)
		}
		if ok, _ := d.FirstSeen(ctx, "slack:sig:"+strconv.Itoa(i), 11*time.Minute); !ok {
			t.Fatalf("signature %d not first", i)
		}
		if i > 0 {
			if ok, _ := d.FirstSeen(ctx, "slack:sig:"+strconv.Itoa(i-1), 11*time.Minute); ok {
				t.Fatalf("the signature of request %d, stored a moment ago, was forgotten: a replay would pass", i-1)
			}
		}
	}
	if d.Len() > 1000 {
		t.Fatalf("%d keys kept over a bound of 1000", d.Len())
	}
	n := 0
	for _, q := range d.queues {
		n += len(q.q)
	}
	if n > 2*(1000+1024) {
		t.Fatalf("the queues hold %d entries for %d keys", n, d.Len())
	}
}

// BenchmarkMemoryDedupeAtAMillionKeys is a slash command's dedupe call with
// a million keys kept: no call pays for a sweep of the others.
func BenchmarkMemoryDedupeAtAMillionKeys(b *testing.B) {
	d := NewMemoryDedupe()
	d.Max = 1 << 20
	ctx := context.Background()
	for i := range 1 << 20 {
		_, _ = d.FirstSeen(ctx, "slack:slash:"+strconv.Itoa(i), 11*time.Minute)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = d.FirstSeen(ctx, "slack:slash:x"+strconv.Itoa(i), 11*time.Minute)
	}
}
