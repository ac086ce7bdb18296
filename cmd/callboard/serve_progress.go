package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/adapters/github"
)

// loadProgress is how far serve's first load of its remote sources has
// got, for the answers given meanwhile ("the catalog is still loading").
// It names sources and counts only: never an address or an error, which
// stay in the log.
type loadProgress struct {
	start time.Time
	mu    sync.Mutex
	orgs  map[string]github.Progress // by source name, github:ORG
}

func newLoadProgress() *loadProgress {
	return &loadProgress{start: time.Now(), orgs: map[string]github.Progress{}}
}

// report is a GitHub source's OrgOptions.Progress.
func (p *loadProgress) report(g github.Progress) {
	p.mu.Lock()
	p.orgs["github:"+g.Org] = g
	p.mu.Unlock()
}

// text says, for each source not loaded yet, how far it has got.
func (p *loadProgress) text(pending []string) string {
	if len(pending) == 0 {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := make([]string, 0, len(pending))
	for _, name := range pending {
		g, ok := p.orgs[name]
		switch {
		case !ok && strings.HasPrefix(name, "github:"):
			parts = append(parts, name+": listing its repositories")
		case !ok && strings.HasPrefix(name, "backstage:"):
			parts = append(parts, "the Backstage catalog: no answer yet (retrying)") // its address stays in the log
		case !ok:
			parts = append(parts, "a source: no answer yet (retrying)")
		case g.Total > 0 && g.Scanned >= g.Total:
			parts = append(parts, fmt.Sprintf("%s: all %d repositories read, %d files found, building the catalog", name, g.Total, g.Files))
		default:
			parts = append(parts, fmt.Sprintf("%s: %d of %d repositories read, %d files found", name, g.Scanned, g.Total, g.Files))
		}
	}
	return strings.Join(parts, "; ") + fmt.Sprintf(" (started %s ago).", time.Since(p.start).Round(time.Second))
}
