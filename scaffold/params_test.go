package scaffold_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/callboard/callboard/scaffold"
)

func TestParameterValuesAreCoercedAndValidated(t *testing.T) {
	tmpl := goService(t)
	base := func(extra map[string]string) map[string]string {
		m := map[string]string{"name": "ledger", "owner": "team-payments", "repoUrl": "github.com?owner=acme&repo=ledger"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name    string
		params  map[string]string
		want    map[string]any // subset of the values
		problem string         // substring of the error
		missing []string
	}{
		{name: "defaults are filled", params: base(nil), want: map[string]any{"tier": "silver", "replicas": float64(2), "public": false}},
		{name: "integer, boolean and array are typed", params: base(map[string]string{"replicas": "5", "tags": "a, b", "public": "false"}), want: map[string]any{"replicas": float64(5), "tags": []any{"a", "b"}, "public": false}},
		{name: "pattern names the parameter and the rule", params: base(map[string]string{"name": "Bad_Name"}), problem: "parameter 'name': must match ^[a-z0-9-]+$"},
		{name: "minLength", params: base(map[string]string{"name": "ab"}), problem: "parameter 'name': must be at least 3 characters long"},
		{name: "maxLength", params: base(map[string]string{"name": strings.Repeat("a", 41)}), problem: "parameter 'name': must be at most 40 characters long"},
		{name: "enum", params: base(map[string]string{"tier": "platinum"}), problem: "parameter 'tier': must be one of gold, silver, bronze"},
		{name: "not a number", params: base(map[string]string{"replicas": "many"}), problem: `parameter 'replicas': must be a whole number, not "many"`},
		{name: "not a boolean", params: base(map[string]string{"public": "perhaps"}), problem: "parameter 'public': must be true or false"},
		{name: "unknown parameter", params: base(map[string]string{"nmae": "x"}), problem: "parameter 'nmae': the template has no such parameter"},
		{name: "repoUrl host not allowed", params: base(map[string]string{"repoUrl": "gitlab.com?owner=a&repo=b"}), problem: "parameter 'repoUrl': host gitlab.com is not allowed (allowed: github.com)"},
		{name: "repoUrl without repo", params: base(map[string]string{"repoUrl": "github.com?owner=a"}), problem: "names no repo"},
		{name: "missing required listed", params: map[string]string{"name": "ledger"}, missing: []string{"owner", "repoUrl"}},
		{name: "dependency makes apiPath required", params: base(map[string]string{"public": "true"}), missing: []string{"apiPath"}},
		{name: "dependency satisfied", params: base(map[string]string{"public": "true", "apiPath": "/v1"}), want: map[string]any{"apiPath": "/v1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			values, err := tmpl.Values(c.params)
			if c.problem == "" && c.missing == nil {
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range c.want {
					if !reflect.DeepEqual(values[k], v) {
						t.Errorf("%s = %#v, want %#v", k, values[k], v)
					}
				}
				return
			}
			var perr *scaffold.ParamError
			if !errors.As(err, &perr) {
				t.Fatalf("err = %v, want a ParamError", err)
			}
			if c.problem != "" && !strings.Contains(err.Error(), c.problem) {
				t.Errorf("err = %q, want %q", err, c.problem)
			}
			var names []string
			for _, m := range perr.Missing {
				names = append(names, m.Name)
			}
			if c.missing != nil && strings.Join(names, ",") != strings.Join(c.missing, ",") {
				t.Errorf("missing = %v, want %v", names, c.missing)
			}
		})
	}
}

func TestMissingParametersDescribeWhatToSupply(t *testing.T) {
	_, err := goService(t).Values(map[string]string{})
	var perr *scaffold.ParamError
	if !errors.As(err, &perr) {
		t.Fatal(err)
	}
	byName := map[string]scaffold.Param{}
	for _, p := range perr.Missing {
		byName[p.Name] = p
	}
	name := byName["name"]
	if name.Title != "Name" || name.Description == "" || name.Type != "string" || name.Pattern != "^[a-z0-9-]+$" || !name.Required {
		t.Errorf("name = %+v", name)
	}
	repo := byName["repoUrl"]
	if repo.Field != "RepoUrlPicker" || !reflect.DeepEqual(repo.AllowedHosts, []string{"github.com"}) || repo.Hint() != "repoUrl=github.com?owner=ORG&repo=NAME" {
		t.Errorf("repoUrl = %+v hint %q", repo, repo.Hint())
	}
	if owner := byName["owner"]; owner.Field != "OwnerPicker" || !reflect.DeepEqual(owner.AllowedKinds, []string{"Group"}) {
		t.Errorf("owner = %+v", owner)
	}
	for _, p := range goService(t).Params() {
		if p.Name == "apiToken" && !p.Secret {
			t.Error("ui:widget password is not marked secret")
		}
		if p.Name == "tier" && !reflect.DeepEqual(p.Enum, []string{"gold", "silver", "bronze"}) {
			t.Errorf("tier enum %v", p.Enum)
		}
	}
}

func TestParseAssignmentsHandlesQuotes(t *testing.T) {
	cases := []struct {
		in     string
		values map[string]string
		rest   []string
		err    string
	}{
		{in: `go-service name=ledger owner=team-payments`, values: map[string]string{"name": "ledger", "owner": "team-payments"}, rest: []string{"go-service"}},
		{in: `x description="two words" title='a = b'`, values: map[string]string{"description": "two words", "title": "a = b"}, rest: []string{"x"}},
		{in: `repoUrl=github.com?owner=acme&repo=ledger --dry-run`, values: map[string]string{"repoUrl": "github.com?owner=acme&repo=ledger"}, rest: []string{"--dry-run"}},
		{in: `d=“smart quotes”`, values: map[string]string{"d": "smart quotes"}},
		{in: `d="Pays \"things\"" p="a\\b" w=C:\dir`, values: map[string]string{"d": `Pays "things"`, "p": `a\b`, "w": `C:\dir`}},
		{in: `a=1 a=2`, err: "given twice"},
		{in: `a="open`, err: "not closed"},
		{in: `=x`, err: "no parameter name"},
	}
	for _, c := range cases {
		values, rest, err := scaffold.ParseAssignments(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(values, c.values) || !reflect.DeepEqual(rest, c.rest) {
			t.Errorf("%q = %v %v %v", c.in, values, rest, err)
		}
	}
}

func TestRepositoryNamesFollowGitHubRules(t *testing.T) {
	for name, ok := range map[string]bool{
		"ledger": true, "a.b_c-d": true, strings.Repeat("x", 100): true,
		"": false, ".": false, "..": false, "a b": false, "ü": false, "a/b": false, strings.Repeat("x", 101): false,
	} {
		if err := scaffold.CheckRepoName(name); (err == nil) != ok {
			t.Errorf("CheckRepoName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
