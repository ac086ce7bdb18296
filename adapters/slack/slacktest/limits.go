package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// LimitError is a Block Kit limit a message breaks, with Slack's error code.
type LimitError struct {
	code   string
	Detail string
}

func (e *LimitError) Error() string { return e.code + ": " + e.Detail }

// Code is Slack's error code: invalid_blocks or msg_blocks_too_long.
func (e *LimitError) Code() string { return e.code }

// MaxBlockChars is where the fake answers msg_blocks_too_long: all text in
// a message's blocks together (Slack's own threshold is reported near 13,000).
const MaxBlockChars = 12000

type text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type element struct {
	Type     string `json:"type"`
	Text     *text  `json:"text"`
	Value    string `json:"value"`
	ActionID string `json:"action_id"`
	URL      string `json:"url"`
}

type block struct {
	Type     string            `json:"type"`
	BlockID  string            `json:"block_id"`
	Text     *text             `json:"text"`
	Fields   []text            `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
	Label    *text             `json:"label"`
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// CheckBlocks checks raw blocks against Block Kit's limits; maxBlocks is 50
// for messages and 100 for modals. nil raw is fine.
func CheckBlocks(raw json.RawMessage, maxBlocks int) *LimitError {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	bad := func(f string, a ...any) *LimitError {
		return &LimitError{code: "invalid_blocks", Detail: fmt.Sprintf(f, a...)}
	}
	var blocks []block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return bad("blocks are not a JSON array of blocks: %v", err)
	}
	if len(blocks) > maxBlocks {
		return bad("%d blocks, at most %d", len(blocks), maxBlocks)
	}
	total := 0
	blockIDs := map[string]bool{}
	for i, b := range blocks {
		if chars(b.BlockID) > 255 {
			return bad("block %d: block_id longer than 255", i)
		}
		if b.BlockID != "" {
			if blockIDs[b.BlockID] {
				return bad("block %d: duplicate block_id %q", i, b.BlockID)
			}
			blockIDs[b.BlockID] = true
		}
		switch b.Type {
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				return bad("block %d: section needs text or fields", i)
			}
			if b.Text != nil {
				if n := chars(b.Text.Text); n > 3000 || n == 0 {
					return bad("block %d: section text has %d characters (1..3000)", i, n)
				}
				total += chars(b.Text.Text)
			}
			if len(b.Fields) > 10 {
				return bad("block %d: %d fields, at most 10", i, len(b.Fields))
			}
			for j, f := range b.Fields {
				if n := chars(f.Text); n > 2000 || n == 0 {
					return bad("block %d field %d: %d characters (1..2000)", i, j, n)
				}
				total += chars(f.Text)
			}
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" {
				return bad("block %d: header text must be plain_text", i)
			}
			if n := chars(b.Text.Text); n > 150 || n == 0 {
				return bad("block %d: header has %d characters (1..150)", i, n)
			}
			total += chars(b.Text.Text)
		case "actions":
			if len(b.Elements) == 0 || len(b.Elements) > 25 {
				return bad("block %d: actions has %d elements (1..25)", i, len(b.Elements))
			}
			actionIDs := map[string]bool{}
			for j, raw := range b.Elements {
				var e element
				if err := json.Unmarshal(raw, &e); err != nil {
					return bad("block %d element %d: %v", i, j, err)
				}
				if e.Type == "button" {
					if e.Text == nil || e.Text.Type != "plain_text" {
						return bad("block %d button %d: text must be plain_text", i, j)
					}
					if n := chars(e.Text.Text); n > 75 || n == 0 {
						return bad("block %d button %d: text has %d characters (1..75)", i, j, n)
					}
					if chars(e.Value) > 2000 {
						return bad("block %d button %d: value longer than 2000", i, j)
					}
					total += chars(e.Text.Text)
				}
				if chars(e.ActionID) > 255 {
					return bad("block %d element %d: action_id longer than 255", i, j)
				}
				if e.ActionID != "" {
					if actionIDs[e.ActionID] {
						return bad("block %d: duplicate action_id %q", i, e.ActionID)
					}
					actionIDs[e.ActionID] = true
				}
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > 10 {
				return bad("block %d: context has %d elements (1..10)", i, len(b.Elements))
			}
			for _, raw := range b.Elements {
				var t text
				_ = json.Unmarshal(raw, &t)
				total += chars(t.Text)
			}
		case "input":
			if b.Label == nil || chars(b.Label.Text) > 2000 {
				return bad("block %d: input label missing or longer than 2000", i)
			}
		case "divider", "image", "rich_text", "markdown":
		default:
			return bad("block %d: unknown block type %q", i, b.Type)
		}
	}
	if total > MaxBlockChars {
		return &LimitError{code: "msg_blocks_too_long", Detail: fmt.Sprintf("%d characters of text in blocks", total)}
	}
	return nil
}
