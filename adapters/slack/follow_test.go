package slack

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// progress returns a Follow that reports n steps then the result.
func progress(n int, pause time.Duration) func(context.Context, func(*chat.Response) error) error {
	return func(ctx context.Context, update func(*chat.Response) error) error {
		for i := 1; i <= n; i++ {
			time.Sleep(pause)
			r := &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Text: fmt.Sprintf("step %d of %d", i, n)}
			if i == n {
				r.Title = "Done"
			}
			if err := update(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestFollowInAThreadPostsOnceThenUpdatesEachStep(t *testing.T) {
	e := newEnv(t, nil)
	e.a.h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Text: "starting", Follow: progress(3, 0)}, nil
	})
	e.post(t, PathEvents, "application/json", eventBody("EvF1", `{"type":"app_mention","user":"U0ALICE","text":"<@UBOT> scaffold","ts":"1700000000.000100","channel":"C0INC"}`), time.Now(), testSecret, nil)
	updates := e.fake.Wait("chat.update", 3, 3*time.Second)
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 1 || len(updates) != 3 {
		t.Fatalf("%d posts, %d updates; want 1 and 3", len(posts), len(updates))
	}
	for _, u := range updates {
		if u.Params.Get("ts") == "" || u.Params.Get("channel") != "C0INC" {
			t.Fatalf("update %v does not name the posted message", u.Params)
		}
	}
	if !strings.Contains(string(updates[2].Blocks), "Done") {
		t.Errorf("last update %s", updates[2].Blocks)
	}
}

func TestFollowKeepsTheLastResponseURLUseForTheResult(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BotToken = "" })
	e.a.h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Follow: progress(12, 0)}, nil
	})
	e.slash(t, "/callboard", "scaffold")
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(lastBody(e), "Done") {
		time.Sleep(10 * time.Millisecond)
	}
	calls := e.fake.Calls("response_url")
	if len(calls) != 5 {
		t.Fatalf("%d uses of response_url, want exactly 5", len(calls))
	}
	for _, c := range calls {
		if c.Status != 200 {
			t.Fatalf("refused: %s", c.Error)
		}
	}
	if !strings.Contains(string(calls[4].Body), "step 12 of 12") {
		t.Fatalf("result not delivered last: %s", calls[4].Body)
	}
}

func lastBody(e *env) string {
	c := e.fake.Calls("response_url")
	if len(c) == 0 {
		return ""
	}
	return string(c[len(c)-1].Body)
}

func TestResponseURLPostRetriesAfter429(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.RateLimit("response_url", time.Second, 1)
	_, owner := e.slash(t, "/callboard", "who owns payments-api")
	id, v := buttonValue(t, owner.Blocks, "Show dependents")
	calls := e.click(t, id, v, true)
	calls = e.fake.Wait("response_url", 2, 4*time.Second)
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Fatalf("calls %+v", calls)
	}
}

func TestFollowFailureIsReportedNotSilent(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BotToken = "" })
	e.a.h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Follow: func(ctx context.Context, update func(*chat.Response) error) error {
			return chat.NewUserError("The repository acme/new-svc already exists.",
				fmt.Errorf(`POST "http://127.0.0.1:8443/api/v3/orgs/acme/repos": 422 name already exists`))
		}}, nil
	})
	e.slash(t, "/callboard", "scaffold")
	calls := e.fake.Wait("response_url", 1, 3*time.Second)
	if len(calls) != 1 || !strings.Contains(string(calls[0].Body), "acme/new-svc already exists") {
		t.Fatalf("%d calls; the failure's public message was not shown", len(calls))
	}
	if strings.Contains(string(calls[0].Body), "127.0.0.1") {
		t.Errorf("the cause's internal address reached the user: %s", calls[0].Body)
	}
}

func TestCloseStopsSlowWork(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BotToken = "" })
	stopped := make(chan struct{})
	e.a.h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Title: "Waiting…", Follow: func(ctx context.Context, update func(*chat.Response) error) error {
			<-ctx.Done()
			close(stopped)
			return ctx.Err()
		}}, nil
	})
	e.slash(t, "/callboard", "scaffold")
	closed := make(chan struct{})
	go func() { e.a.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	select {
	case <-stopped:
	default:
		t.Fatal("slow work still running after Close")
	}
}

// Shutdown gives slow work its grace period: work that finishes within it
// delivers its answer; Close would have cut it.
func TestShutdownLetsSlowWorkFinish(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BotToken = "" })
	release := make(chan struct{})
	e.a.h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding…", Follow: func(ctx context.Context, update func(*chat.Response) error) error {
			select {
			case <-release:
			case <-ctx.Done(): // Close cancels the work
				return ctx.Err()
			}
			return update(&chat.Response{Status: chat.StatusOK, Title: "Created ledger-export"})
		}}, nil
	})
	e.slash(t, "/callboard", "scaffold")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.a.Shutdown(ctx) }()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	calls := e.fake.Wait("response_url", 1, 5*time.Second)
	if len(calls) == 0 || !strings.Contains(string(calls[len(calls)-1].Body), "Created ledger-export") {
		t.Fatalf("the finished work's answer was not delivered: %d calls", len(calls))
	}
}
