package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPathsShowsFileNamesAsTyped(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "cat")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: s, lifecycle: p}\n"
	if err := os.WriteFile(filepath.Join(sub, "c.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	tests := []struct {
		typed, want string
	}{
		{"cat", "cat/c.yaml:4:1: spec.owner is required"},
		{"./cat/c.yaml", "./cat/c.yaml:4:1: spec.owner is required"},
		{"cat/", "cat/c.yaml:4:1: spec.owner is required"},
		{sub, filepath.ToSlash(sub) + "/c.yaml:4:1: spec.owner is required"},
	}
	for _, tc := range tests {
		res := LoadPaths(t.Context(), []string{tc.typed})
		if len(res.Problems) != 1 || !strings.HasPrefix(res.Problems[0].String(), tc.want) {
			t.Errorf("LoadPaths(%q) problems %v, want one starting %q", tc.typed, res.Problems, tc.want)
		}
	}
	t.Chdir(sub)
	res := LoadPaths(t.Context(), []string{"../cat"})
	if len(res.Problems) != 1 || !strings.HasPrefix(res.Problems[0].String(), "../cat/c.yaml:4:1:") {
		t.Errorf("LoadPaths(../cat) problems %v", res.Problems)
	}
}
