package scaffold

import (
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the template language's value layer: JavaScript values and
// JavaScript's rules for printing, comparing, adding and truth, as Backstage's
// renderer (a JavaScript program) applies them.
//
// A value is one of: undefinedValue, nil (null), bool, float64, string,
// *jsArray, *jsObject, *jsRegex, or something callable (*macroValue,
// *builtinFunc, *boundMethod).

type undefinedValue struct{}

var undefined any = undefinedValue{}

type jsArray struct{ items []any }

// jsObject keeps JavaScript's property order: integer-like keys ascending,
// then the others in insertion order.
type jsObject struct {
	keys []string
	m    map[string]any
	// kwargs marks the object Nunjucks passes for name=value arguments.
	kwargs bool
}

type jsRegex struct {
	source, flags string
	re            *regexp.Regexp
}

func newObject() *jsObject { return &jsObject{m: map[string]any{}} }

func (o *jsObject) get(k string) (any, bool) {
	v, ok := o.m[k]
	return v, ok
}

func (o *jsObject) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// orderedKeys is the order JavaScript enumerates keys in.
func (o *jsObject) orderedKeys() []string {
	var ints []string
	var rest []string
	for _, k := range o.keys {
		if isArrayIndex(k) {
			ints = append(ints, k)
		} else {
			rest = append(rest, k)
		}
	}
	if len(ints) == 0 {
		return o.keys
	}
	sort.Slice(ints, func(i, j int) bool {
		a, _ := strconv.ParseUint(ints[i], 10, 32)
		b, _ := strconv.ParseUint(ints[j], 10, 32)
		return a < b
	})
	return append(ints, rest...)
}

func isArrayIndex(k string) bool {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	return err == nil && n < 1<<32-1
}

// fromGo converts data given to the template (decoded YAML or JSON) into
// template values. Go maps have no order: their keys are taken sorted.
func fromGo(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case undefinedValue, bool, float64, string, *jsArray, *jsObject, *jsRegex:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		a := &jsArray{items: make([]any, len(x))}
		for i, e := range x {
			a.items[i] = fromGo(e)
		}
		return a
	case []string:
		a := &jsArray{items: make([]any, len(x))}
		for i, e := range x {
			a.items[i] = e
		}
		return a
	case map[string]any:
		o := newObject()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o.set(k, fromGo(x[k]))
		}
		return o
	case map[string]string:
		o := newObject()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o.set(k, x[k])
		}
		return o
	case orderedMap:
		o := newObject()
		for _, k := range x.Keys {
			o.set(k, fromGo(x.Values[k]))
		}
		return o
	}
	return undefined
}

// orderedMap is a map whose key order is kept (from a JSON or YAML document).
type orderedMap struct {
	Keys   []string
	Values map[string]any
}

// toGo converts a template value back to plain Go data (JSON's types):
// undefined becomes nil where it must stay (lists) and is dropped from maps,
// numbers that are not finite become nil, as JSON.stringify does.
func toGo(v any) any {
	if l, ok := v.(*loopValue); ok {
		v = l.object()
	}
	switch x := v.(type) {
	case undefinedValue:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case *jsArray:
		out := make([]any, len(x.items))
		for i, e := range x.items {
			out[i] = toGo(e)
		}
		return out
	case *jsObject:
		out := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			e := x.m[k]
			if _, ok := e.(undefinedValue); ok || isCallable(e) {
				continue
			}
			out[k] = toGo(e)
		}
		return out
	case nil, bool, string:
		return x
	case *jsRegex:
		return map[string]any{} // JSON.stringify(/x/) is {}
	}
	return nil
}

func isCallable(v any) bool {
	switch v.(type) {
	case *macroValue, *builtinFunc, *boundMethod:
		return true
	}
	return false
}

// truthy is JavaScript's truth.
func truthy(v any) bool {
	switch x := v.(type) {
	case undefinedValue, nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// jsNumberString prints a number as JavaScript's String(n) does.
func jsNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	neg := f < 0
	if neg {
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expPart, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expPart)
	n := exp + 1
	k := len(digits)
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		sign := "+"
		if n-1 < 0 {
			sign = "-"
		}
		ex := n - 1
		if ex < 0 {
			ex = -ex
		}
		if k == 1 {
			s = digits + "e" + sign + strconv.Itoa(ex)
		} else {
			s = digits[:1] + "." + digits[1:] + "e" + sign + strconv.Itoa(ex)
		}
	}
	if neg {
		s = "-" + s
	}
	return s
}

// toStr is JavaScript's String(v).
func toStr(v any) string {
	switch x := v.(type) {
	case undefinedValue:
		return "undefined"
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return jsNumberString(x)
	case string:
		return x
	case *jsArray:
		var b strings.Builder
		for i, e := range x.items {
			if i > 0 {
				b.WriteByte(',')
			}
			switch e.(type) {
			case undefinedValue, nil:
			default:
				b.WriteString(toStr(e))
			}
		}
		return b.String()
	case *jsObject, *loopValue, *cyclerValue:
		return "[object Object]"
	case *jsRegex:
		return "/" + x.source + "/" + x.flags
	case *macroValue, *builtinFunc, *boundMethod:
		return "function () { [native code] }"
	}
	return ""
}

// outputStr is what ${{ }} writes: nothing for null and undefined.
func outputStr(v any) string {
	switch v.(type) {
	case undefinedValue, nil:
		return ""
	}
	return toStr(v)
}

var jsNumberSyntax = regexp.MustCompile(`^[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$`)

// toNum is JavaScript's Number(v).
func toNum(v any) float64 {
	switch x := v.(type) {
	case undefinedValue:
		return math.NaN()
	case nil:
		return 0
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0
		}
		if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B') {
			base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]]
			n, err := strconv.ParseUint(s[2:], base, 64)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}
		if !jsNumberSyntax.MatchString(s) {
			return math.NaN()
		}
		if strings.HasSuffix(s, "Infinity") {
			if s[0] == '-' {
				return math.Inf(-1)
			}
			return math.Inf(1)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return f
			}
			return math.NaN()
		}
		return f
	case *jsArray:
		return toNum(toStr(x))
	}
	return math.NaN()
}

// toPrimitive turns arrays, objects and functions into their strings.
func toPrimitive(v any) any {
	switch v.(type) {
	case *jsArray, *jsObject, *jsRegex, *macroValue, *builtinFunc, *boundMethod, *loopValue, *cyclerValue:
		return toStr(v)
	}
	return v
}

// jsAdd is JavaScript's a + b.
func jsAdd(a, b any) any {
	a, b = toPrimitive(a), toPrimitive(b)
	_, as := a.(string)
	_, bs := b.(string)
	if as || bs {
		return toStr(a) + toStr(b)
	}
	return toNum(a) + toNum(b)
}

// strictEquals is JavaScript's ===.
func strictEquals(a, b any) bool {
	switch x := a.(type) {
	case undefinedValue:
		_, ok := b.(undefinedValue)
		return ok
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return a == b // same object
}

func isNullish(v any) bool {
	switch v.(type) {
	case undefinedValue, nil:
		return true
	}
	return false
}

// looseEquals is JavaScript's ==.
func looseEquals(a, b any) bool {
	if isNullish(a) || isNullish(b) {
		return isNullish(a) && isNullish(b)
	}
	if sameType(a, b) {
		return strictEquals(a, b)
	}
	if isObjectLike(a) && isObjectLike(b) {
		return a == b
	}
	if isObjectLike(a) {
		a = toPrimitive(a)
	}
	if isObjectLike(b) {
		b = toPrimitive(b)
	}
	if sameType(a, b) {
		return strictEquals(a, b)
	}
	return toNum(a) == toNum(b)
}

func isObjectLike(v any) bool {
	switch v.(type) {
	case *jsArray, *jsObject, *jsRegex, *macroValue, *builtinFunc, *boundMethod, *loopValue, *cyclerValue:
		return true
	}
	return false
}

func sameType(a, b any) bool {
	switch a.(type) {
	case bool:
		_, ok := b.(bool)
		return ok
	case float64:
		_, ok := b.(float64)
		return ok
	case string:
		_, ok := b.(string)
		return ok
	}
	return false
}

// jsLess is JavaScript's a < b (strings by UTF-16 code units).
func jsCompare(op string, a, b any) bool {
	a, b = toPrimitive(a), toPrimitive(b)
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		c := compareUTF16(as, bs)
		switch op {
		case "<":
			return c < 0
		case ">":
			return c > 0
		case "<=":
			return c <= 0
		}
		return c >= 0
	}
	x, y := toNum(a), toNum(b)
	switch op {
	case "<":
		return x < y
	case ">":
		return x > y
	case "<=":
		return x <= y
	}
	return x >= y
}

func compareUTF16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// jsLen is a string's length in UTF-16 code units.
func jsLen(s string) int {
	if isASCII(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// units and fromUnits convert strings to UTF-16 and back, for indexing.
func units(s string) []uint16 { return utf16.Encode([]rune(s)) }
func fromUnits(u []uint16) string {
	return string(utf16.Decode(u))
}

// jsSubstr returns code units [i, j) of s.
func jsSubstr(s string, i, j int) string {
	if isASCII(s) {
		return s[i:j]
	}
	return fromUnits(units(s)[i:j])
}

// jsonStringify is JSON.stringify(v[, null, indent]); ok is false when the
// result is undefined.
func jsonStringify(v any, indent string) (string, bool) {
	var b strings.Builder
	ok := writeJSON(&b, v, indent, "")
	return b.String(), ok
}

func writeJSON(b *strings.Builder, v any, indent, cur string) bool {
	if l, ok := v.(*loopValue); ok {
		v = l.object()
	}
	switch x := v.(type) {
	case undefinedValue, *macroValue, *builtinFunc, *boundMethod:
		return false
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(toStr(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b.WriteString("null")
		} else {
			b.WriteString(jsNumberString(x))
		}
	case string:
		writeJSONString(b, x)
	case *jsRegex:
		b.WriteString("{}")
	case *jsArray:
		if len(x.items) == 0 {
			b.WriteString("[]")
			return true
		}
		inner := cur + indent
		b.WriteByte('[')
		for i, e := range x.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if indent != "" {
				b.WriteString("\n" + inner)
			}
			if !writeJSON(b, e, indent, inner) {
				b.WriteString("null")
			}
		}
		if indent != "" {
			b.WriteString("\n" + cur)
		}
		b.WriteByte(']')
	case *jsObject:
		inner := cur + indent
		b.WriteByte('{')
		n := 0
		for _, k := range x.orderedKeys() {
			e := x.m[k]
			switch e.(type) {
			case undefinedValue, *macroValue, *builtinFunc, *boundMethod:
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if indent != "" {
				b.WriteString("\n" + inner)
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if indent != "" {
				b.WriteByte(' ')
			}
			writeJSON(b, e, indent, inner)
		}
		if indent != "" && n > 0 {
			b.WriteString("\n" + cur)
		}
		b.WriteByte('}')
	default:
		return false
	}
	return true
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				if c < 0x20 {
					b.WriteString(`\u00`)
					b.WriteByte("0123456789abcdef"[c>>4])
					b.WriteByte("0123456789abcdef"[c&0xF])
				} else {
					b.WriteByte(c)
				}
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		i += size
	}
	b.WriteByte('"')
}

// typeName names a value's kind in errors.
func typeName(v any) string {
	switch v.(type) {
	case undefinedValue:
		return "undefined"
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case *jsArray:
		return "array"
	case *jsObject:
		return "object"
	}
	return "function"
}
