package console

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/callboard/callboard/bot/chat"
)

// RenderJSON writes resp as one line of JSON (the chat.Response contract).
func RenderJSON(w io.Writer, resp *chat.Response) error {
	b, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// Render writes resp as readable text. Actions are numbered so a chat
// session can run one by its number; nothing in resp is left out.
func Render(w io.Writer, resp *chat.Response) error {
	resp = plainResponse(resp)
	var b strings.Builder
	if resp.Title != "" {
		b.WriteString(resp.Title + "\n")
		b.WriteString(strings.Repeat("=", min(max(len([]rune(resp.Title)), 3), 72)) + "\n")
	}
	if t := strings.TrimSpace(resp.Text); t != "" {
		b.WriteString(t + "\n")
	}
	writeFields(&b, resp.Fields, "")
	for _, s := range resp.Sections {
		b.WriteString("\n")
		if s.Title != "" {
			b.WriteString(s.Title + "\n")
		}
		if t := strings.TrimSpace(s.Text); t != "" {
			b.WriteString(indent(t, "  ") + "\n")
		}
		writeFields(&b, s.Fields, "  ")
		for _, it := range s.Items {
			line := "  - " + it.Text
			if it.Detail != "" {
				line += " — " + it.Detail
			}
			if it.URL != "" {
				line += " <" + it.URL + ">"
			}
			b.WriteString(line + "\n")
		}
	}
	if len(resp.Docs) > 0 {
		b.WriteString("\n")
		for i, d := range resp.Docs {
			title := d.Title
			if d.Heading != "" && d.Heading != d.Title {
				title += " › " + d.Heading
			}
			loc := d.Page
			if d.Anchor != "" {
				loc += "#" + d.Anchor
			}
			fmt.Fprintf(&b, "  %d. %s (%s)\n", i+1, title, loc)
			if s := strings.TrimSpace(d.Snippet); s != "" {
				// A terminal shows no Markdown: the matched words' ** go.
				b.WriteString(indent(strings.ReplaceAll(s, "**", ""), "     ") + "\n")
			}
			if d.URL != "" {
				b.WriteString("     " + d.URL + "\n")
			}
		}
	}
	if len(resp.Links) > 0 {
		b.WriteString("\nLinks:\n")
		for _, l := range resp.Links {
			fmt.Fprintf(&b, "  %s: %s\n", l.Title, l.URL)
		}
	}
	if len(resp.Suggestions) > 0 {
		// One set of choices, numbered like the actions: typing the
		// number in chat runs the choice.
		b.WriteString("\n")
		for i, s := range resp.Suggestions {
			fmt.Fprintf(&b, "  [%d] %s  (%s)\n", i+1, s.Label, s.Command)
		}
	}
	if resp.Page != nil && resp.Page.Total > 1 {
		fmt.Fprintf(&b, "\nPage %d of %d (%d items)\n", resp.Page.Index+1, resp.Page.Total, resp.Page.Items)
	}
	if len(resp.Actions) > 0 {
		b.WriteString("\n")
		for i, a := range resp.Actions {
			i += len(resp.Suggestions)
			cmd := a.Command
			if a.Page > 0 {
				cmd += fmt.Sprintf(" (page %d)", a.Page+1)
			}
			fmt.Fprintf(&b, "  [%d] %s: %s\n", i+1, a.Label, cmd)
		}
	}
	if resp.Modal != nil {
		fmt.Fprintf(&b, "\n%s: supply these as key=value after `%s`:\n", resp.Modal.Title, resp.Modal.Command)
		for _, in := range resp.Modal.Inputs {
			line := "  " + in.Name
			if in.Required {
				line += " (required)"
			}
			if in.Label != "" {
				line += " — " + in.Label
			}
			switch {
			case in.Default != "" && in.Required:
				// A form's suggested value; left out on a command line it is missing.
				line += " [e.g. " + in.Default + "]"
			case in.Default != "":
				line += " [default " + in.Default + "]"
			}
			if len(in.Options) > 0 {
				line += " one of: " + strings.Join(in.Options, ", ")
			}
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFields(b *strings.Builder, fields []chat.Field, prefix string) {
	if len(fields) == 0 {
		return
	}
	width := 0
	for _, f := range fields {
		width = max(width, len([]rune(f.Name)))
	}
	width = min(width, 20)
	for _, f := range fields {
		pad := strings.Repeat(" ", max(width-len([]rune(f.Name)), 0))
		fmt.Fprintf(b, "%s%s:%s %s\n", prefix, f.Name, pad, indentRest(f.Value, prefix+strings.Repeat(" ", width+2)))
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func indentRest(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// plainResponse is a copy of resp with its light Markdown rendered for a
// terminal (see plain).
func plainResponse(in *chat.Response) *chat.Response {
	r := *in
	r.Title, r.Text = plain(r.Title), plain(r.Text)
	r.Fields = plainFields(r.Fields)
	r.Sections = make([]chat.Section, len(in.Sections))
	for i, s := range in.Sections {
		s.Title, s.Text, s.Fields = plain(s.Title), plain(s.Text), plainFields(s.Fields)
		items := make([]chat.Item, len(s.Items))
		for j, it := range s.Items {
			it.Text, it.Detail = plain(it.Text), plain(it.Detail)
			items[j] = it
		}
		s.Items = items
		r.Sections[i] = s
	}
	r.Docs = make([]chat.DocHit, len(in.Docs))
	for i, d := range in.Docs {
		d.Title, d.Heading, d.Snippet = plain(d.Title), plain(d.Heading), plain(d.Snippet)
		r.Docs[i] = d
	}
	return &r
}

func plainFields(in []chat.Field) []chat.Field {
	out := make([]chat.Field, len(in))
	for i, f := range in {
		f.Name, f.Value = plain(f.Name), plain(f.Value)
		out[i] = f
	}
	return out
}
