package docs

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/catalog"
)

func pagePaths(ps []sourcePage) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.path)
	}
	return out
}

func TestSiteConfigDocsDirAndNestedNavOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"site/mkdocs.yml": {Data: []byte(`site_name: Payments
docs_dir: pages
theme:
  name: material
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
nav:
  - Home: index.md
  - Operations:
      - Runbooks:
          - Rollback: ops/rollback.md
          - ops/failover.md
      - On call: ops/oncall.md
  - Reference: reference/
  - GitHub: https://github.com/acme/payments
  - Missing: gone.md
`)},
		"site/pages/index.md":             {Data: []byte("# Home\n")},
		"site/pages/README.md":            {Data: []byte("# ignored beside index.md\n")},
		"site/pages/zeta.md":              {Data: []byte("# Zeta\n")},
		"site/pages/alpha.md":             {Data: []byte("# Alpha\n")},
		"site/pages/ops/oncall.md":        {Data: []byte("# On call\n")},
		"site/pages/ops/failover.md":      {Data: []byte("# Failover\n")},
		"site/pages/ops/rollback.md":      {Data: []byte("# Rollback\n")},
		"site/pages/reference/b.md":       {Data: []byte("# B\n")},
		"site/pages/reference/a.markdown": {Data: []byte("# A\n")},
		"site/pages/.hidden/secret.md":    {Data: []byte("# hidden\n")},
		"site/pages/image.png":            {Data: []byte("png")},
		"site/docs/not-the-docs-dir.md":   {Data: []byte("# no\n")},
	}
	cfg, err := readConfig(fsys, "site")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.name != "Payments" || cfg.docsDir != "pages" {
		t.Fatalf("config %+v", cfg)
	}
	pages, err := listPages(fsys, "site/pages", cfg.nav)
	if err != nil {
		t.Fatal(err)
	}
	// Nav order (nested sections flattened, a folder entry taking its pages
	// in path order), then the pages outside the nav in path order.
	want := []string{"index.md", "ops/rollback.md", "ops/failover.md", "ops/oncall.md", "reference/a.markdown", "reference/b.md", "alpha.md", "zeta.md"}
	if got := pagePaths(pages); !slices.Equal(got, want) {
		t.Fatalf("pages %v\nwant  %v", got, want)
	}
	for i, p := range pages {
		if p.navPos != i {
			t.Errorf("%s: nav position %d, want %d", p.path, p.navPos, i)
		}
	}
	if pages[1].title != "Rollback" || pages[2].title != "" {
		t.Errorf("nav titles %q, %q: want the nav's title where it gives one", pages[1].title, pages[2].title)
	}
	// The nav title names a page when nothing better does; the H1 wins.
	ix, probs := Build(context.Background(), []Site{{FS: fsys, Dir: "site", Source: "site"}}, BuildOptions{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if ix.sites[0].name != "Payments" {
		t.Errorf("site name %q, want mkdocs.yml's site_name", ix.sites[0].name)
	}
	if hits, _ := ix.Search("rollback", SearchOptions{}); len(hits) == 0 || hits[0].URL != "site/pages/ops/rollback.md" {
		t.Fatalf("hits %+v", hits)
	}
}

func TestSiteConfigErrorsSayWhere(t *testing.T) {
	cases := []struct{ yml, want string }{
		{"docs_dir: ../outside\n", `mkdocs.yml:1:11: docs_dir "../outside" must be inside the site folder`},
		{"docs_dir: /abs\n", "must be inside the site folder"},
		{"docs_dir: [a]\n", "mkdocs.yml:1:11: docs_dir must be a folder name"},
		{"- a list\n", "mkdocs.yml:1:1: expected a mapping of settings"},
		{"site_name: [unclosed\n", "mkdocs.yml"},
	}
	for _, c := range cases {
		_, err := readConfig(fstest.MapFS{"mkdocs.yml": {Data: []byte(c.yml)}}, ".")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yml, err, c.want)
		}
	}
	// mkdocs.yaml is read when there is no mkdocs.yml; an empty file is the defaults.
	cfg, err := readConfig(fstest.MapFS{"s/mkdocs.yaml": {Data: []byte("")}}, "s")
	if err != nil || cfg.docsDir != "docs" {
		t.Errorf("empty mkdocs.yaml: %+v, %v", cfg, err)
	}
	if _, err := readConfig(fstest.MapFS{"x.md": {}}, "."); err == nil || err.Error() != "no mkdocs.yml in ." {
		t.Errorf("no mkdocs.yml: %v", err)
	}
}

func TestLooseSite(t *testing.T) {
	dir := t.TempDir()
	if _, err := LooseSite(dir); err == nil || !strings.Contains(err.Error(), "no mkdocs.yml") {
		t.Fatalf("folder without mkdocs.yml: %v", err)
	}
	if _, err := LooseSite(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing folder: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	if _, err := LooseSite(filepath.Join(dir, "notes.txt")); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Fatalf("a file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "mkdocs.yml"), []byte("nav: []\n"), 0o644)
	s, err := LooseSite(filepath.Join(dir, "mkdocs.yml")) // the file names its folder
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != filepath.Base(dir) || !s.Entity.IsZero() || s.Dir != "." {
		t.Fatalf("site %+v: want the folder's name, no entity", s)
	}
	// A site whose docs dir is missing is a problem at the docs dir.
	_, probs := Build(context.Background(), []Site{s}, BuildOptions{})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "reading the docs folder docs") || !strings.HasSuffix(probs[0].Pos.File, "/docs") {
		t.Fatalf("problems %v", probs)
	}
}

const descriptor = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %NAME%
  annotations:
    backstage.io/techdocs-ref: %REF%
%MORE%spec:
  type: service
  lifecycle: production
  owner: team-a
`

func entityYAML(name, ref, more string) string {
	return strings.NewReplacer("%NAME%", name, "%REF%", ref, "%MORE%", more).Replace(descriptor)
}

func snapshotOf(t *testing.T, fsys fstest.MapFS, roots ...string) *catalog.Snapshot {
	t.Helper()
	return catalog.Build(catalog.LoadFS(context.Background(), fsys, roots, catalog.LoadOptions{}))
}

func TestSitesFromSnapshotResolveDirBesideTheDescriptor(t *testing.T) {
	site := func(name string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("site_name: " + name + "\n")}
	}
	fsys := fstest.MapFS{
		"services/pay/catalog-info.yaml": {Data: []byte(entityYAML("pay", "dir:.", "") + "---\n" + entityYAML("pay-docs", "dir:./handbook", "") +
			"---\n" + entityYAML("shared", "dir:../common", "") + "---\n" + entityYAML("again", "dir:../../services/common", ""))},
		"services/pay/mkdocs.yml":          site("Pay"),
		"services/pay/handbook/mkdocs.yml": site(""),
		"services/common/mkdocs.yml":       site("Shared"),
		"bad/catalog-info.yaml": {Data: []byte(entityYAML("escape", "dir:../../..", "") + "---\n" + entityYAML("abs", "dir:/etc", "") +
			"---\n" + entityYAML("nomk", "dir:.", "") + "---\n" + entityYAML("noprefix", "docs", "") + "---\n" + entityYAML("ftp", "ftp:x", ""))},
	}
	snap := snapshotOf(t, fsys, "services/pay/catalog-info.yaml", "bad/catalog-info.yaml")
	sites, probs := SitesFromSnapshot(snap)
	got := map[string]string{}
	for _, s := range sites {
		got[s.Entity.Name] = s.Dir + " " + s.Name
	}
	want := map[string]string{"pay": "services/pay Pay", "pay-docs": "services/pay/handbook pay-docs", "shared": "services/common Shared"}
	if len(got) != len(want) {
		t.Fatalf("sites %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: site %q, want %q (dir and name; no site_name: the entity's name)", k, got[k], v)
		}
	}
	byEntity := map[string]catalog.Problem{}
	for _, p := range probs {
		byEntity[p.Entity.Name] = p
	}
	for name, w := range map[string]struct {
		sev  catalog.Severity
		text string
	}{
		"again":    {catalog.Warning, "same site as component:default/shared"},
		"escape":   {catalog.Error, "must be a path relative to the descriptor's folder"},
		"abs":      {catalog.Error, "must be a path relative to the descriptor's folder"},
		"nomk":     {catalog.Error, "no mkdocs.yml in bad"},
		"noprefix": {catalog.Warning, `has no "dir:" or "url:" prefix`},
		"ftp":      {catalog.Warning, `unknown prefix "ftp"`},
	} {
		p, ok := byEntity[name]
		if !ok || p.Severity != w.sev || !strings.Contains(p.Message, w.text) || p.Pos.File == "" {
			t.Errorf("%s: problem %+v, want %v %q with a position", name, p, w.sev, w.text)
		}
	}
	if len(probs) != 6 {
		t.Errorf("%d problems, want 6: %v", len(probs), probs)
	}
}

func TestLinks(t *testing.T) {
	md := "# Runbook\n\n## What's new?\n\nx\n\n## Žlutý kůň\n\nx\n\n## Usage\n\nx\n\n## Usage\n\nx\n\n## 日本語\n\nx\n\n## Custom {#my-id}\n\nx\n"
	fsys := fstest.MapFS{
		"catalog-info.yaml": {Data: []byte(
			entityYAML("pay", "dir:.", "    backstage.io/source-location: url:https://github.com/acme/pay/tree/main/\n") + "---\n" +
				entityYAML("ledger", "dir:./site", "    backstage.io/managed-by-location: url:https://github.com/acme/ledger/blob/trunk/catalog-info.yaml\n") + "---\n" +
				entityYAML("auth", "dir:./auth", "    github.com/project-slug: acme/auth\n") + "---\n" +
				entityYAML("local", "dir:./local", ""))},
		"mkdocs.yml":           {Data: []byte("site_name: Pay\n")},
		"docs/ops/runbook.md":  {Data: []byte(md)},
		"docs/index.md":        {Data: []byte("# Pay\n\nHome page.\n")},
		"site/mkdocs.yml":      {Data: []byte("site_name: Ledger\ndocs_dir: src\n")},
		"site/src/guide.md":    {Data: []byte("# Ledger guide\n\nLedger words.\n")},
		"auth/mkdocs.yml":      {Data: []byte("site_name: Auth\n")},
		"auth/docs/keys.md":    {Data: []byte("# Auth keys\n\nRotate keys.\n")},
		"local/mkdocs.yml":     {Data: []byte("site_name: Local\n")},
		"local/docs/readme.md": {Data: []byte("# Local notes\n\nLocal words.\n")},
	}
	sites, probs := SitesFromSnapshot(snapshotOf(t, fsys, "catalog-info.yaml"))
	if len(probs) > 0 || len(sites) != 4 {
		t.Fatalf("%d sites, problems %v", len(sites), probs)
	}
	first := func(ix *Index, q string) Hit {
		t.Helper()
		hits, _ := ix.Search(q, SearchOptions{})
		if len(hits) == 0 {
			t.Fatalf("no hit for %q", q)
		}
		return hits[0]
	}
	ix, _ := Build(context.Background(), sites, BuildOptions{})
	anchors := map[string]string{}
	for _, x := range ix.secs {
		if ix.pages[x.page].path == "ops/runbook.md" {
			anchors[x.heading] = x.anchor
		}
	}
	// Python-Markdown's toc: punctuation dropped, accents folded, duplicates
	// numbered, a heading with no ASCII left gets "_1", attr_list ids kept.
	for h, a := range map[string]string{"What's new?": "whats-new", "Žlutý kůň": "zluty-kun", "日本語": "_1", "Custom": "my-id"} {
		if anchors[h] != a {
			t.Errorf("heading %q: anchor %q, want %q (all %v)", h, anchors[h], a, anchors)
		}
	}
	var usage []string
	for _, x := range ix.secs {
		if strings.HasPrefix(x.anchor, "usage") {
			usage = append(usage, x.anchor)
		}
	}
	if !slices.Equal(usage, []string{"usage", "usage_1"}) {
		t.Errorf("duplicate headings: anchors %v", usage)
	}
	// Default links: the GitHub blob URL the annotations give.
	for q, want := range map[string]string{
		"kůň":          "https://github.com/acme/pay/blob/main/docs/ops/runbook.md#zluty-kun",
		"home page":    "https://github.com/acme/pay/blob/main/docs/index.md",
		"ledger guide": "https://github.com/acme/ledger/blob/trunk/site/src/guide.md",
		"rotate keys":  "https://github.com/acme/auth/blob/HEAD/auth/docs/keys.md",
		"local notes":  "local/docs/readme.md",
	} {
		if h := first(ix, q); h.URL != want {
			t.Errorf("%q: url %q, want %q", q, h.URL, want)
		}
	}
	// techdocs.baseURL: the rendered page, index pages at their folder.
	ix, _ = Build(context.Background(), sites, BuildOptions{BaseURL: "https://backstage.acme.io/docs/{namespace}/{kind}/{name}/{path}"})
	for q, want := range map[string]string{
		"what's new":   "https://backstage.acme.io/docs/default/component/pay/ops/runbook/#whats-new",
		"home page":    "https://backstage.acme.io/docs/default/component/pay/",
		"ledger guide": "https://backstage.acme.io/docs/default/component/ledger/guide/",
	} {
		if h := first(ix, q); h.URL != want {
			t.Errorf("base URL: %q: url %q, want %q", q, h.URL, want)
		}
	}
	ix, _ = Build(context.Background(), sites, BuildOptions{BaseURL: "https://portal.acme.io/catalog/{namespace}/{kind}/{name}/docs/"})
	if h := first(ix, "usage"); h.URL != "https://portal.acme.io/catalog/default/component/pay/docs/ops/runbook/#usage" {
		t.Errorf("base URL without {path}: %q", h.URL)
	}
	// A loose site has no entity for the pattern: its link is its source path.
	loose := Site{Name: "Loose", FS: fsys, Dir: "local", Source: "notes"}
	ix, _ = Build(context.Background(), []Site{loose}, BuildOptions{BaseURL: "https://backstage.acme.io/docs/{namespace}/{kind}/{name}/{path}"})
	if h := first(ix, "local notes"); h.URL != "notes/docs/readme.md" {
		t.Errorf("loose site with a base URL: %q", h.URL)
	}
}

func TestSearchPaging(t *testing.T) {
	site, _, _ := synthSite(40, 11)
	ix, probs := Build(context.Background(), []Site{site}, BuildOptions{})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	// A common word, so there are many pages of hits; and two words, so
	// the proximity rerank is in play.
	for _, q := range []string{ix.vocab[ix.secs[0].stream[0]], ix.vocab[ix.secs[0].stream[0]] + " " + ix.vocab[ix.secs[1].stream[2]]} {
		all, total := ix.Search(q, SearchOptions{Limit: 1000})
		if total < 25 || len(all) != min(total, 1000) {
			t.Fatalf("%q: %d hits of %d", q, len(all), total)
		}
		var paged []Hit
		for off := 0; ; off += 7 {
			hits, n := ix.Search(q, SearchOptions{Limit: 7, Offset: off})
			if n != total {
				t.Fatalf("%q offset %d: total %d, want %d", q, off, n, total)
			}
			if off >= total {
				if hits != nil {
					t.Fatalf("%q: offset %d past the end gave %d hits", q, off, len(hits))
				}
				break
			}
			if want := min(7, total-off); len(hits) != want {
				t.Fatalf("%q offset %d: %d hits, want %d (last page partial)", q, off, len(hits), want)
			}
			paged = append(paged, hits...)
		}
		for i := range paged {
			if paged[i].URL != all[i].URL || paged[i].Score != all[i].Score {
				t.Fatalf("%q: hit %d paged %s (%v), unpaged %s (%v)", q, i, paged[i].URL, paged[i].Score, all[i].URL, all[i].Score)
			}
			if i > 0 && paged[i].Score > paged[i-1].Score {
				t.Fatalf("%q: hit %d scores above hit %d", q, i, i-1)
			}
		}
		// The default page is 10; a negative offset is the first page.
		if hits, _ := ix.Search(q, SearchOptions{Offset: -3}); len(hits) != 10 || hits[0].URL != all[0].URL {
			t.Fatalf("%q: default page %d hits", q, len(hits))
		}
	}
	// Limited to an entity that has no docs: nothing.
	ref := catalog.Ref{Kind: "component", Namespace: "default", Name: "nobody"}
	if hits, n := ix.Search("anything", SearchOptions{Entity: &ref}); hits != nil || n != 0 {
		t.Fatalf("unknown entity: %d hits, total %d", len(hits), n)
	}
}
