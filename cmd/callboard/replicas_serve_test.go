package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

const ledgerDescriptor = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: group:default/team-payments
`

// tinyServiceTemplate is a one-step Software Template (fetch ./skeleton with
// the name filled in) for the replica tests' golden-paths repository.
const tinyServiceTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
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
`

// servesComponent reports whether s's current catalog holds component name.
func servesComponent(s *Main, name string) bool {
	_, ok := s.app.Store.Current().Get(catalog.Ref{Kind: "component", Namespace: "default", Name: name})
	return ok
}

// Several replicas share one Redis: one leads ingestion from GitHub and
// publishes; the others answer from what it published, docs included, never
// calling GitHub themselves; a webhook reaching a follower is carried out by
// the leader; and when the leader stops, another replica takes over.
func TestReplicasShareOneIngestLeader(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	gh.AddToken("marker-replica-token-4a1b")
	gh.AddRepo("acme", "ledger", map[string]string{
		"catalog-info.yaml": ledgerDescriptor,
		"mkdocs.yml":        "site_name: Ledger\nnav:\n  - Home: index.md\n  - Runbook: runbook.md\n",
		"docs/index.md":     "# Ledger\n\nKeeps balances.\n",
		"docs/runbook.md":   "# Runbook\n\n## Reconciliation lag\n\nRestart the reconciler when the lag alarm fires.\n",
	})
	gh.AddRepo("acme", "golden-paths", map[string]string{
		"catalog-info.yaml":          tinyServiceTemplate,
		"skeleton/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec: {type: service, lifecycle: experimental, owner: group:default/team-payments}\n",
		"skeleton/README.md":         "# ${{ values.name }}\n",
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
  url: %s
`, gh.URL, rs.URL)
	env := map[string]string{"GITHUB_TOKEN": "marker-replica-token-4a1b", "GITHUB_WEBHOOK_SECRET": "hook-secret-77"}
	start := func() *replica { return startReplica(t, cfgText, env, "", io.Discard) }
	has := func(r *replica, name string) bool { return servesComponent(r.s, name) }
	until := func(what string, cond func() bool) { t.Helper(); waitFor(t, what, 15*time.Second, cond) }
	replicas := []*replica{start(), start(), start()}
	until("every replica to serve the ledger", func() bool {
		for _, r := range replicas {
			if !has(r, "ledger") || r.s.notReady(t.Context()) != nil {
				return false
			}
		}
		return true
	})
	leaders := func() (lead []*replica, follow []*replica) {
		for _, r := range replicas {
			if r.s.ingest.Leading() {
				lead = append(lead, r)
			} else {
				follow = append(follow, r)
			}
		}
		return
	}
	lead, follow := leaders()
	if len(lead) != 1 {
		t.Fatalf("%d replicas lead ingestion, want exactly 1", len(lead))
	}
	for i, f := range follow {
		for _, src := range f.s.refresh.Status().Sources {
			if !src.LastSuccess.IsZero() {
				t.Errorf("follower %d read %s itself; only the leader should call GitHub", i, src.Name)
			}
		}
		// Docs reach followers in the bundle, not from files they lack.
		var hits []docs.Hit
		until("the follower's doc index", func() bool {
			hits, _ = f.s.app.Docs.Current().Search("reconciliation lag", docs.SearchOptions{})
			return len(hits) > 0
		})
		if hits[0].Page != "runbook.md" {
			t.Errorf("follower %d: docs search found %+v, want the runbook", i, hits[0])
		}
		// A template discovered by the leader runs on a follower: its
		// skeleton came in the bundle.
		resp, err := f.s.app.Router.Handle(t.Context(), &chat.Request{Text: "scaffold tiny-service name=ledger-export --dry-run", Platform: chat.PlatformSlack, User: chat.User{ID: "U1"}})
		if err != nil || resp.Status != chat.StatusOK || !strings.Contains(resp.Text+fmt.Sprint(resp.Sections), "ledger-export") {
			t.Errorf("follower %d dry run: %v %+v", i, err, resp)
		}
		health := refreshHealth{r: f.s.refresh, in: f.s.ingest}.CatalogHealth()
		if len(health) != 1 || !strings.Contains(health[0].Name, "catalog leader") || health[0].Entities == 0 {
			t.Errorf("follower %d catalog status = %+v, want the leader's version", i, health)
		}
	}

	// A push webhook delivered to a follower: the leader refreshes and publishes.
	gh.Push("acme", "ledger", "main", map[string]string{"catalog-info.yaml": strings.Replace(ledgerDescriptor, "name: ledger", "name: ledger-v2", 1)}, nil)
	body := []byte(`{"ref":"refs/heads/main","repository":{"name":"ledger","full_name":"acme/ledger","default_branch":"main","owner":{"login":"acme"}},"commits":[{"modified":["catalog-info.yaml"]}]}`)
	req := httptest.NewRequest(http.MethodPost, "/github/webhook", bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "d-1")
	req.Header.Set("X-Hub-Signature-256", github.Sign([]byte("hook-secret-77"), body))
	rec := httptest.NewRecorder()
	follow[0].s.handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("webhook on a follower: %d %s", rec.Code, rec.Body)
	}
	until("every replica to see the pushed change", func() bool {
		for _, r := range replicas {
			if !has(r, "ledger-v2") {
				return false
			}
		}
		return true
	})

	// The leader stops while GitHub is failing: a follower takes the lock,
	// but its first read fails, and it keeps serving (and does not publish)
	// what it followed rather than a catalog without GitHub's entities.
	gh.Fail("", "", 1_000_000, githubtest.Fault{Status: 401, Message: "Bad credentials"})
	gh.ResetCalls()
	lead[0].stop()
	<-lead[0].done
	replicas = follow
	until("a new leader", func() bool { l, _ := leaders(); return len(l) == 1 })
	newLead, _ := leaders()
	until("the new leader to try GitHub", func() bool { return gh.Requests() > 0 })
	time.Sleep(time.Second) // the failing read (with its retries) runs; a publish would reach the followers
	for _, src := range newLead[0].s.refresh.Status().Sources {
		if strings.HasPrefix(src.Name, "github:") && !src.LastSuccess.IsZero() {
			t.Fatalf("GitHub is failing, yet %s loaded", src.Name)
		}
	}
	for _, r := range replicas {
		if !has(r, "ledger-v2") {
			t.Fatalf("a replica lost the catalog when the new leader could not read GitHub")
		}
	}
	// GitHub recovers: the new leader's next refresh reads it and publishes.
	gh.ClearFaults()
	go func() { _ = newLead[0].s.refresh.Refresh(t.Context()) }()
	until("the new leader's own read of GitHub", func() bool {
		for _, src := range newLead[0].s.refresh.Status().Sources {
			if src.LastSuccess.IsZero() {
				return false
			}
		}
		return true
	})
	for _, r := range replicas {
		if !has(r, "ledger-v2") {
			t.Errorf("a replica lost the catalog across the failover")
		}
	}
}
