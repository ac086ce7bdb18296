package discord

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// Message is one Discord message rendered from a chat.Response: the parts of
// a long answer are several Messages linked by Previous/Next buttons.
type Message struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	Ephemeral  bool
}

// footerReserve keeps room in every embed and message for the footer that
// says which page and part it is.
const footerReserve = 200

// maxActionButtons leaves the last action row for part navigation.
const maxActionButtons = (maxRows - 1) * maxButtonsPerRow

// Embed colours by answer status.
var statusColor = map[chat.Status]int{
	chat.StatusOK:        0x2ecc71,
	chat.StatusNotFound:  0xe67e22,
	chat.StatusAmbiguous: 0xf1c40f,
	chat.StatusUsage:     0x5865f2,
	chat.StatusDenied:    0xe74c3c,
	chat.StatusError:     0xe74c3c,
}

// renderer renders responses; its shelf keeps long commands and the parts of
// long answers for the buttons that refer to them.
type renderer struct {
	shelf *shelf
}

// block is an embed before Discord's limits are applied.
type block struct {
	title, url, description string
	fields                  []chat.Field
}

// render turns resp into one or more messages, each within Discord's limits.
// Nothing is cut: long text is split across embeds, embeds across messages
// (parts with Previous/Next buttons), and buttons that do not fit are listed
// as commands.
func (r *renderer) render(resp *chat.Response) []Message {
	if resp == nil {
		resp = &chat.Response{Text: "No answer."}
	}
	blocks := blocksOf(resp)
	buttons, overflow := r.buttons(resp)
	if len(overflow) > 0 {
		blocks = append(blocks, block{title: "More", description: strings.Join(overflow, "\n")})
	}
	color := statusColor[resp.Status]
	var embeds []*discordgo.MessageEmbed
	for _, b := range blocks {
		embeds = append(embeds, embedsOf(b, color)...)
	}
	parts := pack(embeds)

	var pageInfo string
	if p := resp.Page; p != nil && p.Total > 1 {
		pageInfo = fmt.Sprintf("Page %d of %d", p.Index+1, p.Total)
		if p.Items > 0 {
			pageInfo += fmt.Sprintf(" · %d items", p.Items)
		}
	}
	var rows []discordgo.MessageComponent
	for i := 0; i < len(buttons); i += maxButtonsPerRow {
		end := min(i+maxButtonsPerRow, len(buttons))
		rows = append(rows, discordgo.ActionsRow{Components: buttons[i:end]})
	}

	msgs := make([]Message, len(parts))
	key := ""
	if len(parts) > 1 {
		key = r.shelf.put(nil)
	}
	for i, embeds := range parts {
		footer := pageInfo
		if len(parts) > 1 {
			footer = joinNonEmpty(" · ", footer, fmt.Sprintf("Part %d of %d", i+1, len(parts)))
		}
		if footer != "" {
			embeds[len(embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
		}
		comps := append([]discordgo.MessageComponent(nil), rows...)
		if len(parts) > 1 {
			var nav []discordgo.MessageComponent
			if i > 0 {
				nav = append(nav, discordgo.Button{Label: "◀ Previous", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("%sp:%s:%d", idPrefix, key, i-1)})
			}
			if i < len(parts)-1 {
				nav = append(nav, discordgo.Button{Label: "Next ▶", Style: discordgo.PrimaryButton, CustomID: fmt.Sprintf("%sp:%s:%d", idPrefix, key, i+1)})
			}
			comps = append(comps, discordgo.ActionsRow{Components: nav})
		}
		msgs[i] = Message{Embeds: embeds, Components: comps, Ephemeral: resp.Ephemeral}
	}
	if key != "" {
		r.shelf.set(key, msgs)
	}
	return msgs
}

// blocksOf lays the response out as embeds, unbounded.
func blocksOf(resp *chat.Response) []block {
	var blocks []block
	main := block{title: resp.Title, description: resp.Text, fields: append([]chat.Field(nil), resp.Fields...)}
	if len(resp.Links) > 0 {
		lines := make([]string, len(resp.Links))
		for i, l := range resp.Links {
			lines[i] = link(l.Title, l.URL)
		}
		main.fields = append(main.fields, chat.Field{Name: "Links", Value: strings.Join(lines, "\n")})
	}
	if main.title != "" || main.description != "" || len(main.fields) > 0 {
		blocks = append(blocks, main)
	}
	for _, s := range resp.Sections {
		b := block{title: s.Title, fields: s.Fields}
		var lines []string
		if s.Text != "" {
			lines = append(lines, s.Text)
		}
		for _, it := range s.Items {
			line := "• " + link(it.Text, it.URL)
			if it.Detail != "" {
				line += " — " + it.Detail
			}
			lines = append(lines, line)
		}
		b.description = strings.Join(lines, "\n")
		if b.title == "" && b.description == "" && len(b.fields) == 0 {
			continue
		}
		blocks = append(blocks, b)
	}
	if len(resp.Docs) > 0 {
		hits := make([]string, len(resp.Docs))
		for i, d := range resp.Docs {
			name := d.Title
			if d.Heading != "" && d.Heading != d.Title {
				name = joinNonEmpty(" › ", d.Title, d.Heading)
			}
			if name == "" {
				name = d.Page
			}
			hit := "**" + link(plain(name), d.URL) + "**"
			if d.Snippet != "" {
				hit += "\n" + d.Snippet
			}
			hits[i] = hit
		}
		blocks = append(blocks, block{title: "Documentation", description: strings.Join(hits, "\n\n")})
	}
	if len(blocks) == 0 {
		blocks = append(blocks, block{description: "No answer."})
	}
	return blocks
}

// buttons renders actions and suggestions as buttons (at most
// maxActionButtons, distinct custom_ids); the rest are returned as lines
// naming their commands.
func (r *renderer) buttons(resp *chat.Response) ([]discordgo.MessageComponent, []string) {
	type button struct {
		label, command, style string
		kind                  clickKind
		page                  int
	}
	var all []button
	for _, a := range resp.Actions {
		kind := clickReply
		if a.Page > 0 || (resp.Page != nil && isBackLabel(a.Label)) {
			kind = clickUpdate
		}
		all = append(all, button{label: a.Label, command: a.Command, style: a.Style, kind: kind, page: a.Page})
	}
	for _, s := range resp.Suggestions {
		all = append(all, button{label: s.Label, command: s.Command, kind: clickUpdate})
	}
	var out []discordgo.MessageComponent
	var overflow []string
	seen := map[string]bool{}
	for _, b := range all {
		if strings.TrimSpace(b.command) == "" {
			continue
		}
		key := fmt.Sprintf("%c:%d:%s", b.kind, b.page, b.command)
		if seen[key] {
			continue
		}
		seen[key] = true
		label := cut(plain(b.label), maxLabel)
		if strings.TrimSpace(label) == "" {
			label = cut(b.command, maxLabel)
		}
		if len(out) >= maxActionButtons {
			overflow = append(overflow, fmt.Sprintf("• %s: `%s`", label, b.command))
			continue
		}
		style := discordgo.SecondaryButton
		switch b.style {
		case "primary":
			style = discordgo.PrimaryButton
		case "danger":
			style = discordgo.DangerButton
		}
		out = append(out, discordgo.Button{Label: label, Style: style, CustomID: r.encodeCommand(b.kind, b.page, b.command)})
	}
	return out, overflow
}

func isBackLabel(label string) bool {
	l := strings.ToLower(label)
	for _, w := range []string{"prev", "first", "back", "◀"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// embedsOf applies the per-embed limits to b: a long title moves whole into
// the description, long descriptions and field values continue in further
// embeds and fields.
func embedsOf(b block, color int) []*discordgo.MessageEmbed {
	title, desc := plain(b.title), b.description
	if mention.MatchString(title) {
		// Discord shows <#id> and <@id> raw in an embed title: a heading
		// naming a channel or a person opens the description instead.
		desc = joinNonEmpty("\n", "**"+strings.TrimSpace(title)+"**", desc)
		title = ""
	}
	if runeLen(title) > maxTitle {
		// Cut once: the title shows what fits, the description goes on
		// with the rest (not the whole title again).
		head, rest := splitTitle(strings.TrimSpace(title), maxTitle-1)
		title = head + "…"
		desc = joinNonEmpty("\n", "**…"+rest+"**", desc)
	}
	budget := maxEmbedTotal - footerReserve
	chunks := splitText(desc, maxDescription)
	cur := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: title, URL: b.url, Description: chunks[0], Color: color}
	out := []*discordgo.MessageEmbed{cur}
	for _, c := range chunks[1:] {
		cur = &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Description: c, Color: color}
		out = append(out, cur)
	}
	for _, f := range b.fields {
		name, value := plain(f.Name), f.Value
		if strings.TrimSpace(name) == "" {
			name = "\u200b"
		}
		if strings.TrimSpace(value) == "" {
			value = "\u200b"
		}
		if mention.MatchString(name) {
			// Likewise in a field name: the mention moves into the value.
			value = "**" + name + "**\n" + value
			name = "\u200b"
		}
		if runeLen(name) > maxFieldName {
			value = "**" + name + "**\n" + value
			name = cut(name, maxFieldName)
		}
		for i, v := range splitText(value, maxFieldValue) {
			n := name
			if i > 0 {
				n = cut(name, maxFieldName-len(" (cont.)")) + " (cont.)"
			}
			if len(cur.Fields) >= maxFields || embedLen(cur)+runeLen(n)+runeLen(v) > budget {
				cur = &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: color}
				out = append(out, cur)
			}
			cur.Fields = append(cur.Fields, &discordgo.MessageEmbedField{Name: n, Value: v, Inline: f.Short})
		}
	}
	return out
}

// splitTitle splits s after at most max code points, at a space when one
// is in the second half.
func splitTitle(s string, max int) (string, string) {
	lim := byteOffset(s, max)
	at := lim
	if i := strings.LastIndexByte(s[:lim], ' '); i > lim/2 {
		at = i
	}
	return strings.TrimRight(s[:at], " "), strings.TrimLeft(s[at:], " ")
}

// pack groups embeds into messages of at most maxEmbeds embeds and
// maxEmbedTotal characters (less the footer reserve).
func pack(embeds []*discordgo.MessageEmbed) [][]*discordgo.MessageEmbed {
	budget := maxEmbedTotal - footerReserve
	var parts [][]*discordgo.MessageEmbed
	var cur []*discordgo.MessageEmbed
	total := 0
	for _, e := range embeds {
		n := embedLen(e)
		if len(cur) > 0 && (len(cur) >= maxEmbeds || total+n > budget) {
			parts = append(parts, cur)
			cur, total = nil, 0
		}
		cur = append(cur, e)
		total += n
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

// embedLen counts what Discord counts towards the 6,000 characters.
func embedLen(e *discordgo.MessageEmbed) int {
	n := runeLen(e.Title) + runeLen(e.Description)
	if e.Footer != nil {
		n += runeLen(e.Footer.Text)
	}
	if e.Author != nil {
		n += runeLen(e.Author.Name)
	}
	for _, f := range e.Fields {
		n += runeLen(f.Name) + runeLen(f.Value)
	}
	return n
}

// splitText splits s into pieces of at most max code points, preferring to
// break at a newline, then at a space; the one separator at a break is
// dropped, nothing else is.
func splitText(s string, max int) []string {
	var out []string
	for runeLen(s) > max {
		lim := byteOffset(s, max)
		head := s[:lim]
		at, skip := lim, 0
		if i := strings.LastIndexByte(head, '\n'); i > lim/4 {
			at, skip = i, 1
		} else if i := strings.LastIndexByte(head, ' '); i > lim/4 {
			at, skip = i, 1
		}
		out = append(out, s[:at])
		s = s[at+skip:]
	}
	return append(out, s)
}

// byteOffset is the byte offset of the n-th code point of s.
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// cut shortens a label or title to max code points, ending it with "…".
// Used only where the full text is also shown elsewhere or is a label.
func cut(s string, max int) string {
	if runeLen(s) <= max {
		return s
	}
	return strings.TrimRight(s[:byteOffset(s, max-1)], " ") + "…"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// mention is a Discord channel, user or role mention, which renders only in
// descriptions, field values and content.
var mention = regexp.MustCompile(`<(#|@!?|@&)[0-9]{5,25}>`)

var mdLink = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]*)\)`)

// plain removes the bot's light Markdown where Discord shows text as is
// (embed titles, field names, button labels).
func plain(s string) string {
	s = mdLink.ReplaceAllString(s, "$1")
	return strings.NewReplacer("**", "", "`", "").Replace(s)
}

// link renders a Markdown link, or the bare text without a URL.
func link(text, url string) string {
	if url == "" {
		return text
	}
	if text == "" {
		return url
	}
	return "[" + strings.NewReplacer("[", "(", "]", ")").Replace(text) + "](" + url + ")"
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
