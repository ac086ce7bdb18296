package discordtest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckMessageRefusesWhatDiscordRefuses(t *testing.T) {
	embed := func(fields ...map[string]any) map[string]any {
		return map[string]any{"title": "t", "description": "d", "fields": fields}
	}
	button := func(id string) map[string]any { return map[string]any{"type": 2, "label": "b", "custom_id": id} }
	row := func(bs ...map[string]any) map[string]any { return map[string]any{"type": 1, "components": bs} }
	tests := []struct {
		name string
		msg  map[string]any
		want string // "" for valid
	}{
		{"valid", map[string]any{"content": "hi", "embeds": []any{embed(map[string]any{"name": "n", "value": "v"})}, "components": []any{row(button("a"), button("b"))}}, ""},
		{"content over 2000", map[string]any{"content": strings.Repeat("x", 2001)}, "content: 2001"},
		{"eleven embeds", map[string]any{"embeds": func() []any {
			var e []any
			for i := 0; i < 11; i++ {
				e = append(e, embed())
			}
			return e
		}()}, "embeds: 11"},
		{"title over 256", map[string]any{"embeds": []any{map[string]any{"title": strings.Repeat("é", 257)}}}, "title: 257"},
		{"description over 4096", map[string]any{"embeds": []any{map[string]any{"description": strings.Repeat("x", 4097)}}}, "description: 4097"},
		{"field value over 1024", map[string]any{"embeds": []any{embed(map[string]any{"name": "n", "value": strings.Repeat("x", 1025)})}}, "value: 1025"},
		{"empty field value", map[string]any{"embeds": []any{embed(map[string]any{"name": "n", "value": ""})}}, "required"},
		{"over 6000 across embeds", map[string]any{"embeds": []any{
			map[string]any{"description": strings.Repeat("x", 4000)}, map[string]any{"description": strings.Repeat("x", 2001)}}}, "6001 characters together"},
		{"six rows", map[string]any{"components": []any{row(button("1")), row(button("2")), row(button("3")), row(button("4")), row(button("5")), row(button("6"))}}, "6 action rows"},
		{"six buttons in a row", map[string]any{"components": []any{row(button("1"), button("2"), button("3"), button("4"), button("5"), button("6"))}}, "6 components"},
		{"custom_id over 100", map[string]any{"components": []any{row(button(strings.Repeat("i", 101)))}}, "custom_id: 101"},
		{"custom_id used twice", map[string]any{"components": []any{row(button("a"), button("a"))}}, "used twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.msg)
			err := CheckMessage(b)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
