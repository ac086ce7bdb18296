package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// replayTTL is how long an interaction id is remembered: longer than the
// accepted timestamp skew, so a replay within the skew is always caught.
const replayTTL = 15 * time.Minute

// wireResponse is an interaction response as sent on the wire.
type wireResponse struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data any                               `json:"data,omitempty"`
}

// wireMessage is the data of a message response (types 4 and 7).
type wireMessage struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Components      []discordgo.MessageComponent      `json:"components"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

type wireDeferred struct {
	Flags discordgo.MessageFlags `json:"flags,omitempty"`
}

type wireChoices struct {
	Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
}

type wireModal struct {
	CustomID   string                       `json:"custom_id"`
	Title      string                       `json:"title"`
	Components []discordgo.MessageComponent `json:"components"`
}

// noMentions keeps catalog text from pinging anyone.
var noMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}

func wire(m Message) wireMessage {
	w := wireMessage{Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noMentions}
	if w.Embeds == nil {
		w.Embeds = []*discordgo.MessageEmbed{}
	}
	if w.Components == nil {
		w.Components = []discordgo.MessageComponent{}
	}
	if m.Ephemeral {
		w.Flags = discordgo.MessageFlagsEphemeral
	}
	return w
}

// ServeHTTP answers POST /discord/interactions: it verifies the Ed25519
// signature over timestamp + body (401 when invalid or stale), caps the body
// (413), ignores replayed interaction ids (409), answers PING with PONG and
// everything else within Discord's 3 seconds.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, a.cfg.MaxBody+1))
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "reading the body failed")
		return
	}
	if int64(len(body)) > a.cfg.MaxBody {
		a.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", a.cfg.MaxBody))
		return
	}
	if reason := a.verify(r.Header, body); reason != "" {
		a.refuse(w, r, http.StatusUnauthorized, reason)
		return
	}
	in, err := decodeInteraction(body)
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "body is not an interaction: "+err.Error())
		return
	}
	if in.Type == discordgo.InteractionPing {
		writeJSON(w, wireResponse{Type: discordgo.InteractionResponsePong})
		return
	}
	if in.ID == "" || in.Token == "" {
		a.refuse(w, r, http.StatusBadRequest, "interaction without id or token")
		return
	}
	// Discord's 3 seconds run from here: the deferral timer starts now, and
	// the replay check waits on shared state only within the request's
	// budget, which the Router's middleware then share.
	start := time.Now()
	ctx := chat.WithStateBudget(r.Context(), a.cfg.StateBudget)
	sctx, done := chat.StateContextFor(ctx, a.dedupe)
	first, err := a.dedupe.FirstSeen(sctx, "discord:adapter:interaction:"+in.ID, replayTTL)
	done()
	if err != nil {
		// Losing a request is worse than answering one twice.
		a.log.WarnContext(r.Context(), "discord: dedupe failed; answering anyway", "err", err, "interaction", in.ID)
		first = true
	}
	if !first {
		a.log.InfoContext(r.Context(), "discord: replayed interaction ignored", "interaction", in.ID)
		http.Error(w, "interaction already handled", http.StatusConflict)
		return
	}
	written := make(chan struct{})
	defer close(written)
	writeJSON(w, a.interact(ctx, start, in, written))
}

func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, code int, reason string) {
	a.log.WarnContext(r.Context(), "discord: interaction refused", "status", code, "reason", reason, "remote", r.RemoteAddr)
	http.Error(w, http.StatusText(code), code)
}

// verify returns why the request is not from Discord, or "".
func (a *Adapter) verify(h http.Header, body []byte) string {
	if a.cfg.PublicKey == nil {
		return "no public key configured"
	}
	sigHex, ts := h.Get("X-Signature-Ed25519"), h.Get("X-Signature-Timestamp")
	if sigHex == "" || ts == "" {
		return "missing X-Signature-Ed25519 or X-Signature-Timestamp"
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "malformed signature"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(a.cfg.PublicKey, msg, sig) {
		return "bad signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "malformed timestamp"
	}
	if skew := a.cfg.Now().Sub(time.Unix(secs, 0)); skew > a.cfg.MaxSkew || skew < -a.cfg.MaxSkew {
		return "stale timestamp"
	}
	return ""
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// interact answers one verified interaction that arrived at start (ctx
// carries its state budget). written is closed once the answer has been
// sent, so follow-up edits wait for it.
func (a *Adapter) interact(ctx context.Context, start time.Time, in *discordgo.Interaction, written <-chan struct{}) wireResponse {
	at := arrival{ctx: ctx, start: start}
	switch in.Type {
	case discordgo.InteractionApplicationCommand:
		text := commandText(in.ApplicationCommandData())
		if resp := chat.TextTooLong(text); resp != nil {
			a.log.Warn("discord: command text over the limit; not run", "interaction", in.ID, "bytes", len(text))
			return wireResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: wire(a.render.render(resp)[0])}
		}
		return a.run(at, in, a.request(in, text, 0), false, written)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return a.autocomplete(in)
	case discordgo.InteractionMessageComponent:
		c, err := a.render.decodeClick(in.MessageComponentData().CustomID)
		if err != nil {
			return a.notice(err)
		}
		switch c.kind {
		case clickPart:
			v, ok := a.render.shelf.get(c.key)
			parts, isParts := v.([]Message)
			if !ok || !isParts || c.part >= len(parts) {
				return a.notice(errExpired)
			}
			return wireResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: wire(parts[c.part])}
		case clickReply, clickUpdate:
			return a.run(at, in, a.request(in, c.command, c.page), c.kind == clickUpdate, written)
		}
		return a.notice(fmt.Errorf("that button does nothing"))
	case discordgo.InteractionModalSubmit:
		data := in.ModalSubmitData()
		c, err := a.render.decodeClick(data.CustomID)
		if err != nil || c.kind != clickForm {
			if err == nil {
				err = errors.New("that form was not made by callboard")
			}
			return a.notice(err)
		}
		return a.run(at, in, a.request(in, formText(c.command, data.Components), 0), false, written)
	}
	return a.notice(fmt.Errorf("callboard does not handle interactions of type %d", in.Type))
}

// notice is a short ephemeral answer about the interaction itself (a
// button or form callboard cannot use): err's text is written for the
// user, and passes the same filter as every error shown.
func (a *Adapter) notice(err error) wireResponse {
	msg := chat.PublicText(err.Error())
	if len(msg) > 0 {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	m := a.render.render(&chat.Response{Text: msg + ".", Status: chat.StatusUsage, Ephemeral: true})[0]
	return wireResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: wire(m)}
}

// request builds the bot request for an interaction.
func (a *Adapter) request(in *discordgo.Interaction, text string, page int) *chat.Request {
	user := chat.User{Platform: chat.PlatformDiscord, Team: in.GuildID}
	u := in.User
	if in.Member != nil && in.Member.User != nil {
		u = in.Member.User
	}
	if u != nil {
		user.ID = u.ID
		user.Name = displayName(u, in.Member)
	}
	req := &chat.Request{Text: strings.TrimSpace(text), User: user, Platform: chat.PlatformDiscord, Channel: in.ChannelID,
		DeliveryID: in.ID, Page: page, Received: a.cfg.Now()}
	if in.AppID != "" && in.Token != "" {
		req.ReplyTo = in.AppID + "/" + in.Token
	}
	return req
}

// Reply implements bot.Replier: it edits the original response of the
// interaction addr names (chat.Request.ReplyTo: application id "/"
// interaction token) to resp, as a follow-up on another replica would have.
func (a *Adapter) Reply(ctx context.Context, addr string, resp *chat.Response) error {
	app, token, ok := strings.Cut(addr, "/")
	if !ok || app == "" || token == "" {
		return errors.New("discord: the reply address is not an application id and interaction token")
	}
	return a.edit(ctx, &discordgo.Interaction{AppID: app, Token: token}, resp, false)
}

func displayName(u *discordgo.User, m *discordgo.Member) string {
	if m != nil && m.Nick != "" {
		return m.Nick
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// run answers a request: inline (type 4, or 7 for update) when the answer is
// ready within AckWithin and has no slow work; otherwise deferred (type 5,
// or 6 for update) and finished by editing the original response.
func (a *Adapter) run(at arrival, in *discordgo.Interaction, req *chat.Request, update bool, written <-chan struct{}) wireResponse {
	ctx, cancel := context.WithTimeout(chat.CarryStateBudget(a.ctx, at.ctx), a.cfg.TokenLife)
	// Who sees the answer is decided now, before anything runs: a deferral
	// cannot be made ephemeral later, and an answer for the asker only
	// (whoami, with an email) must not be posted to the channel because it
	// came late.
	private := false
	if p, ok := a.h.(privacy); ok {
		private = p.Private(req)
	}
	const (
		pending int32 = iota
		inline
		deferred
	)
	var state atomic.Int32
	answered := make(chan wireResponse, 1)
	msgType := discordgo.InteractionResponseChannelMessageWithSource
	deferType := discordgo.InteractionResponseDeferredChannelMessageWithSource
	if update {
		msgType = discordgo.InteractionResponseUpdateMessage
		deferType = discordgo.InteractionResponseDeferredMessageUpdate
	}
	deferNow := func(ephemeral bool) wireResponse {
		if update {
			return wireResponse{Type: deferType}
		}
		d := wireDeferred{}
		if ephemeral {
			d.Flags = discordgo.MessageFlagsEphemeral
		}
		return wireResponse{Type: deferType, Data: d}
	}

	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		resp := a.answer(ctx, req)
		if resp.Follow == nil && state.CompareAndSwap(pending, inline) {
			if resp.Modal != nil && in.Type != discordgo.InteractionModalSubmit {
				if m, ok := a.render.modal(resp.Modal); ok {
					answered <- wireResponse{Type: discordgo.InteractionResponseModal, Data: m}
					return
				}
			}
			answered <- wireResponse{Type: msgType, Data: wire(a.render.render(resp)[0])}
			return
		}
		if state.CompareAndSwap(pending, deferred) {
			answered <- deferNow(resp.Ephemeral || private)
		}
		select { // the deferred answer must reach Discord before it can be edited
		case <-written:
		case <-ctx.Done():
			return
		}
		a.finish(ctx, in, resp)
	}()

	timer := time.NewTimer(a.cfg.AckWithin - time.Since(at.start))
	defer timer.Stop()
	select {
	case r := <-answered:
		return r
	case <-timer.C:
		if state.CompareAndSwap(pending, deferred) {
			a.log.Info("discord: slow answer deferred", "interaction", in.ID, "after", a.cfg.AckWithin, "ephemeral", private)
			return deferNow(private)
		}
		return <-answered
	}
}

// arrival is when an interaction arrived and the context carrying its state budget.
type arrival struct {
	ctx   context.Context
	start time.Time
}

// privacy is a handler (chat.Router) that tells, before answering, whether a
// request's answer is for the asker only.
type privacy interface {
	Private(req *chat.Request) bool
}

// finish edits the original response with resp, then runs its slow work,
// editing again with each update.
func (a *Adapter) finish(ctx context.Context, in *discordgo.Interaction, resp *chat.Response) {
	if err := a.edit(ctx, in, resp, true); err != nil {
		a.log.ErrorContext(ctx, "discord: editing the deferred response failed", "err", err, "interaction", in.ID)
	}
	if resp.Follow == nil {
		return
	}
	err := resp.Follow(ctx, func(next *chat.Response) error {
		return a.edit(ctx, in, next, false)
	})
	if err != nil {
		msg := chat.FollowUpFailed(ctx, a.log, err, "platform", "discord", "interaction", in.ID)
		if ctx.Err() != nil {
			msg.Text = "This is taking longer than Discord lets callboard update a reply; it stopped here. Ask again to see where it got to."
		}
		if err := a.edit(context.WithoutCancel(ctx), in, msg, false); err != nil {
			a.log.ErrorContext(ctx, "discord: reporting the failure failed", "err", err, "interaction", in.ID)
		}
	}
}

// edit replaces the original interaction response with resp (its first
// part; the others are reached by its buttons). The first edit is retried
// briefly on 404, in case Discord has not yet taken the deferred answer in.
func (a *Adapter) edit(ctx context.Context, in *discordgo.Interaction, resp *chat.Response, first bool) error {
	m := a.render.render(resp)[0]
	w := wire(m)
	edit := &discordgo.WebhookEdit{Content: &w.Content, Embeds: &w.Embeds, Components: &w.Components, AllowedMentions: noMentions}
	var err error
	for try := 0; try < 4; try++ {
		_, err = a.cfg.Session.InteractionResponseEdit(in, edit, discordgo.WithContext(ctx))
		var rest *discordgo.RESTError
		if err == nil || !first || !errors.As(err, &rest) || rest.Response == nil || rest.Response.StatusCode != http.StatusNotFound {
			break
		}
		select {
		case <-time.After(time.Duration(try+1) * 200 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("edit original response: %w", err)
	}
	return nil
}

// autocomplete answers type 4 with at most 25 choices for the focused option.
func (a *Adapter) autocomplete(in *discordgo.Interaction) wireResponse {
	data := in.ApplicationCommandData()
	out := wireChoices{Choices: []*discordgo.ApplicationCommandOptionChoice{}}
	opt := focused(data.Options)
	kind := completionKind(data.Name, opt)
	if kind != "" && a.cfg.Completer != nil {
		ctx, cancel := context.WithTimeout(a.ctx, 2*time.Second)
		defer cancel()
		for _, c := range a.cfg.Completer.Complete(ctx, kind, optionString(opt), maxChoices) {
			if c.Value == "" || runeLen(c.Value) > maxChoiceValue {
				continue
			}
			name := c.Name
			if name == "" {
				name = c.Value
			}
			out.Choices = append(out.Choices, &discordgo.ApplicationCommandOptionChoice{Name: cut(name, maxChoiceName), Value: c.Value})
			if len(out.Choices) == maxChoices {
				break
			}
		}
	}
	return wireResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: out}
}

func focused(opts []*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range opts {
		if o.Focused {
			return o
		}
		if f := focused(o.Options); f != nil {
			return f
		}
	}
	return nil
}

func optionString(o *discordgo.ApplicationCommandInteractionDataOption) string {
	if o == nil || o.Value == nil {
		return ""
	}
	switch v := o.Value.(type) {
	case string:
		return v
	case float64: // integer and number options arrive as JSON numbers
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(o.Value)
}

// formText is command with the modal's submitted values appended as key=value.
func formText(command string, comps []discordgo.MessageComponent) string {
	var b strings.Builder
	b.WriteString(command)
	var walk func([]discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch v := c.(type) {
			case *discordgo.ActionsRow:
				walk(v.Components)
			case discordgo.ActionsRow:
				walk(v.Components)
			case *discordgo.TextInput:
				appendValue(&b, v.CustomID, v.Value)
			case discordgo.TextInput:
				appendValue(&b, v.CustomID, v.Value)
			}
		}
	}
	walk(comps)
	return b.String()
}

func appendValue(b *strings.Builder, name, value string) {
	value = strings.TrimSpace(value)
	if name == "" || value == "" {
		return
	}
	b.WriteString(" " + name + "=")
	if strings.ContainsAny(value, " \t\n\"'") {
		value = strconv.Quote(value)
	}
	b.WriteString(value)
}
