package slack

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// Slack's Block Kit limits (platforms.md, checked against Slack's reference).
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxFields      = 10
	maxFieldText   = 2000
	maxHeaderText  = 150
	maxElements    = 25
	maxButtonText  = 75
	maxButtonValue = 2000
	maxContext     = 10
	// maxBlockChars keeps all text of one message below the point where
	// Slack answers msg_blocks_too_long (reported near 13,000).
	maxBlockChars = 12000
	// tail budget: the navigation actions and the part context.
	tailBlocks = 2
	tailChars  = 400
)

// Action ids of the buttons this adapter renders.
const (
	actionRun   = "callboard_run"   // a chat.Action: run its command
	actionPick  = "callboard_pick"  // a suggestion: run it in place of the ambiguous answer
	actionPart  = "callboard_part"  // next part of a long answer
	actionShare = "callboard_share" // repost in the channel
)

// Message is a Slack message as sent in an HTTP reply, through response_url
// or chat.postMessage.
type Message struct {
	ResponseType    string        `json:"response_type,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	// Parts is how many messages the whole answer takes (not sent).
	Parts int `json:"-"`
}

// RenderOptions say where a rendered message sits.
type RenderOptions struct {
	// Command produced the response; buttons carry it to fetch the next part or share.
	Command string
	// Page is the bot page the response is (Request.Page).
	Page int
	// Part is the 0-based part of a long answer to render.
	Part int
	// Key names the stored response the buttons refer to ("" none).
	Key string
	// Share offers a "share in channel" button.
	Share bool
	// InChannel marks the message as visible to the channel.
	InChannel bool
	// TeamChannel resolves a group's entity ref to its Slack channel (id or
	// name), so mentions of teams link their channels. Nil: no links.
	TeamChannel func(ref string) string

	// values keeps button values too long for Slack (the Adapter's store).
	// Render outside an Adapter has none: such a button answers that it
	// expired.
	values *valueStore
}

// actionValue is what a button carries back to the adapter.
type actionValue struct {
	Command string `json:"c,omitempty"`
	Page    int    `json:"p,omitempty"`
	Part    int    `json:"s,omitempty"`
	Key     string `json:"k,omitempty"`
	// Ref names a value kept in the value store when it was too long for a button.
	Ref string `json:"v,omitempty"`
}

// encode is json.Marshal(v), written field by field (a button or two on
// every answer went through reflection).
func (v actionValue) encode() string {
	b := make([]byte, 0, 24+len(v.Command)+len(v.Key)+len(v.Ref))
	b = append(b, '{')
	field := func(name string) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if v.Command != "" {
		field("c")
		b = appendJSONString(b, v.Command)
	}
	if v.Page != 0 {
		field("p")
		b = strconv.AppendInt(b, int64(v.Page), 10)
	}
	if v.Part != 0 {
		field("s")
		b = strconv.AppendInt(b, int64(v.Part), 10)
	}
	if v.Key != "" {
		field("k")
		b = appendJSONString(b, v.Key)
	}
	if v.Ref != "" {
		field("v")
		b = appendJSONString(b, v.Ref)
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as encoding/json writes it: printable ASCII
// that needs no escape as it is, anything else through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// decodeValue reads a button value as it came; a Ref is resolved by
// valueStore.decode.
func decodeValue(s string) (actionValue, error) {
	var v actionValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, fmt.Errorf("button value is not callboard's: %w", err)
	}
	return v, nil
}

type unit struct {
	block slack.Block
	chars int
}

func mdText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// textUnits turns mrkdwn text into as many sections as it needs.
func textUnits(s string) []unit {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if n := runes(s); n <= maxSectionText {
		return []unit{{slack.NewSectionBlock(mdText(s), nil, nil), n}} // split's one piece
	}
	var out []unit
	for _, p := range split(s, maxSectionText) {
		if strings.TrimSpace(p) == "" {
			continue
		}
		out = append(out, unit{slack.NewSectionBlock(mdText(p), nil, nil), runes(p)})
	}
	return out
}

// fieldUnits renders name/value facts, 10 to a section; a value too long for
// a field becomes a section of its own.
func fieldUnits(fields []chat.Field) []unit {
	if len(fields) == 0 {
		return nil
	}
	var out []unit
	cur := make([]*slack.TextBlockObject, 0, min(len(fields), maxFields))
	n := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, unit{slack.NewSectionBlock(nil, cur, nil), n})
			cur, n = nil, 0
		}
	}
	for _, f := range fields {
		t := "*" + mrkdwn(f.Name) + "*\n" + mrkdwn(f.Value)
		if runes(t) > maxFieldText {
			flush()
			out = append(out, textUnits(t)...)
			continue
		}
		cur = append(cur, mdText(t))
		n += runes(t)
		if len(cur) == maxFields {
			flush()
		}
	}
	flush()
	return out
}

func itemLine(it chat.Item, teamChannel func(string) string) string {
	var b strings.Builder
	b.WriteString("• ")
	if it.URL != "" {
		b.WriteString(link(it.URL, it.Text))
	} else {
		b.WriteString(mrkdwn(it.Text))
	}
	if it.Detail != "" {
		b.WriteString(" — ")
		b.WriteString(mrkdwn(it.Detail))
	}
	if ch := channelLink(it.Ref, teamChannel); ch != "" {
		b.WriteString(" · ")
		b.WriteString(ch)
	}
	return b.String()
}

// channelLink links a team's channel when ref names a group that has one.
func channelLink(ref string, teamChannel func(string) string) string {
	if teamChannel == nil || !strings.HasPrefix(strings.ToLower(ref), "group:") {
		return ""
	}
	ch := strings.TrimPrefix(strings.TrimSpace(teamChannel(ref)), "#")
	switch {
	case ch == "":
		return ""
	case bot.IsSlackChannelID(ch):
		return "<#" + ch + ">"
	default:
		return "#" + escape(ch)
	}
}

func buttonUnits(prefix string, buttons []*slack.ButtonBlockElement) []unit {
	var out []unit
	for i := 0; i < len(buttons); i += maxElements {
		end := min(i+maxElements, len(buttons))
		els := make([]slack.BlockElement, 0, end-i)
		n := 0
		for j, b := range buttons[i:end] {
			b.ActionID = prefix + ":" + strconv.Itoa(i+j)
			els = append(els, b)
			n += runes(b.Text.Text)
		}
		out = append(out, unit{slack.NewActionBlock("", els...), n})
	}
	return out
}

func button(label, value, style string) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement("", value, plainText(shorten(label, maxButtonText)))
	switch style {
	case "primary":
		b.Style = slack.StylePrimary
	case "danger":
		b.Style = slack.StyleDanger
	}
	return b
}

// bodyUnits renders everything of resp but the navigation.
func bodyUnits(resp *chat.Response, o RenderOptions) []unit {
	// Header, text, fields, links, buttons: an answer card's usual blocks.
	out := make([]unit, 0, 6+len(resp.Sections))
	if t := strings.TrimSpace(resp.Title); t != "" {
		if runes(t) <= maxHeaderText {
			out = append(out, unit{slack.NewHeaderBlock(plainText(t)), runes(t)})
		} else {
			out = append(out, textUnits("*"+mrkdwn(t)+"*")...)
		}
	}
	out = append(out, textUnits(mrkdwn(resp.Text))...)
	out = append(out, fieldUnits(resp.Fields)...)
	for _, s := range resp.Sections {
		head := ""
		if s.Title != "" {
			head = "*" + mrkdwn(s.Title) + "*"
		}
		if s.Text != "" {
			if head != "" {
				head += "\n"
			}
			head += mrkdwn(s.Text)
		}
		out = append(out, textUnits(head)...)
		out = append(out, fieldUnits(s.Fields)...)
		if len(s.Items) > 0 {
			lines := make([]string, len(s.Items))
			for i, it := range s.Items {
				lines[i] = itemLine(it, o.TeamChannel)
			}
			out = append(out, textUnits(strings.Join(lines, "\n"))...)
		}
	}
	for _, d := range resp.Docs {
		title := d.Title
		if d.Heading != "" && d.Heading != d.Title {
			title += " › " + d.Heading
		}
		t := "*" + link(d.URL, title) + "*"
		if d.Snippet != "" {
			t += "\n" + mrkdwn(d.Snippet)
		}
		out = append(out, textUnits(t)...)
	}
	if len(resp.Links) > 0 {
		lines := make([]string, len(resp.Links))
		for i, l := range resp.Links {
			lines[i] = "• " + link(l.URL, l.Title)
		}
		out = append(out, textUnits(strings.Join(lines, "\n"))...)
	}
	if len(resp.Suggestions) > 0 {
		bs := make([]*slack.ButtonBlockElement, 0, len(resp.Suggestions))
		for _, s := range resp.Suggestions {
			bs = append(bs, button(s.Label, valueFor(o.values, actionValue{Command: s.Command}), ""))
		}
		out = append(out, buttonUnits(actionPick, bs)...)
	}
	if len(resp.Actions) > 0 {
		bs := make([]*slack.ButtonBlockElement, 0, len(resp.Actions))
		for _, a := range resp.Actions {
			bs = append(bs, button(a.Label, valueFor(o.values, actionValue{Command: a.Command, Page: a.Page}), a.Style))
		}
		out = append(out, buttonUnits(actionRun, bs)...)
	}
	if p := resp.Page; p != nil && p.Total > 1 {
		t := fmt.Sprintf("Page %d of %d · %d items", p.Index+1, p.Total, p.Items)
		out = append(out, unit{slack.NewContextBlock("", mdText(t)), runes(t)})
	}
	return out
}

// valueFor encodes a button value; one too long for Slack is kept in the
// adapter's value store and the button carries its key.
func valueFor(store *valueStore, v actionValue) string {
	s := v.encode()
	if len(s) <= maxButtonValue {
		return s
	}
	return actionValue{Ref: store.put(s)}.encode()
}

// parts splits units into messages within the block and character budgets.
func parts(units []unit) [][]unit {
	var out [][]unit
	var cur []unit
	chars := 0
	for _, u := range units {
		if len(cur) > 0 && (len(cur)+1 > maxBlocks-tailBlocks || chars+u.chars > maxBlockChars-tailChars) {
			out = append(out, cur)
			cur, chars = nil, 0
		}
		cur = append(cur, u)
		chars += u.chars
	}
	if len(cur) > 0 || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// Render renders one part of resp as a Slack message within Slack's limits.
// Message.Parts says how many parts the whole answer needs; each part but
// the last carries a "next part" button.
func Render(resp *chat.Response, o RenderOptions) Message {
	all := parts(bodyUnits(resp, o))
	part := min(max(o.Part, 0), len(all)-1)
	m := Message{Text: fallback(resp), Parts: len(all)}
	if len(all[part]) > 0 {
		m.Blocks = make([]slack.Block, 0, len(all[part])+2) // and the nav and part blocks
	}
	for _, u := range all[part] {
		m.Blocks = append(m.Blocks, u.block)
	}
	var nav []*slack.ButtonBlockElement
	if part+1 < len(all) {
		nav = append(nav, button(fmt.Sprintf("Next part (%d of %d) ›", part+2, len(all)),
			valueFor(o.values, actionValue{Command: o.Command, Page: o.Page, Part: part + 1, Key: o.Key}), "primary"))
		nav[len(nav)-1].ActionID = actionPart
	}
	if o.Share && !o.InChannel && o.Command != "" {
		b := button("Share in channel", valueFor(o.values, actionValue{Command: o.Command, Page: o.Page, Part: part, Key: o.Key}), "")
		b.ActionID = actionShare
		nav = append(nav, b)
	}
	if len(nav) > 0 {
		els := make([]slack.BlockElement, len(nav))
		for i, b := range nav {
			els[i] = b
		}
		m.Blocks = append(m.Blocks, slack.NewActionBlock("callboard_nav", els...))
	}
	if len(all) > 1 {
		m.Blocks = append(m.Blocks, slack.NewContextBlock("callboard_part", mdText(fmt.Sprintf("Part %d of %d", part+1, len(all)))))
	}
	if o.InChannel {
		m.ResponseType = slack.ResponseTypeInChannel
	} else {
		m.ResponseType = slack.ResponseTypeEphemeral
	}
	return m
}

// fallback is the notification text of a message.
func fallback(resp *chat.Response) string {
	t := strings.TrimSpace(resp.Title)
	if t == "" {
		t = strings.TrimSpace(resp.Text)
	}
	if t == "" {
		t = "callboard"
	}
	return escape(shorten(t, 300))
}
