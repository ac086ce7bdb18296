package catalog

import (
	"slices"
	"strings"
	"testing"
)

const componentHead = "apiVersion: backstage.io/v1alpha1\nkind: Component\n"

func TestValidationAgreesWithBackstage(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		valid bool
		want  string // substring of the first error when invalid
	}{
		{"minimal component", componentHead + "metadata: {name: a}\nspec: {type: service, lifecycle: production, owner: team}\n", true, ""},
		{"extra spec fields allowed", componentHead + "metadata: {name: a}\nspec: {type: service, lifecycle: x, owner: t, whatever: {deep: 1}}\n", true, ""},
		{"extra metadata keys allowed", componentHead + "metadata: {name: a, custom: 5}\nspec: {type: service, lifecycle: x, owner: t}\n", true, ""},
		{"foreign root field", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: x, owner: t}\nowner: t\n", false, "x.yaml:5:1: unknown top-level field \"owner\""},
		{"missing owner", componentHead + "metadata: {name: a}\nspec: {type: service, lifecycle: production}\n", false, "x.yaml:4:1: spec.owner is required for a Component"},
		{"empty type", componentHead + "metadata: {name: a}\nspec: {type: '', lifecycle: p, owner: t}\n", false, "spec.type must be a non-empty string, found an empty string"},
		{"number name", componentHead + "metadata: {name: 123}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "x.yaml:3:18: metadata.name must be a non-empty string, found a number (123)"},
		{"name too long", componentHead + "metadata: {name: " + strings.Repeat("a", 64) + "}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "is not a valid name"},
		{"name 63 ok", componentHead + "metadata: {name: " + strings.Repeat("a", 63) + "}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"name with dots and underscores", componentHead + "metadata: {name: a_b.c-d}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"name ending with dash", componentHead + "metadata: {name: a-}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "is not a valid name"},
		{"namespace upper case", componentHead + "metadata: {name: a, namespace: Prod}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "is not a valid namespace"},
		{"bad tag", componentHead + "metadata: {name: a, tags: [Java]}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "metadata.tags[0] \"Java\" is not a valid tag"},
		{"good tags", componentHead + "metadata: {name: a, tags: [c++, c#, go-lang]}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"tags may hold colons", componentHead + "metadata: {name: a, tags: ['confidentiality:public', 'a::b', ':x']}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"a colon does not excuse a double dash", componentHead + "metadata: {name: a, tags: ['pci:--dss']}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "is not a valid tag"},
		{"label value bad", componentHead + "metadata: {name: a, labels: {tier: 'a b'}}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "metadata.labels[\"tier\"] value"},
		{"label value empty ok", componentHead + "metadata: {name: a, labels: {tier: ''}}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"annotation key bad prefix", componentHead + "metadata: {name: a, annotations: {'Example.com/x': v}}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "metadata.annotations key \"Example.com/x\" is not valid"},
		{"annotation value any string", componentHead + "metadata: {name: a, annotations: {'example.com/x': 'any thing: at all'}}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"annotation value number", componentHead + "metadata: {name: a, annotations: {'example.com/x': 5}}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "must be a string, found a number (5)"},
		{"relations at root", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: x, owner: t}\nrelations:\n  - type: ownedBy\n    targetRef: group:default/t\n", false, "x.yaml:5:1: top-level field \"relations\" is filled in by the catalog: Backstage rejects a descriptor that sets it"},
		{"status at root", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: x, owner: t}\nstatus: {}\n", false, "x.yaml:5:1: top-level field \"status\" is filled in by the catalog"},
		{"unknown root fields in file order", "zeta: 1\n" + componentHead + "alpha: 2\nmetadata: {name: a}\nspec: {type: s, lifecycle: x, owner: t}\n", false, "x.yaml:1:1: unknown top-level field \"zeta\""},
		{"dependsOn a bare name", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, dependsOn: [db]}\n", false, "x.yaml:4:53: spec.dependsOn: entity reference \"db\" must name a kind"},
		{"owner with an empty name", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: 'group:default/'}\n", false, "spec.owner: entity reference \"group:default/\" had missing or empty name"},
		{"system with an empty kind", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, system: ':x'}\n", false, "spec.system: entity reference"},
		{"a name with ':' parses as Backstage splits it", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, providesApis: ['api:payments:v2']}\n", true, ""},
		{"a name with '/' parses as Backstage splits it", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, dependsOn: ['component:default/foo/bar']}\n", true, ""},
		{"an empty namespace", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, dependsOn: ['component:/x']}\n", false, "had missing or empty namespace"},
		{"a dangling but well-formed ref is fine", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, dependsOn: ['resource:db']}\n", true, ""},
		{"an API, not a API", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec: {type: openapi, owner: t, definition: x}\n", false, "spec.lifecycle is required for an API"},
		{"link url not absolute", componentHead + "metadata: {name: a, links: [{url: www.example.com}]}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "metadata.links[0].url \"www.example.com\" is not a valid URL"},
		{"link url mailto", componentHead + "metadata: {name: a, links: [{url: 'mailto:team@example.com'}]}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"link without url", componentHead + "metadata: {name: a, links: [{title: x}]}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "metadata.links[0].url is required"},
		{"dependsOn not a list", componentHead + "metadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t, dependsOn: component:b}\n", false, "spec.dependsOn must be a list"},
		{"missing spec", componentHead + "metadata: {name: a}\n", false, "spec is missing"},
		{"missing apiVersion", "kind: Component\nmetadata: {name: a}\n", false, "apiVersion is missing"},
		{"bad kind", "apiVersion: backstage.io/v1alpha1\nkind: 9lives\nmetadata: {name: a}\n", false, "kind \"9lives\" is malformed"},
		{"built-in kind in the wrong case", "apiVersion: backstage.io/v1alpha1\nkind: component\nmetadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "did you mean \"Component\"? Kinds are matched exactly"},
		{"API spelt Api", "apiVersion: backstage.io/v1alpha1\nkind: Api\nmetadata: {name: a}\nspec: {type: openapi, lifecycle: p, owner: t, definition: x}\n", false, "did you mean \"API\"?"},
		{"built-in kind at a foreign apiVersion", "apiVersion: backstage.io/v1\nkind: Component\nmetadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t}\n", false, "Component at apiVersion \"backstage.io/v1\" is not one Backstage defines"},
		{"a v1beta2 template", "apiVersion: backstage.io/v1beta2\nkind: Template\nmetadata: {name: a}\nspec: {type: service, steps: []}\n", false, "use scaffolder.backstage.io/v1beta3"},
		{"component at v1beta1", "apiVersion: backstage.io/v1beta1\nkind: Component\nmetadata: {name: a}\nspec: {type: s, lifecycle: p, owner: t}\n", true, ""},
		{"a kind of the organisation's own", "apiVersion: acme.com/v1\nkind: Website\nmetadata: {name: a}\n", true, ""},
		{"unknown kind kept", "apiVersion: example.com/v1\nkind: Environment\nmetadata: {name: a}\nspec: {anything: 1}\n", true, ""},
		{"group needs children", "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team}\n", false, "spec.children is required"},
		{"group empty children ok", "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n", true, ""},
		{"user needs memberOf", "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u}\nspec: {profile: {email: a@b}}\n", false, "spec.memberOf is required"},
		{"user profile email empty", "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u}\nspec: {memberOf: [], profile: {email: ''}}\n", false, "spec.profile.email must be a non-empty string"},
		{"api needs definition", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec: {type: openapi, lifecycle: p, owner: t}\n", false, "spec.definition is required"},
		{"mcp server api needs remotes not definition", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec: {type: mcp-server, lifecycle: p, owner: t, remotes: [{type: sse, url: 'http://x'}]}\n", true, ""},
		{"location bad presence", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {presence: maybe}\n", false, "spec.presence must be \"required\" or \"optional\""},
		{"v1beta1 accepted", "apiVersion: backstage.io/v1beta1\nkind: System\nmetadata: {name: s}\nspec: {owner: t}\n", true, ""},
		{"module placeholder kept", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec: {type: openapi, lifecycle: p, owner: t, definition: {$openapi: ./x.yaml}}\n", true, ""},
		{"json schema $ref is data, not a placeholder", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [], parameters: {properties: {a: {$ref: '#/x'}}}}\n", true, ""},
		{"template", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, parameters: [{title: a}], steps: [{id: x, action: debug:log, if: true}], output: {links: [{title: Repo, url: x}]}}\n", true, ""},
		{"template step without action", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [{id: x}]}\n", false, "spec.steps[0].action is required"},
		{"template parameters scalar", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [], parameters: 5}\n", false, "spec.parameters must be a map or a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := loadString(t, "x.yaml", tc.src)
			if len(res.Documents) != 1 {
				t.Fatalf("got %d documents", len(res.Documents))
			}
			d := res.Documents[0]
			if d.Valid != tc.valid {
				t.Fatalf("valid = %v, want %v; errors %q", d.Valid, tc.valid, d.Errors)
			}
			if !tc.valid && !strings.Contains(d.Errors[0], tc.want) {
				t.Errorf("first error %q does not contain %q (all: %q)", d.Errors[0], tc.want, d.Errors)
			}
		})
	}
}

func TestUnknownKindIsKeptWithAWarning(t *testing.T) {
	res := loadString(t, "x.yaml", "apiVersion: backstage.io/v1alpha1\nkind: AiResource\nmetadata: {name: skill}\nspec: {type: skill}\n")
	if len(res.Entities) != 1 || res.Entities[0].Known {
		t.Fatalf("entities %+v", res.Entities)
	}
	if len(res.Problems) != 1 || res.Problems[0].Severity != Warning || !strings.Contains(res.Problems[0].String(), "x.yaml:2:7: warning: kind \"AiResource\"") {
		t.Errorf("problems %v", res.Problems)
	}
}

func TestPlaceholdersResolveBesideTheFile(t *testing.T) {
	res := LoadFS(t.Context(), mapFS{
		"apis/a.yaml":     "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec:\n  type: openapi\n  lifecycle: p\n  owner: t\n  definition:\n    $text: ./a.oas.yaml\n",
		"apis/a.oas.yaml": "openapi: 3.0.0\n",
		"apis/b.yaml":     "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: b}\nspec:\n  type: openapi\n  lifecycle: p\n  owner: t\n  definition:\n    $text: ./missing.yaml\n",
		"apis/c.yaml":     "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: c}\nspec:\n  type: openapi\n  lifecycle: p\n  owner: t\n  definition: {$text: 'https://example.com/x.yaml'}\n",
	}.fs(), []string{"apis"}, LoadOptions{})
	if len(res.Entities) != 3 {
		t.Fatalf("got %d entities (problems %v)", len(res.Entities), res.Problems)
	}
	if got := res.Entities[0].SpecString("definition"); got != "openapi: 3.0.0\n" {
		t.Errorf("definition = %q", got)
	}
	var warns []string
	for _, p := range res.Problems {
		if p.Severity == Warning {
			warns = append(warns, p.String())
		}
	}
	if len(warns) != 2 || !strings.HasPrefix(warns[0], "apis/b.yaml:9:12: warning: spec.definition: $text ./missing.yaml cannot be read") || !strings.Contains(warns[1], "was not fetched") {
		t.Errorf("warnings %q", warns)
	}
	if len(res.Skipped) != 1 || !strings.HasPrefix(res.Skipped[0], "apis/a.oas.yaml: skipped") {
		t.Errorf("skipped %q", res.Skipped)
	}
}

// A document's problems come in file order, whatever order the checks ran in.
func TestProblemsOfADocumentReadDownTheFile(t *testing.T) {
	res := loadString(t, "x.yaml", componentHead+"metadata:\n  name: a\n  annotations:\n    'my annotation': x\n    'a/b/c': y\n    z.example.com/ok: 5\nspec: {type: s, lifecycle: p, owner: t}\n")
	var lines []int
	for _, p := range res.Problems {
		lines = append(lines, p.Pos.Line)
	}
	if len(lines) != 3 || !slices.IsSorted(lines) {
		t.Fatalf("problem lines %v, want 3 in file order: %v", lines, res.Problems)
	}
}

// TestIssue19DescriptorsThatAreNotEntities: Backstage accepts an empty
// annotations map; YAML that is no descriptor and a template skeleton each
// get one error saying what they are.
func TestIssue19DescriptorsThatAreNotEntities(t *testing.T) {
	res := loadString(t, "x.yaml", componentHead+"metadata:\n  name: a\n  annotations:\nspec: {type: s, lifecycle: p, owner: t}\n")
	if len(res.Entities) != 1 || len(res.Problems) != 0 {
		t.Errorf("null annotations: entities %d, problems %v", len(res.Entities), res.Problems)
	}
	res = loadString(t, "x.yaml", componentHead+"metadata:\n  name: a\n  labels:\nspec: {type: s, lifecycle: p, owner: t}\n")
	if len(errorsOf(res)) != 1 {
		t.Errorf("null labels are still refused: %v", res.Problems)
	}
	cases := []struct{ name, src, want string }{
		{"CI workflow", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n", "x.yaml:1:1: this is not a Backstage descriptor: it has no apiVersion or kind (its top-level fields are on, jobs)"},
		{"Helm values", "replicaCount: 1\nimage:\n  repository: nginx\nservice: {port: 80}\n", "x.yaml:1:1: this is not a Backstage descriptor: it has no apiVersion or kind (its top-level fields are replicaCount, image, service)"},
		{"nunjucks skeleton", componentHead + "metadata:\n  name: ${{ values.name | dump }}\n  description: ${{ values.description }}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: ${{ values.owner | dump }}\n",
			`x.yaml:4:9: this is an unrendered Software Template skeleton (metadata.name is "${{ values.name | dump }}"), not an entity`},
		{"cookiecutter skeleton", componentHead + "metadata:\n  name: \"{{ cookiecutter.component_id }}\"\nspec:\n  type: website\n  owner: \"{{ cookiecutter.owner }}\"\n",
			`x.yaml:4:9: this is an unrendered Software Template skeleton (metadata.name is "{{ cookiecutter.component_id }}")`},
	}
	for _, c := range cases {
		res := loadString(t, "x.yaml", c.src)
		errs := errorsOf(res)
		if len(errs) != 1 || !strings.HasPrefix(errs[0], c.want) {
			t.Errorf("%s: errors %q, want one: %s", c.name, errs, c.want)
		}
	}
}
