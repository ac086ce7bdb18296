package console

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot/chat"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() *chat.Response {
	return &chat.Response{
		Title:  "3 entities affected if ledger-db goes down",
		Text:   "Teams: Team Payments: 2; Team Checkout: 1",
		Fields: []chat.Field{{Name: "Teams to tell", Value: "2"}, {Name: "Deepest", Value: "2"}},
		Sections: []chat.Section{
			{Title: "Team Payments · #payments — 2", Items: []chat.Item{{Text: "ledger (component)", Detail: "depth 1 · depends on resource:ledger-db"}, {Text: "payments-api", Detail: "depth 1", URL: "https://x.example/p"}}},
			{Title: "Team Checkout — 1", Items: []chat.Item{{Text: "checkout", Detail: "depth 2"}}},
		},
		Links:   []chat.Link{{Title: "Runbook", URL: "https://runbooks.example/ledger"}},
		Docs:    []chat.DocHit{{Page: "index.md", Anchor: "rollback", Title: "Ledger", Heading: "Rollback", Snippet: "how to **roll back**", URL: "https://docs.example/ledger#rollback"}},
		Page:    &chat.Page{Index: 0, Total: 2, Items: 6},
		Actions: []chat.Action{{Label: "who owns", Command: "owner resource:default/ledger-db"}, {Label: "next page (2/2)", Command: "impact ledger-db", Page: 1}},
		Status:  chat.StatusOK,
	}
}

func TestRenderTextGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, sample()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "impact.txt")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("text render differs from %s (go test -update rewrites it):\n%s", path, b.String())
	}
}

func TestRenderJSONIsOneLineOfTheResponse(t *testing.T) {
	var b bytes.Buffer
	if err := RenderJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("want one line, got %q", b.String())
	}
	var back chat.Response
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Title != sample().Title || len(back.Docs) != 1 || back.Docs[0].Anchor != "rollback" || back.Page.Total != 2 {
		t.Errorf("round trip lost data: %+v", back)
	}
}

func TestSessionFollowsNextAndNumberedActions(t *testing.T) {
	var seen []string
	h := chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		seen = append(seen, req.Text+"#"+string(rune('0'+req.Page)))
		return sample(), nil
	})
	var out bytes.Buffer
	s := &Session{Handler: h, In: strings.NewReader("impact ledger-db\nnext\n1\nquit\nnever run\n"), Out: &out, JSON: true}
	st, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"impact ledger-db#0", "impact ledger-db#1", "owner resource:default/ledger-db#0"}
	if strings.Join(seen, ",") != strings.Join(want, ",") || st.Lines != 3 {
		t.Errorf("ran %v (%d lines), want %v", seen, st.Lines, want)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Errorf("%d JSON lines, want 3", n)
	}
}

func TestAskRunsFollowUpToTheEnd(t *testing.T) {
	h := chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		return &chat.Response{Title: "working", Status: chat.StatusOK, Follow: func(ctx context.Context, update func(*chat.Response) error) error {
			_ = update(&chat.Response{Title: "step 1", Status: chat.StatusOK})
			return update(&chat.Response{Title: "done", Status: chat.StatusOK})
		}}, nil
	})
	resp, err := Ask(context.Background(), h, chat.User{}, "scaffold x", 0)
	if err != nil || resp.Title != "done" {
		t.Fatalf("%v %+v", err, resp)
	}
}

func TestAskRefusesCommandsOverTheLimit(t *testing.T) {
	ran := false
	h := chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		ran = true
		return &chat.Response{Text: "ran"}, nil
	})
	resp, err := Ask(t.Context(), h, chat.User{ID: "me"}, "who owns "+strings.Repeat("x", 900<<10), 0)
	if err != nil || resp.Status != chat.StatusUsage || !strings.Contains(resp.Title+resp.Text, "too long") || ran {
		t.Fatalf("Ask = %+v, %v (handler ran: %v)", resp, err, ran)
	}
}

func TestSessionPicksAChoiceByItsNumber(t *testing.T) {
	var seen []string
	h := chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		seen = append(seen, req.Text)
		return &chat.Response{Title: `"search" matches 2 entities`, Status: chat.StatusAmbiguous, Suggestions: []chat.Suggestion{
			{Label: "api:default/search — grpc", Command: "owner api:default/search"},
			{Label: "component:default/search — service", Command: "owner component:default/search"},
		}}, nil
	})
	var out bytes.Buffer
	s := &Session{Handler: h, In: strings.NewReader("who owns search\n2\n"), Out: &out}
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "who owns search,owner component:default/search"; strings.Join(seen, ",") != want {
		t.Errorf("ran %v, want %s", seen, want)
	}
	// Each choice is listed once, numbered.
	if n := strings.Count(out.String(), "owner component:default/search"); n != 2 { // two answers, once each
		t.Errorf("choice listed %d times in two answers, want 2:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "[2] component:default/search — service") {
		t.Errorf("choices not numbered:\n%s", out.String())
	}
}

// Piped text: a blank line runs nothing (it printed the whole help).
func TestSessionIgnoresBlankPipedLines(t *testing.T) {
	var seen []string
	h := chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		seen = append(seen, req.Text)
		return &chat.Response{Title: "answer to " + req.Text, Status: chat.StatusOK}, nil
	})
	var out bytes.Buffer
	s := &Session{Handler: h, In: strings.NewReader("\nwho owns search\n  \n\n"), Out: &out}
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "who owns search" {
		t.Errorf("ran %q, want only the one command", seen)
	}
}

// rw is a terminal's two ends in memory: keys typed in, what it shows out.
type rw struct {
	in  io.Reader
	out bytes.Buffer
}

func (r *rw) Read(p []byte) (int, error)  { return r.in.Read(p) }
func (r *rw) Write(p []byte) (int, error) { return r.out.Write(p) }

func TestSessionOnALineEditorHasHistoryAndIgnoresBlankLines(t *testing.T) {
	var seen []string
	h := chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
		seen = append(seen, req.Text)
		return &chat.Response{Title: "answer to " + req.Text, Status: chat.StatusOK}, nil
	})
	// Type a command, a blank line, then the up arrow (ESC [ A) to recall
	// the command and run it again, then Ctrl-D.
	dev := &rw{in: strings.NewReader("who owns ledger\r\r\x1b[A\r\x04")}
	ed := NewEditor(dev, "callboard> ")
	s := &Session{Handler: h, Editor: ed, Out: ed, Prompt: "callboard> "}
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "who owns ledger,who owns ledger"; strings.Join(seen, ",") != want {
		t.Errorf("ran %q, want %q (history recall; the blank line runs nothing)\n%q", seen, want, dev.out.String())
	}
	shown := dev.out.String()
	if strings.Contains(shown, "^[[A") {
		t.Errorf("arrow key printed raw:\n%q", shown)
	}
	// Each answer is shown before the next prompt.
	if i, j := strings.Index(shown, "answer to who owns ledger"), strings.LastIndex(shown, "callboard> "); i < 0 || j < i {
		t.Errorf("answer not printed before the last prompt:\n%q", shown)
	}
}

func TestTextAnswersShowNoRawMarkdown(t *testing.T) {
	resp := &chat.Response{
		Title:    "**ledger** is owned by _Team Payments_",
		Text:     "Run `deploy ledger` first.\n```\nmake deploy\n```\nSee [the runbook](https://runbooks.example/ledger) and ledger_db_main stays as is.",
		Fields:   []chat.Field{{Name: "Owner", Value: "**Team Payments** (_group:team-payments_)"}},
		Sections: []chat.Section{{Title: "**Owns**", Items: []chat.Item{{Text: "_ledger_", Detail: "**service**"}}}},
		Status:   chat.StatusOK,
	}
	var b bytes.Buffer
	if err := Render(&b, resp); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, raw := range []string{"**", "_Team", "Payments_", "```", "](", "_ledger_", "_group"} {
		if strings.Contains(out, raw) {
			t.Errorf("raw Markdown %q shown:\n%s", raw, out)
		}
	}
	for _, want := range []string{"ledger is owned by Team Payments", "make deploy", "the runbook <https://runbooks.example/ledger>", "ledger_db_main", "`deploy ledger`",
		"Owner: Team Payments (group:team-payments)", "  - ledger — service"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if resp.Title != "**ledger** is owned by _Team Payments_" {
		t.Errorf("Render changed the response it was given: %q", resp.Title)
	}
}
