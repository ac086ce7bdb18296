package bot_test

import (
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

const channelsRota = `
example: false
source: Test rota
rotas:
  - schedule: SRE primary
    match: {pagerduty.com/service-id: PSRE1}
    start: 2026-01-05T09:00:00Z
    shift: 24h
    people:
      - {name: D. Diaz, email: DANA@example.com}
`

func channelsRouter(t *testing.T) *bot.Router {
	t.Helper()
	rt, err := rota.Parse([]byte(channelsRota), "test")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	r := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(loadSnapshot(t, "testdata", "channels.yaml")), OnCall: rt.WithClock(now), Now: now}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBackstagesSlackChannelAnnotationsAreRead(t *testing.T) {
	runAnswerCases(t, channelsRouter(t), []answerCase{
		// Slack: the channel id as a mention (the Slack renderer turns [](#C…) into <#C…>).
		{text: "team sre", platform: bot.PlatformSlack, status: bot.StatusOK, has: []string{"Channel: [](#C0SRE12345)"}},
		{text: "team sre", platform: bot.PlatformDiscord, status: bot.StatusOK, has: []string{"Channel: <#118734000000000999>"}},
		{text: "team sre", status: bot.StatusOK, has: []string{"Channel: #sre"}},
		{text: "who owns warehouse", platform: bot.PlatformSlack, status: bot.StatusOK, has: []string{"Channel: #data-team"}},
		{text: "who owns warehouse", platform: bot.PlatformDiscord, status: bot.StatusOK, has: []string{"Channel: #data-team"}},
		// Our older slack.com/channel holding an id is a mention on Slack too.
		{text: "contact gateway", platform: bot.PlatformSlack, status: bot.StatusOK, has: []string{"gateway channel: [](#C0GATEWAY99)"}},
		{text: "contact gateway", status: bot.StatusOK, has: []string{"gateway channel: Slack channel C0GATEWAY99"}},
	})
}

func TestOnCallPeopleAreMentionedOnTheirPlatform(t *testing.T) {
	runAnswerCases(t, channelsRouter(t), []answerCase{
		{text: "who is on call for gateway", platform: bot.PlatformSlack, status: bot.StatusOK, title: "On-call for gateway: Dana Diaz",
			has: []string{"**Now:** [](@U0DANA1234) Dana Diaz (`user:dana`) — SRE primary, until 09:00 UTC Tue 3 Mar (in 23h00m)", "Source: Test rota for PagerDuty service PSRE1 (from group:sre)"}},
		{text: "who is on call for gateway", platform: bot.PlatformDiscord, status: bot.StatusOK, has: []string{"**Now:** <@118734000000000777> Dana Diaz"}},
		{text: "who is on call for gateway", status: bot.StatusOK, has: []string{"**Now:** Dana Diaz (`user:dana`)"}, hasNot: []string{"<@", "[](@", "Example data"}},
		{text: "who owns gateway", platform: bot.PlatformSlack, status: bot.StatusOK, has: []string{"On call now: [](@U0DANA1234) Dana Diaz"}},
		{text: "oncall warehouse", status: bot.StatusOK, title: "No on-call is recorded for warehouse", has: []string{"Channel: #data-team"}},
	})
}

// The on-call people are data too (--json): ref, email, chat ids and the
// mention of the platform asked from.
func TestOnCallPeopleAreData(t *testing.T) {
	r := channelsRouter(t)
	for _, tc := range []struct{ text, platform, mention string }{
		{"who is on call for gateway", bot.PlatformSlack, "<@U0DANA1234>"},
		{"who owns gateway", bot.PlatformDiscord, "<@118734000000000777>"},
		{"oncall gateway", bot.PlatformConsole, ""},
	} {
		resp := askAs(t, r, tc.text, bot.User{Platform: tc.platform, ID: "tester"}, 0)
		d := resp.OnCall
		if d == nil || len(d.People) != 1 {
			t.Fatalf("%s on %s: on-call data %+v", tc.text, tc.platform, d)
		}
		p := d.People[0]
		if d.Source != "Test rota" || d.From == nil || d.From.String() != "group:default/sre" || d.Example {
			t.Errorf("%s: source %q from %v example %v", tc.text, d.Source, d.From, d.Example)
		}
		if p.Level != 1 || p.Next || p.Name != "Dana Diaz" || p.Ref == nil || p.Ref.String() != "user:default/dana" ||
			p.SlackUserID != "U0DANA1234" || p.DiscordUserID != "118734000000000777" || p.Mention != tc.mention ||
			!p.End.Equal(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) {
			t.Errorf("%s on %s: person now %+v", tc.text, tc.platform, p)
		}
	}
	resp := askAs(t, r, "oncall warehouse", bot.User{Platform: bot.PlatformConsole, ID: "tester"}, 0)
	if resp.OnCall != nil {
		t.Errorf("nobody recorded, yet on-call data %+v", resp.OnCall)
	}
}
