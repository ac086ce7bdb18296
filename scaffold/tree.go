package scaffold

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Workspace is the tree a job builds in memory: fetch actions write to it,
// publish actions read it. Every path in it is relative and stays inside.
type Workspace struct {
	files map[string]File
}

// NewWorkspace returns an empty workspace.
func NewWorkspace() *Workspace { return &Workspace{files: map[string]File{}} }

// CleanPath checks that p (slash-separated) stays inside the tree and returns
// it cleaned. Absolute paths, ".." that climbs out, and empty names are errors.
func CleanPath(p string) (string, error) {
	if strings.ContainsRune(p, '\\') {
		p = strings.ReplaceAll(p, "\\", "/")
	}
	if strings.HasPrefix(p, "/") || (len(p) > 1 && p[1] == ':') {
		return "", fmt.Errorf("path %q is absolute; it must stay inside the target", p)
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %q contains a NUL byte", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", fmt.Errorf("path %q leaves the target (..)", p)
		}
	}
	c := path.Clean(p)
	if c == "." || c == "" {
		return "", fmt.Errorf("path %q names no file", p)
	}
	return c, nil
}

// Put adds or replaces a file, after checking its path.
func (w *Workspace) Put(f File) error {
	c, err := CleanPath(f.Path)
	if err != nil {
		return err
	}
	f.Path = c
	w.files[c] = f
	return nil
}

// Get returns the file at p.
func (w *Workspace) Get(p string) (File, bool) {
	c, err := CleanPath(strings.TrimPrefix(p, "/"))
	if err != nil {
		return File{}, false
	}
	f, ok := w.files[c]
	return f, ok
}

// Len is the number of files.
func (w *Workspace) Len() int { return len(w.files) }

// Files returns the files under dir ("" or "." for all), with paths relative
// to dir, sorted.
func (w *Workspace) Files(dir string) []File {
	dir = strings.Trim(path.Clean("/"+dir), "/")
	out := make([]File, 0, len(w.files))
	for p, f := range w.files {
		if dir != "" {
			if !strings.HasPrefix(p, dir+"/") {
				continue
			}
			f.Path = strings.TrimPrefix(p, dir+"/")
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// fetchOptions are fetch:template's inputs that shape rendering.
type fetchOptions struct {
	values          map[string]any
	targetPath      string
	copyRaw         []*regexp.Regexp
	cookiecutter    bool
	templateExt     string // "" renders every text file
	plain           bool   // fetch:plain: nothing is rendered
	renderFileNames bool
}

// fetchTree copies (and renders) every file under dir of fsys into w at
// opts.targetPath.
func fetchTree(l *Lang, fsys fs.FS, dir string, opts fetchOptions, data map[string]any, w *Workspace) error {
	if _, err := fs.Stat(fsys, dir); err != nil {
		return fmt.Errorf("skeleton %s cannot be read: %w", dir, err)
	}
	return fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading skeleton %s: %w", p, err)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("skeleton %s is a symbolic link; links are not copied, as they could point outside the target", p)
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("skeleton %s is not a regular file", p)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if dir == "." {
			rel = p
		}
		data2, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("reading skeleton %s: %w", p, err)
		}
		info, _ := d.Info()
		exe := info != nil && info.Mode()&0o111 != 0
		out, err := renderFile(l, p, rel, data2, opts, data)
		if err != nil {
			return err
		}
		if out.Path == "" {
			return nil // rendered to an empty name: Backstage skips such files
		}
		out.Executable = exe
		target := out.Path
		if opts.targetPath != "" && opts.targetPath != "." {
			target = opts.targetPath + "/" + out.Path
		}
		tp, err := CleanPath(target)
		if err != nil {
			return fmt.Errorf("skeleton %s renders to a bad path: %w", p, err)
		}
		out.Path = tp
		return w.Put(out)
	})
}

// renderFile renders one skeleton file's name and contents.
func renderFile(l *Lang, display, rel string, data []byte, opts fetchOptions, ctx map[string]any) (File, error) {
	raw := opts.plain
	for _, g := range opts.copyRaw {
		if g.MatchString(rel) {
			raw = true
		}
	}
	name := rel
	if !opts.plain {
		var err error
		name, err = renderText(l, display+" (file name)", name, opts, ctx)
		if err != nil {
			return File{}, err
		}
		name = strings.Trim(name, " ")
		if strings.HasSuffix(name, "/") || strings.Contains(name, "//") {
			return File{}, nil
		}
	}
	if opts.templateExt != "" && !raw {
		if strings.HasSuffix(name, opts.templateExt) {
			name = strings.TrimSuffix(name, opts.templateExt)
		} else {
			raw = true
		}
	}
	if raw || isBinary(data) {
		return File{Path: name, Data: data}, nil
	}
	out, err := renderText(l, display, string(data), opts, ctx)
	if err != nil {
		return File{}, err
	}
	return File{Path: name, Data: []byte(out)}, nil
}

// renderText renders a skeleton's file name or contents: with Jinja's
// delimiters and the values as `cookiecutter` under cookiecutterCompat.
func renderText(l *Lang, display, src string, opts fetchOptions, ctx map[string]any) (string, error) {
	if opts.cookiecutter {
		return l.RenderCookiecutter(display, src, ctx["values"])
	}
	return l.Render(display, src, ctx)
}

// globRegexp compiles a copyWithoutTemplating glob: * within a name, ** across
// directories, ? one character.
func globRegexp(g string) (*regexp.Regexp, error) {
	g = strings.TrimPrefix(strings.TrimPrefix(g, "./"), "/")
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case c == '*' && i+1 < len(g) && g[i+1] == '*':
			b.WriteString(".*")
			i++
			if i+1 < len(g) && g[i+1] == '/' {
				b.WriteString("/?")
				i++
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
