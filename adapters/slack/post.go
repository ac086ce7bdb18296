package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// errNoBotToken is posting without SLACK_BOT_TOKEN.
var errNoBotToken = errors.New("slack: posting needs a bot token (SLACK_BOT_TOKEN)")

// Post posts resp in channel (an id, or a #name) with chat.postMessage,
// rendered as answers are, and returns the message's ts. It is how
// callboard speaks unasked: alert cards, digests. A 429 is a
// *chat.RetryLaterError with Slack's Retry-After; Post does not wait itself,
// so the caller's backoff decides.
func (a *Adapter) Post(ctx context.Context, channel string, resp *chat.Response) (ts string, err error) {
	return a.postIn(ctx, channel, "", resp)
}

// ReplyInThread posts resp in the thread of the message ts in channel and
// returns the reply's ts.
func (a *Adapter) ReplyInThread(ctx context.Context, channel, ts string, resp *chat.Response) (string, error) {
	if ts == "" {
		return "", errors.New("slack: a threaded reply needs the parent message's ts")
	}
	return a.postIn(ctx, channel, ts, resp)
}

// Update replaces the message ts in channel with resp (chat.update).
func (a *Adapter) Update(ctx context.Context, channel, ts string, resp *chat.Response) error {
	if a.api == nil {
		return errNoBotToken
	}
	m := a.render(resp, origin{channel: channel, inChannel: true}, 0, "")
	_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
	return postError("chat.update", channel, err)
}

func (a *Adapter) postIn(ctx context.Context, channel, thread string, resp *chat.Response) (string, error) {
	if a.api == nil {
		return "", errNoBotToken
	}
	if channel == "" {
		return "", errors.New("slack: no channel to post to")
	}
	m := a.render(resp, origin{channel: channel, thread: thread, inChannel: true}, 0, "")
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	return ts, postError("chat.postMessage", channel, err)
}

// postError names the method and channel, and turns a 429 into a
// *chat.RetryLaterError.
func postError(method, channel string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &chat.RetryLaterError{After: rl.RetryAfter, Err: fmt.Errorf("slack %s in %s: rate limited", method, channel)}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "channel_not_found", "not_in_channel", "is_archived", "restricted_action", "cannot_reply_to_message":
			return fmt.Errorf("slack %s in %s: %w: %w", method, channel, chat.ErrChannelUnusable, err)
		}
	}
	return fmt.Errorf("slack %s in %s: %w", method, channel, err)
}
