package github

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
)

const testdata = "../../testdata"

// readDir returns every file under dir as path -> content, prefixed.
func readDir(t testing.TB, dir, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[prefix+filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func component(name, owner string) string {
	return fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\nspec:\n  type: service\n  lifecycle: production\n  owner: %s\n", name, owner)
}

func names(res *catalog.Result) []string {
	var out []string
	for _, e := range res.Entities {
		out = append(out, e.Ref().String())
	}
	sort.Strings(out)
	return out
}

func TestDiscoveryFollowsLocationsPlaceholdersAndTechDocs(t *testing.T) {
	srv := githubtest.New(t)
	model := readDir(t, testdata+"/backstage", "")
	model["catalog-info.yaml"] = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets: [./all.yaml, ./acme-corp.yaml]\n"
	srv.AddRepo("acme", "catalog-model", model)
	site := readDir(t, testdata+"/techdocs/mkdocs", "")
	site["catalog-info.yaml"] = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: handbook\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: documentation\n  lifecycle: production\n  owner: team-a\n"
	srv.AddRepo("acme", "handbook", site)

	src := NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{})
	res, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, p := range res.Problems {
		if p.Severity == catalog.Error {
			errs = append(errs, p.String())
		}
	}
	if len(errs) > 0 {
		t.Fatalf("problems: %v", errs)
	}
	// Backstage's demo catalog has 61 entities; plus our root Location and the handbook.
	if got := len(res.Entities); got != 63 {
		t.Fatalf("%d entities, want 63: %v", got, names(res))
	}
	var handbook, petstore *catalog.Entity
	for _, e := range res.Entities {
		switch e.Metadata.Name {
		case "handbook":
			handbook = e
		case "petstore":
			if e.Ref().Kind == catalog.KindAPI {
				petstore = e
			}
		}
	}
	if handbook == nil || handbook.Origin.Source != "github:acme" || handbook.Origin.Pos.File != "github.com/acme/handbook/catalog-info.yaml" {
		t.Fatalf("handbook origin = %+v", handbook)
	}
	page, err := fs.ReadFile(handbook.Origin.FS, "docs/user-guide/README.md")
	if err != nil || len(page) == 0 {
		t.Fatalf("docs page not readable beside the descriptor: %v", err)
	}
	if _, err := fs.ReadFile(handbook.Origin.FS, "mkdocs.yml"); err != nil {
		t.Fatalf("mkdocs.yml: %v", err)
	}
	if petstore == nil {
		t.Fatal("API petstore not found")
	}
	if _, err := fs.ReadFile(petstore.Origin.FS, "apis/petstore.oas.yaml"); err != nil {
		t.Fatalf("$text target not fetched beside its descriptor: %v", err)
	}
	if !strings.HasPrefix(petstore.Origin.Pos.File, "github.com/acme/catalog-model/apis/") {
		t.Fatalf("petstore shown at %s", petstore.Origin.Pos.File)
	}
}

func TestDiscoveryChoosesRepositoriesAndFiles(t *testing.T) {
	seed := func(srv *githubtest.Server) {
		srv.AddRepo("acme", "plain", map[string]string{"catalog-info.yaml": component("plain", "team-a")})
		srv.AddRepo("acme", "tagged", map[string]string{"catalog-info.yaml": component("tagged", "team-a")}, githubtest.Topics("backstage"))
		srv.AddRepo("acme", "old", map[string]string{"catalog-info.yaml": component("old", "team-a")}, githubtest.Archived())
		srv.AddRepo("acme", "empty", nil)
		srv.AddRepo("acme", "nocatalog", map[string]string{"README.md": "nothing here"})
		srv.AddRepo("acme", "mono", map[string]string{
			"services/a/catalog-info.yaml":    component("mono-a", "team-b"),
			"services/b/catalog-info.yaml":    component("mono-b", "team-b"),
			"libs/deep/x/catalog-info.yaml":   component("mono-x", "team-b"),
			"services/a/not-a-catalog.yaml":   component("stray", "team-b"),
			"services/c/catalog-info.yaml.md": "no",
		})
	}
	tests := []struct {
		name string
		opts OrgOptions
		want []string
	}{
		{"every unarchived repository with the default path", OrgOptions{},
			[]string{"component:default/plain", "component:default/tagged"}},
		{"archived included on request", OrgOptions{IncludeArchived: true},
			[]string{"component:default/old", "component:default/plain", "component:default/tagged"}},
		{"topic filter", OrgOptions{Topics: []string{"backstage"}}, []string{"component:default/tagged"}},
		{"named repositories", OrgOptions{Repos: []string{"plain", "missing"}}, []string{"component:default/plain"}},
		{"a glob within a segment", OrgOptions{Repos: []string{"mono"}, Paths: []string{"services/*/catalog-info.yaml"}},
			[]string{"component:default/mono-a", "component:default/mono-b"}},
		{"a glob across segments", OrgOptions{Paths: []string{"**/catalog-info.yaml"}},
			[]string{"component:default/mono-a", "component:default/mono-b", "component:default/mono-x", "component:default/plain", "component:default/tagged"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.New(t)
			seed(srv)
			src := NewOrgSource(newTestClient(t, srv), "acme", tc.opts)
			res, err := src.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("entities = %v, want %v", got, tc.want)
			}
			for _, st := range src.Status() {
				if st.LastError != "" {
					t.Fatalf("%s: %s", st.Repo, st.LastError)
				}
				if st.Repo == "acme/empty" && !st.Empty {
					t.Fatalf("empty repository not reported empty: %+v", st)
				}
				if st.Repo == "acme/old" && !tc.opts.IncludeArchived && st.Skipped != "archived" {
					t.Fatalf("archived repository not reported skipped: %+v", st)
				}
			}
		})
	}
}

func TestDiscoveryReportsBadFilesWithoutLosingOthers(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "good", map[string]string{"catalog-info.yaml": component("good", "team-a")})
	srv.AddRepo("acme", "bad", map[string]string{"catalog-info.yaml": "kind: [unclosed\n"})
	srv.AddRepo("acme", "dangling", map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  targets: [./missing.yaml, ../../escape.yaml]\n"})
	res, err := NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res); !contains(got, "component:default/good") {
		t.Fatalf("entities = %v", got)
	}
	var msgs []string
	for _, p := range res.Problems {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"github.com/acme/bad/catalog-info.yaml", "missing.yaml not found", "leaves the repository"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func owner(t *testing.T, store *catalog.Store, ref string) string {
	t.Helper()
	e, ok := store.Current().Get(catalog.MustParseRef(ref))
	if !ok {
		return ""
	}
	return e.SpecString("owner")
}

func TestAFailingRepositoryKeepsItsLastGoodResult(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "flaky", map[string]string{"catalog-info.yaml": component("flaky", "team-a")})
	srv.AddRepo("acme", "steady", map[string]string{"catalog-info.yaml": component("steady", "team-a")})
	store := catalog.NewStore(nil)
	src := NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{})
	var reports []ingest.RefreshReport
	ref := ingest.NewRefresher(store, time.Hour, nil, src)
	ref.OnRefresh = func(r ingest.RefreshReport) { reports = append(reports, r) }
	ctx := context.Background()
	if err := ref.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Push("acme", "steady", "", map[string]string{"catalog-info.yaml": component("steady", "team-b")}, nil)
	srv.Push("acme", "flaky", "", map[string]string{"catalog-info.yaml": component("flaky", "team-b")}, nil)
	srv.Fail("GET", "/repos/acme/flaky/contents/catalog-info.yaml", 1000, githubtest.ServerError())
	if err := ref.Refresh(ctx); err != nil {
		t.Fatalf("a failing repository failed the whole source: %v", err)
	}
	if got := owner(t, store, "component:default/flaky"); got != "team-a" {
		t.Fatalf("flaky owner = %q, want the last good team-a", got)
	}
	if got := owner(t, store, "component:default/steady"); got != "team-b" {
		t.Fatalf("steady owner = %q, want the fresh team-b", got)
	}
	st := ref.Status()
	if st.FailingRepos != 1 || st.Entities != 2 {
		t.Fatalf("status = %+v", st)
	}
	var warned bool
	for _, p := range store.Current().Problems() {
		warned = warned || strings.Contains(p.String(), "github.com/acme/flaky/") && strings.Contains(p.Message, "refresh failed")
	}
	if !warned {
		t.Fatalf("no warning for flaky in %v", store.Current().Problems())
	}
	srv.ClearFaults()
	if err := ref.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := owner(t, store, "component:default/flaky"); got != "team-b" {
		t.Fatalf("flaky owner after recovery = %q", got)
	}
	if st := ref.Status(); st.FailingRepos != 0 {
		t.Fatalf("status after recovery = %+v", st)
	}
	if len(reports) != 3 || reports[2].Entities != 2 {
		t.Fatalf("reports = %+v", reports)
	}
}

func TestDiscoveryWaitsForTheRateLimitToReset(t *testing.T) {
	srv := githubtest.New(t)
	for i := range 6 {
		srv.AddRepo("acme", fmt.Sprintf("r%d", i), map[string]string{"catalog-info.yaml": component(fmt.Sprintf("c%d", i), "team-a")})
	}
	srv.SetRateLimit(4, 2*time.Second)
	c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: srv.URL, Retry: Retry{Attempts: 3, MaxWait: time.Minute, Backoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewOrgSource(c, "acme", OrgOptions{Concurrency: 2}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entities) != 6 {
		t.Fatalf("%d entities, want 6: %v", len(res.Entities), res.Problems)
	}
	if c.Stats().Retries == 0 {
		t.Fatal("the rate limit was never hit")
	}
}

func TestSourceSpecs(t *testing.T) {
	srv := githubtest.New(t)
	c := newTestClient(t, srv)
	tests := []struct {
		spec    string
		org     string
		repos   []string
		wantErr bool
	}{
		{"github:acme", "acme", nil, false},
		{"github:acme/svc", "acme", []string{"svc"}, false},
		{"github:", "", nil, true},
		{"github:acme/", "acme", nil, false},
		{"github:acme/a/b", "", nil, true},
		{"github:acme/bad name", "", nil, true},
		{"files:x", "", nil, true},
	}
	for _, tc := range tests {
		src, err := NewSourceFromSpec(c, tc.spec, OrgOptions{})
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v", tc.spec, err)
			continue
		}
		if err == nil && (src.Org() != tc.org || strings.Join(src.opts.Repos, ",") != strings.Join(tc.repos, ",") || src.Name() != "github:"+tc.org) {
			t.Errorf("%s: org %q repos %v", tc.spec, src.Org(), src.opts.Repos)
		}
	}
}

// Paths are escaped once: a TechDocs page or a Location target whose name
// has a space, '#', '%' or '?' is read, not a 404 from an escaped escape.
func TestDiscoveryReadsFilesWithCharactersThatNeedEscaping(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "odd", map[string]string{
		"catalog-info.yaml":         "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: odd\nspec:\n  targets: [\"./team catalog/C# 100%.yaml\"]\n",
		"team catalog/C# 100%.yaml": component("odd-one", "team-a"),
	})
	res, err := NewOrgSource(newTestClient(t, srv), "acme", OrgOptions{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res); len(got) != 2 || got[0] != "component:default/odd-one" {
		t.Fatalf("entities %v, problems %v", got, res.Problems)
	}
}
