package slack

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// The reply written in one pass is byte for byte the Message as
// encoding/json writes it through slack-go's MarshalJSON methods.
func TestWireMessageEncodesAsTheMessage(t *testing.T) {
	var msgs []Message
	for _, q := range []string{"who owns payments-api", "what depends on payments-api", "payments", "help", "team team-payments", "info payments-api"} {
		resp := mustAnswer(q)
		msgs = append(msgs, Render(resp, RenderOptions{Command: q, Share: true, TeamChannel: func(string) string { return "C0PAYMENTS" }}))
		msgs = append(msgs, Render(resp, RenderOptions{Command: q, InChannel: true}))
	}
	big := bigResponse()
	for part := 0; part < 3; part++ {
		msgs = append(msgs, Render(big, RenderOptions{Command: "big", Part: part, Key: "k1", Share: true}))
	}
	msgs = append(msgs, Render(&chat.Response{Text: "<b> & \u2028 \"quoted\"", Status: chat.StatusOK}, RenderOptions{}),
		Message{Text: "empty blocks", Blocks: []slack.Block{}},
		Message{Text: "odd blocks", Blocks: []slack.Block{
			(*slack.ActionBlock)(nil), (*slack.ContextBlock)(nil), &slack.ActionBlock{Type: slack.MBTAction}, &slack.ContextBlock{Type: slack.MBTContext},
			&slack.ActionBlock{Type: slack.MBTAction, BlockID: "x", Elements: &slack.BlockElements{}}}})
	for i, m := range msgs {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(m.wire())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("message %d:\n got %s\nwant %s", i, got, want)
		}
		w := httptest.NewRecorder()
		writeJSON(w, m)
		if !bytes.Equal(w.Body.Bytes(), append(want, '\n')) {
			t.Fatalf("message %d: writeJSON wrote\n%s\nwant\n%s", i, w.Body.Bytes(), want)
		}
		// A slash command's acknowledgement, encoded once: the HTTP reply
		// and the Socket Mode payload are the same bytes again.
		c := encodeAck(m)
		if !bytes.Equal(c.raw, append(want, '\n')) || !bytes.Equal(c.json(), want) {
			t.Fatalf("message %d: encodeAck\n%s\nwant\n%s", i, c.raw, want)
		}
		// Only an acknowledgement too large for Socket Mode keeps its
		// Message when memoized (to be posted to the response_url).
		if kept := c.memoized().msg != nil; kept != (len(want) > maxAckPayload) {
			t.Fatalf("message %d (%d bytes): memoized keeps the Message: %v", i, len(want), kept)
		}
	}
}

// wire copies Message's fields one by one: a field added to Message must
// be added there too.
func TestWireMessageKnowsEveryFieldOfMessage(t *testing.T) {
	if n := reflect.TypeOf(Message{}).NumField(); n != 5 {
		t.Fatalf("Message has %d fields; wire() copies 5 (ResponseType, ReplaceOriginal, Text, Blocks, Parts): update it", n)
	}
}

func BenchmarkWriteReply(b *testing.B) {
	m := Render(mustAnswer("who owns payments-api"), RenderOptions{Command: "who owns payments-api", Share: true})
	b.Run("message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(m)
		}
	})
	b.Run("wire", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeJSON(httptest.NewRecorder(), m)
		}
	})
}
