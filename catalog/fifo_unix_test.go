//go:build unix

package catalog

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A placeholder naming a FIFO (or a device) would block the load for ever,
// as nothing writes to it: only regular files are read, and the field is
// left unresolved with a problem that says why.
func TestPlaceholderNamingAFIFOIsNotRead(t *testing.T) {
	base := t.TempDir()
	writeTree(t, base, map[string]string{
		"cat/c.yaml": "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./pipe}}\n",
	})
	if err := syscall.Mkfifo(filepath.Join(base, "cat", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan *Result, 1)
	go func() { done <- LoadPaths(t.Context(), []string{filepath.Join(base, "cat")}) }()
	var res *Result
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the load is still blocked on the FIFO after a minute")
	}
	var all []string
	for _, p := range res.Problems {
		all = append(all, p.String())
	}
	if !strings.Contains(strings.Join(all, "\n"), "$text ./pipe is not a regular file") {
		t.Errorf("no problem names the FIFO:\n%s", strings.Join(all, "\n"))
	}
	if len(res.Entities) != 1 {
		t.Errorf("entities %d, want the API still loaded", len(res.Entities))
	}
}
