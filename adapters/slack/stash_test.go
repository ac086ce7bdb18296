package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/chat"
)

// longButton renders, on e's adapter, an answer with one action whose
// command is too long for a Slack button value, and returns that button.
func longButton(t *testing.T, e *env, name string) (command, actionID, value string) {
	t.Helper()
	command = "who owns " + name + strings.Repeat("-a-very-long-component-name", 80)
	resp := &chat.Response{Status: chat.StatusOK, Title: "Long",
		Actions: []chat.Action{{Label: "Run the long one", Command: command}}}
	m := e.a.render(resp, origin{command: "long"}, 0, "")
	actionID, value = buttonValue(t, mustJSON(m.Blocks), "Run the long one")
	if len(value) > maxButtonValue || strings.Contains(value, "a-very-long") {
		t.Fatalf("the long command was not kept behind a key: %d bytes", len(value))
	}
	return command, actionID, value
}

// Two replicas share a Redis stash: a button whose value was too long for
// Slack, rendered by one, runs its whole command when the click reaches the
// other.
func TestLongButtonValueWorksOnAnotherReplica(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	// No retries: once Redis is stopped, a call fails at once.
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	stash := &redis.Stash{C: c, Prefix: "slack-test:"}
	withStash := func(c *Config) { c.Stash = stash }
	one, two := newEnv(t, withStash), newEnv(t, withStash)

	command, id, v := longButton(t, one, "first")
	m := decodeCall(t, two.click(t, id, v, true)[0])
	reqs := two.h.requests()
	if len(reqs) != 1 || reqs[0].Text != command {
		t.Fatalf("replica two ran %d requests (%.40q…) for the long button: %s", len(reqs), lastText(reqs), m.Blocks)
	}
	if strings.Contains(m.Text, "expired") {
		t.Fatalf("replica two answered %q", m.Text)
	}
	// Replica two now holds it too; and replica one still answers it.
	ref, err := decodeValue(v)
	if err != nil || ref.Ref == "" {
		t.Fatalf("button value %q: %v", v, err)
	}
	if got, ok := two.a.values.local.get(ref.Ref); !ok || !strings.Contains(got.v, command) {
		t.Fatal("replica two did not keep the value it read from the stash")
	}
	decodeCall(t, one.click(t, id, v, true)[0])
	if reqs := one.h.requests(); len(reqs) != 1 || reqs[0].Text != command {
		t.Fatalf("replica one ran %.40q…", lastText(reqs))
	}

	// Rendered again (as every part of a long answer renders it all), the
	// button carries the same key and the stash holds the value once.
	if _, _, again := longButton(t, one, "first"); again != v {
		t.Fatalf("rendered again, the button carries %q, first %q", again, v)
	}
	if keys, err := c.Keys(context.Background(), "slack-test:*").Result(); err != nil || len(keys) != 1 {
		t.Fatalf("stash keys %v (%v), want one", keys, err)
	}

	// With Redis down, a value only the other replica holds is not known
	// to have expired: the answer says to try again.
	rs.Stop()
	_, id, v = longButtonLocalOnly(t, one)
	m = decodeCall(t, two.click(t, id, v, true)[0])
	if !strings.Contains(m.Text, "try again") || strings.Contains(m.Text, "expired") {
		t.Fatalf("with the stash down, replica two answered %q", m.Text)
	}
	// The replica that rendered it still runs it.
	before := len(one.h.requests())
	decodeCall(t, one.click(t, id, v, true)[0])
	if n := len(one.h.requests()); n != before+1 {
		t.Fatalf("replica one ran %d requests for its own button with the stash down", n-before)
	}
}

// longButtonLocalOnly is longButton (for a command not rendered before)
// while the stash is down: the value stays on the rendering replica.
func longButtonLocalOnly(t *testing.T, e *env) (string, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := e.a.values.remote.Put(ctx, "probe", []byte("x"), time.Second); err == nil {
		t.Fatal("the stash still answers")
	}
	return longButton(t, e, "second")
}

// Without a stash a long value stays in the process that rendered it: the
// same click on another replica says the button expired.
func TestLongButtonValueWithoutStashIsLocal(t *testing.T) {
	one, two := newEnv(t, nil), newEnv(t, nil)
	_, id, v := longButton(t, one, "first")
	m := decodeCall(t, two.click(t, id, v, true)[0])
	if !strings.Contains(m.Text, "expired") || len(two.h.requests()) != 0 {
		t.Fatalf("replica two answered %q after %d requests", m.Text, len(two.h.requests()))
	}
	decodeCall(t, one.click(t, id, v, true)[0])
	if len(one.h.requests()) != 1 {
		t.Fatal("replica one did not run its own button")
	}
}

func lastText(reqs []chat.Request) string {
	if len(reqs) == 0 {
		return ""
	}
	return reqs[len(reqs)-1].Text
}

// A value rendered again is not written to the stash again within the
// hour, and is after it, so the stash outlives the button's latest render.
func TestLongValueIsSharedAgainAfterAnHour(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	c := rs.Client(t)
	ctx := context.Background()
	now := time.Now()
	s := newValueStore(&redis.Stash{C: c, Prefix: "slack-test:"}, nil)
	s.now = func() time.Time { return now }
	v := strings.Repeat("v", 2500)
	k := s.put(v)
	key := "slack-test:stash:" + valueStashPrefix + k
	ttl, err := c.PTTL(ctx, key).Result()
	if err != nil || ttl < valueTTL {
		t.Fatalf("stash TTL %v (%v), want more than %v", ttl, err, valueTTL)
	}
	if err := c.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	now = now.Add(valueReshare - time.Minute)
	if s.put(v) != k {
		t.Fatal("the same value got another key")
	}
	if n, _ := c.Exists(ctx, key).Result(); n != 0 {
		t.Fatal("written to the stash again within the hour")
	}
	now = now.Add(2 * time.Minute)
	s.put(v)
	if got, err := c.Get(ctx, key).Result(); err != nil || got != v {
		t.Fatalf("not written again after an hour: %.20q %v", got, err)
	}
}
