package discord

import (
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/discord/discordtest"
	"github.com/callboard/callboard/bot/chat"
)

// FuzzRenderStaysWithinLimits: whatever the text, every part Discord is sent
// passes its limits.
func FuzzRenderStaysWithinLimits(f *testing.F) {
	f.Add("title", "text", "name", "value", "label", "command", 3)
	f.Add(strings.Repeat("é", 300), strings.Repeat("word ", 2000), strings.Repeat("n", 300), strings.Repeat("v\n", 900), strings.Repeat("L", 90), strings.Repeat("c", 120), 30)
	f.Add("", "", "", "", "", "", 0)
	f.Fuzz(func(t *testing.T, title, text, name, value, label, command string, n int) {
		if len(title)+len(text)+len(name)+len(value)+len(label)+len(command) > 20000 {
			return // inputs this large only slow the fuzzer; TestReplyOverEveryLimitIsPaginatedNotTruncated covers size
		}
		n = max(0, min(n, 60))
		resp := &chat.Response{Title: title, Text: text}
		for i := 0; i < n; i++ {
			resp.Fields = append(resp.Fields, chat.Field{Name: name, Value: value})
			resp.Actions = append(resp.Actions, chat.Action{Label: label, Command: command + strings.Repeat("x", i)})
			resp.Sections = append(resp.Sections, chat.Section{Title: title, Text: text, Items: []chat.Item{{Text: name, Detail: value}}})
		}
		r := testRenderer()
		for i, m := range r.render(resp) {
			if err := discordtest.CheckMessage(mustJSON(wire(m))); err != nil {
				t.Fatalf("part %d: %v", i+1, err)
			}
		}
	})
}

// FuzzDecodeClick: any custom_id decodes or is refused, never panics, and
// what the renderer encodes decodes to the same command.
func FuzzDecodeClick(f *testing.F) {
	f.Add("cb1:r:0:owner x", "owner payments-api", 2)
	f.Add("cb1:p:k1:9", strings.Repeat("long ", 40), 0)
	f.Add("cb1:", "", -1)
	f.Fuzz(func(t *testing.T, id, command string, page int) {
		r := testRenderer()
		_, _ = r.decodeClick(id)
		if page < 0 || command == "" {
			return
		}
		c, err := r.decodeClick(r.encodeCommand(clickUpdate, page, command))
		if err != nil || c.command != command || c.page != page || c.kind != clickUpdate {
			t.Fatalf("round trip of %q page %d: %+v %v", command, page, c, err)
		}
	})
}
