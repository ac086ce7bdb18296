package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/adapters/discord/discordtest"
	"github.com/callboard/callboard/bot/chat"
)

func TestInteractionRefusesUnverifiedRequests(t *testing.T) {
	otherKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	body := commandPayload("owner", opt("entity", "payments-api"))
	tests := []struct {
		name string
		send func(f *fixture) *httptest.ResponseRecorder
		want int
	}{
		{"signed by another key", func(f *fixture) *httptest.ResponseRecorder { return f.post(body, otherKey, f.now) }, http.StatusUnauthorized},
		{"timestamp six minutes old", func(f *fixture) *httptest.ResponseRecorder {
			return f.post(body, testKey, f.now.Add(-6*time.Minute))
		}, http.StatusUnauthorized},
		{"timestamp six minutes ahead", func(f *fixture) *httptest.ResponseRecorder {
			return f.post(body, testKey, f.now.Add(6*time.Minute))
		}, http.StatusUnauthorized},
		{"body changed after signing", func(f *fixture) *httptest.ResponseRecorder {
			stamp := strconv.FormatInt(f.now.Unix(), 10)
			sig := ed25519.Sign(testKey, append([]byte(stamp), body...))
			tampered := bytes.Replace(body, []byte("payments-api"), []byte("payroll-api!"), 1)
			r := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(tampered))
			r.Header.Set("X-Signature-Timestamp", stamp)
			r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
			w := httptest.NewRecorder()
			f.a.ServeHTTP(w, r)
			return w
		}, http.StatusUnauthorized},
		{"no signature headers", func(f *fixture) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			f.a.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body)))
			return w
		}, http.StatusUnauthorized},
		{"signature not hex", func(f *fixture) *httptest.ResponseRecorder {
			r := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
			r.Header.Set("X-Signature-Timestamp", "1796126400")
			r.Header.Set("X-Signature-Ed25519", "zz")
			w := httptest.NewRecorder()
			f.a.ServeHTTP(w, r)
			return w
		}, http.StatusUnauthorized},
		{"oversized body", func(f *fixture) *httptest.ResponseRecorder {
			big := commandPayload("callboard", opt("query", strings.Repeat("x", 70<<10)))
			return f.post(big, testKey, f.now)
		}, http.StatusRequestEntityTooLarge},
		{"signed but not JSON", func(f *fixture) *httptest.ResponseRecorder { return f.post([]byte("hello"), testKey, f.now) }, http.StatusBadRequest},
		{"GET", func(f *fixture) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			f.a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/discord/interactions", nil))
			return w
		}, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			w := tt.send(f)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.want, w.Body)
			}
			if reqs := f.requests(); len(reqs) > 0 {
				t.Fatalf("handler ran for a refused request: %q", reqs[0].Text)
			}
			if strings.Contains(w.Body.String(), "payments") {
				t.Fatalf("refusal echoes the request: %s", w.Body)
			}
		})
	}
}

func TestPingIsAnsweredWithPong(t *testing.T) {
	f := newFixture(t, nil, nil)
	w := f.post([]byte(`{"id":"1","application_id":"app1","type":1,"token":"t","version":1}`), testKey, f.now)
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"type":1}` {
		t.Fatalf("got %d %s, want 200 {\"type\":1}", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

func TestReplayedInteractionIsIgnored(t *testing.T) {
	f := newFixture(t, nil, nil)
	body := commandPayload("owner", opt("entity", "payments-api"))
	if w := f.post(body, testKey, f.now); w.Code != http.StatusOK {
		t.Fatalf("first delivery: %d %s", w.Code, w.Body)
	}
	f.now = f.now.Add(time.Minute) // still within the accepted skew
	if w := f.post(body, testKey, f.now.Add(-time.Minute)); w.Code != http.StatusConflict {
		t.Fatalf("replay: %d %s, want 409", w.Code, w.Body)
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

func TestSlashCommandsBecomeCommandLines(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"callboard query", commandPayload("callboard", opt("query", "  who owns payments-api ")), "who owns payments-api"},
		{"owner", commandPayload("owner", opt("entity", "component:default/payments-api")), "owner component:default/payments-api"},
		{"impact", commandPayload("impact", opt("entity", "ledger")), "impact ledger"},
		{"docs", commandPayload("docs", opt("query", "failover")), "docs failover"},
		{"docs in an entity", commandPayload("docs", opt("query", "failover"), opt("entity", "ledger")), "docs failover in ledger"},
		{"scaffold with params", commandPayload("scaffold", opt("template", "go-service"), opt("params", "name=ledger owner=team-a")), "scaffold go-service name=ledger owner=team-a"},
		{"a command registered elsewhere", commandPayload("deploys", opt("service", "ledger")), "deploys ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			a := f.interact(tt.body)
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Text != tt.want {
				t.Fatalf("text %q, want %q", r.Text, tt.want)
			}
			if r.Platform != chat.PlatformDiscord || r.User.ID != "u42" || r.User.Name != "Ada L" || r.User.Team != "g1" || r.Channel != "c1" || r.DeliveryID == "" || !r.Received.Equal(testNow) {
				t.Fatalf("request %+v", r)
			}
			if a.Type != 4 && a.Type != 9 && a.Type != 5 {
				t.Fatalf("answer type %d", a.Type)
			}
		})
	}
}

func TestOwnerAnswerIsAMessageWithButtons(t *testing.T) {
	f := newFixture(t, nil, nil)
	a := f.interact(commandPayload("owner", opt("entity", "payments-api")))
	if a.Type != 4 {
		t.Fatalf("type %d, want 4", a.Type)
	}
	if a.Data.Flags != 0 {
		t.Fatalf("flags %d: an in-channel answer must not be ephemeral", a.Data.Flags)
	}
	if got := a.Data.Embeds[0].Title; got != "payments-api is owned by Team Payments" {
		t.Fatalf("title %q", got)
	}
	if id := a.button(t, "Show dependents"); id != "cb1:r:0:dependents payments-api" {
		t.Fatalf("custom_id %q", id)
	}
	if !strings.Contains(string(a.raw), `"allowed_mentions":{"parse":[],`) {
		t.Fatalf("catalog text may ping people: %s", a.raw)
	}
	if err := discordtest.CheckMessage(mustJSON(a.dataOf(t))); err != nil {
		t.Fatal(err)
	}
}

func (a answer) dataOf(t *testing.T) any {
	var v struct {
		Data any `json:"data"`
	}
	if err := jsonUnmarshal(a.raw, &v); err != nil {
		t.Fatal(err)
	}
	return v.Data
}

func TestEphemeralAnswerSetsFlag64(t *testing.T) {
	f := newFixture(t, nil, nil)
	a := f.interact(commandPayload("callboard", opt("query", "payments")))
	if a.Type != 4 || a.Data.Flags != 64 {
		t.Fatalf("type %d flags %d, want 4 and 64", a.Type, a.Data.Flags)
	}
	if a.button(t, "payments-api") != "cb1:u:0:info component:default/payments-api" {
		t.Fatalf("suggestion button: %s", a.raw)
	}
}

func TestHandlerErrorIsASentenceWithoutTheCause(t *testing.T) {
	f := newFixture(t, nil, nil)
	a := f.interact(commandPayload("callboard", opt("query", "boom")))
	if a.Type != 4 || a.Data.Flags != 64 {
		t.Fatalf("type %d flags %d", a.Type, a.Data.Flags)
	}
	if strings.Contains(string(a.raw), "hunter2") {
		t.Fatalf("the cause reached the user: %s", a.raw)
	}
	if !strings.Contains(a.text(), "try again") {
		t.Fatalf("not a sentence saying what to do: %s", a.text())
	}
}

func TestAutocompleteOffersAtMost25Choices(t *testing.T) {
	var gotKind, gotPrefix string
	var gotLimit int
	completer := CompleterFunc(func(ctx context.Context, kind, prefix string, limit int) []Choice {
		gotKind, gotPrefix, gotLimit = kind, prefix, limit
		out := []Choice{{Name: "too long a value", Value: strings.Repeat("v", 101)}, {Name: strings.Repeat("n", 150), Value: "component:default/long"}}
		for i := 0; i < 40; i++ {
			out = append(out, Choice{Name: "pay-" + string(rune('a'+i%26)), Value: "component:default/pay-" + string(rune('a'+i%26))})
		}
		return out
	})
	tests := []struct {
		name     string
		body     []byte
		wantKind string
	}{
		{"entity of /owner", autocompletePayload("owner", map[string]any{"name": "entity", "type": 3, "value": "pay", "focused": true}), KindEntity},
		{"entity of /docs", autocompletePayload("docs", opt("query", "x"), map[string]any{"name": "entity", "type": 3, "value": "pay", "focused": true}), KindEntity},
		{"template of /scaffold", autocompletePayload("scaffold", map[string]any{"name": "template", "type": 3, "value": "pay", "focused": true}), KindTemplate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, func(c *Config) { c.Completer = completer })
			a := f.interact(tt.body)
			if a.Type != 8 {
				t.Fatalf("type %d, want 8", a.Type)
			}
			if gotKind != tt.wantKind || gotPrefix != "pay" || gotLimit != 25 {
				t.Fatalf("Complete(%q, %q, %d)", gotKind, gotPrefix, gotLimit)
			}
			if n := len(a.Data.Choices); n != 25 {
				t.Fatalf("%d choices, want 25", n)
			}
			for _, c := range a.Data.Choices {
				if runeLen(c.Name) > 100 || runeLen(c.Value) > 100 || c.Value == "" {
					t.Fatalf("choice over the limits: %+v", c)
				}
			}
			if a.Data.Choices[0].Value != "component:default/long" {
				t.Fatalf("the long name should be shortened, not dropped: %+v", a.Data.Choices[0])
			}
			if len(f.requests()) != 0 {
				t.Fatal("autocomplete ran the handler")
			}
		})
	}
	t.Run("no completer gives an empty list", func(t *testing.T) {
		f := newFixture(t, nil, nil)
		a := f.interact(autocompletePayload("owner", map[string]any{"name": "entity", "type": 3, "value": "p", "focused": true}))
		if a.Type != 8 || !strings.Contains(string(a.raw), `"choices":[]`) {
			t.Fatalf("%s", a.raw)
		}
	})
}

func TestComponentClicks(t *testing.T) {
	long := "dependents " + strings.Repeat("very-long-entity-name-", 6)
	tests := []struct {
		name     string
		customID func(f *fixture) string
		wantType int
		wantText string // the command the handler got, "" for none
		wantPage int
		check    func(t *testing.T, a answer)
	}{
		{name: "show dependents answers with a new message", customID: func(*fixture) string { return "cb1:r:0:dependents payments-api" },
			wantType: 4, wantText: "dependents payments-api"},
		{name: "next page updates the message", customID: func(f *fixture) string {
			return f.interact(commandPayload("impact", opt("entity", "payments-api"))).button(f.t, "Next page")
		}, wantType: 7, wantText: "impact payments-api", wantPage: 1, check: func(t *testing.T, a answer) {
			if a.Data.Embeds[len(a.Data.Embeds)-1].Footer.Text != "Page 2 of 3 · 30 items" {
				t.Fatalf("footer %+v", a.Data.Embeds[len(a.Data.Embeds)-1].Footer)
			}
		}},
		{name: "picking one of several matches updates the message", customID: func(f *fixture) string {
			return f.interact(commandPayload("callboard", opt("query", "payments"))).button(f.t, "payments-db")
		}, wantType: 7, wantText: "info resource:default/payments-db"},
		{name: "a command too long for custom_id is kept on the shelf", customID: func(f *fixture) string {
			id := f.a.render.encodeCommand(clickReply, 0, long)
			if !strings.HasPrefix(id, "cb1:R:0:") || len(id) > 100 {
				f.t.Fatalf("custom_id %q", id)
			}
			return id
		}, wantType: 4, wantText: long},
		{name: "an evicted shelf entry says the button expired", customID: func(*fixture) string { return "cb1:R:0:knope" },
			wantType: 4, check: func(t *testing.T, a answer) {
				if a.Data.Flags != 64 || !strings.Contains(a.text(), "expired") {
					t.Fatalf("%s", a.raw)
				}
			}},
		{name: "a custom_id not made by callboard is refused politely", customID: func(*fixture) string { return "someone-else" },
			wantType: 4, check: func(t *testing.T, a answer) {
				if a.Data.Flags != 64 {
					t.Fatalf("%s", a.raw)
				}
			}},
		{name: "next part of a long answer comes from the shelf", customID: func(f *fixture) string {
			parts := f.a.Render(hugeResponse())
			if len(parts) < 2 {
				f.t.Fatalf("%d parts", len(parts))
			}
			for _, row := range parts[0].Components {
				for _, b := range row.(discordgo.ActionsRow).Components {
					if b.(discordgo.Button).Label == "Next ▶" {
						return b.(discordgo.Button).CustomID
					}
				}
			}
			f.t.Fatal("no Next button on part 1")
			return ""
		}, wantType: 7, check: func(t *testing.T, a answer) {
			last := a.Data.Embeds[len(a.Data.Embeds)-1]
			if last.Footer == nil || !strings.Contains(last.Footer.Text, "Part 2 of") {
				t.Fatalf("footer %+v", last.Footer)
			}
			a.button(t, "◀ Previous")
		}},
		{name: "a modal opens for missing parameters", customID: func(*fixture) string { return "cb1:r:0:scaffold go-service" },
			wantType: 9, wantText: "scaffold go-service", check: func(t *testing.T, a answer) {
				if a.Data.CustomID != "cb1:f:scaffold go-service" || a.Data.Title != "New Go service" {
					t.Fatalf("%s", a.raw)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			id := tt.customID(f)
			f.mu.Lock()
			f.reqs = nil
			f.mu.Unlock()
			a := f.interact(componentPayload(id))
			if a.Type != tt.wantType {
				t.Fatalf("type %d, want %d: %s", a.Type, tt.wantType, a.raw)
			}
			reqs := f.requests()
			switch {
			case tt.wantText == "" && len(reqs) > 0:
				t.Fatalf("handler ran with %q", reqs[0].Text)
			case tt.wantText != "" && (len(reqs) != 1 || reqs[0].Text != tt.wantText || reqs[0].Page != tt.wantPage):
				t.Fatalf("requests %+v, want %q page %d", reqs, tt.wantText, tt.wantPage)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func TestModalSubmitRunsTheCommandWithTheValues(t *testing.T) {
	f := newFixture(t, nil, nil)
	a := f.interact(modalPayload("cb1:f:scaffold go-service", map[string]string{"name": "ledger", "owner": "team a"}))
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	got := reqs[0].Text
	if !strings.HasPrefix(got, "scaffold go-service ") || !strings.Contains(got, " name=ledger") || !strings.Contains(got, ` owner="team a"`) {
		t.Fatalf("text %q", got)
	}
	if a.Type != 5 { // the scaffold answer has slow work
		t.Fatalf("type %d", a.Type)
	}
}

func TestSlowWorkIsDeferredThenEditedThroughA429(t *testing.T) {
	f := newFixture(t, nil, nil)
	body := commandPayload("scaffold", opt("template", "go-service"), opt("params", "name=ledger"))
	var in discordgo.Interaction
	if err := jsonUnmarshal(body, &in); err != nil {
		t.Fatal(err)
	}
	f.api.RateLimit(http.MethodPatch, "webhooks/", 1, 30*time.Millisecond, false)
	start := time.Now()
	a := f.interact(body)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("acknowledged after %v", took)
	}
	if a.Type != 5 {
		t.Fatalf("type %d, want 5 (deferred): %s", a.Type, a.raw)
	}
	f.shutdown() // waits for the follow-up to finish
	calls := f.api.CallsTo(http.MethodPatch, "webhooks/app1/"+in.Token+"/messages/@original")
	var limited, ok int
	for _, c := range calls {
		switch c.Status {
		case http.StatusTooManyRequests:
			limited++
		case http.StatusOK:
			ok++
		}
	}
	if limited != 1 || ok != 5 { // the first answer, three steps, the result
		t.Fatalf("%d rate-limited and %d good edits, want 1 and 5", limited, ok)
	}
	final := f.api.Original("app1", in.Token)
	if final == nil || len(final.Embeds) == 0 || final.Embeds[0].Title != "Created ledger" {
		t.Fatalf("original is %+v", final)
	}
}

func TestAnswerSlowerThanTheDeadlineIsDeferred(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.AckWithin = 30 * time.Millisecond })
	body := commandPayload("callboard", opt("query", "slow"))
	var in discordgo.Interaction
	_ = jsonUnmarshal(body, &in)
	a := f.interact(body)
	if a.Type != 5 {
		t.Fatalf("type %d, want 5", a.Type)
	}
	waitFor(t, "the edit", func() bool {
		m := f.api.Original("app1", in.Token)
		return m != nil && len(m.Embeds) > 0 && m.Embeds[0].Title == "Slow answer"
	})
}

func TestFirstEditRetriesWhileDiscordHasNotTakenTheAckIn(t *testing.T) {
	f := newFixture(t, nil, nil)
	body := commandPayload("scaffold", opt("template", "go-service"), opt("params", "name=ledger"))
	var in discordgo.Interaction
	_ = jsonUnmarshal(body, &in)
	f.api.Fail(http.MethodPatch, "webhooks/", 1, http.StatusNotFound, "Unknown Webhook")
	if a := f.interact(body); a.Type != 5 {
		t.Fatalf("type %d", a.Type)
	}
	f.shutdown()
	if m := f.api.Original("app1", in.Token); m == nil || m.Embeds[0].Title != "Created ledger" {
		t.Fatalf("original %+v", m)
	}
}

func TestAdapterAndRouterDedupeKeysDoNotCollide(t *testing.T) {
	shared := newMemoryDedupe(100, time.Now)
	f := newFixture(t, nil, func(c *Config) { c.Dedupe = shared })
	inner := f.a.h
	// What the Router's Deduplicated middleware does with the same store.
	f.a.h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		if first, _ := shared.FirstSeen(ctx, req.Platform+":"+req.DeliveryID, time.Hour); !first {
			t.Errorf("router saw %q as a duplicate", req.DeliveryID)
		}
		return inner.Handle(ctx, req)
	})
	f.interact(commandPayload("owner", opt("entity", "x")))
	f.a.OnMessage(gatewaySession(f), messageEvent("m5", "g1", "!cb help", ada))
	if n := len(f.requests()); n != 2 {
		t.Fatalf("%d requests answered, want 2", n)
	}
}

func TestModalThatDoesNotFitFallsBackToAMessage(t *testing.T) {
	inputs := make([]chat.ModalInput, 6)
	for i := range inputs {
		inputs[i] = chat.ModalInput{Name: "p" + strconv.Itoa(i), Required: true}
	}
	f := newFixture(t, func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Text: "Supply p0=… to p5=…", Status: chat.StatusUsage,
			Modal: &chat.Modal{Title: "Too many", Command: "scaffold big", Inputs: inputs, More: "scaffold big --options"}}, nil
	}, nil)
	a := f.interact(commandPayload("scaffold", opt("template", "big")))
	if a.Type != 4 || !strings.Contains(a.text(), "Supply p0") {
		t.Fatalf("%s", a.raw)
	}
}

// A form with more fields than Discord's five shows the required ones and
// runs More on submission (the bot's second step offers the optional ones);
// without More, the optional fields past the fifth are left to defaults.
func TestModalShowsTheRequiredFieldsFirst(t *testing.T) {
	inputs := []chat.ModalInput{{Name: "name", Required: true}, {Name: "owner", Required: true}}
	for i := 0; i < 6; i++ {
		inputs = append(inputs, chat.ModalInput{Name: "opt" + strconv.Itoa(i)})
	}
	for _, tc := range []struct {
		more, wantID string
		wantFields   int
	}{
		{"scaffold svc --options", "cb1:f:scaffold svc --options", 2},
		{"", "cb1:f:scaffold svc", 5},
	} {
		f := newFixture(t, func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
			return &chat.Response{Text: "Supply name=… and owner=…", Status: chat.StatusUsage,
				Modal: &chat.Modal{Title: "Service", Command: "scaffold svc", Inputs: inputs, More: tc.more}}, nil
		}, nil)
		a := f.interact(commandPayload("scaffold", opt("template", "svc")))
		var m struct {
			Data struct {
				CustomID   string `json:"custom_id"`
				Components []struct {
					Components []struct {
						CustomID string `json:"custom_id"`
						Required bool   `json:"required"`
					} `json:"components"`
				} `json:"components"`
			} `json:"data"`
		}
		if err := json.Unmarshal(a.raw, &m); err != nil || a.Type != 9 {
			t.Fatalf("want a modal: %s", a.raw)
		}
		if m.Data.CustomID != tc.wantID || len(m.Data.Components) != tc.wantFields {
			t.Fatalf("more %q: %s", tc.more, a.raw)
		}
		if c := m.Data.Components[0].Components[0]; c.CustomID != "name" || !c.Required || m.Data.Components[1].Components[0].CustomID != "owner" {
			t.Errorf("the required fields come first: %s", a.raw)
		}
	}
}

func TestLongModalCommandIsShelved(t *testing.T) {
	cmd := "scaffold " + strings.Repeat("long-template-", 8)
	f := newFixture(t, func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		if strings.Contains(req.Text, "name=") {
			return &chat.Response{Text: "got " + req.Text}, nil
		}
		return &chat.Response{Modal: &chat.Modal{Title: "Params", Command: cmd, Inputs: []chat.ModalInput{{Name: "name"}}}}, nil
	}, nil)
	a := f.interact(commandPayload("scaffold", opt("template", "x")))
	if a.Type != 9 || !strings.HasPrefix(a.Data.CustomID, "cb1:F:") || len(a.Data.CustomID) > 100 {
		t.Fatalf("%s", a.raw)
	}
	a = f.interact(modalPayload(a.Data.CustomID, map[string]string{"name": "ledger"}))
	if !strings.Contains(a.text(), "got "+cmd+" name=ledger") {
		t.Fatalf("%s", a.text())
	}
}

func TestNewSessionSendsRESTCallsToTheGivenBase(t *testing.T) {
	api := discordtest.NewServer()
	defer api.Close()
	s, err := NewSession("abc", api.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChannelMessageSend("c7", "hi"); err != nil {
		t.Fatal(err)
	}
	calls := api.CallsTo(http.MethodPost, "channels/c7/messages")
	if len(calls) != 1 || calls[0].Header.Get("Authorization") != "Bot abc" {
		t.Fatalf("calls %+v", calls)
	}
	if _, err := NewSession("abc", "not a url"); err == nil {
		t.Fatal("a bad API URL was accepted")
	}
}

func TestParsePublicKey(t *testing.T) {
	good := hex.EncodeToString(testKey.Public().(ed25519.PublicKey))
	if k, err := ParsePublicKey(" " + good + "\n"); err != nil || !k.Equal(testKey.Public()) {
		t.Fatalf("%v %v", k, err)
	}
	for _, bad := range []string{"", "zz", good[:62]} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// Slow work that fails shows the message written for users (and a
// reference), never the cause: as on Slack, through chat.FollowUpFailed.
func TestFollowFailureShowsThePublicMessageNotTheCause(t *testing.T) {
	f := newFixture(t, func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Follow: func(ctx context.Context, update func(*chat.Response) error) error {
			return chat.NewUserError("The repository acme/new-svc already exists.",
				fmt.Errorf(`POST "http://127.0.0.1:8443/api/v3/orgs/acme/repos": 422 name already exists`))
		}}, nil
	}, nil)
	body := commandPayload("scaffold", opt("template", "go-service"), opt("params", "name=new-svc"))
	var in discordgo.Interaction
	if err := jsonUnmarshal(body, &in); err != nil {
		t.Fatal(err)
	}
	if a := f.interact(body); a.Type != 5 {
		t.Fatalf("type %d, want 5 (deferred): %s", a.Type, a.raw)
	}
	f.shutdown()
	final := f.api.Original("app1", in.Token)
	if final == nil || len(final.Embeds) == 0 {
		t.Fatalf("original is %+v", final)
	}
	text := final.Content + final.Embeds[0].Title + "\n" + final.Embeds[0].Description
	if !strings.Contains(text, "acme/new-svc already exists") || !strings.Contains(text, "reference ") {
		t.Errorf("the failure's public message was not shown: %q", text)
	}
	if strings.Contains(text, "127.0.0.1") || strings.Contains(text, "422") {
		t.Errorf("the cause reached the user: %q", text)
	}
}
