package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/slack/slacktest"
	"github.com/callboard/callboard/bot/chat"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestMrkdwnConvertsTheBotsMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**bold** and _italic_", "*bold* and _italic_"},
		{"[the runbook](https://x.example.com/a?b=1&c=2)", "<https://x.example.com/a?b=1&amp;c=2|the runbook>"},
		{"a < b & c > d", "a &lt; b &amp; c &gt; d"},
		{"`**not bold** <x>`", "`**not bold** &lt;x&gt;`"},
		{"[a|b](https://x)", "<https://x|a¦b>"},
		{"[not a link] (x)", "[not a link] (x)"},
		{"**unclosed", "**unclosed"},
		{"<@U123> hi", "&lt;@U123&gt; hi"},
	}
	for _, tt := range tests {
		if got := mrkdwn(tt.in); got != tt.want {
			t.Errorf("mrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitKeepsEveryCharacter(t *testing.T) {
	tests := []string{
		strings.Repeat("word ", 2000),
		strings.Repeat("line of text\n", 800),
		strings.Repeat("x", 7000),
		"short",
	}
	for i, in := range tests {
		parts := split(in, 3000)
		var joined strings.Builder
		for _, p := range parts {
			if runes(p) > 3000 {
				t.Errorf("case %d: part of %d characters", i, runes(p))
			}
			joined.WriteString(p)
		}
		strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
		if strip(joined.String()) != strip(in) {
			t.Errorf("case %d: text lost in split", i)
		}
	}
}

// allParts renders every part of resp.
func allParts(t *testing.T, resp *chat.Response, o RenderOptions) []Message {
	t.Helper()
	first := Render(resp, o)
	out := []Message{first}
	for p := 1; p < first.Parts; p++ {
		o.Part = p
		out = append(out, Render(resp, o))
	}
	return out
}

func TestReplyExceedingEveryLimitIsPaginatedNotTruncated(t *testing.T) {
	resp := bigResponse()
	store := newValueStore(nil, nil)
	parts := allParts(t, resp, RenderOptions{Command: "big", Share: true, values: store})
	if len(parts) < 3 {
		t.Fatalf("%d parts; the answer cannot fit fewer", len(parts))
	}
	var all bytes.Buffer
	for i, m := range parts {
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if err := slacktest.CheckBlocks(raw, 50); err != nil {
			t.Fatalf("part %d breaks Slack's limits: %v", i, err)
		}
		if i < len(parts)-1 && !strings.Contains(string(raw), actionPart) {
			t.Errorf("part %d has no next-part button", i)
		}
		all.Write(raw)
	}
	s := all.String()
	for _, sec := range resp.Sections {
		for _, it := range sec.Items {
			if !strings.Contains(s, it.Text+" —") {
				t.Fatalf("item %s lost", it.Text)
			}
		}
	}
	for _, f := range resp.Fields {
		if !strings.Contains(s, f.Name) {
			t.Fatalf("field %s lost", f.Name)
		}
	}
	if got, want := strings.Count(s, "ampersand"), 500; got != want {
		t.Errorf("body text: %d of %d sentences", got, want)
	}
	if got := strings.Count(s, `"action_id":"callboard_run:`); got != len(resp.Actions) {
		t.Errorf("%d of %d actions rendered", got, len(resp.Actions))
	}
	if got := strings.Count(s, `"action_id":"callboard_pick:`); got != len(resp.Suggestions) {
		t.Errorf("%d of %d suggestions rendered", got, len(resp.Suggestions))
	}
	// Long commands are kept behind a key and come back whole.
	_, v := buttonValue(t, mustJSON(parts[len(parts)-1].Blocks), "Action 39")
	got, err := store.decode(context.Background(), v)
	if err != nil || got.Command != resp.Actions[39].Command {
		t.Fatalf("long command came back as %q, %v", shorten(got.Command, 40), err)
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name string
		resp *chat.Response
		o    RenderOptions
	}{
		{"owner", mustAnswer("who owns payments-api"), RenderOptions{Command: "who owns payments-api", Share: true,
			TeamChannel: func(string) string { return "C0PAYMENTS" }}},
		{"dependents_page", mustAnswer("what depends on payments-api"), RenderOptions{Command: "what depends on payments-api", InChannel: true}},
		{"ambiguous", mustAnswer("payments"), RenderOptions{Command: "payments", Share: true}},
		{"docs", &chat.Response{Title: "2 results for rotate keys", Status: chat.StatusOK, Docs: []chat.DocHit{
			{Page: "runbook.md", Anchor: "rotate", Title: "Payments runbook", Heading: "Rotate keys", Snippet: "Run **vault rotate** <then> restart", URL: "https://docs.example.com/payments/runbook/#rotate", Score: 3.2},
			{Page: "index.md", Title: "Payments", Heading: "Payments", Snippet: "Overview", URL: "https://docs.example.com/payments/", Score: 1.1}}},
			RenderOptions{Command: "docs rotate keys"}},
		{"big_part_2", bigResponse(), RenderOptions{Command: "big", Part: 1, Key: "k1", Share: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Render(tt.resp, tt.o)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(m); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", "render", tt.name+".json")
			if *update {
				_ = os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rendering differs from %s (run go test -update after checking):\n%s", path, got)
			}
			if err := slacktest.CheckBlocks(mustJSON(m.Blocks), 50); err != nil {
				t.Errorf("breaks limits: %v", err)
			}
		})
	}
}

func mustAnswer(text string) *chat.Response {
	r, err := answer(&chat.Request{Text: text})
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return r
}

// mrkdwn returns text with nothing to convert as it is, and what the
// conversion would give for everything else.
func FuzzMrkdwnShortcut(f *testing.F) {
	for _, s := range []string{"payments-api", "team_a owns it", "**bold** `code` [x](https://e.x)", "a & b < c > d", "caf\xc3\xa9 \xff", "*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mrkdwn(s), convertMrkdwn(s); got != want {
			t.Fatalf("mrkdwn(%q) = %q, the conversion gives %q", s, got, want)
		}
	})
}

// A button value is what json.Marshal would make of it.
func FuzzActionValueEncode(f *testing.F) {
	f.Add("who owns payments-api", 2, 1, "k1", "")
	f.Add("team <a> & \"b\"\\ caf\xc3\xa9 \xff \u2028", -3, 0, "", "ref")
	f.Add("", 0, 0, "", "")
	f.Fuzz(func(t *testing.T, c string, p, part int, k, ref string) {
		v := actionValue{Command: c, Page: p, Part: part, Key: k, Ref: ref}
		want, _ := json.Marshal(v)
		if got := v.encode(); got != string(want) {
			t.Fatalf("encode %q, json.Marshal %q", got, want)
		}
	})
}
