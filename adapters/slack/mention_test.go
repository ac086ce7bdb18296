package slack

import "testing"

// The bot writes a channel or user mention as a link with no text; the
// Slack renderer turns it into Slack's mention syntax.
func TestMrkdwnRendersTheBotsMentions(t *testing.T) {
	for in, want := range map[string]string{
		"Channel: [](#C0SRE12345)":      "Channel: <#C0SRE12345>",
		"[](@U0DANA1234) Dana Diaz":     "<@U0DANA1234> Dana Diaz",
		"<@U0DANA1234> typed in a name": "&lt;@U0DANA1234&gt; typed in a name",
	} {
		if got := mrkdwn(in); got != want {
			t.Errorf("mrkdwn(%q) = %q, want %q", in, got, want)
		}
	}
}
