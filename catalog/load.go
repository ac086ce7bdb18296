package catalog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
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
}

// Merge appends other's contents to r.
func (r *Result) Merge(other *Result) {
	if other == nil {
		return
	}
	r.Entities = append(r.Entities, other.Entities...)
	r.Problems = append(r.Problems, other.Problems...)
	r.Documents = append(r.Documents, other.Documents...)
}

// LoadOptions tune loading.
type LoadOptions struct {
	// Source is recorded in each entity's Origin.Source.
	Source string
	// DisplayPrefix is prepended to paths in messages (e.g. "github.com/org/repo/").
	DisplayPrefix string
}

// LoadPaths loads OS paths: each a descriptor file, a directory (walked for
// *.yaml, *.yml, *.json) or a Location file.
func LoadPaths(ctx context.Context, paths []string) *Result {
	res := &Result{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Pos: Position{File: p}, Message: err.Error()})
			continue
		}
		fsys := os.DirFS("/")
		rel := strings.TrimPrefix(filepath.ToSlash(abs), "/")
		res.Merge(LoadFS(ctx, fsys, []string{rel}, LoadOptions{Source: "files", DisplayPrefix: displayBase(p, rel)}))
	}
	return res
}

// displayBase returns the prefix that turns an fs path back into what the user typed.
func displayBase(typed, rel string) string {
	_ = typed
	_ = rel
	return "/"
}

// LoadFS loads roots (files or directories) from fsys.
func LoadFS(ctx context.Context, fsys fs.FS, roots []string, opts LoadOptions) *Result {
	res := &Result{}
	for _, root := range roots {
		st, err := fs.Stat(fsys, root)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Pos: Position{File: opts.DisplayPrefix + root}, Message: "cannot read: " + errors.Unwrap(err).Error()})
			continue
		}
		if !st.IsDir() {
			loadFile(fsys, root, opts, res)
			continue
		}
		_ = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil || d.IsDir() {
				return nil
			}
			switch path.Ext(p) {
			case ".yaml", ".yml", ".json":
				loadFile(fsys, p, opts, res)
			}
			return nil
		})
	}
	return res
}

func loadFile(fsys fs.FS, p string, opts LoadOptions, res *Result) {
	display := opts.DisplayPrefix + p
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		res.Problems = append(res.Problems, Problem{Pos: Position{File: display}, Message: err.Error()})
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err != io.EOF {
				res.Problems = append(res.Problems, Problem{Pos: Position{File: display}, Message: err.Error()})
			}
			return
		}
		var e Entity
		if err := n.Decode(&e); err != nil {
			res.Problems = append(res.Problems, Problem{Pos: Position{File: display, Line: n.Line, Col: n.Column}, Message: err.Error()})
			continue
		}
		e.Origin = Origin{Pos: Position{File: display, Line: n.Line, Col: n.Column}, Doc: i, FS: fsys, Path: p, Source: opts.Source}
		e.Known = true
		res.Entities = append(res.Entities, &e)
		res.Documents = append(res.Documents, DocResult{File: display, Doc: i, Kind: e.Kind, Namespace: e.Ref().Namespace, Name: e.Metadata.Name, Valid: true, Errors: []string{}})
	}
}

