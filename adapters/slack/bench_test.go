package slack

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/slack-go/slack"
)

func TestBenchSendsEverySignedCommandAndMeasures(t *testing.T) {
	h := &recorder{}
	res, err := Bench(context.Background(), BenchOptions{N: 200, Concurrency: 4, Rate: 2000, Handler: h, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors != 0 {
		t.Fatalf("%+v", res)
	}
	if len(h.requests()) != 200 {
		t.Fatalf("handler saw %d of 200", len(h.requests()))
	}
	if !(res.P50 > 0 && res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max) || res.Throughput <= 0 {
		t.Fatalf("percentiles out of order: %v", res)
	}
}

func TestBenchRefusesBadOptions(t *testing.T) {
	for _, o := range []BenchOptions{{}, {Handler: &recorder{}, Rate: -1}, {Handler: &recorder{}, N: 2_000_000}} {
		if _, err := Bench(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// BenchmarkSlashCommandAck is the acknowledgement of a slash command with a
// trivial handler: parsing aside, what the adapter adds (the trigger_id
// check, rendering).
func BenchmarkSlashCommandAck(b *testing.B) {
	a, err := New(Config{SigningSecret: testSecret}, bot.HandlerFunc(func(_ context.Context, req *bot.Request) (*bot.Response, error) {
		return &bot.Response{Status: bot.StatusOK, Ephemeral: true, Title: "echo", Text: req.Text}, nil
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
		if m.Text == "" || strings.Contains(m.Text, "already") {
			b.Fatalf("ack %+v", m)
		}
	}
}
