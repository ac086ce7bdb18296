package catalog

import (
	"slices"
	"strings"
	"testing"
)

const org = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a, namespace: prod}
spec: {type: team, children: [], members: [jdoe]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jdoe, namespace: prod}
spec: {memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web, namespace: prod}
spec:
  type: website
  lifecycle: production
  owner: team-a
  system: shop
  consumesApis: [orders-api]
  dependsOn: [component:orders, component:ghost, resource:default/db]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders, namespace: prod}
spec: {type: service, lifecycle: production, owner: user:jdoe, providesApis: [orders-api]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api, namespace: prod}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: x}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: WEB, namespace: prod}
spec: {type: website, lifecycle: production, owner: team-a}
`

func has(e *Entity, typ, target string) bool {
	return slices.ContainsFunc(e.Relations, func(r Relation) bool { return r.Type == typ && r.Target.Key() == strings.ToLower(target) })
}

func TestBuildRelatesBothDirectionsAndReportsDanglingRefs(t *testing.T) {
	s := Build(loadString(t, "org.yaml", org))
	get := func(ref string) *Entity {
		e, ok := s.Get(MustParseRef(ref))
		if !ok {
			t.Fatalf("%s not in snapshot", ref)
		}
		return e
	}
	web, orders, api, team, user := get("component:prod/web"), get("component:prod/orders"), get("api:prod/orders-api"), get("group:prod/team-a"), get("user:prod/jdoe")
	checks := []struct {
		e          *Entity
		typ, to    string
		wantExists bool
	}{
		{web, RelOwnedBy, "group:prod/team-a", true}, {team, RelOwnerOf, "component:prod/web", true},
		{web, RelDependsOn, "component:prod/orders", true}, {orders, RelDependencyOf, "component:prod/web", true},
		{web, RelConsumesAPI, "api:prod/orders-api", true}, {api, RelAPIConsumedBy, "component:prod/web", true},
		{orders, RelProvidesAPI, "api:prod/orders-api", true}, {api, RelAPIProvidedBy, "component:prod/orders", true},
		{orders, RelOwnedBy, "user:prod/jdoe", true}, {user, RelOwnerOf, "component:prod/orders", true},
		{team, RelHasMember, "user:prod/jdoe", true}, {user, RelMemberOf, "group:prod/team-a", true},
		{web, RelPartOf, "system:prod/shop", true}, {web, RelDependsOn, "resource:default/db", true},
	}
	for _, c := range checks {
		if has(c.e, c.typ, c.to) != c.wantExists {
			t.Errorf("%s %s %s: missing (relations %v)", c.e.Ref(), c.typ, c.to, c.e.Relations)
		}
	}
	msgs := map[string]bool{}
	for _, p := range s.Problems() {
		msgs[p.String()] = true
	}
	for _, want := range []string{
		"org.yaml:18:11: warning: spec.system: system:prod/shop does not exist in the catalog",
		"org.yaml:20:33: warning: spec.dependsOn: component:prod/ghost does not exist in the catalog",
		"org.yaml:20:50: warning: spec.dependsOn: resource:default/db does not exist in the catalog",
		"org.yaml:32:1: duplicate entity component:prod/WEB: already defined at org.yaml:11:1 (the first one is kept)",
	} {
		if !msgs[want] {
			t.Errorf("missing problem %q; got %v", want, s.Problems())
		}
	}
	if got := s.Incoming(MustParseRef("component:prod/orders"), RelDependsOn); len(got) != 1 || got[0] != web {
		t.Errorf("Incoming dependsOn orders = %v", got)
	}
	if got := s.OwnedBy(MustParseRef("group:prod/team-a")); len(got) != 2 {
		t.Errorf("OwnedBy team-a = %d entities, want web and orders-api", len(got))
	}
}

func TestLocationsFollowTargetsGlobsAndCycles(t *testing.T) {
	comp := func(name string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: " + name + "}\nspec: {type: s, lifecycle: p, owner: t}\n"
	}
	fsys := mapFS{
		"root.yaml":                    "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n  targets:\n    - ./services/*/catalog-info.yaml\n    - ./missing.yaml\n    - ./more/loop.yaml\n",
		"services/a/catalog-info.yaml": comp("a"),
		"services/b/catalog-info.yaml": comp("b"),
		"more/loop.yaml":               "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: loop}\nspec:\n  target: ../root.yaml\n  presence: optional\n",
		"unrelated.yaml":               comp("c"),
	}.fs()
	res := LoadFS(t.Context(), fsys, []string{"root.yaml"}, LoadOptions{})
	var names []string
	for _, e := range res.Entities {
		names = append(names, e.Metadata.Name)
	}
	if strings.Join(names, ",") != "root,a,b,loop" {
		t.Errorf("entities %v, want root,a,b,loop", names)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"root.yaml:7:7: location target ./missing.yaml: no such file (looked for missing.yaml)",
		"more/loop.yaml:5:11: warning: location cycle: root.yaml → more/loop.yaml → root.yaml (not read again)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n%q\nwant\n%q", got, want)
	}
}

// A reference to an entity that is in the files but failed validation says
// so, instead of claiming the entity does not exist.
func TestReferenceToAnInvalidEntityNamesIt(t *testing.T) {
	s := Build(loadString(t, "team.yaml", `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: infra}
spec: {type: team}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ana}
spec: {memberOf: [infra, ghosts]}
`))
	var got []string
	for _, p := range s.Problems() {
		got = append(got, p.String())
	}
	want := []string{
		"team.yaml:9:19: warning: spec.memberOf: group:default/infra is defined in team.yaml but is invalid there (see its errors), so it is not in the catalog",
		"team.yaml:9:26: warning: spec.memberOf: group:default/ghosts does not exist in the catalog",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %q in %q", w, got)
		}
	}
}
