package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

// Three replicas on a Redis Cluster, each configured with one address of it
// (as a managed service's configuration endpoint is): every webhook that
// reaches a follower is handed to the leader, which refreshes; and with the
// master holding the scaffold queue down, readiness says Redis is
// unreachable and a scaffold request gets a plain sentence, not the dial
// error.
func TestReplicasOnAClusterThroughOneEndpoint(t *testing.T) {
	cl := redistest.StartCluster(t)
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	gh.AddToken("marker-cluster-token-5c2d")
	gh.AddRepo("acme", "ledger", map[string]string{"catalog-info.yaml": ledgerDescriptor})
	gh.AddRepo("acme", "golden-paths", map[string]string{
		"catalog-info.yaml": `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: tiny-service}
spec:
  owner: group:default/team-payments
  type: service
  parameters:
    - properties: {name: {type: string}}
      required: [name]
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: "${{ parameters.name }}"}
`,
		"skeleton/README.md": "# ${{ values.name }}\n",
	})
	cfgText := fmt.Sprintf(`server:
  addr: 127.0.0.1:0
  shutdown_timeout: 2s
catalog:
  sources: ["github:acme"]
  refresh_interval: 1h
github:
  api_url: %s
redis:
  addrs: [%s]
`, gh.URL, cl.Addrs[0])
	env := envOf(map[string]string{"GITHUB_TOKEN": "marker-cluster-token-5c2d", "GITHUB_WEBHOOK_SECRET": "hook-secret-88"})
	logs := make([]*syncBuffer, 3)
	var replicas []*server
	for i := range 3 {
		cfg, err := LoadConfig(writeConfig(t, cfgText), env)
		if err != nil {
			t.Fatal(err)
		}
		logs[i] = &syncBuffer{}
		s, err := newServer(t.Context(), cfg, slog.New(slog.NewTextHandler(logs[i], nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = s.run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		replicas = append(replicas, s)
	}
	if l := logs[0].String(); !strings.Contains(l, "redis mode chosen") || !strings.Contains(l, "mode=cluster") {
		t.Fatalf("the log does not say cluster mode was chosen:\n%s", l)
	}
	has := func(s *server, name string) bool {
		_, ok := s.app.Store.Current().Get(catalog.Ref{Kind: "component", Namespace: "default", Name: name})
		return ok
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("every replica to serve the ledger", func() bool {
		for _, s := range replicas {
			if !has(s, "ledger") || s.notReady(t.Context()) != nil {
				return false
			}
		}
		return true
	})
	var followers []*server
	for _, s := range replicas {
		if !s.ingest.leading.Load() {
			followers = append(followers, s)
		}
	}
	if len(followers) != 2 {
		t.Fatalf("%d followers, want 2", len(followers))
	}

	// Every delivery to a follower is handed over: three to each.
	for n := 1; n <= 6; n++ {
		name := fmt.Sprintf("ledger-v%d", n)
		gh.Push("acme", "ledger", "main", map[string]string{"catalog-info.yaml": strings.Replace(ledgerDescriptor, "name: ledger", "name: "+name, 1)}, nil)
		body := []byte(`{"ref":"refs/heads/main","repository":{"name":"ledger","full_name":"acme/ledger","default_branch":"main","owner":{"login":"acme"}},"commits":[{"modified":["catalog-info.yaml"]}]}`)
		req := httptest.NewRequest(http.MethodPost, "/github/webhook", bytes.NewReader(body))
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprint("d-", n))
		req.Header.Set("X-Hub-Signature-256", github.Sign([]byte("hook-secret-88"), body))
		rec := httptest.NewRecorder()
		followers[n%2].handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("delivery %d to a follower: %d %s", n, rec.Code, rec.Body)
		}
		waitFor("every replica to see "+name, func() bool {
			for _, s := range replicas {
				if !has(s, name) {
					return false
				}
			}
			return true
		})
	}

	// Each hand-over reached the leader at the first try: the receiver
	// count is exact on a Cluster.
	for i, l := range logs {
		if strings.Contains(l.String(), "no catalog leader listened") {
			t.Fatalf("replica %d had to try a hand-over again:\n%s", i, l)
		}
	}

	// The master holding the scaffold queue goes down.
	down := cl.MasterOf(t, replicas[0].redis.Queue.Prefix+"jobs")
	cl.StopNode(down)
	for i, s := range replicas {
		why := s.notReady(t.Context())
		if len(why) == 0 || !strings.Contains(strings.Join(why, " "), "redis unreachable") {
			t.Errorf("replica %d readiness with a master down: %q", i, why)
		}
	}
	for i := range 4 {
		resp, err := followers[0].app.Router.Handle(t.Context(), &bot.Request{
			Text: fmt.Sprintf("scaffold tiny-service name=outage-%d", i), Platform: bot.PlatformSlack,
			User: bot.User{ID: "U1"}, DeliveryID: fmt.Sprint("outage-", i)})
		if err != nil {
			t.Fatal(err)
		}
		text := resp.Title + "\n" + resp.Text + fmt.Sprint(resp.Sections, resp.Fields)
		for _, raw := range []string{"dial tcp", "127.0.0.1", "connection refused", "redis"} {
			if strings.Contains(text, raw) {
				t.Fatalf("scaffold reply during the outage shows %q:\n%s", raw, text)
			}
		}
		if !strings.Contains(text, "reach its shared job") {
			t.Fatalf("scaffold reply during the outage does not say what happened:\n%s", text)
		}
	}
}
