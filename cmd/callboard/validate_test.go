package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateBackstageDemoCatalogIsValid(t *testing.T) {
	code, stdout, stderr := run(t, "", "validate", "../../testdata/backstage")
	if code != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "61 entity documents valid, 0 invalid") {
		t.Errorf("stderr %q", stderr)
	}
	if n := strings.Count(stderr, "note: "); n != 2 || !strings.Contains(stderr, "../../testdata/backstage/apis/petstore.oas.yaml: skipped") {
		t.Errorf("want 2 notes for the OpenAPI files with the path as typed, got:\n%s", stderr)
	}
}

func TestValidateExitCodesAndMessages(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // lines expected in stdout
		notInOut string
	}{
		{"broken file", []string{"validate", "testdata/validate/broken.yaml"}, 1, []string{
			"testdata/validate/broken.yaml:4:9: metadata.name \"Bad Name\" is not a valid name: 1 to 63 characters of a-z, A-Z, 0-9 and '-', '_', '.', starting and ending with a letter or digit",
			"testdata/validate/broken.yaml:5:10: metadata.tags[0] \"Go\" is not a valid tag: 1 to 63 characters of a-z, 0-9, ':', '+' and '#', in words joined by single '-'",
			"testdata/validate/broken.yaml:6:1: spec.owner is required for a Component",
		}, ""},
		{"warnings keep exit 0", []string{"validate", "testdata/validate/warn.yaml"}, 0, []string{
			"testdata/validate/warn.yaml:8:10: warning: spec.owner: group:default/nobody does not exist in the catalog",
		}, ""},
		{"quiet hides warnings", []string{"validate", "-q", "testdata/validate/warn.yaml"}, 0, nil, "warning"},
		{"missing file", []string{"validate", "testdata/validate/nope.yaml"}, 1, []string{"testdata/validate/nope.yaml: cannot read: no such file or directory"}, ""},
		{"no paths", []string{"validate"}, 2, nil, ""},
		{"bad flag", []string{"validate", "--nope", "x"}, 2, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			for _, want := range tc.stdout {
				found := false
				for _, l := range lines {
					found = found || l == want
				}
				if !found {
					t.Errorf("missing line %q in:\n%s", want, stdout)
				}
			}
			if tc.notInOut != "" && strings.Contains(stdout, tc.notInOut) {
				t.Errorf("stdout has %q:\n%s", tc.notInOut, stdout)
			}
		})
	}
}

func TestValidateJSONIsOneObjectPerDocument(t *testing.T) {
	code, stdout, _ := run(t, "", "validate", "--json", "testdata/validate/broken.yaml", "testdata/validate/warn.yaml")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	type doc struct {
		File      string   `json:"file"`
		Doc       *int     `json:"doc"`
		Kind      string   `json:"kind"`
		Namespace string   `json:"namespace"`
		Name      string   `json:"name"`
		Valid     *bool    `json:"valid"`
		Errors    []string `json:"errors"`
	}
	var docs []doc
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var d doc
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if d.Doc == nil || d.Valid == nil || d.Errors == nil {
			t.Fatalf("line %q lacks doc, valid or errors", line)
		}
		docs = append(docs, d)
	}
	if len(docs) != 3 {
		t.Fatalf("got %d objects, want 3", len(docs))
	}
	first, second, third := docs[0], docs[1], docs[2]
	if first.File != "testdata/validate/broken.yaml" || *first.Doc != 0 || *first.Valid || len(first.Errors) != 3 || first.Kind != "Component" || first.Name != "Bad Name" || first.Namespace != "default" {
		t.Errorf("first %+v", first)
	}
	if *second.Doc != 1 || !*second.Valid || len(second.Errors) != 0 || second.Name != "team-a" {
		t.Errorf("second %+v", second)
	}
	if !*third.Valid || third.File != "testdata/validate/warn.yaml" {
		t.Errorf("third %+v", third)
	}
}

// Errors that belong to no invalid document (a missing Location target, a
// duplicate entity) fail the run, and the summary says how many there are,
// so it never reads "0 invalid" above exit status 1.
func TestValidateSummaryCountsErrorsOutsideDocuments(t *testing.T) {
	code, stdout, stderr := run(t, "", "validate", "testdata/validate/location-and-duplicate.yaml")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"location-and-duplicate.yaml:6:13: location target ./missing.yaml: no such file", "location-and-duplicate.yaml:13:1: duplicate entity group:default/g"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "3 entity documents valid, 0 invalid; 2 other errors") {
		t.Errorf("summary: %s", stderr)
	}
}

func TestValidateStrictMakesWarningsFail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "catalog-info.yaml")
	doc := "apiVersion: backstage.io/v1alpha1\nkind: Componnet\nmetadata:\n  name: typo\nspec:\n  type: service\n  owner: nobody\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "validate", path)
	if code != 0 || !strings.Contains(out, `kind "Componnet"`) {
		t.Fatalf("without --strict: exit %d, want 0 with the warning shown\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, "", "validate", "--strict", "-q", path)
	if code != 1 || !strings.Contains(out, `kind "Componnet"`) || !strings.Contains(errs, "which fail the run with --strict") {
		t.Errorf("--strict: exit %d, want 1 with the warning shown and counted\n%s%s", code, out, errs)
	}
	clean := filepath.Join(dir, "clean.yaml")
	doc = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n"
	if err := os.WriteFile(clean, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs = run(t, "", "validate", "--strict", clean); code != 0 {
		t.Errorf("--strict on a clean catalog: exit %d, want 0\n%s%s", code, out, errs)
	}
}

// The README's exit-code table: ambiguous answers exit 1, like not found.
func TestAskAmbiguousExitsOne(t *testing.T) {
	code, out, errs := run(t, "", "ask", "--catalog", orgCatalog, "who owns search")
	if code != 1 || !strings.Contains(out, "owner api:default/search") {
		t.Errorf("exit %d, want 1 with the choices listed\n%s%s", code, out, errs)
	}
}
