package redis

import (
	"testing"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/bottest"
	"github.com/callboard/callboard/bot/chat"
)

// On-call answers are cached in the Stash, so replicas share them.
func TestStashCachesOnCall(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	bottest.RunOnCallCacheSuite(t, func(t *testing.T) chat.Stash { return &Stash{C: c, Prefix: prefix()} })
}
