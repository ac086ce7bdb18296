package docs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// synthSite writes a site of n pages in a Zipf-distributed vocabulary, each
// with headings, lists, a table, links, a code block and an admonition, so
// the index sees what real pages hold.
func synthSite(n int, seed uint64) (Site, []string, int) {
	r := rand.New(rand.NewPCG(seed, 7))
	vocab := make([]string, 20000)
	for i := range vocab {
		l := 3 + r.IntN(8)
		b := make([]byte, l)
		for j := range b {
			b[j] = "abcdefghijklmnoprstuvwy"[r.IntN(23)]
		}
		vocab[i] = string(b)
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	word := func() string { return vocab[zipf.Uint64()] }
	sentence := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = word()
		}
		return strings.Join(w, " ") + "."
	}
	fsys := fstest.MapFS{"mkdocs.yml": {Data: []byte("site_name: Synthetic\nnav:\n  - Home: index.md\n")}}
	size := 0
	for p := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "# %s %s\n\n%s %s\n\n", word(), word(), sentence(12), sentence(15))
		for s := range 5 {
			fmt.Fprintf(&b, "## %s %s %d\n\n", word(), word(), s)
			fmt.Fprintf(&b, "%s [%s](other.md#x) %s **%s** `%s`.\n\n", sentence(20), word(), sentence(18), word(), word())
			fmt.Fprintf(&b, "- %s\n- %s\n\n", sentence(8), sentence(8))
			if s%2 == 0 {
				fmt.Fprintf(&b, "| a | b |\n|---|---|\n| %s | %s |\n\n", word(), word())
				fmt.Fprintf(&b, "```yaml\n%s: %s\n```\n\n", word(), word())
			} else {
				fmt.Fprintf(&b, "!!! note \"%s\"\n    %s\n\n", word(), sentence(10))
			}
		}
		size += b.Len()
		fsys[fmt.Sprintf("docs/section%d/page%d.md", p%50, p)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	queries := make([]string, 500)
	for i := range queries {
		k := 1 + r.IntN(4)
		w := make([]string, k)
		for j := range w {
			w[j] = vocab[r.IntN(2000)]
		}
		switch i % 5 {
		case 0: // still typing the last word
			last := w[k-1]
			w[k-1] = last[:max(2, len(last)-2)]
		case 1: // a typo
			b := []byte(w[0])
			if len(b) >= 5 {
				b[2], b[3] = b[3], b[2]
			}
			w[0] = string(b)
		}
		queries[i] = strings.Join(w, " ")
		if i%5 != 0 {
			queries[i] += " "
		}
	}
	return Site{Name: "Synthetic", FS: fsys, Dir: ".", Source: "synthetic"}, queries, size
}

func BenchmarkBuild5000Pages(b *testing.B) {
	site, _, size := synthSite(5000, 1)
	b.SetBytes(int64(size))
	var heap float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ix, probs := Build(context.Background(), []Site{site}, BuildOptions{})
		if len(probs) > 0 || ix.Stats().Pages != 5000 {
			b.Fatalf("pages %d, problems %v", ix.Stats().Pages, probs)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapAlloc) - float64(before.HeapAlloc)
		runtime.KeepAlive(ix)
	}
	b.ReportMetric(heap/float64(size), "heap/text")
	b.ReportMetric(float64(size), "text-bytes")
}

func BenchmarkSearch5000Pages(b *testing.B) {
	site, queries, _ := synthSite(5000, 1)
	ix, _ := Build(context.Background(), []Site{site}, BuildOptions{})
	latencies(b, queries, func(q string) { ix.Search(q, SearchOptions{Limit: 10}) })
}

// latencies runs each query, timing it by the wall clock and by the CPU
// time of its thread (which other work on a shared machine does not
// inflate), and reports p50 and p99 of both.
func latencies(b *testing.B, queries []string, search func(q string)) {
	var lat, cpu []time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		i++
		c := threadCPU()
		t := time.Now()
		search(q)
		lat = append(lat, time.Since(t))
		cpu = append(cpu, time.Duration(threadCPU()-c))
	}
	for _, l := range [][]time.Duration{lat, cpu} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds()), "cpu-p50-µs")
	b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds()), "cpu-p99-µs")
}
