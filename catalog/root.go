package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Every file a catalog, a TechDocs site or a template reads is confined to
// the folder it was loaded from, by one check in two parts:
//
//   - JoinInside joins a path written in a file (a Location target, a
//     placeholder, a techdocs-ref dir:, a template step's url) to the folder
//     of that file and refuses it when it climbs out of the root or is
//     absolute;
//   - DirFS opens the root through an os.Root, so a symbolic link (or a
//     folder that is one) whose target lies outside the root cannot be read.
//
// Both fail with an *EscapeError naming the path that tried.

// EscapeError is a path that leads outside the root it was read from.
type EscapeError struct {
	// Path is the path as written (or, for a link, the path of the link
	// inside the root).
	Path string
	// Link is true when a symbolic link on the way points outside.
	Link bool
}

func (e *EscapeError) Error() string {
	if e.Link {
		return fmt.Sprintf("%s leads outside the folder being read through a symbolic link; it is not read", e.Path)
	}
	return fmt.Sprintf("%s points outside the folder being read; it is not read", e.Path)
}

// JoinInside joins rel (a slash-separated path written in a file in dir) to
// dir, both relative to a confined root, and returns the cleaned result. An
// absolute rel, or one whose ".." climbs above the root, is an *EscapeError.
func JoinInside(dir, rel string) (string, error) {
	rel = strings.ReplaceAll(rel, "\\", "/")
	if strings.HasPrefix(rel, "/") || (len(rel) > 1 && rel[1] == ':') || strings.ContainsRune(rel, 0) {
		return "", &EscapeError{Path: rel}
	}
	p := path.Clean(path.Join(dir, rel))
	if !fs.ValidPath(p) {
		return "", &EscapeError{Path: rel}
	}
	return p, nil
}

// DirFS returns the tree under the OS folder dir as an fs.FS that cannot
// leave it: paths are checked as fs.ValidPath requires and symbolic links
// are followed only while they stay inside (os.Root). A read that a link
// would take outside fails with an *EscapeError.
//
// The folder stays open while the FS is reachable (os.Root closes itself
// when collected), since entities and templates read files beside them long
// after loading.
func DirFS(dir string) (fs.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return confinedFS{root.FS()}, nil
}

// confinedFS turns os.Root's refusals into *EscapeError.
type confinedFS struct{ fsys fs.FS }

func (c confinedFS) Open(name string) (fs.File, error) {
	f, err := c.fsys.Open(name)
	return f, escaped(name, err)
}

func (c confinedFS) Stat(name string) (fs.FileInfo, error) {
	st, err := fs.Stat(c.fsys, name)
	return st, escaped(name, err)
}

func (c confinedFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(c.fsys, name)
	return b, escaped(name, err)
}

func (c confinedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	ds, err := fs.ReadDir(c.fsys, name)
	return ds, escaped(name, err)
}

// escaped recognises os.Root's "path escapes from parent" (its error value
// is not exported; a test in this package pins the text).
func escaped(name string, err error) error {
	var pe *fs.PathError
	if err != nil && errors.As(err, &pe) && pe.Err != nil && pe.Err.Error() == "path escapes from parent" {
		return &EscapeError{Path: name, Link: true}
	}
	return err
}
