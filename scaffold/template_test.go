package scaffold_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

func TestParseTemplateRejectsBadTemplatesSayingWhere(t *testing.T) {
	ok := func() *catalog.Entity {
		return &catalog.Entity{APIVersion: scaffold.APIVersion, Kind: "Template", Metadata: catalog.Metadata{Name: "t"},
			Origin: catalog.Origin{Pos: catalog.Position{File: "templates/t.yaml", Line: 1, Col: 1}, Path: "templates/t.yaml"},
			Spec:   map[string]any{"type": "service", "steps": []any{map[string]any{"id": "a", "action": "debug:log"}}}}
	}
	cases := []struct {
		name string
		edit func(e *catalog.Entity)
		want string
	}{
		{"old apiVersion", func(e *catalog.Entity) { e.APIVersion = "scaffolder.backstage.io/v1beta2" }, "only scaffolder.backstage.io/v1beta3 is supported"},
		{"not a template", func(e *catalog.Entity) { e.Kind = "Component" }, "is a Component, not a Template"},
		{"no steps", func(e *catalog.Entity) { delete(e.Spec, "steps") }, "spec.steps must be a list"},
		{"step without action", func(e *catalog.Entity) { e.Spec["steps"] = []any{map[string]any{"id": "a"}} }, "spec.steps[0] has no action"},
		{"duplicate step ids", func(e *catalog.Entity) {
			e.Spec["steps"] = []any{map[string]any{"id": "a", "action": "debug:log"}, map[string]any{"id": "a", "action": "debug:log"}}
		}, `two steps have the id "a"`},
		{"parameters not a schema", func(e *catalog.Entity) { e.Spec["parameters"] = "name" }, "spec.parameters: must be a JSON Schema"},
		{"invalid JSON Schema", func(e *catalog.Entity) {
			e.Spec["parameters"] = map[string]any{"properties": map[string]any{"n": map[string]any{"type": "strnig"}}}
		}, "is not a valid JSON Schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ok()
			c.edit(e)
			_, err := scaffold.ParseTemplate(e)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "templates/t.yaml:1:1") {
				t.Fatalf("err = %v, want %q at templates/t.yaml:1:1", err, c.want)
			}
		})
	}
	if tmpl, err := scaffold.ParseTemplate(ok()); err != nil || tmpl.Dir != "templates" || tmpl.Steps[0].Name != "a" {
		t.Fatalf("valid template: %+v %v", tmpl, err)
	}
}

func TestLocalSkeletonsAreTheRelativeURLsOfFetchSteps(t *testing.T) {
	spec := map[string]any{"steps": []any{
		map[string]any{"action": "fetch:template", "input": map[string]any{"url": "./skeleton"}},
		map[string]any{"action": "fetch:plain", "input": map[string]any{"url": "https://github.com/acme/x/tree/main/docs"}},
		map[string]any{"action": "fetch:plain:file", "input": map[string]any{"url": "../common/LICENSE"}},
		map[string]any{"action": "fetch:cookiecutter", "input": map[string]any{"url": "./cc"}},
		map[string]any{"action": "fetch:template", "input": map[string]any{"url": "${{ parameters.where }}"}},
		map[string]any{"action": "debug:log", "input": map[string]any{"url": "./not-a-skeleton"}},
		"not a step",
	}}
	got := fmt.Sprint(scaffold.LocalSkeletons(spec))
	if got != "[./skeleton ../common/LICENSE ./cc]" {
		t.Fatalf("LocalSkeletons = %s", got)
	}
}
