package slack

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// slashWithTrigger is slashBody with the given trigger_id.
func slashWithTrigger(t *testing.T, command, text, responseURL, trigger string) []byte {
	t.Helper()
	form, err := url.ParseQuery(string(slashBody(command, text, responseURL)))
	if err != nil {
		t.Fatal(err)
	}
	form.Set("trigger_id", trigger)
	return []byte(form.Encode())
}

// jobs is a scaffold-like handler: each request starts a job keyed, as the
// scaffolder keys them, by platform and delivery id; a request without a
// delivery id always starts a new one.
type jobs struct {
	mu   sync.Mutex
	runs int
	keys map[string]int
}

func (j *jobs) Handle(_ context.Context, req *chat.Request) (*chat.Response, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.runs++
	key := req.Platform + ":" + req.DeliveryID
	if req.DeliveryID == "" {
		key = "anonymous:" + strings.Repeat("+", j.runs)
	}
	j.keys[key]++
	return &chat.Response{Status: chat.StatusOK, Title: "Scaffolding " + req.Text, Text: "job " + key}, nil
}

func (j *jobs) count() (runs, jobs int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.runs, len(j.keys)
}

// The same slash command delivered again (same trigger_id, signed anew, so
// the replay check lets it by) runs once; the second delivery gets the same
// answer again (its first acknowledgement may be what was lost), and on a
// replica that does not hold that answer, a note.
func TestSlashCommandDeliveredTwiceRunsOnce(t *testing.T) {
	e := newEnv(t, nil)
	trigger := nextTrigger()
	body := slashWithTrigger(t, "/callboard", "who owns payments-api", e.fake.ResponseURL(), trigger)
	now := time.Now()
	resp, first := e.post(t, PathCommands, formType, body, now, testSecret, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(first), "owned by Team Payments") {
		t.Fatalf("first delivery: %d %s", resp.StatusCode, first)
	}
	resp, second := e.post(t, PathCommands, formType, body, now.Add(time.Second), testSecret, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("second delivery: status %d: %s", resp.StatusCode, second)
	}
	var m rawMessage
	if err := json.Unmarshal(second, &m); err != nil {
		t.Fatalf("second ack is not JSON: %v: %s", err, second)
	}
	if string(second) != string(first) {
		t.Fatalf("second delivery answered\n%s\nnot the first answer\n%s", second, first)
	}
	reqs := e.h.requests()
	if len(reqs) != 1 {
		t.Fatalf("handler ran %d times, want 1", len(reqs))
	}
	other := newEnv(t, func(c *Config) { c.Dedupe = e.a.dedupe })
	_, third := other.post(t, PathCommands, formType, body, now.Add(2*time.Second), testSecret, nil)
	if err := json.Unmarshal(third, &m); err != nil || m.ResponseType != "ephemeral" || !strings.Contains(string(third), "already received") || strings.Contains(string(third), "owned by") {
		t.Fatalf("another replica answered %s", third)
	}
	if n := len(other.h.requests()); n != 0 {
		t.Fatalf("the other replica ran it %d times", n)
	}
	if reqs[0].DeliveryID != "command:"+trigger {
		t.Fatalf("delivery id %q, want command:%s", reqs[0].DeliveryID, trigger)
	}
}

// With the Router's dedupe middleware on the same store as the adapter (as
// serve wires them), a scaffold-like handler starts one job for a command
// delivered twice, and one job each for two invocations.
func TestSlashCommandDeliveryIDMakesOneJob(t *testing.T) {
	dd := chat.NewMemoryDedupe()
	j := &jobs{keys: map[string]int{}}
	h := chat.Deduplicated(dd, time.Hour, nil)(j)
	e := newEnv(t, func(c *Config) { c.Dedupe = dd })
	e.a.h = h

	trigger := nextTrigger()
	body := slashWithTrigger(t, "/callboard", "scaffold service name=ledger", e.fake.ResponseURL(), trigger)
	now := time.Now()
	for i := range 2 {
		resp, b := e.post(t, PathCommands, formType, body, now.Add(time.Duration(i)*time.Second), testSecret, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("delivery %d: %d %s", i, resp.StatusCode, b)
		}
		if i == 0 && !strings.Contains(string(b), "job slack:command:"+trigger) {
			t.Fatalf("first delivery was not run as delivery command:%s: %s", trigger, b)
		}
	}
	if runs, n := j.count(); runs != 1 || n != 1 {
		t.Fatalf("one command delivered twice: %d runs, %d jobs; want 1 and 1", runs, n)
	}

	for range 2 {
		body := slashWithTrigger(t, "/callboard", "scaffold service name=ledger", e.fake.ResponseURL(), nextTrigger())
		if resp, b := e.post(t, PathCommands, formType, body, now, testSecret, nil); resp.StatusCode != 200 || !strings.Contains(string(b), "Scaffolding") {
			t.Fatalf("new invocation: %d %s", resp.StatusCode, b)
		}
	}
	if runs, n := j.count(); runs != 3 || n != 3 {
		t.Fatalf("after two more invocations: %d runs, %d jobs; want 3 and 3", runs, n)
	}
}

// Two invocations typed alike are two trigger ids: both run.
func TestSameSlashCommandInvokedTwiceRunsTwice(t *testing.T) {
	e := newEnv(t, nil)
	for range 2 {
		if resp, m := e.slash(t, "/whoowns", "payments-api"); resp.StatusCode != 200 || !strings.Contains(string(m.Blocks), "owned by Team Payments") {
			t.Fatalf("status %d: %s", resp.StatusCode, m.Blocks)
		}
	}
	reqs := e.h.requests()
	if len(reqs) != 2 || reqs[0].DeliveryID == reqs[1].DeliveryID {
		t.Fatalf("requests %+v", reqs)
	}
}

// A slash command without a trigger_id (not one Slack sends) still runs,
// without a delivery id.
func TestSlashCommandWithoutTriggerRunsWithoutDeliveryID(t *testing.T) {
	e := newEnv(t, nil)
	body := slashWithTrigger(t, "/callboard", "who owns payments-api", e.fake.ResponseURL(), "")
	if resp, b := e.post(t, PathCommands, formType, body, time.Now(), testSecret, nil); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if r := lastRequest(t, e); r.DeliveryID != "" {
		t.Fatalf("delivery id %q", r.DeliveryID)
	}
}

// The Router's dedupe answering ErrDuplicate (its store saw the delivery,
// the adapter's did not) gets the note, not an error.
func TestDuplicateFromTheRouterGetsTheNote(t *testing.T) {
	dd := chat.NewMemoryDedupe()
	e := newEnv(t, nil)
	e.a.h = chat.Deduplicated(dd, time.Hour, nil)(e.h)
	trigger := nextTrigger()
	if _, err := dd.FirstSeen(context.Background(), "slack:command:"+trigger, time.Hour); err != nil {
		t.Fatal(err)
	}
	body := slashWithTrigger(t, "/callboard", "who owns payments-api", e.fake.ResponseURL(), trigger)
	resp, b := e.post(t, PathCommands, formType, body, time.Now(), testSecret, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "already received") || strings.Contains(string(b), "went wrong") || strings.Contains(string(b), actionShare) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if n := len(e.h.requests()); n != 0 {
		t.Fatalf("handler ran %d times", n)
	}
}

// Over Socket Mode, a slash command sent again in a new envelope (same
// trigger_id, its first ack lost) is acknowledged with the same answer and
// not run again.
func TestSocketModeSlashCommandSentTwiceRunsOnce(t *testing.T) {
	e := newSocketEnv(t)
	trigger := nextTrigger()
	var acks []string
	for i := range 2 {
		raw := payload(t, "socket_slash_commands.json", map[string]string{"RESPONSE_URL": inJSON(e.fake.ResponseURL()), "TRIGGER": trigger})
		id := "1d3c9a5e-again-" + strconv.Itoa(i)
		raw = []byte(strings.Replace(string(raw), "1d3c9a5e", id, 1))
		if err := e.fake.SendRaw(raw); err != nil {
			t.Fatal(err)
		}
		ack, ok := e.fake.WaitAck(id+"-4b0f-4a76-9d4f-1b2e3c4d5e6f", 3*time.Second)
		if !ok {
			t.Fatalf("envelope %d not acknowledged", i)
		}
		acks = append(acks, string(ack.Payload))
	}
	if !strings.Contains(acks[0], "owned by Team Payments") || acks[1] != acks[0] {
		t.Fatalf("acks:\n%s\n%s", acks[0], acks[1])
	}
	if reqs := e.h.requests(); len(reqs) != 1 || reqs[0].DeliveryID != "command:"+trigger {
		t.Fatalf("requests %+v", reqs)
	}
}
