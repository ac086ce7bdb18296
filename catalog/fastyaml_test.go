package catalog_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// yamlV3 parses chunk with yaml.v3 as parseChunk does; ok is false unless it
// holds exactly one document and no error.
func yamlV3(chunk []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(chunk))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		docs = append(docs, &n)
	}
	if len(docs) != 1 || docs[0].Kind != yaml.DocumentNode || len(docs[0].Content) != 1 {
		return nil, false
	}
	return docs[0].Content[0], true
}

// sameTree reports where two trees differ ("" when they are equal node for
// node, comments aside).
func sameTree(got, want *yaml.Node, path string) string {
	if got == nil || want == nil {
		if got != want {
			return path + ": one node is nil"
		}
		return ""
	}
	if got.Kind != want.Kind || got.Tag != want.Tag || got.Value != want.Value || got.Style != want.Style ||
		got.Line != want.Line || got.Column != want.Column || got.Anchor != want.Anchor || got.Alias != nil || want.Alias != nil {
		return fmt.Sprintf("%s: fast {%d %q %q style %d at %d:%d}, yaml.v3 {%d %q %q style %d at %d:%d anchor %q}", path,
			got.Kind, got.Tag, got.Value, got.Style, got.Line, got.Column,
			want.Kind, want.Tag, want.Value, want.Style, want.Line, want.Column, want.Anchor)
	}
	if len(got.Content) != len(want.Content) {
		return fmt.Sprintf("%s: fast has %d children, yaml.v3 %d", path, len(got.Content), len(want.Content))
	}
	for i := range got.Content {
		if d := sameTree(got.Content[i], want.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkFast holds fastParse to its contract for one chunk: it declines, or
// yaml.v3 parses the chunk without error to the very same tree. It reports
// whether the fast path handled the chunk.
func checkFast(t testing.TB, name string, chunk []byte) bool {
	t.Helper()
	return checkFastWith(t, catalog.FastParse, name, chunk)
}

func checkFastWith(t testing.TB, parse func([]byte) (*yaml.Node, bool), name string, chunk []byte) bool {
	t.Helper()
	got, ok := parse(chunk)
	if !ok {
		return false
	}
	if v := inText(got, chunk); v != "" {
		t.Fatalf("%s: value %q still points into the document's text (it would keep the whole file alive)", name, v)
	}
	want, vok := yamlV3(chunk)
	if !vok {
		t.Fatalf("%s: the fast path accepted a chunk yaml.v3 rejects or splits:\n%s", name, chunk)
	}
	if d := sameTree(got, want, ""); d != "" {
		t.Fatalf("%s: trees differ at %s\n%s", name, d, chunk)
	}
	return true
}

// inText returns a value of the tree whose bytes are still those of chunk.
func inText(n *yaml.Node, chunk []byte) string {
	if catalog.PointsInto(n.Value, chunk) {
		return n.Value
	}
	for _, c := range n.Content {
		if v := inText(c, chunk); v != "" {
			return v
		}
	}
	return ""
}

// chunks cuts data at document starts as SplitDocuments does.
func chunks(data []byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		ln := data[i:]
		if j >= 0 {
			ln, next = data[i:i+j], i+j+1
		}
		if bytes.HasPrefix(ln, []byte("---")) && (len(ln) == 3 || ln[3] == ' ' || ln[3] == '\t' || ln[3] == '\r') && i > start {
			out = append(out, data[start:i])
			start = i
		}
		i = next
	}
	return append(out, data[start:])
}

var fastCases = []string{
	"a: 1\nb: two\n",
	"a:\nb: 1\n",
	"a:\n",
	"a:",
	"a: x",
	"a:\n  \n",
	"a:\n# c\n",
	"a: x\nb:\n  c:\n",
	"a:\n- \n- b\n",
	"a:\n-\n  x: 1\n- b\n",
	"a: |\n  x\n\n  y\n\n",
	"a: |-\n  x\n   y\n",
	"a: |\n\n  x\n",
	"a: |\n  x\n  # not a comment\n# a comment\nb: 1\n",
	"a: >-\n  x\n  y\n\n  z\n",
	"a: >\n  x\n\n\n  y\n",
	"a: |\n    x\n  y: 1\n",
	"---\na: [x, \"y\"]\nb: {}\nc: []\n",
	"--- # doc\na: [ x , 'y z' ,3]\n",
	"k: é\nl: 2\nm: [é, ü]\n",
	"\"ké\": 'é'\nnext: é  # comment é\n",
	"- a: 1\n  b:\n- c\n",
	"-   a: 1\n    b: 2\n-\n  - x\n",
	"a: 'it''s'\nb: \"\\u00e9\\n\\t\\\\ \\\"q\\\" \\x41 \\U0001F600 \\/ \\0\"\n",
	"a: \"\\N\\_\\L\\P\\e\\a\\b\\v\\f\\r\"\n",
	"a: true\nb: False\nc: ~\nd: null\ne: NULL\nf: yes\ng: on\nh: 0\ni: 007\nj: 12\nk: 1.5\nl: 1.0.0\nm: 10m\nn: 2024-01-01\n",
	"a: -1\n", "a: .5\n", "a: +1\n", "a: <<\n", "<<: {}\n",
	"a: b: c\n",
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"? a\n: b\n",
	"a:\n\tb: 1\n",
	"a: 1\r\n",
	"a: 1\n b: 2\n",
	"a:\n  b: 1\n c: 2\n",
	"a: 1\n- b\n",
	"- a\nb: 1\n",
	"a: \"multi\n  line\"\n",
	"a: plain\n  continued\n",
	"a: [x,\n  y]\n",
	"a: {b: 1}\n",
	"a: [x,]\n",
	"a: [[x]]\n",
	"a: |+\n  x\n\n",
	"a: |2\n  x\n",
	"a: |\n",
	"a: |\n  x",
	"a: |\n      \n  x\n",
	"a: >\n  x\n    y\n",
	"a: \"x\" y\n",
	"a: 'x'#c\n",
	"a: x#c\n",
	"a: x #c\nb: y\n",
	"a : b\n",
	"a:b: c\n",
	"http://x: y\n",
	"%YAML 1.2\n---\na: 1\n",
	"a: 1\n...\n",
	"--- a\n",
	"\ufeffa: 1\n",
	"a: \u0085\n",
	"a: \u2028\n",
	"a: \x01\n",
	"a: \"\\ud800\"\n",
	"  a: 1\n  b: 2\n",
	"  a: 1\nb: 2\n",
	"a:\n  - x\n  - y\nb:\n- z\n",
	"[a, b]\n",
	"plain\n",
	"{\"a\": 1}\n",
	"a: @x\n", "a: `x\n", "a: %x\n", "a: ?x\n", "a: :x\n", "a: ,x\n",
	"a: x:y\n",
	"a: \"\"\nb: ''\n",
	"a: [\"\", '']\n",
	"'a''b': 1\n",
	"a: 1 # c\n# c\n\n",
	"a:\n  b:\n    c:\n      d: [1, 2]\n",
	"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    github.com/project-slug: a/b\nspec:\n  type: service\n  owner: team-a\n",
}

func TestFastYAMLMatchesYAMLv3OnCases(t *testing.T) {
	handled := 0
	for i, c := range fastCases {
		if checkFast(t, fmt.Sprintf("case %d", i), []byte(c)) {
			handled++
		}
	}
	// The subset must cover the ordinary cases, or the accelerator does nothing.
	for _, c := range []string{"a: 1\nb: two\n", "a:\n- \n- b\n", "a: |\n  x\n\n  y\n\n", "---\na: [x, \"y\"]\nb: {}\nc: []\n", "- a: 1\n  b:\n- c\n"} {
		if _, ok := catalog.FastParse([]byte(c)); !ok {
			t.Errorf("fast path declined %q", c)
		}
	}
	t.Logf("fast path handled %d of %d cases", handled, len(fastCases))
}

// TestFastYAMLMatchesYAMLv3OnFiles runs the differential check over every
// YAML file the repository has: the third-party corpora in the top-level
// testdata (Backstage's demo catalog and templates, MkDocs' site), the
// example organisation, every package's testdata, and a generated catalog.
func TestFastYAMLMatchesYAMLv3OnFiles(t *testing.T) {
	var files []string
	for _, root := range []string{".."} { // the whole repository
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 50 {
		t.Fatalf("found only %d YAML files: the walk is looking in the wrong place", len(files))
	}
	for _, must := range []string{"../testdata/backstage/all.yaml", "../testdata/software-templates/scaffolder-templates/docs-template/template.yaml", "../testdata/techdocs/mkdocs/mkdocs.yml", "../examples/org/all.yaml"} {
		if !slices.Contains(files, filepath.FromSlash(must)) {
			t.Errorf("the walk missed %s", must)
		}
	}
	dir := t.TempDir()
	if _, err := catalogtest.WriteDir(dir, catalogtest.Options{N: 2000, Seed: 3, HubDependents: 50, PerFile: 100}); err != nil {
		t.Fatal(err)
	}
	nfiles := len(files)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == nfiles {
		t.Fatal("the generated catalog has no files")
	}
	total, handled := 0, 0
	reused := catalog.ReusedFastParser() // as the loader parses: one parser for many documents
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range chunks(data) {
			total++
			if checkFast(t, fmt.Sprintf("%s doc %d", f, i), c) {
				handled++
			}
			checkFastWith(t, reused, fmt.Sprintf("%s doc %d, reusing the parser", f, i), c)
		}
	}
	t.Logf("fast path handled %d of %d documents in %d files", handled, total, len(files))
	if handled < total/2 {
		t.Errorf("fast path handled only %d of %d documents", handled, total)
	}
}

func FuzzFastYAML(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, "input", data)
	})
}

// blockNesting is a descriptor whose spec nests block maps depth deep.
func blockNesting(depth int) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n")
	for i := 0; i < depth; i++ {
		b.WriteString(strings.Repeat(" ", 2*(i+1)) + "k:\n")
	}
	b.WriteString(strings.Repeat(" ", 2*(depth+1)) + "leaf: 1\n")
	return b.String()
}

// TestLimitsHoldOnTheFastPath checks that documents the fast path parses
// still meet the depth and value limits, with the messages yaml.v3's trees
// get: the limits apply to the tree, whichever parser built it.
func TestLimitsHoldOnTheFastPath(t *testing.T) {
	// One flow list of 110,000 items: fewer structural characters than the
	// pre-parse check allows, more values than MaxValues.
	manyValues := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  list: [a" + strings.Repeat(", a", 110_000) + "]\n"
	tests := []struct {
		name, src, want string
	}{
		{"block nesting past MaxDepth", blockNesting(70), "nesting deeper than 64 levels"},
		{"more values than MaxValues", manyValues, "more than 100000 values"},
	}
	for _, tc := range tests {
		if _, ok := catalog.FastParse([]byte(tc.src)); !ok {
			t.Fatalf("%s: the fast path declined, so this does not test it", tc.name)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(tc.src), 0o644); err != nil {
			t.Fatal(err)
		}
		res := catalog.LoadPaths(t.Context(), []string{filepath.Join(dir, "x.yaml")})
		found := false
		for _, p := range res.Problems {
			found = found || strings.Contains(p.Message, tc.want)
		}
		if !found || res.Valid() {
			t.Errorf("%s: want a problem containing %q, got %v", tc.name, tc.want, res.Problems)
		}
	}
}
