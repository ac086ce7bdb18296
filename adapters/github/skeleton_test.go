package github

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

const discoveredTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: node-service
spec:
  owner: group:platform
  type: service
  parameters:
    - properties:
        name: {type: string}
      required: [name]
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: notes
      action: fetch:plain
      input:
        url: ../common
        targetPath: docs
`

// A Template discovered in a repository brings its skeleton with it, so it
// renders from the catalog alone; files beside it that no step names are
// not read.
func TestDiscoveredTemplateCarriesItsSkeleton(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "templates", map[string]string{
		"catalog-info.yaml":                       "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: templates}\nspec:\n  targets: [./node/template.yaml]\n",
		"node/template.yaml":                      discoveredTemplate,
		"node/skeleton/catalog-info.yaml":         "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec: {type: service, lifecycle: experimental, owner: group:platform}\n",
		"node/skeleton/src/${{ values.name }}.js": "console.log('${{ values.name }}')\n",
		"common/NOTES.md":                         "notes\n",
		"node/unrelated/big.bin":                  "not read",
		"node/skeleton/scripts/setup.sh":          "#!/bin/sh\necho ${{ values.name }}\n",
	}, githubtest.Executable("node/skeleton/scripts/setup.sh"))
	res, err := NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Problems {
		if p.Severity == catalog.Error {
			t.Fatalf("problem: %v", p)
		}
	}
	snap := catalog.Build(res)
	ts, errs := scaffold.Templates(snap)
	if len(errs) > 0 || len(ts) != 1 {
		t.Fatalf("templates %v, errors %v", ts, errs)
	}
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore()}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: ts[0], Params: map[string]string{"name": "ledger"}})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	var paths []string
	for _, f := range p.Files {
		paths = append(paths, f.Path)
	}
	got := strings.Join(paths, " ")
	for _, want := range []string{"catalog-info.yaml", "src/ledger.js", "docs/NOTES.md"} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered files %q lack %s", got, want)
		}
	}
	if !strings.Contains(p.CatalogInfo, "name: ledger") {
		t.Errorf("catalog-info.yaml: %s", p.CatalogInfo)
	}
	exe := false
	for _, f := range p.Files {
		exe = exe || f.Path == "scripts/setup.sh" && f.Executable
	}
	if !exe {
		t.Error("scripts/setup.sh was not rendered as an executable")
	}
	if _, err := fs.Stat(ts[0].FS, "node/unrelated/big.bin"); err == nil {
		t.Error("a file no step names was read into the template's files")
	}
	if _, err := fs.Stat(ts[0].FS, "node/skeleton/catalog-info.yaml"); err != nil {
		t.Errorf("the skeleton is not beside the template: %v", err)
	}
}
