package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Lang is the template language of Software Templates: ${{ }} expressions and
// {% %} tags, the subset of Nunjucks 3.2.4 that Backstage's scaffolder
// renders (nunjitsu), with JavaScript values and Backstage's filters. It is
// evaluated by a purpose-built interpreter (njk_*.go) that reads no files and
// stops at its budgets (Limits). A Lang is safe for concurrent use; ForJob
// gives one that also counts a job's budget.
type Lang struct {
	limits Limits
	job    *JobBudget
}

// NewLang builds the language with the default budgets.
func NewLang() *Lang { return &Lang{limits: DefaultLimits} }

// newLangWithLimits builds the language with other budgets.
func newLangWithLimits(l Limits) *Lang { return &Lang{limits: l} }

// ForJob returns the language for one job: every file and expression it
// renders draws on one job-wide budget of work and output.
func (l *Lang) ForJob() *Lang {
	return &Lang{limits: l.limits, job: NewJobBudget(l.limits)}
}

// TemplateError is an error in a template, with where it is.
type TemplateError struct {
	File    string
	Line    int
	Col     int
	Message string
	// Budget is set when the template went over a budget (depth, work,
	// output): such an error does not go away on a retry.
	Budget bool
}

func (e *TemplateError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return e.File + ": " + e.Message
}

// Unwrap makes errors.Is(err, ErrTemplateBudget) true for budget errors.
func (e *TemplateError) Unwrap() error {
	if e.Budget {
		return ErrTemplateBudget
	}
	return nil
}

func templateError(file string, err error) error {
	te := &TemplateError{File: file, Message: err.Error()}
	var pe *parseError
	var ee *evalError
	switch {
	case errors.As(err, &pe):
		te.Line, te.Col = pe.p.line, pe.p.col
	case errors.As(err, &ee):
		te.Line, te.Col, te.Budget = ee.p.line, ee.p.col, ee.limit
	}
	return te
}

func hasTemplate(src string) bool {
	return strings.Contains(src, "${{") || strings.Contains(src, "{%") || strings.Contains(src, "{#")
}

func (l *Lang) newRenderer(data map[string]any) *renderer {
	top := &frame{vars: make(map[string]any, len(data))}
	for k, v := range data {
		top.vars[k] = fromGo(v)
	}
	return &renderer{lang: l, limits: l.limits, job: l.job, top: top, start: time.Now()}
}

func (l *Lang) parse(file, src string) ([]node, error) {
	return l.parseMode(file, src, false)
}

func (l *Lang) parseMode(file, src string, compat bool) ([]node, error) {
	if len(src) > l.limits.MaxFileSize {
		return nil, &TemplateError{File: file, Budget: true, Message: fmt.Sprintf("the template is %d bytes, more than the %d allowed", len(src), l.limits.MaxFileSize)}
	}
	nodes, err := parseTemplate(src, compat)
	if err != nil {
		return nil, templateError(file, err)
	}
	return nodes, nil
}

// Render renders src (named file in errors) with data.
func (l *Lang) Render(file, src string, data map[string]any) (string, error) {
	if !hasTemplate(src) {
		return src, nil
	}
	nodes, err := l.parse(file, src)
	if err != nil {
		return "", err
	}
	r := l.newRenderer(data)
	defer r.finish()
	out := &outBuf{r: r}
	if err := r.renderNodes(nodes, r.top, out); err != nil {
		return "", templateError(file, err)
	}
	return out.b.String(), nil
}

// RenderCookiecutter renders src as fetch:template's cookiecutterCompat
// (and callboard's fetch:cookiecutter) does: Jinja's {{ }} delimiters,
// True/False/None, dict.items() and the like, with the values as
// `cookiecutter` ({{ cookiecutter.name }}).
func (l *Lang) RenderCookiecutter(file, src string, values any) (string, error) {
	if !strings.Contains(src, "{{") && !hasTemplate(src) {
		return src, nil
	}
	nodes, err := l.parseMode(file, src, true)
	if err != nil {
		return "", err
	}
	r := l.newRenderer(map[string]any{"cookiecutter": values})
	defer r.finish()
	r.compat = true
	out := &outBuf{r: r}
	if err := r.renderNodes(nodes, r.top, out); err != nil {
		return "", templateError(file, err)
	}
	return out.b.String(), nil
}

// renderValue renders src as Backstage renders a step's input or output:
// a template that is one ${{ expression }} keeps the expression's value (a
// list stays a list); one tag whose text is JSON gives that JSON; anything
// else is text. ok is false when the value is undefined.
func (l *Lang) renderValue(file, src string, data map[string]any) (v any, ok bool, err error) {
	if src == "" {
		return nil, false, nil // empty output is undefined, as in Backstage
	}
	if !hasTemplate(src) {
		return src, true, nil
	}
	nodes, err := l.parse(file, src)
	if err != nil {
		return nil, false, err
	}
	r := l.newRenderer(data)
	defer r.finish()
	if len(nodes) == 1 {
		if o, isOut := nodes[0].(*outputNode); isOut {
			val, err := r.eval(o.e, r.top)
			if err != nil {
				return nil, false, templateError(file, err)
			}
			if isUndefined(val) {
				return nil, false, nil
			}
			return toGo(val), true, nil
		}
	}
	out := &outBuf{r: r}
	if err := r.renderNodes(nodes, r.top, out); err != nil {
		return nil, false, templateError(file, err)
	}
	text := out.b.String()
	if text == "" {
		return nil, false, nil
	}
	if len(nodes) == 1 {
		if _, isText := nodes[0].(*textNode); !isText {
			var j any
			if json.Unmarshal([]byte(text), &j) == nil {
				return j, true, nil
			}
		}
	}
	return text, true, nil
}

// Eval evaluates a value of a step's input or the template's output: strings
// are rendered, maps and lists walked. A string that is one whole expression
// keeps the expression's type (a list stays a list, a number a number); a
// map entry whose value renders undefined is left out, as Backstage leaves it.
func (l *Lang) Eval(where string, v any, data map[string]any) (any, error) {
	out, _, err := l.eval(where, v, data)
	return out, err
}

func (l *Lang) eval(where string, v any, data map[string]any) (any, bool, error) {
	switch x := v.(type) {
	case string:
		return l.renderValue(where, x, data)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, ok, err := l.eval(where+"."+k, e, data)
			if err != nil {
				return nil, false, err
			}
			if ok {
				out[k] = r
			}
		}
		return out, true, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, _, err := l.eval(fmt.Sprintf("%s[%d]", where, i), e, data)
			if err != nil {
				return nil, false, err
			}
			out[i] = r
		}
		return out, true, nil
	}
	return v, true, nil
}

// Truthy evaluates a step's `if` as Backstage does: an empty list is false,
// otherwise JavaScript's truth of the value.
func (l *Lang) Truthy(where string, cond any, data map[string]any) (bool, error) {
	v, err := l.Eval(where, cond, data)
	if err != nil {
		return false, err
	}
	if a, ok := v.([]any); ok {
		return len(a) > 0, nil
	}
	return truthy(fromGo(v)), nil
}

// templateData prepares data for templates. Values are converted to the
// language's JavaScript values when rendered; this keeps the data as given.
func templateData(v any) any { return v }

// isBinary reports whether data is not text: NUL bytes or invalid UTF-8.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data)
}
