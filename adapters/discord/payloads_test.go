package discord

// Tests with interactions and gateway messages in the shapes Discord
// documents (testdata/payloads, written for these tests), signed as Discord
// signs them and sent through the real handlers.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// payload reads testdata/payloads/name with each {{KEY}} replaced.
func payload(t *testing.T, name string, repl map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range repl {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("%s: placeholder left: %.40s", name, s[i:])
	}
	if !json.Valid([]byte(s)) {
		t.Fatalf("%s is not JSON after filling in", name)
	}
	return []byte(s)
}

func (f *fixture) lastRequest() (text, user, name, team, channel, delivery string) {
	f.t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		f.t.Fatal("the handler was not called")
	}
	r := reqs[len(reqs)-1]
	return r.Text, r.User.ID, r.User.Name, r.User.Team, r.Channel, r.DeliveryID
}

func TestPingFromDiscordGetsPong(t *testing.T) {
	f := newFixture(t, nil, nil)
	w := f.post(payload(t, "ping.json", nil), testKey, f.now)
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"type":1}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestApplicationCommandsFromDiscord(t *testing.T) {
	const (
		ada   = "420000000000000042"
		guild = "900000000000000001"
	)
	data := func(name string, options string) string {
		return `{"guild_id":"` + guild + `","id":"1190000000000000001","name":"` + name + `","options":` + options + `,"type":1,"version":"1190000000000000101"}`
	}
	foreign := `{"id":"1190000000000000009","name":"deploys","type":1,"options":[{"name":"history","type":2,"options":[{"name":"show","type":1,"options":[` +
		`{"name":"service","type":3,"value":"ledger"},{"name":"limit","type":4,"value":25000000},{"name":"ratio","type":10,"value":0.5},` +
		`{"name":"verbose","type":5,"value":true},{"name":"who","type":6,"value":"430000000000000043"}]}]}],` +
		`"resolved":{"users":{"430000000000000043":{"avatar":null,"discriminator":"0","global_name":"Grace H","id":"430000000000000043","public_flags":0,"username":"grace"}},` +
		`"members":{"430000000000000043":{"avatar":null,"communication_disabled_until":null,"flags":0,"joined_at":"2024-01-02T03:04:05.000000+00:00","nick":null,"pending":false,"permissions":"2248473465835073","premium_since":null,"roles":[]}}}}`
	tests := []struct {
		name, file, data                       string
		text, user, display, team, channel, id string
	}{
		{"/owner in a guild: the member's nick", "command_guild.json", data("owner", `[{"name":"entity","type":3,"value":"payments-api"}]`),
			"owner payments-api", ada, "Ada (payments)", guild, "910000000000000002", "1316000000000000002"},
		{"/docs with both options", "command_guild.json", data("docs", `[{"name":"query","type":3,"value":"failover"},{"name":"entity","type":3,"value":"component:default/ledger"}]`),
			"docs failover in component:default/ledger", ada, "Ada (payments)", guild, "910000000000000002", "1316000000000000002"},
		{"/callboard", "command_guild.json", data("callboard", `[{"name":"query","type":3,"value":"  impact   payments-api "}]`),
			"impact   payments-api", ada, "Ada (payments)", guild, "910000000000000002", "1316000000000000002"},
		{"/scaffold with params", "command_guild.json", data("scaffold", `[{"name":"template","type":3,"value":"go-service"},{"name":"params","type":3,"value":"name=ledger owner=team-a"}]`),
			"scaffold go-service name=ledger owner=team-a", ada, "Ada (payments)", guild, "910000000000000002", "1316000000000000002"},
		{"another app's command with subcommands and typed options", "command_guild.json", foreign,
			"deploys history show ledger 25000000 0.5 true 430000000000000043", ada, "Ada (payments)", guild, "910000000000000002", "1316000000000000002"},
		{"a DM with the bot: user, no member, no guild", "command_bot_dm.json", data("callboard", `[{"name":"query","type":3,"value":"who owns payments-api"}]`),
			"who owns payments-api", ada, "Ada L", "", "930000000000000003", "1316000000000000003"},
		{"user-installed, in a group DM (context 2)", "command_private_channel.json", data("owner", `[{"name":"entity","type":3,"value":"ledger"}]`),
			"owner ledger", ada, "ada.lovelace", "", "940000000000000004", "1316000000000000004"},
		{"user-installed, in a guild without the bot", "command_user_app_in_guild.json", data("impact", `[{"name":"entity","type":3,"value":"ledger"}]`),
			"impact ledger", ada, "Ada L", "950000000000000005", "960000000000000006", "1316000000000000005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			a := f.interact(payload(t, tt.file, map[string]string{"DATA": tt.data}))
			if a.Type != 4 && a.Type != 5 {
				t.Fatalf("answer type %d: %s", a.Type, a.raw)
			}
			text, user, display, team, channel, id := f.lastRequest()
			if text != tt.text {
				t.Errorf("text %q, want %q", text, tt.text)
			}
			if user != tt.user || display != tt.display || team != tt.team || channel != tt.channel || id != tt.id {
				t.Errorf("user %q %q team %q channel %q delivery %q; want %q %q %q %q %q",
					user, display, team, channel, id, tt.user, tt.display, tt.team, tt.channel, tt.id)
			}
		})
	}
}

func TestAutocompleteFromDiscordCompletesTheFocusedOption(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	f := newFixture(t, nil, func(c *Config) {
		c.Completer = CompleterFunc(func(_ context.Context, kind, prefix string, limit int) []Choice {
			mu.Lock()
			asked = append(asked, kind+":"+prefix)
			mu.Unlock()
			return []Choice{{Name: "payments-api (component)", Value: "component:default/payments-api"}}
		})
	})
	a := f.interact(payload(t, "autocomplete.json", map[string]string{"PARTIAL": "paym"}))
	if a.Type != 8 || len(a.Data.Choices) != 1 || a.Data.Choices[0].Value != "component:default/payments-api" {
		t.Fatalf("answer %s", a.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0] != "entity:paym" {
		t.Fatalf("completer asked %v", asked)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("autocomplete ran the command %d times", n)
	}
}

func TestButtonClicksFromDiscord(t *testing.T) {
	for _, file := range []string{"component.json", "component_new_layout.json"} {
		t.Run(file, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			owner := f.interact(payload(t, "command_guild.json", map[string]string{
				"DATA": `{"id":"1190000000000000001","name":"owner","options":[{"name":"entity","type":3,"value":"payments-api"}],"type":1}`}))
			id := owner.button(t, "Show dependents")
			custom, _ := json.Marshal(id)
			a := f.interact(payload(t, file, map[string]string{"CUSTOM_ID": string(custom[1 : len(custom)-1]), "ID": "1316000000000000007"}))
			if a.Type != 4 || !strings.Contains(a.text(), "Impact of dependents payments-api") {
				t.Fatalf("answer %s", a.raw)
			}
			text, user, display, team, _, _ := f.lastRequest()
			if text != "dependents payments-api" || user != "430000000000000043" || display != "Grace H" || team != "900000000000000001" {
				t.Fatalf("request %q by %q %q in %q", text, user, display, team)
			}
		})
	}
}

func TestModalSubmissionsFromDiscord(t *testing.T) {
	tests := []struct {
		file, want, user string
	}{
		{"modal_submit_rows.json", "scaffold go-service name=ledger owner=team-a description=" + strconv.Quote("Books \"every\" payment\nonce"), "420000000000000042"},
		{"modal_submit_labels.json", `scaffold go-service name=ledger owner=team-b description="Books payments"`, "420000000000000042"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			form := f.interact(payload(t, "command_guild.json", map[string]string{
				"DATA": `{"id":"1190000000000000004","name":"scaffold","options":[{"name":"template","type":3,"value":"go-service"}],"type":1}`}))
			if form.Type != 9 || form.Data.CustomID == "" {
				t.Fatalf("no modal: %s", form.raw)
			}
			custom, _ := json.Marshal(form.Data.CustomID)
			a := f.interact(payload(t, tt.file, map[string]string{"CUSTOM_ID": string(custom[1 : len(custom)-1])}))
			if a.Type != 4 && a.Type != 5 {
				t.Fatalf("answer %s", a.raw)
			}
			text, user, _, _, _, _ := f.lastRequest()
			if text != tt.want || user != tt.user {
				t.Fatalf("request %q by %q, want %q", text, user, tt.want)
			}
			f.shutdown()
		})
	}
}

func TestUnknownInteractionTypeIsAnsweredWithoutRunningAnything(t *testing.T) {
	f := newFixture(t, nil, nil)
	a := f.interact(payload(t, "unknown_type.json", nil))
	if a.Type != 4 || a.Data.Flags&64 == 0 {
		t.Fatalf("answer %s", a.raw)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestGatewayMessagesFromDiscord(t *testing.T) {
	var cases map[string]json.RawMessage
	if err := json.Unmarshal(payload(t, "gateway_messages.json", nil), &cases); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a mention in a guild naming someone else":                 "who is on call for @grace and <@&920000000000000001>?",
		"a reply that mentions the bot, to a message from the bot": "impact payments-api",
		"a direct message": "who owns payments-api",
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var m discordgo.MessageCreate
			if err := json.Unmarshal(cases[name], &m); err != nil {
				t.Fatalf("discordgo cannot read it: %v", err)
			}
			f := newFixture(t, nil, nil)
			s := f.api.Session("test-token")
			s.State.User = &discordgo.User{ID: "1180000000000000001", Username: "callboard", Bot: true}
			f.a.OnMessage(s, &m)
			reqs := f.requests()
			if strings.HasPrefix(name, "IGNORED") {
				if len(reqs) != 0 || len(f.api.ChannelMessages("c1")) != 0 {
					t.Fatalf("answered: %+v", reqs)
				}
				return
			}
			if len(reqs) != 1 || reqs[0].Text != want[name] {
				t.Fatalf("requests %+v, want text %q", reqs, want[name])
			}
			if r := reqs[0]; r.User.ID != "420000000000000042" || r.DeliveryID != "message:"+m.ID || r.User.Team != m.GuildID {
				t.Fatalf("request %+v", r)
			}
			calls := f.api.CallsTo("POST", "channels/c1/messages")
			if len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"message_id":"`+m.ID+`"`) {
				t.Fatalf("not one reply to %s: %+v", m.ID, calls)
			}
		})
	}
}

func TestGatewayMentionOfTheBotsOwnRoleAddressesTheBot(t *testing.T) {
	var cases map[string]json.RawMessage
	if err := json.Unmarshal(payload(t, "gateway_role_mention.json", nil), &cases); err != nil {
		t.Fatal(err)
	}
	const self, guild = "1180000000000000001", "900000000000000001"
	for name, want := range map[string]string{"the bot's own role": "who owns payments-api", "a team's role": ""} {
		t.Run(name, func(t *testing.T) {
			var m discordgo.MessageCreate
			if err := json.Unmarshal(cases[name], &m); err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, nil, nil)
			s := f.api.Session("test-token")
			s.State.User = &discordgo.User{ID: self, Username: "callboard", Bot: true}
			// As the gateway's GUILD_CREATE leaves it: the roles, and the bot's member.
			if err := s.State.GuildAdd(&discordgo.Guild{ID: guild, Roles: []*discordgo.Role{
				{ID: "920000000000000009", Name: "callboard", Managed: true},
				{ID: "920000000000000001", Name: "payments-oncall", Mentionable: true},
			}, Members: []*discordgo.Member{{GuildID: guild, User: s.State.User, Roles: []string{"920000000000000009"}}}}); err != nil {
				t.Fatal(err)
			}
			f.a.OnMessage(s, &m)
			reqs := f.requests()
			if want == "" {
				if len(reqs) != 0 {
					t.Fatalf("answered %q", reqs[0].Text)
				}
				return
			}
			if len(reqs) != 1 || reqs[0].Text != want {
				t.Fatalf("requests %+v, want %q", reqs, want)
			}
		})
	}
}

// BenchmarkDecodeInteraction compares a click on a classic message (decoded
// once) with one on a message whose components discordgo does not know
// (decoded again without it).
func BenchmarkDecodeInteraction(b *testing.B) {
	for _, file := range []string{"component.json", "component_new_layout.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "payloads", file))
		if err != nil {
			b.Fatal(err)
		}
		raw = []byte(strings.NewReplacer("{{CUSTOM_ID}}", "cb:r:x", "{{ID}}", "1").Replace(string(raw)))
		b.Run(file, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := decodeInteraction(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzDecodeInteraction: any body decodes or is refused, never panics, and
// a body discordgo reads is read the same way (the fallback only adds).
func FuzzDecodeInteraction(f *testing.F) {
	for _, file := range []string{"component.json", "component_new_layout.json", "modal_submit_labels.json", "modal_submit_rows.json", "unknown_type.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "payloads", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(strings.NewReplacer("{{CUSTOM_ID}}", "cb1:f:scaffold x", "{{ID}}", "1").Replace(string(raw))))
	}
	f.Add([]byte(`{"type":5,"data":{"components":[{"type":18,"component":{"type":18}}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeInteraction(body)
		var strict discordgo.Interaction
		strictErr := json.Unmarshal(body, &strict)
		if strictErr == nil && (err != nil || in.ID != strict.ID || in.Type != strict.Type || in.Token != strict.Token) {
			t.Fatalf("a body discordgo reads came out differently: %v", err)
		}
		if err == nil && in == nil {
			t.Fatal("nil interaction without an error")
		}
	})
}
