package examples

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
	"gopkg.in/yaml.v3"
)

// TestTemplatesDryRunFromTheEmbeddedCatalog renders each template the way the
// product does — Template entity from the embedded snapshot, skeleton read
// beside it — and checks the new component's descriptor is valid and names
// things that exist.
func TestTemplatesDryRunFromTheEmbeddedCatalog(t *testing.T) {
	s := loadEmbedded(t)
	tests := []struct {
		template  string
		params    map[string]string
		wantFiles []string // paths that must be in the rendered tree
		wantName  string   // metadata.name of the rendered catalog-info.yaml
		wantOwner string
	}{
		{
			template:  "go-service",
			params:    map[string]string{"name": "ledger-export", "owner": "team-payments", "description": "Exports ledger entries to the data warehouse", "system": "core-banking", "features": "kafka", "repoUrl": "github.com?owner=tallybird&repo=ledger-export"},
			wantFiles: []string{"catalog-info.yaml", "go.mod", "cmd/ledger-export/main.go", "internal/server/server.go", ".github/workflows/ci.yml", ".gitignore", "docs/assets/logo.png", "mkdocs.yml"},
			wantName:  "ledger-export", wantOwner: "team-payments",
		},
		{
			template:  "techdocs-site",
			params:    map[string]string{"name": "risk-handbook", "owner": "team-risk", "description": "How Team Risk works", "repoUrl": "github.com?owner=tallybird&repo=risk-handbook"},
			wantFiles: []string{"catalog-info.yaml", "mkdocs.yml", "docs/index.md", "docs/getting-started.md", "docs/assets/logo.png", "docs/snippets/template-syntax.md"},
			wantName:  "risk-handbook", wantOwner: "team-risk",
		},
		{
			template:  "add-runbook",
			params:    map[string]string{"service": "component:default/ledger", "owner": "team-ledger", "alert": "LedgerPostEntryErrors", "severity": "sev1", "repoUrl": "github.com?owner=tallybird&repo=ledger"},
			wantFiles: []string{"catalog-info.yaml", "mkdocs.yml", "docs/index.md"},
			wantName:  "ledgerpostentryerrors-runbook", wantOwner: "team-ledger",
		},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			e, ok := s.Get(catalog.Ref{Kind: catalog.KindTemplate, Namespace: catalog.DefaultNamespace, Name: tt.template})
			if !ok {
				t.Fatalf("template %s not in the snapshot", tt.template)
			}
			tmpl, err := scaffold.ParseTemplate(e)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), AllowedHosts: []string{"github.com"}, Catalog: func() *catalog.Snapshot { return s }}
			p, err := r.DryRun(context.Background(), scaffold.Request{Template: tmpl, Params: tt.params})
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			files := map[string][]byte{}
			for _, f := range p.Files {
				files[strings.TrimPrefix(f.Path, "runbook/")] = f.Data
				if strings.Contains(f.Path, "${{") || strings.HasSuffix(f.Path, ".njk") {
					t.Errorf("file name %q was not rendered", f.Path)
				}
				if !strings.Contains(f.Path, "snippets/") && bytes.Contains(f.Data, []byte("${{")) {
					t.Errorf("%s still has an unrendered expression", f.Path)
				}
			}
			for _, want := range tt.wantFiles {
				if _, ok := files[want]; !ok {
					t.Errorf("rendered tree lacks %s (has %d files)", want, len(files))
				}
			}
			if png := files["docs/assets/logo.png"]; png != nil && !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
				t.Error("logo.png was altered; binary files must be copied untouched")
			}
			if snip := files["docs/snippets/template-syntax.md"]; snip != nil && !bytes.Contains(snip, []byte("${{ parameters.name }}")) {
				t.Error("template-syntax.md was templated; copyWithoutTemplating should keep it raw")
			}
			var desc struct {
				Metadata struct{ Name string }
				Spec     map[string]any
			}
			if err := yaml.Unmarshal(files["catalog-info.yaml"], &desc); err != nil {
				t.Fatalf("rendered catalog-info.yaml: %v\n%s", err, files["catalog-info.yaml"])
			}
			if desc.Metadata.Name != tt.wantName || desc.Spec["owner"] != tt.wantOwner {
				t.Errorf("rendered entity %q owned by %v, want %q owned by %q", desc.Metadata.Name, desc.Spec["owner"], tt.wantName, tt.wantOwner)
			}
			refs := strs(desc.Spec["dependsOn"])
			refs = append(refs, "group:"+str(desc.Spec["owner"]))
			if sys := str(desc.Spec["system"]); sys != "" {
				refs = append(refs, "system:"+sys)
			}
			for _, ref := range refs {
				if _, ok := s.Get(catalog.MustParseRef(ref)); !ok {
					t.Errorf("the rendered entity refers to %s, which does not exist in the catalog", ref)
				}
			}
		})
	}
}
