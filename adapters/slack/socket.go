package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"strconv"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// maxAckPayload keeps a Socket Mode acknowledgement under Slack's 20 KB,
// past which it is dropped silently; a larger answer goes through response_url.
const maxAckPayload = 19 << 10

// RunSocketMode connects to Slack over Socket Mode (Config.AppToken) and
// serves commands, events and interactions through the same code as the
// HTTP endpoints, acknowledging every envelope by its envelope_id. It
// returns when ctx is done, or with an error when the connection cannot be
// (re)established.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack: Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-…)")
	}
	api := a.api
	if api == nil {
		api = slack.New("", slack.OptionAPIURL(a.cfg.APIURL), slack.OptionHTTPClient(a.cfg.HTTPClient),
			slack.OptionAppLevelToken(a.cfg.AppToken))
	}
	sm := socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-done
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: Socket Mode connection ended: %w", err)
		case evt := <-sm.Events:
			if err := a.socketEvent(ctx, sm, evt); err != nil {
				cancel()
				<-done
				return err
			}
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) error {
	ack := func(payload any) {
		if evt.Request == nil {
			return
		}
		var err error
		if payload == nil {
			err = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		} else {
			err = sm.AckCtx(ctx, evt.Request.EnvelopeID, payload)
		}
		if err != nil {
			a.log.Error("slack: Socket Mode ack failed", "envelope", evt.Request.EnvelopeID, "err", err)
		}
	}
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack: Socket Mode connected")
	case socketmode.EventTypeInvalidAuth:
		return errors.New("slack: Socket Mode refused the app-level token (invalid_auth)")
	case socketmode.EventTypeErrorBadMessage:
		// An envelope the client could not read (a type it does not know, a
		// payload it cannot decode) is still acknowledged, or Slack retries
		// it and the person sees an error.
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return nil
		}
		var env struct {
			EnvelopeID string `json:"envelope_id"`
			Type       string `json:"type"`
		}
		_ = json.Unmarshal(bad.Message, &env)
		a.log.Warn("slack: unreadable Socket Mode envelope", "type", env.Type, "envelope", env.EnvelopeID, "err", bad.Cause)
		if env.EnvelopeID != "" {
			if err := sm.AckCtx(ctx, env.EnvelopeID, nil); err != nil {
				a.log.Error("slack: Socket Mode ack failed", "envelope", env.EnvelopeID, "err", err)
			}
		}
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack: Socket Mode connection error; reconnecting", "err", evt.Data)
	case socketmode.EventTypeEventsAPI:
		ack(nil)
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return nil
		}
		id := ""
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
			id = cb.EventID
		}
		retry := ""
		if evt.Request != nil && evt.Request.RetryAttempt > 0 {
			retry = strconv.Itoa(evt.Request.RetryAttempt)
		}
		a.event(ctx, id, ev, retry)
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			ack(nil)
			return nil
		}
		c := a.command(ctx, sc)
		if len(c.json()) > maxAckPayload && sc.ResponseURL != "" {
			ack(nil)
			o := origin{responseURL: sc.ResponseURL, channel: sc.ChannelID, user: sc.UserID}
			m := *c.msg
			a.background(func(ctx context.Context) { a.post(ctx, o, m) })
			return nil
		}
		ack(c.json())
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			ack(nil)
			return nil
		}
		ack(a.interaction(ctx, &cb))
	}
	return nil
}
