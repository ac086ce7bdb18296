package slack

import (
	"context"
	"net/http"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/slack-go/slack"
)

// serveCommand answers a slash command. Catalog answers come straight back
// in the HTTP response; slow ones are acknowledged and finished later.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, _ []byte) {
	sc, err := slack.SlashCommandParse(r)
	if err != nil {
		a.log.Warn("slack: unreadable slash command", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	writeJSON(w, a.command(r.Context(), sc))
}

// command turns a slash command into the acknowledgement message (shared by
// HTTP and Socket Mode).
func (a *Adapter) command(ctx context.Context, sc slack.SlashCommand) Message {
	received := time.Now()
	text, ok := a.commandText(sc.Command, incomingText(sc.Text, "", false))
	if !ok {
		a.log.Warn("slack: slash command not configured", "command", sc.Command)
		return Render(&bot.Response{Status: bot.StatusUsage, Ephemeral: true,
			Text: "callboard does not know the command " + sc.Command + ". Use " + a.cfg.Command + " help."}, RenderOptions{})
	}
	req := &bot.Request{
		Text:     text,
		User:     bot.User{Platform: bot.PlatformSlack, ID: sc.UserID, Name: sc.UserName, Team: sc.TeamID},
		Platform: bot.PlatformSlack,
		Channel:  sc.ChannelID,
		Received: received,
	}
	a.identify(ctx, &req.User)
	resp := a.run(ctx, req)
	return a.present(resp, origin{
		command:     text,
		responseURL: sc.ResponseURL,
		triggerID:   sc.TriggerID,
		channel:     sc.ChannelID,
		user:        sc.UserID,
		inChannel:   a.cfg.InChannel && !resp.Ephemeral,
		share:       true,
	})
}
