package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot/chat"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// recorder is a chat.Handler returning rich answers and remembering requests.
type recorder struct {
	mu   sync.Mutex
	reqs []chat.Request
}

func (h *recorder) requests() []chat.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]chat.Request(nil), h.reqs...)
}

func (h *recorder) Handle(ctx context.Context, req *chat.Request) (*chat.Response, error) {
	h.mu.Lock()
	h.reqs = append(h.reqs, *req)
	h.mu.Unlock()
	return answer(req)
}

// answer is the test bot: each command returns a different shape of Response.
func answer(req *chat.Request) (*chat.Response, error) {
	switch {
	case strings.HasPrefix(req.Text, "who owns"):
		return &chat.Response{
			Title:     "payments-api is owned by Team Payments",
			Text:      "**payments-api** handles card & wallet payments. See [the runbook](https://runbooks.example.com/pay?x=1&y=2).",
			Fields:    []chat.Field{{Name: "Owner", Value: "Team Payments", Short: true}, {Name: "On call", Value: "<@alice>", Short: true}},
			Sections:  []chat.Section{{Title: "Team", Items: []chat.Item{{Text: "Team Payments", Ref: "group:default/payments"}}}},
			Links:     []chat.Link{{Title: "Dashboard", URL: "https://grafana.example.com/d/pay"}},
			Actions:   []chat.Action{{Label: "Show dependents", Command: "what depends on payments-api"}},
			Ephemeral: true, Status: chat.StatusOK,
		}, nil
	case strings.HasPrefix(req.Text, "what depends on"):
		return &chat.Response{Title: "3 things depend on payments-api", Status: chat.StatusOK,
			Sections: []chat.Section{{Title: "Team Checkout", Items: []chat.Item{
				{Text: "checkout-web", Detail: "website", Ref: "component:default/checkout-web"},
				{Text: "cart-api", URL: "https://cart.example.com"}}}},
			Actions: []chat.Action{{Label: "Next page", Command: "what depends on payments-api", Page: req.Page + 1}},
			Page:    &chat.Page{Index: req.Page, Total: 3, Items: 3}}, nil
	case req.Text == "payments":
		return &chat.Response{Status: chat.StatusAmbiguous, Text: "Several things are called payments. Which one?",
			Suggestions: []chat.Suggestion{{Label: "payments-api (component)", Command: "who owns payments-api"},
				{Label: "Team Payments (group)", Command: "team payments"}}}, nil
	case req.Text == "big":
		return bigResponse(), nil
	case strings.HasPrefix(req.Text, "scaffold"):
		if strings.Contains(req.Text, "name=") {
			if strings.Contains(req.Text, "name=bad!") {
				return &chat.Response{Status: chat.StatusUsage, Text: "name must be lower case letters, digits and -"}, nil
			}
			return &chat.Response{Status: chat.StatusOK, Title: "Scaffolded " + req.Text}, nil
		}
		return &chat.Response{Status: chat.StatusUsage, Text: "Fill in the form, or type scaffold service name=… owner=…",
			Modal: &chat.Modal{Title: "New service from the golden path", Command: "scaffold service", Inputs: []chat.ModalInput{
				{Name: "name", Label: "Name", Required: true, Placeholder: "my-service"},
				{Name: "owner", Label: "Owner", Options: []string{"payments", "checkout"}, Default: "payments"},
				{Name: "description", Label: "Description", Multiline: true, Hint: "One sentence"},
			}}}, nil
	case req.Text == "slow":
		return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Text: "step 0 of 7",
			Follow: func(ctx context.Context, update func(*chat.Response) error) error {
				for i := 1; i <= 7; i++ {
					r := &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Text: fmt.Sprintf("step %d of 7", i)}
					if i == 7 {
						r.Title = "Done: https://github.com/acme/new-svc/pull/1"
					}
					if err := update(r); err != nil {
						return err
					}
				}
				return nil
			}}, nil
	case req.Text == "boom":
		return nil, fmt.Errorf("database on fire: password=hunter2")
	}
	return &chat.Response{Status: chat.StatusNotFound, Text: "I do not know " + req.Text}, nil
}

// bigResponse breaks every Block Kit limit at once.
func bigResponse() *chat.Response {
	r := &chat.Response{
		Title:  strings.Repeat("Very long title ", 12),
		Text:   strings.Repeat("A line of body text with <angle> & ampersand. ", 500),
		Status: chat.StatusOK,
	}
	for i := 0; i < 30; i++ {
		v := fmt.Sprintf("value %d", i)
		if i == 3 {
			v = strings.Repeat("x", 2500)
		}
		r.Fields = append(r.Fields, chat.Field{Name: fmt.Sprintf("field %d", i), Value: v})
	}
	for s := 0; s < 3; s++ {
		sec := chat.Section{Title: fmt.Sprintf("Team %d", s)}
		for i := 0; i < 600; i++ {
			sec.Items = append(sec.Items, chat.Item{Text: fmt.Sprintf("item-%d-%d", s, i), Detail: "component", Ref: fmt.Sprintf("component:default/item-%d-%d", s, i)})
		}
		r.Sections = append(r.Sections, sec)
	}
	for i := 0; i < 40; i++ {
		r.Actions = append(r.Actions, chat.Action{Label: fmt.Sprintf("Action %d %s", i, strings.Repeat("label", 20)),
			Command: fmt.Sprintf("run %d %s", i, strings.Repeat("c", 2100))})
	}
	for i := 0; i < 30; i++ {
		r.Suggestions = append(r.Suggestions, chat.Suggestion{Label: fmt.Sprintf("suggestion %d", i), Command: fmt.Sprintf("who owns s%d", i)})
	}
	for i := 0; i < 50; i++ {
		r.Links = append(r.Links, chat.Link{Title: fmt.Sprintf("link %d", i), URL: fmt.Sprintf("https://example.com/%d", i)})
	}
	for i := 0; i < 20; i++ {
		r.Docs = append(r.Docs, chat.DocHit{Title: "Runbook", Heading: fmt.Sprintf("Step %d", i), URL: "https://docs.example.com", Snippet: strings.Repeat("snippet ", 40)})
	}
	return r
}

type env struct {
	a     *Adapter
	fake  *slacktest.Server
	srv   *httptest.Server
	h     *recorder
	dedup chat.Dedupe
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	fake := slacktest.New()
	t.Cleanup(fake.Close)
	fake.AddUser(slacktest.User{ID: "U0ALICE", Name: "alice", Email: "alice@example.com"})
	h := &recorder{}
	cfg := Config{
		SigningSecret: testSecret,
		BotToken:      "xoxb-test",
		APIURL:        fake.APIURL(),
		Aliases:       map[string]string{"/whoowns": "who owns", "/docs": "docs"},
		TeamChannel: func(ref string) string {
			if ref == "group:default/payments" {
				return "C0PAYMENTS"
			}
			return ""
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &env{a: a, fake: fake, srv: srv, h: h}
}

// post sends body to path, signed at ts with secret.
func (e *env) post(t *testing.T, path, contentType string, body []byte, ts time.Time, secret string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	tsh, sig := slacktest.Sign(secret, ts, body)
	req.Header.Set("X-Slack-Request-Timestamp", tsh)
	req.Header.Set("X-Slack-Signature", sig)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

const formType = "application/x-www-form-urlencoded"

var triggers atomic.Int64

// nextTrigger is a fresh trigger_id in Slack's shape: Slack mints one per
// invocation, and the adapter runs a trigger_id once.
func nextTrigger() string {
	return fmt.Sprintf("13345224609.%d.8088930838d88f008e0", 738474920+triggers.Add(1))
}

// slashBody is a slash command as Slack sends it, with every field.
func slashBody(command, text, responseURL string) []byte {
	return []byte(url.Values{
		"token":                 {"gIkuvaNzQIHg97ATvDxqgjtO"},
		"team_id":               {"T0001"},
		"team_domain":           {"example"},
		"enterprise_id":         {"E0001"},
		"enterprise_name":       {"Globular%20Construct%20Inc"},
		"channel_id":            {"C2147483705"},
		"channel_name":          {"incidents"},
		"user_id":               {"U0ALICE"},
		"user_name":             {"alice"},
		"command":               {command},
		"text":                  {text},
		"response_url":          {responseURL},
		"trigger_id":            {nextTrigger()},
		"api_app_id":            {"A123456"},
		"is_enterprise_install": {"false"},
	}.Encode())
}

func (e *env) slash(t *testing.T, command, text string) (*http.Response, rawMessage) {
	t.Helper()
	ru := e.fake.ResponseURL()
	resp, b := e.post(t, PathCommands, formType, slashBody(command, text, ru), time.Now(), testSecret, nil)
	var m rawMessage
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("ack is not JSON: %v: %s", err, b)
		}
	}
	return resp, m
}

type rawMessage struct {
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
}

// interactionBody wraps a payload as Slack posts interactions.
func interactionBody(payload any) []byte {
	b, _ := json.Marshal(payload)
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

// buttonValue finds the value of the button with this action id prefix and label in raw blocks.
func buttonValue(t *testing.T, blocks json.RawMessage, label string) (actionID, value string) {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string          `json:"type"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Text     json.RawMessage `json:"text"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		for _, el := range b.Elements {
			var text struct{ Text string }
			if el.Type != "button" || json.Unmarshal(el.Text, &text) != nil {
				continue
			}
			if strings.HasPrefix(text.Text, label) {
				return el.ActionID, el.Value
			}
		}
	}
	t.Fatalf("no button %q in %s", label, blocks)
	return "", ""
}

func blockActionsPayload(actionID, value, responseURL string, ephemeral bool) map[string]any {
	return map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0001"},
		"api_app_id":   "A123456",
		"token":        "gIkuvaNzQIHg97ATvDxqgjtO",
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "C2147483705", "is_ephemeral": ephemeral},
		"trigger_id":   "13345224609.738474920.8088930838d88f008e0",
		"team":         map[string]any{"id": "T0001", "domain": "example"},
		"channel":      map[string]any{"id": "C2147483705", "name": "incidents"},
		"response_url": responseURL,
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": "b1", "type": "button", "value": value,
			"text":      map[string]any{"type": "plain_text", "text": "x"},
			"action_ts": "1700000001.000200",
		}},
	}
}

// newSocketEnv is newEnv with an app token, connected in Socket Mode to the
// fake until the test ends (when RunSocketMode must return cleanly).
func newSocketEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, func(c *Config) { c.AppToken = "xapp-test" })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.RunSocketMode(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunSocketMode: %v", err)
		}
	})
	if !e.fake.WaitConnected(5 * time.Second) {
		t.Fatal("no Socket Mode connection")
	}
	return e
}
