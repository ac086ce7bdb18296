package backstage

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

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

// fakeBackstage serves the catalog API: by-query with cursors, or (old) offset/limit only.
type fakeBackstage struct {
	entities []map[string]any
	old      bool
	requests int
}

func (f *fakeBackstage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests++
	if r.Header.Get("Authorization") != "Bearer "+token {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":{"name":"AuthenticationError","message":"Missing credentials"}}`))
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 20
	}
	page := func(offset int) []map[string]any {
		end := min(offset+limit, len(f.entities))
		return f.entities[min(offset, end):end]
	}
	switch r.URL.Path {
	case "/api/catalog/entities/by-query":
		if f.old {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":{"name":"NotFoundError","message":"Not found"}}`))
			return
		}
		offset := 0
		if c := q.Get("cursor"); c != "" {
			b, _ := base64.StdEncoding.DecodeString(c)
			offset, _ = strconv.Atoi(string(b))
		}
		resp := map[string]any{"items": page(offset), "totalItems": len(f.entities), "pageInfo": map[string]any{}}
		if offset+limit < len(f.entities) {
			resp["pageInfo"] = map[string]any{"nextCursor": base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(offset + limit)))}
		}
		_ = json.NewEncoder(w).Encode(resp)
	case "/api/catalog/entities":
		offset, _ := strconv.Atoi(q.Get("offset"))
		_ = json.NewEncoder(w).Encode(page(offset))
	default:
		w.WriteHeader(404)
	}
}

func TestLoadReadsEveryEntityAcrossPages(t *testing.T) {
	for _, old := range []bool{false, true} {
		name := "by-query with cursors"
		if old {
			name = "entities with offset and limit"
		}
		t.Run(name, func(t *testing.T) {
			f := &fakeBackstage{entities: demoEntities(t), old: old}
			srv := httptest.NewServer(f)
			defer srv.Close()
			src := New(srv.URL, token)
			src.PageSize = 7
			res, err := src.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Entities) != 61 || len(res.Problems) != 0 {
				t.Fatalf("%d entities, problems %v; want Backstage's 61", len(res.Entities), res.Problems)
			}
			if f.requests < 61/7 {
				t.Fatalf("only %d requests: pagination not followed", f.requests)
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

func TestLoadExplainsARefusedToken(t *testing.T) {
	srv := httptest.NewServer(&fakeBackstage{})
	defer srv.Close()
	_, err := New(srv.URL, "wrong-secret").Load(context.Background())
	if err == nil || !strings.Contains(err.Error(), "check the token") || !strings.Contains(err.Error(), "Missing credentials") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatal("the token appears in the error")
	}
}

func TestLoadKeepsGoodEntitiesBesideBadOnes(t *testing.T) {
	f := &fakeBackstage{entities: []map[string]any{
		{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "ok"}, "spec": map[string]any{"owner": "x"}},
		{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{}},
		{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"}},
	}}
	srv := httptest.NewServer(f)
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

func TestFromSpec(t *testing.T) {
	tests := []struct {
		spec, name string
		ok         bool
	}{
		{"backstage:https://backstage.example.com/", "backstage:https://backstage.example.com", true},
		{"backstage:backstage.example.com", "", false},
		{"backstage:", "", false},
		{"github:acme", "", false},
	}
	for _, tc := range tests {
		s, err := FromSpec(tc.spec, "t")
		if (err == nil) != tc.ok || (err == nil && s.Name() != tc.name) {
			t.Errorf("%s: %v %v", tc.spec, s, err)
		}
	}
}
