package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The chat scaffold commands on the embedded organisation's templates.
func TestChatTemplatesAndScaffoldDryRun(t *testing.T) {
	code, out, _ := run(t, "", "ask", "templates")
	if code != 0 || !strings.Contains(out, "go-service") || !strings.Contains(out, "scaffold go-service") {
		t.Fatalf("templates: exit %d\n%s", code, out)
	}

	code, out, _ = run(t, "", "ask", "--json", "scaffold go-service name=ledger-export")
	if code != 2 {
		t.Errorf("missing parameters: exit %d, want 2 (usage)", code)
	}
	var resp struct {
		Status string `json:"status"`
		Modal  *struct {
			Command string `json:"command"`
			Inputs  []struct {
				Name        string `json:"name"`
				Placeholder string `json:"placeholder"`
				Hint        string `json:"hint"`
			} `json:"inputs"`
		} `json:"modal"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	// The form's command keeps the values already given: it asks only for the rest.
	if resp.Status != "usage" || resp.Modal == nil || resp.Modal.Command != "scaffold go-service name=ledger-export" {
		t.Fatalf("missing parameters gave %+v", resp)
	}
	var names []string
	for _, in := range resp.Modal.Inputs {
		names = append(names, in.Name)
		// The repository is asked as its name, the form of the whole value
		// (github.com?owner=tallybird&repo=NAME) built by callboard.
		if in.Name == "repoUrl.repo" && (in.Placeholder != "NAME" || !strings.Contains(in.Hint, "github.com/tallybird/NAME")) {
			t.Errorf("repoUrl input gives no hint of where the repository goes: %+v", in)
		}
	}
	// The missing ones in the template's order, then the optional ones.
	if got := strings.Join(names, ","); got != "owner,description,repoUrl.repo,system,port,features,visibility" {
		t.Errorf("modal asks for %q", got)
	}
	code, out, _ = run(t, "", "ask", `scaffold go-service name=ledger-export owner=team-payments description=d repoUrl.repo=ledger-export --dry-run`)
	if code != 0 || !strings.Contains(out, "Dry run of go-service") {
		t.Errorf("the repository given as its name: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "ask", `scaffold go-service name=ledger-export owner=team-payments description=d repoUrl.repo=ledger-export repoUrl.owner=elsewhere --dry-run`)
	if code != 2 || !strings.Contains(out, "owner elsewhere is not allowed (allowed: tallybird)") {
		t.Errorf("an owner allowedOwners does not name: exit %d\n%s", code, out)
	}

	const full = `scaffold go-service name=ledger-export owner=team-payments description="Exports ledger entries" repoUrl=github.com?owner=tallybird&repo=ledger-export`
	code, out, _ = run(t, "", "ask", full+" --dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	for _, want := range []string{"cmd/ledger-export/main.go", "catalog-info.yaml", `name: "ledger-export"`, "Exports ledger entries", "Nothing was created"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q\n%s", want, out)
		}
	}
	// Asked to publish where nothing can publish: it says so (exit 1) and
	// shows what it would have created, never a success.
	code, out, _ = run(t, "", "ask", full)
	if code != 1 {
		t.Errorf("publish without GitHub: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"Not published", "not configured", "GITHUB_TOKEN", "cmd/ledger-export/main.go", "Nothing was created"} {
		if !strings.Contains(out, want) {
			t.Errorf("unconfigured publish lacks %q\n%s", want, out)
		}
	}

	code, out, _ = run(t, "", "ask", "scaffold go-servce name=x")
	if code != 1 || !strings.Contains(out, "scaffold go-service") {
		t.Errorf("misspelt template: exit %d, want 1 with a suggestion\n%s", code, out)
	}
}
