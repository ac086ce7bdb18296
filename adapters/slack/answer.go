package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

var errExpired = errors.New("this button has expired; ask again")

// origin is where a request came from and how to answer it later.
type origin struct {
	command     string // the bot command line that was run
	page        int
	responseURL string
	triggerID   string
	channel     string
	thread      string
	user        string
	inChannel   bool // the answer is visible to the channel
	share       bool // offer "share in channel"
}

const (
	responseURLUses     = 5
	responseURLLifetime = 30 * time.Minute
)

// run calls the handler; an error or a nil answer becomes an answer that says so.
func (a *Adapter) run(ctx context.Context, req *chat.Request) *chat.Response {
	if resp := chat.TextTooLong(req.Text); resp != nil {
		a.log.Warn("slack: command text over the limit; not run", "user", req.User.ID, "channel", req.Channel, "bytes", len(req.Text))
		return resp
	}
	resp, err := a.h.Handle(ctx, req)
	if errors.Is(err, chat.ErrDuplicate) {
		a.log.Info("slack: delivery already handled", "delivery", req.DeliveryID, "user", req.User.ID)
		return duplicateNote()
	}
	if err != nil {
		return chat.ErrorResponse(ctx, a.log, err, "platform", "slack", "user", req.User.ID, "channel", req.Channel)
	}
	if resp == nil {
		return &chat.Response{Status: chat.StatusError, Ephemeral: true, Text: "No answer came back for that. Try `help`."}
	}
	return resp
}

func (a *Adapter) renderOptions(o origin, part int, key string) RenderOptions {
	return RenderOptions{Command: o.command, Page: o.page, Part: part, Key: key,
		Share: o.share, InChannel: o.inChannel, TeamChannel: a.cfg.TeamChannel, values: a.values}
}

// render renders part of resp; a long answer is stored so its other parts
// are served without running the command again.
func (a *Adapter) render(resp *chat.Response, o origin, part int, key string) Message {
	m := Render(resp, a.renderOptions(o, part, key))
	if m.Parts > 1 && key == "" {
		stored := *resp
		stored.Follow = nil
		key = a.answers.put(&stored)
		m = Render(resp, a.renderOptions(o, part, key))
	}
	return m
}

// present renders the first answer to a request and starts what follows it:
// the modal, the slow work.
func (a *Adapter) present(resp *chat.Response, o origin) Message {
	if resp.Ephemeral {
		o.inChannel = false
	}
	if resp.Modal != nil && o.triggerID != "" && a.api != nil {
		// The form asks for what is missing: the acknowledgement says only
		// that it opens, not the "needs more" text as well. Should the form
		// fail to open, that text is posted then, with why.
		modal, full := *resp.Modal, *resp
		full.Follow = nil
		a.background(func(ctx context.Context) { a.openModal(ctx, &modal, o, &full) })
		m := a.render(&chat.Response{Text: "Opening the form: " + modal.Title + "…", Status: resp.Status, Ephemeral: true}, o, 0, "")
		if resp.Follow != nil {
			follow := resp.Follow
			a.background(func(ctx context.Context) { a.follow(ctx, follow, o) })
		}
		return m
	}
	m := a.render(resp, o, 0, "")
	if resp.Follow != nil {
		follow := resp.Follow
		a.background(func(ctx context.Context) { a.follow(ctx, follow, o) })
	}
	return m
}

// sink is where follow-up messages of one answer go.
type sink interface {
	// send delivers m, replacing the previous message of this answer.
	send(ctx context.Context, m Message) error
	// spare is how many more messages can be sent (a large number when unbounded).
	spare() int
}

func (a *Adapter) sinkFor(o origin) sink {
	if o.responseURL != "" {
		return &responseURLSink{a: a, url: o.responseURL, started: time.Now(), fallback: a.chatSinkFor(o)}
	}
	return a.chatSinkFor(o)
}

func (a *Adapter) chatSinkFor(o origin) sink {
	if a.api == nil || o.channel == "" {
		return nil
	}
	return &chatSink{a: a, channel: o.channel, thread: o.thread}
}

// follow runs slow work, delivering each new version of the message. A
// response_url allows five messages: the last is kept for the result, so
// progress beyond the budget is coalesced rather than lost.
func (a *Adapter) follow(ctx context.Context, work followFunc, o origin) {
	a.followIn(ctx, work, o, a.sinkFor(o))
}

type followFunc = func(context.Context, func(*chat.Response) error) error

// followIn runs slow work delivering to s.
func (a *Adapter) followIn(ctx context.Context, work followFunc, o origin, s sink) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.FollowTimeout)
	defer cancel()
	if s == nil {
		a.log.Error("slack: nowhere to deliver a slow answer (no response_url, no bot token or channel)", "user", o.user)
		return
	}
	var mu sync.Mutex
	var pending *Message
	update := func(r *chat.Response) error {
		if r == nil {
			return nil
		}
		m := a.render(r, o, 0, "")
		m.ReplaceOriginal = true
		if r.Ephemeral {
			m.ResponseType = slack.ResponseTypeEphemeral
		}
		mu.Lock()
		defer mu.Unlock()
		if s.spare() > 1 {
			pending = nil
			return s.send(ctx, m)
		}
		pending = &m
		return nil
	}
	err := work(ctx, update)
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		resp := chat.FollowUpFailed(ctx, a.log, err, "platform", "slack", "user", o.user, "command", o.command)
		m := Render(resp, a.renderOptions(o, 0, ""))
		m.ReplaceOriginal = true
		pending = &m
	}
	if pending != nil {
		// The result must arrive even if the work's context has ended.
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer dcancel()
		if err := s.send(dctx, *pending); err != nil {
			a.log.Error("slack: could not deliver a result", "user", o.user, "err", err)
		}
	}
}

// responseURLSink posts to a response_url: at most five times within 30
// minutes, then through chat.postMessage when a bot token allows.
type responseURLSink struct {
	a        *Adapter
	url      string
	uses     int
	started  time.Time
	fallback sink
}

func (s *responseURLSink) usable() bool {
	return s.uses < responseURLUses && time.Since(s.started) < responseURLLifetime-time.Minute
}

func (s *responseURLSink) spare() int {
	if s.usable() {
		return responseURLUses - s.uses
	}
	if s.fallback != nil {
		return s.fallback.spare()
	}
	return 0
}

func (s *responseURLSink) send(ctx context.Context, m Message) error {
	if !s.usable() {
		if s.fallback == nil {
			return errors.New("response_url used up or expired and no bot token to post with")
		}
		return s.fallback.send(ctx, m)
	}
	s.uses++
	return s.a.postResponseURL(ctx, s.url, m)
}

// postResponseURL posts m to a response_url, retrying on 429.
func (a *Adapter) postResponseURL(ctx context.Context, url string, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	return a.retry(ctx, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.httpc.Do(req)
		if err != nil {
			return fmt.Errorf("post to response_url: %w", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &slack.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("response_url answered %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
		}
		var env struct {
			OK    *bool  `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &env) == nil && env.OK != nil && !*env.OK {
			return fmt.Errorf("response_url refused the message: %s", env.Error)
		}
		return nil
	})
}

// Reply implements bot.Replier: it replaces the message a request was
// answered with by posting resp to addr, the request's response_url
// (chat.Request.ReplyTo), as a follow-up on another replica would have.
func (a *Adapter) Reply(ctx context.Context, addr string, resp *chat.Response) error {
	if !strings.HasPrefix(addr, "https://") && !strings.HasPrefix(addr, "http://") {
		return errors.New("slack: the reply address is not a response_url")
	}
	m := Render(resp, RenderOptions{TeamChannel: a.cfg.TeamChannel, values: a.values})
	m.ReplaceOriginal = true
	if resp.Ephemeral {
		m.ResponseType = slack.ResponseTypeEphemeral
	}
	return a.postResponseURL(ctx, addr, m)
}

// chatSink posts one message with chat.postMessage and updates it with chat.update.
type chatSink struct {
	a       *Adapter
	channel string
	thread  string
	ts      string
}

func (s *chatSink) spare() int { return 1 << 30 }

func (s *chatSink) send(ctx context.Context, m Message) error {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if s.ts == "" {
		if s.thread != "" {
			opts = append(opts, slack.MsgOptionTS(s.thread))
		}
		return s.a.retry(ctx, func() error {
			_, ts, err := s.a.api.PostMessageContext(ctx, s.channel, opts...)
			if err == nil {
				s.ts = ts
			}
			return err
		})
	}
	return s.a.retry(ctx, func() error {
		_, _, _, err := s.a.api.UpdateMessageContext(ctx, s.channel, s.ts, opts...)
		return err
	})
}

// retry calls f again when Slack answers 429, after its Retry-After.
func (a *Adapter) retry(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt >= a.cfg.MaxRetries {
			return err
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		a.log.Warn("slack: rate limited, retrying", "after", wait, "attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// post delivers a one-off message for o (a button's answer, a shortcut's):
// through its response_url, else chat.postMessage.
func (a *Adapter) post(ctx context.Context, o origin, m Message) {
	var err error
	switch {
	case o.responseURL != "":
		err = a.postResponseURL(ctx, o.responseURL, m)
	case a.api != nil && o.channel != "":
		err = (&chatSink{a: a, channel: o.channel, thread: o.thread}).send(ctx, m)
	default:
		err = errors.New("no response_url and no bot token")
	}
	if err != nil {
		a.log.Error("slack: could not deliver an answer", "user", o.user, "channel", o.channel, "err", err)
	}
}

// identifyKnown does what identify does without asking Slack: it reports
// true when nothing is left to ask (no bot token, no user id, the user
// cached, or known not to be found).
func (a *Adapter) identifyKnown(u *chat.User) bool {
	if a.api == nil || u.ID == "" {
		return true
	}
	if cached, ok := a.users.get(u.ID); ok {
		fillUser(u, cached)
		return true
	}
	_, missed := a.misses.get(u.ID)
	return missed
}

// identify fills the user's email from users.info (cached), so the bot can
// map the person by email when no slack.com/user-id annotation names them.
func (a *Adapter) identify(ctx context.Context, u *chat.User) {
	if a.identifyKnown(u) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	info, err := a.api.GetUserInfoContext(ctx, u.ID)
	if err != nil {
		a.log.Warn("slack: users.info failed; answering without the email", "user", u.ID, "err", err)
		// Remember the miss for seconds (UserMissTTL), not for the hour a
		// real answer is kept: so every request does not wait on a Slack
		// outage, yet the email is back soon after it ends.
		a.misses.set(u.ID, struct{}{})
		return
	}
	a.users.set(u.ID, *info)
	fillUser(u, *info)
}

func fillUser(u *chat.User, info slack.User) {
	if info.Profile.Email != "" {
		u.Email = info.Profile.Email
	}
	if u.Name == "" {
		u.Name = info.Name
	}
}
