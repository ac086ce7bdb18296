package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/adapters/slack/slacktest"
)

// digestClock is the digests' clock in these tests: the test sets the time,
// and sees who waits for which time.
type digestClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[chan struct{}]time.Time
}

func newDigestClock(now time.Time) *digestClock {
	return &digestClock{now: now, waiters: map[chan struct{}]time.Time{}}
}

func (c *digestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *digestClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	if !c.now.Before(t) {
		c.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	c.waiters[ch] = t
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiters, ch)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// set moves the clock to t, waking whoever waits for t or earlier.
func (c *digestClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	for ch, until := range c.waiters {
		if !until.After(t) {
			close(ch)
			delete(c.waiters, ch)
		}
	}
}

// waiting is how many wait for exactly t.
func (c *digestClock) waiting(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, until := range c.waiters {
		if until.Equal(t) {
			n++
		}
	}
	return n
}

const digestOrgBefore = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-ledger
  title: Team Ledger
  annotations: {slack.com/channel-id: C0LEDGER, pagerduty.com/service-id: PLEDGER}
spec: {type: team, children: [], members: [ada]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-quiet
  annotations: {slack.com/channel-name: "#quiet", pagerduty.com/service-id: PQUIET}
spec: {type: team, children: [], members: [bob]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ada}
spec: {memberOf: [team-ledger]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {memberOf: [team-quiet]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  links: [{url: "https://runbooks.example.com/ledger", type: runbook}]
spec: {type: service, lifecycle: production, owner: team-ledger, dependsOn: [resource:digest-signing-secret-9d1]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: old-export}
spec: {type: service, lifecycle: experimental, owner: team-ledger}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: quiet-service
  annotations: {backstage.io/techdocs-ref: dir:.}
  links: [{url: "https://runbooks.example.com/quiet", type: runbook}]
spec: {type: service, lifecycle: production, owner: team-quiet}
`

// digestOrgAfter: ledger got its docs, old-export is gone, payouts is new
// and has no runbook.
var digestOrgAfter = strings.Replace(
	strings.Replace(digestOrgBefore, "metadata: {name: old-export}\nspec: {type: service, lifecycle: experimental, owner: team-ledger}",
		"metadata:\n  name: payouts\n  annotations: {backstage.io/techdocs-ref: dir:.}\nspec: {type: service, lifecycle: production, owner: team-ledger}", 1),
	"  name: ledger\n", "  name: ledger\n  annotations: {backstage.io/techdocs-ref: dir:.}\n", 1)

// The digest goes out once per scheduled time however many replicas run
// (three sharing one real Redis, or one process without Redis), at the
// configured time zone's hour, to each team's Slack channel through the
// Slack fake; the second one lists what changed since the first.
func TestHealthDigestGoesOutOncePerScheduleAndListsChanges(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas int
		redis    bool
	}{{"three replicas, one Redis", 3, true}, {"one process, no Redis", 1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			fake := slacktest.New()
			t.Cleanup(fake.Close)
			dir := t.TempDir()
			org := filepath.Join(dir, "org.yaml")
			if err := os.WriteFile(org, []byte(digestOrgBefore), 0o644); err != nil {
				t.Fatal(err)
			}
			redisYAML := ""
			if tc.redis {
				redisYAML = "redis:\n  url: " + redistest.Start(t, redistest.Config{}).URL + "\n"
			}
			cfgText := fmt.Sprintf(`server:
  addr: 127.0.0.1:0
  shutdown_timeout: 2s
catalog:
  sources: [%s]
  refresh_interval: 1h
slack:
  api_url: %s
health:
  digest:
    schedule: "0 9 * * 1"
    timezone: Europe/Berlin
%s`, org, fake.APIURL(), redisYAML)
			env := envOf(map[string]string{"SLACK_SIGNING_SECRET": "digest-signing-secret-9d1", "SLACK_BOT_TOKEN": fake.Token})
			// Sunday noon in Berlin; the first digest is Monday 09:00 there.
			berlin, _ := time.LoadLocation("Europe/Berlin")
			clock := newDigestClock(time.Date(2026, 12, 6, 12, 0, 0, 0, berlin))
			first := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
			second, third := first.AddDate(0, 0, 7), first.AddDate(0, 0, 14)
			var servers []*Main
			for i := range tc.replicas {
				cfg, err := LoadConfig(writeConfig(t, cfgText), env)
				if err != nil {
					t.Fatal(err)
				}
				s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(testLogOut, nil)).With("replica", i))
				if err != nil {
					t.Fatal(err)
				}
				if s.digest == nil {
					t.Fatal("serve with Slack and a bot token runs no digest")
				}
				s.digest.Clock = clock
				ctx, stop := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { defer close(done); _ = s.Run(ctx) }()
				t.Cleanup(func() { stop(); <-done })
				servers = append(servers, s)
			}
			waitAll := func(what string, at time.Time) {
				t.Helper()
				waitFor(t, what, time.Minute, func() bool { return clock.waiting(at) == tc.replicas })
			}
			posts := func(channel string) []slacktest.Call {
				var out []slacktest.Call
				for _, c := range fake.Calls("chat.postMessage") {
					if c.Error == "" && c.Status == 200 && c.Params.Get("channel") == channel {
						out = append(out, c)
					}
				}
				return out
			}

			waitAll("every replica to wait for Monday 09:00 Berlin", first)
			clock.set(first)
			waitAll("every replica to be done with the first digest", second)
			ledger := posts("C0LEDGER")
			if len(ledger) != 1 {
				t.Fatalf("team-ledger got %d first digests, want exactly 1", len(ledger))
			}
			if b := string(ledger[0].Blocks); !strings.Contains(b, "First digest") || !strings.Contains(b, "no-docs") || !strings.Contains(b, "ledger") {
				t.Errorf("first digest:\n%s", b)
			}
			if n := len(posts("quiet")); n != 0 {
				t.Errorf("team-quiet has nothing to fix, yet got %d digests", n)
			}

			if err := os.WriteFile(org, []byte(digestOrgAfter), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, s := range servers {
				if err := s.app.Load(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			clock.set(second)
			waitAll("every replica to be done with the second digest", third)
			ledger = posts("C0LEDGER")
			if len(ledger) != 2 {
				t.Fatalf("team-ledger got %d digests after two scheduled times, want 2", len(ledger))
			}
			b := string(ledger[1].Blocks)
			for _, want := range []string{"Since the last digest (Mon 7 Dec 09:00 CET): 1 new problem, 1 fixed, 1 new entity, 1 removed.",
				"*New problems*", "payouts", "no-runbook", "*Fixed*", "*New entities*", "component:payouts", "*Removed entities*", "component:old-export"} {
				if !strings.Contains(b, want) {
					t.Errorf("second digest lacks %q:\n%s", want, b)
				}
			}
			if n := len(posts("quiet")); n != 0 {
				t.Errorf("team-quiet: %d digests, want none (nothing to fix, nothing changed)", n)
			}
			// A configured secret that happens to appear in the catalog (a
			// dangling reference named like it) never reaches a channel.
			for _, c := range fake.Calls("chat.postMessage") {
				if strings.Contains(string(c.Body), "digest-signing-secret-9d1") {
					t.Errorf("a digest shows the signing secret:\n%s", c.Blocks)
				}
			}
			if !strings.Contains(b, "dangling-relation") {
				t.Errorf("the open problems lack ledger's dangling relation:\n%s", b)
			}
		})
	}
}
