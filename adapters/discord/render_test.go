package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/adapters/discord/discordtest"
	"github.com/callboard/callboard/bot/chat"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func testRenderer() *renderer {
	r := &renderer{shelf: newShelf(100, time.Hour, time.Now)}
	r.shelf.salt = "k"
	return r
}

func TestRenderMatchesGoldenFiles(t *testing.T) {
	tests := []struct {
		name string
		resp *chat.Response
	}{
		{"owner", mustAnswer("owner payments-api", 0)},
		{"impact-page-2", mustAnswer("impact payments-api", 1)},
		{"ambiguous", mustAnswer("payments", 0)},
		{"docs", mustAnswer("docs failover", 0)},
		{"not-found", &chat.Response{Title: "No entity called paymnts", Status: chat.StatusNotFound,
			Text:        "Did you mean one of these?",
			Suggestions: []chat.Suggestion{{Label: "payments-api", Command: "owner payments-api"}, {Label: "payments-db", Command: "owner payments-db"}}}},
		{"long-description", &chat.Response{Title: strings.Repeat("Very long title ", 20), Status: chat.StatusOK,
			Text: strings.Repeat("A line of the runbook that goes on for a while.\n", 100)}},
		{"empty", &chat.Response{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := testRenderer().render(tt.resp)
			wires := make([]wireMessage, len(msgs))
			for i, m := range msgs {
				wires[i] = wire(m)
				if err := discordtest.CheckMessage(mustJSON(wires[i])); err != nil {
					t.Fatalf("part %d breaks Discord's limits: %v", i+1, err)
				}
			}
			got, err := json.MarshalIndent(wires, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "render", tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from the golden file (run with -update if intended):\n%s", path, got)
			}
		})
	}
}

func mustAnswer(text string, page int) *chat.Response {
	resp, err := richHandler(context.Background(), &chat.Request{Text: text, Page: page})
	if err != nil {
		panic(err)
	}
	return resp
}

// hugeResponse exceeds every one of Discord's limits at once; every word in
// it is unique, so tests can tell whether anything was lost.
func hugeResponse() *chat.Response {
	words := func(tag string, n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("%s%d", tag, i)
		}
		return strings.Join(w, " ")
	}
	resp := &chat.Response{
		Title:  words("title", 60),
		Text:   words("text", 2000),
		Status: chat.StatusOK,
		Page:   &chat.Page{Index: 0, Total: 9, Items: 480},
	}
	for i := 0; i < 40; i++ {
		resp.Fields = append(resp.Fields, chat.Field{Name: words(fmt.Sprintf("f%dn", i), 50), Value: words(fmt.Sprintf("f%dv", i), 300), Short: i%2 == 0})
	}
	for i := 0; i < 50; i++ {
		resp.Links = append(resp.Links, chat.Link{Title: fmt.Sprintf("link%d", i), URL: fmt.Sprintf("https://example.com/l%d", i)})
	}
	for i := 0; i < 12; i++ {
		sec := chat.Section{Title: fmt.Sprintf("sec%d", i), Text: words(fmt.Sprintf("s%dt", i), 20)}
		for j := 0; j < 40; j++ {
			sec.Items = append(sec.Items, chat.Item{Text: fmt.Sprintf("s%di%d", i, j), Detail: fmt.Sprintf("s%dd%d", i, j)})
		}
		resp.Sections = append(resp.Sections, sec)
	}
	for i := 0; i < 30; i++ {
		resp.Docs = append(resp.Docs, chat.DocHit{Title: fmt.Sprintf("doc%d", i), Heading: fmt.Sprintf("head%d", i), URL: "https://docs.example.com",
			Snippet: words(fmt.Sprintf("d%ds", i), 30)})
	}
	for i := 0; i < 40; i++ {
		resp.Actions = append(resp.Actions, chat.Action{Label: strings.Repeat("L", 100) + fmt.Sprint(i),
			Command: fmt.Sprintf("cmd%d %s", i, strings.Repeat("x", 150))})
	}
	for i := 0; i < 10; i++ {
		resp.Suggestions = append(resp.Suggestions, chat.Suggestion{Label: fmt.Sprintf("sug%d", i), Command: fmt.Sprintf("info sug%d", i)})
	}
	return resp
}

var wordRE = regexp.MustCompile(`[a-z]+\d+[a-z]*\d*`)

func TestReplyOverEveryLimitIsPaginatedNotTruncated(t *testing.T) {
	r := testRenderer()
	resp := hugeResponse()
	msgs := r.render(resp)
	if len(msgs) < 3 {
		t.Fatalf("%d parts; the answer cannot fit in fewer than 3", len(msgs))
	}
	var shown strings.Builder
	commands := map[string]bool{}
	for i, m := range msgs {
		body := mustJSON(wire(m))
		if err := discordtest.CheckMessage(body); err != nil {
			t.Fatalf("part %d breaks Discord's limits: %v", i+1, err)
		}
		for _, e := range m.Embeds {
			shown.WriteString(" " + e.Title + " " + e.Description)
			for _, f := range e.Fields {
				shown.WriteString(" " + f.Name + " " + f.Value)
			}
			if e.Footer != nil && !strings.Contains(e.Footer.Text, fmt.Sprintf("Part %d of %d", i+1, len(msgs))) {
				t.Fatalf("part %d footer %q", i+1, e.Footer.Text)
			}
		}
		for _, row := range m.Components {
			for _, c := range row.(discordgo.ActionsRow).Components {
				b := c.(discordgo.Button)
				if click, err := r.decodeClick(b.CustomID); err == nil && click.command != "" {
					commands[click.command] = true
				}
			}
		}
	}
	text := shown.String()
	seen := map[string]bool{}
	for _, w := range wordRE.FindAllString(text, -1) {
		seen[w] = true
	}
	// Every word of the response is shown somewhere.
	var all strings.Builder
	all.WriteString(resp.Title + " " + resp.Text)
	for _, f := range resp.Fields {
		all.WriteString(" " + f.Name + " " + f.Value)
	}
	for _, l := range resp.Links {
		all.WriteString(" " + l.Title)
	}
	for _, s := range resp.Sections {
		all.WriteString(" " + s.Title + " " + s.Text)
		for _, it := range s.Items {
			all.WriteString(" " + it.Text + " " + it.Detail)
		}
	}
	for _, d := range resp.Docs {
		all.WriteString(" " + d.Title + " " + d.Heading + " " + d.Snippet)
	}
	for _, w := range wordRE.FindAllString(all.String(), -1) {
		if !seen[w] {
			t.Fatalf("%q was lost", w)
		}
	}
	// Every action and suggestion is a button or is listed with its command.
	for _, a := range resp.Actions {
		if !commands[a.Command] && !strings.Contains(text, "`"+a.Command+"`") {
			t.Fatalf("action %q was lost", a.Command)
		}
	}
	for _, s := range resp.Suggestions {
		if !commands[s.Command] && !strings.Contains(text, "`"+s.Command+"`") {
			t.Fatalf("suggestion %q was lost", s.Command)
		}
	}
}

func TestSplitTextKeepsEveryCharacterButTheBreak(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "abc", 5, []string{"abc"}},
		{"breaks at a newline", "aaaa\nbbbb\ncc", 10, []string{"aaaa\nbbbb", "cc"}},
		{"breaks at a space", "aaaa bbbb cc", 10, []string{"aaaa bbbb", "cc"}},
		{"cuts a word too long", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"counts code points", "ééééé", 2, []string{"éé", "éé", "é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitText(tt.in, tt.max)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("splitText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestPlainDropsMarkdownWhereDiscordShowsItLiterally(t *testing.T) {
	if got := plain("**Team** [Payments](https://x) `api`"); got != "Team Payments api" {
		t.Fatalf("got %q", got)
	}
}

func TestShelfIsBoundedAndExpires(t *testing.T) {
	now := time.Unix(0, 0)
	s := newShelf(2, time.Minute, func() time.Time { return now })
	a, b, c := s.put("a"), s.put("b"), s.put("c")
	if _, ok := s.get(a); ok {
		t.Fatal("the oldest entry should be evicted at capacity")
	}
	if v, ok := s.get(b); !ok || v != "b" {
		t.Fatalf("b: %v %v", v, ok)
	}
	now = now.Add(2 * time.Minute)
	if _, ok := s.get(c); ok {
		t.Fatal("an expired entry was returned")
	}
	if len(a) > 20 {
		t.Fatalf("key %q too long for a custom_id", a)
	}
}

func TestMemoryDedupeRemembersWithinTTL(t *testing.T) {
	now := time.Unix(0, 0)
	d := newMemoryDedupe(2, func() time.Time { return now })
	steps := []struct {
		key   string
		after time.Duration
		want  bool
	}{
		{"a", 0, true}, {"a", 0, false}, {"b", 0, true}, {"a", 2 * time.Minute, true}, {"c", 0, true},
	}
	for i, s := range steps {
		now = now.Add(s.after)
		got, err := d.FirstSeen(context.Background(), s.key, time.Minute)
		if err != nil || got != s.want {
			t.Fatalf("step %d FirstSeen(%q) = %v, %v; want %v", i, s.key, got, err, s.want)
		}
		if d.seen.Len() > 2 {
			t.Fatalf("step %d: %d keys kept, bound is 2", i, d.seen.Len())
		}
	}
}

func TestLongTitleIsCutOnceNotRepeated(t *testing.T) {
	words := make([]string, 60)
	for i := range words {
		words[i] = fmt.Sprintf("word%02d", i)
	}
	title := strings.Join(words, " ") // 419 characters
	r := &renderer{shelf: newShelf(100, time.Hour, time.Now)}
	msgs := r.render(&chat.Response{Title: title, Text: "body", Status: chat.StatusOK})
	e := msgs[0].Embeds[0]
	if runeLen(e.Title) > maxTitle || !strings.HasSuffix(e.Title, "…") {
		t.Fatalf("title %q (%d)", e.Title, runeLen(e.Title))
	}
	all := e.Title + " " + e.Description
	for _, w := range words {
		if n := strings.Count(all, w); n != 1 {
			t.Errorf("%s shown %d times in title and description, want once:\n%s", w, n, all)
		}
	}
	if !strings.Contains(e.Description, "body") {
		t.Errorf("description lost the text: %q", e.Description)
	}
}

func TestMentionsAreNotLeftRawInTitles(t *testing.T) {
	r := &renderer{shelf: newShelf(100, time.Hour, time.Now)}
	msgs := r.render(&chat.Response{Title: "3 entities affected", Status: chat.StatusOK, Sections: []chat.Section{
		{Title: "Team Payments · <#1187340000000000101> — 2", Items: []chat.Item{{Text: "ledger"}}},
	}, Fields: []chat.Field{{Name: "Escalation", Value: "Team Payments (<#1187340000000000101>) → ACME"}}})
	var sawSection bool
	for _, e := range msgs[0].Embeds {
		if strings.Contains(e.Title, "<#") {
			t.Errorf("embed title shows a raw mention: %q", e.Title)
		}
		for _, f := range e.Fields {
			if strings.Contains(f.Name, "<#") {
				t.Errorf("field name shows a raw mention: %q", f.Name)
			}
			if f.Name == "Escalation" && !strings.Contains(f.Value, "<#1187340000000000101>") {
				t.Errorf("escalation value lost its mention: %q", f.Value)
			}
		}
		if strings.HasPrefix(e.Description, "**Team Payments · <#1187340000000000101> — 2**\n• ledger") {
			sawSection = true
		}
	}
	if !sawSection {
		t.Errorf("section heading with its channel mention not in a description: %+v", msgs[0].Embeds)
	}
}
