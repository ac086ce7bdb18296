package scaffold_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

func paramNames(t *scaffold.Template) []string {
	var out []string
	for _, p := range t.Params() {
		out = append(out, p.Name)
	}
	return out
}

// TestParamsFollowTheTemplatesOwnOrder: a form lists the parameters as the
// template writes them (required or not), or as a page's ui:order says,
// not alphabetically (a decoded map has no order).
func TestParamsFollowTheTemplatesOwnOrder(t *testing.T) {
	want := []string{"zeta", "name", "alpha", "mid", "beta", "repoUrl", "zoo", "apple", "aardvark"}
	tmpl, err := scaffold.LoadTemplateFile(context.Background(), "testdata/templates/ordered/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := paramNames(tmpl); !reflect.DeepEqual(got, want) {
		t.Errorf("from YAML: %v, want %v", got, want)
	}

	// The same template as JSON (a Backstage instance's catalog API): the
	// order comes from the JSON text, and survives the entity's JSON form
	// (a snapshot shared through Redis).
	jsonText := []byte(`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"ordered"},
	 "spec":{"parameters":[{"properties":{"zeta":{"type":"string"},"name":{"type":"string"},"alpha":{"type":"string"}}}]}}`)
	if got := catalog.TemplateParamOrder(jsonText); !reflect.DeepEqual(got, [][]string{{"zeta", "name", "alpha"}}) {
		t.Errorf("from JSON: %v", got)
	}
	e := &catalog.Entity{}
	b, _ := json.Marshal(&catalog.Entity{ParamOrder: [][]string{{"b", "a"}}})
	if err := json.Unmarshal(b, e); err != nil || !reflect.DeepEqual(e.ParamOrder, [][]string{{"b", "a"}}) {
		t.Errorf("ParamOrder does not survive JSON: %v %v", e.ParamOrder, err)
	}
}
