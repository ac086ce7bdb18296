package slack

import (
	"github.com/slack-go/slack"
)

// wireMessage is a Message as encoding/json encodes it, with the blocks
// whose slack-go types marshal their elements themselves (json.Marshal
// inside MarshalJSON, then compacted again by the outer encoder) replaced
// by plain structs of the same fields: the same bytes in one pass.
type wireMessage struct {
	ResponseType    string `json:"response_type,omitempty"`
	ReplaceOriginal bool   `json:"replace_original,omitempty"`
	Text            string `json:"text"`
	Blocks          []any  `json:"blocks,omitempty"`
}

// wireActions is a slack.ActionBlock without BlockElements' MarshalJSON.
type wireActions struct {
	Type     slack.MessageBlockType `json:"type"`
	BlockID  string                 `json:"block_id,omitempty"`
	Elements []slack.BlockElement   `json:"elements"`
}

// wireContext is a slack.ContextBlock without ContextElements' MarshalJSON.
type wireContext struct {
	Type     slack.MessageBlockType `json:"type"`
	BlockID  string                 `json:"block_id,omitempty"`
	Elements []slack.MixedElement   `json:"elements"`
}

// wire returns m ready for encoding/json (the same JSON as m itself).
func (m Message) wire() wireMessage {
	w := wireMessage{ResponseType: m.ResponseType, ReplaceOriginal: m.ReplaceOriginal, Text: m.Text}
	if len(m.Blocks) == 0 {
		return w
	}
	w.Blocks = make([]any, len(m.Blocks))
	for i, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.ActionBlock:
			if b == nil {
				w.Blocks[i] = b
				continue
			}
			a := wireActions{Type: b.Type, BlockID: b.BlockID}
			if b.Elements != nil {
				a.Elements = b.Elements.ElementSet
			}
			w.Blocks[i] = a
		case *slack.ContextBlock:
			if b == nil {
				w.Blocks[i] = b
				continue
			}
			w.Blocks[i] = wireContext{Type: b.Type, BlockID: b.BlockID, Elements: b.ContextElements.Elements}
		default:
			w.Blocks[i] = b
		}
	}
	return w
}
