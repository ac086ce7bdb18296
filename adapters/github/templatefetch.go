package github

import (
	"context"
	"fmt"
	"strings"

	"github.com/callboard/callboard/scaffold"
)

// TemplateFetcher reads the remote skeletons of Software Templates
// (fetch:template / fetch:plain with url: https://HOST/ORG/REPO/tree/BRANCH/PATH)
// through GitHub: one recursive tree call and one blob call per file. It
// implements scaffold.URLFetcher. Which hosts a template may name is
// checked by the scaffolder (scaffold.locations) before anything is
// fetched; the fetcher refuses hosts other than its GitHub's besides.
type TemplateFetcher struct {
	r *TechDocsReader
}

// NewTemplateFetcher returns a fetcher through c. opts bound one skeleton
// (MaxFiles default 1000, MaxBytes default 32 MiB) and add web hosts.
func NewTemplateFetcher(c *Client, opts TechDocsOptions) *TemplateFetcher {
	return &TemplateFetcher{r: NewTechDocsReader(c, opts)}
}

// FetchTree implements scaffold.URLFetcher: the files under the folder the
// URL names (or the one file a blob URL names), paths relative to it.
func (f *TemplateFetcher) FetchTree(ctx context.Context, raw string) ([]scaffold.File, error) {
	r := f.r
	t, err := r.parse(raw)
	if err != nil {
		return nil, err
	}
	tree, branch, dir, err := r.listTree(ctx, t)
	if err != nil {
		return nil, err
	}
	repoPath := "repos/" + t.owner + "/" + t.repo
	var out []scaffold.File
	var total int64
	for _, e := range tree {
		if e.Type != "blob" {
			continue // folders; submodules ("commit") are not part of a skeleton
		}
		rel := ""
		switch {
		case dir == ".":
			rel = e.Path
		case e.Path == dir:
			rel = e.Path[strings.LastIndexByte(e.Path, '/')+1:] // a file URL
		case strings.HasPrefix(e.Path, dir+"/"):
			rel = strings.TrimPrefix(e.Path, dir+"/")
		default:
			continue
		}
		if e.Mode == "120000" {
			return nil, fmt.Errorf("%s holds a symbolic link (%s); links are not copied, as they could point outside the target", raw, e.Path)
		}
		if len(out) >= r.opts.MaxFiles {
			return nil, fmt.Errorf("%s holds more than %d files", raw, r.opts.MaxFiles)
		}
		if total += e.Size; total > r.opts.MaxBytes {
			return nil, fmt.Errorf("%s is larger than %d bytes", raw, r.opts.MaxBytes)
		}
		data, err := r.blob(ctx, repoPath, e.SHA)
		if err != nil {
			return nil, fmt.Errorf("reading %s of %s/%s at %s: %w", e.Path, t.owner, t.repo, branch, err)
		}
		out = append(out, scaffold.File{Path: rel, Data: data, Executable: e.Mode == "100755"})
	}
	r.forgetBlobs() // a skeleton is read once per job: keep no copies
	if len(out) == 0 {
		return nil, fmt.Errorf("nothing at %s: no file under %s of %s/%s at %s", raw, dir, t.owner, t.repo, branch)
	}
	return out, nil
}
