package slack

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// BenchmarkSlashCommandAck is the acknowledgement of a slash command with a
// trivial handler: parsing aside, what the adapter adds (the trigger_id
// check, rendering).
func BenchmarkSlashCommandAck(b *testing.B) {
	a, err := New(Config{SigningSecret: testSecret}, chat.HandlerFunc(func(_ context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Ephemeral: true, Title: "echo", Text: req.Text}, nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m := a.command(ctx, slack.SlashCommand{Command: "/callboard", Text: "who owns payments-api", UserID: "U0BENCH",
			ChannelID: "C0BENCH", TriggerID: "bench." + strconv.Itoa(i)})
		if len(m.raw) == 0 || bytes.Contains(m.raw, []byte("already")) {
			b.Fatalf("ack %s", m.raw)
		}
	}
}
