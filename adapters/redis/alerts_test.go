package redis

import (
	"testing"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/bottest"
)

func TestAlertStoreSuite(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	bottest.RunAlertStoreSuite(t, func(t *testing.T) bot.AlertStore { return &AlertStore{C: c, Prefix: prefix()} })
}
