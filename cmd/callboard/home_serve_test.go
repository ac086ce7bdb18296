package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/scaffold"
)

// The Slack Home tab through serve: a signed app_home_opened reaches
// /slack/events, is acknowledged, and the person's page, with the job the
// app's store holds for them, is published to the Slack fake.
func TestServePublishesTheHomeTab(t *testing.T) {
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	fake.AddUser(slacktest.User{ID: "U05PRIYA04", Name: "priya", Email: "priya.raman@tallybird.example.com"})
	const secret = "home-signing-secret-5d1e"
	s, base := statusServer(t, "server:\n  addr: 127.0.0.1:0\n", map[string]string{
		"SLACK_SIGNING_SECRET": secret, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.APIURL()})
	t.Cleanup(func() { _ = s.slack.Close() })
	job := &scaffold.Job{ID: "job-home", Template: "template:default/go-service", Values: map[string]any{"name": "fx-rates"},
		State: scaffold.JobFailed, Error: "publish:github: repository exists", Requester: "slack:U05PRIYA04", Created: time.Now()}
	if _, _, err := s.app.Scaffold.Store.Create(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"token":"x","team_id":"T0001","api_app_id":"A1","type":"event_callback","event_id":"EvHOMESERVE","event_time":1700000000,` +
		`"event":{"type":"app_home_opened","user":"U05PRIYA04","channel":"D0HOME","tab":"home","event_ts":"1700000000.000100"}}`)
	resp, _ := postSlackSigned(t, base+"/slack/events", secret, body)
	if resp.StatusCode != 200 {
		t.Fatalf("app_home_opened: %d", resp.StatusCode)
	}
	calls := fake.Wait("views.publish", 1, time.Minute)
	if len(calls) != 1 || calls[0].Error != "" || calls[0].Params.Get("user_id") != "U05PRIYA04" {
		t.Fatalf("views.publish: %+v", calls)
	}
	if !json.Valid(calls[0].Blocks) {
		t.Fatalf("blocks are not JSON: %s", calls[0].Blocks)
	}
	all := string(calls[0].Blocks)
	for _, want := range []string{"You are Priya Raman", "Team Payments owns", "On call now", "fx-rates", "repository exists"} {
		if !strings.Contains(all, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, all)
		}
	}
}
