package redis

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

const entities = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    github.com/project-slug: acme/ledger
spec:
  type: service
  lifecycle: production
  owner: group:team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
spec:
  type: team
  children: []
`

func TestFollowersLoadEachPublishedSnapshot(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	leader := &SnapshotBus{C: client(t, s), Prefix: pfx}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := catalog.LoadFS(ctx, fstest.MapFS{"catalog-info.yaml": {Data: []byte(entities)}}, []string{"catalog-info.yaml"}, catalog.LoadOptions{})
	snap := catalog.Build(res)
	if snap.Len() != 2 {
		t.Fatalf("fixture has %d entities", snap.Len())
	}
	if _, _, err := leader.Load(ctx); err != ErrNoSnapshot {
		t.Fatalf("Load before publish = %v, want ErrNoSnapshot", err)
	}
	type got struct {
		v    int64
		snap *catalog.Snapshot
	}
	var followers []chan got
	for range 2 {
		ch := make(chan got, 4)
		followers = append(followers, ch)
		bus := &SnapshotBus{C: client(t, s), Prefix: pfx}
		ready := make(chan struct{})
		go func() {
			close(ready)
			_ = bus.Follow(ctx, func(v int64, s *catalog.Snapshot) { ch <- got{v, s} })
		}()
		<-ready
	}
	time.Sleep(200 * time.Millisecond) // let the subscriptions start
	v1, err := leader.Publish(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := leader.Publish(ctx, snap)
	if err != nil || v2 <= v1 {
		t.Fatalf("second version %d after %d, err %v", v2, v1, err)
	}
	for i, ch := range followers {
		var last got
		for last.v != v2 {
			select {
			case last = <-ch:
			case <-ctx.Done():
				t.Fatalf("follower %d never saw version %d (last %d)", i, v2, last.v)
			}
		}
		e, ok := last.snap.Get(catalog.MustParseRef("component:default/ledger"))
		if !ok || e.Metadata.Annotations["github.com/project-slug"] != "acme/ledger" || last.snap.Len() != 2 {
			t.Fatalf("follower %d snapshot lacks ledger or its annotation: %+v", i, e)
		}
		if got := last.snap.OwnedBy(catalog.MustParseRef("group:default/team-payments")); len(got) != 1 {
			t.Fatalf("follower %d: team-payments owns %d, want 1", i, len(got))
		}
	}
}

// A follower has no files beside the entities it loads, so the bundle
// carries the TechDocs sites; a follower's doc index must find the same
// sections as the leader's, and a site over the budget is named, not lost
// silently.
func TestBundleCarriesDocumentationToFollowers(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := catalog.LoadFS(ctx, fstest.MapFS{"catalog-info.yaml": {Data: []byte(entities)}}, []string{"catalog-info.yaml"}, catalog.LoadOptions{})
	snap := catalog.Build(res)
	siteFS := fstest.MapFS{
		"ledger/mkdocs.yml":               {Data: []byte("site_name: Ledger handbook\nnav:\n  - Home: index.md\n  - Runbook: runbook.md\n")},
		"ledger/docs/index.md":            {Data: []byte("# Ledger\n\nThe ledger keeps balances.\n")},
		"ledger/docs/runbook.md":          {Data: []byte("# Runbook\n\n## Reconciliation lag\n\nRestart the reconciler when the lag alarm fires.\n")},
		"ledger/docs/img/chart.png":       {Data: []byte("\x89PNG not carried")},
		"ledger/node_modules/x/README.md": {Data: []byte("# not docs\n")},
		"ledger/.github/ci.yaml":          {Data: []byte("on: push\n")},
		"big/mkdocs.yml":                  {Data: []byte("site_name: Big\n")},
		"big/docs/index.md":               {Data: []byte("# Big\n\n" + strings.Repeat("words ", 4000))},
	}
	sites := []docs.Site{
		{Name: "Ledger handbook", Entity: catalog.MustParseRef("component:default/ledger"), FS: siteFS, Dir: "ledger", Source: "https://github.com/acme/ledger/blob/main"},
		{Name: "Big", FS: siteFS, Dir: "big"},
	}
	leader := &SnapshotBus{C: client(t, s), Prefix: pfx, MaxDocBytes: 4096}
	v, err := leader.PublishBundle(ctx, Bundle{Snapshot: snap, Sites: sites})
	if err != nil {
		t.Fatal(err)
	}
	follower := &SnapshotBus{C: client(t, s), Prefix: pfx}
	got, gv, err := follower.LoadBundle(ctx)
	if err != nil || gv != v {
		t.Fatalf("LoadBundle = v%d, %v; want v%d", gv, err, v)
	}
	if got.Snapshot.Len() != 2 {
		t.Fatalf("follower snapshot has %d entities, want 2", got.Snapshot.Len())
	}
	if len(got.Sites) != 1 || got.Sites[0].Entity.String() != "component:default/ledger" || got.Sites[0].Source != sites[0].Source {
		t.Fatalf("sites = %+v, want the ledger site only", got.Sites)
	}
	if len(got.Dropped) != 1 || !strings.Contains(got.Dropped[0], "Big") || !strings.Contains(got.Dropped[0], "budget") {
		t.Fatalf("Dropped = %q, want the Big site named with the reason", got.Dropped)
	}
	for _, p := range []string{"ledger/docs/img/chart.png", "ledger/node_modules/x/README.md", "ledger/.github/ci.yaml"} {
		if _, err := fs.Stat(got.Sites[0].FS, p); err == nil {
			t.Errorf("%s was carried; only mkdocs.yml and the docs_dir's Markdown should be", p)
		}
	}
	// The version a new one replaces expires soon; the new one stays.
	v2, err := leader.PublishBundle(ctx, Bundle{Snapshot: snap, Sites: sites})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, s)
	if ttl := c.TTL(ctx, pfx+"catalog:snapshot:"+strconv.FormatInt(v, 10)).Val(); ttl <= 0 || ttl > 10*time.Minute {
		t.Errorf("superseded version TTL %v, want at most 10m", ttl)
	}
	if ttl := c.TTL(ctx, pfx+"catalog:snapshot:"+strconv.FormatInt(v2, 10)).Val(); ttl < time.Hour {
		t.Errorf("current version TTL %v, want the full keep", ttl)
	}
	ix, probs := docs.Build(ctx, got.Sites, docs.BuildOptions{})
	if len(probs) > 0 {
		t.Fatalf("indexing the carried site: %v", probs)
	}
	hits, total := ix.Search("reconciliation lag", docs.SearchOptions{})
	if total == 0 || hits[0].Page != "runbook.md" || hits[0].Anchor == "" {
		t.Fatalf("follower search = %d hits %+v, want the runbook section", total, hits)
	}
}

// Versions written by the first format (a bare entity array) still load.
func TestBundleReadsTheFirstFormat(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	ctx := context.Background()
	c := client(t, s)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`[{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"team-a"},"spec":{"type":"team","children":[]}}]`))
	_ = zw.Close()
	if err := c.Set(ctx, pfx+"catalog:snapshot:7", buf.Bytes(), 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, pfx+"catalog:current", 7, 0)
	snap, v, err := (&SnapshotBus{C: c, Prefix: pfx}).Load(ctx)
	if err != nil || v != 7 || snap.Len() != 1 {
		t.Fatalf("Load = %v, v%d, %v", snap, v, err)
	}
}

// A follower's templates run: the bundle carries the files beside each
// Template that its fetch steps name (bytes exact, executables kept), and
// nothing else beside it.
func TestBundleCarriesTemplateSkeletons(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	ctx := context.Background()
	fsys := fstest.MapFS{
		"templates/go/template.yaml": {Data: []byte(`apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: go-service}
spec:
  owner: group:platform
  type: service
  steps:
    - id: fetch
      action: fetch:template
      input: {url: ./skeleton}
`)},
		"templates/go/skeleton/catalog-info.yaml": {Data: []byte("name: x\n")},
		"templates/go/skeleton/logo.png":          {Data: []byte{0x89, 'P', 'N', 'G', 0xff, 0x00, 0xfe}},
		"templates/go/skeleton/run.sh":            {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"templates/go/notes/private.md":           {Data: []byte("not named by any step")},
	}
	snap := catalog.Build(catalog.LoadFS(ctx, fsys, []string{"templates/go/template.yaml"}, catalog.LoadOptions{}))
	if snap.Len() != 1 {
		t.Fatalf("fixture: %d entities, problems %v", snap.Len(), snap.Problems())
	}
	if _, err := (&SnapshotBus{C: client(t, s), Prefix: pfx}).PublishBundle(ctx, Bundle{Snapshot: snap}); err != nil {
		t.Fatal(err)
	}
	got, _, err := (&SnapshotBus{C: client(t, s), Prefix: pfx}).LoadBundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := got.Snapshot.Get(catalog.MustParseRef("template:default/go-service"))
	if !ok || e.Origin.FS == nil {
		t.Fatalf("follower template %+v has no files", e)
	}
	png, err := fs.ReadFile(e.Origin.FS, "templates/go/skeleton/logo.png")
	if err != nil || !bytes.Equal(png, []byte{0x89, 'P', 'N', 'G', 0xff, 0x00, 0xfe}) {
		t.Errorf("binary file = %q, %v", png, err)
	}
	if info, err := fs.Stat(e.Origin.FS, "templates/go/skeleton/run.sh"); err != nil || info.Mode()&0o111 == 0 {
		t.Errorf("run.sh lost its executable bit: %v %v", info, err)
	}
	if _, err := fs.Stat(e.Origin.FS, "templates/go/notes/private.md"); err == nil {
		t.Error("a file no step names was carried")
	}
}

// catalog:current only moves forward: a publish that finishes after a newer
// one (a leader that lost its lock mid-publish) does not point it back.
func TestCurrentVersionOnlyMovesForward(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	ctx := context.Background()
	c := client(t, s)
	bus := &SnapshotBus{C: c, Prefix: pfx}
	c.Set(ctx, pfx+"catalog:current", 50, 0) // a newer version is current
	v, err := bus.Publish(ctx, catalog.NewSnapshot(nil, nil))
	if err != nil || v >= 50 {
		t.Fatalf("publish = %d, %v", v, err)
	}
	if cur, _ := c.Get(ctx, pfx+"catalog:current").Int64(); cur != 50 {
		t.Fatalf("current = %d after an older publish, want 50", cur)
	}
}

// A key that unpacks to more than the bound (a gzip bomb, or a corrupt
// write) is refused with the bound named, before its bytes are all read.
func TestBundleThatUnpacksPastTheBoundIsRefused(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	pfx := prefix()
	ctx := context.Background()
	c := client(t, s)
	old := maxBundleBytes
	maxBundleBytes = 1 << 20
	t.Cleanup(func() { maxBundleBytes = old })
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 4<<20))
	_ = zw.Close()
	if err := c.Set(ctx, pfx+"catalog:snapshot:9", buf.Bytes(), 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := (&SnapshotBus{C: c, Prefix: pfx}).LoadVersionBundle(ctx, 9)
	if err == nil || !strings.Contains(err.Error(), "unpacks to more than 1048576 bytes") {
		t.Fatalf("LoadVersionBundle = %v, want the bound named", err)
	}
}
