package scaffold

import (
	"strings"
	"testing"
	"time"
)

func TestRunawayTemplatesAreStopped(t *testing.T) {
	l := NewLang()
	// range(1, 10, 0) is no runaway: Nunjucks (so Backstage) takes a step of 0 as 1.
	if out, err := l.Render("f", "{% for i in range(1, 10, 0) %}x{% endfor %}", nil); err != nil || out != "xxxxxxxxx" {
		t.Errorf("range(1, 10, 0) = %q, %v; want 9 x as in Backstage", out, err)
	}
	for _, src := range []string{"{% for i in range(100000000) %}x{% endfor %}", "${{ range(3) | join(',') }}", "${{ lipsum(100000) }}"} {
		done := make(chan string, 1)
		go func() {
			out, err := l.Render("f", src, map[string]any{})
			done <- out + " / " + errString(err)
		}()
		select {
		case r := <-done:
			if len(r) > 100000 || (src != "${{ range(3) | join(',') }}" && !strings.Contains(r, "f:1")) {
				t.Errorf("%s: rendered %.80q, want a positioned error", src, r)
			}
		case <-time.After(3 * time.Second):
			t.Errorf("%s: still running after 3s", src)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
