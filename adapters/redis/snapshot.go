package redis

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/scaffold"
)

// SnapshotBus carries the catalog from the leader to the other replicas: the
// leader Publishes a Bundle (the entities, the load problems and the TechDocs
// sites' files, as gzip-compressed JSON) under a versioned key, points
// catalog:current at it and PUBLISHes the version; the others Follow and load
// each new version, so only the leader spends GitHub's rate limit.
//
// Origin.FS is not serialised: entities loaded from the bus cannot read files
// beside them. That is why a Bundle carries the documentation sites' files
// itself; a follower indexes those.
type SnapshotBus struct {
	C      goredis.UniversalClient
	Prefix string
	// Keep is how long a published version stays readable (default 24h).
	Keep time.Duration
	// MaxDocBytes bounds the documentation files one Bundle carries
	// (default 64 MiB); sites beyond it are left out and listed in
	// Bundle.Dropped.
	MaxDocBytes int64
}

// Bundle is what one published version holds (declared by catalog/ingest,
// which the bus serves).
type Bundle = ingest.Bundle

var _ ingest.Bus = (*SnapshotBus)(nil)

// wireBundle is the JSON of a Bundle. Version 1 of the format was the bare
// entity array; LoadVersionBundle reads both.
type wireBundle struct {
	Format   int               `json:"format"`
	Entities []*catalog.Entity `json:"entities"`
	Problems []catalog.Problem `json:"problems,omitempty"`
	Sites    []wireSite        `json:"sites,omitempty"`
	Dropped  []string          `json:"dropped,omitempty"`
	// Skeletons are the files beside each Template its fetch steps name,
	// so a follower's workers can run it.
	Skeletons []wireSkeleton `json:"skeletons,omitempty"`
}

type wireSkeleton struct {
	Entity     string            `json:"entity"`
	Files      map[string][]byte `json:"files"`
	Executable []string          `json:"executable,omitempty"`
}

type wireSite struct {
	Name   string            `json:"name"`
	Entity string            `json:"entity,omitempty"`
	Dir    string            `json:"dir"`
	Source string            `json:"source,omitempty"`
	Files  map[string]string `json:"files"`
}

func (b *SnapshotBus) announcements() Channel {
	return Channel{C: b.C, Name: b.Prefix + "catalog:published"}
}
func (b *SnapshotBus) current() string { return b.Prefix + "catalog:current" }
func (b *SnapshotBus) key(v int64) string {
	return b.Prefix + "catalog:snapshot:" + strconv.FormatInt(v, 10)
}

// Publish stores the snapshot's entities (and problems) as a new version and
// notifies the followers. It returns the version.
func (b *SnapshotBus) Publish(ctx context.Context, snap *catalog.Snapshot) (int64, error) {
	return b.PublishBundle(ctx, Bundle{Snapshot: snap})
}

// siteFiles lists what the doc index reads of a site: its mkdocs.yml (or
// mkdocs.yaml) and the Markdown under its docs_dir (default docs). Nothing
// else under the folder is carried (a dir:. site at a repository's root
// would otherwise bring node_modules and every other YAML file).
func siteFiles(s docs.Site) ([]string, error) {
	var cfg string
	for _, n := range []string{"mkdocs.yml", "mkdocs.yaml"} {
		if _, err := fs.Stat(s.FS, path.Join(s.Dir, n)); err == nil {
			cfg = path.Join(s.Dir, n)
			break
		}
	}
	if cfg == "" {
		return nil, fmt.Errorf("no mkdocs.yml in %s", s.Dir)
	}
	data, err := fs.ReadFile(s.FS, cfg)
	if err != nil {
		return nil, err
	}
	var mk struct {
		DocsDir string `yaml:"docs_dir"`
	}
	_ = yaml.Unmarshal(data, &mk) // a bad mkdocs.yml is the index's to report
	docsDir := strings.TrimSpace(mk.DocsDir)
	if docsDir == "" {
		docsDir = "docs"
	}
	root := path.Join(s.Dir, docsDir)
	out := []string{cfg}
	err = fs.WalkDir(s.FS, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(path.Ext(p)); !d.IsDir() && (ext == ".md" || ext == ".markdown") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return out, nil
}

// packSites copies each site's files into the wire form, within budget bytes.
func packSites(sites []docs.Site, budget int64) (out []wireSite, dropped []string) {
	for _, s := range sites {
		ws := wireSite{Name: s.Name, Dir: s.Dir, Source: s.Source, Files: map[string]string{}}
		if !s.Entity.IsZero() {
			ws.Entity = s.Entity.String()
		}
		var size int64
		files, err := siteFiles(s)
		for _, p := range files {
			if err != nil {
				break
			}
			var data []byte
			if data, err = fs.ReadFile(s.FS, p); err != nil {
				break
			}
			if size += int64(len(data)); size > budget {
				err = errBudget
				break
			}
			ws.Files[p] = string(data)
		}
		if err != nil {
			reason := "unreadable: " + err.Error()
			if errors.Is(err, errBudget) {
				reason = fmt.Sprintf("over the bundle's %d-byte documentation budget", budget)
			}
			dropped = append(dropped, s.Name+" ("+reason+")")
			continue
		}
		budget -= size
		out = append(out, ws)
	}
	return out, dropped
}

var errBudget = errors.New("documentation budget exceeded")

func sitesSize(sites []wireSite) int64 {
	var n int64
	for _, s := range sites {
		for _, d := range s.Files {
			n += int64(len(d))
		}
	}
	return n
}

// packSkeletons copies, for each Template readable where it was loaded, the
// files under the folders its steps name, within budget bytes.
func packSkeletons(snap *catalog.Snapshot, budget int64) (out []wireSkeleton, dropped []string) {
	for _, e := range snap.Entities() {
		if e.Ref().Kind != catalog.KindTemplate || e.Origin.FS == nil {
			continue
		}
		sk := wireSkeleton{Entity: e.Ref().String(), Files: map[string][]byte{}}
		var size int64
		var err error
		for _, rel := range scaffold.LocalSkeletons(e.Spec) {
			root := path.Join(path.Dir(e.Origin.Path), rel)
			if !fs.ValidPath(root) {
				continue
			}
			err = fs.WalkDir(e.Origin.FS, root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := fs.ReadFile(e.Origin.FS, p)
				if err != nil {
					return err
				}
				if size += int64(len(data)); size > budget {
					return errBudget
				}
				sk.Files[p] = data
				if info, ierr := d.Info(); ierr == nil && info.Mode()&0o111 != 0 {
					sk.Executable = append(sk.Executable, p)
				}
				return nil
			})
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				break
			}
			err = nil
		}
		if err != nil {
			reason := "unreadable: " + err.Error()
			if errors.Is(err, errBudget) {
				reason = fmt.Sprintf("over the bundle's %d-byte budget", budget)
			}
			dropped = append(dropped, "skeleton of "+sk.Entity+" ("+reason+")")
			continue
		}
		if len(sk.Files) > 0 {
			budget -= size
			out = append(out, sk)
		}
	}
	return out, dropped
}

// PublishBundle stores a Bundle as a new version and notifies the followers.
// It returns the version.
func (b *SnapshotBus) PublishBundle(ctx context.Context, bundle Bundle) (int64, error) {
	wb := wireBundle{Format: 2, Entities: bundle.Snapshot.Entities(), Problems: bundle.Snapshot.Problems(), Dropped: bundle.Dropped}
	max := b.MaxDocBytes
	if max <= 0 {
		max = 64 << 20
	}
	sites, dropped := packSites(bundle.Sites, max)
	wb.Sites = sites
	wb.Dropped = append(wb.Dropped, dropped...)
	skels, dropped := packSkeletons(bundle.Snapshot, max-sitesSize(sites))
	wb.Skeletons = skels
	wb.Dropped = append(wb.Dropped, dropped...)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(wb); err != nil {
		return 0, fmt.Errorf("encoding the catalog snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("compressing the catalog snapshot: %w", err)
	}
	v, err := b.C.Incr(ctx, b.Prefix+"catalog:version").Result()
	if err != nil {
		return 0, fmt.Errorf("redis catalog version: %w", err)
	}
	if err := b.C.Set(ctx, b.key(v), buf.Bytes(), or(b.Keep, 24*time.Hour)).Err(); err != nil {
		return 0, fmt.Errorf("redis catalog snapshot %d: %w", v, err)
	}
	// Only forward: a leader that lost its lock mid-publish must not point
	// catalog:current back at its older version after the new leader's.
	if err := setIfHigher.Run(ctx, b.C, []string{b.current()}, v).Err(); err != nil {
		return 0, fmt.Errorf("redis catalog current: %w", err)
	}
	if v > 1 {
		// The version this one replaces is kept only as long as a follower
		// may still be reading it: every version carries the docs' files,
		// and a day of refreshes would otherwise stay in Redis.
		_ = b.C.Expire(ctx, b.key(v-1), supersededKeep).Err()
	}
	if _, err := b.announcements().Publish(ctx, v); err != nil {
		return 0, fmt.Errorf("redis catalog notify: %w", err)
	}
	return v, nil
}

// setIfHigher sets KEYS[1] to ARGV[1] when that is higher than its value.
var setIfHigher = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
`)

// supersededKeep is how long a replaced version stays readable.
const supersededKeep = 10 * time.Minute

// maxBundleBytes bounds what one published catalog unpacks to (a million
// entities with their docs is a few hundred megabytes). A variable so a
// test can lower it.
var maxBundleBytes int64 = 2 << 30

// ErrNoSnapshot is returned by Load when nothing was published yet.
var ErrNoSnapshot = ingest.ErrNoSnapshot

// Load reads the current published version.
func (b *SnapshotBus) Load(ctx context.Context) (*catalog.Snapshot, int64, error) {
	bundle, v, err := b.LoadBundle(ctx)
	return bundle.Snapshot, v, err
}

// LoadBundle reads the current published version with its documentation.
func (b *SnapshotBus) LoadBundle(ctx context.Context) (Bundle, int64, error) {
	v, err := b.C.Get(ctx, b.current()).Int64()
	if errors.Is(err, goredis.Nil) {
		return Bundle{}, 0, ErrNoSnapshot
	}
	if err != nil {
		return Bundle{}, 0, fmt.Errorf("redis catalog current: %w", err)
	}
	bundle, err := b.LoadVersionBundle(ctx, v)
	return bundle, v, err
}

// LoadVersionBundle reads one published version with its documentation.
func (b *SnapshotBus) LoadVersionBundle(ctx context.Context, v int64) (Bundle, error) {
	data, err := b.C.Get(ctx, b.key(v)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return Bundle{}, fmt.Errorf("catalog snapshot %d: expired or never published", v)
	}
	if err != nil {
		return Bundle{}, fmt.Errorf("redis catalog snapshot %d: %w", v, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return Bundle{}, fmt.Errorf("catalog snapshot %d: not gzip: %w", v, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxBundleBytes+1))
	if err != nil {
		return Bundle{}, fmt.Errorf("catalog snapshot %d: %w", v, err)
	}
	if int64(len(raw)) > maxBundleBytes {
		// A few compressed bytes can unpack to gigabytes: a corrupt or
		// hostile key must not take every follower's memory with it.
		return Bundle{}, fmt.Errorf("catalog snapshot %d: unpacks to more than %d bytes; not loaded", v, maxBundleBytes)
	}
	var wb wireBundle
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		err = json.Unmarshal(raw, &wb.Entities) // format 1
	} else {
		err = json.Unmarshal(raw, &wb)
	}
	if err != nil {
		return Bundle{}, fmt.Errorf("catalog snapshot %d: not the JSON of a published catalog: %w", v, err)
	}
	byRef := map[string]*catalog.Entity{}
	for _, e := range wb.Entities {
		if e != nil && e.Ref().Kind == catalog.KindTemplate {
			byRef[e.Ref().String()] = e
		}
	}
	for _, sk := range wb.Skeletons {
		e := byRef[sk.Entity]
		if e == nil {
			continue
		}
		exe := map[string]bool{}
		for _, p := range sk.Executable {
			exe[p] = true
		}
		m := fstest.MapFS{}
		for p, data := range sk.Files {
			if !fs.ValidPath(p) {
				return Bundle{}, fmt.Errorf("catalog snapshot %d: template %s holds an invalid path %q", v, sk.Entity, p)
			}
			mode := fs.FileMode(0o644)
			if exe[p] {
				mode = 0o755
			}
			m[p] = &fstest.MapFile{Data: data, Mode: mode}
		}
		e.Origin.FS = m
	}
	out := Bundle{Snapshot: catalog.NewSnapshot(wb.Entities, wb.Problems), Dropped: wb.Dropped}
	for _, ws := range wb.Sites {
		m := fstest.MapFS{}
		for p, data := range ws.Files {
			if !fs.ValidPath(p) {
				return Bundle{}, fmt.Errorf("catalog snapshot %d: site %q holds an invalid path %q", v, ws.Name, p)
			}
			m[p] = &fstest.MapFile{Data: []byte(data), Mode: 0o444}
		}
		site := docs.Site{Name: ws.Name, FS: m, Dir: ws.Dir, Source: ws.Source}
		if ws.Entity != "" {
			ref, err := catalog.ParseRef(ws.Entity, "component", "default")
			if err != nil {
				return Bundle{}, fmt.Errorf("catalog snapshot %d: site %q: %w", v, ws.Name, err)
			}
			site.Entity = ref
		}
		out.Sites = append(out.Sites, site)
	}
	return out, nil
}

// Follow calls apply with the current snapshot and then with every newer one
// published, until ctx is done. Versions older than one already applied are
// skipped. After a lost subscription (Redis restarted) it reloads the current
// version, so no publication is missed for long.
func (b *SnapshotBus) Follow(ctx context.Context, apply func(version int64, snap *catalog.Snapshot)) error {
	return b.FollowBundle(ctx, func(v int64, bundle Bundle) { apply(v, bundle.Snapshot) })
}

// FollowBundle is Follow with each version's documentation sites.
func (b *SnapshotBus) FollowBundle(ctx context.Context, apply func(version int64, bundle Bundle)) error {
	var last int64
	load := func() {
		bundle, v, err := b.LoadBundle(ctx)
		if err == nil && v > last {
			last = v
			apply(v, bundle)
		}
	}
	sub, err := b.announcements().Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("redis catalog subscribe: %w", err)
	}
	defer sub.Close()
	load()
	ch := sub.Messages()
	resync := time.NewTicker(30 * time.Second)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-resync.C:
			load()
		case m, ok := <-ch:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("redis catalog subscription ended: %w", sub.Err())
			}
			v, err := strconv.ParseInt(m, 10, 64)
			if err != nil || v <= last {
				continue
			}
			bundle, err := b.LoadVersionBundle(ctx, v)
			if err != nil {
				continue
			}
			last = v
			apply(v, bundle)
		}
	}
}
