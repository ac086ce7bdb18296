package backstage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/adapters/backstage/backstagetest"
	"github.com/callboard/callboard/catalog"
)

const token = "backstage-token"

// demoEntities reads Backstage's demo catalog as the API would serve it.
func demoEntities(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := filepath.Walk("../../testdata/backstage", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".oas.yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if m["kind"] != nil {
				md := m["metadata"].(map[string]any)
				if md["namespace"] == nil {
					md["namespace"] = "default"
				}
				out = append(out, m)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadReadsEveryEntityAcrossPages(t *testing.T) {
	for _, old := range []bool{false, true} {
		name := "by-query with cursors"
		if old {
			name = "entities with offset and limit"
		}
		t.Run(name, func(t *testing.T) {
			srv := backstagetest.New(token, demoEntities(t)...)
			defer srv.Close()
			srv.Legacy(old)
			src := New(srv.URL, token)
			src.PageSize = 7
			res, err := src.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Entities) != 61 || len(res.Problems) != 0 {
				t.Fatalf("%d entities, problems %v; want Backstage's 61", len(res.Entities), res.Problems)
			}
			if n := srv.Requests(); n < 61/7 {
				t.Fatalf("only %d requests: pagination not followed", n)
			}
			snap := catalog.Build(res)
			e, ok := snap.Get(catalog.MustParseRef("component:default/artist-lookup"))
			if !ok {
				t.Fatal("artist-lookup missing")
			}
			if e.Origin.Source != "backstage:"+srv.URL || e.Origin.Pos.File != srv.URL+"/catalog/default/component/artist-lookup" || !e.Known {
				t.Fatalf("origin = %+v known=%v", e.Origin, e.Known)
			}
			if e.SpecString("owner") != "team-a" || len(snap.OwnedBy(catalog.MustParseRef("group:default/team-a"))) == 0 {
				t.Fatalf("owner not understood: %v", e.Spec)
			}
		})
	}
}

func TestLoadKeepsGoodEntitiesBesideBadOnes(t *testing.T) {
	srv := backstagetest.New(token,
		backstagetest.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "ok"}, "spec": map[string]any{"owner": "x"}},
		backstagetest.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{}},
		backstagetest.Entity{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"}},
	)
	defer srv.Close()
	res, err := New(srv.URL, token).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entities) != 2 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].String(), "item 2") {
		t.Fatalf("entities %d, problems %v", len(res.Entities), res.Problems)
	}
	if res.Entities[1].Known {
		t.Fatal("an unknown kind is marked known")
	}
}

func TestLoadReportsANonCatalogAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>login</html>")) }))
	defer srv.Close()
	_, err := New(srv.URL, token).Load(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not the catalog API") {
		t.Fatalf("err = %v", err)
	}
}

// TestLoadRefusesAnAnswerPastItsBound: a page larger than maxAnswerBytes is
// refused with a sentence naming the bound, not read whole (nor cut and
// then misread as JSON).
func TestLoadRefusesAnAnswerPastItsBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"items":[`)
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for range maxAnswerBytes>>20 + 1 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `]}`)
	}))
	defer srv.Close()
	_, err := New(srv.URL, token).Load(context.Background())
	if err == nil || !strings.Contains(err.Error(), "more than 64 MiB in one page") {
		t.Fatalf("err = %v, want the page bound named", err)
	}
}
