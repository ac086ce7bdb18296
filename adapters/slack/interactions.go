package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// Callback ids of the views and shortcuts this adapter owns.
const (
	callbackModal    = "callboard_modal"
	callbackShortcut = "callboard_ask" // the message shortcut (deploy/slack-app-manifest.yaml)
	maxModalTitle    = 24
	maxModalBlocks   = 100
	maxOptions       = 100
	maxMetadata      = 3000
)

// serveInteraction answers interactivity: buttons, modal submissions and
// message shortcuts.
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, _ []byte) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostForm.Get("payload")), &cb); err != nil {
		a.log.Warn("slack: unreadable interaction payload", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if ack := a.interaction(r.Context(), &cb); ack != nil {
		writeJSON(w, ack)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// interaction handles one interaction (HTTP and Socket Mode) and returns the
// acknowledgement payload, nil for an empty 200.
func (a *Adapter) interaction(ctx context.Context, cb *slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		a.blockActions(cb)
		return nil
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID != callbackModal {
			return nil
		}
		return a.viewSubmission(ctx, cb)
	case slack.InteractionTypeMessageAction:
		a.messageShortcut(cb)
		return nil
	}
	return nil
}

// blockActions runs a clicked button. The acknowledgement is sent at once;
// the answer goes through the response_url.
func (a *Adapter) blockActions(cb *slack.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := *cb.ActionCallback.BlockActions[0]
	kind, _, _ := strings.Cut(act.ActionID, ":")
	if kind != actionRun && kind != actionPick && kind != actionPart && kind != actionShare {
		return
	}
	o := origin{
		responseURL: cb.ResponseURL,
		triggerID:   cb.TriggerID,
		channel:     cb.Channel.ID,
		thread:      threadOf(cb),
		user:        cb.User.ID,
		inChannel:   !cb.Container.IsEphemeral,
		share:       cb.Container.IsEphemeral,
	}
	if o.responseURL == "" && o.channel == "" && cb.View.Type == slack.VTHomeTab {
		// A button of the Home tab: the answer goes to the person's DM
		// with the app (a user id as channel opens it).
		o.channel, o.inChannel, o.share = cb.User.ID, true, false
	}
	user := chat.User{Platform: chat.PlatformSlack, ID: cb.User.ID, Name: cb.User.Name, Team: cb.Team.ID}
	a.background(func(ctx context.Context) {
		v, err := a.values.decode(ctx, act.Value)
		if err != nil {
			a.log.Warn("slack: unusable button value", "action", act.ActionID, "err", err)
			why := errExpired
			if errors.Is(err, errValueUnavailable) {
				why = errValueUnavailable
			}
			a.post(ctx, o, Render(&chat.Response{Ephemeral: true, Status: chat.StatusError, Text: why.Error()}, RenderOptions{}))
			return
		}
		o.command, o.page = v.Command, v.Page
		ask := func() *chat.Response {
			req := &chat.Request{Text: v.Command, Page: v.Page, User: user, Platform: chat.PlatformSlack,
				Channel: o.channel, Thread: o.thread, Received: time.Now(), ReplyTo: o.responseURL}
			a.identify(ctx, &req.User)
			return a.run(ctx, req)
		}
		switch kind {
		case actionRun, actionPick:
			resp := ask()
			m := a.present(resp, o)
			// Paging and picking one of several matches replace the message;
			// other actions (show dependents) answer beside it.
			m.ReplaceOriginal = kind == actionPick || v.Page > 0
			a.post(ctx, o, m)
		case actionPart, actionShare:
			resp, ok := a.answers.get(v.Key)
			if !ok {
				if v.Command == "" {
					a.post(ctx, o, Render(&chat.Response{Ephemeral: true, Status: chat.StatusError, Text: errExpired.Error()}, RenderOptions{}))
					return
				}
				resp = ask()
				resp.Follow = nil // never run slow work again to page through it
			}
			key := v.Key
			if !ok {
				key = ""
			}
			if kind == actionShare {
				o.inChannel, o.share = true, false
				m := a.render(resp, o, v.Part, key)
				a.post(ctx, o, m)
				return
			}
			m := a.render(resp, o, v.Part, key)
			m.ReplaceOriginal = true
			a.post(ctx, o, m)
		}
	})
}

// threadOf is the thread a clicked message is in: the container says, or
// the message does (an ephemeral message has none, and no thread).
func threadOf(cb *slack.InteractionCallback) string {
	if cb.Container.ThreadTs != "" {
		return cb.Container.ThreadTs
	}
	return cb.Message.ThreadTimestamp
}

// messageShortcut runs the text of a message as a command ("Ask callboard"
// on a message), answering in its thread.
func (a *Adapter) messageShortcut(cb *slack.InteractionCallback) {
	if cb.CallbackID != callbackShortcut {
		return
	}
	thread := cb.Message.ThreadTimestamp
	if thread == "" {
		thread = cb.Message.Timestamp
	}
	// The person the message addressed (a mention it starts with) is not part of the question.
	text := incomingWithin(cb.Message.Text, "", true)
	o := origin{command: commandOf(text), responseURL: cb.ResponseURL, triggerID: cb.TriggerID,
		channel: cb.Channel.ID, thread: thread, user: cb.User.ID, share: true}
	req := &chat.Request{Text: text, Platform: chat.PlatformSlack, Channel: cb.Channel.ID, Thread: thread,
		User: chat.User{Platform: chat.PlatformSlack, ID: cb.User.ID, Name: cb.User.Name, Team: cb.Team.ID}, ReplyTo: cb.ResponseURL}
	a.background(func(ctx context.Context) {
		req.Received = time.Now()
		a.identify(ctx, &req.User)
		resp := a.run(ctx, req)
		m := a.present(resp, o)
		if a.api != nil && o.channel != "" {
			// Ephemeral, in the thread the message is in.
			err := a.retry(ctx, func() error {
				_, err := a.api.PostEphemeralContext(ctx, o.channel, o.user,
					slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionTS(thread))
				return err
			})
			if err == nil {
				return
			}
			a.log.Warn("slack: chat.postEphemeral failed; answering through response_url", "err", err)
		}
		a.post(ctx, o, m)
	})
}

// modalMeta is what a modal carries in private_metadata.
type modalMeta struct {
	Command  string   `json:"c"`
	Channel  string   `json:"ch,omitempty"`
	Thread   string   `json:"th,omitempty"`
	Inputs   []string `json:"n"`
	Required []string `json:"r,omitempty"`
}

// modalView builds a Slack modal from a chat.Modal.
func modalView(m *chat.Modal, o origin) (slack.ModalViewRequest, error) {
	meta := modalMeta{Command: m.Command, Channel: o.channel, Thread: o.thread}
	var blocks []slack.Block
	more := false
	for _, in := range m.Inputs {
		if !in.Required && !more {
			// The optional fields come after the required ones, under
			// their own heading, so the form reads as "this, and if you
			// like, that".
			if len(blocks)+2 > maxModalBlocks {
				break
			}
			more = true
			if len(blocks) > 0 {
				blocks = append(blocks, slack.NewDividerBlock())
			}
			blocks = append(blocks, slack.NewContextBlock("more", plainText("More options (optional): leave them as they are to use the template's defaults.")))
		}
		if len(blocks) == maxModalBlocks {
			if more {
				break // the optional fields that do not fit keep their defaults
			}
			return slack.ModalViewRequest{}, errors.New("the form has more than 100 fields")
		}
		meta.Inputs = append(meta.Inputs, in.Name)
		if in.Required {
			meta.Required = append(meta.Required, in.Name)
		}
		var el slack.BlockElement
		if len(in.Options) > 0 && len(in.Options) <= maxOptions {
			opts := make([]*slack.OptionBlockObject, len(in.Options))
			var initial *slack.OptionBlockObject
			for i, v := range in.Options {
				opts[i] = slack.NewOptionBlockObject(v, plainText(shorten(v, 75)), nil)
				if v == in.Default {
					initial = opts[i]
				}
			}
			sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder(in), "v", opts...)
			sel.InitialOption = initial
			el = sel
		} else {
			ti := slack.NewPlainTextInputBlockElement(placeholder(in), "v")
			ti.Multiline = in.Multiline
			ti.InitialValue = in.Default
			el = ti
		}
		label := in.Label
		if label == "" {
			label = in.Name
		}
		var hint *slack.TextBlockObject
		if in.Hint != "" {
			hint = plainText(shorten(in.Hint, 2000))
		}
		ib := slack.NewInputBlock(inputBlockID(in.Name), plainText(shorten(label, 2000)), hint, el)
		ib.Optional = !in.Required
		blocks = append(blocks, ib)
	}
	raw, _ := json.Marshal(meta)
	if len(raw) > maxMetadata {
		return slack.ModalViewRequest{}, errors.New("the form's command is too long for a Slack modal")
	}
	title := m.Title
	if title == "" {
		title = "callboard"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackModal,
		Title:           plainText(shorten(title, maxModalTitle)),
		Submit:          plainText("Submit"),
		Close:           plainText("Cancel"),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: string(raw),
	}, nil
}

func placeholder(in chat.ModalInput) *slack.TextBlockObject {
	if in.Placeholder == "" {
		return nil
	}
	return plainText(shorten(in.Placeholder, 150))
}

func inputBlockID(name string) string { return "in_" + shorten(name, 200) }

// openModal opens the form on the trigger (valid for 3 s).
func (a *Adapter) openModal(ctx context.Context, m *chat.Modal, o origin, full *chat.Response) {
	view, err := modalView(m, o)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err = a.api.OpenViewContext(ctx, o.triggerID, view)
		cancel()
	}
	if err != nil {
		resp := chat.ErrorResponse(ctx, a.log, chat.NewUserError("The form could not be opened. Type the command with `name=value` for each field instead.", err),
			"platform", "slack", "user", o.user, "during", "views.open")
		a.post(ctx, o, Render(resp, RenderOptions{}))
		if full != nil {
			a.post(ctx, o, Render(full, RenderOptions{}))
		}
	}
}

// quoteValue quotes a submitted value when it is not one plain word.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\"'") {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`
}

// viewSubmission turns a submitted modal into its command with key=value
// appended. Missing required values and answers of status usage come back
// as response_action errors, shown beside the fields.
func (a *Adapter) viewSubmission(ctx context.Context, cb *slack.InteractionCallback) any {
	var meta modalMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || len(meta.Inputs) == 0 {
		a.log.Warn("slack: modal without callboard metadata", "err", err)
		return nil
	}
	required := map[string]bool{}
	for _, n := range meta.Required {
		required[n] = true
	}
	errs := map[string]string{}
	var args []string
	for _, name := range meta.Inputs {
		v := ""
		if cb.View.State != nil {
			if ba, ok := cb.View.State.Values[inputBlockID(name)]["v"]; ok {
				v = ba.Value
				if ba.SelectedOption.Value != "" {
					v = ba.SelectedOption.Value
				}
			}
		}
		v = strings.TrimSpace(v)
		if v == "" {
			if required[name] {
				errs[inputBlockID(name)] = "Required."
			}
			continue
		}
		args = append(args, name+"="+quoteValue(v))
	}
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	command := strings.TrimSpace(meta.Command + " " + strings.Join(args, " "))
	o := origin{command: commandOf(command), channel: meta.Channel, thread: meta.Thread, user: cb.User.ID, inChannel: true}
	if o.channel == "" {
		o.channel = cb.User.ID // a DM from the bot
	}
	req := &chat.Request{Text: command, Platform: chat.PlatformSlack, Channel: meta.Channel, Thread: meta.Thread,
		User: chat.User{Platform: chat.PlatformSlack, ID: cb.User.ID, Name: cb.User.Name, Team: cb.Team.ID}, Received: time.Now()}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	a.identify(rctx, &req.User)
	resp := a.run(rctx, req)
	if resp.Status == chat.StatusUsage {
		return slack.NewErrorsViewSubmissionResponse(fieldErrors(resp, meta.Inputs))
	}
	if a.api == nil {
		a.log.Error("slack: cannot post a form's answer without a bot token", "user", o.user)
		return nil
	}
	a.background(func(ctx context.Context) {
		s := &chatSink{a: a, channel: o.channel, thread: o.thread}
		if err := s.send(ctx, a.render(resp, o, 0, "")); err != nil {
			a.log.Error("slack: could not post a form's answer", "channel", o.channel, "err", err)
			return
		}
		if resp.Follow != nil {
			a.followIn(ctx, resp.Follow, o, s)
		}
	})
	return slack.NewClearViewSubmissionResponse()
}

// fieldErrors places a usage answer beside the fields it names, else the first.
func fieldErrors(resp *chat.Response, inputs []string) map[string]string {
	msg := strings.TrimSpace(resp.Text)
	if msg == "" {
		msg = resp.Title
	}
	if msg == "" {
		msg = "This value is not accepted."
	}
	msg = shorten(msg, 2000)
	errs := map[string]string{}
	lower := strings.ToLower(msg)
	names := append([]string(nil), inputs...)
	sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	// Messages name a parameter quoted ("parameter 'name': …"); a value
	// asked in parts (repoUrl.owner, repoUrl.repo) is named whole. Else
	// any mention of a field's name.
	for _, named := range []func(n string) bool{
		func(n string) bool { return strings.Contains(lower, "'"+strings.ToLower(n)+"'") },
		func(n string) bool {
			base, _, ok := strings.Cut(n, ".")
			return ok && strings.Contains(lower, "'"+strings.ToLower(base)+"'")
		},
		func(n string) bool { return strings.Contains(lower, strings.ToLower(n)) },
	} {
		for _, n := range names {
			if named(n) {
				errs[inputBlockID(n)] = msg
			}
		}
		if len(errs) > 0 {
			break
		}
	}
	if len(errs) == 0 {
		errs[inputBlockID(inputs[0])] = msg
	}
	return errs
}
