package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// Post posts resp in channel (a channel id) through the bot's REST session,
// rendered as answers are (the first part), and returns the message id. It
// is how callboard speaks unasked: alert cards, digests. A 429 is a
// *chat.RetryLaterError with Discord's retry_after.
func (a *Adapter) Post(ctx context.Context, channel string, resp *chat.Response) (string, error) {
	return a.postRef(ctx, channel, resp, nil)
}

// ReplyInThread answers the message id in channel with resp, as a reply
// that quotes it (Discord's threads need a permission a bot often lacks; a
// reply shows under the card the same way).
func (a *Adapter) ReplyInThread(ctx context.Context, channel, id string, resp *chat.Response) (string, error) {
	if id == "" {
		return "", errors.New("discord: a reply needs the card's message id")
	}
	return a.postRef(ctx, channel, resp, &discordgo.MessageReference{MessageID: id, ChannelID: channel})
}

// Update replaces the message id in channel with resp.
func (a *Adapter) Update(ctx context.Context, channel, id string, resp *chat.Response) error {
	w := wire(a.render.render(resp)[0])
	edit := &discordgo.MessageEdit{ID: id, Channel: channel, Content: &w.Content, Embeds: &w.Embeds, Components: &w.Components, AllowedMentions: noMentions}
	_, err := a.cfg.Session.ChannelMessageEditComplex(edit, discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
	return postError("edit a message", channel, err)
}

func (a *Adapter) postRef(ctx context.Context, channel string, resp *chat.Response, ref *discordgo.MessageReference) (string, error) {
	if channel == "" {
		return "", errors.New("discord: no channel to post to")
	}
	m, err := a.cfg.Session.ChannelMessageSendComplex(channel, a.send(resp, ref), discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
	if err != nil {
		return "", postError("post a message", channel, err)
	}
	return m.ID, nil
}

// postError names what failed where, and turns a 429 into a *chat.RetryLaterError.
func postError(what, channel string, err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil {
		return &chat.RetryLaterError{After: rl.RetryAfter, Err: fmt.Errorf("discord: %s in %s: rate limited", what, channel)}
	}
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusTooManyRequests {
		after := time.Second
		if s, e := strconv.ParseFloat(rest.Response.Header.Get("Retry-After"), 64); e == nil && s > 0 {
			after = time.Duration(s * float64(time.Second))
		}
		return &chat.RetryLaterError{After: after, Err: fmt.Errorf("discord: %s in %s: rate limited", what, channel)}
	}
	if errors.As(err, &rest) && rest.Message != nil {
		switch rest.Message.Code {
		case discordgo.ErrCodeUnknownChannel, discordgo.ErrCodeMissingAccess, discordgo.ErrCodeMissingPermissions:
			return fmt.Errorf("discord: %s in %s: %w: %w", what, channel, chat.ErrChannelUnusable, err)
		}
	}
	return fmt.Errorf("discord: %s in %s: %w", what, channel, err)
}
