package discord

import (
	"context"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// When an answer is late, the deferral is sent before it exists: whether it
// is for the asker only is decided from the command (Router.Private), so a
// late whoami (an email in it) never lands in the channel.
func TestLateAnswerForTheAskerOnlyIsDeferredEphemeral(t *testing.T) {
	r := chat.NewRouter(chat.RouterOptions{})
	slow := func(title string) chat.HandlerFunc {
		return func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
			time.Sleep(150 * time.Millisecond)
			return &chat.Response{Title: title, Text: "ada@example.com", Status: chat.StatusOK}, nil
		}
	}
	r.MustRegister(chat.Command{Name: "whoami", Handler: slow("You are Ada"), Private: true})
	r.MustRegister(chat.Command{Name: "owner", Handler: slow("Owner")})
	f := newFixture(t, nil, func(c *Config) { c.AckWithin = 30 * time.Millisecond })
	f.a.h = r
	for _, tt := range []struct {
		text  string
		flags int
		title string
	}{
		{"whoami", int(discordgo.MessageFlagsEphemeral), "You are Ada"},
		{"owner ledger", 0, "Owner"},
	} {
		body := commandPayload("callboard", opt("query", tt.text))
		var in discordgo.Interaction
		_ = jsonUnmarshal(body, &in)
		a := f.interact(body)
		if a.Type != 5 || a.Data.Flags != tt.flags {
			t.Errorf("%q: deferral type %d flags %d, want 5 with flags %d: %s", tt.text, a.Type, a.Data.Flags, tt.flags, a.raw)
		}
		waitFor(t, "the edit of "+tt.text, func() bool {
			m := f.api.Original("app1", in.Token)
			return m != nil && len(m.Embeds) > 0 && m.Embeds[0].Title == tt.title
		})
	}
}

// The deferral timer runs from the request's arrival, and a dedupe that
// hangs (a stopped Redis honouring its context) waits only the state
// budget: the interaction is still acknowledged within Discord's 3 s.
func TestHungDedupeDoesNotHoldTheAcknowledgement(t *testing.T) {
	f := newFixture(t, nil, func(c *Config) { c.Dedupe = hungDedupe{} })
	start := time.Now()
	a := f.interact(commandPayload("owner", opt("entity", "x")))
	if took := time.Since(start); took > time.Second || a.Type != 4 {
		t.Fatalf("answered type %d after %v with the dedupe hung", a.Type, took)
	}
}

type hungDedupe struct{}

func (hungDedupe) FirstSeen(ctx context.Context, _ string, _ time.Duration) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}
