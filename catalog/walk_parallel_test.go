package catalog

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// serialWalk is the walk LoadFS did before it read directories in
// parallel: fs.WalkDir, hidden directories and node_modules skipped.
func serialWalk(fsys fs.FS, root string) []string {
	var found []string
	_ = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return fs.SkipDir
			}
			return nil
		}
		if isDescriptorName(p) {
			found = append(found, p)
		}
		return nil
	})
	return found
}

func TestParallelWalkFindsWhatWalkDirFindsInItsOrder(t *testing.T) {
	m := fstest.MapFS{}
	for i := range 300 {
		repo := fmt.Sprintf("org/repo-%03d", (i*37)%300)
		m[repo+"/catalog-info.yaml"] = &fstest.MapFile{Data: []byte("kind: Component\n")}
		m[repo+"/README.md"] = &fstest.MapFile{Data: []byte("x")}
		if i%7 == 0 {
			m[repo+"/docs/api.json"] = &fstest.MapFile{Data: []byte("{}")}
			m[repo+"/docs/deep/er/x.yml"] = &fstest.MapFile{Data: []byte("{}")}
		}
		if i%11 == 0 {
			m[repo+"/.github/workflow.yaml"] = &fstest.MapFile{Data: []byte("{}")}
			m[repo+"/node_modules/pkg/package.json"] = &fstest.MapFile{Data: []byte("{}")}
			m[repo+"/.hidden.yaml"] = &fstest.MapFile{Data: []byte("{}")}
		}
	}
	m["org/all.yaml"] = &fstest.MapFile{Data: []byte("{}")}
	m["org/Z.yaml"] = &fstest.MapFile{Data: []byte("{}")}
	for _, root := range []string{".", "org", "org/repo-007"} {
		want := serialWalk(m, root)
		got, probs, err := walkDescriptors(context.Background(), m, root, LoadOptions{})
		if err != nil || len(probs) > 0 {
			t.Fatalf("%s: %v %v", root, err, probs)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: walked\n%v\nwant (fs.WalkDir)\n%v", root, got, want)
		}
		if len(want) == 0 {
			t.Fatalf("%s: nothing found", root)
		}
	}
}

func TestParallelWalkStopsWhenCancelled(t *testing.T) {
	m := fstest.MapFS{"a/b.yaml": &fstest.MapFile{Data: []byte("{}")}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := walkDescriptors(ctx, m, ".", LoadOptions{}); err == nil {
		t.Fatal("a cancelled walk reported no error")
	}
}

// BenchmarkWalkRepoDirs10k walks 10,000 repository directories, each with
// its catalog-info.yaml and a few other files, on disk.
func BenchmarkWalkRepoDirs10k(b *testing.B) {
	dir := b.TempDir()
	for i := range 10_000 {
		repo := filepath.Join(dir, fmt.Sprintf("repo-%05d", i))
		if err := os.MkdirAll(filepath.Join(repo, "src"), 0o755); err != nil {
			b.Fatal(err)
		}
		for _, f := range []string{"catalog-info.yaml", "README.md", "src/main.go"} {
			if err := os.WriteFile(filepath.Join(repo, f), []byte("x"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	fsys := os.DirFS(dir)
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if n := len(serialWalk(fsys, ".")); n != 10_000 {
				b.Fatal(n)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		for b.Loop() {
			found, _, _ := walkDescriptors(context.Background(), fsys, ".", LoadOptions{})
			if len(found) != 10_000 || path.Base(found[0]) != "catalog-info.yaml" {
				b.Fatal(len(found))
			}
		}
	})
}
