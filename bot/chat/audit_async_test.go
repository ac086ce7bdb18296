package chat_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// gatedAudit records entries in order once open is closed; entered gets a
// value when a Record starts.
type gatedAudit struct {
	open    chan struct{}
	entered chan struct{}
	mu      sync.Mutex
	got     []string
}

func (g *gatedAudit) Record(_ context.Context, e chat.AuditEntry) error {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, e.Text)
	return nil
}

func (g *gatedAudit) texts() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.got...)
}

func TestAsyncAuditWritesEveryQueuedEntryInOrderOnClose(t *testing.T) {
	g := &gatedAudit{open: make(chan struct{}), entered: make(chan struct{}, 1)}
	a := chat.NewAsyncAudit(g, 1000, nil)
	ctx := context.Background()
	for i := range 500 {
		if err := a.Record(ctx, chat.AuditEntry{Text: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(g.texts()); n != 0 {
		t.Fatalf("%d entries written while the writer was blocked", n)
	}
	close(g.open)
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.Close(cctx); err != nil {
		t.Fatal(err)
	}
	got := g.texts()
	if len(got) != 500 || a.Dropped() != 0 {
		t.Fatalf("%d written, %d dropped; want 500 and 0", len(got), a.Dropped())
	}
	for i, s := range got {
		if s != strconv.Itoa(i) {
			t.Fatalf("entry %d is %q: out of order", i, s)
		}
	}
	// After Close, an entry is written before Record returns.
	_ = a.Record(ctx, chat.AuditEntry{Text: "late"})
	if got := g.texts(); got[len(got)-1] != "late" {
		t.Fatalf("an entry after Close was lost: %v", got[len(got)-3:])
	}
}

func TestAsyncAuditDropsAndCountsBeyondItsQueue(t *testing.T) {
	g := &gatedAudit{open: make(chan struct{}), entered: make(chan struct{}, 1)}
	a := chat.NewAsyncAudit(g, 2, nil)
	ctx := context.Background()
	_ = a.Record(ctx, chat.AuditEntry{Text: "0"})
	<-g.entered // the writer holds entry 0; the queue is empty
	for i := 1; i <= 4; i++ {
		_ = a.Record(ctx, chat.AuditEntry{Text: strconv.Itoa(i)})
	}
	if a.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", a.Dropped())
	}
	close(g.open)
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.Close(cctx); err != nil {
		t.Fatal(err)
	}
	if got := g.texts(); len(got) != 3 || got[0] != "0" || got[1] != "1" || got[2] != "2" {
		t.Fatalf("written %v, want [0 1 2]", got)
	}
}

func TestAsyncAuditCloseGivesUpAtItsDeadline(t *testing.T) {
	g := &gatedAudit{open: make(chan struct{}), entered: make(chan struct{}, 1)}
	a := chat.NewAsyncAudit(g, 10, nil)
	_ = a.Record(context.Background(), chat.AuditEntry{Text: "0"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Close(ctx); err == nil {
		t.Fatal("Close returned with the writer blocked")
	}
	close(g.open)
}

// heldLines is a SlogAudit Buffer: lines reach out only at Flush. Write
// waits until gate is closed.
type heldLines struct {
	gate      chan struct{}
	mu        sync.Mutex
	held, out strings.Builder
	flushes   int
}

func (h *heldLines) Write(p []byte) (int, error) {
	<-h.gate
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held.Write(p)
}

func (h *heldLines) Flush() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.out.WriteString(h.held.String())
	h.held.Reset()
	h.flushes++
	return nil
}

func (h *heldLines) written() (string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String(), h.flushes
}

// A buffered SlogAudit's lines are flushed once the queue runs empty,
// without waiting for Close: a burst (queued while the first line is being
// written) takes one flush, not one per entry.
func TestAsyncAuditFlushesABufferedSlogAuditAfterEachBurst(t *testing.T) {
	h := &heldLines{gate: make(chan struct{})}
	a := chat.NewAsyncAudit(chat.SlogAudit{Logger: slog.New(slog.NewJSONHandler(h, nil)), Buffer: h}, 1000, nil)
	for i := range 500 {
		_ = a.Record(t.Context(), chat.AuditEntry{Text: "q" + strconv.Itoa(i)})
	}
	close(h.gate)
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, _ := h.written()
		if strings.Count(out, "\n") == 500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 500 lines written without Close", strings.Count(out, "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	out, flushes := h.written()
	if !strings.Contains(out, `"text":"q0"`) || !strings.Contains(out, `"text":"q499"`) || flushes != 1 {
		t.Fatalf("%d flushes for 500 entries; out starts %.80q", flushes, out)
	}
	if err := a.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	// After Close an entry is written and flushed before Record returns.
	_ = a.Record(t.Context(), chat.AuditEntry{Text: "late"})
	if out, _ := h.written(); !strings.Contains(out, `"text":"late"`) {
		t.Fatal("an entry recorded after Close was left in the buffer")
	}
}
