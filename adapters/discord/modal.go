package discord

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot"
)

// modal renders a bot.Modal as a Discord modal (type 9). It reports false
// when the form does not fit Discord's (at most 5 text inputs), in which case
// the answer is shown as a message, whose text says what to supply.
func (r *renderer) modal(m *bot.Modal) (wireModal, bool) {
	if m == nil || len(m.Inputs) == 0 || len(m.Inputs) > maxModalInputs || strings.TrimSpace(m.Command) == "" {
		return wireModal{}, false
	}
	var rows []discordgo.MessageComponent
	for _, in := range m.Inputs {
		if in.Name == "" || runeLen(in.Name) > maxCustomID {
			return wireModal{}, false
		}
		label := in.Label
		if label == "" {
			label = in.Name
		}
		placeholder := in.Placeholder
		if placeholder == "" && len(in.Options) > 0 {
			placeholder = "one of: " + strings.Join(in.Options, ", ")
		}
		if placeholder == "" {
			placeholder = in.Hint
		}
		style := discordgo.TextInputShort
		if in.Multiline {
			style = discordgo.TextInputParagraph
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
			CustomID: in.Name, Label: cut(plain(label), maxInputLabel), Style: style, Required: in.Required,
			Value: cut(in.Default, 4000), Placeholder: cut(placeholder, maxPlaceholder), MaxLength: 4000,
		}}})
	}
	id := idPrefix + "f:" + m.Command
	if runeLen(id) > maxCustomID {
		id = idPrefix + "F:" + r.shelf.put(m.Command)
	}
	title := m.Title
	if title == "" {
		title = "callboard"
	}
	return wireModal{CustomID: id, Title: cut(plain(title), maxModalTitle), Components: rows}, true
}

// formCommand resolves a modal's custom_id body to its command.
func (r *renderer) formCommand(kind byte, body string) (string, error) {
	if kind == 'f' {
		return body, nil
	}
	v, ok := r.shelf.get(body)
	s, isString := v.(string)
	if !ok || !isString {
		return "", fmt.Errorf("this form has expired: ask again")
	}
	return s, nil
}
