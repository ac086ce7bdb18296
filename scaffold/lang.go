package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/catalog"
	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// Lang is the template language: Nunjucks-style, variables written ${{ }}
// and blocks {% %}, on gonja. It is safe for concurrent use.
type Lang struct {
	cfg *config.Config
	env *exec.Environment
}

// NewLang builds the language with Backstage's filters added to gonja's.
func NewLang() *Lang {
	cfg := config.New()
	cfg.VariableStartString = "${{"
	cfg.VariableEndString = "}}"
	cfg.KeepTrailingNewline = true
	cfg.StrictUndefined = false
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	for name, fn := range map[string]exec.FilterFunction{
		"parseRepoUrl":   filterParseRepoURL,
		"parseEntityRef": filterParseEntityRef,
		"pick":           filterPick,
		"projectSlug":    filterProjectSlug,
		"dump":           filterDump,
		"jsonify":        filterDump,
	} {
		_ = filters.Register(name, fn)
	}
	env := &exec.Environment{
		Context:           globals(),
		Filters:           filters,
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
	return &Lang{cfg: cfg, env: env}
}

// TemplateError is an error in a template, with where it is.
type TemplateError struct {
	File    string
	Line    int
	Col     int
	Message string
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

var (
	parsePos = regexp.MustCompile(`\(Line: (\d+) Col: (\d+)(, near [^)]*)?\)`)
	execPos  = regexp.MustCompile(`at line (\d+)`)
)

func templateError(file, src string, err error) error {
	msg := err.Error()
	msg = strings.Replace(msg, "failed to parse template '"+src+"': ", "", 1)
	msg = strings.Replace(msg, "unable to execute template: ", "", 1)
	te := &TemplateError{File: file}
	if m := parsePos.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &te.Line)
		fmt.Sscan(m[2], &te.Col)
		msg = strings.TrimSpace(strings.Replace(msg, m[0], strings.TrimPrefix(m[3], ", "), 1))
	} else if m := execPos.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &te.Line)
	}
	te.Message = msg
	return te
}

// jsOps turns the JavaScript comparison operators templates use in `if`
// (===, !==) into the language's.
func jsOps(s string) string {
	if !strings.Contains(s, "==") {
		return s
	}
	return strings.NewReplacer("!==", "!=", "===", "==").Replace(s)
}

// Render renders src (named file in errors) with data.
func (l *Lang) Render(file, src string, data map[string]any) (string, error) {
	if !strings.Contains(src, "${{") && !strings.Contains(src, "{%") && !strings.Contains(src, "{#") {
		return src, nil
	}
	loader, err := loaders.NewShiftedLoader(file, strings.NewReader(src), noLoader{})
	if err != nil {
		return "", err
	}
	tpl, err := exec.NewTemplate(file, l.cfg, loader, l.env)
	if err != nil {
		return "", templateError(file, src, err)
	}
	out, err := renderSafely(tpl, l.withUndefined(src, data))
	if err != nil {
		return "", templateError(file, src, err)
	}
	return out, nil
}

func renderSafely(tpl *exec.Template, data map[string]any) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the template could not be evaluated: %v", r)
		}
	}()
	return tpl.ExecuteToString(exec.NewContext(data))
}

// noLoader refuses includes and imports: a skeleton can reach no other file.
type noLoader struct{}

func (noLoader) Read(name string) (io.Reader, error) {
	return nil, fmt.Errorf("templates may not include other files (%s)", name)
}
func (noLoader) Resolve(name string) (string, error) {
	return "", fmt.Errorf("templates may not include other files (%s)", name)
}
func (noLoader) Inherit(from string) (loaders.Loader, error) { return noLoader{}, nil }

var wholeExpr = regexp.MustCompile(`^\s*\$\{\{([\s\S]*)\}\}\s*$`)

// Eval evaluates a value of a step's input or the template's output: strings
// are rendered, maps and lists walked. A string that is one whole expression
// keeps the expression's type (a list stays a list, a number a number).
func (l *Lang) Eval(where string, v any, data map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		if m := wholeExpr.FindStringSubmatch(x); m != nil && !strings.Contains(m[1], "${{") && !strings.Contains(m[1], "}}") {
			out, err := l.Render(where, "${{ ("+jsOps(m[1])+") | dump }}", data)
			if err != nil {
				// Some expressions (a if b else c) do not parse inside
				// parentheses: render them as text instead.
				return l.Render(where, jsOps(x), data)
			}
			if out == "" {
				return nil, nil
			}
			var val any
			if err := json.Unmarshal([]byte(out), &val); err != nil {
				return out, nil
			}
			return val, nil
		}
		return l.Render(where, jsOps(x), data)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := l.Eval(where+"."+k, e, data)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := l.Eval(fmt.Sprintf("%s[%d]", where, i), e, data)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// Truthy evaluates a step's `if`: a bool, or an expression.
func (l *Lang) Truthy(where string, cond any, data map[string]any) (bool, error) {
	v, err := l.Eval(where, cond, data)
	if err != nil {
		return false, err
	}
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		return x != "" && x != "false" && x != "False", nil
	case float64:
		return x != 0, nil
	case []any:
		return len(x) > 0, nil
	case map[string]any:
		return len(x) > 0, nil
	}
	return true, nil
}

// templateData prepares data for gonja: whole numbers become integers so
// they print as 8080, not 8080.0.
func templateData(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = templateData(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = templateData(e)
		}
		return out
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	}
	return v
}

func filterDump(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	data, err := json.Marshal(plain(in.Interface()))
	if err != nil {
		return exec.ValueError(err)
	}
	return exec.AsSafeValue(string(data))
}

// plain converts values gonja may hand to a filter into JSON-friendly ones.
func plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case *exec.Value:
		return plain(x.Interface())
	}
	return v
}

func filterParseRepoURL(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	r, err := ParseRepoURL(in.String(), nil)
	if err != nil {
		return exec.ValueError(err)
	}
	m := map[string]any{"host": r.Host, "owner": r.Owner, "repo": r.Repo}
	for k, v := range map[string]string{"organization": r.Organization, "workspace": r.Workspace, "project": r.Project} {
		if v != "" {
			m[k] = v
		}
	}
	return exec.AsValue(m)
}

func filterProjectSlug(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	r, err := ParseRepoURL(in.String(), nil)
	if err != nil {
		return exec.ValueError(err)
	}
	owner := r.Owner
	if owner == "" {
		owner = r.Organization
	}
	return exec.AsValue(owner + "/" + r.Repo)
}

func filterParseEntityRef(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	defKind, defNS := "", ""
	if len(params.Args) > 0 {
		if m, ok := plain(params.Args[0].Interface()).(map[string]any); ok {
			defKind, _ = m["defaultKind"].(string)
			defNS, _ = m["defaultNamespace"].(string)
		}
	}
	if v, ok := params.KwArgs["defaultKind"]; ok {
		defKind = v.String()
	}
	if v, ok := params.KwArgs["defaultNamespace"]; ok {
		defNS = v.String()
	}
	r, err := catalog.ParseRef(in.String(), defKind, defNS)
	if err != nil {
		return exec.ValueError(err)
	}
	return exec.AsValue(map[string]any{"kind": r.Kind, "namespace": r.Namespace, "name": r.Name})
}

func filterPick(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if len(params.Args) != 1 {
		return exec.ValueError(fmt.Errorf("pick takes one key"))
	}
	key := params.Args[0].String()
	if m, ok := plain(in.Interface()).(map[string]any); ok {
		return exec.AsValue(m[key])
	}
	return exec.AsValue(nil)
}

// isBinary reports whether data is not text: NUL bytes or invalid UTF-8.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data)
}

var (
	exprStart  = regexp.MustCompile(`\$\{\{-?\s*(?:not\s+)?([A-Za-z_][A-Za-z0-9_]*)`)
	blockStart = regexp.MustCompile(`\{%-?\s*(?:if|elif)\s+(?:not\s+)?([A-Za-z_][A-Za-z0-9_]*)`)
	keywords   = map[string]bool{"true": true, "false": true, "none": true, "True": true, "False": true, "None": true, "not": true, "loop": true}
)

// withUndefined binds names an expression starts with but data lacks to an
// empty map, so that, as in Nunjucks, a lookup through an undefined name
// (GitHub Actions' own ${{ github.ref }} in a workflow file) renders empty
// instead of failing.
func (l *Lang) withUndefined(src string, data map[string]any) map[string]any {
	var extra []string
	for _, re := range []*regexp.Regexp{exprStart, blockStart} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			name := m[1]
			if _, ok := data[name]; ok || keywords[name] || l.env.Context.Has(name) {
				continue
			}
			extra = append(extra, name)
		}
	}
	paths := dottedPath.FindAllString(src, -1)
	if len(extra) == 0 && len(paths) == 0 {
		return data
	}
	out := make(map[string]any, len(data)+len(extra))
	for k, v := range data {
		out[k] = v
	}
	for _, n := range extra {
		out[n] = map[string]any{}
	}
	for _, p := range paths {
		vivify(out, strings.Split(p, "."))
	}
	return out
}

var dottedPath = regexp.MustCompile(`\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){2,}`)

// vivify makes every intermediate map of a dotted path exist (copying the maps
// it changes), so a.b.c with a.b undefined renders empty as in Nunjucks.
func vivify(m map[string]any, parts []string) {
	for i := 0; i < len(parts)-1; i++ {
		next, exists := m[parts[i]]
		if !exists {
			if i == 0 {
				return // top-level names are handled by withUndefined
			}
			nm := map[string]any{}
			m[parts[i]] = nm
			m = nm
			continue
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return
		}
		c := make(map[string]any, len(nm))
		for k, v := range nm {
			c[k] = v
		}
		m[parts[i]] = c
		m = c
	}
}

// maxRange bounds range(): a template must not be able to stall the bot.
const maxRange = 10000

// globals are gonja's global functions, minus those that can run away
// (lipsum, gettext), with a bounded range.
func globals() *exec.Context {
	ctx := exec.EmptyContext().Update(builtins.GlobalVariables)
	for _, name := range []string{"cycler", "dict", "joiner", "namespace"} {
		if v, ok := builtins.GlobalFunctions.Get(name); ok {
			ctx.Set(name, v)
		}
	}
	ctx.Set("range", boundedRange)
	return ctx
}

func boundedRange(_ *exec.Evaluator, params *exec.VarArgs) ([]int, error) {
	var start, stop, step = 0, 0, 1
	args := params.Args
	for _, a := range args {
		if !a.IsInteger() {
			return nil, fmt.Errorf("range takes integers: [start, ]stop[, step]")
		}
	}
	switch len(args) {
	case 1:
		stop = args[0].Integer()
	case 2:
		start, stop = args[0].Integer(), args[1].Integer()
	case 3:
		start, stop, step = args[0].Integer(), args[1].Integer(), args[2].Integer()
	default:
		return nil, fmt.Errorf("range takes [start, ]stop[, step]")
	}
	if step == 0 {
		return nil, fmt.Errorf("range step must not be 0")
	}
	n := (stop - start) / step
	if (stop-start)%step != 0 {
		n++
	}
	if n > maxRange {
		return nil, fmt.Errorf("range of %d items is more than the %d allowed", n, maxRange)
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out, nil
}
