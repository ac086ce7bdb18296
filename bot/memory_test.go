package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/bottest"
)

func TestMemoryDedupe(t *testing.T) {
	bottest.RunDedupeSuite(t, func(t *testing.T) bot.Dedupe { return bot.NewMemoryDedupe() })
}

func TestMemoryRateLimiter(t *testing.T) {
	bottest.RunRateLimiterSuite(t, func(t *testing.T, rate float64, burst int) bot.RateLimiter {
		return bot.NewMemoryRateLimiter(rate, burst)
	})
}

func TestMemoryLocker(t *testing.T) {
	bottest.RunLockerSuite(t, func(t *testing.T) bot.Locker { return bot.NewMemoryLocker() })
}

func TestMemoryStashSuite(t *testing.T) {
	bottest.RunStashSuite(t, func(t *testing.T) bot.Stash { return bot.NewMemoryStash() })
}

// A full MemoryStash drops its oldest entry first.
func TestMemoryStashIsBounded(t *testing.T) {
	s := bot.NewMemoryStash()
	s.Max = 2
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		_ = s.Put(ctx, k, []byte(k), time.Minute)
	}
	if _, ok, _ := s.Get(ctx, "a"); ok {
		t.Fatal("the oldest entry survived a third Put into a stash of 2")
	}
	for _, k := range []string{"b", "c"} {
		if _, ok, _ := s.Get(ctx, k); !ok {
			t.Fatalf("%s was dropped", k)
		}
	}
}

func TestMemoryStashCachesOnCall(t *testing.T) {
	bottest.RunOnCallCacheSuite(t, func(t *testing.T) bot.Stash { return bot.NewMemoryStash() })
}
