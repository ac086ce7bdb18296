package catalog

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// loadString loads one file holding src and returns the result.
func loadString(t testing.TB, name, src string) *Result {
	t.Helper()
	fsys := fstest.MapFS{name: {Data: []byte(src)}}
	return LoadFS(t.Context(), fsys, []string{name}, LoadOptions{Source: "test"})
}

func errorsOf(r *Result) []string {
	var out []string
	for _, p := range r.Problems {
		if p.Severity == Error {
			out = append(out, p.String())
		}
	}
	return out
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("  a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestHostileYAMLGetsClearErrorQuickly(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // substring of an error, "file:line:col: …"
	}{
		{"alias bomb", billionLaughs(), "alias bomb"},
		{"deep nesting", "apiVersion: v1\nkind: X\nmetadata: {name: x}\nspec: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", "nesting deeper than"},
		{"very deep nesting beyond the parser", "a: " + strings.Repeat("[", 20000) + "\n", "x.yaml:1:"},
		{"huge file", "apiVersion: v1\nkind: X\nmetadata:\n  name: " + strings.Repeat("a", MaxFileSize) + "\n", "larger than the"},
		{"invalid UTF-8", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: caf\xe9\n", "x.yaml:4:12: invalid UTF-8"},
		{"duplicate keys", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  name: b\n", "x.yaml:5:3: duplicate key \"name\" (first at line 4, column 3)"},
		{"tabs", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n\tname: a\n", "x.yaml:4:1: invalid YAML: tab character"},
		{"list where a map belongs", "- apiVersion: backstage.io/v1alpha1\n- kind: Component\n", "x.yaml:1:1: a descriptor document must be a map"},
		{"metadata is a list", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  - name: a\n", "x.yaml:4:3: metadata must be a map, found a list"},
		{"millions of nodes", "apiVersion: v1\nkind: X\nmetadata: {name: x}\nspec: {a: [" + strings.Repeat("a,", 3_000_000) + "a]}\n", "x.yaml:1:1: document too large to be an entity"},
		{"many documents", strings.Repeat("a: 1\n---\n", 100_000), "more than 20000 documents in one file"},
		{"unclosed flow", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a\n", "x.yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := loadString(t, "x.yaml", tc.src)
			// A guard against a hang or an expansion that runs away, not a
			// speed target (those are benchmarks): generous enough for -race
			// on a loaded 2-core machine, far below what an unbounded parse
			// of these inputs takes.
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v: input not bounded", d)
			}
			errs := errorsOf(res)
			found := false
			for _, e := range errs {
				if strings.Contains(e, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error containing %q; got %q", tc.want, errs)
			}
			if len(res.Entities) != 0 {
				t.Errorf("hostile document kept as an entity")
			}
		})
	}
}

func TestBadDocumentNeverHidesTheOthers(t *testing.T) {
	src := `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: broken
  bad: [unclosed
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: good}
spec: {type: service, lifecycle: production, owner: team-a}
`
	res := loadString(t, "multi.yaml", src)
	if len(res.Entities) != 2 {
		t.Fatalf("got %d entities, want the 2 good ones; problems %v", len(res.Entities), res.Problems)
	}
	if got := len(res.Documents); got != 3 {
		t.Fatalf("got %d documents, want 3", got)
	}
	if d := res.Documents[1]; d.Valid || len(d.Errors) != 1 || !strings.HasPrefix(d.Errors[0], "multi.yaml:9:") && !strings.HasPrefix(d.Errors[0], "multi.yaml:10:") {
		t.Errorf("second document: %+v", res.Documents[1])
	}
	if e := res.Entities[1]; e.Metadata.Name != "good" || e.Origin.Doc != 2 || e.Origin.Pos.Line != 12 {
		t.Errorf("third entity origin %+v", e.Origin)
	}
}

func TestJSONDescriptorsParse(t *testing.T) {
	src := "{\n\t\"apiVersion\": \"backstage.io/v1alpha1\",\n\t\"kind\": \"Component\",\n\t\"metadata\": {\"name\": \"j\", \"tags\": [\"go\"]},\n\t\"spec\": {\"type\": \"service\", \"lifecycle\": \"production\", \"owner\": \"team\", \"extra\": 1}\n}\n"
	res := loadString(t, "c.json", src)
	if len(res.Entities) != 1 || len(errorsOf(res)) != 0 {
		t.Fatalf("entities %d, errors %v", len(res.Entities), errorsOf(res))
	}
	if got := res.Entities[0].Spec["extra"]; got != 1 {
		t.Errorf("spec.extra = %#v, want 1", got)
	}
}

func TestScalarsResolveAsYAML12(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{"x: 12", 12}, {"x: 1.5", 1.5}, {"x: true", true}, {"x: yes", "yes"}, {"x: on", "on"},
		{"x: 2024-01-01", "2024-01-01"}, {"x: 1_000", "1_000"}, {"x: 0b101", "0b101"}, {"x: '12'", "12"},
		{"x: ~", nil}, {"x: 0x1F", 31}, {"x: !!str 5", "5"},
	}
	for _, tc := range tests {
		docs := SplitDocuments("s.yaml", []byte(tc.src))
		c := &converter{}
		m := c.value(docs[0].Root, 0).(map[string]any)
		if m["x"] != tc.want {
			t.Errorf("%s: got %#v, want %#v", tc.src, m["x"], tc.want)
		}
	}
}

func TestDocumentMarkersDirectivesAndCRLF(t *testing.T) {
	comp := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: NAME}\nspec: {type: s, lifecycle: p, owner: t}\n"
	tests := []struct {
		name  string
		src   string
		names []string
	}{
		{"leading marker", "---\n" + strings.ReplaceAll(comp, "NAME", "a"), []string{"a"}},
		{"directive", "%YAML 1.2\n---\n" + strings.ReplaceAll(comp, "NAME", "a"), []string{"a"}},
		{"empty documents skipped", "---\n# nothing\n---\n" + strings.ReplaceAll(comp, "NAME", "a") + "---\n---\n" + strings.ReplaceAll(comp, "NAME", "b"), []string{"a", "b"}},
		{"CRLF", strings.ReplaceAll(strings.ReplaceAll(comp, "NAME", "a")+"---\n"+strings.ReplaceAll(comp, "NAME", "b"), "\n", "\r\n"), []string{"a", "b"}},
		{"end marker", strings.ReplaceAll(comp, "NAME", "a") + "...\n", []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := loadString(t, "d.yaml", tc.src)
			var got []string
			for _, e := range res.Entities {
				got = append(got, e.Metadata.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.names, ",") || len(res.Problems) != 0 {
				t.Errorf("entities %v, problems %v; want %v", got, res.Problems, tc.names)
			}
			for i, d := range res.Documents {
				if d.Doc != i {
					t.Errorf("document %d has index %d", i, d.Doc)
				}
			}
		})
	}
}

// A skeleton's Nunjucks is not YAML: the syntax error says what the file is.
func TestSkeletonSyntaxErrorSaysWhatTheFileIs(t *testing.T) {
	res := loadString(t, "skeleton/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\n{%- if values.description %}\n  description: x\n{%- endif %}\n")
	if len(res.Problems) == 0 || !strings.Contains(res.Problems[0].String(), "skeleton/catalog-info.yaml:5:1: invalid YAML:") ||
		!strings.Contains(res.Problems[0].Message, "Software Template skeleton") {
		t.Fatalf("problems %v", res.Problems)
	}
}

// A JSON array of entities is reported as descriptors in the wrong shape,
// even when found by walking a directory; an unrelated JSON list is skipped.
func TestListOfEntitiesIsReportedNotSkipped(t *testing.T) {
	fsys := fstest.MapFS{
		"cat/catalog-info.json": {Data: []byte(`[{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"},"spec":{"type":"team","children":[]}}]`)},
		"cat/package.json":      {Data: []byte(`["not", "entities"]`)},
	}
	res := LoadFS(t.Context(), fsys, []string{"cat"}, LoadOptions{})
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].String(), "cat/catalog-info.json:1:1: a descriptor document must be a map with apiVersion, kind and metadata; found a list of 1 entities") {
		t.Fatalf("problems %v", res.Problems)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "cat/package.json: skipped") {
		t.Fatalf("skipped %v", res.Skipped)
	}
}

// A Template descriptor's ${{ parameters.* }} do not make its YAML error a
// skeleton's.
func TestTemplateSyntaxErrorIsNotCalledASkeleton(t *testing.T) {
	res := loadString(t, "template.yaml", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  steps:\n    - id: a\n      input:\n        name: ${{ parameters.name }}\n     bad: indent\n")
	if len(res.Problems) == 0 || !strings.Contains(res.Problems[0].Message, "invalid YAML") || strings.Contains(res.Problems[0].Message, "skeleton") {
		t.Fatalf("problems %v", res.Problems)
	}
}
