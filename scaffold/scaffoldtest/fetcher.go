package scaffoldtest

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/scaffold"
)

// MemFetcher serves trees by URL, for templates that fetch remote locations.
type MemFetcher struct {
	Trees map[string][]scaffold.File
	// Asked lists the URLs requested, in order.
	Asked []string
}

// FetchTree implements scaffold.URLFetcher.
func (f *MemFetcher) FetchTree(ctx context.Context, rawURL string) ([]scaffold.File, error) {
	f.Asked = append(f.Asked, rawURL)
	files, ok := f.Trees[rawURL]
	if !ok {
		return nil, fmt.Errorf("%s: not found", rawURL)
	}
	return files, nil
}
