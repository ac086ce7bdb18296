package github

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

func handbookRepo(srv *githubtest.Server) {
	srv.AddRepo("acme", "handbook", map[string]string{
		"README.md":                  "# not part of the site\n",
		"src/main.go":                "package main\n",
		"site/mkdocs.yml":            "site_name: Acme Handbook\ndocs_dir: pages\nnav:\n  - Home: index.md\n  - Runbook: ops/runbook.md\n",
		"site/pages/index.md":        "# Handbook\n\nStart here.\n",
		"site/pages/ops/runbook.md":  "# Payments runbook\n\n## Restart the workers\n\nRun the restart job, then watch the queue drain.\n",
		"site/pages/ops/diagram.png": "\x89PNG",
		"site/other/notes.md":        "# outside docs_dir\n",
	})
}

func techdocsReader(t *testing.T, srv *githubtest.Server) *TechDocsReader {
	return NewTechDocsReader(newTestClient(t, srv), TechDocsOptions{Hosts: []string{"github.com"}})
}

func files(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	var out []string
	if err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestTechDocsReaderReadsTheSiteWithOneTreeCallAndABlobPerFile(t *testing.T) {
	srv := githubtest.New(t)
	handbookRepo(srv)
	r := techdocsReader(t, srv)
	ctx := context.Background()

	fsys, source, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/site")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"mkdocs.yml", "pages/index.md", "pages/ops/runbook.md"}; !slices.Equal(files(t, fsys), want) {
		t.Fatalf("files %v, want %v", files(t, fsys), want)
	}
	if data, _ := fs.ReadFile(fsys, "pages/ops/runbook.md"); !strings.Contains(string(data), "Restart the workers") {
		t.Fatalf("runbook read as %q", data)
	}
	if source != "https://github.com/acme/handbook/blob/main/site" {
		t.Fatalf("source %q", source)
	}
	calls := srv.Calls()
	if calls["GET /repos/{owner}/{repo}/git/trees/{sha}"] != 1 || calls["GET /repos/{owner}/{repo}/git/blobs/{sha}"] != 3 || srv.Requests() != 4 {
		t.Fatalf("calls %v (%d requests), want one tree and three blobs", calls, srv.Requests())
	}

	// Unchanged: the tree answers 304 and no blob is read again.
	srv.ResetCalls()
	before := srv.NotModified()
	if _, _, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/site"); err != nil {
		t.Fatal(err)
	}
	if srv.Requests() != 1 || srv.NotModified() != before+1 {
		t.Fatalf("unchanged site: %d requests (%v), %d not modified; want one 304", srv.Requests(), srv.Calls(), srv.NotModified()-before)
	}

	// One page changed: the tree and that page's blob.
	srv.ResetCalls()
	srv.Push("acme", "handbook", "main", map[string]string{"site/pages/ops/runbook.md": "# Payments runbook\n\n## Drain the queue\n"}, nil)
	fsys, _, err = r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/site")
	if err != nil {
		t.Fatal(err)
	}
	if srv.Requests() != 2 || srv.Calls()["GET /repos/{owner}/{repo}/git/blobs/{sha}"] != 1 {
		t.Fatalf("one page changed: %d requests %v, want the tree and one blob", srv.Requests(), srv.Calls())
	}
	if data, _ := fs.ReadFile(fsys, "pages/ops/runbook.md"); !strings.Contains(string(data), "Drain the queue") {
		t.Fatalf("changed runbook read as %q", data)
	}
}

func TestTechDocsReaderURLs(t *testing.T) {
	srv := githubtest.New(t)
	handbookRepo(srv)
	srv.Push("acme", "handbook", "release/v1", map[string]string{"site/pages/index.md": "# Handbook v1\n"}, nil)
	srv.AddRepo("acme", "rootsite", map[string]string{"mkdocs.yml": "site_name: Root\n", "docs/index.md": "# Root\n"})
	r := techdocsReader(t, srv)
	ctx := context.Background()

	// A branch with a slash: the shortest run of segments naming a tree.
	fsys, source, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/release/v1/site")
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := fs.ReadFile(fsys, "pages/index.md"); string(data) != "# Handbook v1\n" || source != "https://github.com/acme/handbook/blob/release/v1/site" {
		t.Fatalf("release/v1: index %q, source %q", data, source)
	}
	// A bare repository URL is its default branch's root.
	fsys, source, err = r.ReadSite(ctx, "https://github.com/acme/rootsite")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"docs/index.md", "mkdocs.yml"}; !slices.Equal(files(t, fsys), want) || source != "https://github.com/acme/rootsite/blob/HEAD" {
		t.Fatalf("bare URL: files %v source %q", files(t, fsys), source)
	}

	srv.ResetCalls()
	for _, c := range []struct{ url, want string }{
		{"https://gitlab.com/acme/handbook/tree/main/site", "host gitlab.com is not a configured GitHub host"},
		{"https://github.com/acme", "names no repository"},
		{"https://github.com/acme/handbook/pulls/3", "not a repository tree URL"},
		{"https://github.com/acme/handbook/tree/main/../../x", `".." segment`},
		{"github.com/acme/handbook", "not an http(s) URL"},
	} {
		if _, _, err := r.ReadSite(ctx, c.url); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.url, err, c.want)
		}
	}
	if srv.Requests() != 0 {
		t.Fatalf("refused URLs made %d requests", srv.Requests())
	}
	for _, c := range []struct{ url, want string }{
		{"https://github.com/acme/nothing/tree/main/site", "acme/nothing or branch main not found"},
		{"https://github.com/acme/handbook/tree/main/src", "no mkdocs.yml in src"},
	} {
		if _, _, err := r.ReadSite(ctx, c.url); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.url, err, c.want)
		}
	}
}

func TestTechDocsReaderLimits(t *testing.T) {
	srv := githubtest.New(t)
	handbookRepo(srv)
	r := NewTechDocsReader(newTestClient(t, srv), TechDocsOptions{Hosts: []string{"github.com"}, MaxFiles: 1})
	if _, _, err := r.ReadSite(context.Background(), "https://github.com/acme/handbook/tree/main/site"); err == nil || !strings.Contains(err.Error(), "more than 1 Markdown pages") {
		t.Fatalf("error %v, want the page limit", err)
	}
	r = NewTechDocsReader(newTestClient(t, srv), TechDocsOptions{Hosts: []string{"github.com"}, MaxBytes: 50})
	if _, _, err := r.ReadSite(context.Background(), "https://github.com/acme/handbook/tree/main/site"); err == nil || !strings.Contains(err.Error(), "larger than 50 bytes") {
		t.Fatalf("error %v, want the size limit", err)
	}
}

// TestTechDocsURLSitesAreSearchable goes from a catalog entity's url:
// techdocs-ref to a search hit linking to GitHub, and shows a ref that
// cannot be read as a problem naming the entity and why.
func TestTechDocsURLSitesAreSearchable(t *testing.T) {
	srv := githubtest.New(t)
	handbookRepo(srv)
	r := techdocsReader(t, srv)
	ctx := context.Background()
	entity := func(name, ref string) string {
		return "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name +
			"\n  annotations:\n    backstage.io/techdocs-ref: " + ref + "\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
	}
	cat := fstest.MapFS{"catalog-info.yaml": {Data: []byte(entity("payments", "url:https://github.com/acme/handbook/tree/main/site") +
		entity("ghost", "url:https://github.com/acme/missing/tree/main/docs"))}}
	snap := catalog.Build(catalog.LoadFS(ctx, cat, []string{"catalog-info.yaml"}, catalog.LoadOptions{}))
	sites, probs := docs.SitesFromSnapshotWith(ctx, snap, r)
	if len(sites) != 1 || sites[0].Name != "Acme Handbook" || sites[0].Entity.Name != "payments" {
		t.Fatalf("sites %+v", sites)
	}
	if len(probs) != 1 || probs[0].Entity.Name != "ghost" || !strings.Contains(probs[0].Message, "could not be read") || !strings.Contains(probs[0].Message, "acme/missing") {
		t.Fatalf("problems %v, want one naming ghost's unreadable site", probs)
	}
	ix, bprobs := docs.Build(ctx, sites, docs.BuildOptions{})
	if len(bprobs) > 0 {
		t.Fatal(bprobs)
	}
	hits, _ := ix.Search("restart the workers", docs.SearchOptions{})
	if len(hits) == 0 || hits[0].URL != "https://github.com/acme/handbook/blob/main/site/pages/ops/runbook.md#restart-the-workers" {
		t.Fatalf("hits %+v", hits)
	}

	// Without a reader (GitHub not configured) the ref is still named.
	_, probs = docs.SitesFromSnapshotWith(ctx, snap, nil)
	if len(probs) != 2 || !strings.Contains(probs[0].Message, "no reader for it is configured") {
		t.Fatalf("problems without a reader: %v", probs)
	}
}

// TestTechDocsReaderKeepsTheBlobsSitesUse reads two sites in turn: neither
// read costs the other its blobs, and a page removed from a site leaves
// memory.
func TestTechDocsReaderKeepsTheBlobsSitesUse(t *testing.T) {
	srv := githubtest.New(t)
	handbookRepo(srv)
	srv.AddRepo("acme", "other", map[string]string{"mkdocs.yml": "site_name: Other\n", "docs/a.md": "# A\n", "docs/b.md": "# B\n"})
	r := techdocsReader(t, srv)
	ctx := context.Background()
	read := func(u string) {
		t.Helper()
		if _, _, err := r.ReadSite(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	const a, b = "https://github.com/acme/handbook/tree/main/site", "https://github.com/acme/other"
	read(a)
	read(b)
	srv.ResetCalls()
	read(a)
	read(b)
	if n := srv.Calls()["GET /repos/{owner}/{repo}/git/blobs/{sha}"]; n != 0 {
		t.Fatalf("re-reading unchanged sites read %d blobs", n)
	}
	if len(r.blobs) != 6 {
		t.Fatalf("%d blobs kept, want the 3 + 3 the sites use", len(r.blobs))
	}
	srv.Push("acme", "other", "main", nil, []string{"docs/b.md"})
	read(b)
	if len(r.blobs) != 5 {
		t.Fatalf("%d blobs kept after a page was removed, want 5", len(r.blobs))
	}
}

// GitHub failing after a good read keeps the site searchable with what
// that read found; a site never read well still reports the failure.
func TestTechDocsReaderKeepsTheLastGoodSiteWhileGitHubFails(t *testing.T) {
	srv := githubtest.New(t)
	handbookRepo(srv)
	r := techdocsReader(t, srv)
	ctx := context.Background()
	if _, _, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/site"); err != nil {
		t.Fatal(err)
	}
	srv.Fail("", "", 1_000_000, githubtest.Fault{Status: 401, Message: "Bad credentials"})
	fsys, source, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/site")
	if err != nil || !slices.Contains(files(t, fsys), "pages/ops/runbook.md") || source == "" {
		t.Fatalf("during the failure: %v %v %q", fsys, err, source)
	}
	if _, _, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/other"); err == nil {
		t.Fatal("a site never read well was served from nothing")
	}
	srv.ClearFaults()
	// Content problems are not GitHub failing: they are reported.
	srv.Push("acme", "handbook", "main", nil, []string{"site/mkdocs.yml"})
	if _, _, err := r.ReadSite(ctx, "https://github.com/acme/handbook/tree/main/site"); err == nil || !strings.Contains(err.Error(), "no mkdocs.yml") {
		t.Fatalf("a site that lost its mkdocs.yml: %v", err)
	}
}
