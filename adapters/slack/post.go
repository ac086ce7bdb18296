package slack

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/callboard/callboard/bot"
)

// Post implements bot.Poster: it posts resp, rendered for the channel, as
// a new message with chat.postMessage and returns its ts. A long answer's
// first part is posted; its "next part" button serves the rest.
func (a *Adapter) Post(ctx context.Context, channel string, resp *bot.Response) (ts string, err error) {
	if a.api == nil {
		return "", errors.New("slack: posting needs the bot token (SLACK_BOT_TOKEN)")
	}
	m := a.render(resp, origin{channel: channel, inChannel: true}, 0, "")
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	err = a.retry(ctx, func() error {
		var perr error
		_, ts, perr = a.api.PostMessageContext(ctx, channel, opts...)
		return perr
	})
	return ts, err
}
