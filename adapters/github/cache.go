package github

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DiskCache keeps GitHub answers (repository lists, trees, file contents,
// blobs) with their ETags on disk, so the next process asks for them
// conditionally: an unchanged resource costs a 304, which GitHub does not
// count against the rate limit. Entries are keyed by the request URL (API
// root and path) alone, never by a credential, and hold no request
// header: the cache is safe to delete at any time. Each entry is written to
// a temporary file and renamed into place, so concurrent processes sharing
// the directory see a whole entry or none.
type DiskCache struct {
	dir      string
	maxBytes int64
}

// DefaultCacheBytes bounds a DiskCache when NewDiskCache is given 0.
const DefaultCacheBytes = 256 << 20

// NewDiskCache opens (creating it, private to the user) the cache folder
// dir, bounded to about maxBytes by Prune (0: DefaultCacheBytes).
func NewDiskCache(dir string, maxBytes int64) (*DiskCache, error) {
	if dir == "" {
		return nil, errors.New("github cache: no folder given")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("github cache: %w", err)
	}
	return &DiskCache{dir: dir, maxBytes: maxBytes}, nil
}

// Dir is the cache folder.
func (d *DiskCache) Dir() string { return d.dir }

// entryHeader is an entry file's first line; the body follows it.
type entryHeader struct {
	URL  string `json:"url"`
	ETag string `json:"etag"`
	Link string `json:"link,omitempty"`
}

func (d *DiskCache) path(u string) string {
	sum := sha256.Sum256([]byte(u))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(d.dir, h[:2], h[2:]+".entry")
}

// load returns the entry kept for u. A missing, unreadable or foreign
// entry is a miss.
func (d *DiskCache) load(u string) (cached, bool) {
	p := d.path(u)
	b, err := os.ReadFile(p)
	if err != nil {
		return cached{}, false
	}
	line, body, ok := bytes.Cut(b, []byte("\n"))
	var h entryHeader
	if !ok || json.Unmarshal(line, &h) != nil || h.URL != u || h.ETag == "" {
		return cached{}, false
	}
	now := time.Now()
	_ = os.Chtimes(p, now, now) // recently used entries survive Prune
	return cached{etag: h.ETag, body: body, link: h.Link}, true
}

// store writes the entry for u atomically (temporary file, then rename).
// A failure to write only costs a full request next time.
func (d *DiskCache) store(u string, c cached) {
	p := d.path(u)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	w := bufio.NewWriter(f)
	line, _ := json.Marshal(entryHeader{URL: u, ETag: c.etag, Link: c.link})
	_, err1 := w.Write(append(line, '\n'))
	_, err2 := w.Write(c.body)
	err3 := w.Flush()
	err4 := f.Close()
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		os.Remove(f.Name())
		return
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
	}
}

// remove drops the entry for u (the resource is gone).
func (d *DiskCache) remove(u string) { _ = os.Remove(d.path(u)) }

// Prune deletes the least recently used entries until the cache holds at
// most its bound, and temporary files left by a process that died more
// than an hour ago. It returns the bytes kept.
func (d *DiskCache) Prune() (int64, error) {
	type ent struct {
		path string
		size int64
		mod  time.Time
	}
	var ents []ent
	var total int64
	err := filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil
		}
		if strings.HasPrefix(e.Name(), ".tmp-") {
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(p)
			}
			return nil
		}
		if !strings.HasSuffix(e.Name(), ".entry") {
			return nil
		}
		ents = append(ents, ent{p, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if err != nil {
		return total, fmt.Errorf("github cache: %w", err)
	}
	if total <= d.maxBytes {
		return total, nil
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].mod.Before(ents[j].mod) })
	for _, e := range ents {
		if total <= d.maxBytes {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
	return total, nil
}

// Size is the bytes the cache's entries hold.
func (d *DiskCache) Size() int64 {
	var total int64
	_ = filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(e.Name(), ".entry") {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}
