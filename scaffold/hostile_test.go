package scaffold

import (
	"errors"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestLongChainsAreASyntaxErrorNotAStackOverflow: a+a+…+a, x|f|…|f and
// x.a.….a parse without recursion but evaluate recursively, as deep as
// they are long. A 4 MB template holds a chain of a million links, past
// the Go stack's limit: a fatal error recover cannot catch, killing serve
// on a chat dry run. The stack limit is lowered here so a 20k-link chain
// (within the token bound) shows it.
func TestLongChainsAreASyntaxErrorNotAStackOverflow(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	l := NewLang()
	const n = 20000
	for name, src := range map[string]string{
		"plus":    "${{ 1" + strings.Repeat("+1", n) + " }}",
		"concat":  "${{ 'a'" + strings.Repeat("~'a'", n) + " }}",
		"and":     "${{ 1" + strings.Repeat(" and 1", n) + " }}",
		"or":      "${{ 0" + strings.Repeat(" or 0", n) + " }}",
		"in":      "${{ 1" + strings.Repeat(" in [1]", n) + " }}",
		"filters": "${{ 'a'" + strings.Repeat("|upper", n) + " }}",
		"lookups": "${{ x" + strings.Repeat(".a", n) + " }}",
		"indexes": "${{ x" + strings.Repeat("[0]", n) + " }}",
		"calls":   "${{ f" + strings.Repeat("()", n) + " }}",
		"nested":  "${{ " + strings.Repeat("(1"+strings.Repeat("+1", 1000), 30) + strings.Repeat(")", 30) + " }}",
	} {
		_, err := l.Render("chain.txt", src, map[string]any{"x": map[string]any{}})
		var te *TemplateError
		if !errors.As(err, &te) || te.File != "chain.txt" || !strings.Contains(te.Message, "nested more than") {
			t.Errorf("%s: err = %v, want a nesting error naming chain.txt", name, err)
		}
	}
	// Chains as long as people write still render.
	out, err := l.Render("ok.txt", "${{ 0"+strings.Repeat("+1", 1000)+" }}${{ 'a'"+strings.Repeat("|upper", 500)+" }}", nil)
	if err != nil || out != "1000A" {
		t.Errorf("a 1000-link chain = %q, %v; want 1000A", out, err)
	}
}

// TestSliceAndBatchCountsAreBudgeted: slice(n) makes n arrays and
// batch(n, fill) pads to n items, whatever the input's length; a huge n
// ran for minutes (slice) or ran out of memory (batch's fill).
func TestSliceAndBatchCountsAreBudgeted(t *testing.T) {
	l := NewLang()
	for _, src := range []string{
		"${{ [1, 2, 3] | slice(2000000000) | length }}",
		"${{ [1] | batch(2000000000, 'x') | length }}",
	} {
		done := make(chan error, 1)
		go func() {
			_, err := l.Render("skeleton/evil.txt", src, nil)
			done <- err
		}()
		select {
		case err := <-done:
			var te *TemplateError
			if !errors.As(err, &te) || te.File != "skeleton/evil.txt" || !te.Budget || te.Line != 1 {
				t.Errorf("%s: err = %v, want a budget TemplateError at skeleton/evil.txt:1", src, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still running after 5s", src)
		}
	}
	// Ordinary counts still work as in Nunjucks.
	out, err := l.Render("f", "${{ [1, 2, 3] | slice(2) | length }} ${{ [1, 2, 3] | batch(2, 'z') | last | join }}", nil)
	if err != nil || out != "2 3z" {
		t.Errorf("slice/batch = %q, %v; want \"2 3z\"", out, err)
	}
}

// TestAHugeExpressionIsRefusedBeforeItsTokensFillMemory: a 3 MB expression
// of [0][0]… was a million tokens, ~850 MB allocated, before the parser
// refused it.
func TestAHugeExpressionIsRefusedBeforeItsTokensFillMemory(t *testing.T) {
	src := "${{ x" + strings.Repeat("[0]", 1_000_000) + " }}"
	l := NewLang()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := l.Render("big.txt", src, nil)
	runtime.ReadMemStats(&after)
	var te *TemplateError
	if !errors.As(err, &te) || te.File != "big.txt" || te.Line != 1 {
		t.Fatalf("err = %v, want a TemplateError at big.txt:1", err)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 128 {
		t.Errorf("refusing a %d KB expression allocated %d MB, want at most 128", len(src)>>10, mb)
	}
}
