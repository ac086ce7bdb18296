package discord

import (
	"strings"
	"testing"
)

// Command text over the limit (Discord itself sends at most 6,000 characters
// in an option) is answered with a sentence saying so and never reaches the
// handler: a slash command's option, a modal's fields, and a gateway message.
func TestOversizedCommandIsRefusedBeforeTheHandler(t *testing.T) {
	long := strings.Repeat("payments-api.", 50<<10/13) // 50 KB: within the 64 KiB body cap
	f := newFixture(t, nil, nil)
	a := f.interact(commandPayload("callboard", opt("query", "who owns "+long)))
	if !strings.Contains(a.text(), "too long") {
		t.Errorf("slash command: the %d-byte answer does not say the command is too long", len(a.raw))
	}
	s := gatewaySession(f)
	f.a.OnMessage(s, messageEvent("m1", "", "who owns "+long, ada))
	posted := f.api.ChannelMessages("c1")
	if len(posted) != 1 || len(posted[0].Embeds) == 0 || !strings.Contains(posted[0].Embeds[0].Description+posted[0].Embeds[0].Title, "too long") {
		t.Errorf("direct message: %d answers posted, none saying the command is too long", len(posted))
	}
	f.a.OnMessage(s, messageEvent("m2", "g1", "chatter "+long, ada)) // not for the bot: no answer
	if n := len(f.api.ChannelMessages("c1")); n != 1 {
		t.Errorf("a long message not for the bot was answered (%d posts)", n)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("the handler got %d requests", len(reqs))
	}
}
