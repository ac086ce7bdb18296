package scaffold_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
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

// A repository location can be given in parts, as a form asks for it.
func TestRepoURLFromItsParts(t *testing.T) {
	tmpl, err := scaffold.LoadTemplateFile(context.Background(), "testdata/templates/ordered/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"zeta": "z", "name": "n"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		raw           map[string]string
		want, problem string
	}{
		{with("repoUrl.owner", "acme", "repoUrl.repo", "ledger"), "github.com?owner=acme&repo=ledger", ""},
		{with("repoUrl.owner", "acme", "repoUrl.repo", "ledger", "repoUrl.host", "ghe.example.com"), "ghe.example.com?owner=acme&repo=ledger", ""},
		{with("repoUrl", "github.com?owner=a&repo=b", "repoUrl.repo", "ignored"), "github.com?owner=a&repo=b", ""},
		{with("repoUrl.repo", "ledger"), "", "names no owner"},
		{with("repoUrl.owner", "acme", "repoUrl.repo", "bad/name"), "", "GitHub allows only letters"},
	} {
		v, err := tmpl.Values(tc.raw)
		switch {
		case tc.problem != "":
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("%v: error %v, want %q", tc.raw, err, tc.problem)
			}
		case err != nil:
			t.Errorf("%v: %v", tc.raw, err)
		case v["repoUrl"] != tc.want:
			t.Errorf("%v: repoUrl %v, want %s", tc.raw, v["repoUrl"], tc.want)
		}
	}
}

// A form asks for what is missing, then the optional parameters not yet
// given, each in the template's order.
func TestFormListsMissingThenOptionalInTheTemplatesOrder(t *testing.T) {
	tmpl, err := scaffold.LoadTemplateFile(context.Background(), "testdata/templates/ordered/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{"alpha": "a"}
	_, err = tmpl.Values(raw)
	var perr *scaffold.ParamError
	if !errors.As(err, &perr) {
		t.Fatalf("want missing parameters, got %v", err)
	}
	required, optional := tmpl.Form(raw, perr.Missing)
	names := func(ps []scaffold.Param) (out []string) {
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if got := names(required); !reflect.DeepEqual(got, []string{"zeta", "name"}) {
		t.Errorf("required %v", got)
	}
	if got := names(optional); !reflect.DeepEqual(got, []string{"mid", "beta", "repoUrl", "zoo", "apple", "aardvark"}) {
		t.Errorf("optional %v", got)
	}
}
