package github

import (
	"context"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

func templatesRepo(t *testing.T) *githubtest.Server {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "golden-paths", map[string]string{
		"README.md":                        "paths\n",
		"go/skeleton/catalog-info.yaml":    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec: {type: service, lifecycle: experimental, owner: group:platform}\n",
		"go/skeleton/cmd/main.go":          "package main // ${{ values.name }}\n",
		"go/skeleton/scripts/bootstrap.sh": "#!/bin/sh\n",
		"go/other/ignored.txt":             "x",
	}, githubtest.Executable("go/skeleton/scripts/bootstrap.sh"))
	return srv
}

// A remote skeleton is read from the folder its URL names, with paths
// relative to it and executables kept; hosts other than GitHub's are
// refused before any call.
func TestTemplateFetcherReadsTheFolderTheURLNames(t *testing.T) {
	srv := templatesRepo(t)
	f := NewTemplateFetcher(newTestClient(t, srv), TechDocsOptions{Hosts: []string{"github.com"}})
	files, err := f.FetchTree(context.Background(), "https://github.com/acme/golden-paths/tree/main/go/skeleton")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	exe := map[string]bool{}
	for _, fl := range files {
		paths = append(paths, fl.Path)
		exe[fl.Path] = fl.Executable
	}
	sort.Strings(paths)
	if got := strings.Join(paths, " "); got != "catalog-info.yaml cmd/main.go scripts/bootstrap.sh" {
		t.Fatalf("files %q", got)
	}
	if !exe["scripts/bootstrap.sh"] || exe["cmd/main.go"] {
		t.Errorf("executables %v", exe)
	}

	before := srv.Requests()
	if _, err := f.FetchTree(context.Background(), "https://gitlab.example.com/acme/x/tree/main/s"); err == nil || !strings.Contains(err.Error(), "not a configured GitHub host") {
		t.Errorf("another host: %v", err)
	}
	if srv.Requests() != before {
		t.Error("a refused host still cost API calls")
	}
	if _, err := f.FetchTree(context.Background(), "https://github.com/acme/golden-paths/tree/main/python"); err == nil || !strings.Contains(err.Error(), "nothing at") {
		t.Errorf("missing folder: %v", err)
	}
	small := NewTemplateFetcher(newTestClient(t, srv), TechDocsOptions{Hosts: []string{"github.com"}, MaxFiles: 2})
	if _, err := small.FetchTree(context.Background(), "https://github.com/acme/golden-paths/tree/main/go/skeleton"); err == nil || !strings.Contains(err.Error(), "more than 2 files") {
		t.Errorf("bound: %v", err)
	}
}

// A template whose fetch:template names a GitHub URL renders through the
// fetcher when that host is a configured template location.
func TestTemplateWithRemoteSkeletonRenders(t *testing.T) {
	srv := templatesRepo(t)
	res := catalog.LoadFS(context.Background(), fstest.MapFS{"template.yaml": {Data: []byte(`apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: go-remote}
spec:
  owner: group:platform
  type: service
  parameters:
    - properties: {name: {type: string}}
      required: [name]
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: https://github.com/acme/golden-paths/tree/main/go/skeleton
        values: {name: "${{ parameters.name }}"}
`)}}, []string{"template.yaml"}, catalog.LoadOptions{})
	ts, errs := scaffold.Templates(catalog.Build(res))
	if len(errs) > 0 || len(ts) != 1 {
		t.Fatalf("templates %v %v (problems %v)", ts, errs, res.Problems)
	}
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), AllowedHosts: []string{"github.com"},
		Fetcher: NewTemplateFetcher(newTestClient(t, srv), TechDocsOptions{Hosts: []string{"github.com"}})}
	p, err := r.DryRun(context.Background(), scaffold.Request{Template: ts[0], Params: map[string]string{"name": "ledger"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.CatalogInfo, "name: ledger") || len(p.Files) != 3 {
		t.Fatalf("%d files, catalog-info.yaml %q", len(p.Files), p.CatalogInfo)
	}
}
