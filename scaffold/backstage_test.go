package scaffold_test

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const backstageTemplates = "../../shared/testdata/software-templates/scaffolder-templates"

// skeletonFiles lists the files under dir, relative to it.
func skeletonFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestBackstageTemplatesParseValidateAndDryRun(t *testing.T) {
	cases := []struct {
		dir      string
		params   map[string]string
		skeleton string // folder whose files must all be rendered, "" for none
		prefix   string // where the skeleton lands in the tree
		extra    []string
		// unsupported is set when a step's action is not one callboard runs:
		// the dry run must refuse up front, naming it.
		unsupported string
	}{
		{dir: "clean-architecture-app", skeleton: "skeleton", params: map[string]string{"name": "ledger", "package": "co.com.acme", "projectType": "reactive", "coverage": "jacoco", "owner": "group:team-payments", "repoUrl": "github.com?owner=acme&repo=ledger", "lombok": "true"}},
		{dir: "create-react-app", skeleton: "skeleton", params: map[string]string{"component_id": "web-shop", "description": "The shop", "owner": "team-web", "repoUrl": "github.com?owner=acme&repo=web-shop"}},
		{dir: "docs-template", skeleton: "skeleton", params: map[string]string{"name": "runbooks", "description": "How we run things", "owner": "team-sre", "repoUrl": "github.com?owner=acme&repo=runbooks"}},
		{dir: "docs-template-cookiecutter", skeleton: "skeleton", params: map[string]string{"name": "handbook", "description": "Team handbook", "owner": "team-sre", "repoUrl": "github.com?owner=acme&repo=handbook"}},
		{dir: "pull-request", skeleton: "template", params: map[string]string{"name": "billing", "description": "Adds billing", "repoUrl": "github.com?owner=acme&repo=monorepo"}, extra: []string{"community/README.md"}},
		{dir: "react-ssr-template", skeleton: "skeleton", params: map[string]string{"component_id": "ssr-site", "description": "SSR", "owner": "team-web", "repoUrl": "github.com?owner=acme&repo=ssr-site"}},
		{dir: "springboot-grpc-template", skeleton: "skeleton", params: map[string]string{"component_id": "orders", "java_package_name": "com.acme.orders", "description": "Orders", "owner": "team-orders", "repoUrl": "github.com?owner=acme&repo=orders"}},
		{dir: "gitlab-merge-request", params: map[string]string{"name": "x", "repoUrl": "gitlab.com?owner=acme&repo=x"}, unsupported: "publish:gitlab:merge-request"},
		{dir: "rails-demo", params: map[string]string{"name": "shop", "owner": "team-web", "repoUrl": "github.com?owner=acme&repo=shop", "dryRun": "true"}, unsupported: "fetch:rails"},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			ctx := context.Background()
			tmpl, err := scaffold.LoadTemplateFile(ctx, filepath.Join(backstageTemplates, c.dir, "template.yaml"))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(tmpl.Steps) == 0 || len(tmpl.Params()) == 0 {
				t.Fatalf("parsed %d steps, %d params", len(tmpl.Steps), len(tmpl.Params()))
			}
			// Nothing given: every required parameter is listed to supply.
			_, err = tmpl.Values(map[string]string{})
			var perr *scaffold.ParamError
			if !errors.As(err, &perr) || len(perr.Missing) == 0 {
				t.Fatalf("no values: err = %v, want the missing required parameters", err)
			}
			for _, m := range perr.Missing {
				if !m.Required || m.Name == "" || m.Type == "" {
					t.Errorf("missing parameter described badly: %+v", m)
				}
			}
			if _, err := tmpl.Values(c.params); err != nil {
				t.Fatalf("values: %v", err)
			}
			fetcher := &scaffoldtest.MemFetcher{Trees: map[string][]scaffold.File{
				"https://github.com/backstage/community/tree/main/backstage-community-sessions": {{Path: "README.md", Data: []byte("# Community sessions\n")}},
			}}
			r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Fetcher: fetcher, AllowedHosts: []string{"github.com"}}
			var progress []string
			p, err := r.DryRun(ctx, scaffold.Request{Template: tmpl, Params: c.params, Progress: func(e scaffold.Event) {
				if e.Step >= 0 {
					progress = append(progress, e.Job.Steps[e.Step].ID+":"+string(e.Job.Steps[e.Step].State))
				}
			}})
			if c.unsupported != "" {
				// As Backstage's dry run: the step that cannot run is
				// skipped, saying which and why, and the rest run.
				if err != nil {
					t.Fatalf("dry run: %v", err)
				}
				if len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0], c.unsupported) || !strings.Contains(p.Skipped[0], "no action") {
					t.Errorf("skipped = %q, want the %s step named with why", p.Skipped, c.unsupported)
				}
				for _, s := range p.Job.Steps {
					cannot := s.Action == c.unsupported
					if cannot != (s.State == scaffold.StepSkipped && s.Error != "") || !cannot && s.State != scaffold.StepDone && s.State != scaffold.StepSkipped {
						t.Errorf("dry run step %s (%s): %s %q", s.ID, s.Action, s.State, s.Error)
					}
				}
				if p.Job.State != scaffold.JobSucceeded {
					t.Errorf("dry run state %s: %s", p.Job.State, p.Job.Error)
				}
				// A real run refuses up front, naming the action.
				job, err := r.Start(ctx, scaffold.Request{Template: tmpl, Params: c.params})
				var cerr *scaffold.CheckError
				if !errors.As(err, &cerr) || cerr.Action != c.unsupported || !strings.Contains(err.Error(), "unknown action") {
					t.Fatalf("real run err = %v, want an up-front unknown action %s", err, c.unsupported)
				}
				if job != nil {
					t.Errorf("a refused run made job %+v", job)
				}
				return
			}
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if p.Job.State != scaffold.JobSucceeded {
				t.Fatalf("job state %s: %s", p.Job.State, p.Job.Error)
			}
			want := map[string]bool{}
			for _, f := range skeletonFiles(t, filepath.Join(backstageTemplates, c.dir, c.skeleton)) {
				want[c.prefix+f] = true
			}
			for _, f := range c.extra {
				want[f] = true
			}
			got := map[string]bool{}
			for _, f := range p.Files {
				got[f.Path] = true
				if !strings.Contains(f.Path, ".github/") && strings.Contains(string(f.Data), "${{") {
					t.Errorf("%s still has an unrendered expression", f.Path)
				}
			}
			for f := range want {
				if !got[f] {
					t.Errorf("skeleton file %s is missing from the rendered tree", f)
				}
			}
			for f := range got {
				if !want[f] {
					t.Errorf("rendered tree has %s, which no skeleton file gives", f)
				}
			}
			if p.CatalogInfo == "" {
				t.Fatal("no rendered catalog-info.yaml")
			}
			golden := filepath.Join("testdata", "backstage", c.dir+".catalog-info.yaml")
			if *update {
				_ = os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(p.CatalogInfo), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantInfo, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if p.CatalogInfo != string(wantInfo) {
				t.Errorf("catalog-info.yaml =\n%s\nwant (%s)\n%s", p.CatalogInfo, golden, wantInfo)
			}
			if len(progress) < 2*len(tmpl.Steps)-1 {
				t.Errorf("progress events %v, want running and done for each step", progress)
			}
		})
	}
}
