package docs

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// pathologicalPages are inputs that made the Markdown stripper do work
// quadratic in the page: each returns a page of about n bytes.
var pathologicalPages = []struct {
	name string
	page func(n int) string
}{
	{"nested-brackets", func(n int) string { return strings.Repeat("[", n/2) + strings.Repeat("](", n/4) }},
	{"open-links", func(n int) string { return strings.Repeat("[a](", n/4) }},
	{"unclosed-brackets", func(n int) string { return strings.Repeat("[x ", n/3) }},
	{"nested-parens", func(n int) string { return "[a]" + strings.Repeat("(", n/2) + strings.Repeat(")", n/2-1) }},
	{"link-in-link", func(n int) string { return strings.Repeat("[", n/6) + strings.Repeat("a](b)", n/6) }},
	{"comments-on-a-line", func(n int) string { return strings.Repeat("<!--x-->", n/8) }},
	{"open-braces", func(n int) string { return strings.Repeat("{#", n/2) }},
	{"open-angles", func(n int) string { return strings.Repeat("<a ", n/3) }},
	{"backtick-runs", func(n int) string {
		var b strings.Builder
		for k := 1; b.Len() < n; k++ {
			b.WriteString(strings.Repeat("`", k) + " x ")
		}
		return b.String()
	}},
	{"underscores", func(n int) string { return strings.Repeat("_a ", n/3) }},
	{"heading-brackets", func(n int) string { return "# " + strings.Repeat("[", n/2) + "\n\ntext\n" }},
	{"many-headings", func(n int) string { return strings.Repeat("## a\n", n/5) }},
	{"setext-lines", func(n int) string { return strings.Repeat("a\n-\n", n/4) }},
}

// allocatedBy is the bytes f allocates: deterministic where time is not,
// and what a quadratic stripper ran out of.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// cpuOf is the least CPU time of the calling thread that f takes in five
// runs (0 where it is not measured): a ratio of two of them says how work
// grows, where a threshold on one would say how busy the machine is.
func cpuOf(f func()) int64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := int64(-1)
	for range 5 {
		c := threadCPU()
		f()
		if d := threadCPU() - c; best < 0 || d < best {
			best = d
		}
	}
	return best
}

// TestIndexingIsLinearInThePage indexes each pathological page at two sizes,
// 64 KB and 4× that, and holds the memory it takes to about 4× too, and
// its CPU time to well under the 16× a quadratic stripper takes (the
// margin is for a busy machine's caches).
func TestIndexingIsLinearInThePage(t *testing.T) {
	const small = 64 << 10
	for _, c := range pathologicalPages {
		t.Run(c.name, func(t *testing.T) {
			pageA, pageB := c.page(small), c.page(4*small)
			parseMarkdown(pageA) // warm up
			parseMarkdown(pageB)
			memA := allocatedBy(func() { parseMarkdown(pageA) })
			memB := allocatedBy(func() { parseMarkdown(pageB) })
			ratio := float64(memB) / float64(max(memA, 1))
			t.Logf("memory: %d B at %d KB, %d B at %d KB: ×%.1f", memA, len(pageA)>>10, memB, len(pageB)>>10, ratio)
			if ratio > 6 {
				t.Errorf("4× the page took %.1f× the memory (%d B → %d B): not linear", ratio, memA, memB)
			}
			cpuA := cpuOf(func() { parseMarkdown(pageA) })
			cpuB := cpuOf(func() { parseMarkdown(pageB) })
			if cpuA <= 0 {
				return // CPU time is not measured here
			}
			ratio = float64(cpuB) / float64(cpuA)
			t.Logf("CPU: %v, %v: ×%.1f", time.Duration(cpuA), time.Duration(cpuB), ratio)
			if ratio > 10 {
				t.Errorf("4× the page took %.1f× the CPU time (%v → %v): not linear", ratio, time.Duration(cpuA), time.Duration(cpuB))
			}
		})
	}
}

// BenchmarkPathologicalPages indexes each pathological page at 128 KB and
// 512 KB (the pages: 133 KB took 10 s and 450 MB, 266 KB 66 s).
func BenchmarkPathologicalPages(b *testing.B) {
	for _, c := range pathologicalPages {
		for _, n := range []int{128 << 10, 512 << 10} {
			page := c.page(n)
			fsys := fstest.MapFS{"mkdocs.yml": {Data: []byte("site_name: P\n")}, "docs/p.md": {Data: []byte(page)}}
			b.Run(fmt.Sprintf("%s/%dKB", c.name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(len(page)))
				for b.Loop() {
					ix, probs := Build(context.Background(), []Site{{Name: "P", FS: fsys, Dir: "."}}, BuildOptions{})
					if ix == nil || len(probs) > 0 {
						b.Fatal(probs)
					}
				}
			})
		}
	}
}
