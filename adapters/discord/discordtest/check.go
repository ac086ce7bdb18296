package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// CheckMessage checks a message body (as sent to create or edit a message,
// or the data of an interaction response) against Discord's limits and
// returns every violation, as the real API refuses such a message with
// "Invalid Form Body": content 2,000; at most 10 embeds; title 256,
// description 4,096, at most 25 fields, field name 256 and value 1,024
// (neither empty), footer 2,048, author 256, all embeds together 6,000; at
// most 5 action rows of at most 5 buttons, label 80, custom_id 100 and
// unique within the message.
func CheckMessage(body []byte) error {
	if len(body) == 0 {
		return nil
	}
	var m struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Fields      []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"fields"`
			Footer *struct {
				Text string `json:"text"`
			} `json:"footer"`
			Author *struct {
				Name string `json:"name"`
			} `json:"author"`
		} `json:"embeds"`
		Components []struct {
			Type       int `json:"type"`
			Components []struct {
				Type     int    `json:"type"`
				Label    string `json:"label"`
				CustomID string `json:"custom_id"`
				URL      string `json:"url"`
			} `json:"components"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	var errs []error
	limit := func(what string, s string, max int) {
		if n := utf8.RuneCountInString(s); n > max {
			errs = append(errs, fmt.Errorf("%s: %d characters, at most %d", what, n, max))
		}
	}
	limit("content", m.Content, 2000)
	if len(m.Embeds) > 10 {
		errs = append(errs, fmt.Errorf("embeds: %d, at most 10", len(m.Embeds)))
	}
	total := 0
	for i, e := range m.Embeds {
		at := fmt.Sprintf("embeds[%d]", i)
		limit(at+".title", e.Title, 256)
		limit(at+".description", e.Description, 4096)
		total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		if len(e.Fields) > 25 {
			errs = append(errs, fmt.Errorf("%s.fields: %d, at most 25", at, len(e.Fields)))
		}
		for j, f := range e.Fields {
			fa := fmt.Sprintf("%s.fields[%d]", at, j)
			limit(fa+".name", f.Name, 256)
			limit(fa+".value", f.Value, 1024)
			if f.Name == "" || f.Value == "" {
				errs = append(errs, fmt.Errorf("%s: name and value are required", fa))
			}
			total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if e.Footer != nil {
			limit(at+".footer.text", e.Footer.Text, 2048)
			total += utf8.RuneCountInString(e.Footer.Text)
		}
		if e.Author != nil {
			limit(at+".author.name", e.Author.Name, 256)
			total += utf8.RuneCountInString(e.Author.Name)
		}
	}
	if total > 6000 {
		errs = append(errs, fmt.Errorf("embeds: %d characters together, at most 6000", total))
	}
	if len(m.Components) > 5 {
		errs = append(errs, fmt.Errorf("components: %d action rows, at most 5", len(m.Components)))
	}
	ids := map[string]bool{}
	for i, row := range m.Components {
		at := fmt.Sprintf("components[%d]", i)
		if row.Type != 1 {
			errs = append(errs, fmt.Errorf("%s: type %d, want an action row (1)", at, row.Type))
		}
		if len(row.Components) == 0 || len(row.Components) > 5 {
			errs = append(errs, fmt.Errorf("%s: %d components, want 1–5", at, len(row.Components)))
		}
		for j, b := range row.Components {
			ba := fmt.Sprintf("%s.components[%d]", at, j)
			limit(ba+".label", b.Label, 80)
			limit(ba+".custom_id", b.CustomID, 100)
			if b.Type == 2 && (b.CustomID == "") == (b.URL == "") {
				errs = append(errs, fmt.Errorf("%s: a button needs exactly one of custom_id and url", ba))
			}
			if b.CustomID != "" {
				if ids[b.CustomID] {
					errs = append(errs, fmt.Errorf("%s: custom_id %q used twice", ba, b.CustomID))
				}
				ids[b.CustomID] = true
			}
		}
	}
	return errors.Join(errs...)
}
