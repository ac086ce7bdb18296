package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/opsgenie/opsgenietest"
	"github.com/callboard/callboard/adapters/pagerduty/pagerdutytest"
	"github.com/callboard/callboard/bot/chat"
)

// Two replicas sharing Redis ask PagerDuty once for the same on-call
// question; Opsgenie answers for opsgenie.com/team; a Slack asker sees a
// mention of the person on call.
func TestServeAsksThePagingToolsOnceForAllReplicas(t *testing.T) {
	pd := pagerdutytest.New(t, "pd-serve-token")
	end := time.Now().Add(3 * time.Hour).UTC()
	pd.AddService(pagerdutytest.Service{ID: "PAY123", Name: "Payments", PolicyID: "PEP1", OnCalls: []pagerdutytest.OnCall{
		{Level: 1, User: pagerdutytest.User{ID: "PU1", Name: "Alice A.", Email: "Alice@acme.example"}, ScheduleID: "S1", Schedule: "Payments primary", Start: end.Add(-time.Hour), End: end}}})
	og := opsgenietest.New(t, "og-serve-key")
	og.AddSchedule(opsgenietest.Schedule{ID: "sch1", Name: "Platform primary", Team: "platform-oncall", OnCall: []string{"carol@acme.example"}})
	cfg, err := LoadConfig(writeConfig(t, "catalog:\n  sources: [testdata/org.yaml]\nredis:\n  url: redis://"+startRedis(t)+"/0\n"),
		envOf(map[string]string{"PAGERDUTY_TOKEN": "pd-serve-token", "PAGERDUTY_API_URL": pd.URL, "OPSGENIE_API_KEY": "og-serve-key", "OPSGENIE_API_URL": og.URL}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var servers []*Main
	for range 2 {
		s, err := openMain(t.Context(), cfg, newLogger(&logs, cfg.Log, cfg.secrets.values()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.redis.Close() })
		servers = append(servers, s)
	}
	ask := func(s *Main, text string) string {
		resp, err := s.app.Router.Handle(t.Context(), &chat.Request{Text: text, Platform: chat.PlatformSlack, User: chat.User{ID: "U9"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Title + "\n" + resp.Text
	}
	first := ask(servers[0], "who is on call for payments-api")
	n := len(pd.Requests())
	second := ask(servers[1], "who's on call for payments-api?")
	if !strings.Contains(first, "On-call for Payments API: Alice Archer") || !strings.Contains(first, "[](@U0ALICE) Alice Archer") || !strings.Contains(first, "Payments primary, until") || first != second {
		t.Fatalf("answers differ or lack the person:\n%s\n---\n%s", first, second)
	}
	if len(pd.Requests()) != n {
		t.Errorf("the second replica asked PagerDuty again: %v", pd.Requests()[n:])
	}
	if got := ask(servers[1], "who is on call for ledger-db"); !strings.Contains(got, "Carol Cook") {
		t.Errorf("Opsgenie's on-call for the platform team is missing:\n%s", got)
	}
	if strings.Contains(logs.String(), "pd-serve-token") || strings.Contains(logs.String(), "og-serve-key") {
		t.Error("a secret reached the log")
	}
}
