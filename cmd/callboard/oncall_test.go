package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/pagerduty/pagerdutytest"
)

func runEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := Run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestAskNamesWhoIsOnCallFromPagerDuty(t *testing.T) {
	pd := pagerdutytest.New(t, "pd-secret-token")
	end := time.Now().Add(5 * time.Hour).UTC().Truncate(time.Second)
	pd.AddService(pagerdutytest.Service{ID: "PAY123", Name: "Payments", PolicyID: "PEP1", OnCalls: []pagerdutytest.OnCall{
		{Level: 1, User: pagerdutytest.User{ID: "PU1", Name: "A. Archer", Email: "alice@acme.example"}, ScheduleID: "S1", Schedule: "Payments primary", Start: end.Add(-time.Hour), End: end},
		{Level: 2, User: pagerdutytest.User{ID: "PU2", Name: "Bob B.", Email: "bob@acme.example"}, ScheduleID: "S2", Schedule: "Payments secondary", Start: end.Add(-time.Hour), End: end},
	}})
	// GITHUB_APP_ID is bad but has nothing to do with `ask`: it must not
	// stop it (the command line reads only the variables it needs).
	vars := map[string]string{"PAGERDUTY_TOKEN": "pd-secret-token", "PAGERDUTY_API_URL": pd.URL, "GITHUB_APP_ID": "not-a-number"}
	code, out, errs := runEnv(t, vars, "ask", "--catalog", orgCatalog, "who is on call for the payments api right now?")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"On-call for Payments API: Alice Archer", "Alice Archer (`user:alice`) — Payments primary, until " + end.Format("15:04 UTC"),
		"Level 2: Bob Baker (`user:bob`) — Payments secondary" /* no raw ** on a terminal (issue 24) */, "PagerDuty service Payments (PAY123) (from group:payments-team)"} {
		if !strings.Contains(out, want) {
			t.Errorf("answer lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errs, "pd-secret-token") {
		t.Error("the token reached the output")
	}

	pd.Fail(10)
	code, out, _ = runEnv(t, vars, "ask", "--catalog", orgCatalog, "oncall payments-api")
	if code != 0 || !strings.Contains(out, "PagerDuty answered HTTP 500, so I can't say who is on call right now. From the catalog:") ||
		!strings.Contains(out, "Channel:") {
		t.Errorf("with PagerDuty failing, want one line and the catalog's answer (exit %d):\n%s", code, out)
	}
}

func TestChatOnTheExampleOrganisationNamesTheExampleRota(t *testing.T) {
	code, out, errs := runEnv(t, map[string]string{}, "ask", "who is on call for ledger")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"On-call for Ledger: ", "Ledger primary, until", "Example data", "Example rota for PagerDuty service PLDG4RM"} {
		if !strings.Contains(out, want) {
			t.Errorf("answer lacks %q:\n%s", want, out)
		}
	}
}

// A service id PagerDuty does not know on the entity falls back to its
// owner team's service.
func TestAskFallsBackToTheOwnersServiceWhenTheEntitysIsUnknown(t *testing.T) {
	pd := pagerdutytest.New(t, "tok")
	end := time.Now().Add(2 * time.Hour).UTC()
	pd.AddService(pagerdutytest.Service{ID: "PAY123", Name: "Payments", PolicyID: "PEP1", OnCalls: []pagerdutytest.OnCall{
		{Level: 1, User: pagerdutytest.User{ID: "PU2", Name: "Bob", Email: "bob@acme.example"}, ScheduleID: "S1", Schedule: "Primary", Start: end.Add(-time.Hour), End: end}}})
	cat := t.TempDir() + "/c.yaml"
	yaml := `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: pay, annotations: {pagerduty.com/service-id: PAY123}}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: svc, annotations: {pagerduty.com/service-id: PGONE}}
spec: {type: service, lifecycle: production, owner: pay}
`
	if err := os.WriteFile(cat, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runEnv(t, map[string]string{"PAGERDUTY_TOKEN": "tok", "PAGERDUTY_API_URL": pd.URL}, "ask", "--catalog", cat, "who is on call for svc")
	if code != 0 || !strings.Contains(out, "On-call for svc: Bob") || !strings.Contains(out, "(from group:pay)") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
}

// TestAskRedactsTheSecretsItWasGiven: ask and chat pass the secrets of
// their environment to the answers' redactor, as serve does, so a secret
// typed into a question (pasted by mistake) is not printed back.
func TestAskRedactsTheSecretsItWasGiven(t *testing.T) {
	const secret = "plain-secret-7731-not-a-token-shape"
	_, stdout, stderr := runEnv(t, map[string]string{"BACKSTAGE_TOKEN": secret}, "ask", "who owns "+secret)
	if strings.Contains(stdout+stderr, secret) {
		t.Fatalf("the secret was printed back:\n%s%s", stdout, stderr)
	}
	if _, stdout, _ := runEnv(t, nil, "ask", "who owns "+secret); !strings.Contains(stdout, secret) {
		t.Fatalf("without the secret configured the question should be echoed (the test would prove nothing):\n%s", stdout)
	}
}

// TestAskJSONCarriesTheOnCallPeople: with --json, who is on call now is
// data (issue 24): each person's catalog ref, email, chat id and shift,
// found through PagerDuty; without a PagerDuty token, why nobody is named.
func TestAskJSONCarriesTheOnCallPeople(t *testing.T) {
	pd := pagerdutytest.New(t, "tok")
	end := time.Now().Add(5 * time.Hour).UTC().Truncate(time.Second)
	pd.AddService(pagerdutytest.Service{ID: "PAY123", Name: "Payments", PolicyID: "PEP1", OnCalls: []pagerdutytest.OnCall{
		{Level: 1, User: pagerdutytest.User{ID: "PU1", Name: "A. Archer", Email: "alice@acme.example"}, ScheduleID: "S1", Schedule: "Payments primary", Start: end.Add(-time.Hour), End: end},
		{Level: 2, User: pagerdutytest.User{ID: "PU9", Name: "Zed Outsider", Email: "zed@elsewhere.example"}, ScheduleID: "S2", Schedule: "Payments secondary", Start: end.Add(-time.Hour), End: end},
	}})
	type person struct {
		Level       int
		Name, Email string
		Schedule    string
		End         time.Time
		Ref         *struct{ Kind, Namespace, Name string }
		SlackUserID string `json:"slackUserId"`
	}
	var got struct {
		Query  string
		OnCall *struct {
			Source, Target, Unavailable string
			From                        *struct{ Kind, Name string }
			People                      []person
		} `json:"onCall"`
	}
	for _, q := range []string{"oncall payments-api", "who owns payments-api"} {
		got.OnCall = nil
		code, out, errs := runEnv(t, map[string]string{"PAGERDUTY_TOKEN": "tok", "PAGERDUTY_API_URL": pd.URL}, "ask", "--json", "--catalog", orgCatalog, q)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s%s", q, code, out, errs)
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		d := got.OnCall
		if got.Query != q || d == nil || d.Source != "PagerDuty" || d.From == nil || d.From.Name != "payments-team" || len(d.People) != 2 {
			t.Fatalf("%s: on-call data %+v\n%s", q, d, out)
		}
		alice, zed := d.People[0], d.People[1]
		if alice.Level != 1 || alice.Name != "Alice Archer" || alice.Email != "alice@acme.example" || alice.Schedule != "Payments primary" ||
			!alice.End.Equal(end) || alice.Ref == nil || alice.Ref.Kind != "user" || alice.Ref.Namespace != "default" || alice.Ref.Name != "alice" ||
			alice.SlackUserID != "U0ALICE" {
			t.Errorf("%s: level 1 %+v", q, alice)
		}
		// Someone the catalog does not know keeps PagerDuty's name, no ref.
		if zed.Level != 2 || zed.Name != "Zed Outsider" || zed.Ref != nil || zed.SlackUserID != "" {
			t.Errorf("%s: level 2 %+v", q, zed)
		}
	}
	got.OnCall = nil
	_, out, _ := runEnv(t, map[string]string{}, "ask", "--json", "--catalog", orgCatalog, "oncall payments-api")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.OnCall == nil || len(got.OnCall.People) != 0 || !strings.Contains(got.OnCall.Unavailable, "PAGERDUTY_TOKEN") {
		t.Errorf("without a token: %+v", got.OnCall)
	}
}
