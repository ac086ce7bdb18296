package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
)

// Before serve's first load of a GitHub organisation finishes, an answer
// says the catalog is still loading and how far the load has got (through
// the real Refresher and discovery against a fake GitHub); the log never
// names the embedded example organisation as loaded in its place.
func TestServeSaysHowFarTheFirstLoadHasGot(t *testing.T) {
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	for _, name := range []string{"ledger", "payments", "search"} {
		gh.AddRepo("acme", name, map[string]string{"catalog-info.yaml": fmt.Sprintf(
			"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n", name)})
	}
	// One repository answers 500 for a while: the first load cannot finish.
	gh.Fail("", "/repos/acme/search/contents/catalog-info.yaml", 100000, githubtest.ServerError())
	cfg, err := LoadConfig(writeConfig(t, "server:\n  addr: 127.0.0.1:0\n  shutdown_timeout: 2s\ncatalog:\n  sources: [\"github:acme\"]\n"),
		envOf(map[string]string{"GITHUB_TOKEN": githubtest.DefaultToken, "GITHUB_API_URL": gh.URL}))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	s, err := openMain(t.Context(), cfg, newLogger(&logs, LogConfig{Level: "debug", Format: "json"}, cfg.secrets.values()))
	if err != nil {
		t.Fatal(err)
	}
	s.refresh.RetryMin, s.refresh.RetryMax = 50*time.Millisecond, 100*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	}()
	var last string
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && !strings.Contains(last, "2 of 3 repositories read") {
		time.Sleep(20 * time.Millisecond)
		r := ask(t, s, "who owns ledger")
		last = r.Title + "\n" + r.Text
		if !strings.Contains(r.Title, "still loading") {
			t.Fatalf("before the first load finished: %s", last)
		}
	}
	if !strings.Contains(last, "So far: github:acme: 2 of 3 repositories read, 2 files found (started ") {
		t.Fatalf("the answer does not say how far the load has got:\n%s", last)
	}
	gh.ClearFaults()
	waitFor(t, "the load to finish", time.Minute, func() bool { return strings.Contains(ask(t, s, "who owns ledger").Title, "owned by") })
	for _, w := range []string{"Tallybird", "tallybird", `"entities":78`} {
		if strings.Contains(logs.String(), w) {
			t.Errorf("the log names the example organisation (%s) though the catalog is github:acme", w)
		}
	}
}
