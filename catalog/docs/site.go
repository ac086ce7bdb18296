package docs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/callboard/callboard/catalog"
	"gopkg.in/yaml.v3"
)

// Site is one MkDocs site: a folder holding mkdocs.yml and its docs dir.
type Site struct {
	// Name is what people call the site: mkdocs.yml's site_name, else the
	// entity's title or name, else the folder's name.
	Name string
	// Entity is the entity the docs belong to; zero for a loose site.
	Entity catalog.Ref
	// FS holds the site; Dir is the folder in FS holding mkdocs.yml ("." for its root).
	FS  fs.FS
	Dir string
	// Source says where the site folder lives, for links when no BaseURL
	// applies: a GitHub blob URL of the folder
	// ("https://github.com/acme/payments/blob/main/docs-site") or a path as
	// people see it ("examples/payments").
	Source string
}

// SiteReader reads a "url:" TechDocs site — a repository tree such as
// https://github.com/ORG/REPO/tree/BRANCH/PATH — into a file system whose
// root holds the site's mkdocs.yml and docs dir. source is where the site
// folder lives, for links (a blob URL of it). adapters/github has one.
type SiteReader interface {
	ReadSite(ctx context.Context, url string) (fsys fs.FS, source string, err error)
}

// SitesFromSnapshot returns the sites of the entities annotated with
// backstage.io/techdocs-ref. "dir:" sites are resolved beside the entity's
// descriptor (Origin.FS and the folder of Origin.Path); "url:" sites, which
// live in remote repositories, are noted as warnings and not read.
func SitesFromSnapshot(snap *catalog.Snapshot) ([]Site, []catalog.Problem) {
	return SitesFromSnapshotWith(context.Background(), snap, nil)
}

// SitesFromSnapshotWith is SitesFromSnapshot reading "url:" sites through
// remote (nil: they are noted as not read). A url: site that cannot be read
// is a problem naming the entity and why; the other sites are returned.
func SitesFromSnapshotWith(ctx context.Context, snap *catalog.Snapshot, remote SiteReader) ([]Site, []catalog.Problem) {
	if snap == nil {
		return nil, nil
	}
	var sites []Site
	var probs []catalog.Problem
	seen := map[string]catalog.Ref{}
	for _, e := range snap.Entities() {
		ref := strings.TrimSpace(e.Annotation(catalog.AnnotationTechDocsRef))
		if ref == "" {
			continue
		}
		problem := func(sev catalog.Severity, format string, args ...any) {
			probs = append(probs, catalog.Problem{Pos: e.Origin.Pos, Severity: sev, Entity: e.Ref(),
				Message: catalog.AnnotationTechDocsRef + " " + fmt.Sprintf(format, args...)})
		}
		kind, target, ok := strings.Cut(ref, ":")
		if !ok {
			problem(catalog.Warning, "%q has no \"dir:\" or \"url:\" prefix; it is not indexed", ref)
			continue
		}
		switch strings.ToLower(kind) {
		case "dir":
		case "url":
			target = strings.TrimSpace(target)
			if remote == nil {
				problem(catalog.Warning, "%q points at a remote repository and no reader for it is configured (GitHub is not set up); it is not indexed", ref)
				continue
			}
			if other, dup := seen["url:"+target]; dup {
				problem(catalog.Warning, "%q is the same site as %s's; it is indexed once, for %s", ref, other, other)
				continue
			}
			fsys, source, err := remote.ReadSite(ctx, target)
			if err != nil {
				problem(catalog.Warning, "%q could not be read: %v; it is not indexed", ref, err)
				continue
			}
			cfg, err := readConfig(fsys, ".")
			if err != nil {
				problem(catalog.Error, "%q: %v", ref, err)
				continue
			}
			seen["url:"+target] = e.Ref()
			name := cfg.name
			if name == "" {
				name = e.DisplayName()
			}
			sites = append(sites, Site{Name: name, Entity: e.Ref(), FS: fsys, Dir: ".", Source: source})
			continue
		default:
			problem(catalog.Warning, "%q has an unknown prefix %q (want dir: or url:); it is not indexed", ref, kind)
			continue
		}
		if e.Origin.FS == nil {
			problem(catalog.Warning, "%q cannot be read: the entity's descriptor is not on a readable file system", ref)
			continue
		}
		target = strings.TrimSpace(target)
		dir, err := catalog.JoinInside(path.Dir(e.Origin.Path), target)
		if err != nil {
			problem(catalog.Error, "%q must be a path relative to the descriptor's folder, inside what was loaded (%v)", ref, err)
			continue
		}
		cfg, err := readConfig(e.Origin.FS, dir)
		if err != nil {
			problem(catalog.Error, "%q: %v", ref, err)
			continue
		}
		if other, dup := seen[dir]; dup {
			problem(catalog.Warning, "%q is the same site as %s's; it is indexed once, for %s", ref, other, other)
			continue
		}
		seen[dir] = e.Ref()
		name := cfg.name
		if name == "" {
			name = e.DisplayName()
		}
		sites = append(sites, Site{Name: name, Entity: e.Ref(), FS: e.Origin.FS, Dir: dir, Source: sourceOf(e, target)})
	}
	return sites, probs
}

// LooseSite is a site not attached to an entity: osPath is a folder holding mkdocs.yml.
func LooseSite(osPath string) (Site, error) {
	st, err := os.Stat(osPath)
	if err != nil {
		return Site{}, fmt.Errorf("docs site %s: %w", osPath, err)
	}
	if !st.IsDir() {
		if b := filepath.Base(osPath); b == "mkdocs.yml" || b == "mkdocs.yaml" {
			osPath = filepath.Dir(osPath)
		} else {
			return Site{}, fmt.Errorf("docs site %s: not a folder (give the folder holding mkdocs.yml)", osPath)
		}
	}
	fsys, err := catalog.DirFS(osPath)
	if err != nil {
		return Site{}, fmt.Errorf("docs site %s: %w", osPath, err)
	}
	cfg, err := readConfig(fsys, ".")
	if err != nil {
		return Site{}, fmt.Errorf("docs site %s: %w", osPath, err)
	}
	name := cfg.name
	if name == "" {
		name = filepath.Base(filepath.Clean(osPath))
	}
	return Site{Name: name, FS: fsys, Dir: ".", Source: filepath.ToSlash(filepath.Clean(osPath))}, nil
}

// sourceOf says where the folder target (relative to e's descriptor) lives:
// a GitHub blob URL when the entity's annotations say which repository holds
// it, else the descriptor's folder as shown to people.
func sourceOf(e *catalog.Entity, target string) string {
	join := func(base string) string {
		base = strings.TrimRight(base, "/")
		if base == "." || base == "" {
			return path.Clean(target) // a path beside a descriptor at the root: no "./"
		}
		if t := path.Clean(target); t != "." {
			return base + "/" + strings.TrimPrefix(t, "./")
		}
		return base
	}
	// managed-by-location names the descriptor file itself.
	for _, key := range []string{catalog.AnnotationManagedBy, catalog.AnnotationManagedByOrigin} {
		if u, ok := githubBlob(e.Annotation(key)); ok {
			if strings.Contains(u, "/blob/") && !strings.HasSuffix(u, "/") {
				last := u[strings.LastIndexByte(u, '/')+1:]
				if strings.Contains(last, ".") {
					u = u[:strings.LastIndexByte(u, '/')]
				}
			}
			return join(u)
		}
	}
	// source-location names the folder the entity lives in.
	if u, ok := githubBlob(e.Annotation(catalog.AnnotationSourceLocation)); ok {
		return join(u)
	}
	if slug := strings.Trim(e.Annotation(catalog.AnnotationProjectSlug), "/ "); strings.Count(slug, "/") == 1 {
		return join("https://github.com/" + slug + "/blob/HEAD")
	}
	return join(path.Dir(e.Origin.Pos.File))
}

// githubBlob turns a "url:" location on a GitHub host into a blob URL
// (tree becomes blob; a bare repository URL gets /blob/HEAD).
func githubBlob(loc string) (string, bool) {
	loc = strings.TrimSpace(loc)
	if !strings.HasPrefix(loc, "url:") {
		return "", false
	}
	u, err := url.Parse(strings.TrimPrefix(loc, "url:"))
	if err != nil || u.Host == "" || !strings.Contains(u.Host, "github") {
		return "", false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 {
		return "", false
	}
	parts[1] = strings.TrimSuffix(parts[1], ".git")
	if len(parts) >= 4 && (parts[2] == "tree" || parts[2] == "blob") {
		parts[2] = "blob"
	} else {
		parts = append(parts[:2], append([]string{"blob", "HEAD"}, parts[2:]...)...)
	}
	return u.Scheme + "://" + u.Host + "/" + strings.Join(parts, "/"), true
}

// siteConfig is what callboard reads of mkdocs.yml.
type siteConfig struct {
	name    string
	docsDir string // relative to the site folder
	nav     []navPage
}

// navPage is a page (or, with a trailing '/', a folder of pages) of the nav, in order.
type navPage struct {
	title string
	path  string // relative to docs_dir
}

// readConfig reads dir/mkdocs.yml (or .yaml) from fsys, tolerating YAML tags
// it does not know (such as !!python/name:).
func readConfig(fsys fs.FS, dir string) (siteConfig, error) {
	var data []byte
	var err error
	name := ""
	for _, n := range []string{"mkdocs.yml", "mkdocs.yaml"} {
		name = path.Join(dir, n)
		data, err = fs.ReadFile(fsys, name)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return siteConfig{}, fmt.Errorf("no mkdocs.yml in %s", dir)
		}
		return siteConfig{}, fmt.Errorf("reading %s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return siteConfig{}, fmt.Errorf("%s: %w", name, err)
	}
	cfg := siteConfig{docsDir: "docs"}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return siteConfig{}, fmt.Errorf("%s:%d:%d: expected a mapping of settings", name, root.Line, root.Column)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "site_name":
			if v.Kind == yaml.ScalarNode {
				cfg.name = strings.TrimSpace(v.Value)
			}
		case "docs_dir":
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
				return siteConfig{}, fmt.Errorf("%s:%d:%d: docs_dir must be a folder name", name, v.Line, v.Column)
			}
			d := path.Clean(strings.TrimSpace(v.Value))
			if path.IsAbs(d) || d == ".." || strings.HasPrefix(d, "../") {
				return siteConfig{}, fmt.Errorf("%s:%d:%d: docs_dir %q must be inside the site folder", name, v.Line, v.Column, v.Value)
			}
			cfg.docsDir = d
		case "nav":
			walkNav(v, "", &cfg.nav)
		}
	}
	return cfg, nil
}

// walkNav flattens a nav tree into its pages, in order. Section titles are
// not pages; external links are skipped.
func walkNav(n *yaml.Node, title string, out *[]navPage) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkNav(c, "", out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkNav(n.Content[i+1], n.Content[i].Value, out)
		}
	case yaml.ScalarNode:
		p := strings.TrimSpace(n.Value)
		if p == "" || strings.Contains(p, "://") || strings.HasPrefix(p, "mailto:") {
			return
		}
		*out = append(*out, navPage{title: title, path: strings.TrimPrefix(p, "./")})
	}
}

// sourcePage is one Markdown file of a site.
type sourcePage struct {
	path   string // relative to docs_dir, slash-separated
	navPos int
	title  string // nav title
}

// listPages returns the Markdown pages of a site in nav order, then the
// pages not in the nav in path order.
func listPages(fsys fs.FS, docsRoot string, nav []navPage) ([]sourcePage, error) {
	var paths []string
	err := fs.WalkDir(fsys, docsRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != docsRoot && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(path.Ext(p)); ext == ".md" || ext == ".markdown" {
			rel := strings.TrimPrefix(strings.TrimPrefix(p, docsRoot), "/")
			if docsRoot == "." {
				rel = p
			}
			paths = append(paths, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	have := map[string]bool{}
	for _, p := range paths {
		have[p] = true
	}
	// MkDocs ignores README.md beside an index.md.
	var kept []string
	for _, p := range paths {
		if strings.EqualFold(path.Base(p), "README.md") && have[path.Join(path.Dir(p), "index.md")] {
			continue
		}
		kept = append(kept, p)
	}
	order := map[string]int{}
	titles := map[string]string{}
	pos := 0
	for _, n := range nav {
		if strings.HasSuffix(n.path, "/") {
			for _, p := range kept {
				if strings.HasPrefix(p, n.path) {
					if _, ok := order[p]; !ok {
						order[p] = pos
						pos++
					}
				}
			}
			continue
		}
		p := path.Clean(n.path)
		if _, ok := order[p]; !ok && have[p] {
			order[p] = pos
			titles[p] = n.title
			pos++
		}
	}
	out := make([]sourcePage, 0, len(kept))
	for _, p := range kept {
		np, ok := order[p]
		if !ok {
			np = -1
		}
		out = append(out, sourcePage{path: p, navPos: np, title: titles[p]})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].navPos, out[j].navPos
		if (a < 0) != (b < 0) {
			return a >= 0
		}
		return a < b
	})
	for i := range out {
		out[i].navPos = i
	}
	return out, nil
}

// titleFromFile is MkDocs' title for a page known by nothing better: the
// file name without extension, '-' and '_' as spaces, first letter upper case
// (index pages take their folder's name).
func titleFromFile(p string) string {
	base := strings.TrimSuffix(path.Base(p), path.Ext(p))
	if strings.EqualFold(base, "index") || strings.EqualFold(base, "readme") {
		if d := path.Dir(p); d != "." {
			base = path.Base(d)
		} else {
			base = "Home"
		}
	}
	base = strings.NewReplacer("-", " ", "_", " ").Replace(base)
	if base == "" {
		return p
	}
	return strings.ToUpper(base[:1]) + base[1:]
}

// pageURL builds the link to a page's section.
func pageURL(s *Site, docsDir, page, anchor, baseURL string) string {
	frag := ""
	if anchor != "" {
		frag = "#" + anchor
	}
	if baseURL != "" && !s.Entity.IsZero() {
		p := strings.TrimSuffix(page, path.Ext(page))
		switch {
		case strings.EqualFold(path.Base(p), "index"), strings.EqualFold(path.Base(p), "readme"):
			p = strings.TrimSuffix(p, path.Base(p))
		default:
			p += "/"
		}
		r := strings.NewReplacer("{namespace}", s.Entity.Namespace, "{kind}", s.Entity.Kind, "{name}", s.Entity.Name, "{path}", p)
		u := r.Replace(baseURL)
		if !strings.Contains(baseURL, "{path}") {
			u = strings.TrimRight(u, "/") + "/" + p
		}
		return u + frag
	}
	rel := path.Join(docsDir, page)
	if s.Source == "" || s.Source == "." {
		return rel + frag
	}
	return strings.TrimRight(s.Source, "/") + "/" + rel + frag
}
