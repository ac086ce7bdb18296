package backstage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/backstage/backstagetest"
	"github.com/callboard/callboard/catalog"
)

func TestRefusalsSayWhichSettingToFillAndWhatBackstageGrants(t *testing.T) {
	const good = "static-token-0123456789"
	srv := backstagetest.New(good, backstagetest.Component("ledger", "team-a"))
	defer srv.Close()
	srv.AddToken("scaffolder-only-token", backstagetest.Token{Subject: "ci", Plugins: []string{"scaffolder"}})
	tests := []struct {
		name, token string
		status      int
		want        []string
	}{
		{"no token", "", 401, []string{"401 Missing credentials", "no token was sent", "BACKSTAGE_TOKEN", "backstage.token_file", "backend.auth.externalAccess", "type: static", "plugin: catalog"}},
		{"a token Backstage does not know", "wrong-secret-4242", 401, []string{"401 Illegal token", "does not accept the token", "BACKSTAGE_TOKEN", "backend.auth.externalAccess", "plugin: catalog"}},
		{"a token restricted to another plugin", "scaffolder-only-token", 403, []string{"403 This token's access is restricted", "may not read the catalog", "accessRestrictions", "{plugin: catalog}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(srv.URL, tt.token).Load(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) || ae.Status != tt.status {
				t.Fatalf("err = %v, want an AuthError %d", err, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("the token appears in the error: %v", err)
			}
		})
	}
	res, err := New(srv.URL, good).Load(context.Background())
	if err != nil || len(res.Entities) != 1 {
		t.Fatalf("with the right token: %v, %v", res, err)
	}
}

func TestFromSpecRefusesSecretsInTheURLWithoutRepeatingThem(t *testing.T) {
	const secret = "s3cr3t-marker-77"
	for _, spec := range []string{
		"backstage:https://callboard:" + secret + "@backstage.example.com",
		"backstage:https://" + secret + "@backstage.example.com",
		"backstage:https://backstage.example.com/?token=" + secret,
		"backstage:https://backstage.example.com/#" + secret,
		"backstage:https://backstage.example.com/?" + secret,
		"backstage:https://bad host/" + secret + "@x",
	} {
		_, err := FromSpec(spec, Options{})
		if err == nil {
			t.Errorf("%s: accepted", spec)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the secret appears in the error: %v", err)
		}
		if !strings.Contains(err.Error(), "backstage:") {
			t.Errorf("error does not name the source: %v", err)
		}
	}
	for _, tc := range []struct{ spec, name string }{
		{"backstage:https://backstage.example.com/", "backstage:https://backstage.example.com"},
		{"backstage:http://127.0.0.1:7007", "backstage:http://127.0.0.1:7007"},
		{"backstage:https://example.com/backstage/", "backstage:https://example.com/backstage"},
	} {
		s, err := FromSpec(tc.spec, Options{Token: "t"})
		if err != nil || s.Name() != tc.name {
			t.Errorf("%s: %v %v", tc.spec, s, err)
		}
	}
	for _, spec := range []string{"backstage:backstage.example.com", "backstage:", "github:acme", "backstage:ftp://x"} {
		if _, err := FromSpec(spec, Options{}); err == nil {
			t.Errorf("%s accepted", spec)
		}
	}
	if _, err := FromSpec("backstage:https://b.example.com", Options{UIURL: "https://u:" + secret + "@ui.example.com"}); err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "backstage.ui_url") {
		t.Errorf("ui_url with credentials: %v", err)
	}
}

func TestLoadKeepsRelationsOnlyBackstageServes(t *testing.T) {
	// A User whose group membership came from an LDAP provider that wrote
	// no spec.memberOf, and a component a custom processor relates.
	jane := backstagetest.Entity{
		"apiVersion": "backstage.io/v1alpha1", "kind": "User",
		"metadata": map[string]any{"name": "jane", "namespace": "default"},
		"spec":     map[string]any{"profile": map[string]any{"email": "jane@example.com"}},
		"relations": []any{
			map[string]any{"type": "memberOf", "targetRef": "group:default/team-a"},
		},
	}
	team := backstagetest.Group("team-a")
	team["relations"] = []any{
		map[string]any{"type": "hasMember", "targetRef": "user:default/jane"},
		map[string]any{"type": "ownerOf", "targetRef": "component:default/ledger"},
	}
	ledger := backstagetest.Component("ledger", "team-a")
	ledger["relations"] = append(ledger["relations"].([]any),
		map[string]any{"type": "dependsOn", "targetRef": "resource:default/ledger-db"},
		map[string]any{"type": "maintainedBy", "targetRef": "user:default/jane"},
		map[string]any{"type": "dependsOn", "targetRef": "not a ref"},
	)
	db := backstagetest.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "Resource",
		"metadata": map[string]any{"name": "ledger-db", "namespace": "default"}, "spec": map[string]any{"type": "database", "owner": "team-a"}}
	srv := backstagetest.New(token, jane, team, ledger, db)
	defer srv.Close()
	res, err := New(srv.URL, token).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	snap := catalog.Build(res)
	get := func(ref string) *catalog.Entity {
		e, ok := snap.Get(catalog.MustParseRef(ref))
		if !ok {
			t.Fatalf("%s missing", ref)
		}
		return e
	}
	count := func(e *catalog.Entity, typ, target string) int {
		n := 0
		for _, r := range e.Relations {
			if r.Type == typ && r.Target.Key() == target {
				n++
			}
		}
		return n
	}
	checks := []struct {
		ref, typ, target string
	}{
		{"user:default/jane", catalog.RelMemberOf, "group:default/team-a"},
		{"group:default/team-a", catalog.RelHasMember, "user:default/jane"},
		{"component:default/ledger", catalog.RelDependsOn, "resource:default/ledger-db"},
		{"resource:default/ledger-db", catalog.RelDependencyOf, "component:default/ledger"},
		{"component:default/ledger", "maintainedBy", "user:default/jane"},
		{"component:default/ledger", catalog.RelOwnedBy, "group:default/team-a"},
		{"group:default/team-a", catalog.RelOwnerOf, "component:default/ledger"},
	}
	for _, c := range checks {
		if n := count(get(c.ref), c.typ, c.target); n != 1 {
			t.Errorf("%s %s %s: %d times, want once; relations %v", c.ref, c.typ, c.target, n, get(c.ref).Relations)
		}
	}
	if deps := snap.Incoming(catalog.MustParseRef("resource:default/ledger-db"), catalog.RelDependsOn); len(deps) != 1 {
		t.Errorf("dependents of ledger-db: %v", deps)
	}
}

func TestLinksPointAtTheBackstageUIWhenSet(t *testing.T) {
	comp := backstagetest.Component("Ledger-API", "team-a")
	comp["metadata"].(map[string]any)["namespace"] = "Payments"
	comp["metadata"].(map[string]any)["annotations"] = map[string]any{"backstage.io/techdocs-ref": "dir:."}
	srv := backstagetest.New(token, comp)
	defer srv.Close()
	tests := []struct {
		name, ui, wantPage, wantDocs string
	}{
		{"ui_url set", "https://portal.example.com/", "https://portal.example.com/catalog/payments/component/Ledger-API", "https://portal.example.com/docs/payments/component/Ledger-API"},
		{"no ui_url: the backend's URL, no docs link", "", srv.URL + "/catalog/payments/component/Ledger-API", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := FromSpec("backstage:"+srv.URL, Options{Token: token, UIURL: tt.ui})
			if err != nil {
				t.Fatal(err)
			}
			res, err := src.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			e := res.Entities[0]
			if e.Origin.Pos.String() != tt.wantPage {
				t.Errorf("defined in %q, want %q", e.Origin.Pos.String(), tt.wantPage)
			}
			var docs string
			for _, l := range e.Metadata.Links {
				if l.Title == "TechDocs" {
					docs = l.URL
				}
			}
			if docs != tt.wantDocs {
				t.Errorf("TechDocs link %q, want %q", docs, tt.wantDocs)
			}
		})
	}
}

func TestLoadFollowsCursorsCarryingTheFilter(t *testing.T) {
	var es []backstagetest.Entity
	for i := range 23 {
		es = append(es, backstagetest.Component(fmt.Sprintf("svc-%02d", i), "team-a"))
	}
	es = append(es, backstagetest.Group("team-a"))
	srv := backstagetest.New(token, es...)
	defer srv.Close()
	src := New(srv.URL, token)
	src.PageSize, src.Filter = 5, "kind=component"
	res, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entities) != 23 {
		t.Fatalf("%d entities, want the 23 components", len(res.Entities))
	}
	paths := srv.Paths()
	if len(paths) != 5 {
		t.Fatalf("%d requests, want 5 pages of 5: %v", len(paths), paths)
	}
	for i, p := range paths {
		u, _ := url.Parse(p)
		q := u.Query()
		if u.Path != "/api/catalog/entities/by-query" || q.Get("limit") != "5" {
			t.Errorf("request %d: %s", i, p)
		}
		// The first request carries the filter; the others only the cursor.
		if (i == 0) != (q.Get("filter") != "") || (i > 0) != (q.Get("cursor") != "") {
			t.Errorf("request %d: %s", i, p)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:p@h.example.com/x?token=t#f": "https://[redacted]@h.example.com/x?[redacted]#[redacted]",
		"https://h.example.com/backstage":       "https://h.example.com/backstage",
		"http://tok@h:7007":                     "http://[redacted]@h:7007",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A token renewed in the token file (a JWKS-verified token a sidecar
// refreshes) is used at the next load, without a restart.
func TestLoadRereadsTheTokenFile(t *testing.T) {
	srv := backstagetest.New("renewed-token-0002", backstagetest.Component("ledger", "team-a"))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("expired-token-0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := FromSpec("backstage:"+srv.URL, Options{Token: "expired-token-0001", TokenFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "does not accept the token") {
		t.Fatalf("with the old token: %v", err)
	}
	os.WriteFile(file, []byte("renewed-token-0002\n"), 0o600)
	if res, err := src.Load(context.Background()); err != nil || len(res.Entities) != 1 {
		t.Fatalf("after renewal: %v", err)
	}
	// A file gone for a moment keeps the last token rather than fail.
	os.Remove(file)
	if _, err := src.Load(context.Background()); err != nil {
		t.Fatalf("token file missing: %v", err)
	}
}
