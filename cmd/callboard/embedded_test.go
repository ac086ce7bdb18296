package main

import (
	"strings"
	"testing"
)

// TestAskAnswersEveryCommandOnTheEmbeddedOrg runs each command with no
// --catalog, on the example organisation built into the binary.
func TestAskAnswersEveryCommandOnTheEmbeddedOrg(t *testing.T) {
	tests := []struct {
		text string
		code int
		has  string
	}{
		{"who owns payments-api?", 0, "Payments API is owned by Team Payments"},
		{"who's on call for checkout", 0, "On-call for"},
		{"info payments-api", 0, "Ref:"},
		{"payments-api", 0, "Ref:"},
		{"deps checkout", 0, "depends on"},
		{"what depends on the ledger?", 0, "affected if Ledger goes down"},
		{"team team-payments", 0, "Team Payments"},
		{"search payments", 0, "matches for"},
		{"api payments-api", 0, ""},
		{"system payments", 0, "Parts"},
		{"docs rollback", 0, "documentation matches"},
		{"help", 0, "callboard commands"},
		{"who owns no-such-service-anywhere", 1, "Nothing in the catalog"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			code, out, errs := run(t, "", "ask", tt.text)
			if code != tt.code || !strings.Contains(out, tt.has) {
				t.Errorf("exit %d (want %d), stdout lacks %q:\n%s\n%s", code, tt.code, tt.has, out, errs)
			}
		})
	}
}

func TestWhoamiOnTheEmbeddedOrgBySlackID(t *testing.T) {
	code, out, _ := run(t, "", "ask", "--json", "whoami")
	if code != 1 || !strings.Contains(out, "not_found") {
		t.Errorf("console user alice is not in the example org: exit %d %s", code, out)
	}
}
