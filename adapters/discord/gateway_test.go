package discord

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

func gatewaySession(f *fixture) *discordgo.Session {
	s := f.api.Session("test-token")
	s.State.User = &discordgo.User{ID: "bot1", Username: "callboard", Bot: true}
	return s
}

func messageEvent(id, guild, content string, author *discordgo.User) *discordgo.MessageCreate {
	return &discordgo.MessageCreate{Message: &discordgo.Message{ID: id, ChannelID: "c1", GuildID: guild, Content: content, Author: author}}
}

var ada = &discordgo.User{ID: "u42", Username: "ada", GlobalName: "Ada L"}

func TestGatewayMessages(t *testing.T) {
	tests := []struct {
		name    string
		guild   string
		content string
		author  *discordgo.User
		ignored bool
		want    string // the command the handler gets
	}{
		{"mention", "g1", "<@bot1> who owns payments-api", ada, false, "who owns payments-api"},
		{"nickname mention", "g1", "hey <@!bot1>   impact ledger", ada, false, "hey impact ledger"},
		{"prefix", "g1", "!cb who owns payments-api", ada, false, "who owns payments-api"},
		{"prefix in another case", "g1", "!CB help", ada, false, "help"},
		{"bare prefix", "g1", "!cb", ada, false, ""},
		{"prefix glued to a word is not the prefix", "g1", "!cbx who owns", ada, true, ""},
		{"ordinary chatter", "g1", "who owns payments-api?", ada, true, ""},
		{"direct message needs no prefix", "", "who owns payments-api", ada, false, "who owns payments-api"},
		{"own message", "g1", "!cb help", &discordgo.User{ID: "bot1", Bot: true}, true, ""},
		{"another bot", "g1", "!cb help", &discordgo.User{ID: "b2", Bot: true}, true, ""},
		{"a mention of someone else", "g1", "<@u7> who owns x", ada, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			s := gatewaySession(f)
			f.a.OnMessage(s, messageEvent("m1", tt.guild, tt.content, tt.author))
			reqs := f.requests()
			posted := f.api.ChannelMessages("c1")
			if tt.ignored {
				if len(reqs) != 0 || len(posted) != 0 {
					t.Fatalf("answered an ignored message: %d requests, %d posts", len(reqs), len(posted))
				}
				return
			}
			if len(reqs) != 1 || reqs[0].Text != tt.want {
				t.Fatalf("requests %+v, want text %q", reqs, tt.want)
			}
			r := reqs[0]
			if r.User.ID != "u42" || r.User.Name != "Ada L" || r.User.Team != tt.guild || r.Channel != "c1" || r.DeliveryID != "message:m1" {
				t.Fatalf("request %+v", r)
			}
			if len(posted) != 1 || len(posted[0].Embeds) == 0 {
				t.Fatalf("posted %+v", posted)
			}
			call := f.api.CallsTo("POST", "channels/c1/messages")[0]
			if call.Header.Get("Authorization") != "Bot test-token" {
				t.Fatalf("authorization %q", call.Header.Get("Authorization"))
			}
			if !strings.Contains(string(call.Body), `"message_reference":{"message_id":"m1","channel_id":"c1"`) {
				t.Fatalf("not a reply to the message: %s", call.Body)
			}
		})
	}
}

func TestGatewayMessageIsAnsweredOnce(t *testing.T) {
	f := newFixture(t, nil, nil)
	s := gatewaySession(f)
	ev := messageEvent("m9", "g1", "!cb help", ada)
	f.a.OnMessage(s, ev)
	f.a.OnMessage(s, ev) // redelivered after a gateway resume
	if n := len(f.api.ChannelMessages("c1")); n != 1 {
		t.Fatalf("%d replies, want 1", n)
	}
}

func TestGatewaySlowWorkEditsTheReply(t *testing.T) {
	f := newFixture(t, nil, nil)
	s := gatewaySession(f)
	f.api.RateLimit("PATCH", "channels/", 1, 20*time.Millisecond, false)
	f.a.OnMessage(s, messageEvent("m2", "g1", "!cb scaffold go-service name=ledger", ada))
	posted := f.api.ChannelMessages("c1")
	if len(posted) != 1 {
		t.Fatalf("%d messages", len(posted))
	}
	if got := posted[0].Embeds[0].Title; got != "Created ledger" {
		t.Fatalf("reply ends as %q, want the result", got)
	}
	if n := len(f.api.CallsTo("PATCH", "channels/c1/messages/")); n != 5 { // three steps and the result, one 429
		t.Fatalf("%d edits, want 5", n)
	}
}

// lockSim is a chat.Locker for one test: Acquire hands out leases in turn;
// the test takes leadership away with lose.
type lockSim struct {
	mu       sync.Mutex
	token    int64
	leases   chan *leaseSim
	released int
}

type leaseSim struct {
	l     *lockSim
	token int64
	lost  chan struct{}
}

func (l *lockSim) Acquire(ctx context.Context, name string) (chat.Lease, error) {
	if name != GatewayLock {
		return nil, errors.New("wrong lock " + name)
	}
	l.mu.Lock()
	l.token++
	ls := &leaseSim{l: l, token: l.token, lost: make(chan struct{})}
	l.mu.Unlock()
	select {
	case l.leases <- ls:
		return ls, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (ls *leaseSim) Token() int64          { return ls.token }
func (ls *leaseSim) Lost() <-chan struct{} { return ls.lost }
func (ls *leaseSim) Release(context.Context) error {
	ls.l.mu.Lock()
	ls.l.released++
	ls.l.mu.Unlock()
	return nil
}

// connSim counts gateway opens and closes.
type connSim struct {
	mu           sync.Mutex
	opens, close int
}

func (c *connSim) Open() error  { c.mu.Lock(); c.opens++; c.mu.Unlock(); return nil }
func (c *connSim) Close() error { c.mu.Lock(); c.close++; c.mu.Unlock(); return nil }
func (c *connSim) counts() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opens, c.close
}

func TestGatewayIsHeldOnlyWithTheLeaderLock(t *testing.T) {
	f := newFixture(t, nil, nil)
	s := gatewaySession(f)
	locks := &lockSim{leases: make(chan *leaseSim)}
	conn := &connSim{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunGateway(ctx, locks, conn) }()

	waitFor(t, "the loop to start", func() bool { return f.a.gateway.Load() == gatewayFollower })
	f.a.OnMessage(s, messageEvent("m1", "g1", "!cb help", ada))
	if len(f.requests()) != 0 {
		t.Fatal("a replica without the lock answered a message")
	}
	if o, _ := conn.counts(); o != 0 {
		t.Fatal("gateway opened without the lock")
	}

	first := <-locks.leases // leadership granted
	waitFor(t, "the gateway to open", func() bool { o, _ := conn.counts(); return o == 1 })
	waitFor(t, "leadership", func() bool { return f.a.gateway.Load() == gatewayLeader })
	f.a.OnMessage(s, messageEvent("m2", "g1", "!cb help", ada))
	if len(f.requests()) != 1 {
		t.Fatal("the leader did not answer")
	}

	close(first.lost) // leadership lost: the gateway closes and the lock is competed for again
	waitFor(t, "the gateway to close", func() bool { _, c := conn.counts(); return c == 1 })
	f.a.OnMessage(s, messageEvent("m3", "g1", "!cb help", ada))
	if len(f.requests()) != 1 {
		t.Fatal("answered after losing leadership")
	}
	<-locks.leases // leadership again
	waitFor(t, "the gateway to reopen", func() bool { o, _ := conn.counts(); return o == 2 })

	cancel() // shutdown closes the gateway and releases the lease
	if err := <-done; err != nil {
		t.Fatalf("RunGateway: %v", err)
	}
	if _, c := conn.counts(); c != 2 {
		t.Fatalf("%d closes, want 2", c)
	}
	locks.mu.Lock()
	defer locks.mu.Unlock()
	if locks.released != 2 {
		t.Fatalf("%d releases, want 2", locks.released)
	}
}
