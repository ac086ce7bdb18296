package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// escapeTree lays out base/cat (the catalog given to LoadPaths) and
// base/outside (files beside it that a descriptor must not reach).
func escapeTree(t *testing.T, files map[string]string) (base string) {
	t.Helper()
	base = t.TempDir()
	files["outside/x.yaml"] = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: stolen}\nspec: {type: service, lifecycle: production, owner: team-a}\n"
	files["outside/secret.txt"] = "TOKEN-FROM-THE-HOST"
	writeTree(t, base, files)
	return base
}

// writeTree writes files (slash paths under base → contents). It is
// catalogtest.WriteFiles, which this package's own tests cannot import.
func writeTree(t *testing.T, base string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func locationYAML(targets ...string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec:\n  targets: ['" + strings.Join(targets, "', '") + "']\n"
}

func TestLoadPathsStaysInsideTheCatalogFolder(t *testing.T) {
	climb := func(base string) string {
		// "../" as many times as base has parts, then down again: a path that
		// reaches the file system's root and comes back to outside/.
		abs, _ := filepath.Abs(filepath.Join(base, "cat"))
		n := len(strings.Split(strings.Trim(filepath.ToSlash(abs), "/"), "/"))
		return strings.Repeat("../", n) + strings.TrimPrefix(filepath.ToSlash(base), "/") + "/outside/x.yaml"
	}
	tests := []struct {
		name  string
		files func(base string) map[string]string
		link  string // cat/<link> → outside/x.yaml, when set
		want  string // in a problem
	}{
		{"location target ../outside", func(string) map[string]string {
			return map[string]string{"cat/all.yaml": locationYAML("../outside/x.yaml")}
		}, "", "location target ../outside/x.yaml points outside the catalog"},
		{"location target climbing to / and back down", func(base string) map[string]string {
			return map[string]string{"cat/all.yaml": locationYAML(climb(base))}
		}, "", "points outside the catalog"},
		{"symbolic link found by walking", func(string) map[string]string {
			return map[string]string{"cat/ok.yaml": locationYAML("./ok2.yaml"), "cat/ok2.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n"}
		}, "link.yaml", "cat/link.yaml: cannot read: link.yaml leads outside the folder being read through a symbolic link"},
		{"location target that is a symbolic link", func(string) map[string]string {
			return map[string]string{"cat/sub/all.yaml": locationYAML("../link.yaml")}
		}, "link.yaml", "location target ../link.yaml: cat/link.yaml leads outside"},
		{"text placeholder ../outside", func(string) map[string]string {
			return map[string]string{"cat/c.yaml": "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ../outside/secret.txt}}\n"}
		}, "", "$text ../outside/secret.txt points outside the catalog"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := escapeTree(t, map[string]string{})
			writeTree(t, base, tc.files(base))
			if tc.link != "" {
				if err := os.Symlink(filepath.Join(base, "outside", "x.yaml"), filepath.Join(base, "cat", tc.link)); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(base)
			res := LoadPaths(t.Context(), []string{"cat"})
			for _, e := range res.Entities {
				if e.Metadata.Name == "stolen" {
					t.Errorf("an entity from outside the catalog was loaded: %s", e.Origin.Pos)
				}
				if d, ok := e.Spec["definition"].(string); ok && strings.Contains(d, "TOKEN-FROM-THE-HOST") {
					t.Errorf("a file from outside the catalog was read into %s", e.Ref())
				}
			}
			var all []string
			found := false
			for _, p := range res.Problems {
				all = append(all, p.String())
				found = found || strings.Contains(p.String(), tc.want)
			}
			if !found {
				t.Errorf("no problem says %q:\n%s", tc.want, strings.Join(all, "\n"))
			}
		})
	}
}

func TestLoadPathsFollowsLinksThatStayInside(t *testing.T) {
	base := escapeTree(t, map[string]string{
		"cat/real/c.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n",
		"cat/all.yaml":    locationYAML("./linked.yaml"),
	})
	if err := os.Symlink(filepath.Join("real", "c.yaml"), filepath.Join(base, "cat", "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	res := LoadPaths(t.Context(), []string{filepath.Join(base, "cat", "all.yaml")})
	if len(res.Entities) != 2 {
		t.Fatalf("entities %d, want the Location and the Group; problems %v", len(res.Entities), res.Problems)
	}
}

func TestDirFSNamesTheLinkThatLeaves(t *testing.T) {
	base := escapeTree(t, map[string]string{"cat/a.txt": "a"})
	if err := os.Symlink(filepath.Join(base, "outside"), filepath.Join(base, "cat", "skeleton")); err != nil {
		t.Fatal(err)
	}
	fsys, err := DirFS(filepath.Join(base, "cat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"skeleton", "skeleton/secret.txt"} {
		_, err := fsys.Open(name)
		var esc *EscapeError
		if !errors.As(err, &esc) || !esc.Link || esc.Path != name {
			t.Errorf("Open(%s) = %v, want an *EscapeError naming it", name, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(base, "cat", "a.txt")); err != nil || string(b) != "a" {
		t.Fatal(err)
	}
}

func TestJoinInside(t *testing.T) {
	tests := []struct {
		dir, rel, want string
	}{
		{"a/b", "c.yaml", "a/b/c.yaml"},
		{"a/b", "../c.yaml", "a/c.yaml"},
		{"a/b", "../../c.yaml", "c.yaml"},
		{"a/b", "../../../c.yaml", ""},
		{".", "../x", ""},
		{".", "/etc/passwd", ""},
		{".", "C:/x", ""},
		{".", "..\\..\\x", ""},
		{".", "./skeleton", "skeleton"},
	}
	for _, tc := range tests {
		got, err := JoinInside(tc.dir, tc.rel)
		if tc.want == "" {
			var esc *EscapeError
			if !errors.As(err, &esc) {
				t.Errorf("JoinInside(%q, %q) = %q, %v; want an *EscapeError", tc.dir, tc.rel, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("JoinInside(%q, %q) = %q, %v; want %q", tc.dir, tc.rel, got, err, tc.want)
		}
	}
}
