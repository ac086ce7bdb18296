package catalog

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The converter makes metadata labels and annotations of strings the
// entity's map[string]string directly; anything else goes through
// map[string]any as it always did. Every document here must decode to the
// same entity, problems and positions either way.
func TestTypedLabelsDecodeAsReference(t *testing.T) {
	head := "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
	spec := "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
	cases := []string{
		"metadata:\n  name: a\n  labels:\n    tier: gold\n    x.io/y: z\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n",
		"metadata:\n  name: a\n  labels:\n    'bad key!': v\n    ok: 'Not Valid!'\n",
		"metadata:\n  name: a\n  labels:\n    n: 123\n    b: true\n    z: null\n    f: 1.5\n    s: '123'\n",
		"metadata:\n  name: a\n  labels:\n    m: {a: b}\n    l: [a]\n",
		"metadata:\n  name: a\n  labels:\n    a: x\n    a: y\n",
		"metadata:\n  name: a\n  annotations:\n    k: &v val\n    j: *v\n",
		"metadata:\n  name: a\n  labels: &lab\n    t: v\n" + spec[:len(spec)-1] + "\n  extra: *lab\n",
		"x: &meta\n  name: a\n  labels: {t: v}\nmetadata: *meta\n",
		"metadata:\n  name: a\n  labels: {}\n  annotations: {}\n",
		"metadata:\n  name: a\n  labels: {t: v, 'u': \"w\"}\n",
		"metadata:\n  name: a\n  labels:\n  annotations:\n",
		"metadata:\n  name: a\n  labels: [a, b]\n  annotations: text\n",
		"metadata:\n  name: a\n  labels:\n    t: v\n  labels:\n    u: w\n",
		"metadata:\n  name: a\n  labels:\n    [a]: b\n    c: d\n",
		"metadata:\n  name: a\n  labels:\n    s: !!str 1\n    i: !!int \"1\"\n    c: !custom x\n    l: |\n      text\n",
		"metadata:\n  name: a\n  labels:\n    t: v\nmetadata:\n  name: b\n  labels:\n    u: 1\n",
		"metadata:\n  name: a\n  annotations:\n    '1': yes\n    ~: ~\n",
	}
	for i, c := range cases {
		src := head + c
		if i != 6 {
			src += spec
		}
		docs := SplitDocuments("f.yaml", []byte(src))
		if len(docs) != 1 {
			t.Fatalf("case %d: %d documents", i, len(docs))
		}
		decode := func(typed bool) string {
			typedLabels = typed
			defer func() { typedLabels = true }()
			docs := SplitDocuments("f.yaml", []byte(src)) // a fresh tree: nothing shared between the decodes
			d := decodeDocument("f.yaml", docs[0], nil, "f.yaml", newAliasBudget(), &mapFree{})
			b, err := json.Marshal(d.entity)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%s\n%v\n%v %v", b, d.problems, d.valid, d.descriptor)
		}
		if got, want := decode(true), decode(false); got != want {
			t.Errorf("case %d:\n%s\ndecodes to\n%s\nnot as the reference\n%s", i, src, got, want)
		}
	}
}
