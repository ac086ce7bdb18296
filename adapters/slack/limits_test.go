package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot/chat"
)

// hugeText is a command far over chat.MaxTextBytes that still fits the body cap.
var hugeText = "who owns " + strings.Repeat("payments-api.", 900<<10/13)

// A command over the size limit is answered with a sentence saying so and
// never reaches the handler, through every Slack entry.
func TestOversizedCommandIsRefusedBeforeTheHandler(t *testing.T) {
	e := newEnv(t, nil)
	resp, m := e.slash(t, "/callboard", hugeText)
	if resp.StatusCode != 200 || !strings.Contains(string(m.Blocks)+m.Text, "too long") {
		t.Errorf("slash command: status %d, answer %s %s", resp.StatusCode, m.Text, m.Blocks)
	}
	inner, _ := json.Marshal(map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@UBOT> " + hugeText,
		"ts": "1700000000.000100", "channel": "C0INC", "event_ts": "1700000000.000100"})
	if resp, _ := e.post(t, PathEvents, "application/json", eventBody("EvBIG", string(inner)), time.Now(), testSecret, nil); resp.StatusCode != 200 {
		t.Fatalf("event: status %d", resp.StatusCode)
	}
	calls := e.fake.Wait("chat.postMessage", 1, 2*time.Second)
	if len(calls) != 1 || !strings.Contains(calls[0].Params.Get("blocks")+calls[0].Params.Get("text"), "too long") {
		t.Errorf("mention: %d messages posted, none saying the command is too long", len(calls))
	}
	if reqs := e.h.requests(); len(reqs) != 0 {
		t.Errorf("the handler got %d requests, the first %d bytes long", len(reqs), len(reqs[0].Text))
	}
}

// BenchmarkOversizedSlashCommand is a ~900 KB slash command through the
// whole HTTP path (signature, form, answer): it is refused before the
// handler, so the cost is reading and verifying the body.
func BenchmarkOversizedSlashCommand(b *testing.B) {
	a, err := New(Config{SigningSecret: testSecret}, chat.HandlerFunc(func(_ context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Status: chat.StatusOK, Ephemeral: true, Title: "echo", Text: req.Text}, nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := []byte(url.Values{"command": {"/callboard"}, "text": {hugeText}, "user_id": {"U0BENCH"}, "channel_id": {"C0BENCH"},
			"trigger_id": {"bench." + strconv.Itoa(i)}}.Encode())
		req := httptest.NewRequest(http.MethodPost, PathCommands, bytes.NewReader(body))
		req.Header.Set("Content-Type", formType)
		ts, sig := slacktest.Sign(testSecret, time.Now(), body)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
