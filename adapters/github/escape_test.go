package github

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
	"github.com/callboard/callboard/scaffold"
)

const escapeTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: svc
spec:
  owner: group:platform
  type: service
  parameters:
    - properties:
        name: {type: string}
      required: [name]
  steps:
    - id: fetch
      action: %ACTION%
      input:
        url: %URL%
    - id: publish
      action: publish:github
      input:
        repoUrl: github.com?owner=acme&repo=${{ parameters.name }}
`

// A template's skeleton is read from inside the folder the template was
// loaded from. A fetch url that climbs out, or a skeleton folder that is a
// symbolic link to outside, fails the job with a message naming the path,
// and no file from outside reaches GitHub — whether the template came from a
// catalog folder (LoadPaths) or from the CLI's --template (LoadTemplateFile).
func TestTemplateFilesStayInsideTheTemplateFolder(t *testing.T) {
	tests := []struct {
		name, action, url string
		link              bool // cat/t/skeleton → outside
		cli               bool // loaded as `scaffold --template cat/t/template.yaml`
		want              string
	}{
		{"fetch:plain url ../../outside", "fetch:plain", "../../outside", false, false, `url "../../outside" leaves the template's location`},
		{"fetch:template url ../../outside", "fetch:template", "../../outside", false, false, `url "../../outside" leaves the template's location`},
		{"skeleton folder is a link out", "fetch:template", "./skeleton", true, false, "skeleton leads outside the folder being read through a symbolic link"},
		{"skeleton folder is a link out, CLI", "fetch:plain", "./skeleton", true, true, "skeleton leads outside the folder being read through a symbolic link"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			files := map[string]string{
				"outside/token":         "ghp_THEHOSTSMOUNTEDTOKEN0000000000000000",
				"cat/t/template.yaml":   strings.NewReplacer("%ACTION%", tc.action, "%URL%", tc.url).Replace(escapeTemplate),
				"cat/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {targets: [./t/template.yaml]}\n",
			}
			catalogtest.WriteFiles(t, base, files)
			if tc.link {
				if err := os.Symlink(filepath.Join(base, "outside"), filepath.Join(base, "cat", "t", "skeleton")); err != nil {
					t.Fatal(err)
				}
			}
			var tmpl *scaffold.Template
			if tc.cli {
				var err error
				if tmpl, err = scaffold.LoadTemplateFile(t.Context(), filepath.Join(base, "cat", "t", "template.yaml")); err != nil {
					t.Fatal(err)
				}
			} else {
				ts, errs := scaffold.Templates(catalog.Build(catalog.LoadPaths(t.Context(), []string{filepath.Join(base, "cat")})))
				if len(ts) != 1 {
					t.Fatalf("templates %v, errors %v", ts, errs)
				}
				tmpl = ts[0]
			}
			srv := githubtest.New(t)
			srv.AddOrg("acme")
			r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: NewPublisher(newTestClient(t, srv))}
			job, err := r.Start(t.Context(), scaffold.Request{Template: tmpl, Params: map[string]string{"name": "svc"}, Key: "k"})
			if err == nil {
				t.Errorf("the job ran: %+v", job)
			} else if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
			if repo := srv.Repo("acme", "svc"); repo != nil {
				for name, body := range repo.Files(repo.DefaultBranch()) {
					if strings.Contains(body, "THEHOSTSMOUNTEDTOKEN") {
						t.Errorf("the host's file reached GitHub as %s", name)
					}
				}
			}
		})
	}
}
