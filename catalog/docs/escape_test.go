package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// A TechDocs site is read from inside the catalog folder only: a dir: ref
// that climbs out, and a docs folder that is a symbolic link to outside, are
// refused with a problem naming the entity or the folder, and no page of
// the outside site reaches the index.
func TestDocsSitesStayInsideTheCatalogFolder(t *testing.T) {
	outside := map[string]string{
		"outside/mkdocs.yml":    "site_name: Outside\n",
		"outside/docs/index.md": "# Host secrets\n\nzanzibartoken lives here.\n",
	}
	tests := []struct {
		name  string
		files map[string]string
		link  bool // cat/site/docs → outside/docs
		want  string
	}{
		{"dir:../outside", map[string]string{"cat/catalog-info.yaml": entityYAML("pay", "dir:../outside", "")},
			false, "must be a path relative to the descriptor's folder"},
		{"docs folder is a link out", map[string]string{"cat/catalog-info.yaml": entityYAML("pay", "dir:./site", ""), "cat/site/mkdocs.yml": "site_name: Pay\n"},
			true, "leads outside the folder being read through a symbolic link"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			catalogtest.WriteFiles(t, base, outside)
			catalogtest.WriteFiles(t, base, tc.files)
			if tc.link {
				if err := os.Symlink(filepath.Join(base, "outside", "docs"), filepath.Join(base, "cat", "site", "docs")); err != nil {
					t.Fatal(err)
				}
			}
			snap := catalog.Build(catalog.LoadPaths(t.Context(), []string{filepath.Join(base, "cat")}))
			sites, probs := SitesFromSnapshot(snap)
			ix, more := Build(t.Context(), sites, BuildOptions{})
			probs = append(probs, more...)
			if hits, _ := ix.Search("zanzibartoken", SearchOptions{}); len(hits) > 0 {
				t.Errorf("a page from outside the catalog was indexed: %+v", hits[0])
			}
			var all []string
			found := false
			for _, p := range probs {
				all = append(all, p.String())
				found = found || strings.Contains(p.String(), tc.want)
			}
			if !found {
				t.Errorf("no problem says %q:\n%s", tc.want, strings.Join(all, "\n"))
			}
		})
	}
}
