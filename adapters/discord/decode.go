package discord

import (
	"encoding/json"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// decodeInteraction reads an interaction body. discordgo refuses a whole
// interaction when one component in it has a type it does not know, and
// Discord adds component types (labels in modals, new message layouts)
// faster than libraries learn them. callboard reads neither the message a
// button was on nor data.resolved, and only the text inputs of a modal, so
// when the strict decode fails the body is decoded again without the
// message, with unknown components dropped (a label's input kept), and
// then without data.resolved. The first error is returned when even that
// fails.
func decodeInteraction(body []byte) (*discordgo.Interaction, error) {
	var in discordgo.Interaction
	err := json.Unmarshal(body, &in)
	if err == nil {
		return &in, nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil, err
	}
	delete(top, "message")
	var data map[string]json.RawMessage
	if raw, ok := top["data"]; ok && json.Unmarshal(raw, &data) == nil {
		if comps, ok := data["components"]; ok {
			data["components"] = knownComponents(comps)
		}
		top["data"], _ = json.Marshal(data)
	}
	if retry, ok := decodeFrom(top); ok {
		return retry, nil
	}
	if data != nil {
		delete(data, "resolved")
		top["data"], _ = json.Marshal(data)
		if retry, ok := decodeFrom(top); ok {
			return retry, nil
		}
	}
	return nil, err
}

func decodeFrom(top map[string]json.RawMessage) (*discordgo.Interaction, bool) {
	b, err := json.Marshal(top)
	if err != nil {
		return nil, false
	}
	var in discordgo.Interaction
	if json.Unmarshal(b, &in) != nil {
		return nil, false
	}
	return &in, true
}

// labelComponent is Discord's Label (type 18): a modal field's label
// around one input, in "component".
const labelComponent = 18

// knownComponents keeps the components discordgo can read: a label becomes
// an action row around its input, other unknown types are dropped, and
// rows and containers are filtered the same way.
func knownComponents(raw json.RawMessage) json.RawMessage {
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return json.RawMessage("[]")
	}
	out := make([]map[string]json.RawMessage, 0, len(list))
	for _, c := range list {
		var typ discordgo.ComponentType
		if json.Unmarshal(c["type"], &typ) != nil {
			continue
		}
		if typ == labelComponent {
			inner, ok := c["component"]
			if !ok {
				continue
			}
			kept := knownComponents(json.RawMessage("[" + string(selectAsText(inner)) + "]"))
			if string(kept) == "[]" {
				continue
			}
			out = append(out, map[string]json.RawMessage{"type": json.RawMessage("1"), "components": kept})
			continue
		}
		if !readableComponent(typ) {
			continue
		}
		if sub, ok := c["components"]; ok {
			c["components"] = knownComponents(sub)
		}
		out = append(out, c)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return json.RawMessage("[]")
	}
	return b
}

// readableComponent reports whether discordgo decodes components of typ.
func readableComponent(typ discordgo.ComponentType) bool {
	switch typ {
	case discordgo.ActionsRowComponent, discordgo.ButtonComponent, discordgo.SelectMenuComponent,
		discordgo.TextInputComponent, discordgo.UserSelectMenuComponent, discordgo.RoleSelectMenuComponent,
		discordgo.MentionableSelectMenuComponent, discordgo.ChannelSelectMenuComponent,
		discordgo.SectionComponent, discordgo.TextDisplayComponent, discordgo.ThumbnailComponent,
		discordgo.MediaGalleryComponent, discordgo.FileComponentType, discordgo.SeparatorComponent,
		discordgo.ContainerComponent:
		return true
	}
	return false
}

// selectAsText turns a select menu submitted in a modal label (its choices
// in "values") into a text input whose value is the choices joined by
// commas, so the choice reaches the command like a typed value; any other
// component is returned as it is.
func selectAsText(raw json.RawMessage) json.RawMessage {
	var sel struct {
		Type     discordgo.ComponentType `json:"type"`
		CustomID string                  `json:"custom_id"`
		Values   []string                `json:"values"`
	}
	if json.Unmarshal(raw, &sel) != nil {
		return raw
	}
	switch sel.Type {
	case discordgo.SelectMenuComponent, discordgo.UserSelectMenuComponent, discordgo.RoleSelectMenuComponent,
		discordgo.MentionableSelectMenuComponent, discordgo.ChannelSelectMenuComponent:
	default:
		return raw
	}
	b, err := json.Marshal(map[string]any{"type": discordgo.TextInputComponent, "custom_id": sel.CustomID, "value": strings.Join(sel.Values, ",")})
	if err != nil {
		return raw
	}
	return b
}
