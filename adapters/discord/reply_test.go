package discord

import (
	"context"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// An interaction's application id and token reach the bot as the
// request's reply address, and Reply edits the original response with
// them, as a worker on another replica does with a job's outcome.
func TestReplyEditsTheOriginalResponse(t *testing.T) {
	f := newFixture(t, nil, nil)
	body := commandPayload("scaffold", opt("template", "go-service"), opt("params", "name=ledger"))
	var in discordgo.Interaction
	if err := jsonUnmarshal(body, &in); err != nil {
		t.Fatal(err)
	}
	f.interact(body)
	f.shutdown()
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].ReplyTo != "app1/"+in.Token {
		t.Fatalf("reply address not carried: %d requests", len(reqs))
	}
	before := len(f.api.CallsTo(http.MethodPatch, "webhooks/app1/"+in.Token+"/messages/@original"))
	if err := f.a.Reply(context.Background(), reqs[0].ReplyTo, &chat.Response{Status: chat.StatusOK, Title: "Scaffolded ledger from go-service: job 0f"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.api.CallsTo(http.MethodPatch, "webhooks/app1/"+in.Token+"/messages/@original")); n != before+1 {
		t.Fatalf("%d edits, want %d", n, before+1)
	}
	if m := f.api.Original("app1", in.Token); m == nil || len(m.Embeds) == 0 || m.Embeds[0].Title != "Scaffolded ledger from go-service: job 0f" {
		t.Fatalf("original is %+v", m)
	}
	if err := f.a.Reply(context.Background(), "no-token", &chat.Response{Text: "x"}); err == nil {
		t.Error("a reply address without a token was accepted")
	}
}
