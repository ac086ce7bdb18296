package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// serveCommand answers a slash command. Catalog answers come straight back
// in the HTTP response; slow ones are acknowledged and finished later.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	sc, err := parseSlashCommand(r, body)
	if err != nil {
		a.log.Warn("slack: unreadable slash command", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ack := a.command(r.Context(), sc)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(ack.raw)
}

// commandAck is the acknowledgement of a slash command, encoded.
type commandAck struct {
	// raw is the message's JSON as writeJSON writes it (newline-ended).
	raw []byte
	// msg is the message itself: always for a command just run; for one
	// delivered again, only when raw is too large for a Socket Mode ack
	// (it is then posted to the response_url instead).
	msg *Message
}

// json is the message's JSON without the newline (a Socket Mode payload).
func (c commandAck) json() json.RawMessage {
	if len(c.raw) == 0 { // it did not encode
		return nil
	}
	return c.raw[:len(c.raw)-1]
}

// ackBuffers are the buffers acknowledgements are encoded in.
var ackBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeAck encodes m as writeJSON would: the bytes are what HTTP writes
// and, stored in Adapter.acks instead of the Message (its blocks, their
// text objects and buttons), what a second delivery is answered with.
func encodeAck(m Message) commandAck {
	buf := ackBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	_ = json.NewEncoder(buf).Encode(m.wire())
	raw := bytes.Clone(buf.Bytes())
	if buf.Cap() <= 64<<10 {
		ackBuffers.Put(buf)
	}
	return commandAck{raw: raw, msg: &m}
}

// memoized is what Adapter.acks keeps of ack.
func (c commandAck) memoized() commandAck {
	if len(c.json()) <= maxAckPayload {
		c.msg = nil
	}
	return c
}

// parseSlashCommand is slack.SlashCommandParse on the body already read:
// for the form Slack sends (urlencoded, no URL query) it parses body once,
// without ParseForm reading it again and copying the values into r.Form;
// anything else goes to SlashCommandParse itself.
func parseSlashCommand(r *http.Request, body []byte) (slack.SlashCommand, error) {
	if r.URL.RawQuery != "" || len(body) > 10<<20 || r.Form != nil || r.PostForm != nil {
		return slack.SlashCommandParse(r)
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/x-www-form-urlencoded" {
		return slack.SlashCommandParse(r)
	}
	if sc, ok := scanSlashForm(string(body)); ok {
		return sc, nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return slack.SlashCommand{}, err
	}
	return slack.SlashCommand{
		Token:               v.Get("token"),
		TeamID:              v.Get("team_id"),
		TeamDomain:          v.Get("team_domain"),
		EnterpriseID:        v.Get("enterprise_id"),
		EnterpriseName:      v.Get("enterprise_name"),
		IsEnterpriseInstall: v.Get("is_enterprise_install") == "true",
		ChannelID:           v.Get("channel_id"),
		ChannelName:         v.Get("channel_name"),
		UserID:              v.Get("user_id"),
		UserName:            v.Get("user_name"),
		Command:             v.Get("command"),
		Text:                v.Get("text"),
		ResponseURL:         v.Get("response_url"),
		TriggerID:           v.Get("trigger_id"),
		APIAppID:            v.Get("api_app_id"),
	}, nil
}

// scanSlashForm reads the fields of a slash command straight from the
// urlencoded form into the struct, the first value of a key winning as
// with url.Values.Get, without building url.Values (a map of slices, a
// sixth of the bytes a request allocated). A form url.ParseQuery would
// refuse (a semicolon, a bad escape) is not ok: the caller parses it again
// the slow way, for the same error.
func scanSlashForm(form string) (sc slack.SlashCommand, ok bool) {
	if strings.Count(form, "&")+strings.Count(form, ";") >= maxFormParams {
		return slack.SlashCommand{}, false // ParseQuery refuses that many
	}
	var seen uint16 // bit i: field i has its value
	for form != "" {
		var pair string
		pair, form, _ = strings.Cut(form, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			return slack.SlashCommand{}, false
		}
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(key)
		if err != nil {
			return slack.SlashCommand{}, false
		}
		if value, err = url.QueryUnescape(value); err != nil {
			return slack.SlashCommand{}, false
		}
		var field *string
		bit := uint16(0)
		switch key {
		case "token":
			field, bit = &sc.Token, 1<<0
		case "team_id":
			field, bit = &sc.TeamID, 1<<1
		case "team_domain":
			field, bit = &sc.TeamDomain, 1<<2
		case "enterprise_id":
			field, bit = &sc.EnterpriseID, 1<<3
		case "enterprise_name":
			field, bit = &sc.EnterpriseName, 1<<4
		case "is_enterprise_install":
			if seen&(1<<5) == 0 {
				sc.IsEnterpriseInstall, seen = value == "true", seen|1<<5
			}
			continue
		case "channel_id":
			field, bit = &sc.ChannelID, 1<<6
		case "channel_name":
			field, bit = &sc.ChannelName, 1<<7
		case "user_id":
			field, bit = &sc.UserID, 1<<8
		case "user_name":
			field, bit = &sc.UserName, 1<<9
		case "command":
			field, bit = &sc.Command, 1<<10
		case "text":
			field, bit = &sc.Text, 1<<11
		case "response_url":
			field, bit = &sc.ResponseURL, 1<<12
		case "trigger_id":
			field, bit = &sc.TriggerID, 1<<13
		case "api_app_id":
			field, bit = &sc.APIAppID, 1<<14
		default:
			continue
		}
		if seen&bit == 0 {
			*field, seen = value, seen|bit
		}
	}
	return sc, true
}

// maxFormParams is url.ParseQuery's bound on a query's parameters (Go
// 1.26: "number of URL query parameters exceeded limit"); scanSlashForm
// leaves forms near it to ParseQuery, for the same refusal.
const maxFormParams = 10000

// command turns a slash command into the acknowledgement message (shared by
// HTTP and Socket Mode).
func (a *Adapter) command(ctx context.Context, sc slack.SlashCommand) commandAck {
	received := time.Now()
	if resp := chat.TextTooLong(sc.Text); resp != nil {
		a.log.Warn("slack: slash command text over the limit; not read", "command", sc.Command, "user", sc.UserID, "bytes", len(sc.Text))
		return encodeAck(Render(resp, RenderOptions{}))
	}
	text, ok := a.commandText(sc.Command, incomingText(sc.Text, "", false))
	if !ok {
		a.log.Warn("slack: slash command not configured", "command", sc.Command)
		return encodeAck(Render(&chat.Response{Status: chat.StatusUsage, Ephemeral: true,
			Text: "callboard does not know the command " + sc.Command + ". Use " + a.cfg.Command + " help."}, RenderOptions{}))
	}
	ctx = chat.WithStateBudget(ctx, a.cfg.StateBudget)
	req := &chat.Request{
		Text:     text,
		User:     chat.User{Platform: chat.PlatformSlack, ID: sc.UserID, Name: sc.UserName, Team: sc.TeamID},
		Platform: chat.PlatformSlack,
		Channel:  sc.ChannelID,
		Received: received,
		ReplyTo:  sc.ResponseURL,
	}
	// users.info (Slack) runs beside the dedupe (Redis): neither waits on
	// the other. A user already known needs no goroutine.
	var identified chan struct{}
	if !a.identifyKnown(&req.User) {
		identified = make(chan struct{})
		go func() { defer close(identified); a.identify(ctx, &req.User) }()
	}
	if sc.TriggerID != "" {
		// Slack mints a trigger_id per invocation, so a second delivery of
		// one (a proxy's retry, a Socket Mode envelope sent again) is known.
		// Its own key: the Router's dedupe middleware uses
		// "slack:"+DeliveryID, and must not see this one as already seen.
		// Bounded by the request's state budget: the answer must reach
		// Slack within its 3 seconds even when Redis is slow; the command
		// then runs (as with no dedupe).
		dctx, done := chat.StateContextFor(ctx, a.dedupe)
		first, err := a.dedupe.FirstSeen(dctx, "slack:slash:"+sc.TriggerID, dedupeTTL)
		done()
		if err != nil {
			a.log.Error("slack: dedupe failed; running the slash command", "command", sc.Command, "err", err)
		} else if !first {
			a.log.Info("slack: slash command delivered again; not run twice", "command", sc.Command, "user", sc.UserID)
			// Slack sends a command again when its acknowledgement was
			// lost (a Socket Mode ack that never arrived): give the same
			// answer again when this replica holds it.
			if c, ok := a.acks.get(sc.TriggerID); ok {
				return c
			}
			return encodeAck(Render(duplicateNote(), RenderOptions{}))
		}
	}
	if sc.TriggerID != "" {
		req.DeliveryID = "command:" + sc.TriggerID
	}
	if identified != nil {
		<-identified
	}
	resp := a.run(ctx, req)
	m := a.present(resp, origin{
		command:     text,
		responseURL: sc.ResponseURL,
		triggerID:   sc.TriggerID,
		channel:     sc.ChannelID,
		user:        sc.UserID,
		inChannel:   a.cfg.InChannel && !resp.Ephemeral,
		// The note about a duplicate is nothing to share (and sharing
		// would run the command again).
		share: resp.Text != duplicateText || resp.Title != "",
	})
	c := encodeAck(m)
	if sc.TriggerID != "" {
		a.acks.set(sc.TriggerID, c.memoized())
	}
	return c
}

// duplicateNote answers a command delivered again: the first delivery is
// (being) answered, so nothing runs twice.
func duplicateNote() *chat.Response {
	return &chat.Response{Status: chat.StatusOK, Ephemeral: true, Text: duplicateText}
}

const duplicateText = "That command was already received; its answer comes from the first delivery."
