package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// Requests beyond limits.burst are denied, per process without Redis and
// across replicas with it; with Redis every request lands in the audit stream.
func TestServeLimitsRequestsPerUserAndAudits(t *testing.T) {
	base := "limits:\n  per_user_rate: 0.001\n  burst: 2\ncatalog:\n  sources: [testdata/org.yaml]\n"
	tests := []struct {
		name     string
		redis    bool
		replicas int
	}{
		{"in memory", false, 1},
		{"redis shared by two replicas", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := base
			if tt.redis {
				text += "redis:\n  url: redis://" + startRedis(t) + "/0\n"
			}
			cfg, err := LoadConfig(writeConfig(t, text), envOf(nil))
			if err != nil {
				t.Fatal(err)
			}
			var servers []*Main
			var logs syncBuffer // the audit writer writes while the test reads
			for range tt.replicas {
				s, err := openMain(t.Context(), cfg, newLogger(&logs, cfg.Log, nil))
				if err != nil {
					t.Fatal(err)
				}
				if s.redis != nil {
					t.Cleanup(func() { s.redis.Close() })
				}
				servers = append(servers, s)
			}
			var got []chat.Status
			for i := range 4 {
				s := servers[i%len(servers)]
				req := &chat.Request{Text: "help", Platform: chat.PlatformSlack, User: chat.User{ID: "U1"}, DeliveryID: fmt.Sprint("d", i)}
				resp, err := s.app.Router.Handle(t.Context(), req)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, resp.Status)
			}
			want := []chat.Status{chat.StatusOK, chat.StatusOK, chat.StatusDenied, chat.StatusDenied}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("statuses %v; want %v", got, want)
			}
			other, err := servers[0].app.Router.Handle(t.Context(), &chat.Request{Text: "help", Platform: chat.PlatformSlack, User: chat.User{ID: "U2"}, DeliveryID: "other"})
			if err != nil || other.Status != chat.StatusOK {
				t.Fatalf("another user was limited too: %v %v", other, err)
			}
			if tt.redis {
				n, err := servers[0].redis.Client.XLen(t.Context(), "callboard:audit").Result()
				if err != nil || n != 5 {
					t.Fatalf("audit stream holds %d entries (%v); want 5", n, err)
				}
			} else if c := auditLines(&logs, 5); c < 5 {
				t.Fatalf("%d audit log lines; want 5:\n%s", c, logs.String())
			}
		})
	}
}

// auditLines counts the audit lines in logs, waiting (up to a minute) for
// want of them: the audit log is written off the request path.
func auditLines(logs *syncBuffer, want int) int {
	deadline := time.Now().Add(time.Minute)
	for {
		c := strings.Count(logs.String(), "audit")
		if c >= want || time.Now().After(deadline) {
			return c
		}
		time.Sleep(10 * time.Millisecond)
	}
}
