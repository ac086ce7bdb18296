package scaffold_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

// bigTemplate is a go-service-like template whose skeleton has n files.
func bigTemplate(n int) *scaffold.Template {
	files := fstest.MapFS{}
	files["t/skeleton/catalog-info.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: ${{ values.owner }}\n")}
	for i := 1; i < n; i++ {
		files[fmt.Sprintf("t/skeleton/pkg%d/${{ values.name }}_%d.go", i%20, i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"// Package ${{ values.name | lower }} file %d.\npackage ${{ values.name }}\n\n{%% for t in values.tags %%}// tag ${{ t }}\n{%% endfor %%}const Owner = %q\n", i, "${{ values.owner }}"))}
	}
	return &scaffold.Template{
		Ref: catalog.MustParseRef("template:default/big"), FS: files, Dir: "t", Pos: catalog.Position{File: "big/template.yaml"},
		Pages: nil,
		Steps: []scaffold.Step{
			{ID: "fetch", Name: "Fetch", Action: "fetch:template", Input: map[string]any{"url": "./skeleton", "values": map[string]any{"name": "${{ parameters.name }}", "owner": "${{ parameters.owner }}", "tags": []any{"a", "b"}}}},
			{ID: "publish", Name: "Publish", Action: "publish:github", Input: map[string]any{"repoUrl": "${{ parameters.repoUrl }}"}},
			{ID: "register", Name: "Register", Action: "catalog:register", Input: map[string]any{"repoContentsUrl": "${{ steps.publish.output.repoContentsUrl }}"}},
		},
	}
}

// runBig runs a full job over an n-file skeleton. The template has no
// parameter pages: its values are literals in the steps.
func runBig(ctx context.Context, n int, key string) (*scaffoldtest.MemPublisher, *scaffold.Job, error) {
	t := bigTemplate(n)
	t.Steps[0].Input["values"] = map[string]any{"name": "ledger", "owner": "team-payments", "tags": []any{"a", "b"}}
	t.Steps[1].Input["repoUrl"] = "github.com?owner=acme&repo=" + key
	pub := scaffoldtest.NewMemPublisher()
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: pub, Registrar: newLiveCatalog()}
	job, err := r.Start(ctx, scaffold.Request{Template: t, Params: map[string]string{}, Key: key})
	return pub, job, err
}

func TestPublisherCallsDoNotGrowWithFiles(t *testing.T) {
	var counts []string
	for _, n := range []int{1, 10, 1000} {
		pub, job, err := runBig(context.Background(), n, fmt.Sprintf("r%d", n))
		if err != nil {
			t.Fatal(err)
		}
		repo := pub.Repo("github.com", "acme", fmt.Sprintf("r%d", n))
		if got := len(repo.Branches["main"][0].Files); got != n {
			t.Fatalf("%d-file skeleton committed %d files", n, got)
		}
		if job.State != scaffold.JobSucceeded {
			t.Fatal(job.Error)
		}
		counts = append(counts, fmt.Sprint(pub.Calls()))
	}
	if counts[0] != counts[1] || counts[1] != counts[2] {
		t.Errorf("publisher calls by file count 1/10/1000: %v", counts)
	}
}

func BenchmarkRender1000FileSkeleton(b *testing.B) {
	t := bigTemplate(1000)
	t.Steps[0].Input["values"] = map[string]any{"name": "ledger", "owner": "team-payments", "tags": []any{"a", "b"}}
	t.Steps[1].Input["repoUrl"] = "github.com?owner=acme&repo=ledger"
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore()}
	b.ReportAllocs()
	for b.Loop() {
		p, err := r.DryRun(context.Background(), scaffold.Request{Template: t, Params: map[string]string{}})
		if err != nil || len(p.Files) != 1000 {
			b.Fatalf("%v, %d files", err, len(p.Files))
		}
	}
}

func BenchmarkFullRun1000FilesPublisherCalls(b *testing.B) {
	calls := 0
	for i := 0; b.Loop(); i++ {
		pub, _, err := runBig(context.Background(), 1000, fmt.Sprintf("r%d", i))
		if err != nil {
			b.Fatal(err)
		}
		calls = 0
		for _, c := range pub.Calls() {
			calls += c
		}
	}
	b.ReportMetric(float64(calls), "publisher-calls/run")
}
