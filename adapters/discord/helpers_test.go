package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/discord/discordtest"
	"github.com/callboard/callboard/bot/chat"
)

// testKey is the application's key pair for signing test interactions.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixture is an Adapter wired to the fake Discord API and a recording handler.
type fixture struct {
	t    *testing.T
	a    *Adapter
	api  *discordtest.Server
	mu   sync.Mutex
	reqs []*chat.Request
	now  time.Time
}

func newFixture(t *testing.T, handler chat.HandlerFunc, tweak func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, api: discordtest.NewServer(), now: testNow}
	t.Cleanup(f.api.Close)
	if handler == nil {
		handler = richHandler
	}
	cfg := Config{
		PublicKey: testKey.Public().(ed25519.PublicKey),
		Session:   f.api.Session("test-token"),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:       func() time.Time { return f.now },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	a, err := New(cfg, chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		return handler(ctx, req)
	}))
	if err != nil {
		t.Fatal(err)
	}
	a.render.shelf.salt = "k"
	t.Cleanup(func() { _ = a.Close() })
	f.a = a
	return f
}

func (f *fixture) requests() []*chat.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*chat.Request(nil), f.reqs...)
}

// post sends body signed by key at ts and returns the response.
func (f *fixture) post(body []byte, key ed25519.PrivateKey, ts time.Time) *httptest.ResponseRecorder {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	r := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Signature-Timestamp", stamp)
	r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
	w := httptest.NewRecorder()
	f.a.ServeHTTP(w, r)
	return w
}

// interact posts a correctly signed interaction and decodes the answer.
func (f *fixture) interact(body []byte) answer {
	f.t.Helper()
	w := f.post(body, testKey, f.now)
	if w.Code != http.StatusOK {
		f.t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var a answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		f.t.Fatalf("answer %s: %v", w.Body, err)
	}
	a.raw = w.Body.Bytes()
	return a
}

// answer is an interaction response as Discord reads it.
type answer struct {
	Type int `json:"type"`
	Data struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
		Embeds  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Fields      []struct {
				Name, Value string
			} `json:"fields"`
			Footer *struct {
				Text string `json:"text"`
			} `json:"footer"`
		} `json:"embeds"`
		Components []struct {
			Components []struct {
				Type     int    `json:"type"`
				Label    string `json:"label"`
				CustomID string `json:"custom_id"`
			} `json:"components"`
		} `json:"components"`
		Choices []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"choices"`
		CustomID string `json:"custom_id"`
		Title    string `json:"title"`
	} `json:"data"`
	raw []byte
}

// button finds a button by label.
func (a answer) button(t *testing.T, label string) string {
	t.Helper()
	for _, row := range a.Data.Components {
		for _, b := range row.Components {
			if b.Label == label {
				return b.CustomID
			}
		}
	}
	t.Fatalf("no button %q in %s", label, a.raw)
	return ""
}

func (a answer) text() string {
	var b strings.Builder
	b.WriteString(a.Data.Content)
	for _, e := range a.Data.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
	}
	return b.String()
}

// Interaction payloads in Discord's shape.

var seq int

func nextID() string { seq++; return fmt.Sprintf("11%016d", seq) }

func member(userID string) map[string]any {
	return map[string]any{"user": map[string]any{"id": userID, "username": "ada", "global_name": "Ada L"}, "nick": "", "roles": []string{}}
}

func commandPayload(name string, options ...map[string]any) []byte {
	return mustJSON(map[string]any{
		"id": nextID(), "application_id": "app1", "type": 2, "token": "tok-" + nextID(), "version": 1,
		"guild_id": "g1", "channel_id": "c1", "member": member("u42"), "locale": "en-US",
		"data": map[string]any{"id": "cmd1", "name": name, "type": 1, "options": options},
	})
}

func opt(name, value string) map[string]any {
	return map[string]any{"name": name, "type": 3, "value": value}
}

func autocompletePayload(name string, options ...map[string]any) []byte {
	return mustJSON(map[string]any{
		"id": nextID(), "application_id": "app1", "type": 4, "token": "tok-" + nextID(), "version": 1,
		"guild_id": "g1", "channel_id": "c1", "member": member("u42"),
		"data": map[string]any{"id": "cmd1", "name": name, "type": 1, "options": options},
	})
}

func componentPayload(customID string) []byte {
	return mustJSON(map[string]any{
		"id": nextID(), "application_id": "app1", "type": 3, "token": "tok-" + nextID(), "version": 1,
		"guild_id": "g1", "channel_id": "c1", "member": member("u42"),
		"message": map[string]any{"id": "m1", "channel_id": "c1", "content": ""},
		"data":    map[string]any{"custom_id": customID, "component_type": 2},
	})
}

func modalPayload(customID string, values map[string]string) []byte {
	var rows []any
	for k, v := range values {
		rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k, "value": v}}})
	}
	return mustJSON(map[string]any{
		"id": nextID(), "application_id": "app1", "type": 5, "token": "tok-" + nextID(), "version": 1,
		"guild_id": "g1", "channel_id": "c1", "member": member("u42"),
		"data": map[string]any{"custom_id": customID, "components": rows},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// richHandler answers the test commands with the kinds of Response the bot gives.
func richHandler(ctx context.Context, req *chat.Request) (*chat.Response, error) {
	switch {
	case strings.HasPrefix(req.Text, "owner "), strings.HasPrefix(req.Text, "who owns "):
		name := req.Text[strings.LastIndex(req.Text, " ")+1:]
		return &chat.Response{
			Title:  name + " is owned by Team Payments",
			Text:   "**Team Payments** · [#payments](https://discord.com/channels/g1/c9)",
			Fields: []chat.Field{{Name: "On call", Value: "ada", Short: true}, {Name: "Lifecycle", Value: "production", Short: true}},
			Links:  []chat.Link{{Title: "Runbook", URL: "https://runbooks.example.com/" + name}},
			Actions: []chat.Action{
				{Label: "Show dependents", Command: "dependents " + name},
				{Label: "Docs", Command: "docs " + name},
			},
			Status: chat.StatusOK,
		}, nil
	case strings.HasPrefix(req.Text, "impact "), strings.HasPrefix(req.Text, "dependents "):
		resp := &chat.Response{Title: "Impact of " + req.Text, Status: chat.StatusOK,
			Page: &chat.Page{Index: req.Page, Total: 3, Items: 30}}
		for i := 0; i < 3; i++ {
			sec := chat.Section{Title: fmt.Sprintf("Team %d", i), Text: "#team-" + strconv.Itoa(i)}
			for j := 0; j < 3; j++ {
				sec.Items = append(sec.Items, chat.Item{Text: fmt.Sprintf("svc-%d-%d", i, j), Detail: "depth 1", URL: "https://example.com/svc"})
			}
			resp.Sections = append(resp.Sections, sec)
		}
		if req.Page < 2 {
			resp.Actions = append(resp.Actions, chat.Action{Label: "Next page", Command: "impact payments-api", Page: req.Page + 1, Style: "primary"})
		}
		return resp, nil
	case req.Text == "payments":
		return &chat.Response{Title: "Which payments?", Status: chat.StatusAmbiguous, Ephemeral: true,
			Suggestions: []chat.Suggestion{
				{Label: "payments-api", Command: "info component:default/payments-api"},
				{Label: "payments-db", Command: "info resource:default/payments-db"},
			}}, nil
	case strings.HasPrefix(req.Text, "docs "):
		return &chat.Response{Title: "Docs for " + strings.TrimPrefix(req.Text, "docs "), Status: chat.StatusOK,
			Docs: []chat.DocHit{{Page: "runbook.md", Anchor: "failover", Title: "Runbook", Heading: "Failover",
				Snippet: "Promote the **replica** first.", URL: "https://docs.example.com/runbook#failover", Score: 3.2}}}, nil
	case strings.HasPrefix(req.Text, "scaffold") && strings.Contains(req.Text, "="):
		return &chat.Response{Title: "Scaffolding", Text: "Starting…", Status: chat.StatusOK,
			Follow: func(ctx context.Context, update func(*chat.Response) error) error {
				for _, step := range []string{"fetch template", "render", "publish"} {
					if err := update(&chat.Response{Title: "Scaffolding", Text: "Done: " + step, Status: chat.StatusOK}); err != nil {
						return err
					}
				}
				return update(&chat.Response{Title: "Created ledger", Text: "[pull request](https://github.com/acme/ledger/pull/1)", Status: chat.StatusOK})
			}}, nil
	case strings.HasPrefix(req.Text, "scaffold "):
		return &chat.Response{Title: "go-service needs parameters", Text: "Supply name=… owner=…", Status: chat.StatusUsage,
			Modal: &chat.Modal{Title: "New Go service", Command: req.Text, Inputs: []chat.ModalInput{
				{Name: "name", Label: "Name", Required: true},
				{Name: "owner", Label: "Owner", Options: []string{"team-a", "team-b"}},
			}}}, nil
	case req.Text == "boom":
		return nil, fmt.Errorf("database password=hunter2 rejected")
	case req.Text == "slow":
		select {
		case <-time.After(150 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &chat.Response{Title: "Slow answer", Status: chat.StatusOK}, nil
	}
	return &chat.Response{Text: "You said: " + req.Text, Status: chat.StatusOK}, nil
}

// waitFor polls cond until it holds or a second passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// shutdown waits for the adapter's background work to finish.
func (f *fixture) shutdown() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.a.Shutdown(ctx); err != nil {
		f.t.Fatalf("background work did not finish: %v", err)
	}
}
