package bottest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// RunDedupeSuite checks a Dedupe: first sight, repeats, independent keys,
// expiry after the ttl and exactly one winner among concurrent callers.
// newDedupe returns a fresh, empty Dedupe for each subtest.
func RunDedupeSuite(t *testing.T, newDedupe func(t *testing.T) chat.Dedupe) {
	t.Run("FirstSightIsReportedOnce", func(t *testing.T) {
		d := newDedupe(t)
		for i, want := range []bool{true, false, false} {
			got, err := d.FirstSeen(ctx(t), "slack:Ev1", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("call %d: FirstSeen = %v, want %v", i, got, want)
			}
		}
	})
	t.Run("KeysAreIndependent", func(t *testing.T) {
		d := newDedupe(t)
		for _, k := range []string{"a", "b", "A"} {
			got, err := d.FirstSeen(ctx(t), k, time.Minute)
			if err != nil || !got {
				t.Fatalf("FirstSeen(%q) = %v, %v; want true", k, got, err)
			}
		}
	})
	t.Run("KeyIsForgottenAfterTTL", func(t *testing.T) {
		d := newDedupe(t)
		if ok, err := d.FirstSeen(ctx(t), "short", 100*time.Millisecond); err != nil || !ok {
			t.Fatalf("first = %v, %v", ok, err)
		}
		time.Sleep(250 * time.Millisecond)
		if ok, err := d.FirstSeen(ctx(t), "short", 100*time.Millisecond); err != nil || !ok {
			t.Fatalf("after ttl = %v, %v; want true", ok, err)
		}
	})
	t.Run("OneOfManyConcurrentCallersWins", func(t *testing.T) {
		d := newDedupe(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := d.FirstSeen(ctx(t), "race", time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d callers saw the key first, want 1", wins)
		}
	})
}

// RunRateLimiterSuite checks a RateLimiter built by newLimiter with rate
// tokens per second and burst: the burst passes, the next is refused with a
// positive retry-after no longer than one refill, keys are independent and
// tokens come back at the rate.
func RunRateLimiterSuite(t *testing.T, newLimiter func(t *testing.T, rate float64, burst int) chat.RateLimiter) {
	t.Run("BurstPassesThenRefusesWithRetryAfter", func(t *testing.T) {
		l := newLimiter(t, 1, 3)
		for i := 0; i < 3; i++ {
			ok, _, err := l.Allow(ctx(t), "u1")
			if err != nil || !ok {
				t.Fatalf("request %d of the burst: ok=%v err=%v", i+1, ok, err)
			}
		}
		ok, retry, err := l.Allow(ctx(t), "u1")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Fatal("request past the burst was allowed")
		}
		if retry <= 0 || retry > 1100*time.Millisecond {
			t.Fatalf("retryAfter = %v, want in (0, 1s]", retry)
		}
	})
	t.Run("KeysAreIndependent", func(t *testing.T) {
		l := newLimiter(t, 1, 1)
		for _, k := range []string{"slack:U1", "slack:U2", "discord:U1"} {
			if ok, _, err := l.Allow(ctx(t), k); err != nil || !ok {
				t.Fatalf("Allow(%q) = %v, %v", k, ok, err)
			}
		}
		if ok, _, _ := l.Allow(ctx(t), "slack:U1"); ok {
			t.Fatal("second request of slack:U1 allowed with burst 1")
		}
	})
	t.Run("TokensRefillAtTheRate", func(t *testing.T) {
		l := newLimiter(t, 10, 1) // one token every 100ms
		if ok, _, err := l.Allow(ctx(t), "u"); err != nil || !ok {
			t.Fatalf("first = %v, %v", ok, err)
		}
		if ok, _, _ := l.Allow(ctx(t), "u"); ok {
			t.Fatal("second at once allowed")
		}
		time.Sleep(250 * time.Millisecond)
		if ok, _, err := l.Allow(ctx(t), "u"); err != nil || !ok {
			t.Fatalf("after refill = %v, %v; want allowed", ok, err)
		}
	})
	t.Run("ConcurrentCallersShareTheBurst", func(t *testing.T) {
		l := newLimiter(t, 0.001, 5)
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := l.Allow(ctx(t), "shared")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != 5 {
			t.Fatalf("%d of 20 concurrent requests allowed, want the burst of 5", allowed)
		}
	})
}

// RunLockerSuite checks a Locker: a lock is exclusive, Acquire waits for a
// release and gives up when its context ends, names are independent, fencing
// tokens increase, and a held lease is not reported lost.
func RunLockerSuite(t *testing.T, newLocker func(t *testing.T) chat.Locker) {
	t.Run("SecondAcquireWaitsForRelease", func(t *testing.T) {
		l := newLocker(t)
		first, err := l.Acquire(ctx(t), "ingest")
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan chat.Lease, 1)
		go func() {
			ls, err := l.Acquire(ctx(t), "ingest")
			if err != nil {
				t.Error(err)
			}
			got <- ls
		}()
		select {
		case <-got:
			t.Fatal("second Acquire succeeded while the lock was held")
		case <-time.After(200 * time.Millisecond):
		}
		if err := first.Release(ctx(t)); err != nil {
			t.Fatal(err)
		}
		select {
		case second := <-got:
			if second == nil {
				t.Fatal("no lease")
			}
			if second.Token() <= first.Token() {
				t.Errorf("token %d after %d, want it to increase", second.Token(), first.Token())
			}
			_ = second.Release(ctx(t))
		case <-time.After(5 * time.Second):
			t.Fatal("second Acquire did not get the lock after release")
		}
	})
	t.Run("AcquireGivesUpWhenContextEnds", func(t *testing.T) {
		l := newLocker(t)
		held, err := l.Acquire(ctx(t), "gateway")
		if err != nil {
			t.Fatal(err)
		}
		defer held.Release(ctx(t))
		c, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		if _, err := l.Acquire(c, "gateway"); err == nil {
			t.Fatal("Acquire of a held lock returned no error when its context ended")
		}
	})
	t.Run("NamesAreIndependent", func(t *testing.T) {
		l := newLocker(t)
		var leases []chat.Lease
		for _, n := range []string{"a", "b", "c"} {
			ls, err := l.Acquire(ctx(t), n)
			if err != nil {
				t.Fatalf("Acquire(%q): %v", n, err)
			}
			leases = append(leases, ls)
		}
		for _, ls := range leases {
			_ = ls.Release(ctx(t))
		}
	})
	t.Run("TokensIncreaseAndHeldLeaseIsNotLost", func(t *testing.T) {
		l := newLocker(t)
		var last int64
		for i := 0; i < 3; i++ {
			ls, err := l.Acquire(ctx(t), fmt.Sprintf("tok-%d", i%2))
			if err != nil {
				t.Fatal(err)
			}
			if ls.Token() <= last {
				t.Fatalf("token %d after %d", ls.Token(), last)
			}
			last = ls.Token()
			select {
			case <-ls.Lost():
				t.Fatal("held lease reported lost")
			default:
			}
			if err := ls.Release(ctx(t)); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("ReleaseTwiceIsHarmless", func(t *testing.T) {
		l := newLocker(t)
		ls, err := l.Acquire(ctx(t), "twice")
		if err != nil {
			t.Fatal(err)
		}
		_ = ls.Release(ctx(t))
		_ = ls.Release(ctx(t))
		again, err := l.Acquire(ctx(t), "twice")
		if err != nil {
			t.Fatal(err)
		}
		_ = again.Release(ctx(t))
	})
}

// RunStashSuite checks a chat.Stash: values come back byte for byte, a
// missing key is not an error, entries expire, and a later Put replaces.
func RunStashSuite(t *testing.T, newStash func(t *testing.T) chat.Stash) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStash(t)
		v := []byte("cb1:u:2:dependents component:default/payments-api \x00\xff")
		if err := s.Put(ctx(t), "k1", v, time.Minute); err != nil {
			t.Fatal(err)
		}
		v[0] = 'X' // the stash holds its own copy
		got, ok, err := s.Get(ctx(t), "k1")
		if err != nil || !ok || string(got) != "cb1:u:2:dependents component:default/payments-api \x00\xff" {
			t.Fatalf("Get = %q, %v, %v", got, ok, err)
		}
	})
	t.Run("MissingIsNotAnError", func(t *testing.T) {
		s := newStash(t)
		got, ok, err := s.Get(ctx(t), "never-put")
		if err != nil || ok || got != nil {
			t.Fatalf("Get(missing) = %q, %v, %v; want nil, false, nil", got, ok, err)
		}
	})
	t.Run("Expires", func(t *testing.T) {
		s := newStash(t)
		if err := s.Put(ctx(t), "short", []byte("v"), 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, ok, err := s.Get(ctx(t), "short")
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("an entry put with a 50ms TTL is still there after 5s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("PutReplaces", func(t *testing.T) {
		s := newStash(t)
		_ = s.Put(ctx(t), "k", []byte("old"), time.Minute)
		_ = s.Put(ctx(t), "k", []byte("new"), time.Minute)
		if got, ok, _ := s.Get(ctx(t), "k"); !ok || string(got) != "new" {
			t.Fatalf("Get after two Puts = %q, %v", got, ok)
		}
	})
}
