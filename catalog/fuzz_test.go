package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("../testdata/backstage/*/*.yaml")
	more, _ := filepath.Glob("../testdata/backstage/*.yaml")
	for _, p := range append(files, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(billionLaughs()))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("{\"apiVersion\": \"backstage.io/v1alpha1\", \"kind\": \"Component\", \"metadata\": {\"name\": \"x\"}, \"spec\": {\"$text\": \"../x\"}}"))
	f.Add([]byte("---\n---\n--- !!str\n...\n"))
	f.Add([]byte("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {targets: ['./*.yaml', '../x', '[']}\n"))
}

// FuzzParse checks that any input gives positioned problems or entities,
// never a panic, and that every problem names the file.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, doc := range SplitDocuments("f.yaml", data) {
			if doc.Err != nil {
				if !strings.HasPrefix(doc.Err.String(), "f.yaml:") {
					t.Fatalf("problem without position: %s", doc.Err)
				}
				continue
			}
			d := decodeDocument("f.yaml", doc, nil, "f.yaml", nil, nil)
			for _, p := range d.problems {
				if !strings.HasPrefix(p.Pos.File, "f.yaml") {
					t.Fatalf("problem without file: %s", p)
				}
			}
		}
	})
}

// FuzzValidate loads inputs through LoadFS (placeholders and Locations
// included) and builds a snapshot: valid entities must have a name and a
// kind, and Build must never panic.
func FuzzValidate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"c/x.yaml": {Data: data}, "c/y.yaml": {Data: []byte("a: b\n")}}
		res := LoadFS(t.Context(), fsys, []string{"c/x.yaml"}, LoadOptions{})
		for _, e := range res.Entities {
			if e.Metadata.Name == "" || e.Kind == "" {
				t.Fatalf("entity without name or kind was accepted: %+v", e)
			}
			if e.Known && !isValidName(e.Metadata.Name) {
				t.Fatalf("invalid name accepted: %q", e.Metadata.Name)
			}
		}
		s := Build(res)
		for _, e := range s.Entities() {
			s.Walk(e.Ref(), []string{RelDependencyOf, RelOwnerOf}, 3)
			s.Fuzzy(e.Metadata.Name, 3)
		}
	})
}
