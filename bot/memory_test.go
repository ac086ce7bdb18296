package bot_test

import (
	"testing"

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
