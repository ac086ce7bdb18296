package redis

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/bottest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

var prefixes atomic.Int64

func prefix() string { return fmt.Sprintf("t%d:", prefixes.Add(1)) }

func client(t testing.TB, s *redistest.Server) goredis.UniversalClient {
	c, err := NewClient(Options{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestStashSuite(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	bottest.RunStashSuite(t, func(t *testing.T) chat.Stash { return &Stash{C: c, Prefix: prefix()} })
}

func TestDedupeSuite(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	bottest.RunDedupeSuite(t, func(t *testing.T) chat.Dedupe { return &Dedupe{C: c, Prefix: prefix()} })
}

func TestRateLimiterSuite(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	bottest.RunRateLimiterSuite(t, func(t *testing.T, rate float64, burst int) chat.RateLimiter {
		return &RateLimiter{C: c, Prefix: prefix(), Rate: rate, Burst: burst}
	})
}

func TestLockerSuite(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	bottest.RunLockerSuite(t, func(t *testing.T) chat.Locker {
		return &Locker{C: c, Prefix: prefix(), TTL: time.Second, Retry: 20 * time.Millisecond}
	})
}

func TestJobStateSuite(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	vis := 200 * time.Millisecond
	scaffoldtest.RunStateSuite(t,
		func(t *testing.T) scaffold.JobStore { return &JobStore{C: c, Prefix: prefix()} },
		func(t *testing.T) scaffold.Queue { return &Queue{C: c, Prefix: prefix(), Visibility: vis} },
		vis)
}

func TestAuditIsAppendedToACappedStream(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	a := &Audit{C: c, Prefix: prefix(), MaxLen: 10}
	ctx := context.Background()
	for i := range 500 {
		if err := a.Record(ctx, chat.AuditEntry{Time: time.Now(), Platform: "slack", UserID: "U1", Text: fmt.Sprint("who owns ", i), Command: "owner"}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := c.XLen(ctx, a.Prefix+"audit").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 || n >= 500 {
		t.Fatalf("audit stream holds %d entries, want about 10 (capped)", n)
	}
	last, err := c.XRevRangeN(ctx, a.Prefix+"audit", "+", "-", 1).Result()
	if err != nil || len(last) != 1 || !contains(fmt.Sprint(last[0].Values["entry"]), "who owns 499") {
		t.Fatalf("last audit entry = %v, %v", last, err)
	}
}

func contains(s, sub string) bool { return len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		{"RedisURL", Options{URL: "redis://:secret@127.0.0.1:1/2"}, false},
		{"TLSURL", Options{URL: "rediss://127.0.0.1:1"}, false},
		{"SentinelAddrs", Options{Addrs: []string{"a:26379", "b:26379"}, MasterName: "mymaster"}, false},
		{"BadScheme", Options{URL: "http://secret@127.0.0.1:1"}, true},
		{"Nothing", Options{}, true},
		{"BothURLAndAddrs", Options{URL: "redis://a:1", Addrs: []string{"b:1"}}, true},
		{"MissingPasswordFile", Options{Addrs: []string{"a:1"}, PasswordFile: "/nonexistent/pw"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && indexOf(err.Error(), "secret") >= 0 {
				t.Fatalf("error leaks the password: %v", err)
			}
			if c != nil {
				_ = c.Close()
			}
			if indexOf(tt.opts.String(), "secret") >= 0 {
				t.Fatalf("String leaks the password: %s", tt.opts.String())
			}
		})
	}
}

func TestUnavailableRedisFailsQuicklyAndRecovers(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	ctx := context.Background()
	if err := Healthy(ctx, c); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	start := time.Now()
	store := &JobStore{C: c, Prefix: prefix()}
	_, _, err := store.Create(ctx, &scaffold.Job{ID: "j1", Key: "k1"})
	if err == nil || indexOf(err.Error(), "refused") < 0 {
		t.Fatalf("Create with Redis down = %v, want a refusal", err)
	}
	if Healthy(ctx, c) == nil {
		t.Fatal("Healthy with Redis down")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("failing took %v", d)
	}
	s.Restart()
	if err := Healthy(ctx, c); err != nil {
		t.Fatalf("client did not reconnect: %v", err)
	}
	if _, created, err := store.Create(ctx, &scaffold.Job{ID: "j1", Key: "k1"}); err != nil || !created {
		t.Fatalf("Create after restart = %v, %v", created, err)
	}
}

func TestOpenWiresEveryStateOverOneClient(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	st, err := Open(Options{URL: srv.URL, KeyPrefix: prefix()}, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Dedupe.FirstSeen(ctx, "e", time.Minute); err != nil || !ok {
		t.Fatalf("FirstSeen = %v, %v", ok, err)
	}
	for i, want := range []bool{true, true, false} {
		if ok, _, err := st.Limiter.Allow(ctx, "u"); err != nil || ok != want {
			t.Fatalf("Allow %d = %v, %v; want %v", i, ok, err, want)
		}
	}
	if n, err := st.Client.Exists(ctx, st.Dedupe.Prefix+"dedupe:e").Result(); err != nil || n != 1 {
		t.Fatalf("dedupe key not under the prefix: %v, %v", n, err)
	}
}

func TestJobRecordsExpire(t *testing.T) {
	c := client(t, redistest.Start(t, redistest.Config{}))
	store := &JobStore{C: c, Prefix: prefix(), TTL: 200 * time.Millisecond}
	ctx := context.Background()
	job := &scaffold.Job{ID: "j-exp", Key: "k-exp", State: scaffold.JobQueued}
	if _, created, err := store.Create(ctx, job); err != nil || !created {
		t.Fatalf("Create = %v, %v", created, err)
	}
	if got, err := store.Get(ctx, "j-exp"); err != nil || got.State != scaffold.JobQueued {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, err := store.Get(ctx, "j-exp"); err != scaffold.ErrJobNotFound {
		t.Fatalf("Get after expiry err = %v, want ErrJobNotFound", err)
	}
	if _, created, err := store.Create(ctx, &scaffold.Job{ID: "j-new", Key: "k-exp"}); err != nil || !created {
		t.Fatalf("the expired key still blocks a new job: %v, %v", created, err)
	}
}
