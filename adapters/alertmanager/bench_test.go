package alertmanager_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot"
)

// BenchmarkWebhookToCard is one Alertmanager delivery of a new group to its
// card in the Slack fake: the HTTP request, decoding, mapping on the example
// organisation, on-call from its rota, blast radius, rendering and
// chat.postMessage. Run: go test ./adapters/alertmanager -run '^$' -bench WebhookToCard
func BenchmarkWebhookToCard(b *testing.B) {
	fake := slacktest.New()
	b.Cleanup(fake.Close)
	r := newReplica(b, fake, bot.NewMemoryAlertStore(), bot.AlertRouting{FallbackChannel: "#alerts"})
	services := []string{"ledger", "payments-api", "auth-service", "checkout", "payouts"}
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = notification(fmt.Sprintf("bench-%d", i), bot.AlertFiring,
			alertOn(map[string]string{"alertname": "Err", "service": services[i%len(services)]}, bot.AlertFiring, incidentClock))
	}
	b.ResetTimer()
	for i := range b.N {
		deliver(b, r.url, token, bodies[i])
		deadline := time.Now().Add(time.Minute)
		for r.out.get(bot.AlertPosted) != i+1 {
			if time.Now().After(deadline) {
				b.Fatal("no card within a minute")
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}
