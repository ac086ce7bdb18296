package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
)

// Ask runs one command line as user and returns the answer. Follow-up work
// (Response.Follow) is run to completion and its last update returned.
func Ask(ctx context.Context, h chat.Handler, user chat.User, text string, page int) (*chat.Response, error) {
	if user.Platform == "" {
		user.Platform = chat.PlatformConsole
	}
	if resp := chat.TextTooLong(text); resp != nil {
		return resp, nil
	}
	req := &chat.Request{Text: text, User: user, Platform: chat.PlatformConsole, Page: page, Received: time.Now()}
	resp, err := h.Handle(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("the command gave no answer")
	}
	if resp.Follow != nil {
		last := resp
		ferr := resp.Follow(ctx, func(r *chat.Response) error { last = r; return nil })
		if ferr != nil {
			return last, fmt.Errorf("finishing %q: %w", text, ferr)
		}
		resp = last
	}
	// The answer as data (--json): what was asked and the entities listed.
	c := *resp
	c.Query = text
	if c.Refs == nil {
		c.Refs = bot.RefsOf(&c)
	}
	return &c, nil
}

// Session is an interactive (or piped) conversation: one command per line.
type Session struct {
	Handler chat.Handler
	User    chat.User
	In      io.Reader
	Out     io.Writer
	// Err receives problems with a line that are not answers (nil: Out).
	Err io.Writer
	// Log receives the causes of failed answers (nil: a text log on Err);
	// the answer itself shows only chat.PublicMessage.
	Log *slog.Logger
	// JSON prints one JSON response per line instead of text.
	JSON bool
	// Prompt, when not empty, is printed before each line (on a terminal).
	Prompt string
	// Editor, when set, reads the lines instead of In: a line editor with
	// history on a terminal (it prints the prompt itself).
	Editor LineReader
}

// LineReader reads one line at a time; io.EOF ends the session.
type LineReader interface {
	ReadLine() (string, error)
}

// readLine is the session's line source: the Editor, or In line by line.
func (s *Session) readLine() func() (string, error) {
	if s.Editor != nil {
		return s.Editor.ReadLine
	}
	sc := bufio.NewScanner(s.In)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	return func() (string, error) {
		if sc.Scan() {
			return sc.Text(), nil
		}
		if err := sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
}

// Stats counts what a session answered.
type Stats struct {
	Lines    int
	NotFound int
	Errors   int
}

// Run reads lines until EOF, "quit"/"exit" or ctx ends. Besides commands it
// understands `next`/`more` (the last answer's next page) and a number N
// (run the last answer's action N).
func (s *Session) Run(ctx context.Context) (Stats, error) {
	var st Stats
	errw := s.Err
	if errw == nil {
		errw = s.Out
	}
	lines := make(chan string)
	want := make(chan struct{})
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	read := s.readLine()
	// Lines are read one at a time, when the loop asks: a line editor
	// prints its prompt when it starts reading, so it must not start
	// before the last answer has been printed.
	go func() {
		for {
			select {
			case <-want:
			case <-done:
				return
			}
			line, err := read()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				readErr <- err
				close(lines)
				return
			}
			select {
			case lines <- line:
			case <-done:
				return
			}
		}
	}()
	var last *chat.Response
	for {
		if s.Prompt != "" && s.Editor == nil {
			fmt.Fprint(s.Out, s.Prompt)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case want <- struct{}{}:
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case line, ok = <-lines:
		}
		if !ok {
			if s.Prompt != "" {
				fmt.Fprintln(s.Out)
			}
			return st, <-readErr
		}
		text := strings.TrimSpace(line)
		switch strings.ToLower(text) {
		case "quit", "exit", "bye", `\q`:
			return st, nil
		}
		if text == "" && !s.JSON {
			// A blank line asks nothing (with --json it still gets its
			// answer, so a script reading one line per line keeps in step).
			continue
		}
		page := 0
		if last != nil {
			if act, ok := pick(last, text); ok {
				text, page = act.Command, act.Page
			} else if n, err := strconv.Atoi(text); err == nil && s.Prompt != "" {
				fmt.Fprintf(errw, "There is no action %d in the last answer.\n", n)
				continue
			}
		}
		st.Lines++
		resp, err := Ask(ctx, s.Handler, s.User, text, page)
		if err != nil {
			st.Errors++
			log := s.Log
			if log == nil {
				log = slog.New(slog.NewTextHandler(errw, nil))
			}
			resp = chat.ErrorResponse(ctx, log, err, "platform", "console")
		}
		switch resp.Status {
		case chat.StatusNotFound, chat.StatusAmbiguous:
			st.NotFound++
		case chat.StatusError:
			st.Errors++
		}
		if s.JSON {
			err = RenderJSON(s.Out, resp)
		} else {
			err = Render(s.Out, resp)
			if err == nil && s.Prompt == "" {
				_, err = io.WriteString(s.Out, "\n")
			}
		}
		if err != nil {
			return st, fmt.Errorf("write answer: %w", err)
		}
		last = resp
	}
}

// pick finds the action a line asks for: "next"/"more" or its number.
func pick(last *chat.Response, text string) (chat.Action, bool) {
	switch strings.ToLower(text) {
	case "next", "more", "n":
		for _, a := range last.Actions {
			if strings.HasPrefix(a.Label, "next page") {
				return a, true
			}
		}
		return chat.Action{}, false
	case "prev", "previous", "back", "p":
		for _, a := range last.Actions {
			if a.Label == "previous page" {
				return a, true
			}
		}
		return chat.Action{}, false
	}
	n, err := strconv.Atoi(text)
	all := choices(last)
	if err != nil || n < 1 || n > len(all) {
		return chat.Action{}, false
	}
	return all[n-1], true
}

// choices are the numbered choices of an answer as Render lists them: its
// suggestions, then its actions.
func choices(resp *chat.Response) []chat.Action {
	out := make([]chat.Action, 0, len(resp.Suggestions)+len(resp.Actions))
	for _, s := range resp.Suggestions {
		out = append(out, chat.Action{Label: s.Label, Command: s.Command})
	}
	return append(out, resp.Actions...)
}
