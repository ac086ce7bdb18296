package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack/slackevents"
)

// dedupeTTL outlives Slack's retries (immediately, 1 min, 5 min).
const dedupeTTL = time.Hour

// serveEvent answers the Events API: the URL check at once; events are
// acknowledged with 200 before any work, and a retried delivery is never
// processed twice.
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		// slack-go refuses event types it does not know. Slack keeps
		// retrying, and may turn off the subscription of, an app that
		// refuses its events, so a well-formed envelope gets its 200.
		var outer struct {
			Type    string `json:"type"`
			EventID string `json:"event_id"`
			Event   struct {
				Type string `json:"type"`
			} `json:"event"`
		}
		if json.Unmarshal(body, &outer) != nil || outer.Type == "" {
			a.log.Warn("slack: unreadable event", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		a.log.Info("slack: event not handled", "type", outer.Type, "event_type", outer.Event.Type, "event", outer.EventID, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		uv, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if !ok {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]string{"challenge": uv.Challenge})
	case slackevents.CallbackEvent:
		cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
		if !ok {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		a.event(r.Context(), cb.EventID, ev, r.Header.Get("X-Slack-Retry-Num"))
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// event processes one Events API callback (HTTP and Socket Mode), at most
// once per event_id and once per message.
func (a *Adapter) event(ctx context.Context, eventID string, ev slackevents.EventsAPIEvent, retry string) {
	var req *chat.Request
	var o origin
	var ts string // the message's own timestamp
	var home *slackevents.AppHomeOpenedEvent
	self := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		self = botUserID(cb.Authorizations)
	}
	switch in := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if in.BotID != "" || in.User == "" {
			return
		}
		thread := in.ThreadTimeStamp
		if thread == "" {
			thread = in.TimeStamp
		}
		// Without the bot's id (no authorizations), the mention it starts with is the bot's.
		req = &chat.Request{Text: incomingWithin(in.Text, self, self == ""), Channel: in.Channel, Thread: thread,
			User: chat.User{Platform: chat.PlatformSlack, ID: in.User, Team: ev.TeamID}}
		o = origin{channel: in.Channel, thread: thread, user: in.User, inChannel: true}
		ts = in.TimeStamp
	case *slackevents.MessageEvent:
		// Direct messages from people only: edits, deletions, joins and
		// bots' messages (their own included) are not commands.
		if in.ChannelType != "im" || !personMessage(in.SubType) || in.BotID != "" || in.User == "" {
			return
		}
		text := incomingWithin(in.Text, self, self == "")
		if text == "" {
			return // a file sent without a word
		}
		req = &chat.Request{Text: text, Channel: in.Channel, Thread: in.ThreadTimeStamp,
			User: chat.User{Platform: chat.PlatformSlack, ID: in.User, Team: ev.TeamID}}
		o = origin{channel: in.Channel, thread: in.ThreadTimeStamp, user: in.User, inChannel: true}
		ts = in.TimeStamp
	case *slackevents.AppHomeOpenedEvent:
		// The messages tab opens too; only the Home tab is built.
		if in.Tab != "home" || in.User == "" {
			return
		}
		home = in
	default:
		return
	}
	if eventID != "" {
		sctx, done := chat.StateContextFor(ctx, a.dedupe)
		first, err := a.dedupe.FirstSeen(sctx, "slack:event:"+eventID, dedupeTTL)
		done()
		if err != nil {
			a.log.Error("slack: dedupe failed; processing the event", "event", eventID, "err", err)
		} else if !first {
			a.log.Info("slack: duplicate delivery ignored", "event", eventID, "retry", retry)
			return
		}
	}
	if ts != "" {
		// A mention in a DM arrives twice, as app_mention and as
		// message.im, with different event ids: one message, one answer.
		sctx, done := chat.StateContextFor(ctx, a.dedupe)
		first, err := a.dedupe.FirstSeen(sctx, "slack:message:"+o.channel+":"+ts, dedupeTTL)
		done()
		if err != nil {
			a.log.Error("slack: dedupe failed; processing the event", "event", eventID, "err", err)
		} else if !first {
			a.log.Info("slack: message already answered from another event", "event", eventID, "channel", o.channel, "ts", ts)
			return
		}
	}
	if home != nil {
		a.appHome(eventID, home, ev.TeamID)
		return
	}
	if a.api == nil {
		a.log.Error("slack: cannot answer a mention or DM without a bot token (SLACK_BOT_TOKEN)", "event", eventID)
		return
	}
	req.Platform = chat.PlatformSlack
	req.DeliveryID = eventID
	req.Received = time.Now()
	o.command = commandOf(req.Text)
	a.background(func(ctx context.Context) {
		a.identify(ctx, &req.User)
		resp := a.run(ctx, req)
		s := &chatSink{a: a, channel: o.channel, thread: o.thread}
		m := a.render(resp, o, 0, "")
		if err := s.send(ctx, m); err != nil {
			a.log.Error("slack: could not post an answer", "channel", o.channel, "event", eventID, "err", err)
			return
		}
		if resp.Follow != nil {
			a.followIn(ctx, resp.Follow, o, s)
		}
	})
}

// personMessage reports whether a message subtype is something a person
// wrote: a plain message, one also sent to the channel from a thread, or one
// with a file attached.
func personMessage(subtype string) bool {
	switch subtype {
	case "", "thread_broadcast", "file_share":
		return true
	}
	return false
}
