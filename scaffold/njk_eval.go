package scaffold

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// This file evaluates parsed templates with JavaScript semantics, within
// budgets: nesting depth, work (a step count standing for time), the size of
// the output and of any one string, per file and per job.

// Limits bounds one render and, through a JobBudget, one job.
type Limits struct {
	Depth       int   // nesting of macro calls and tags
	Work        int64 // work units (expression steps, loop turns, items filtered) per file
	Output      int64 // bytes written per file
	String      int   // bytes in any one value made by the template
	JobWork     int64 // work units per job, all files together
	JobOutput   int64 // bytes written per job, all files together
	MaxFileSize int   // bytes of template source per file
	// Time and JobTime bound the wall-clock time of one file and of all a
	// job's rendering: a backstop behind Work for steps that are slow
	// (sorting a long list) on a loaded machine.
	Time    time.Duration
	JobTime time.Duration
}

// DefaultLimits are the budgets every template gets. The per-file figures
// are those of Backstage's renderer (nunjitsu), so a template Backstage
// renders also renders here.
var DefaultLimits = Limits{
	Depth:       512,
	Work:        1_000_000,
	Output:      16 << 20,
	String:      16 << 20,
	JobWork:     20_000_000,
	JobOutput:   64 << 20,
	MaxFileSize: 4 << 20,
	Time:        10 * time.Second,
	JobTime:     2 * time.Minute,
}

// JobBudget counts work and output across every file a job renders.
type JobBudget struct {
	limits Limits
	work   atomic.Int64
	output atomic.Int64
	spent  atomic.Int64 // nanoseconds spent rendering, files finished
}

// NewJobBudget starts a job's budget.
func NewJobBudget(l Limits) *JobBudget { return &JobBudget{limits: l} }

// ErrTemplateBudget is wrapped by every error a template's budget ends.
var ErrTemplateBudget = errors.New("template budget exceeded")

type evalError struct {
	p     pos
	msg   string
	limit bool
}

func (e *evalError) Error() string { return e.msg }

type frame struct {
	vars     map[string]any
	parent   *frame
	isolated bool // set does not write through to parents
}

func (f *frame) lookup(name string) (any, bool) {
	for x := f; x != nil; x = x.parent {
		if v, ok := x.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (f *frame) set(name string, v any) {
	for x := f; x != nil; x = x.parent {
		if _, ok := x.vars[name]; ok {
			x.vars[name] = v
			return
		}
		if x.isolated {
			break
		}
	}
	f.vars[name] = v
}

type renderer struct {
	lang   *Lang
	limits Limits
	job    *JobBudget
	work   int64
	depth  int
	out    int64
	top    *frame
	// start is when this render began: Limits.Time and JobTime are
	// checked against it every few thousand work units.
	start    time.Time
	nextTick int64
	cur      pos // the tag or ${{ }} being rendered, for errors without a position of their own
	// compat is cookiecutterCompat: Jinja's dict.items()/keys()/values(),
	// list.append() and the jsonify filter.
	compat bool
}

type macroValue struct {
	def   *macroDef
	frame *frame
}

type builtinFunc struct {
	name string
	fn   func(r *renderer, p pos, args []any) (any, error)
}

type boundMethod struct {
	recv any
	name string
	path string
}

type cyclerValue struct {
	items []any
	i     int
	cur   any
}

func (r *renderer) at(p pos) pos {
	if p.line == 0 {
		return r.cur
	}
	return p
}

func (r *renderer) fail(p pos, format string, a ...any) error {
	return &evalError{p: r.at(p), msg: fmt.Sprintf(format, a...)}
}

func (r *renderer) limit(p pos, what string, n int64) error {
	return &evalError{p: r.at(p), limit: true, msg: fmt.Sprintf("the template went over its %s budget (%d); it may loop or grow without end", what, n)}
}

// step charges n work units.
func (r *renderer) step(p pos, n int64) error {
	r.work += n
	if r.work > r.limits.Work {
		return r.limit(p, "work", r.limits.Work)
	}
	if r.job != nil && r.job.work.Add(n) > r.job.limits.JobWork {
		return r.limit(p, "work-per-job", r.job.limits.JobWork)
	}
	if r.work >= r.nextTick {
		r.nextTick = r.work + 4096
		elapsed := time.Since(r.start)
		if elapsed > r.limits.Time {
			return &evalError{p: r.at(p), limit: true, msg: fmt.Sprintf("the template went over its time budget (%s)", r.limits.Time)}
		}
		if r.job != nil && time.Duration(r.job.spent.Load())+elapsed > r.job.limits.JobTime {
			return &evalError{p: r.at(p), limit: true, msg: fmt.Sprintf("the job's templates went over their time budget (%s)", r.job.limits.JobTime)}
		}
	}
	return nil
}

// finish adds this render's time to the job's.
func (r *renderer) finish() {
	if r.job != nil {
		r.job.spent.Add(int64(time.Since(r.start)))
	}
}

// checkSize refuses values grown past the string budget.
func (r *renderer) checkSize(p pos, v any) (any, error) {
	switch x := v.(type) {
	case string:
		if len(x) > r.limits.String {
			return nil, r.limit(p, "string-size", int64(r.limits.String))
		}
	case *jsArray:
		if len(x.items) > r.limits.String {
			return nil, r.limit(p, "list-size", int64(r.limits.String))
		}
	}
	return v, nil
}

type outBuf struct {
	r *renderer
	b strings.Builder
}

func (o *outBuf) write(p pos, s string) error {
	n := int64(len(s))
	if int64(o.b.Len())+n > o.r.limits.Output {
		return o.r.limit(p, "output-size", o.r.limits.Output)
	}
	if o.r.job != nil && o.r.job.output.Add(n) > o.r.job.limits.JobOutput {
		return o.r.limit(p, "output-per-job", o.r.job.limits.JobOutput)
	}
	o.b.WriteString(s)
	return nil
}

func (r *renderer) enter(p pos) error {
	r.depth++
	if r.depth > r.limits.Depth {
		return &evalError{p: r.at(p), limit: true, msg: fmt.Sprintf("the template nests deeper than %d (a macro that calls itself without end?)", r.limits.Depth)}
	}
	return nil
}

func (r *renderer) leave() { r.depth-- }

func (r *renderer) renderNodes(nodes []node, f *frame, out *outBuf) error {
	for _, n := range nodes {
		if err := r.renderNode(n, f, out); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) renderNode(n node, f *frame, out *outBuf) error {
	if p := nodePos(n); p.line > 0 {
		r.cur = p
	}
	switch x := n.(type) {
	case *textNode:
		return out.write(pos{}, x.text)
	case *outputNode:
		v, err := r.eval(x.e, f)
		if err != nil {
			return err
		}
		if isCallable(v) {
			return r.fail(x.p, "Callable values cannot be coerced")
		}
		return out.write(x.p, outputStr(v))
	case *ifNode:
		if err := r.step(x.p, 1); err != nil {
			return err
		}
		for i, c := range x.conds {
			v, err := r.eval(c, f)
			if err != nil {
				return err
			}
			if truthy(v) {
				return r.renderBlock(x.p, x.bodys[i], f, out)
			}
		}
		return r.renderBlock(x.p, x.els, f, out)
	case *forNode:
		return r.renderFor(x, f, out)
	case *setNode:
		var v any
		if x.value != nil {
			var err error
			if v, err = r.eval(x.value, f); err != nil {
				return err
			}
		} else {
			s, err := r.capture(x.p, x.body, f)
			if err != nil {
				return err
			}
			v = s
		}
		for _, name := range x.names {
			f.set(name, v)
		}
		return nil
	case *macroNode:
		f.set(x.name, &macroValue{def: x.m, frame: f})
		return nil
	case *callNode:
		caller := &macroValue{def: x.caller, frame: f}
		ce, ok := x.call.(*callExpr)
		if !ok {
			return r.fail(x.p, "the call tag needs a macro call")
		}
		fn, err := r.eval(ce.fn, f)
		if err != nil {
			return err
		}
		args, err := r.evalArgs(ce.args, f)
		if err != nil {
			return err
		}
		kw, err := r.evalKw(ce.kw, f)
		if err != nil {
			return err
		}
		if kw == nil {
			kw = newObject()
			kw.kwargs = true
		}
		kw.set("caller", caller)
		v, err := r.call(ce.p, exprName(ce.fn), fn, args, kw)
		if err != nil {
			return err
		}
		return out.write(x.p, outputStr(v))
	case *filterNode:
		s, err := r.capture(x.p, x.body, f)
		if err != nil {
			return err
		}
		v, err := r.applyFilter(x.f, s, f)
		if err != nil {
			return err
		}
		return out.write(x.p, outputStr(v))
	case *switchNode:
		subj, err := r.eval(x.subj, f)
		if err != nil {
			return err
		}
		for i, c := range x.cases {
			cv, err := r.eval(c, f)
			if err != nil {
				return err
			}
			if strictEquals(subj, cv) {
				return r.renderBlock(x.p, x.bodys[i], f, out)
			}
		}
		return r.renderBlock(x.p, x.def, f, out)
	}
	return fmt.Errorf("unknown node %T", n)
}

func (r *renderer) renderBlock(p pos, nodes []node, f *frame, out *outBuf) error {
	if len(nodes) == 0 {
		return nil
	}
	if err := r.enter(p); err != nil {
		return err
	}
	defer r.leave()
	return r.renderNodes(nodes, f, out)
}

func (r *renderer) capture(p pos, nodes []node, f *frame) (string, error) {
	sub := &outBuf{r: r}
	if err := r.renderBlock(p, nodes, f, sub); err != nil {
		return "", err
	}
	// The captured text was counted as output once; count it once only.
	if r.job != nil {
		r.job.output.Add(-int64(sub.b.Len()))
	}
	return sub.b.String(), nil
}

func (r *renderer) renderFor(x *forNode, f *frame, out *outBuf) error {
	it, err := r.eval(x.iter, f)
	if err != nil {
		return err
	}
	if err := r.enter(x.p); err != nil {
		return err
	}
	defer r.leave()
	type pair struct {
		k string
		v any
	}
	var items []any
	var pairs []pair
	switch v := it.(type) {
	case *jsArray:
		items = v.items
	case string:
		for _, u := range units(v) {
			items = append(items, fromUnits([]uint16{u}))
		}
	case *jsObject:
		if len(x.names) == 2 {
			for _, k := range v.orderedKeys() {
				pairs = append(pairs, pair{k, v.m[k]})
			}
		}
	}
	n := len(items)
	if pairs != nil {
		n = len(pairs)
	}
	if n == 0 {
		return r.renderBlock(x.p, x.els, f, out)
	}
	lf := &frame{vars: map[string]any{}, parent: f}
	for i := 0; i < n; i++ {
		if err := r.step(x.p, 1); err != nil {
			return err
		}
		lf.vars["loop"] = &loopValue{i: i, n: n}
		if pairs != nil {
			lf.vars[x.names[0]] = pairs[i].k
			lf.vars[x.names[1]] = pairs[i].v
		} else if len(x.names) == 1 {
			lf.vars[x.names[0]] = items[i]
		} else {
			// Unpack an array item into the names.
			arr, _ := items[i].(*jsArray)
			for j, name := range x.names {
				if arr != nil && j < len(arr.items) {
					lf.vars[name] = arr.items[j]
				} else {
					lf.vars[name] = undefined
				}
			}
		}
		if err := r.renderNodes(x.body, lf, out); err != nil {
			return err
		}
	}
	return nil
}

func exprName(e expr) string {
	switch x := e.(type) {
	case *nameExpr:
		return x.name
	case *lookupExpr:
		if l, ok := x.key.(*litExpr); ok {
			return exprName(x.obj) + "." + toStr(l.v)
		}
		return exprName(x.obj) + "[…]"
	case *callExpr:
		return exprName(x.fn) + "()"
	}
	return "expression"
}

func exprPos(e expr) pos {
	switch x := e.(type) {
	case *nameExpr:
		return x.p
	case *lookupExpr:
		return x.p
	case *callExpr:
		return x.p
	case *filterExpr:
		return x.p
	case *binExpr:
		return x.p
	}
	return pos{}
}

func (r *renderer) evalArgs(es []expr, f *frame) ([]any, error) {
	out := make([]any, len(es))
	for i, e := range es {
		v, err := r.eval(e, f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (r *renderer) evalKw(kw []kwArg, f *frame) (*jsObject, error) {
	if len(kw) == 0 {
		return nil, nil
	}
	o := newObject()
	o.kwargs = true
	for _, k := range kw {
		v, err := r.eval(k.v, f)
		if err != nil {
			return nil, err
		}
		o.set(k.name, v)
	}
	return o, nil
}

func (r *renderer) eval(e expr, f *frame) (any, error) {
	p := exprPos(e)
	if err := r.step(p, 1); err != nil {
		return nil, err
	}
	switch x := e.(type) {
	case *litExpr:
		return x.v, nil
	case *nameExpr:
		if v, ok := f.lookup(x.name); ok {
			return v, nil
		}
		if v, ok := globalFuncs[x.name]; ok {
			return v, nil
		}
		return undefined, nil
	case *lookupExpr:
		obj, err := r.eval(x.obj, f)
		if err != nil {
			return nil, err
		}
		key, err := r.eval(x.key, f)
		if err != nil {
			return nil, err
		}
		if r.compat {
			if m := compatMethod(obj, key, exprName(e)); m != nil {
				return m, nil
			}
		}
		return member(obj, key, exprName(e)), nil
	case *sliceExpr:
		return r.evalSlice(x, f)
	case *callExpr:
		fn, err := r.eval(x.fn, f)
		if err != nil {
			return nil, err
		}
		args, err := r.evalArgs(x.args, f)
		if err != nil {
			return nil, err
		}
		kw, err := r.evalKw(x.kw, f)
		if err != nil {
			return nil, err
		}
		v, err := r.call(x.p, exprName(x.fn), fn, args, kw)
		if err != nil {
			return nil, err
		}
		return r.checkSize(x.p, v)
	case *filterExpr:
		in, err := r.eval(x.in, f)
		if err != nil {
			return nil, err
		}
		return r.applyFilter(x, in, f)
	case *binExpr:
		return r.evalBin(x, f)
	case *compareExpr:
		l, err := r.eval(x.first, f)
		if err != nil {
			return nil, err
		}
		for i, op := range x.ops {
			rv, err := r.eval(x.rest[i], f)
			if err != nil {
				return nil, err
			}
			var b bool
			switch op {
			case "==":
				b = looseEquals(l, rv)
			case "!=":
				b = !looseEquals(l, rv)
			case "===":
				b = strictEquals(l, rv)
			case "!==":
				b = !strictEquals(l, rv)
			default:
				b = jsCompare(op, l, rv)
			}
			l = b
		}
		return l, nil
	case *unaryExpr:
		v, err := r.eval(x.e, f)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "not":
			return !truthy(v), nil
		case "-":
			return -toNum(v), nil
		}
		return toNum(v), nil
	case *condExpr:
		c, err := r.eval(x.cond, f)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return r.eval(x.then, f)
		}
		if x.els == nil {
			return "", nil
		}
		return r.eval(x.els, f)
	case *isExpr:
		v, err := r.eval(x.e, f)
		if err != nil {
			return nil, err
		}
		args, err := r.evalArgs(x.args, f)
		if err != nil {
			return nil, err
		}
		if x.test == "escaped" {
			// Only escape and safe mark a string as escaped (autoescape is off).
			f, isFilter := x.e.(*filterExpr)
			escaped := isFilter && (f.name == "escape" || f.name == "e" || f.name == "forceescape" || f.name == "safe")
			return escaped != x.not, nil
		}
		t, ok := tests[x.test]
		if !ok {
			return nil, r.fail(x.p, "Unknown template test %q", x.test)
		}
		b, err := t(v, args)
		if err != nil {
			return nil, r.fail(x.p, "Test %q failed: %v", x.test, err)
		}
		return b != x.not, nil
	case *arrayExpr:
		items, err := r.evalArgs(x.items, f)
		if err != nil {
			return nil, err
		}
		return &jsArray{items: items}, nil
	case *groupExpr:
		var v any = undefined
		for _, it := range x.items {
			var err error
			if v, err = r.eval(it, f); err != nil {
				return nil, err
			}
		}
		return v, nil
	case *dictExpr:
		o := newObject()
		for i, k := range x.keys {
			v, err := r.eval(x.vals[i], f)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
		}
		return o, nil
	case *regexExpr:
		return compileJSRegex(x.p, x.source, x.flag)
	}
	return nil, fmt.Errorf("unknown expression %T", e)
}

// compileJSRegex compiles a template's regular expression with Go's RE2
// (linear time: no backtracking blow-up). Flags: g (all matches), i, m, s.
func compileJSRegex(p pos, source, flags string) (*jsRegex, error) {
	prefix := ""
	for _, c := range flags {
		switch c {
		case 'i', 'm', 's':
			prefix += string(c)
		}
	}
	src := source
	if prefix != "" {
		src = "(?" + prefix + ")" + source
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, &evalError{p: p, msg: fmt.Sprintf("Invalid regular expression /%s/: %v", source, err)}
	}
	return &jsRegex{source: source, flags: flags, re: re}, nil
}

func (r *renderer) evalBin(x *binExpr, f *frame) (any, error) {
	l, err := r.eval(x.l, f)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return r.eval(x.r, f)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return r.eval(x.r, f)
	}
	rv, err := r.eval(x.r, f)
	if err != nil {
		return nil, err
	}
	var v any
	switch x.op {
	case "~", "+":
		// Refuse a string over budget before building it.
		ls, rs := toPrimitive(l), toPrimitive(rv)
		a, aok := ls.(string)
		b, bok := rs.(string)
		if (aok || bok || x.op == "~") && len(a)+len(b) > r.limits.String {
			return nil, r.limit(x.p, "string-size", int64(r.limits.String))
		}
		if x.op == "~" {
			v = toStr(l) + toStr(rv)
		} else {
			v = jsAdd(ls, rs)
		}
	case "-":
		v = toNum(l) - toNum(rv)
	case "*":
		v = toNum(l) * toNum(rv)
	case "/":
		v = toNum(l) / toNum(rv)
	case "//":
		v = math.Floor(toNum(l) / toNum(rv))
	case "%":
		a, b := toNum(l), toNum(rv)
		if b == 0 || math.IsInf(a, 0) {
			v = math.NaN()
		} else {
			v = math.Mod(a, b)
		}
	case "**":
		v = math.Pow(toNum(l), toNum(rv))
	case "in":
		switch c := rv.(type) {
		case *jsArray:
			for _, e := range c.items {
				if strictEquals(e, l) {
					return true, nil
				}
			}
			return false, nil
		case string:
			return strings.Contains(c, toStr(l)), nil
		case *jsObject:
			_, ok := c.get(toStr(l))
			return ok, nil
		}
		return nil, r.fail(x.p, "Membership requires an array, record, or string")
	}
	return r.checkSize(x.p, v)
}

func (r *renderer) evalSlice(x *sliceExpr, f *frame) (any, error) {
	obj, err := r.eval(x.obj, f)
	if err != nil {
		return nil, err
	}
	var items []any
	switch o := obj.(type) {
	case *jsArray:
		items = o.items
	case string:
		for _, u := range units(o) {
			items = append(items, fromUnits([]uint16{u}))
		}
	default:
		return &jsArray{}, nil
	}
	n := len(items)
	num := func(e expr, def int) (int, error) {
		if e == nil {
			return def, nil
		}
		v, err := r.eval(e, f)
		if err != nil {
			return 0, err
		}
		if _, ok := v.(undefinedValue); ok {
			return def, nil
		}
		return int(toNum(v)), nil
	}
	step, err := num(x.step, 1)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		step = 1
	}
	var start, stop int
	if step > 0 {
		if start, err = num(x.start, 0); err != nil {
			return nil, err
		}
		if stop, err = num(x.stop, n); err != nil {
			return nil, err
		}
	} else {
		if start, err = num(x.start, n-1); err != nil {
			return nil, err
		}
		if stop, err = num(x.stop, -1); err != nil {
			return nil, err
		}
	}
	if start < 0 {
		start += n
	}
	if stop < 0 && x.stop != nil {
		stop += n
	}
	out := &jsArray{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if i < 0 || i >= n {
			if step > 0 && i >= n || step < 0 && i < 0 {
				break
			}
			continue
		}
		out.items = append(out.items, items[i])
	}
	return out, nil
}

// member is Nunjucks' member lookup with JavaScript values: a property, an
// index, or a method bound to its value.
func member(obj, key any, path string) any {
	switch o := obj.(type) {
	case undefinedValue, nil:
		return undefined
	case *jsObject:
		if v, ok := o.get(toStr(key)); ok {
			return v
		}
		return undefined
	case *jsArray:
		if k, ok := key.(float64); ok {
			if k >= 0 && k == math.Trunc(k) && int(k) < len(o.items) {
				return o.items[int(k)]
			}
			return undefined
		}
		ks := toStr(key)
		if ks == "length" {
			return float64(len(o.items))
		}
		if isArrayIndex(ks) {
			return member(obj, toNum(ks), path)
		}
		if arrayMethods[ks] {
			return &boundMethod{recv: o, name: ks, path: path}
		}
	case string:
		if k, ok := key.(float64); ok {
			if k >= 0 && k == math.Trunc(k) && int(k) < jsLen(o) {
				return jsSubstr(o, int(k), int(k)+1)
			}
			return undefined
		}
		ks := toStr(key)
		if ks == "length" {
			return float64(jsLen(o))
		}
		if isArrayIndex(ks) {
			return member(obj, toNum(ks), path)
		}
		if stringMethods[ks] {
			return &boundMethod{recv: o, name: ks, path: path}
		}
	case float64:
		if numberMethods[toStr(key)] {
			return &boundMethod{recv: o, name: toStr(key), path: path}
		}
	case *jsRegex:
		switch toStr(key) {
		case "test":
			return &boundMethod{recv: o, name: "test", path: path}
		case "source":
			return o.source
		case "flags":
			return o.flags
		}
	case *loopValue:
		return o.get(toStr(key))
	case *cyclerValue:
		switch toStr(key) {
		case "next", "reset":
			return &boundMethod{recv: o, name: toStr(key), path: path}
		case "current":
			return o.cur
		}
	}
	return undefined
}

func (r *renderer) call(p pos, name string, fn any, args []any, kw *jsObject) (any, error) {
	switch c := fn.(type) {
	case *macroValue:
		return r.callMacro(p, c, args, kw)
	case *builtinFunc:
		if kw != nil {
			args = append(args, kw)
		}
		return c.fn(r, p, args)
	case *boundMethod:
		if err := r.step(p, 1); err != nil {
			return nil, err
		}
		v, err := r.callMethod(p, c, args)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, r.fail(p, "Template value %q resolved to %s and cannot be called", name, typeName(fn))
}

func (r *renderer) callMacro(p pos, m *macroValue, args []any, kw *jsObject) (any, error) {
	if err := r.enter(p); err != nil {
		return nil, err
	}
	defer r.leave()
	mf := &frame{vars: map[string]any{}, parent: r.top, isolated: true}
	if m.frame != r.top {
		mf.parent = m.frame
	}
	def := m.def
	for i, name := range def.params {
		switch {
		case i < len(args):
			mf.vars[name] = args[i]
		case kw != nil && hasKey(kw, name):
			mf.vars[name] = kw.m[name]
		case def.defaults[name] != nil:
			v, err := r.eval(def.defaults[name], mf)
			if err != nil {
				return nil, err
			}
			mf.vars[name] = v
		default:
			mf.vars[name] = undefined
		}
	}
	if kw != nil {
		if c, ok := kw.get("caller"); ok {
			mf.vars["caller"] = c
		}
	}
	sub := &outBuf{r: r}
	if err := r.renderNodes(def.body, mf, sub); err != nil {
		return nil, err
	}
	if r.job != nil {
		r.job.output.Add(-int64(sub.b.Len()))
	}
	return sub.b.String(), nil
}

func hasKey(o *jsObject, k string) bool { _, ok := o.m[k]; return ok }

// globalFuncs are the globals Nunjucks gives templates: range, cycler, joiner.
var globalFuncs = map[string]any{
	"range": &builtinFunc{name: "range", fn: func(r *renderer, p pos, args []any) (any, error) {
		var start, stop, step float64 = 0, 0, 1
		switch len(args) {
		case 0:
			return nil, r.fail(p, "range needs a stop")
		case 1:
			stop = toNum(args[0])
		default:
			start, stop = toNum(args[0]), toNum(args[1])
			if len(args) > 2 {
				step = toNum(args[2])
			}
		}
		if step == 0 || math.IsNaN(step) {
			step = 1 // Nunjucks: step || 1
		}
		if math.IsNaN(start) || math.IsNaN(stop) {
			return &jsArray{}, nil
		}
		n := math.Ceil((stop - start) / step)
		if n <= 0 {
			return &jsArray{}, nil
		}
		if n > float64(r.limits.Work) {
			return nil, r.limit(p, "work", r.limits.Work)
		}
		if err := r.step(p, int64(n)); err != nil {
			return nil, err
		}
		out := &jsArray{items: make([]any, 0, int(n))}
		for i := 0; i < int(n); i++ {
			out.items = append(out.items, start+float64(i)*step)
		}
		return out, nil
	}},
	"cycler": &builtinFunc{name: "cycler", fn: func(r *renderer, p pos, args []any) (any, error) {
		return &cyclerValue{items: args, cur: nil}, nil
	}},
	"joiner": &builtinFunc{name: "joiner", fn: func(r *renderer, p pos, args []any) (any, error) {
		sep := ","
		if len(args) > 0 {
			sep = toStr(args[0])
		}
		first := true
		return &builtinFunc{name: "joiner", fn: func(r *renderer, p pos, _ []any) (any, error) {
			if first {
				first = false
				return "", nil
			}
			return sep, nil
		}}, nil
	}},
}

func nodePos(n node) pos {
	switch x := n.(type) {
	case *outputNode:
		return x.p
	case *ifNode:
		return x.p
	case *forNode:
		return x.p
	case *setNode:
		return x.p
	case *callNode:
		return x.p
	case *filterNode:
		return x.p
	case *switchNode:
		return x.p
	}
	return pos{}
}

// loopValue is a for loop's `loop` variable.
type loopValue struct{ i, n int }

func (l *loopValue) get(k string) any {
	switch k {
	case "index":
		return float64(l.i + 1)
	case "index0":
		return float64(l.i)
	case "revindex":
		return float64(l.n - l.i)
	case "revindex0":
		return float64(l.n - l.i - 1)
	case "first":
		return l.i == 0
	case "last":
		return l.i == l.n-1
	case "length":
		return float64(l.n)
	}
	return undefined
}

func (l *loopValue) object() *jsObject {
	o := newObject()
	for _, k := range []string{"index", "index0", "revindex", "revindex0", "first", "last", "length"} {
		o.set(k, l.get(k))
	}
	return o
}

// compatMethod is the Jinja method a cookiecutterCompat template may call:
// items, keys and values of a map (not shadowed by a key), append of a list.
func compatMethod(obj, key any, path string) *boundMethod {
	k, _ := key.(string)
	switch o := obj.(type) {
	case *jsObject:
		if _, own := o.m[k]; !own && (k == "items" || k == "keys" || k == "values") {
			return &boundMethod{recv: o, name: k, path: path}
		}
	case *jsArray:
		if k == "append" {
			return &boundMethod{recv: o, name: "push", path: path}
		}
	}
	return nil
}
