package scaffold

import (
	"errors"
	"fmt"
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
		case <-time.After(time.Minute): // a hang guard, not a speed target
			t.Errorf("%s: still running after a minute", src)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestTemplateBudgetsEndRunawaysWithAClearError holds issue 15's attacks:
// each ends quickly in a TemplateError naming the file, marked as a budget
// error, without a Go stack overflow or gigabytes of memory.
func TestTemplateBudgetsEndRunawaysWithAClearError(t *testing.T) {
	l := NewLang()
	cases := map[string]string{
		"recursive macro":      "{% macro f(n) %}${{ f(n + 1) }}{% endmacro %}${{ f(0) }}",
		"doubling a string":    `{% set s = "x" %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}${{ s | length }}`,
		"doubling with +":      `{% set s = "xy" %}{% for i in range(64) %}{% set s = s + s %}{% endfor %}`,
		"replace amplifies":    `{% set s = "x" %}{% for i in range(64) %}{% set s = s | replace("x", "xx") %}{% endfor %}`,
		"replace empty needle": `{% set s = "abcdefgh" %}{% for i in range(64) %}{% set s = s | replace("", s) %}{% endfor %}`,
		"nested range loops":   "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
		"huge range":           "${{ range(2000000000) | length }}",
		"output flood":         `{% for i in range(900000) %}${{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }}{% endfor %}`,
		"array growth":         `{% set a = [1] %}{% for i in range(64) %}{% set a = a.concat(a) %}{% endfor %}`,
		"join growth":          `{% set s = "x" %}{% for i in range(64) %}{% set s = [s, s] | join(s) %}{% endfor %}`,
		"indent growth":        `{% set s = "a\nb" %}{% for i in range(64) %}{% set s = (s ~ "\n" ~ s) | indent(1000) %}{% endfor %}`,
		"center width":         `${{ "x" | center(2000000000) }}`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := l.Render("skeleton/evil.txt", src, map[string]any{})
				done <- err
			}()
			select {
			case err := <-done:
				var te *TemplateError
				if !errors.As(err, &te) || te.File != "skeleton/evil.txt" || !te.Budget || !errors.Is(err, ErrTemplateBudget) || te.Line != 1 {
					t.Fatalf("err = %#v, want a budget TemplateError at skeleton/evil.txt:1", err)
				}
				if !strings.Contains(err.Error(), "budget") && !strings.Contains(err.Error(), "deeper") {
					t.Errorf("error does not say what ran out: %v", err)
				}
			case <-time.After(time.Minute):
				// A hang guard, not a speed target (the benchmarks hold
				// those): every case ends well within the per-file time
				// budget, but -race on a loaded machine is slow.
				t.Fatal("still running after a minute: the budgets did not end it")
			}
		})
	}
	// "x" * 2e9 is no attack in JavaScript: 2e9 is no literal Nunjucks
	// reads, and a string times a number is NaN.
	if _, err := l.Render("f", `${{ "x" * 2e9 }}`, nil); err == nil {
		t.Error(`"x" * 2e9 parsed`)
	}
	if out, err := l.Render("f", `${{ "x" * 2000000000 }}`, nil); err != nil || out != "NaN" {
		t.Errorf(`"x" * 2000000000 = %q, %v; want NaN`, out, err)
	}
}

// TestDeepNestingIsASyntaxErrorNotAStackOverflow: the parser has its own
// depth bound.
func TestDeepNestingIsASyntaxErrorNotAStackOverflow(t *testing.T) {
	l := NewLang()
	for name, src := range map[string]string{
		"parentheses": "${{ " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + " }}",
		"not":         "${{ " + strings.Repeat("not ", 100000) + "1 }}",
		"unary minus": "${{ " + strings.Repeat("-", 100000) + "1 }}",
		"arrays":      "${{ " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + " }}",
		"if tags":     strings.Repeat("{% if true %}", 100000) + strings.Repeat("{% endif %}", 100000),
	} {
		_, err := l.Render("deep.txt", src, nil)
		var te *TemplateError
		if !errors.As(err, &te) || te.File != "deep.txt" || !strings.Contains(te.Message, "nested more than") {
			t.Errorf("%s: err = %v, want a nesting error naming deep.txt", name, err)
		}
	}
}

// TestAJobHasOneBudgetForAllItsFiles: files each within the per-file budget
// still stop the job when together they pass the job's.
func TestAJobHasOneBudgetForAllItsFiles(t *testing.T) {
	limits := DefaultLimits
	limits.JobOutput = 1 << 20
	job := newLangWithLimits(limits).ForJob()
	src := `{% for i in range(1000) %}${{ "` + strings.Repeat("x", 299) + `" }}{% endfor %}` // 300 KB a file
	var err error
	n := 0
	for ; n < 10 && err == nil; n++ {
		_, err = job.Render(fmt.Sprintf("skeleton/f%d.txt", n), src, nil)
	}
	if !errors.Is(err, ErrTemplateBudget) || n != 4 || !strings.Contains(err.Error(), "skeleton/f3.txt") || !strings.Contains(err.Error(), "per-job") {
		t.Fatalf("file %d: err = %v, want the 4th file to pass the job's 1 MiB output budget", n, err)
	}
	// Another job starts afresh.
	if _, err := newLangWithLimits(limits).ForJob().Render("skeleton/f0.txt", src, nil); err != nil {
		t.Errorf("a new job inherited the budget: %v", err)
	}
}

// BenchmarkRunawayTemplatesStop measures how long the budgets take to stop
// issue 15's attacks (each must end in an error).
func BenchmarkRunawayTemplatesStop(b *testing.B) {
	l := NewLang()
	for name, src := range map[string]string{
		"recursive-macro": "{% macro f(n) %}${{ f(n + 1) }}{% endmacro %}${{ f(0) }}",
		"nested-range":    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
		"string-doubling": `{% set s = "x" %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}`,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Render("f", src, nil); !errors.Is(err, ErrTemplateBudget) {
					b.Fatalf("err = %v", err)
				}
			}
		})
	}
}

// TestTimeBudgetsBackTheWorkBudget: with a generous work budget, the time
// budgets (per file, per job) still end a slow render with a clear error.
func TestTimeBudgetsBackTheWorkBudget(t *testing.T) {
	limits := DefaultLimits
	limits.Work, limits.JobWork = 1<<40, 1<<40
	limits.Time = 50 * time.Millisecond
	src := "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
	start := time.Now()
	_, err := newLangWithLimits(limits).Render("slow.txt", src, nil)
	if !errors.Is(err, ErrTemplateBudget) || !strings.Contains(err.Error(), "slow.txt") || !strings.Contains(err.Error(), "time budget") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopped after %v", d)
	}
	limits.Time, limits.JobTime = time.Hour, 50*time.Millisecond
	job := newLangWithLimits(limits).ForJob()
	// Time between renders (a step publishing to GitHub) does not count.
	time.Sleep(80 * time.Millisecond)
	if _, err := job.Render("quick.txt", "{% for i in range(5000) %}x{% endfor %}", nil); err != nil {
		t.Fatalf("time outside rendering was counted: %v", err)
	}
	_, err = job.Render("slow.txt", src, nil)
	if !errors.Is(err, ErrTemplateBudget) || !strings.Contains(err.Error(), "job's templates went over their time budget") {
		t.Fatalf("job err = %v", err)
	}
}
