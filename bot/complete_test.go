package bot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/bot"
)

func TestCompleteRanksAsInfoResolves(t *testing.T) {
	s := loadSnapshot(t, "testdata", "org.yaml")
	values := func(cs []bot.Completion) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Value
		}
		return out
	}
	// What info answers for "payments" (the system) comes first, then the
	// other names starting with it, shortest first.
	got := values(bot.Complete(s, false, "payments", 10))
	if len(got) < 3 || got[0] != bot.Resolve(s, "payments", nil).Entity.Ref().String() {
		t.Fatalf("payments: %v, want info's answer first", got)
	}
	for _, want := range []string{"group:default/payments-team", "component:default/payments-api", "api:default/payments-http"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("payments: %v lacks %s", got, want)
		}
	}
	// An ambiguous name offers info's choices.
	got = values(bot.Complete(s, false, "search", 10))
	if len(got) < 2 || !strings.HasSuffix(got[0], "/search") || !strings.HasSuffix(got[1], "/search") {
		t.Errorf("search: %v, want both search entities first", got)
	}
	// A typo still finds the name.
	if got := values(bot.Complete(s, false, "paymnets-api", 5)); len(got) == 0 || got[0] != "component:default/payments-api" {
		t.Errorf("typo: %v", got)
	}
	// The limit holds; no template is offered as an entity.
	if got := bot.Complete(s, false, "", 3); len(got) != 3 {
		t.Errorf("empty prefix: %d choices, want 3", len(got))
	}
	for _, c := range bot.Complete(s, false, "", 1000) {
		if strings.HasPrefix(c.Value, "template:") {
			t.Errorf("template offered as an entity: %+v", c)
		}
	}
}

func TestCompleteTemplatesByName(t *testing.T) {
	dir := t.TempDir()
	yaml := `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: go-service
  title: Go service
spec:
  type: service
  steps: []
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: docs-site
spec:
  type: documentation
  steps: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: go-lib
spec:
  type: library
  lifecycle: production
  owner: someone
`
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s := loadSnapshot(t, dir, "c.yaml")
	got := bot.Complete(s, true, "go", 10)
	if len(got) != 1 || got[0].Value != "go-service" || got[0].Label != "go-service — Go service" {
		t.Errorf("templates for go: %+v, want go-service only (a name /scaffold takes)", got)
	}
	if got := bot.Complete(s, true, "", 10); len(got) != 2 {
		t.Errorf("all templates: %+v", got)
	}
}
