package scaffold

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/callboard/callboard/catalog"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// This file holds the template language's filters (Nunjucks' built-ins with
// their Nunjucks meanings, and Backstage's parseRepoUrl, parseEntityRef, pick
// and projectSlug), its tests (`is defined` …) and the JavaScript methods
// templates may call on strings, arrays, numbers and regular expressions.

var stringMethods = map[string]bool{"toUpperCase": true, "toLowerCase": true, "startsWith": true, "endsWith": true,
	"includes": true, "indexOf": true, "lastIndexOf": true, "slice": true, "substring": true, "charAt": true,
	"charCodeAt": true, "concat": true, "replace": true, "split": true, "trim": true, "trimStart": true, "trimEnd": true, "toString": true}
var arrayMethods = map[string]bool{"join": true, "indexOf": true, "lastIndexOf": true, "includes": true, "slice": true,
	"concat": true, "at": true, "push": true, "pop": true, "shift": true, "unshift": true, "reverse": true, "toString": true}
var numberMethods = map[string]bool{"toFixed": true, "toPrecision": true, "toString": true, "toExponential": true}

func argAt(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return undefined
}

// relIndex is JavaScript's relative index for slice(): negative from the end.
func relIndex(v any, n, def int) int {
	if _, ok := v.(undefinedValue); ok {
		return def
	}
	f := toNum(v)
	if math.IsNaN(f) {
		return 0
	}
	f = math.Trunc(f)
	if f < 0 {
		f += float64(n)
		if f < 0 {
			f = 0
		}
	}
	if f > float64(n) {
		f = float64(n)
	}
	return int(f)
}

func (r *renderer) callMethod(p pos, m *boundMethod, args []any) (any, error) {
	switch recv := m.recv.(type) {
	case string:
		return r.stringMethod(p, recv, m.name, args)
	case *jsArray:
		return r.arrayMethod(p, recv, m.name, args)
	case float64:
		return numberMethod(p, recv, m.name, args)
	case *jsRegex:
		return recv.re.MatchString(toStr(argAt(args, 0))), nil
	case *jsObject:
		out := &jsArray{}
		for _, k := range recv.orderedKeys() {
			switch m.name {
			case "items":
				out.items = append(out.items, &jsArray{items: []any{k, recv.m[k]}})
			case "keys":
				out.items = append(out.items, k)
			default:
				out.items = append(out.items, recv.m[k])
			}
		}
		return out, nil
	case *cyclerValue:
		if m.name == "reset" {
			recv.i, recv.cur = 0, nil
			return undefined, nil
		}
		if len(recv.items) == 0 {
			return undefined, nil
		}
		recv.cur = recv.items[recv.i]
		recv.i = (recv.i + 1) % len(recv.items)
		return recv.cur, nil
	}
	return undefined, nil
}

func (r *renderer) stringMethod(p pos, s, name string, args []any) (any, error) {
	n := jsLen(s)
	switch name {
	case "toUpperCase":
		return jsUpper(s), nil
	case "toLowerCase":
		return jsLower(s), nil
	case "startsWith":
		return strings.HasPrefix(s, toStr(argAt(args, 0))), nil
	case "endsWith":
		return strings.HasSuffix(s, toStr(argAt(args, 0))), nil
	case "includes":
		return strings.Contains(s, toStr(argAt(args, 0))), nil
	case "indexOf", "lastIndexOf":
		sub := toStr(argAt(args, 0))
		var i int
		if name == "indexOf" {
			i = strings.Index(s, sub)
		} else {
			i = strings.LastIndex(s, sub)
		}
		if i < 0 {
			return float64(-1), nil
		}
		return float64(jsLen(s[:i])), nil
	case "slice":
		i, j := relIndex(argAt(args, 0), n, 0), relIndex(argAt(args, 1), n, n)
		if i >= j {
			return "", nil
		}
		return jsSubstr(s, i, j), nil
	case "substring":
		clamp := func(v any, def int) int {
			if _, ok := v.(undefinedValue); ok {
				return def
			}
			f := toNum(v)
			if math.IsNaN(f) || f < 0 {
				return 0
			}
			if f > float64(n) {
				return n
			}
			return int(f)
		}
		i, j := clamp(argAt(args, 0), 0), clamp(argAt(args, 1), n)
		if i > j {
			i, j = j, i
		}
		return jsSubstr(s, i, j), nil
	case "charAt", "charCodeAt":
		i := int(toNum(argAt(args, 0)))
		if math.IsNaN(toNum(argAt(args, 0))) {
			i = 0
		}
		if i < 0 || i >= n {
			if name == "charAt" {
				return "", nil
			}
			return math.NaN(), nil
		}
		if name == "charAt" {
			return jsSubstr(s, i, i+1), nil
		}
		return float64(units(s)[i]), nil
	case "concat":
		var b strings.Builder
		b.WriteString(s)
		for _, a := range args {
			b.WriteString(toStr(a))
		}
		return r.checkSize(p, b.String())
	case "replace":
		return r.replace(p, s, argAt(args, 0), toStr(argAt(args, 1)))
	case "split":
		sep := argAt(args, 0)
		var parts []string
		switch x := sep.(type) {
		case undefinedValue:
			parts = []string{s}
		case *jsRegex:
			parts = x.re.Split(s, -1)
		default:
			ss := toStr(x)
			if ss == "" {
				for _, u := range units(s) {
					parts = append(parts, fromUnits([]uint16{u}))
				}
			} else {
				parts = strings.Split(s, ss)
			}
		}
		if lim, ok := argAt(args, 1).(float64); ok && int(lim) < len(parts) && lim >= 0 {
			parts = parts[:int(lim)]
		}
		if err := r.step(p, int64(len(parts))); err != nil {
			return nil, err
		}
		out := &jsArray{items: make([]any, len(parts))}
		for i, x := range parts {
			out.items[i] = x
		}
		return out, nil
	case "trim":
		return strings.TrimSpace(s), nil
	case "trimStart":
		return strings.TrimLeftFunc(s, unicode.IsSpace), nil
	case "trimEnd":
		return strings.TrimRightFunc(s, unicode.IsSpace), nil
	case "toString":
		return s, nil
	}
	return undefined, nil
}

// replace is JavaScript's String.prototype.replace: the first match, or
// every match of a global regex, with $&, $1, $<name>, $$, $` and $'
// patterns; bounded by the string budget.
func (r *renderer) replace(p pos, s string, pattern any, with string) (any, error) {
	var b strings.Builder
	grow := func(n int) error {
		if b.Len()+n > r.limits.String {
			return r.limit(p, "string-size", int64(r.limits.String))
		}
		return nil
	}
	switch x := pattern.(type) {
	case *jsRegex:
		limit := 1
		if strings.Contains(x.flags, "g") {
			limit = -1
		}
		names := x.re.SubexpNames()
		last := 0
		for _, m := range x.re.FindAllStringSubmatchIndex(s, limit) {
			groups := make([]string, len(m)/2)
			ok := make([]bool, len(m)/2)
			for i := range groups {
				if m[2*i] >= 0 {
					groups[i], ok[i] = s[m[2*i]:m[2*i+1]], true
				}
			}
			rep := expandReplacement(with, groups, ok, names, s[:m[0]], s[m[1]:])
			if err := grow(m[0] - last + len(rep)); err != nil {
				return nil, err
			}
			b.WriteString(s[last:m[0]])
			b.WriteString(rep)
			last = m[1]
		}
		if err := grow(len(s) - last); err != nil {
			return nil, err
		}
		b.WriteString(s[last:])
		return b.String(), nil
	default:
		old := toStr(x)
		i := strings.Index(s, old)
		if i < 0 {
			return s, nil
		}
		rep := expandReplacement(with, []string{old}, []bool{true}, nil, s[:i], s[i+len(old):])
		if err := grow(len(s) + len(rep)); err != nil {
			return nil, err
		}
		return s[:i] + rep + s[i+len(old):], nil
	}
}

// expandReplacement applies JavaScript's replacement patterns.
func expandReplacement(with string, groups []string, ok []bool, names []string, before, after string) string {
	if !strings.Contains(with, "$") {
		return with
	}
	var b strings.Builder
	for i := 0; i < len(with); i++ {
		c := with[i]
		if c != '$' || i+1 >= len(with) {
			b.WriteByte(c)
			continue
		}
		n := with[i+1]
		switch {
		case n == '$':
			b.WriteByte('$')
			i++
		case n == '&':
			b.WriteString(groups[0])
			i++
		case n == '`':
			b.WriteString(before)
			i++
		case n == '\'':
			b.WriteString(after)
			i++
		case n >= '0' && n <= '9':
			idx, width := int(n-'0'), 1
			if i+2 < len(with) && with[i+2] >= '0' && with[i+2] <= '9' {
				if two := idx*10 + int(with[i+2]-'0'); two > 0 && two < len(groups) {
					idx, width = two, 2
				}
			}
			if idx == 0 || idx >= len(groups) {
				b.WriteByte('$')
				continue
			}
			if ok[idx] {
				b.WriteString(groups[idx])
			}
			i += width
		case n == '<' && names != nil:
			end := strings.IndexByte(with[i:], '>')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := with[i+2 : i+end]
			for gi, gn := range names {
				if gn == name && gi < len(groups) && ok[gi] {
					b.WriteString(groups[gi])
				}
			}
			i += end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func (r *renderer) arrayMethod(p pos, a *jsArray, name string, args []any) (any, error) {
	n := len(a.items)
	if err := r.step(p, int64(n)); err != nil {
		return nil, err
	}
	switch name {
	case "join":
		sep := ","
		if v := argAt(args, 0); !isUndefined(v) {
			sep = toStr(v)
		}
		return r.joinValues(p, a.items, sep)
	case "indexOf", "lastIndexOf":
		x := argAt(args, 0)
		if name == "indexOf" {
			for i, e := range a.items {
				if strictEquals(e, x) {
					return float64(i), nil
				}
			}
		} else {
			for i := n - 1; i >= 0; i-- {
				if strictEquals(a.items[i], x) {
					return float64(i), nil
				}
			}
		}
		return float64(-1), nil
	case "includes":
		x := argAt(args, 0)
		for _, e := range a.items {
			if strictEquals(e, x) || isNaNValue(e) && isNaNValue(x) {
				return true, nil
			}
		}
		return false, nil
	case "slice":
		i, j := relIndex(argAt(args, 0), n, 0), relIndex(argAt(args, 1), n, n)
		out := &jsArray{}
		if i < j {
			out.items = append(out.items, a.items[i:j]...)
		}
		return out, nil
	case "concat":
		out := &jsArray{items: append([]any{}, a.items...)}
		for _, x := range args {
			if b, ok := x.(*jsArray); ok {
				out.items = append(out.items, b.items...)
			} else {
				out.items = append(out.items, x)
			}
		}
		return r.checkSize(p, out)
	case "at":
		i := int(toNum(argAt(args, 0)))
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return undefined, nil
		}
		return a.items[i], nil
	case "push":
		a.items = append(a.items, args...)
		if _, err := r.checkSize(p, a); err != nil {
			return nil, err
		}
		return float64(len(a.items)), nil
	case "unshift":
		a.items = append(append([]any{}, args...), a.items...)
		if _, err := r.checkSize(p, a); err != nil {
			return nil, err
		}
		return float64(len(a.items)), nil
	case "pop":
		if n == 0 {
			return undefined, nil
		}
		v := a.items[n-1]
		a.items = a.items[:n-1]
		return v, nil
	case "shift":
		if n == 0 {
			return undefined, nil
		}
		v := a.items[0]
		a.items = a.items[1:]
		return v, nil
	case "reverse":
		for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
			a.items[i], a.items[j] = a.items[j], a.items[i]
		}
		return a, nil
	case "toString":
		return toStr(a), nil
	}
	return undefined, nil
}

func isUndefined(v any) bool { _, ok := v.(undefinedValue); return ok }
func isNaNValue(v any) bool  { f, ok := v.(float64); return ok && math.IsNaN(f) }

// joinValues joins as Array.prototype.join, refusing (before building it)
// a result over the string budget.
func (r *renderer) joinValues(p pos, items []any, sep string) (any, error) {
	strs := make([]string, len(items))
	total := len(sep) * len(items)
	for i, e := range items {
		if !isNullish(e) {
			strs[i] = toStr(e)
			total += len(strs[i])
		}
		if total > r.limits.String {
			return nil, r.limit(p, "string-size", int64(r.limits.String))
		}
	}
	return strings.Join(strs, sep), nil
}

func joinValues(items []any, sep string) string {
	var b strings.Builder
	for i, e := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		if !isNullish(e) {
			b.WriteString(toStr(e))
		}
	}
	return b.String()
}

func numberMethod(p pos, f float64, name string, args []any) (any, error) {
	switch name {
	case "toString":
		radix := 10
		if v := argAt(args, 0); !isUndefined(v) {
			radix = int(toNum(v))
		}
		if radix < 2 || radix > 36 {
			return nil, &evalError{p: p, msg: "toString() radix must be between 2 and 36"}
		}
		if radix == 10 || f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<53 {
			return jsNumberString(f), nil
		}
		return strconv.FormatInt(int64(f), radix), nil
	case "toFixed":
		d := int(toNum(argAt(args, 0)))
		if d < 0 || d > 100 {
			return nil, &evalError{p: p, msg: "toFixed() digits argument must be between 0 and 100"}
		}
		if math.Abs(f) >= 1e21 || math.IsNaN(f) || math.IsInf(f, 0) {
			return jsNumberString(f), nil
		}
		return jsToFixed(f, d), nil
	case "toPrecision":
		v := argAt(args, 0)
		if isUndefined(v) {
			return jsNumberString(f), nil
		}
		d := int(toNum(v))
		if d < 1 || d > 100 {
			return nil, &evalError{p: p, msg: "toPrecision() argument must be between 1 and 100"}
		}
		e := int(math.Floor(math.Log10(math.Abs(f))))
		if f == 0 {
			e = 0
		}
		if e < -6 || e >= d {
			s := strconv.FormatFloat(f, 'e', d-1, 64)
			return jsExponent(s), nil
		}
		return strconv.FormatFloat(f, 'f', d-1-e, 64), nil
	case "toExponential":
		v := argAt(args, 0)
		d := -1
		if !isUndefined(v) {
			d = int(toNum(v))
		}
		return jsExponent(strconv.FormatFloat(f, 'e', d, 64)), nil
	}
	return undefined, nil
}

// jsExponent turns Go's 1.5e+07 into JavaScript's 1.5e+7.
func jsExponent(s string) string {
	m, e, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	sign := e[:1]
	digits := strings.TrimLeft(e[1:], "0")
	if digits == "" {
		digits = "0"
	}
	return m + "e" + sign + digits
}

// ---- tests ----

var tests = map[string]func(v any, args []any) (bool, error){
	"defined":   func(v any, _ []any) (bool, error) { return !isUndefined(v), nil },
	"undefined": func(v any, _ []any) (bool, error) { return isUndefined(v), nil },
	"null":      func(v any, _ []any) (bool, error) { return v == nil, nil },
	"odd": func(v any, _ []any) (bool, error) {
		return math.Mod(toNum(v), 2) == 1 || math.Mod(toNum(v), 2) == -1, nil
	},
	"even": func(v any, _ []any) (bool, error) { return math.Mod(toNum(v), 2) == 0, nil },
	"divisibleby": func(v any, a []any) (bool, error) {
		return math.Mod(toNum(v), toNum(argAt(a, 0))) == 0, nil
	},
	"equalto":     func(v any, a []any) (bool, error) { return strictEquals(v, argAt(a, 0)), nil },
	"eq":          func(v any, a []any) (bool, error) { return strictEquals(v, argAt(a, 0)), nil },
	"sameas":      func(v any, a []any) (bool, error) { return strictEquals(v, argAt(a, 0)), nil },
	"ne":          func(v any, a []any) (bool, error) { return !strictEquals(v, argAt(a, 0)), nil },
	"lt":          func(v any, a []any) (bool, error) { return jsCompare("<", v, argAt(a, 0)), nil },
	"lessthan":    func(v any, a []any) (bool, error) { return jsCompare("<", v, argAt(a, 0)), nil },
	"gt":          func(v any, a []any) (bool, error) { return jsCompare(">", v, argAt(a, 0)), nil },
	"greaterthan": func(v any, a []any) (bool, error) { return jsCompare(">", v, argAt(a, 0)), nil },
	"le":          func(v any, a []any) (bool, error) { return jsCompare("<=", v, argAt(a, 0)), nil },
	"ge":          func(v any, a []any) (bool, error) { return jsCompare(">=", v, argAt(a, 0)), nil },
	"number":      func(v any, _ []any) (bool, error) { _, ok := v.(float64); return ok, nil },
	"string":      func(v any, _ []any) (bool, error) { _, ok := v.(string); return ok, nil },
	"mapping":     func(v any, _ []any) (bool, error) { _, ok := v.(*jsObject); return ok, nil },
	"iterable": func(v any, _ []any) (bool, error) {
		switch v.(type) {
		case *jsArray, string:
			return true, nil
		}
		return false, nil
	},
	"callable": func(v any, _ []any) (bool, error) { return isCallable(v), nil },
	"truthy":   func(v any, _ []any) (bool, error) { return truthy(v), nil },
	"falsy":    func(v any, _ []any) (bool, error) { return !truthy(v), nil },
	"lower": func(v any, _ []any) (bool, error) {
		s, ok := v.(string)
		return ok && jsLower(s) == s, nil
	},
	"upper": func(v any, _ []any) (bool, error) {
		s, ok := v.(string)
		return ok && jsUpper(s) == s, nil
	},
}

// ---- filters ----

type filterFunc func(r *renderer, p pos, in any, args []any) (any, error)

// backstageFilters are the filters Backstage adds; like any filter an
// installation registers, they take no name=value arguments.
var backstageFilters = map[string]bool{"parseRepoUrl": true, "parseEntityRef": true, "pick": true, "projectSlug": true}

var filters map[string]filterFunc

func init() {
	filters = map[string]filterFunc{
		"abs":            fAbs,
		"batch":          fBatch,
		"capitalize":     strFilter(fCapitalize),
		"center":         fCenter,
		"default":        fDefault,
		"d":              fDefault,
		"dictsort":       fDictsort,
		"dump":           fDump,
		"jsonify":        fDump,
		"escape":         fEscape,
		"e":              fEscape,
		"forceescape":    fEscape,
		"first":          fFirst,
		"last":           fLast,
		"float":          fFloat,
		"int":            fInt,
		"groupby":        fGroupby,
		"indent":         fIndent,
		"join":           fJoin,
		"length":         fLength,
		"list":           fList,
		"lower":          strFilter(jsLower),
		"upper":          strFilter(jsUpper),
		"trim":           strFilter(strings.TrimSpace),
		"title":          strFilter(fTitle),
		"nl2br":          fNl2br,
		"random":         fRandom,
		"select":         selectFilter(true),
		"reject":         selectFilter(false),
		"selectattr":     selectAttrFilter(true),
		"rejectattr":     selectAttrFilter(false),
		"replace":        fReplace,
		"reverse":        fReverse,
		"round":          fRound,
		"safe":           func(r *renderer, p pos, in any, args []any) (any, error) { return in, nil },
		"slice":          fSlice,
		"sort":           fSort,
		"string":         func(r *renderer, p pos, in any, args []any) (any, error) { return toStr(in), nil },
		"striptags":      fStriptags,
		"sum":            fSum,
		"truncate":       fTruncate,
		"urlencode":      fURLEncode,
		"urlize":         fURLize,
		"wordcount":      fWordcount,
		"parseRepoUrl":   fParseRepoURL,
		"projectSlug":    fProjectSlug,
		"parseEntityRef": fParseEntityRef,
		"pick":           fPick,
	}
}

func (r *renderer) applyFilter(x *filterExpr, in any, f *frame) (any, error) {
	fn, ok := filters[x.name]
	if x.name == "jsonify" && !r.compat {
		ok = false // Jinja's name for dump, in cookiecutterCompat only
	}
	if !ok {
		return nil, r.fail(x.p, "Unknown template filter %q", x.name)
	}
	args, err := r.evalArgs(x.args, f)
	if err != nil {
		return nil, err
	}
	kw, err := r.evalKw(x.kw, f)
	if err != nil {
		return nil, err
	}
	if kw != nil {
		if backstageFilters[x.name] {
			return nil, r.fail(x.p, "Registered filter %s does not accept keyword arguments", x.name)
		}
		args = append(args, kw)
	}
	if a, ok := in.(*jsArray); ok {
		if err := r.step(x.p, int64(len(a.items))); err != nil {
			return nil, err
		}
	}
	v, err := fn(r, x.p, in, args)
	if err != nil {
		var ee *evalError
		if asEvalError(err, &ee) {
			return nil, err
		}
		if backstageFilters[x.name] {
			return nil, r.fail(x.p, "Template filter %q failed: %v", x.name, err)
		}
		return nil, r.fail(x.p, "Filter %q failed for %s input: %v", x.name, typeName(in), err)
	}
	return r.checkSize(x.p, v)
}

func asEvalError(err error, target **evalError) bool {
	e, ok := err.(*evalError)
	if ok {
		*target = e
	}
	return ok
}

func strFilter(fn func(string) string) filterFunc {
	return func(r *renderer, p pos, in any, args []any) (any, error) {
		s, ok := in.(string)
		if !ok {
			return nil, fmt.Errorf("Filter input must be a string")
		}
		return fn(s), nil
	}
}

func fAbs(r *renderer, p pos, in any, args []any) (any, error) { return math.Abs(toNum(in)), nil }

func fCapitalize(s string) string {
	if s == "" {
		return s
	}
	lower := jsLower(s)
	_, n := utf8.DecodeRuneInString(lower)
	return jsUpper(lower[:n]) + lower[n:]
}

// jsUpper and jsLower are toUpperCase and toLowerCase: Unicode's full case
// mappings ("ß" → "SS", a final "Σ" → "ς").
func jsUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return cases.Upper(language.Und).String(s)
}

func jsLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return cases.Lower(language.Und).String(s)
}

// fTitle upper-cases the first letter of each space-separated word and
// lower-cases the rest (Nunjucks: "my-service" → "My-service").
func fTitle(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		words[i] = fCapitalize(w)
	}
	return strings.Join(words, " ")
}

func fCenter(r *renderer, p pos, in any, args []any) (any, error) {
	s := toStr(in)
	width := 80
	if v := argAt(args, 0); !isUndefined(v) {
		width = int(toNum(v))
	}
	n := jsLen(s)
	if n >= width {
		return s, nil
	}
	if width > r.limits.String {
		return nil, r.limit(p, "string-size", int64(r.limits.String))
	}
	spaces := width - n
	pre := spaces / 2
	post := spaces - pre
	return strings.Repeat(" ", pre) + s + strings.Repeat(" ", post), nil
}

func fDefault(r *renderer, p pos, in any, args []any) (any, error) {
	if truthy(argAt(args, 1)) {
		if truthy(in) {
			return in, nil
		}
		return argAt(args, 0), nil
	}
	if isUndefined(in) {
		return argAt(args, 0), nil
	}
	return in, nil
}

func fDump(r *renderer, p pos, in any, args []any) (any, error) {
	indent := ""
	switch x := argAt(args, 0).(type) {
	case float64:
		if x > 10 {
			x = 10
		}
		if x >= 1 {
			indent = strings.Repeat(" ", int(x))
		}
	case string:
		indent = x
		if len(indent) > 10 {
			indent = indent[:10]
		}
	}
	if err := r.step(p, countItems(in, 0)); err != nil {
		return nil, err
	}
	if hasCallable(in, 0) {
		return nil, r.fail(p, "Callable values cannot be coerced")
	}
	s, ok := jsonStringify(in, indent)
	if !ok {
		return undefined, nil
	}
	return s, nil
}

func countItems(v any, depth int) int64 {
	if depth > 64 {
		return 1
	}
	switch x := v.(type) {
	case *jsArray:
		var n int64 = 1
		for _, e := range x.items {
			n += countItems(e, depth+1)
		}
		return n
	case *jsObject:
		var n int64 = 1
		for _, e := range x.m {
			n += countItems(e, depth+1)
		}
		return n
	}
	return 1
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "\"", "&quot;", "'", "&#39;", "<", "&lt;", ">", "&gt;")

func fEscape(r *renderer, p pos, in any, args []any) (any, error) {
	return htmlEscaper.Replace(outputStr(in)), nil
}

func fFirst(r *renderer, p pos, in any, args []any) (any, error) {
	switch x := in.(type) {
	case *jsArray:
		if len(x.items) == 0 {
			return undefined, nil
		}
		return x.items[0], nil
	case string:
		if x == "" {
			return undefined, nil
		}
		return jsSubstr(x, 0, 1), nil
	}
	return undefined, nil
}

func fLast(r *renderer, p pos, in any, args []any) (any, error) {
	switch x := in.(type) {
	case *jsArray:
		if len(x.items) == 0 {
			return undefined, nil
		}
		return x.items[len(x.items)-1], nil
	case string:
		n := jsLen(x)
		if n == 0 {
			return undefined, nil
		}
		return jsSubstr(x, n-1, n), nil
	}
	return undefined, nil
}

func fFloat(r *renderer, p pos, in any, args []any) (any, error) {
	f := parseFloatPrefix(toStr(in))
	if math.IsNaN(f) {
		return argAt(args, 0), nil
	}
	return f, nil
}

var floatPrefix = regexp.MustCompile(`^[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)`)

// parseFloatPrefix is JavaScript's parseFloat.
func parseFloatPrefix(s string) float64 {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	m := floatPrefix.FindString(s)
	if m == "" {
		return math.NaN()
	}
	return toNum(m)
}

// parseIntPrefix is JavaScript's parseInt(s, 10).
func parseIntPrefix(s string) float64 {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s[:j], 64)
	return f
}

func fInt(r *renderer, p pos, in any, args []any) (any, error) {
	f := parseIntPrefix(toStr(in))
	if math.IsNaN(f) {
		return argAt(args, 0), nil
	}
	return f, nil
}

func attrOf(v any, attr string) any {
	return member(v, attr, attr)
}

func fGroupby(r *renderer, p pos, in any, args []any) (any, error) {
	arr, ok := in.(*jsArray)
	if !ok {
		return nil, fmt.Errorf("groupby requires an array")
	}
	attr := toStr(argAt(args, 0))
	out := newObject()
	for _, e := range arr.items {
		k := toStr(attrOf(e, attr))
		g, ok := out.get(k)
		if !ok {
			g = &jsArray{}
			out.set(k, g)
		}
		g.(*jsArray).items = append(g.(*jsArray).items, e)
	}
	return out, nil
}

func fIndent(r *renderer, p pos, in any, args []any) (any, error) {
	s := outputStr(in)
	if s == "" {
		return "", nil
	}
	width := 4
	if v := argAt(args, 0); !isUndefined(v) {
		width = int(toNum(v))
	}
	if width < 0 {
		width = 0
	}
	pad := strings.Repeat(" ", width)
	lines := strings.Split(s, "\n")
	if int64(len(lines))*int64(width) > int64(r.limits.String) {
		return nil, r.limit(p, "string-size", int64(r.limits.String))
	}
	for i := range lines {
		if i == 0 && !truthy(argAt(args, 1)) {
			continue
		}
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n"), nil
}

func fJoin(r *renderer, p pos, in any, args []any) (any, error) {
	arr, ok := in.(*jsArray)
	if !ok {
		return nil, fmt.Errorf("join requires an array")
	}
	sep := ""
	if v := argAt(args, 0); !isUndefined(v) {
		sep = toStr(v)
	}
	items := arr.items
	if attr := argAt(args, 1); !isUndefined(attr) {
		items = make([]any, len(arr.items))
		for i, e := range arr.items {
			items[i] = attrOf(e, toStr(attr))
		}
	}
	return r.joinValues(p, items, sep)
}

func fLength(r *renderer, p pos, in any, args []any) (any, error) {
	switch x := in.(type) {
	case *jsArray:
		return float64(len(x.items)), nil
	case string:
		return float64(jsLen(x)), nil
	case *jsObject:
		return float64(len(x.keys)), nil
	case undefinedValue, nil:
		return float64(0), nil
	}
	return undefined, nil
}

func fList(r *renderer, p pos, in any, args []any) (any, error) {
	switch x := in.(type) {
	case string:
		out := &jsArray{}
		for _, u := range units(x) {
			out.items = append(out.items, fromUnits([]uint16{u}))
		}
		return out, nil
	case *jsArray:
		return x, nil
	case *jsObject:
		out := &jsArray{}
		for _, k := range x.orderedKeys() {
			o := newObject()
			o.set("key", k)
			o.set("value", x.m[k])
			out.items = append(out.items, o)
		}
		return out, nil
	}
	return nil, fmt.Errorf("list filter: type not iterable")
}

func fNl2br(r *renderer, p pos, in any, args []any) (any, error) {
	s := outputStr(in)
	s = strings.ReplaceAll(s, "\r\n", "<br />\n")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' && !(i >= 6 && strings.HasSuffix(s[:i], "<br />")) {
			b.WriteString("<br />\n")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

func fRandom(r *renderer, p pos, in any, args []any) (any, error) {
	arr, ok := in.(*jsArray)
	if !ok || len(arr.items) == 0 {
		return undefined, nil
	}
	return arr.items[rand.IntN(len(arr.items))], nil
}

func selectFilter(keep bool) filterFunc {
	return func(r *renderer, p pos, in any, args []any) (any, error) {
		arr, ok := in.(*jsArray)
		if !ok {
			return nil, fmt.Errorf("requires an array")
		}
		out := &jsArray{}
		for _, e := range arr.items {
			var ok bool
			if name := argAt(args, 0); isUndefined(name) {
				ok = truthy(e)
			} else {
				t, found := tests[toStr(name)]
				if !found {
					return nil, fmt.Errorf("unknown test %q", toStr(name))
				}
				var err error
				if ok, err = t(e, args[1:]); err != nil {
					return nil, err
				}
			}
			if ok == keep {
				out.items = append(out.items, e)
			}
		}
		return out, nil
	}
}

// selectAttrFilter is Nunjucks' selectattr/rejectattr: the truth of one
// attribute (Nunjucks takes no test there).
func selectAttrFilter(keep bool) filterFunc {
	return func(r *renderer, p pos, in any, args []any) (any, error) {
		arr, ok := in.(*jsArray)
		if !ok {
			return nil, fmt.Errorf("requires an array")
		}
		attr := toStr(argAt(args, 0))
		out := &jsArray{}
		for _, e := range arr.items {
			if truthy(attrOf(e, attr)) == keep {
				out.items = append(out.items, e)
			}
		}
		return out, nil
	}
}

func fReplace(r *renderer, p pos, in any, args []any) (any, error) {
	if re, ok := argAt(args, 0).(*jsRegex); ok {
		return r.replace(p, toStr(in), re, toStr(argAt(args, 1)))
	}
	s, isStr := in.(string)
	if f, ok := in.(float64); ok {
		s, isStr = jsNumberString(f), true
	}
	if !isStr {
		return in, nil
	}
	old := toStr(argAt(args, 0))
	with := toStr(argAt(args, 1))
	max := -1
	if v := argAt(args, 2); !isUndefined(v) {
		max = int(toNum(v))
	}
	if old == "" {
		// Nunjucks puts the replacement between every character.
		u := units(s)
		if int64(len(u)+1)*int64(len(with))+int64(len(s)) > int64(r.limits.String) {
			return nil, r.limit(p, "string-size", int64(r.limits.String))
		}
		var b strings.Builder
		b.WriteString(with)
		for _, c := range u {
			b.WriteString(fromUnits([]uint16{c}))
			b.WriteString(with)
		}
		return b.String(), nil
	}
	// Nunjucks replaces plain text, at most max times, with no $ patterns.
	n := strings.Count(s, old)
	if max >= 0 && max < n {
		n = max
	}
	if int64(len(s))+int64(n)*int64(len(with)) > int64(r.limits.String) {
		return nil, r.limit(p, "string-size", int64(r.limits.String))
	}
	return strings.Replace(s, old, with, n), nil
}

func fReverse(r *renderer, p pos, in any, args []any) (any, error) {
	switch x := in.(type) {
	case string:
		u := units(x)
		for i, j := 0, len(u)-1; i < j; i, j = i+1, j-1 {
			u[i], u[j] = u[j], u[i]
		}
		return fromUnits(u), nil
	case *jsArray:
		out := &jsArray{items: make([]any, len(x.items))}
		for i, e := range x.items {
			out.items[len(x.items)-1-i] = e
		}
		return out, nil
	}
	return undefined, nil
}

func fRound(r *renderer, p pos, in any, args []any) (any, error) {
	f := toNum(in)
	prec := 0
	if v := argAt(args, 0); !isUndefined(v) {
		prec = int(toNum(v))
	}
	factor := math.Pow(10, float64(prec))
	var rounder func(float64) float64
	switch toStr(argAt(args, 1)) {
	case "ceil":
		rounder = math.Ceil
	case "floor":
		rounder = math.Floor
	default:
		rounder = func(x float64) float64 { return math.Floor(x + 0.5) } // Math.round
	}
	return rounder(f*factor) / factor, nil
}

func fSlice(r *renderer, p pos, in any, args []any) (any, error) {
	arr, ok := in.(*jsArray)
	if !ok {
		return nil, fmt.Errorf("slice requires an array")
	}
	slices := int(toNum(argAt(args, 0)))
	if slices <= 0 {
		return nil, fmt.Errorf("slice count must be positive")
	}
	// Each of the slices is an array, however few items there are.
	if err := r.step(p, int64(slices)); err != nil {
		return nil, err
	}
	fill := argAt(args, 1)
	n := len(arr.items)
	per := n / slices
	extra := n % slices
	out := &jsArray{}
	offset := 0
	for i := 0; i < slices; i++ {
		start := offset + i*per
		if i < extra {
			offset++
		}
		end := offset + (i+1)*per
		part := &jsArray{items: append([]any{}, arr.items[start:end]...)}
		if !isUndefined(fill) && i >= extra {
			part.items = append(part.items, fill)
		}
		out.items = append(out.items, part)
	}
	return out, nil
}

func fBatch(r *renderer, p pos, in any, args []any) (any, error) {
	arr, ok := in.(*jsArray)
	if !ok {
		return nil, fmt.Errorf("batch requires an array")
	}
	size := int(toNum(argAt(args, 0)))
	if size <= 0 {
		return nil, fmt.Errorf("batch size must be positive")
	}
	fill := argAt(args, 1)
	out := &jsArray{}
	for i := 0; i < len(arr.items); i += size {
		end := i + size
		if end > len(arr.items) {
			end = len(arr.items)
		}
		out.items = append(out.items, &jsArray{items: append([]any{}, arr.items[i:end]...)})
	}
	if truthy(fill) && len(out.items) > 0 {
		last := out.items[len(out.items)-1].(*jsArray)
		// The fill pads the last batch to size, however large size is.
		if err := r.step(p, int64(size-len(last.items))); err != nil {
			return nil, err
		}
		for len(last.items) < size {
			last.items = append(last.items, fill)
		}
	}
	return out, nil
}

func fSort(r *renderer, p pos, in any, args []any) (any, error) {
	// Nunjucks' sort is a macro: it takes reverse, case_sensitive and
	// attribute by name too.
	if n := len(args); n > 0 {
		if kw, ok := args[n-1].(*jsObject); ok && kw.kwargs {
			args = append([]any{}, args[:n-1]...)
			for i, name := range []string{"reverse", "case_sensitive", "attribute"} {
				if v, ok := kw.get(name); ok {
					for len(args) <= i {
						args = append(args, undefined)
					}
					args[i] = v
				}
			}
		}
	}
	arr, ok := in.(*jsArray)
	if !ok {
		return nil, fmt.Errorf("sort requires an array")
	}
	reverse := truthy(argAt(args, 0))
	caseSens := truthy(argAt(args, 1))
	attr := argAt(args, 2)
	items := append([]any{}, arr.items...)
	key := func(v any) any {
		if !isUndefined(attr) {
			v = attrOf(v, toStr(attr))
		}
		if s, ok := v.(string); ok && !caseSens {
			return strings.ToLower(s)
		}
		return v
	}
	jsSort(items, func(x, y any) int {
		a, b := key(x), key(y)
		switch {
		case jsCompare("<", a, b):
			if reverse {
				return 1
			}
			return -1
		case jsCompare(">", a, b):
			if reverse {
				return -1
			}
			return 1
		}
		return 0
	})
	return &jsArray{items: items}, nil
}

var tagRe = regexp.MustCompile(`<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->`)

func fStriptags(r *renderer, p pos, in any, args []any) (any, error) {
	s := tagRe.ReplaceAllString(outputStr(in), "")
	if truthy(argAt(args, 0)) {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.Join(strings.Fields(l), " ")
		}
		return strings.TrimSpace(strings.Join(lines, "\n")), nil
	}
	return strings.Join(strings.Fields(s), " "), nil
}

func fSum(r *renderer, p pos, in any, args []any) (any, error) {
	arr, ok := in.(*jsArray)
	if !ok {
		return nil, fmt.Errorf("sum requires an array")
	}
	// Nunjucks: start + arr.reduce((a, b) => a + b, 0).
	var start any = float64(0)
	if v := argAt(args, 1); !isUndefined(v) {
		start = v
	}
	attr := argAt(args, 0)
	var total any = float64(0)
	for _, e := range arr.items {
		if truthy(attr) {
			e = attrOf(e, toStr(attr))
		}
		total = jsAdd(total, e)
		if _, err := r.checkSize(p, total); err != nil {
			return nil, err
		}
	}
	return jsAdd(start, total), nil
}

func fTruncate(r *renderer, p pos, in any, args []any) (any, error) {
	s := outputStr(in)
	length := 255
	if v := argAt(args, 0); !isUndefined(v) {
		length = int(toNum(v))
	}
	if jsLen(s) <= length {
		return s, nil
	}
	end := "..."
	if v := argAt(args, 2); !isNullish(v) {
		end = toStr(v)
	}
	if truthy(argAt(args, 1)) {
		return jsSubstr(s, 0, length) + end, nil
	}
	// input.lastIndexOf(' ', length): a space at index length counts.
	n := jsLen(s)
	lim := length + 1
	if lim > n {
		lim = n
	}
	if lim < 0 {
		lim = 0
	}
	idx := strings.LastIndex(jsSubstr(s, 0, lim), " ")
	if idx < 0 {
		return jsSubstr(s, 0, length) + end, nil
	}
	return s[:idx] + end, nil
}

// encodeURIComponent.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func fURLEncode(r *renderer, p pos, in any, args []any) (any, error) {
	switch x := in.(type) {
	case string:
		return encodeURIComponent(x), nil
	case *jsObject:
		var parts []string
		for _, k := range x.orderedKeys() {
			parts = append(parts, encodeURIComponent(k)+"="+encodeURIComponent(toStr(x.m[k])))
		}
		return strings.Join(parts, "&"), nil
	case *jsArray:
		var parts []string
		for _, e := range x.items {
			pair, _ := e.(*jsArray)
			if pair == nil || len(pair.items) < 2 {
				continue
			}
			parts = append(parts, encodeURIComponent(toStr(pair.items[0]))+"="+encodeURIComponent(toStr(pair.items[1])))
		}
		return strings.Join(parts, "&"), nil
	}
	return "", nil
}

var (
	urlizePunct  = regexp.MustCompile(`^(\(|<|&lt;)?(.*?)(\.|,|\)|\n|&gt;)?$`)
	urlizeEmail  = regexp.MustCompile(`^[\w.!#$%&'*+\-/=?^` + "`" + `{|}~]+@[a-z\d\-]+(\.[a-z\d\-]+)+$`)
	urlizeHTTP   = regexp.MustCompile(`^https?://.*$`)
	urlizeWWW    = regexp.MustCompile(`^www\.`)
	urlizeTLD    = regexp.MustCompile(`\.(?:org|net|com)(?::|/|$)`)
	urlizeSpaces = regexp.MustCompile(`(\s+)`)
)

func fURLize(r *renderer, p pos, in any, args []any) (any, error) {
	s := outputStr(in)
	limit := math.MaxInt
	if v := argAt(args, 0); !isNullish(v) {
		limit = int(toNum(v))
	}
	noFollow := ""
	if truthy(argAt(args, 1)) {
		noFollow = ` rel="nofollow"`
	}
	parts := splitKeep(s)
	for i, word := range parts {
		m := urlizePunct.FindStringSubmatch(word)
		possible := word
		if m != nil {
			possible = m[2]
		}
		short := possible
		if jsLen(short) > limit {
			short = jsSubstr(short, 0, limit)
		}
		switch {
		case urlizeHTTP.MatchString(possible):
			parts[i] = `<a href="` + possible + `"` + noFollow + `>` + short + `</a>`
		case urlizeWWW.MatchString(possible):
			parts[i] = `<a href="http://` + possible + `"` + noFollow + `>` + short + `</a>`
		case urlizeEmail.MatchString(possible):
			parts[i] = `<a href="mailto:` + possible + `">` + possible + `</a>`
		case urlizeTLD.MatchString(possible):
			parts[i] = `<a href="http://` + possible + `"` + noFollow + `>` + short + `</a>`
		}
	}
	return strings.Join(parts, ""), nil
}

// splitKeep splits on runs of white space, keeping them as parts.
func splitKeep(s string) []string {
	var out []string
	last := 0
	for _, loc := range urlizeSpaces.FindAllStringIndex(s, -1) {
		out = append(out, s[last:loc[0]], s[loc[0]:loc[1]])
		last = loc[1]
	}
	return append(out, s[last:])
}

var wordRe = regexp.MustCompile(`\w+`)

func fWordcount(r *renderer, p pos, in any, args []any) (any, error) {
	words := wordRe.FindAllString(outputStr(in), -1)
	if len(words) == 0 {
		return nil, nil
	}
	return float64(len(words)), nil
}

func fDictsort(r *renderer, p pos, in any, args []any) (any, error) {
	o, ok := in.(*jsObject)
	if !ok {
		return nil, fmt.Errorf("dictsort filter: val must be an object")
	}
	caseSens := truthy(argAt(args, 0))
	byValue := toStr(argAt(args, 1)) == "value"
	var pairs []*jsArray
	for _, k := range o.orderedKeys() {
		pairs = append(pairs, &jsArray{items: []any{k, o.m[k]}})
	}
	out := &jsArray{}
	for _, pr := range pairs {
		out.items = append(out.items, pr)
	}
	idx := 0
	if byValue {
		idx = 1
	}
	jsSort(out.items, func(x, y any) int {
		a, b := x.(*jsArray).items[idx], y.(*jsArray).items[idx]
		if !caseSens {
			if s, ok := a.(string); ok {
				a = strings.ToUpper(s)
			}
			if s, ok := b.(string); ok {
				b = strings.ToUpper(s)
			}
		}
		switch {
		case jsCompare(">", a, b):
			return 1
		case strictEquals(a, b):
			return 0
		}
		return -1
	})
	return out, nil
}

// ---- Backstage's filters ----

// fParseRepoURL is Backstage's parseRepoUrl: host?owner=…&repo=… into
// {host, owner, repo, organization, workspace, project}; absent parts are
// undefined (dump leaves them out).
func fParseRepoURL(r *renderer, p pos, in any, args []any) (any, error) {
	s, ok := in.(string)
	if !ok {
		return nil, fmt.Errorf("parseRepoUrl takes a string, not %s", typeName(in))
	}
	host, query, _ := strings.Cut(s, "?")
	q, err := url.ParseQuery(query)
	if err != nil || host == "" || strings.ContainsAny(host, "/ ") {
		return nil, fmt.Errorf("Invalid repo URL passed to publisher, got %s", s)
	}
	get := func(k string) any {
		if v, ok := q[k]; ok && len(v) > 0 {
			return v[0]
		}
		return undefined
	}
	o := newObject()
	o.set("host", host)
	for _, k := range []string{"owner", "repo", "organization", "workspace", "project"} {
		o.set(k, get(k))
	}
	// Only Bitbucket and Azure DevOps locate a repository without an owner.
	ownerless := strings.Contains(host, "bitbucket") || strings.Contains(host, "azure")
	if !truthy(o.m["owner"]) && !(ownerless && (truthy(o.m["organization"]) || truthy(o.m["workspace"]) || truthy(o.m["project"]))) {
		return nil, fmt.Errorf("Invalid repo URL passed to publisher: %s, missing owner", s)
	}
	if !truthy(o.m["repo"]) {
		return nil, fmt.Errorf("Invalid repo URL passed to publisher: %s, missing repo", s)
	}
	return o, nil
}

// fProjectSlug is `${owner}/${repo}` of parseRepoUrl: a missing part prints
// "undefined", as in JavaScript.
func fProjectSlug(r *renderer, p pos, in any, args []any) (any, error) {
	v, err := fParseRepoURL(r, p, in, args)
	if err != nil {
		return nil, err
	}
	o := v.(*jsObject)
	return toStr(o.m["owner"]) + "/" + toStr(o.m["repo"]), nil
}

// fParseEntityRef is catalog-model's parseEntityRef: [kind:][namespace/]name,
// with {defaultKind, defaultNamespace} as an optional argument; no kind and
// no defaultKind is an error; the namespace defaults to "default".
func fParseEntityRef(r *renderer, p pos, in any, args []any) (any, error) {
	s, ok := in.(string)
	if !ok {
		return nil, fmt.Errorf("Entity reference must be a string, not %s", typeName(in))
	}
	var defKind, defNS string
	if o, ok := argAt(args, 0).(*jsObject); ok {
		if v, ok := o.get("defaultKind"); ok && !isNullish(v) {
			defKind = toStr(v)
		}
		if v, ok := o.get("defaultNamespace"); ok && !isNullish(v) {
			defNS = toStr(v)
		}
	}
	kind, rest, hasKind := strings.Cut(s, ":")
	if !hasKind {
		kind, rest = "", s
	}
	ns, name, hasNS := strings.Cut(rest, "/")
	if !hasNS {
		ns, name = "", rest
	}
	if !hasKind {
		kind = defKind
	}
	if kind == "" {
		return nil, fmt.Errorf("Entity reference %q had missing or empty kind", s)
	}
	if !hasNS {
		ns = defNS
		if ns == "" {
			ns = catalog.DefaultNamespace
		}
	}
	if ns == "" {
		return nil, fmt.Errorf("Entity reference %q had missing or empty namespace", s)
	}
	if name == "" {
		return nil, fmt.Errorf("Entity reference %q had missing or empty name", s)
	}
	o := newObject()
	o.set("kind", kind)
	o.set("namespace", ns)
	o.set("name", name)
	return o, nil
}

var pickPathRe = regexp.MustCompile(`\[([^\]]*)\]`)

// fPick is lodash's get(object, path): "a.b[0].c".
func fPick(r *renderer, p pos, in any, args []any) (any, error) {
	path := pickPathRe.ReplaceAllString(toStr(argAt(args, 0)), ".$1")
	v := in
	for _, part := range strings.Split(path, ".") {
		if part == "" {
			continue
		}
		if isNullish(v) {
			return undefined, nil
		}
		v = member(v, part, part)
		if isCallable(v) {
			v = undefined
		}
	}
	return v, nil
}

// jsSort sorts as V8's Array.prototype.sort does for short arrays (a run
// found first, then binary insertion), so comparators that are not
// consistent (numbers against strings) order items as Backstage does.
// Longer arrays, where such ties are unlikely to matter, use a stable sort.
func jsSort(a []any, cmp func(x, y any) int) {
	n := len(a)
	if n < 2 {
		return
	}
	if n >= 64 {
		sort.SliceStable(a, func(i, j int) bool { return cmp(a[i], a[j]) < 0 })
		return
	}
	run := 2
	desc := cmp(a[1], a[0]) < 0
	for prev := a[1]; run < n; run++ {
		order := cmp(a[run], prev)
		if desc && order >= 0 || !desc && order < 0 {
			break
		}
		prev = a[run]
	}
	if desc {
		for i, j := 0, run-1; i < j; i, j = i+1, j-1 {
			a[i], a[j] = a[j], a[i]
		}
	}
	for start := run; start < n; start++ {
		pivot := a[start]
		left, right := 0, start
		for left < right {
			mid := left + (right-left)>>1
			if cmp(pivot, a[mid]) < 0 {
				right = mid
			} else {
				left = mid + 1
			}
		}
		copy(a[left+1:start+1], a[left:start])
		a[left] = pivot
	}
}

// jsToFixed is Number.prototype.toFixed: the exact value rounded half up
// (Go's formatting rounds an exact half to even: 2.5 → "2", not "3").
func jsToFixed(f float64, d int) string {
	neg := f < 0
	if neg {
		f = -f
	}
	r := new(big.Rat).SetFloat64(f)
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)))
	// n = floor(r + 1/2)
	num := new(big.Int).Mul(r.Num(), big.NewInt(2))
	num.Add(num, r.Denom())
	n := num.Div(num, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	digits := n.String()
	if d > 0 {
		if len(digits) <= d {
			digits = strings.Repeat("0", d-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-d] + "." + digits[len(digits)-d:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func hasCallable(v any, depth int) bool {
	if depth > 64 {
		return false
	}
	switch x := v.(type) {
	case *macroValue, *builtinFunc, *boundMethod:
		return true
	case *jsArray:
		for _, e := range x.items {
			if hasCallable(e, depth+1) {
				return true
			}
		}
	case *jsObject:
		for _, e := range x.m {
			if hasCallable(e, depth+1) {
				return true
			}
		}
	}
	return false
}
