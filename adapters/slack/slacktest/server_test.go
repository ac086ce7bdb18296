package slacktest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestFakeAnswersTheRealClient(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddUser(User{ID: "U1", Name: "alice", Email: "alice@example.com"})
	api := slack.New("xoxb-test", slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()

	if _, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false)); err != nil || ts == "" {
		t.Fatalf("postMessage: %q %v", ts, err)
	}
	if u, err := api.GetUserInfoContext(ctx, "U1"); err != nil || u.Profile.Email != "alice@example.com" {
		t.Fatalf("users.info: %+v %v", u, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U404"); err == nil || !strings.Contains(err.Error(), "user_not_found") {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL())).AuthTestContext(ctx); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("wrong token: %v", err)
	}
	s.Fail("chat.update", "message_not_found")
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", "1.2", slack.MsgOptionText("x", false)); err == nil || !strings.Contains(err.Error(), "message_not_found") {
		t.Fatalf("injected error: %v", err)
	}
	s.RateLimit("chat.postMessage", 2*time.Second, 1)
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("429: %v", err)
	}
}

func TestFakeRefusesBlocksOverTheLimits(t *testing.T) {
	s := New()
	defer s.Close()
	api := slack.New("xoxb-test", slack.OptionAPIURL(s.APIURL()))
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("x", n), false, false), nil, nil)
	}
	tooMany := make([]slack.Block, 51)
	for i := range tooMany {
		tooMany[i] = section(1)
	}
	tests := []struct {
		name   string
		blocks []slack.Block
		want   string
	}{
		{"51 blocks", tooMany, "invalid_blocks"},
		{"section of 3001", []slack.Block{section(3001)}, "invalid_blocks"},
		{"header of 151", []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))}, "invalid_blocks"},
		{"button text of 76", []slack.Block{slack.NewActionBlock("", slack.NewButtonBlockElement("a", "v", slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("b", 76), false, false)))}, "invalid_blocks"},
		{"all text over 12,000", []slack.Block{section(3000), section(3000), section(3000), section(3000), section(1)}, "msg_blocks_too_long"},
		{"within limits", []slack.Block{section(3000)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(context.Background(), "C1", slack.MsgOptionBlocks(tt.blocks...))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %s", err, tt.want)
			}
		})
	}
}

func TestResponseURLAllowsFiveUsesWithinThirtyMinutes(t *testing.T) {
	s := New()
	defer s.Close()
	now := time.Now()
	s.Now = func() time.Time { return now }
	post := func(u string) int {
		resp, err := http.Post(u, "application/json", bytes.NewReader([]byte(`{"text":"hi"}`)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	u := s.ResponseURL()
	for i := 0; i < 5; i++ {
		if c := post(u); c != 200 {
			t.Fatalf("use %d: %d", i+1, c)
		}
	}
	if c := post(u); c != 404 {
		t.Fatalf("sixth use: %d, want 404", c)
	}
	old := s.ResponseURL()
	now = now.Add(31 * time.Minute)
	if c := post(old); c != 404 {
		t.Fatalf("after 31 minutes: %d, want 404", c)
	}
	if calls := s.Calls("response_url"); calls[len(calls)-1].Error != "expired_url" {
		t.Fatalf("last call %+v", calls[len(calls)-1])
	}
}

func TestViewsPublishChecksTheViewAsSlackDoes(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddUser(User{ID: "U1", Name: "alice"})
	api := slack.New("xoxb-test", slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "hello", false, false), nil, nil)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{section}}}
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: home}); err != nil {
		t.Fatalf("a valid home view: %v", err)
	}
	if c := s.Calls("views.publish"); len(c) != 1 || c[0].Params.Get("user_id") != "U1" || !strings.Contains(string(c[0].Blocks), "hello") {
		t.Fatalf("recorded %+v", c)
	}
	modal := home
	modal.Type = slack.VTModal
	var many []slack.Block
	for range 101 {
		many = append(many, section)
	}
	for name, c := range map[string]struct {
		req  slack.PublishViewContextRequest
		code string
	}{
		"not a home view": {slack.PublishViewContextRequest{UserID: "U1", View: modal}, "invalid_arguments"},
		"unknown user":    {slack.PublishViewContextRequest{UserID: "U404", View: home}, "user_not_found"},
		"101 blocks":      {slack.PublishViewContextRequest{UserID: "U1", View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: many}}}, "invalid_blocks"},
	} {
		if _, err := api.PublishViewContext(ctx, c.req); err == nil || !strings.Contains(err.Error(), c.code) {
			t.Errorf("%s: err %v, want %s", name, err, c.code)
		}
	}
}
