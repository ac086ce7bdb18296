package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Source is somewhere entities come from (local files, a GitHub organisation,
// a Backstage instance). Load reads it whole; problems are per file and never
// hide the entities of other files.
type Source interface {
	Name() string
	Load(ctx context.Context) (*Result, error)
}

// DocResult is the outcome for one YAML document (what `callboard validate --json` prints).
type DocResult struct {
	File      string   `json:"file"`
	Doc       int      `json:"doc"`
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Valid     bool     `json:"valid"`
	Errors    []string `json:"errors"`
}

// Result is what loading some files produced.
type Result struct {
	Entities  []*Entity   // the valid entities
	Problems  []Problem   // errors and warnings, in file order
	Documents []DocResult // one per document read
	// Skipped lists, as notes for people, the files of a directory walk that
	// were not read as descriptors (no document has apiVersion or kind).
	Skipped []string
}

// Merge appends other's contents to r.
func (r *Result) Merge(other *Result) {
	if other == nil {
		return
	}
	r.Entities = append(r.Entities, other.Entities...)
	r.Problems = append(r.Problems, other.Problems...)
	r.Documents = append(r.Documents, other.Documents...)
	r.Skipped = append(r.Skipped, other.Skipped...)
}

func (r *Result) empty() bool {
	return len(r.Entities) == 0 && len(r.Problems) == 0 && len(r.Documents) == 0 && len(r.Skipped) == 0
}

// Valid reports whether no document was invalid and no error was found.
func (r *Result) Valid() bool {
	for _, p := range r.Problems {
		if p.Severity == Error {
			return false
		}
	}
	for _, d := range r.Documents {
		if !d.Valid {
			return false
		}
	}
	return true
}

// LoadOptions tune loading.
type LoadOptions struct {
	// Source is recorded in each entity's Origin.Source.
	Source string
	// DisplayPrefix is prepended to paths in messages (e.g. "github.com/org/repo/").
	DisplayPrefix string
	// Display, when set, turns an fs path into the file name shown in
	// messages (it replaces DisplayPrefix).
	Display func(fsPath string) string
}

func (o LoadOptions) display(p string) string {
	if o.Display != nil {
		return o.Display(p)
	}
	return o.DisplayPrefix + p
}

// LoadPaths loads OS paths: each a descriptor file, a directory (walked for
// *.yaml, *.yml, *.json) or a Location file. File names in messages are
// written the way the paths were given (relative paths stay relative).
//
// Each path is confined to its root (the directory given, or the folder of
// the file given) through DirFS: Location targets, placeholders, TechDocs
// folders and template skeletons read later through the entities' Origin.FS
// cannot leave it, by ".." or by a symbolic link.
func LoadPaths(ctx context.Context, paths []string) *Result {
	res := &Result{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Pos: Position{File: p}, Message: "cannot resolve path: " + err.Error()})
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Pos: Position{File: p}, Message: "cannot read: " + unwrapPath(err).Error()})
			continue
		}
		rootDir, rel := abs, "."
		typed := filepath.ToSlash(p)
		prefix := strings.TrimSuffix(typed, "/") + "/" // how files under the root are shown
		if !st.IsDir() {
			rootDir, rel = filepath.Dir(abs), filepath.Base(abs)
			prefix = ""
			if i := strings.LastIndexByte(typed, '/'); i >= 0 {
				prefix = typed[:i+1]
			}
		}
		fsys, err := DirFS(rootDir)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Pos: Position{File: p}, Message: "cannot read: " + unwrapPath(err).Error()})
			continue
		}
		display := func(fp string) string {
			if fp == rel {
				return typed
			}
			return prefix + fp
		}
		sub := LoadFS(ctx, fsys, []string{rel}, LoadOptions{Source: "files", Display: display})
		if res.empty() {
			res = sub // not copied: at 1M entities Merge copied ~200 MB
		} else {
			res.Merge(sub)
		}
	}
	return res
}

// maxProblemsPerFile bounds the problems listed for one file.
const maxProblemsPerFile = 1000

// loader is the state of one LoadFS call.
type loader struct {
	ctx  context.Context
	fsys fs.FS
	opts LoadOptions
	res  *Result
	seen map[string]bool // fs paths already read
}

// fileResult is one file, read and decoded.
type fileResult struct {
	path     string
	explicit bool
	readErr  *Problem
	docs     []decoded
}

// LoadFS loads roots (files or directories) from fsys. Files named as roots
// are always read as descriptors; files found by walking a directory are
// skipped (with a note in Result.Skipped) when none of their documents has
// apiVersion or kind. Location entities are followed: their targets,
// relative to the file declaring them, may be globs. A file is read once
// however many ways it is reached.
func LoadFS(ctx context.Context, fsys fs.FS, roots []string, opts LoadOptions) *Result {
	l := &loader{ctx: ctx, fsys: fsys, opts: opts, res: &Result{}, seen: map[string]bool{}}
	for _, root := range roots {
		root = path.Clean(strings.TrimPrefix(filepath.ToSlash(root), "./"))
		if root == "" {
			root = "."
		}
		st, err := fs.Stat(fsys, root)
		if err != nil {
			l.res.Problems = append(l.res.Problems, Problem{Pos: Position{File: opts.display(root)}, Message: "cannot read: " + unwrapPath(err).Error()})
			continue
		}
		if !st.IsDir() {
			l.files([]string{root}, true, nil)
			continue
		}
		found, probs, err := walkDescriptors(ctx, fsys, root, opts)
		l.res.Problems = append(l.res.Problems, probs...)
		if err != nil {
			l.res.Problems = append(l.res.Problems, Problem{Pos: Position{File: opts.display(root)}, Message: "walk stopped: " + err.Error()})
		}
		l.files(found, false, nil)
	}
	return l.res
}

// walked is what the walk of one directory found, in fs.WalkDir's order:
// descriptor paths and the directories that could not be read.
type walked struct {
	found []string
	probs []Problem
}

// walkDescriptors lists the descriptor files under root as fs.WalkDir
// would, in the same (lexical) order with the same problems, skipping
// hidden directories and node_modules below root, but reads directories in
// parallel: with one directory per repository, a serial walk was 44% of a
// start at 100k entities (issue 25). A cancelled ctx stops it with ctx's
// error; what was found is kept.
func walkDescriptors(ctx context.Context, fsys fs.FS, root string, opts LoadOptions) ([]string, []Problem, error) {
	w := &walker{ctx: ctx, fsys: fsys, opts: opts, sem: make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0)))}
	var out walked
	w.dir(root, &out)
	return out.found, out.probs, ctx.Err()
}

type walker struct {
	ctx  context.Context
	fsys fs.FS
	opts LoadOptions
	sem  chan struct{} // bounds the goroutines reading directories
}

func (w *walker) dir(p string, out *walked) {
	if w.ctx.Err() != nil {
		return
	}
	entries, err := fs.ReadDir(w.fsys, p)
	if err != nil {
		// fs.WalkDir reports it and goes on with the entries read.
		out.probs = append(out.probs, Problem{Pos: Position{File: w.opts.display(p)}, Message: "cannot read: " + unwrapPath(err).Error()})
	}
	// Subdirectories are walked at once, each in its own goroutine while
	// the bound allows (else here), then joined in entry order.
	subs := make([]walked, len(entries))
	var wg sync.WaitGroup
	for i, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == "node_modules" {
			continue
		}
		sp := path.Join(p, e.Name())
		select {
		case w.sem <- struct{}{}:
			wg.Go(func() {
				defer func() { <-w.sem }()
				w.dir(sp, &subs[i])
			})
		default:
			w.dir(sp, &subs[i])
		}
	}
	wg.Wait()
	for i, e := range entries {
		if e.IsDir() {
			out.found = append(out.found, subs[i].found...)
			out.probs = append(out.probs, subs[i].probs...)
		} else if fp := path.Join(p, e.Name()); isDescriptorName(fp) {
			out.found = append(out.found, fp)
		}
	}
}

func isDescriptorName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// files reads and decodes paths (in parallel, results kept in order), adds
// them to the result, then follows the Location entities found in them.
// stack is the chain of Location files that led here, for cycle detection.
func (l *loader) files(paths []string, explicit bool, stack []string) {
	var todo []string
	for _, p := range paths {
		if !l.seen[p] {
			l.seen[p] = true
			todo = append(todo, p)
		}
	}
	results := make([]fileResult, len(todo))
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte // the worker's file contents, reused
			free := &mapFree{}
			for i := range next {
				results[i] = l.read(todo[i], explicit, &buf, free)
			}
		}()
	}
	for i := range todo {
		if l.ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	// Room for every document at once: growing the lists a file at a time
	// copied them over and over (at 1M entities ~500 MB of garbage).
	docs := 0
	for _, fr := range results {
		docs += len(fr.docs)
	}
	l.res.Documents = slices.Grow(l.res.Documents, docs)
	l.res.Entities = slices.Grow(l.res.Entities, docs)
	for _, fr := range results {
		if fr.path == "" {
			continue // cancelled before it was read
		}
		locations := l.add(fr)
		for _, loc := range locations {
			l.follow(loc, append(stack, fr.path))
		}
	}
}

// read reads and decodes file p, reading it into *buf when it can. Nothing
// decoded keeps a reference to the file's bytes (the YAML parsers copy
// what they keep), so one buffer serves a worker's files: at 1M entities
// a fresh one per file was 1 GB of garbage for the collector (issue 25).
func (l *loader) read(p string, explicit bool, buf *[]byte, free *mapFree) fileResult {
	fr := fileResult{path: p, explicit: explicit}
	display := l.opts.display(p)
	st, err := fs.Stat(l.fsys, p)
	if err == nil && st.Size() > MaxFileSize {
		fr.readErr = &Problem{Pos: Position{File: display}, Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit for a descriptor file", st.Size(), MaxFileSize)}
		return fr
	}
	var data []byte
	if err == nil && st.Mode().IsRegular() {
		data, err = readInto(l.fsys, p, buf, st.Size())
	}
	if data == nil || err != nil {
		// Anything else, or any failure, is read as it always was, for
		// the same errors.
		data, err = fs.ReadFile(l.fsys, p)
	}
	if err != nil {
		fr.readErr = &Problem{Pos: Position{File: display}, Message: "cannot read: " + unwrapPath(err).Error()}
		return fr
	}
	// Each document is decoded as soon as it is parsed, so its node tree is
	// dead before the next is parsed into the same (pooled) storage.
	fp := fastParsers.Get().(*fastParser)
	aliases := newAliasBudget()
	eachDocument(display, data, fp, func(doc Document) {
		fr.docs = append(fr.docs, decodeDocument(display, doc, l.fsys, p, aliases, free))
	})
	fastParsers.Put(fp)
	return fr
}

// readInto reads file p of about size bytes into *buf's storage (grown as
// needed) and returns its contents.
func readInto(fsys fs.FS, p string, buf *[]byte, size int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := (*buf)[:0]
	if int64(cap(b)) < size+512 {
		b = make([]byte, 0, size+512)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	*buf = b
	return b, nil
}

// fastParsers holds fast YAML parsers between files, with their storage.
var fastParsers = sync.Pool{New: func() any { return new(fastParser) }}

// add records a file's outcome and returns its valid Location entities.
func (l *loader) add(fr fileResult) []*Entity {
	display := l.opts.display(fr.path)
	if fr.readErr != nil {
		l.res.Problems = append(l.res.Problems, *fr.readErr)
		l.res.Documents = append(l.res.Documents, DocResult{File: display, Errors: []string{fr.readErr.String()}})
		return nil
	}
	if !fr.explicit {
		descriptor := false
		for _, d := range fr.docs {
			descriptor = descriptor || d.descriptor
		}
		if !descriptor {
			l.res.Skipped = append(l.res.Skipped, display+": skipped: no document in it has apiVersion or kind, so it is not a catalog descriptor")
			return nil
		}
	}
	var locations []*Entity
	reported := 0
	for i, d := range fr.docs {
		for _, p := range d.problems {
			reported++
			switch {
			case reported <= maxProblemsPerFile || i == MaxDocuments: // the document-limit notice is always shown
				l.res.Problems = append(l.res.Problems, p)
			case reported == maxProblemsPerFile+1:
				l.res.Problems = append(l.res.Problems, Problem{Pos: p.Pos, Severity: p.Severity,
					Message: fmt.Sprintf("more than %d problems in this file; the rest are counted in each document's errors only", maxProblemsPerFile)})
			}
		}
		dr := DocResult{File: display, Doc: i, Valid: d.valid, Errors: []string{}}
		if e := d.entity; e != nil {
			dr.Kind, dr.Namespace, dr.Name = e.Kind, e.Metadata.Namespace, e.Metadata.Name
			e.Origin.Source = l.opts.Source
			e.Origin.Doc = i
		}
		for _, p := range d.problems {
			if p.Severity == Error {
				dr.Errors = append(dr.Errors, p.String())
			}
		}
		if d.valid && d.entity != nil {
			l.res.Entities = append(l.res.Entities, d.entity)
			if d.entity.Known && strings.EqualFold(d.entity.Kind, KindLocation) {
				locations = append(locations, d.entity)
			}
		}
		l.res.Documents = append(l.res.Documents, dr)
	}
	return locations
}

// follow reads the targets of a Location entity.
func (l *loader) follow(loc *Entity, stack []string) {
	var targets []string
	if t := loc.SpecString("target"); t != "" {
		targets = append(targets, t)
	}
	targets = append(targets, loc.SpecStrings("targets")...)
	optional := loc.SpecString("presence") == "optional"
	sev := Error
	if optional {
		sev = Warning
	}
	dir := path.Dir(loc.Origin.Path)
	for i, t := range targets {
		pos := loc.Origin.Pos
		if ps := loc.refPosOf(t, i); ps.Line > 0 {
			pos = ps
		}
		if strings.Contains(t, "://") {
			l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: Warning, Entity: loc.Ref(),
				Message: "location target " + t + " is a URL: callboard does not fetch URLs when loading files (use a github: source)"})
			continue
		}
		fp, err := JoinInside(dir, filepath.ToSlash(t))
		if err != nil {
			l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: Error, Entity: loc.Ref(),
				Message: "location target " + t + " points outside the catalog being read; it is not read"})
			continue
		}
		var matches []string
		if strings.ContainsAny(t, "*?[") {
			m, err := fs.Glob(l.fsys, fp)
			if err != nil {
				l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: Error, Entity: loc.Ref(), Message: "location target " + t + " is not a valid glob: " + err.Error()})
				continue
			}
			for _, x := range m {
				if st, err := fs.Stat(l.fsys, x); err == nil && !st.IsDir() && isDescriptorName(x) {
					matches = append(matches, x)
				}
			}
			sort.Strings(matches)
		} else if _, err := fs.Stat(l.fsys, fp); err == nil {
			matches = []string{fp}
		} else if esc := (*EscapeError)(nil); errors.As(err, &esc) {
			l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: Error, Entity: loc.Ref(),
				Message: "location target " + t + ": " + l.opts.display(fp) + " leads outside the catalog being read through a symbolic link; it is not read"})
			continue
		}
		if len(matches) == 0 {
			l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: sev, Entity: loc.Ref(),
				Message: fmt.Sprintf("location target %s: no such file (looked for %s)", t, l.opts.display(fp))})
			continue
		}
		var fresh []string
		for _, m := range matches {
			for _, s := range stack {
				if s == m {
					l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: Warning, Entity: loc.Ref(),
						Message: "location cycle: " + l.cycle(stack, m) + " (not read again)"})
				}
			}
			if !l.seen[m] {
				fresh = append(fresh, m)
			}
		}
		if st, err := fs.Stat(l.fsys, fp); err == nil && st.IsDir() {
			l.res.Problems = append(l.res.Problems, Problem{Pos: pos, Severity: sev, Entity: loc.Ref(), Message: "location target " + t + " is a directory; name the files (a glob such as ./*/catalog-info.yaml works)"})
			continue
		}
		l.files(fresh, true, stack)
	}
}

func (l *loader) cycle(stack []string, back string) string {
	var parts []string
	for i, s := range stack {
		if s == back || len(parts) > 0 {
			parts = append(parts, l.opts.display(stack[i]))
		}
	}
	return strings.Join(append(parts, l.opts.display(back)), " → ")
}

// refPosOf finds where the i-th location target was written.
func (e *Entity) refPosOf(_ string, i int) Position {
	if e.refPos == nil {
		return Position{}
	}
	target, _ := e.positionsOf("target")
	targets, _ := e.positionsOf("targets")
	all := append(append([]Position{}, target...), targets...)
	if i < len(all) {
		return all[i]
	}
	return Position{}
}
