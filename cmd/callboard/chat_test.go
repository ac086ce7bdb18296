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

// --json is data: each line carries the query it answers, the entity it is
// about (ref, owner, typed relations, links) and the entities it lists.
func TestChatJSONLinesAreData(t *testing.T) {
	code, out, errs := run(t, "who owns payments-api\nwho owns search\n", "chat", "--catalog", orgCatalog, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out)
	}
	var owner, ambiguous struct {
		Query  string `json:"query"`
		Entity *struct {
			Ref       struct{ Kind, Namespace, Name string }  `json:"ref"`
			Owner     *struct{ Kind, Namespace, Name string } `json:"owner"`
			Relations []struct {
				Type   string `json:"type"`
				Target struct{ Kind, Name string }
			} `json:"relations"`
			Links []struct{ URL, Type string } `json:"links"`
		} `json:"entity"`
		Refs []struct{ Kind, Namespace, Name string } `json:"refs"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &owner); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &ambiguous); err != nil {
		t.Fatal(err)
	}
	if owner.Query != "who owns payments-api" || ambiguous.Query != "who owns search" {
		t.Errorf("queries %q, %q", owner.Query, ambiguous.Query)
	}
	e := owner.Entity
	if e == nil || e.Ref.Kind != "component" || e.Ref.Namespace != "default" || e.Ref.Name != "payments-api" ||
		e.Owner == nil || e.Owner.Kind != "group" || e.Owner.Name != "payments-team" {
		t.Fatalf("entity data: %+v", e)
	}
	var dependsOnLedger bool
	for _, r := range e.Relations {
		dependsOnLedger = dependsOnLedger || (r.Type == "dependsOn" && r.Target.Name == "ledger")
	}
	if !dependsOnLedger || len(e.Links) == 0 || e.Links[0].URL == "" {
		t.Errorf("relations or links missing: %+v", e)
	}
	if len(ambiguous.Refs) != 2 || ambiguous.Refs[0].Name != "search" || ambiguous.Refs[1].Name != "search" || ambiguous.Entity != nil {
		t.Errorf("ambiguous refs %+v entity %+v", ambiguous.Refs, ambiguous.Entity)
	}
}

// An escalation answer lists its teams, in turn, as data.
func TestAskJSONEscalationListsItsTeams(t *testing.T) {
	code, out, errs := run(t, "", "ask", "--json", "escalation checkout")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		Refs []struct{ Kind, Name string } `json:"refs"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range v.Refs {
		got = append(got, r.Kind+":"+r.Name)
	}
	if strings.Join(got, " ") != "group:team-checkout group:customer-products group:tallybird" {
		t.Errorf("escalation refs %v", got)
	}
}
