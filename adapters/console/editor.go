package console

import (
	"io"
	"strings"

	"golang.org/x/term"
)

// NewEditor is a line editor for chat on a terminal (golang.org/x/term):
// arrow keys move and recall earlier lines, Ctrl-D or Ctrl-C ends. rw is
// the terminal in raw mode. Blank lines and repeats are not kept in the
// history, so the up arrow recalls the last command.
func NewEditor(rw io.ReadWriter, prompt string) *term.Terminal {
	t := term.NewTerminal(rw, prompt)
	t.History = &history{max: 500}
	return t
}

// history is term.History without blank lines and immediate repeats.
type history struct {
	lines []string // oldest first
	max   int
}

func (h *history) Add(line string) {
	if strings.TrimSpace(line) == "" || (len(h.lines) > 0 && h.lines[len(h.lines)-1] == line) {
		return
	}
	h.lines = append(h.lines, line)
	if len(h.lines) > h.max {
		h.lines = h.lines[len(h.lines)-h.max:]
	}
}

func (h *history) Len() int { return len(h.lines) }

// At returns the idx-th most recent line (0 is the last).
func (h *history) At(idx int) string { return h.lines[len(h.lines)-1-idx] }
