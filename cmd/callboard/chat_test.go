package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestChatAnswersEachPipedLine(t *testing.T) {
	code, out, errs := run(t, "who owns payments-api\nimpact ledger-db\nwho owns nothing-at-all-here\n", "chat", "--catalog", orgCatalog)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, h := range []string{"Payments API is owned by Team Payments", "goes down", "Nothing in the catalog is called"} {
		if !strings.Contains(out, h) {
			t.Errorf("lacks %q:\n%s", h, out)
		}
	}
	if strings.Contains(out, "callboard>") {
		t.Error("printed a prompt on piped input")
	}
}

func TestChatJSONPrintsOneResponsePerLine(t *testing.T) {
	in := "who owns payments-api\n\nwho owns search\n1\nhelp\n"
	code, out, errs := run(t, in, "chat", "--json", "--catalog", orgCatalog)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"ok", "ok", "ambiguous", "ok", "ok"} // the empty line is help
	if len(lines) != len(want) {
		t.Fatalf("%d lines for %d inputs:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var v struct {
			Status, Title string
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %d not JSON: %v: %s", i+1, err, l)
		}
		if v.Status != want[i] {
			t.Errorf("line %d status %q, want %q (%s)", i+1, v.Status, want[i], v.Title)
		}
	}
	// "1" clicked the first choice of the ambiguous answer.
	if !strings.Contains(lines[3], "search is owned by Platform") {
		t.Errorf("action 1 did not run: %s", lines[3])
	}
}

func TestChatRejectsArguments(t *testing.T) {
	code, _, errs := run(t, "", "chat", "--catalog", orgCatalog, "who owns x")
	if code != 2 || !strings.Contains(errs, "use callboard ask") {
		t.Errorf("exit %d: %s", code, errs)
	}
}
