package discord

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// modal renders a chat.Modal as a Discord modal (type 9), which holds at
// most 5 fields: all of them when they fit; else the required ones, whose
// submission runs m.More (the bot then offers the optional ones in a
// second form); else, when only optional fields do not fit, the first five
// (the rest keep their defaults). It reports false when the required fields
// alone do not fit, in which case the answer is shown as a message, whose
// text says what to supply.
func (r *renderer) modal(m *chat.Modal) (wireModal, bool) {
	if m == nil || len(m.Inputs) == 0 || strings.TrimSpace(m.Command) == "" {
		return wireModal{}, false
	}
	inputs, command := m.Inputs, m.Command
	if len(inputs) > maxModalInputs {
		required := 0
		for _, in := range inputs {
			if in.Required {
				required++
			}
		}
		switch {
		case required > maxModalInputs:
			return wireModal{}, false
		case m.More != "" && required > 0:
			inputs, command = onlyRequired(inputs), m.More
		default:
			if !sort.SliceIsSorted(inputs, func(i, j int) bool { return inputs[i].Required && !inputs[j].Required }) {
				return wireModal{}, false
			}
			inputs = inputs[:maxModalInputs]
		}
	}
	var rows []discordgo.MessageComponent
	for _, in := range inputs {
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
	id := idPrefix + "f:" + command
	if runeLen(id) > maxCustomID {
		id = idPrefix + "F:" + r.shelf.put(command)
	}
	title := m.Title
	if title == "" {
		title = "callboard"
	}
	return wireModal{CustomID: id, Title: cut(plain(title), maxModalTitle), Components: rows}, true
}

func onlyRequired(inputs []chat.ModalInput) []chat.ModalInput {
	var out []chat.ModalInput
	for _, in := range inputs {
		if in.Required {
			out = append(out, in)
		}
	}
	return out
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
