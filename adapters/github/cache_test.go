package github

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
)

// cachedOrg fills srv with an organisation of n repositories, each with a
// catalog-info.yaml, one in ten also with a TechDocs site of one page
// (dir: ref: a tree call, mkdocs.yml and the page).
func cachedOrg(srv *githubtest.Server, n int) {
	for i := range n {
		name := fmt.Sprintf("svc-%03d", i)
		files := map[string]string{"catalog-info.yaml": component(name, "team-a"), "main.go": "package main\n"}
		if i%10 == 0 {
			files["catalog-info.yaml"] = strings.Replace(files["catalog-info.yaml"], "metadata:\n", "metadata:\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n", 1)
			files["mkdocs.yml"] = "site_name: " + name + "\n"
			files["docs/index.md"] = "# " + name + "\n\nHow to run " + name + ".\n"
		}
		srv.AddRepo("acme", name, files)
	}
}

// cliRun is one command-line process: a new client (nothing in memory)
// over the shared disk cache.
func cliRun(t testing.TB, srv *githubtest.Server, cache *DiskCache) (int, time.Duration) {
	t.Helper()
	return cliRunWith(t, srv, cache, OrgOptions{})
}

func cliRunWith(t testing.TB, srv *githubtest.Server, cache *DiskCache, opts OrgOptions) (int, time.Duration) {
	t.Helper()
	c := newTestClient(t, srv)
	if cache != nil {
		c.UseCache(cache)
	}
	src, err := NewSourceFromSpec(c, "github:acme", opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Entities), time.Since(start)
}

// TestDiskCacheSecondRunIsConditional is issue 22's measure: against an
// organisation of 100 repositories, a first command-line run makes at most
// 3 requests per repository, and a second one (a new process, the same
// cache folder) asks conditionally: at least 95% of its answers are 304.
func TestDiskCacheSecondRunIsConditional(t *testing.T) {
	const repos = 100
	srv := githubtest.New(t)
	cachedOrg(srv, repos)
	cache, err := NewDiskCache(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}

	n, first := cliRun(t, srv, cache)
	if n != repos {
		t.Fatalf("first run: %d entities, want %d", n, repos)
	}
	firstCalls := srv.Requests()
	if per := float64(firstCalls) / repos; per > 3 {
		t.Fatalf("first run: %d requests, %.2f per repository, want at most 3: %v", firstCalls, per, srv.Calls())
	}
	rateAfterFirst := srv.RateRemaining()

	srv.ResetCalls()
	n, second := cliRun(t, srv, cache)
	if n != repos {
		t.Fatalf("second run: %d entities, want %d", n, repos)
	}
	ratio := float64(srv.NotModified()) / float64(srv.Requests())
	if ratio < 0.95 {
		t.Fatalf("second run: %d of %d answers were 304 (%.1f%%), want at least 95%%: %v", srv.NotModified(), srv.Requests(), 100*ratio, srv.Calls())
	}
	secondCalls := srv.Requests()
	if used := rateAfterFirst - srv.RateRemaining(); used > repos/20 {
		t.Fatalf("second run used %d of the rate limit, want 304s that cost nothing", used)
	}

	// Without the cache a second process reads everything again.
	srv.ResetCalls()
	cliRun(t, srv, nil)
	if srv.NotModified() != 0 {
		t.Fatalf("a run without a cache got %d 304s", srv.NotModified())
	}

	// A change is still seen: the changed file's ETag no longer matches.
	srv.Push("acme", "svc-007", "main", map[string]string{"catalog-info.yaml": component("svc-007", "team-z")}, nil)
	c := newTestClient(t, srv)
	c.UseCache(cache)
	src, _ := NewSourceFromSpec(c, "github:acme/svc-007", OrgOptions{})
	res, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entities) != 1 || res.Entities[0].Spec["owner"] != "team-z" {
		t.Fatalf("after a push the cached run read %+v, want owner team-z", res.Entities)
	}
	t.Logf("100 repositories: first run %d requests (%.2f per repository) in %v; second run %d requests, %.1f%% 304, in %v",
		firstCalls, float64(firstCalls)/repos, first.Round(time.Millisecond), secondCalls, 100*ratio, second.Round(time.Millisecond))
}

// TestDiskCacheTrustsAnUnchangedListing: with TrustUnchangedAfter, a
// repository whose listing entry is the one recorded at its last read is
// read from the cache without a request; a push changes the listing and
// the repository is read again; a read that came too soon after the last
// push is not trusted.
func TestDiskCacheTrustsAnUnchangedListing(t *testing.T) {
	const repos = 100
	srv := githubtest.New(t)
	cachedOrg(srv, repos)
	for i := range 5 { // no catalog file: a 404 GitHub sends without an ETag
		srv.AddRepo("acme", fmt.Sprintf("tool-%d", i), map[string]string{"main.go": "package main\n"})
	}
	cache, _ := NewDiskCache(t.TempDir(), 0)

	// Pushed just now: an hour's margin trusts nothing.
	cliRunWith(t, srv, cache, OrgOptions{TrustUnchangedAfter: time.Hour})
	srv.ResetCalls()
	cliRunWith(t, srv, cache, OrgOptions{TrustUnchangedAfter: time.Hour})
	if n := srv.Requests(); n < repos+5 {
		t.Fatalf("a read within the margin was trusted: %d requests for %d repositories", n, repos)
	}

	opts := OrgOptions{TrustUnchangedAfter: time.Nanosecond}
	cliRunWith(t, srv, cache, opts) // records the listings
	srv.ResetCalls()
	n, second := cliRunWith(t, srv, cache, opts)
	if n != repos || srv.Requests() != 2 {
		t.Fatalf("unchanged organisation: %d entities with %d requests, want %d with 2 (the listing's pages): %v", n, srv.Requests(), repos, srv.Calls())
	}
	calls := srv.Requests()

	time.Sleep(1100 * time.Millisecond) // pushed_at has one-second resolution
	srv.Push("acme", "svc-042", "main", map[string]string{"catalog-info.yaml": component("svc-042", "team-z")}, nil)
	srv.ResetCalls()
	c := newTestClient(t, srv)
	c.UseCache(cache)
	src, _ := NewSourceFromSpec(c, "github:acme", opts)
	res, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]any{}
	for _, e := range res.Entities {
		owners[e.Metadata.Name] = e.Spec["owner"]
	}
	if owners["svc-042"] != "team-z" || owners["svc-041"] != "team-a" {
		t.Fatalf("after a push: svc-042 owner %v, svc-041 owner %v", owners["svc-042"], owners["svc-041"])
	}
	if srv.Requests() > 3 {
		t.Fatalf("one pushed repository cost %d requests: %v", srv.Requests(), srv.Calls())
	}
	t.Logf("105 unchanged repositories (5 without a catalog file) read from the cache with %d requests in %v", calls, second.Round(time.Millisecond))
}

// TestDiskCacheHoldsNoToken: entries are keyed and written by URL alone.
func TestDiskCacheHoldsNoToken(t *testing.T) {
	srv := githubtest.New(t)
	cachedOrg(srv, 3)
	dir := t.TempDir()
	cache, _ := NewDiskCache(dir, 0)
	cliRun(t, srv, cache)
	files := 0
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		files++
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(githubtest.DefaultToken)) {
			t.Errorf("%s holds the token", p)
		}
		if info, _ := e.Info(); info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", p, info.Mode())
		}
		return nil
	})
	if files == 0 {
		t.Fatal("nothing was cached")
	}
	// Safe to delete: a run after the folder is gone reads everything again.
	os.RemoveAll(dir)
	srv.ResetCalls()
	if n, _ := cliRun(t, srv, cache); n != 3 {
		t.Fatalf("after deleting the cache: %d entities", n)
	}
}

// TestDiskCacheConcurrentRuns: processes sharing the folder never see a
// half-written entry; a corrupt entry is a miss, not an error.
func TestDiskCacheConcurrentRuns(t *testing.T) {
	srv := githubtest.New(t)
	cachedOrg(srv, 20)
	dir := t.TempDir()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cache, _ := NewDiskCache(dir, 0)
			for range 3 {
				if n, _ := cliRun(t, srv, cache); n != 20 {
					t.Errorf("concurrent run: %d entities, want 20", n)
				}
			}
		}()
	}
	wg.Wait()
	// Corrupt every entry: the next run reads everything afresh.
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if strings.HasPrefix(e.Name(), ".tmp-") {
				t.Errorf("temporary file %s left behind", p)
			}
			os.WriteFile(p, []byte("garbage"), 0o600)
		}
		return nil
	})
	cache, _ := NewDiskCache(dir, 0)
	srv.ResetCalls()
	if n, _ := cliRun(t, srv, cache); n != 20 {
		t.Fatalf("after corruption: %d entities", n)
	}
	if srv.NotModified() != 0 {
		t.Fatalf("corrupt entries were used: %d 304s", srv.NotModified())
	}
}

// TestDiskCachePruneKeepsTheBound: the least recently used entries go first.
func TestDiskCachePruneKeepsTheBound(t *testing.T) {
	dir := t.TempDir()
	cache, _ := NewDiskCache(dir, 3000)
	body := bytes.Repeat([]byte("x"), 900)
	old := time.Now().Add(-time.Hour)
	for i := range 6 {
		u := fmt.Sprintf("https://api.example/repos/a/b/contents/f%d", i)
		cache.store(u, cached{etag: `"e"`, body: body})
		if i < 3 {
			os.Chtimes(cache.path(u), old, old)
		}
	}
	kept, err := cache.Prune()
	if err != nil {
		t.Fatal(err)
	}
	if kept > 3000 || cache.Size() != kept {
		t.Fatalf("kept %d bytes (size %d), want at most 3000", kept, cache.Size())
	}
	for i := range 6 {
		_, ok := cache.load(fmt.Sprintf("https://api.example/repos/a/b/contents/f%d", i))
		if i >= 3 && !ok {
			t.Errorf("recent entry f%d was pruned", i)
		}
		if i == 0 && ok {
			t.Errorf("oldest entry f0 survived")
		}
	}
}

// BenchmarkCLIRunCached times a command-line read of 100 repositories
// with a warm disk cache (every answer a 304).
func BenchmarkCLIRunCached(b *testing.B) {
	srv := githubtest.New(b)
	srv.SetRateLimit(1<<30, time.Hour)
	cachedOrg(srv, 100)
	cache, _ := NewDiskCache(b.TempDir(), 0)
	cliRun(b, srv, cache)
	srv.ResetCalls()
	b.ResetTimer()
	for range b.N {
		cliRun(b, srv, cache)
	}
	b.ReportMetric(float64(srv.Requests())/float64(b.N)/100, "requests/repo")
	b.ReportMetric(float64(srv.NotModified())/float64(srv.Requests())*100, "%304")
}

// BenchmarkCLIRunCold times the same read with no cache.
func BenchmarkCLIRunCold(b *testing.B) {
	srv := githubtest.New(b)
	srv.SetRateLimit(1<<30, time.Hour)
	cachedOrg(srv, 100)
	b.ResetTimer()
	for range b.N {
		cliRun(b, srv, nil)
	}
	b.ReportMetric(float64(srv.Requests())/float64(b.N)/100, "requests/repo")
}

// slowTransport adds a round trip's latency to every request, as the way
// to api.github.com has and the loopback fake has not.
type slowTransport struct{ d time.Duration }

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(s.d)
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkCLIRunCachedLatency times a warm-cache read of 300
// repositories with 30ms per request: the figure a person waits for;
// conditional: every file asked with If-None-Match; trusted: unchanged
// listings read from the cache (TrustUnchangedAfter, as the command line).
func BenchmarkCLIRunCachedLatency(b *testing.B) {
	b.Run("conditional", func(b *testing.B) { benchLatency(b, OrgOptions{}) })
	b.Run("trusted", func(b *testing.B) { benchLatency(b, OrgOptions{TrustUnchangedAfter: time.Nanosecond}) })
}

func benchLatency(b *testing.B, opts OrgOptions) {
	srv := githubtest.New(b)
	srv.SetRateLimit(1<<30, time.Hour)
	cachedOrg(srv, 300)
	cache, _ := NewDiskCache(b.TempDir(), 0)
	run := func() {
		c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: srv.URL, Retry: fastRetry, Transport: slowTransport{30 * time.Millisecond}})
		if err != nil {
			b.Fatal(err)
		}
		c.UseCache(cache)
		src, _ := NewSourceFromSpec(c, "github:acme", opts)
		if res, err := src.Load(context.Background()); err != nil || len(res.Entities) != 300 {
			b.Fatalf("%v, %d entities", err, len(res.Entities))
		}
	}
	run()
	srv.ResetCalls()
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.ReportMetric(float64(srv.Requests())/float64(b.N), "requests/run")
}
