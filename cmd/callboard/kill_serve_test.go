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

	goredis "github.com/redis/go-redis/v9"

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
	const secret = "marker-signing-secret-20c"
	start, rs, gh, slackFake := killScene(t, secret)
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
	job := func() *scaffold.Job { return redisJob(t, rc, id) }
	pidOf := func(worker string) int { return workerPID(t, worker) }
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
	// a followed the message to the end, so the worker that finished left
	// it to a: once its watch key lapses (6 s) a second post would show.
	time.Sleep(9 * time.Second)
	n := 0
	for _, c := range slackFake.Calls("response_url") {
		if strings.Contains(string(c.Body), "Scaffolded ledger-export") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d posts of the result, want 1", n)
	}
}

// proc is one `serve` process of a test.
type proc struct {
	name, base string
	cmd        *exec.Cmd
	logs       *syncBuffer
	done       chan struct{}
}

// killConfig is a replica's configuration: workers job workers, 3 s claims.
func killConfig(t *testing.T, ghURL, redisURL string, workers int) string {
	examples, _ := filepath.Abs("../../examples/org/all.yaml")
	return fmt.Sprintf("server:\n  addr: %s\ncatalog:\n  sources: [%s]\ngithub:\n  api_url: %s\nredis:\n  url: %s\nscaffold:\n  workers: %d\n  claim_timeout: 3s\nlog:\n  format: text\n",
		freeAddr(t), examples, ghURL, redisURL, workers)
}

// killScene is what both kill tests stand on: the built binary, a private
// Redis, a fake GitHub whose commit tree waits a minute (a secondary rate
// limit the client waits out, so a replica can be killed during that wait)
// and a fake Slack; start runs one replica with that many workers.
func killScene(t *testing.T, secret string) (start func(name string, workers int) *proc, rs *redistest.Server, gh *githubtest.Server, slackFake *slacktest.Server) {
	t.Helper()
	bin := buildBinary(t)
	rs = redistest.Start(t, redistest.Config{})
	gh = githubtest.New(t)
	gh.AddOrg("tallybird")
	gh.Fail("POST", "/repos/{owner}/{repo}/git/trees", 1, githubtest.TooManyRequests(time.Minute))
	slackFake = slacktest.New()
	t.Cleanup(slackFake.Close)
	start = func(name string, workers int) *proc {
		return startProc(t, bin, name, killConfig(t, gh.URL, rs.URL, workers), "GITHUB_TOKEN="+githubtest.DefaultToken, "SLACK_SIGNING_SECRET="+secret)
	}
	return start, rs, gh, slackFake
}

// startProc starts bin serve with cfg until the test ends (its logs are
// shown if the test fails).
func startProc(t *testing.T, bin, name, cfg string, env ...string) *proc {
	t.Helper()
	addr := regexp.MustCompile(`addr: (\S+)`).FindStringSubmatch(cfg)[1]
	path := filepath.Join(t.TempDir(), "callboard.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, base: "http://" + addr, logs: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--config", path)
	p.cmd.Env = append(os.Environ(), env...)
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

// workerPID is the process a job's worker name ("host-PID-N") names.
func workerPID(t *testing.T, worker string) int {
	t.Helper()
	m := regexp.MustCompile(`-(\d+)-\d+$`).FindStringSubmatch(worker)
	if m == nil {
		t.Fatalf("worker %q names no process", worker)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// redisJob reads job id as the replicas keep it.
func redisJob(t *testing.T, rc *goredis.Client, id string) *scaffold.Job {
	t.Helper()
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

// The replica that took a Slack scaffold request, and ran its job, is
// killed mid-publish: its follow-up of the message dies with it. Another
// replica takes the job over, finishes it, finds nobody following the
// message and posts the result to the request's response_url: exactly
// once, and the address shows in no log.
func TestKilledReplicasMessageGetsTheResultFromTheReplicaThatFinished(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts processes")
	}
	const secret = "marker-signing-secret-20d"
	start, rs, gh, slackFake := killScene(t, secret)
	// a alone at first: it takes the request and runs the job.
	a := start("a", 1)
	waitReady(t, a.base, 30*time.Second)
	ru := slackFake.ResponseURL()
	body := []byte(url.Values{"command": {"/callboard"}, "text": {scaffoldLedgerExport}, "user_id": {priya}, "team_id": {"T1"},
		"channel_id": {"C1"}, "trigger_id": {"20.orphan.1"}, "response_url": {ru}}.Encode())
	resp, ack := postSlackSigned(t, a.base+"/slack/commands", secret, body)
	m := regexp.MustCompile(`job ([0-9a-f]{24})`).FindStringSubmatch(string(ack))
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("ack %d: %s", resp.StatusCode, ack)
	}
	id := m[1]
	waitFor(t, "the job reaches its commit", 20*time.Second, func() bool { return gh.Calls()["POST /repos/{owner}/{repo}/git/trees"] >= 1 })
	rc := rs.Client(t)
	if w := redisJob(t, rc, id).Worker; workerPID(t, w) != a.cmd.Process.Pid {
		t.Fatalf("job %s runs on %q, not a", id, w)
	}
	b := start("b", 1)
	waitReady(t, b.base, 30*time.Second)
	if err := a.cmd.Process.Kill(); err != nil { // SIGKILL: the follow-up dies mid-way
		t.Fatal(err)
	}
	killed := time.Now()
	<-a.done
	result := func() []slacktest.Call {
		var out []slacktest.Call
		for _, c := range slackFake.Calls("response_url") {
			if strings.Contains(string(c.Body), "Scaffolded ledger-export") {
				out = append(out, c)
			}
		}
		return out
	}
	waitFor(t, "the message to show the result", 2*time.Minute, func() bool { return len(result()) > 0 })
	t.Logf("replica a killed mid-publish; its message showed b's result %v later", time.Since(killed).Round(time.Millisecond))
	final := redisJob(t, rc, id)
	if final.State != scaffold.JobSucceeded || workerPID(t, final.Worker) != b.cmd.Process.Pid {
		t.Fatalf("job %s on %q: %s", final.State, final.Worker, final.Error)
	}
	// Past b's wait for a live follower: a second post would show by now.
	time.Sleep(3 * time.Second)
	got := result()
	if len(got) != 1 {
		t.Fatalf("%d posts of the result to the message, want 1", len(got))
	}
	var posted struct {
		ReplaceOriginal bool `json:"replace_original"`
	}
	if got[0].Status != 200 || json.Unmarshal(got[0].Body, &posted) != nil || !posted.ReplaceOriginal {
		t.Errorf("result post %d %s: %s", got[0].Status, got[0].Error, got[0].Body)
	}
	if all := slackFake.Calls("response_url"); !strings.Contains(string(all[len(all)-1].Body), "Scaffolded ledger-export") {
		t.Errorf("the message's last update is not the result: %s", all[len(all)-1].Body)
	}
	if !strings.Contains(b.logs.String(), "posted a job's outcome to its message") {
		t.Errorf("b's log does not say it posted the outcome")
	}
	token := ru[strings.LastIndex(ru, "/")+1:]
	for _, p := range []*proc{a, b} {
		if strings.Contains(p.logs.String(), token) {
			t.Errorf("replica %s logged the response_url", p.name)
		}
	}
}
