package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/scaffold"
)

// Three `serve` processes over one Redis; the one running a scaffold job is
// killed with SIGKILL mid-publish (GitHub holding its commit). Its claim is
// no longer renewed, another replica takes the job over within seconds and
// finishes it: one repository, one commit, and the chat message (followed by
// the replica that took the request) ends with the result.
func TestKilledReplicasJobIsFinishedByAnother(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts processes")
	}
	bin := buildBinary(t)
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("tallybird")
	// The commit's tree waits a minute (a secondary rate limit the client
	// waits out): the worker is killed during that wait.
	gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 1, githubtest.TooManyRequests(time.Minute))
	slackFake := slacktest.New()
	defer slackFake.Close()
	const secret = "marker-signing-secret-20c"
	examples, _ := filepath.Abs("../../examples/org/all.yaml")
	type proc struct {
		name, base string
		cmd        *exec.Cmd
		logs       *syncBuffer
		done       chan struct{}
	}
	start := func(name string, workers int) *proc {
		addr := freeAddr(t)
		cfg := fmt.Sprintf("server:\n  addr: %s\ncatalog:\n  sources: [%s]\ngithub:\n  api_url: %s\nredis:\n  url: %s\nscaffold:\n  workers: %d\n  claim_timeout: 3s\nlog:\n  format: text\n",
			addr, examples, gh.URL, rs.URL, workers)
		path := filepath.Join(t.TempDir(), "callboard.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		p := &proc{name: name, base: "http://" + addr, logs: &syncBuffer{}, done: make(chan struct{})}
		p.cmd = exec.Command(bin, "serve", "--config", path)
		p.cmd.Env = append(os.Environ(), "GITHUB_TOKEN="+githubtest.DefaultToken, "SLACK_SIGNING_SECRET="+secret)
		p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		t.Cleanup(func() {
			_ = p.cmd.Process.Kill()
			<-p.done
			if t.Failed() {
				t.Logf("replica %s logs:\n%s", name, p.logs.String())
			}
		})
		return p
	}
	// a takes the chat request and follows the message; b and c run jobs.
	a, b, c := start("a", 0), start("b", 2), start("c", 2)
	for _, p := range []*proc{a, b, c} {
		waitReady(t, p.base, 30*time.Second)
	}
	body := []byte(url.Values{"command": {"/callboard"}, "text": {scaffoldLedgerExport}, "user_id": {priya}, "team_id": {"T1"},
		"channel_id": {"C1"}, "trigger_id": {"20.kill.1"}, "response_url": {slackFake.ResponseURL()}}.Encode())
	resp, ack := postSlackSigned(t, a.base+"/slack/commands", secret, body)
	m := regexp.MustCompile(`job ([0-9a-f]{24})`).FindStringSubmatch(string(ack))
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("ack %d: %s", resp.StatusCode, ack)
	}
	id := m[1]
	waitFor(t, "the job reaches its commit", 20*time.Second, func() bool { return gh.Calls()["POST /repos/{owner}/{repo}/git/trees"] >= 1 })

	rc := rs.Client(t)
	job := func() *scaffold.Job {
		data, err := rc.Get(t.Context(), "callboard:job:"+id).Bytes()
		if err != nil {
			t.Fatalf("reading job %s: %v", id, err)
		}
		var j scaffold.Job
		if err := json.Unmarshal(data, &j); err != nil {
			t.Fatal(err)
		}
		return &j
	}
	pidOf := func(worker string) int {
		m := regexp.MustCompile(`-(\d+)-\d+$`).FindStringSubmatch(worker)
		if m == nil {
			t.Fatalf("worker %q names no process", worker)
		}
		pid, _ := strconv.Atoi(m[1])
		return pid
	}
	first := job()
	var victim, other *proc
	switch pidOf(first.Worker) {
	case b.cmd.Process.Pid:
		victim, other = b, c
	case c.cmd.Process.Pid:
		victim, other = c, b
	default:
		t.Fatalf("job %s runs on %q, neither b (%d) nor c (%d)", id, first.Worker, b.cmd.Process.Pid, c.cmd.Process.Pid)
	}
	if err := victim.cmd.Process.Kill(); err != nil { // SIGKILL: no hand-back, no last write
		t.Fatal(err)
	}
	killed := time.Now()
	<-victim.done
	var final *scaffold.Job
	waitFor(t, "another replica finishes the job", 2*time.Minute, func() bool {
		final = job()
		return final.Finished()
	})
	recovery := time.Since(killed)
	t.Logf("replica %s killed mid-publish; replica %s finished the job %v later", victim.name, other.name, recovery.Round(time.Millisecond))
	if final.State != scaffold.JobSucceeded || pidOf(final.Worker) != other.cmd.Process.Pid {
		t.Fatalf("job %s on %q: %s", final.State, final.Worker, final.Error)
	}
	if recovery > time.Minute {
		t.Errorf("recovery took %v; the claim timeout is 3 s", recovery)
	}
	if n := strings.Count(strings.Join(final.Exists(), "\n"), "repository https://github.com/tallybird/ledger-export"); n != 1 {
		t.Errorf("job says %v", final.Exists())
	}
	if cs := gh.Repo("tallybird", "ledger-export").Commits("main"); len(cs) != 1 {
		t.Errorf("%d commits, want 1", len(cs))
	}
	// The message a answered with ends with the result.
	waitFor(t, "the chat message to show the result", 20*time.Second, func() bool {
		calls := slackFake.Calls("response_url")
		return len(calls) > 0 && strings.Contains(string(calls[len(calls)-1].Body), "Scaffolded ledger-export")
	})
}
