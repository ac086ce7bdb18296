package bot_test

import (
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/bottest"
)

func TestMemoryAlertStoreSuite(t *testing.T) {
	bottest.RunAlertStoreSuite(t, func(t *testing.T) bot.AlertStore { return bot.NewMemoryAlertStore() })
}
