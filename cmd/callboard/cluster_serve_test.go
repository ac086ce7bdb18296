package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/bot/chat"
)

// replicaSet is three `serve` replicas of one configuration over a GitHub
// fake holding the ledger and a template, each with its own log.
type replicaSet struct {
	t        *testing.T
	gh       *githubtest.Server
	replicas []*Main
	logs     []*syncBuffer
	pushes   int
}

func startReplicaSet(t *testing.T, redisYAML string) *replicaSet {
	t.Helper()
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	gh.AddToken("marker-cluster-token-5c2d")
	gh.AddRepo("acme", "ledger", map[string]string{"catalog-info.yaml": ledgerDescriptor})
	gh.AddRepo("acme", "golden-paths", map[string]string{
		"catalog-info.yaml":  tinyServiceTemplate,
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
%s`, gh.URL, redisYAML)
	env := map[string]string{"GITHUB_TOKEN": "marker-cluster-token-5c2d", "GITHUB_WEBHOOK_SECRET": "hook-secret-88"}
	rs := &replicaSet{t: t, gh: gh}
	for range 3 {
		l := &syncBuffer{}
		rs.replicas = append(rs.replicas, startReplica(t, cfgText, env, "", l).s)
		rs.logs = append(rs.logs, l)
	}
	rs.waitFor("every replica to serve the ledger", func() bool {
		for _, s := range rs.replicas {
			if !rs.has(s, "ledger") || s.notReady(t.Context()) != nil {
				return false
			}
		}
		return true
	})
	return rs
}

func (rs *replicaSet) has(s *Main, name string) bool { return servesComponent(s, name) }

func (rs *replicaSet) waitFor(what string, cond func() bool) {
	rs.t.Helper()
	waitFor(rs.t, what, 30*time.Second, cond)
}

func (rs *replicaSet) followers() []*Main {
	var out []*Main
	for _, s := range rs.replicas {
		if !s.ingest.Leading() {
			out = append(out, s)
		}
	}
	return out
}

// push changes the ledger's name on GitHub and delivers the push webhook to
// s; it returns the HTTP status and the new name.
func (rs *replicaSet) push(s *Main) (int, string, string) {
	rs.pushes++
	name := fmt.Sprintf("ledger-v%d", rs.pushes)
	rs.gh.Push("acme", "ledger", "main", map[string]string{"catalog-info.yaml": strings.Replace(ledgerDescriptor, "name: ledger", "name: "+name, 1)}, nil)
	// Every push GitHub sends names its own commit (after), so no two
	// pushes share a payload: a payload seen before is a replay.
	body := []byte(`{"ref":"refs/heads/main","after":"` + fmt.Sprintf("%040x", rs.pushes) + `","repository":{"name":"ledger","full_name":"acme/ledger","default_branch":"main","owner":{"login":"acme"}},"commits":[{"modified":["catalog-info.yaml"]}]}`)
	req := httptest.NewRequest(http.MethodPost, "/github/webhook", bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", fmt.Sprint("d-", rs.pushes))
	req.Header.Set("X-Hub-Signature-256", github.Sign([]byte("hook-secret-88"), body))
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), name
}

// everyoneHas waits until every replica serves name.
func (rs *replicaSet) everyoneHas(name string) {
	rs.t.Helper()
	rs.waitFor("every replica to see "+name, func() bool {
		for _, s := range rs.replicas {
			if !rs.has(s, name) {
				return false
			}
		}
		return true
	})
}

// Three replicas on a Redis Cluster, each configured with one address of it
// (as a managed service's configuration endpoint is): every webhook that
// reaches a follower is handed to the leader at the first try, and the
// leader refreshes; and with the master holding the scaffold queue down,
// readiness says Redis is unreachable and a scaffold request gets a plain
// sentence, not the dial error.
func TestReplicasOnAClusterThroughOneEndpoint(t *testing.T) {
	cl := redistest.StartCluster(t)
	rs := startReplicaSet(t, fmt.Sprintf("redis:\n  addrs: [%s]\n", cl.Addrs[0]))
	if l := rs.logs[0].String(); !strings.Contains(l, "redis mode chosen") || !strings.Contains(l, "mode=cluster") {
		t.Fatalf("the log does not say cluster mode was chosen:\n%s", l)
	}
	followers := rs.followers()
	if len(followers) != 2 {
		t.Fatalf("%d followers, want 2", len(followers))
	}
	// Every delivery to a follower is handed over: three to each.
	for n := range 6 {
		code, body, name := rs.push(followers[n%2])
		if code != http.StatusOK {
			t.Fatalf("delivery %d to a follower: %d %s", n, code, body)
		}
		rs.everyoneHas(name)
	}
	// Each hand-over reached the leader at the first try: the receiver
	// count is exact on a Cluster.
	for i, l := range rs.logs {
		if strings.Contains(l.String(), "no catalog leader listened") {
			t.Fatalf("replica %d had to try a hand-over again:\n%s", i, l)
		}
	}

	// The master holding the scaffold queue goes down.
	replicas := rs.replicas
	down := cl.MasterOf(t, replicas[0].redis.Queue.Prefix+"jobs")
	cl.StopNode(down)
	for i, s := range replicas {
		// Still ready (lookups come from memory); Redis is reported apart.
		if why, st := s.notReady(t.Context()), s.redisState(t.Context()); len(why) != 0 || !strings.HasPrefix(st, "unreachable") {
			t.Errorf("replica %d with a master down: not ready for %q, redis %q", i, why, st)
		}
	}
	for i := range 4 {
		resp, err := followers[0].app.Router.Handle(t.Context(), &chat.Request{
			Text: fmt.Sprintf("scaffold tiny-service name=outage-%d", i), Platform: chat.PlatformSlack,
			User: chat.User{ID: "U1"}, DeliveryID: fmt.Sprint("outage-", i)})
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

// Three replicas through Sentinel: a follower's webhook is handed over; the
// master fails over to its replica, and the replicas find the new master,
// elect a leader again and go on handing webhooks over.
func TestReplicasThroughSentinelAcrossAFailover(t *testing.T) {
	sn := redistest.StartSentinel(t)
	rs := startReplicaSet(t, fmt.Sprintf("redis:\n  addrs: [%s]\n  master_name: %s\n", sn.Addr, sn.MasterName))
	if l := rs.logs[0].String(); !strings.Contains(l, "mode=sentinel") {
		t.Fatalf("the log does not say Sentinel mode was chosen:\n%s", l)
	}
	for n := range 2 {
		code, body, name := rs.push(rs.followers()[n%2])
		if code != http.StatusOK {
			t.Fatalf("delivery %d to a follower: %d %s", n, code, body)
		}
		rs.everyoneHas(name)
	}
	sn.StopMaster()
	rs.waitFor("the sentinel to promote the replica", func() bool { return sn.CurrentMaster(t) == sn.Replica })
	// The old leader's lock outlives its renewals on the promoted replica:
	// a leader is elected again once it expires (the lock's TTL, 10 s).
	rs.waitFor("every replica ready on the new master, one leading", func() bool {
		leaders := 0
		for _, s := range rs.replicas {
			if s.notReady(t.Context()) != nil {
				return false
			}
			if s.ingest.Leading() {
				leaders++
			}
		}
		return leaders == 1
	})
	// The leader may still be subscribing on the new master: GitHub's
	// redelivery is a new delivery, as here.
	var name string
	rs.waitFor("a hand-over after the failover", func() bool {
		f := rs.followers()
		if len(f) == 0 {
			return false
		}
		var code int
		code, _, name = rs.push(f[0])
		return code == http.StatusOK
	})
	rs.everyoneHas(name)
}
