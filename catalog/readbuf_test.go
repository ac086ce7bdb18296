package catalog

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// A load worker reads its files into one buffer and reuses the maps of
// each document's metadata: nothing decoded may keep pointing into either.
// Files of every shape (the fast parser's block YAML, flow style, anchors
// and aliases, block scalars, JSON, which yaml.v3 parses) loaded together
// must give the entities each gives decoded alone, from its own bytes.
func TestEntitiesDoNotShareTheReadBuffer(t *testing.T) {
	shapes := []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: block-%d\n  annotations:\n    github.com/project-slug: acme/block-%d\n  tags: [a%d, b]\nspec:\n  type: service\n  lifecycle: production\n  owner: team-%d\n",
		"{apiVersion: backstage.io/v1alpha1, kind: Component, metadata: {name: flow-%d, labels: {tier: t%d}}, spec: {type: service, lifecycle: production, owner: team-%d, dependsOn: [component:block-%d]}}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: &n anchor-%d\n  title: *n\n  description: |\n    line one %d\n    line two\nspec:\n  type: service\n  lifecycle: production\n  owner: team-%d\n  system: sys-%d\n",
		`{"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "team-%d", "description": "json %d"}, "spec": {"type": "team", "children": [], "parent": "p%d", "members": ["u%d"]}}` + "\n",
	}
	files := map[string]string{}
	for i := 0; i < 60; i++ {
		body := shapes[i%len(shapes)]
		files[fmt.Sprintf("f%03d.yaml", i)] = fmt.Sprintf(body, i, i, i, i)
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	together := LoadPaths(t.Context(), []string{dir})
	if len(together.Entities) != len(files) {
		t.Fatalf("%d entities from %d files: %v", len(together.Entities), len(files), together.Problems)
	}
	for _, e := range together.Entities {
		// Alone: the file's bytes of its own, decoded with maps of its own.
		name := filepath.Base(e.Origin.Path)
		docs := SplitDocuments(name, []byte(files[name]))
		alone := decodeDocument(name, docs[0], nil, name, nil, nil).entity
		got, _ := json.Marshal(e.Metadata)
		want, _ := json.Marshal(alone.Metadata)
		gs, _ := json.Marshal(e.Spec)
		ws, _ := json.Marshal(alone.Spec)
		if string(got) != string(want) || string(gs) != string(ws) {
			t.Errorf("%s read with the others:\n%s %s\nalone:\n%s %s", name, got, gs, want, ws)
		}
	}
}
