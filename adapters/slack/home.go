package slack

import (
	"context"
	"fmt"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// A Home tab view holds at most 100 blocks (Slack's views reference).
const maxHomeBlocks = 100

// homeTimeout bounds building and publishing one Home tab.
const homeTimeout = 30 * time.Second

// HomeView renders resp (the `me` answer) as a Home tab view, within
// Slack's 100 blocks (and the text budget of a message, as views.publish
// is not documented to allow more): what does not fit is cut with a note that `me` in a
// message shows it whole. updated is shown as when the tab was built.
func HomeView(resp *chat.Response, o RenderOptions, updated time.Time) slack.HomeTabViewRequest {
	units := bodyUnits(resp, o)
	var blocks []slack.Block
	note := fmt.Sprintf("Updated %s, each time you open this tab. Type `/callboard me` anywhere for the same page as a message.", updated.UTC().Format("15:04 UTC Mon 2 Jan"))
	chars := 0
	for i, u := range units {
		chars += u.chars
		if (len(blocks) == maxHomeBlocks-2 && i < len(units)-1) || chars > maxBlockChars-tailChars {
			blocks = append(blocks, slack.NewContextBlock("", mdText(fmt.Sprintf("…%d more blocks do not fit the Home tab: `/callboard me` shows everything.", len(units)-i))))
			break
		}
		blocks = append(blocks, u.block)
	}
	blocks = append(blocks, slack.NewContextBlock("callboard_home_updated", mdText(note)))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "callboard_home", Blocks: slack.Blocks{BlockSet: blocks}}
}

// appHome answers app_home_opened: the event is acknowledged already; the
// person's page is built and published in the background, bounded by the
// adapter's life and homeTimeout.
func (a *Adapter) appHome(eventID string, in *slackevents.AppHomeOpenedEvent, team string) {
	if a.api == nil {
		a.log.Error("slack: cannot publish the Home tab without a bot token (SLACK_BOT_TOKEN)", "event", eventID)
		return
	}
	a.background(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, homeTimeout)
		defer cancel()
		req := &chat.Request{Text: "me", Platform: chat.PlatformSlack, DeliveryID: eventID, Received: time.Now(),
			User: chat.User{Platform: chat.PlatformSlack, ID: in.User, Team: team}}
		a.identify(ctx, &req.User)
		resp := a.run(ctx, req)
		view := HomeView(resp, a.renderOptions(origin{command: "me", user: in.User}, 0, ""), time.Now())
		err := a.retry(ctx, func() error {
			_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: in.User, View: view})
			return err
		})
		if err != nil {
			a.log.Error("slack: could not publish the Home tab", "user", in.User, "event", eventID, "err", err)
		}
	})
}
