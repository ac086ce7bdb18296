package discord

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/chat"
)

// Two replicas share a Redis stash: a long command's button and the next
// part of a long answer, both rendered on one replica, work when Discord
// delivers the click to the other.
func TestShelvedButtonsWorkOnAnotherReplica(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	opt, err := goredis.ParseURL(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	stash := &redis.Stash{C: c, Prefix: "discord-test:"}
	withStash := func(cfg *Config) { cfg.Stash = stash }
	one := newFixture(t, nil, withStash)
	two := newFixture(t, nil, withStash)

	long := "dependents " + strings.Repeat("very-long-entity-name-", 6)
	id := one.a.render.encodeCommand(clickReply, 0, long)
	if !strings.HasPrefix(id, "cb1:R:0:") {
		t.Fatalf("custom_id %q was not shelved", id)
	}
	a := two.interact(componentPayload(id))
	if reqs := two.requests(); a.Type != 4 || len(reqs) != 1 || reqs[0].Text != long {
		t.Fatalf("replica two ran %v for the long button (type %d): %s", reqs, a.Type, a.raw)
	}

	parts := one.a.Render(hugeResponse())
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	next := ""
	for _, row := range parts[0].Components {
		for _, b := range row.(discordgo.ActionsRow).Components {
			if b.(discordgo.Button).Label == "Next ▶" {
				next = b.(discordgo.Button).CustomID
			}
		}
	}
	a = two.interact(componentPayload(next))
	last := a.Data.Embeds[len(a.Data.Embeds)-1]
	if a.Type != 7 || last.Footer == nil || !strings.Contains(last.Footer.Text, "Part 2 of") {
		t.Fatalf("replica two's next part: type %d, %s", a.Type, a.raw)
	}
	if got, want := a.Data.Embeds[0].Title, parts[1].Embeds[0].Title; got != want {
		t.Fatalf("part 2 title %q on replica two, %q as rendered", got, want)
	}
	prev := a.button(t, "◀ Previous")
	if a = two.interact(componentPayload(prev)); a.Type != 7 {
		t.Fatalf("previous from part 2: %s", a.raw)
	}
}

// Without a stash, what the shelf holds stays in the process: the same click
// on another replica says the button expired.
func TestShelvedButtonsWithoutStashAreLocal(t *testing.T) {
	one := newFixture(t, nil, nil)
	two := newFixture(t, nil, nil)
	id := one.a.render.encodeCommand(clickReply, 0, "dependents "+strings.Repeat("x", 120))
	a := two.interact(componentPayload(id))
	if !strings.Contains(a.text(), "expired") {
		t.Fatalf("%s", a.raw)
	}
}

var _ chat.Stash = (*redis.Stash)(nil)
