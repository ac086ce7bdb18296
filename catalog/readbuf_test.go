package catalog

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// The loader reads every file of a worker into one buffer: nothing
// decoded may keep pointing into it. Files of every shape (the fast
// parser's block YAML, flow style, anchors and aliases, block scalars,
// JSON, which yaml.v3 parses) loaded together must give the entities that
// each gives loaded alone.
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
		alone := LoadPaths(t.Context(), []string{filepath.Join(dir, filepath.Base(e.Origin.Path))})
		if len(alone.Entities) != 1 {
			t.Fatalf("%s alone: %d entities", e.Origin.Path, len(alone.Entities))
		}
		got, _ := json.Marshal(e.Metadata)
		want, _ := json.Marshal(alone.Entities[0].Metadata)
		gs, _ := json.Marshal(e.Spec)
		ws, _ := json.Marshal(alone.Entities[0].Spec)
		if string(got) != string(want) || string(gs) != string(ws) {
			t.Errorf("%s read with the others:\n%s %s\nalone:\n%s %s", e.Origin.Path, got, gs, want, ws)
		}
	}
}
