package catalog_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

func TestFuzzyFindsTyposPartialNamesAndTitles(t *testing.T) {
	s := catalog.Build(catalog.LoadFS(t.Context(), nil, nil, catalog.LoadOptions{}), &catalog.Result{Entities: []*catalog.Entity{
		{Kind: "Component", Known: true, Metadata: catalog.Metadata{Name: "payments-api", Namespace: "default", Title: "Payments Gateway"}},
		{Kind: "Component", Known: true, Metadata: catalog.Metadata{Name: "payroll", Namespace: "default"}},
		{Kind: "Group", Known: true, Metadata: catalog.Metadata{Name: "team-checkout", Namespace: "default", Title: "Checkout Crew"}},
		{Kind: "System", Known: true, Metadata: catalog.Metadata{Name: "ledger", Namespace: "default"}},
	}})
	tests := []struct {
		q, want string
	}{
		{"payments-api", "payments-api"},
		{"PAYMENTS-API", "payments-api"},
		{"paymnets-api", "payments-api"}, // typo
		{"pay", "payments-api"},          // prefix (shorter name wins? both start with pay)
		{"gateway", "payments-api"},      // title word
		{"checkout", "team-checkout"},    // partial name
		{"checkout crew", "team-checkout"},
		{"ledgr", "ledger"},
	}
	for _, tc := range tests {
		got := s.Fuzzy(tc.q, 3)
		if len(got) == 0 {
			t.Errorf("Fuzzy(%q) found nothing", tc.q)
			continue
		}
		if tc.q == "pay" {
			if n := got[0].Entity.Metadata.Name; n != "payroll" && n != "payments-api" {
				t.Errorf("Fuzzy(pay) best = %s", n)
			}
			continue
		}
		if got[0].Entity.Metadata.Name != tc.want {
			t.Errorf("Fuzzy(%q) best = %s (%.2f), want %s", tc.q, got[0].Entity.Metadata.Name, got[0].Score, tc.want)
		}
	}
	if got := s.Fuzzy("payments-api", 1); got[0].Score != 1 {
		t.Errorf("exact name scored %.2f, want 1", got[0].Score)
	}
	if got := s.Fuzzy("zzzzqqq", 5); len(got) != 0 {
		t.Errorf("nonsense matched %v", got[0].Entity.Ref())
	}
}

func TestWalkReachesTransitiveDependentsOnce(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 3000, Seed: 5, HubDependents: 400})
	hub := catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName}
	got := s.Walk(hub, []string{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy}, 0)
	comps := 0
	seen := map[string]bool{}
	lastDepth := 0
	for _, r := range got {
		if seen[r.Entity.Ref().Key()] {
			t.Fatalf("%s reached twice", r.Entity.Ref())
		}
		seen[r.Entity.Ref().Key()] = true
		if r.Depth < lastDepth {
			t.Fatalf("not breadth first: depth %d after %d", r.Depth, lastDepth)
		}
		lastDepth = r.Depth
		if r.Entity.Ref().Kind == catalog.KindComponent {
			comps++
		}
	}
	if comps != 400 {
		t.Errorf("reached %d components, want 400", comps)
	}
	if one := s.Walk(hub, []string{catalog.RelDependencyOf}, 1); len(one) == 0 || one[len(one)-1].Depth != 1 {
		t.Errorf("maxDepth 1 gave %d results", len(one))
	}
}

func TestIndexesAnswerLookups(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 500, Seed: 9})
	for _, e := range s.Entities()[:50] {
		r := e.Ref()
		upper := catalog.Ref{Kind: strings.ToUpper(r.Kind), Namespace: r.Namespace, Name: strings.ToUpper(r.Name)}
		if got, ok := s.Get(upper); !ok || got != e {
			t.Fatalf("Get(%s) case-insensitively failed", upper)
		}
		if !containsEntity(s.ByName(strings.ToUpper(e.Metadata.Name)), e) {
			t.Fatalf("ByName(%s) misses it", e.Metadata.Name)
		}
		if slug := e.Annotation(catalog.AnnotationProjectSlug); slug != "" && !containsEntity(s.ByAnnotation(catalog.AnnotationProjectSlug, strings.ToUpper(slug)), e) {
			t.Fatalf("ByAnnotation(%s) misses it", slug)
		}
		for _, o := range e.RelationTargets(catalog.RelOwnedBy) {
			if !containsEntity(s.OwnedBy(o), e) {
				t.Fatalf("OwnedBy(%s) misses %s", o, r)
			}
		}
	}
}

func containsEntity(list []*catalog.Entity, e *catalog.Entity) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

func TestGeneratedYAMLParsesValidAndMatchesEntities(t *testing.T) {
	dir := t.TempDir()
	opts := catalogtest.Options{N: 400, Seed: 11, HubDependents: 50, PerFile: 40}
	if _, err := catalogtest.WriteDir(dir, opts); err != nil {
		t.Fatal(err)
	}
	res := catalog.LoadPaths(t.Context(), []string{dir})
	if !res.Valid() || len(res.Entities) != 400 {
		t.Fatalf("%d entities, problems %v", len(res.Entities), res.Problems[:min(5, len(res.Problems))])
	}
	s := catalog.Build(res)
	for _, p := range s.Problems() {
		t.Errorf("problem: %s", p)
	}
}

// BenchmarkLoad100k parses, validates and indexes 100,000 entities (~1 KB of
// YAML each), reporting the live heap after the build.
func BenchmarkLoad100k(b *testing.B) {
	benchLoad(b, 100_000)
}

func BenchmarkLoad10k(b *testing.B) { benchLoad(b, 10_000) }

// BenchmarkLoad1M is the million: go test ./catalog -run '^$' -bench Load1M -benchtime 1x
// (it writes about 1 GB of YAML to a temporary directory first).
func BenchmarkLoad1M(b *testing.B) { benchLoad(b, 1_000_000) }

func benchLoad(b *testing.B, n int) {
	dir := b.TempDir()
	if _, err := catalogtest.WriteDir(dir, catalogtest.Options{N: n, Seed: 1, PerFile: 200}); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	resetPeakRSS()
	b.ResetTimer()
	var s *catalog.Snapshot
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		s = nil
		runtime.GC()
		before := cpuTime()
		res := catalog.LoadPaths(b.Context(), []string{dir})
		s = catalog.Build(res)
		cpu += cpuTime() - before
	}
	b.StopTimer()
	// The process's CPU time (all threads, GC included) per load: on a
	// shared machine it says more about the work done than the wall clock.
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMB")
	if peak := peakRSS(); peak > 0 {
		// The process's peak resident memory since the files were written:
		// the goal is under twice the live heap.
		b.ReportMetric(float64(peak)/(1<<20), "peakRSS-MB")
	}
	if s.Len() != n {
		b.Fatalf("loaded %d entities", s.Len())
	}
}

// resetPeakRSS starts the process's peak RSS (VmHWM) again from its
// current RSS (Linux; elsewhere nothing).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM in bytes, 0 when unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var sink any

func BenchmarkGet100k(b *testing.B) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100_000, Seed: 1})
	refs := make([]catalog.Ref, 1024)
	for i := range refs {
		refs[i] = s.Entities()[i*97%s.Len()].Ref()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, _ := s.Get(refs[i&1023])
		sink = e
	}
}

func BenchmarkFuzzy100k(b *testing.B) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100_000, Seed: 1})
	var qs []string
	for i := 0; i < 64; i++ {
		name := s.Entities()[i*1531%s.Len()].Metadata.Name
		switch i % 4 {
		case 0:
			qs = append(qs, name)
		case 1: // typo: swap two letters
			r := []byte(name)
			if len(r) > 3 {
				r[1], r[2] = r[2], r[1]
			}
			qs = append(qs, string(r))
		case 2:
			qs = append(qs, name[:len(name)/2])
		default:
			qs = append(qs, strings.ReplaceAll(name, "-", " "))
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = s.Fuzzy(qs[i%len(qs)], 5)
	}
}

func BenchmarkWalk10kDependents(b *testing.B) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 100_000, Seed: 1, HubDependents: 10_000})
	hub := catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName}
	rels := []string{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = s.Walk(hub, rels, 0)
	}
}

func TestSnapshotServesConcurrentReadersWhileSwapped(t *testing.T) {
	st := catalog.NewStore(catalogtest.Snapshot(catalogtest.Options{N: 300, Seed: 1}))
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				s := st.Current()
				e := s.Entities()[i%s.Len()]
				if got, ok := s.Get(e.Ref()); !ok || got != e {
					t.Errorf("Get(%s) failed", e.Ref())
					return
				}
				s.Fuzzy(e.Metadata.Name[:len(e.Metadata.Name)-1], 3)
				s.Walk(e.Ref(), []string{catalog.RelOwnerOf, catalog.RelHasPart}, 2)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		st.Swap(catalogtest.Snapshot(catalogtest.Options{N: 300, Seed: uint64(i)}))
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	if st.Current().Version() != 6 {
		t.Errorf("version %d after 6 swaps", st.Current().Version())
	}
}
