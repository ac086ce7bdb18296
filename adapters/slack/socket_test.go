package slack

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSocketModeAcksEveryEnvelopeAndAnswers(t *testing.T) {
	e := newSocketEnv(t)

	t.Run("slash command answered in the ack", func(t *testing.T) {
		form, _ := url.ParseQuery(string(slashBody("/whoowns", "payments-api", e.fake.ResponseURL())))
		payload := map[string]string{}
		for k := range form {
			payload[k] = form.Get(k)
		}
		id, err := e.fake.Send("slash_commands", payload, 0)
		if err != nil {
			t.Fatal(err)
		}
		ack, ok := e.fake.WaitAck(id, 3*time.Second)
		if !ok {
			t.Fatal("envelope not acknowledged")
		}
		if !strings.Contains(string(ack.Payload), "owned by Team Payments") {
			t.Fatalf("ack payload %s", ack.Payload)
		}
	})
	t.Run("event retried over the socket is processed once", func(t *testing.T) {
		var ev map[string]any
		_ = json.Unmarshal(eventBody("EvSock1", `{"type":"app_mention","user":"U0ALICE","text":"<@UBOT> who owns payments-api","ts":"1700000000.000100","channel":"C0INC"}`), &ev)
		for retry := 0; retry < 2; retry++ {
			id, err := e.fake.Send("events_api", ev, retry)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := e.fake.WaitAck(id, 3*time.Second); !ok {
				t.Fatalf("delivery %d not acknowledged", retry)
			}
		}
		e.fake.Wait("chat.postMessage", 1, 2*time.Second)
		time.Sleep(50 * time.Millisecond)
		if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
			t.Fatalf("%d answers posted, want 1", n)
		}
	})
	t.Run("modal errors come back in the ack", func(t *testing.T) {
		meta := `{"c":"scaffold service","n":["name"],"r":["name"]}`
		payload := map[string]any{"type": "view_submission", "user": map[string]any{"id": "U0ALICE"}, "team": map[string]any{"id": "T0001"},
			"view": map[string]any{"id": "V1", "callback_id": callbackModal, "private_metadata": meta, "state": map[string]any{"values": map[string]any{}}}}
		id, err := e.fake.Send("interactive", payload, 0)
		if err != nil {
			t.Fatal(err)
		}
		ack, ok := e.fake.WaitAck(id, 3*time.Second)
		if !ok || !strings.Contains(string(ack.Payload), `"response_action":"errors"`) {
			t.Fatalf("ack %s", ack.Payload)
		}
	})
}

func TestSocketModeNeedsAnAppToken(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.a.RunSocketMode(context.Background()); err == nil {
		t.Fatal("ran without an app-level token")
	}
}
