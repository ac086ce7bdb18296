package scaffold

import (
	"fmt"
	"strings"
)

// This file parses the ${{ }} template language: the subset of Nunjucks 3.2.4
// that Backstage's scaffolder renders (text, ${{ expr }}, {% tags %}, {# #}
// comments, "-" whitespace control), into a tree evaluated by njk_eval.go.

// maxParseDepth bounds the parser's recursion: (((( … or nested tags cannot
// exhaust the Go stack.
const maxParseDepth = 256

// maxExprDepth bounds how deep an expression's tree is, chains included:
// a+a+…+a, x|f|f|…|f and x.a.a.….a are as deep as they are long, and their
// evaluation recurses that deep (a million-long chain, which a 4 MB
// template holds, overflows the Go stack, a fatal error recover cannot
// catch).
const maxExprDepth = 2048

type pos struct{ line, col int }

// node is a template node (text, output, tag).
type node interface{}

type (
	textNode   struct{ text string }
	outputNode struct {
		p pos
		e expr
	}
	ifNode struct {
		p     pos
		conds []expr
		bodys [][]node
		els   []node
	}
	forNode struct {
		p     pos
		names []string
		iter  expr
		body  []node
		els   []node
	}
	setNode struct {
		p     pos
		names []string
		value expr   // nil for a block set
		body  []node // block set
	}
	macroNode struct {
		p    pos
		name string
		m    *macroDef
	}
	callNode struct {
		p      pos
		call   expr
		caller *macroDef
	}
	filterNode struct {
		p    pos
		f    *filterExpr // in is nil: the body's text is the input
		body []node
	}
	switchNode struct {
		p     pos
		subj  expr
		cases []expr
		bodys [][]node
		def   []node
	}
)

type macroDef struct {
	name     string
	params   []string
	defaults map[string]expr
	body     []node
}

// expr is an expression node.
type expr interface{}

type (
	litExpr  struct{ v any }
	nameExpr struct {
		p    pos
		name string
	}
	lookupExpr struct {
		p   pos
		obj expr
		key expr
	}
	sliceExpr struct {
		p                 pos
		obj               expr
		start, stop, step expr
	}
	callExpr struct {
		p    pos
		fn   expr
		args []expr
		kw   []kwArg
	}
	filterExpr struct {
		p    pos
		name string
		in   expr
		args []expr
		kw   []kwArg
	}
	binExpr struct {
		p    pos
		op   string
		l, r expr
	}
	compareExpr struct {
		p     pos
		first expr
		ops   []string
		rest  []expr
	}
	unaryExpr struct {
		p  pos
		op string
		e  expr
	}
	condExpr struct {
		p               pos
		cond, then, els expr // els may be nil
	}
	isExpr struct {
		p    pos
		e    expr
		test string
		args []expr
		not  bool
	}
	arrayExpr struct{ items []expr }
	groupExpr struct{ items []expr }
	dictExpr  struct {
		keys []string
		vals []expr
	}
	regexExpr struct {
		p            pos
		source, flag string
	}
)

type kwArg struct {
	name string
	v    expr
}

// ParseError is a syntax error with its position.
type parseError struct {
	p   pos
	msg string
}

func (e *parseError) Error() string { return e.msg }

// ---- lexing of the template: text and tags ----

type tagKind int

const (
	tkText tagKind = iota
	tkOutput
	tkBlock
)

type chunk struct {
	kind tagKind
	p    pos
	text string // text, or the tag's inside
	open string // the opening delimiter of an output tag
}

type templateLexer struct {
	src  string
	i    int
	line int
	col  int
}

func (lx *templateLexer) advance(n int) {
	for k := 0; k < n && lx.i < len(lx.src); k++ {
		if lx.src[lx.i] == '\n' {
			lx.line++
			lx.col = 1
		} else if lx.src[lx.i]&0xC0 != 0x80 {
			lx.col++
		}
		lx.i++
	}
}

func (lx *templateLexer) pos() pos { return pos{lx.line, lx.col} }

// chunks splits src into text, output and block chunks, applying "-"
// whitespace control and dropping comments. raw/verbatim bodies are text.
func lexTemplate(src string, compat bool) ([]chunk, error) {
	varOpen := "${{"
	if compat {
		varOpen = "{{" // cookiecutterCompat: Jinja's delimiters
	}
	lx := &templateLexer{src: src, line: 1, col: 1}
	var out []chunk
	var text strings.Builder
	textPos := lx.pos()
	trimNext := false
	flush := func(trimRight bool) {
		t := text.String()
		if trimRight {
			t = strings.TrimRight(t, " \t\r\n")
		}
		if t != "" {
			out = append(out, chunk{kind: tkText, p: textPos, text: t})
		}
		text.Reset()
	}
	for lx.i < len(src) {
		rest := src[lx.i:]
		var open, close string
		kind := tkText
		switch {
		case strings.HasPrefix(rest, varOpen):
			open, close, kind = varOpen, "}}", tkOutput
		case strings.HasPrefix(rest, "{%"):
			open, close, kind = "{%", "%}", tkBlock
		case strings.HasPrefix(rest, "{#"):
			open, close = "{#", "#}"
		}
		if open == "" {
			if trimNext {
				if c := src[lx.i]; c == ' ' || c == '\t' || c == '\r' || c == '\n' {
					lx.advance(1)
					continue
				}
				trimNext = false
			}
			if text.Len() == 0 {
				textPos = lx.pos()
			}
			text.WriteByte(src[lx.i])
			lx.advance(1)
			continue
		}
		trimNext = false
		start := lx.pos()
		inner := lx.i + len(open)
		trimLeft := strings.HasPrefix(src[inner:], "-")
		if trimLeft {
			inner++
		}
		var end int
		if kind == tkText {
			end = strings.Index(src[inner:], close)
			if end < 0 {
				return nil, &parseError{start, "Unterminated comment"}
			}
			end += inner
		} else {
			var err error
			end, err = findClose(src, inner, close)
			if err != nil {
				return nil, &parseError{start, err.Error()}
			}
		}
		body := src[inner:end]
		trimRight := strings.HasSuffix(body, "-")
		if trimRight {
			body = body[:len(body)-1]
		}
		flush(trimLeft)
		lx.advance(end + len(close) - lx.i)
		trimNext = trimRight
		if kind == tkText {
			textPos = lx.pos()
			continue
		}
		out = append(out, chunk{kind: kind, p: start, text: body, open: open})
		if kind == tkBlock {
			name := strings.TrimSpace(body)
			if name == "raw" || name == "verbatim" {
				endTag := "end" + name
				j, k := findEndRaw(src, lx.i, endTag)
				if j < 0 {
					return nil, &parseError{start, "Missing " + endTag + " tag"}
				}
				out[len(out)-1] = chunk{kind: tkText, p: lx.pos(), text: src[lx.i:j]}
				lx.advance(k - lx.i)
			}
		}
		textPos = lx.pos()
	}
	flush(false)
	return out, nil
}

// findEndRaw finds {% endraw %} (with optional "-") from i: the start of the
// tag and the index after it.
func findEndRaw(src string, i int, endTag string) (int, int) {
	for {
		j := strings.Index(src[i:], "{%")
		if j < 0 {
			return -1, -1
		}
		j += i
		k := strings.Index(src[j:], "%}")
		if k < 0 {
			return -1, -1
		}
		k += j
		// Only a plain {% endraw %} ends it, as in Backstage's renderer.
		if strings.TrimSpace(src[j+2:k]) == endTag {
			return j, k + 2
		}
		i = j + 2
	}
}

// findClose finds the closing delimiter of a tag from i, skipping string
// literals (a "}}" inside quotes does not close the tag).
func findClose(src string, i int, close string) (int, error) {
	for i < len(src) {
		c := src[i]
		if c == '"' || c == '\'' {
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				break
			}
			i = j + 1
			continue
		}
		if strings.HasPrefix(src[i:], "-"+close) {
			return i + 1, nil
		}
		if strings.HasPrefix(src[i:], close) {
			return i, nil
		}
		i++
	}
	if close == "}}" {
		return 0, fmt.Errorf("Unterminated variable tag")
	}
	return 0, fmt.Errorf("Unterminated block tag")
}

// ---- tokens of expressions ----

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tString
	tNumber
	tOp
	tRegex
)

type token struct {
	kind tokKind
	s    string
	num  float64
	p    pos
}

// maxExprTokens bounds one expression's tokens: each is 48 bytes, so a
// 4 MB template that is one expression of [0][0]… was ~150 MB of tokens
// (and several times that in garbage while the slice grew) before the
// parser looked at any of them.
const maxExprTokens = 250_000

func tokenize(s string, base pos) ([]token, error) {
	var toks []token
	line, col := base.line, base.col
	i := 0
	adv := func(n int) {
		for k := 0; k < n; k++ {
			if s[i] == '\n' {
				line++
				col = 1
			} else if s[i]&0xC0 != 0x80 {
				col++
			}
			i++
		}
	}
	for i < len(s) {
		c := s[i]
		p := pos{line, col}
		if len(toks) >= maxExprTokens {
			return nil, &parseError{p, fmt.Sprintf("expression longer than %d tokens", maxExprTokens)}
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			adv(1)
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(s[j])
					}
					j++
					continue
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, &parseError{p, "Unterminated string literal"}
			}
			toks = append(toks, token{kind: tString, s: b.String(), p: p})
			adv(j + 1 - i)
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			fraction := false
			if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
				fraction = true
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			// 5.toString is no literal (5.5.toFixed is 5.5, then .toFixed).
			if j < len(s) && (isNameByte(s[j]) || !fraction && s[j] == '.' && j+1 < len(s) && isNameStart(s[j+1])) {
				return nil, &parseError{p, "Invalid numeric literal"}
			}
			var f float64
			fmt.Sscan(s[i:j], &f)
			toks = append(toks, token{kind: tNumber, s: s[i:j], num: f, p: p})
			adv(j - i)
		case c == 'r' && i+1 < len(s) && s[i+1] == '/':
			j := i + 2
			for j < len(s) && s[j] != '/' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, &parseError{p, "Unterminated regular expression"}
			}
			src := s[i+2 : j]
			k := j + 1
			for k < len(s) && strings.IndexByte("gimy", s[k]) >= 0 {
				k++
			}
			toks = append(toks, token{kind: tRegex, s: src + "/" + s[j+1:k], p: p})
			adv(k - i)
		case isNameStart(c):
			j := i
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tName, s: s[i:j], p: p})
			adv(j - i)
		default:
			op := ""
			for _, o := range []string{"===", "!==", "**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "+", "-", "*", "/", "%", "~", "<", ">", "=", "?"} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, &parseError{p, fmt.Sprintf("Unexpected character %q", c)}
			}
			toks = append(toks, token{kind: tOp, s: op, p: p})
			adv(len(op))
		}
	}
	toks = append(toks, token{kind: tEOF, p: pos{line, col}})
	return toks, nil
}

func isNameStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isNameByte(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }

// ---- expression parser ----

type exprParser struct {
	toks  []token
	i     int
	depth int
	// tree is the depth of the tree being built: depth plus the links
	// of the chains (a + b + c) around the current token.
	tree int
	// compat is cookiecutterCompat: True, False and None are literals.
	compat bool
}

func (p *exprParser) peek() token { return p.toks[p.i] }
func (p *exprParser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}
func (p *exprParser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.s == s
}
func (p *exprParser) isName(s string) bool {
	t := p.peek()
	return t.kind == tName && t.s == s
}
func (p *exprParser) skipOp(s string) bool {
	if p.isOp(s) {
		p.next()
		return true
	}
	return false
}
func (p *exprParser) skipName(s string) bool {
	if p.isName(s) {
		p.next()
		return true
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return fmt.Sprintf("%q", t.s)
	}
	return fmt.Sprintf("%q", t.s)
}

func (p *exprParser) fail(msg string) error {
	return &parseError{p.peek().p, msg}
}

func (p *exprParser) expectOp(s string) error {
	if !p.skipOp(s) {
		return p.fail(fmt.Sprintf("Expected %s, received %s", s, describe(p.peek())))
	}
	return nil
}

func (p *exprParser) enter() error {
	p.depth++
	p.tree++
	if p.depth > maxParseDepth {
		return p.fail(fmt.Sprintf("expression nested more than %d deep", maxParseDepth))
	}
	if p.tree > maxExprDepth {
		return p.fail(fmt.Sprintf("expression nested more than %d deep (a chain of operators, filters or lookups counts each link)", maxExprDepth))
	}
	return nil
}

func (p *exprParser) leave() { p.depth--; p.tree-- }

func (p *exprParser) restoreTree(n int) { p.tree = n }

// link adds one link of a chain (a binary operator, a filter, a lookup or
// a call) to the tree's depth; the caller restores p.tree when the chain ends.
func (p *exprParser) link() error {
	p.tree++
	if p.tree > maxExprDepth {
		return p.fail(fmt.Sprintf("expression nested more than %d deep (a chain of operators, filters or lookups counts each link)", maxExprDepth))
	}
	return nil
}

func (p *exprParser) parseExpr() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	start := p.peek().p
	cond, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.skipName("if") {
		c2, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var els expr
		if p.skipName("else") {
			if els, err = p.parseOr(); err != nil {
				return nil, err
			}
		}
		return &condExpr{p: start, cond: c2, then: cond, els: els}, nil
	}
	return cond, nil
}

func (p *exprParser) parseOr() (expr, error) {
	defer p.restoreTree(p.tree)
	l, err := p.parseAnd()
	for err == nil && p.isName("or") {
		t := p.next()
		if err = p.link(); err != nil {
			break
		}
		var r expr
		r, err = p.parseAnd()
		l = &binExpr{p: t.p, op: "or", l: l, r: r}
	}
	return l, err
}

func (p *exprParser) parseAnd() (expr, error) {
	defer p.restoreTree(p.tree)
	l, err := p.parseNot()
	for err == nil && p.isName("and") {
		t := p.next()
		if err = p.link(); err != nil {
			break
		}
		var r expr
		r, err = p.parseNot()
		l = &binExpr{p: t.p, op: "and", l: l, r: r}
	}
	return l, err
}

func (p *exprParser) parseNot() (expr, error) {
	if p.isName("not") {
		t := p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		e, err := p.parseNot()
		return &unaryExpr{p: t.p, op: "not", e: e}, err
	}
	return p.parseIn()
}

func (p *exprParser) parseIn() (expr, error) {
	defer p.restoreTree(p.tree)
	l, err := p.parseIs()
	for err == nil {
		if err = p.link(); err != nil {
			break
		}
		t := p.peek()
		not := false
		if p.isName("not") && p.toks[p.i+1].kind == tName && p.toks[p.i+1].s == "in" {
			p.next()
			p.next()
			not = true
		} else if p.skipName("in") {
		} else {
			break
		}
		var r expr
		r, err = p.parseIs()
		l = &binExpr{p: t.p, op: "in", l: l, r: r}
		if not {
			l = &unaryExpr{p: t.p, op: "not", e: l}
		}
	}
	return l, err
}

func (p *exprParser) parseIs() (expr, error) {
	l, err := p.parseCompare()
	if err != nil || !p.isName("is") {
		return l, err
	}
	t := p.next()
	not := p.skipName("not")
	nt := p.peek()
	if nt.kind != tName {
		return nil, p.fail("Expected a test name after is")
	}
	p.next()
	test := nt.s
	if test == "none" {
		test = "null" // none is the literal null: Nunjucks runs the null test
	}
	ie := &isExpr{p: t.p, e: l, test: test, not: not}
	if p.isOp("(") {
		p.next()
		args, _, err := p.parseArgs(")")
		if err != nil {
			return nil, err
		}
		ie.args = args
	}
	return ie, nil
}

var compareOps = map[string]bool{"==": true, "===": true, "!=": true, "!==": true, "<": true, ">": true, "<=": true, ">=": true}

func (p *exprParser) parseCompare() (expr, error) {
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	var ops []string
	var rest []expr
	start := p.peek().p
	for p.peek().kind == tOp && compareOps[p.peek().s] {
		ops = append(ops, p.next().s)
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		rest = append(rest, r)
	}
	if len(ops) == 0 {
		return l, nil
	}
	return &compareExpr{p: start, first: l, ops: ops, rest: rest}, nil
}

// The binary operators by precedence, loosest first; each level is
// left-associative (as Backstage's renderer reads them: "x" + 1 - 1 is
// ("x" + 1) - 1, 2 ** 3 ** 2 is 64).
var binLevels = [][]string{{"~"}, {"+", "-"}, {"*", "/", "//", "%"}, {"**"}}

func (p *exprParser) parseConcat() (expr, error) { return p.parseBin(0) }

func (p *exprParser) isOpIn(ops []string) bool {
	for _, o := range ops {
		if p.isOp(o) {
			return true
		}
	}
	return false
}

func (p *exprParser) parseBin(level int) (expr, error) {
	if level == len(binLevels) {
		return p.parseUnary(false)
	}
	defer p.restoreTree(p.tree)
	l, err := p.parseBin(level + 1)
	for err == nil && p.isOpIn(binLevels[level]) {
		t := p.next()
		if err = p.link(); err != nil {
			break
		}
		var r expr
		r, err = p.parseBin(level + 1)
		l = &binExpr{p: t.p, op: t.s, l: l, r: r}
	}
	return l, err
}

func (p *exprParser) parseUnary(noFilters bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var e expr
	var err error
	if p.isOp("-") || p.isOp("+") {
		t := p.next()
		var inner expr
		if inner, err = p.parseUnary(true); err != nil {
			return nil, err
		}
		e = &unaryExpr{p: t.p, op: t.s, e: inner}
	} else if e, err = p.parsePrimary(); err != nil {
		return nil, err
	}
	if !noFilters {
		return p.parseFilters(e)
	}
	return e, nil
}

func (p *exprParser) parseFilters(e expr) (expr, error) {
	defer p.restoreTree(p.tree)
	for p.isOp("|") {
		p.next()
		if err := p.link(); err != nil {
			return nil, err
		}
		f, err := p.parseFilterCall()
		if err != nil {
			return nil, err
		}
		f.in = e
		e = f
	}
	return e, nil
}

func (p *exprParser) parseFilterCall() (*filterExpr, error) {
	t := p.peek()
	if t.kind != tName {
		return nil, p.fail("Expected name, received " + describe(t))
	}
	p.next()
	name := t.s
	for p.isOp(".") && p.toks[p.i+1].kind == tName {
		p.next()
		name += "." + p.next().s
	}
	f := &filterExpr{p: t.p, name: name}
	if p.skipOp("(") {
		args, kw, err := p.parseArgs(")")
		if err != nil {
			return nil, err
		}
		f.args, f.kw = args, kw
	}
	return f, nil
}

// parseArgs parses call arguments up to close: positional, then name=value.
func (p *exprParser) parseArgs(close string) ([]expr, []kwArg, error) {
	var args []expr
	var kw []kwArg
	for !p.isOp(close) {
		if len(args)+len(kw) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, nil, err
			}
			if p.isOp(close) {
				break
			}
		}
		if p.peek().kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].s == "=" {
			name := p.next().s
			p.next()
			v, err := p.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			kw = append(kw, kwArg{name, v})
			continue
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	p.next()
	return args, kw, nil
}

func (p *exprParser) parsePrimary() (expr, error) {
	t := p.peek()
	var e expr
	switch t.kind {
	case tString:
		p.next()
		e = &litExpr{t.s}
	case tNumber:
		p.next()
		e = &litExpr{t.num}
	case tRegex:
		p.next()
		i := strings.LastIndexByte(t.s, '/')
		e = &regexExpr{p: t.p, source: t.s[:i], flag: t.s[i+1:]}
	case tName:
		p.next()
		switch t.s {
		case "true":
			e = &litExpr{true}
		case "false":
			e = &litExpr{false}
		case "none", "null":
			e = &litExpr{nil}
		case "True", "False", "None":
			if !p.compat {
				e = &nameExpr{p: t.p, name: t.s}
				break
			}
			e = &litExpr{map[string]any{"True": true, "False": false, "None": nil}[t.s]}
		default:
			e = &nameExpr{p: t.p, name: t.s}
		}
	case tOp:
		switch t.s {
		case "(":
			p.next()
			var items []expr
			for !p.isOp(")") {
				if len(items) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp(")") {
						return nil, p.fail("Unexpected expression token \")\"")
					}
				}
				v, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			p.next()
			e = &groupExpr{items}
		case "[":
			p.next()
			var items []expr
			for !p.isOp("]") {
				if len(items) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp("]") {
						return nil, p.fail("Unexpected expression token \"]\"")
					}
				}
				v, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			p.next()
			e = &arrayExpr{items}
		case "{":
			p.next()
			d := &dictExpr{}
			for !p.isOp("}") {
				if len(d.keys) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
				}
				k := p.next()
				switch {
				case k.kind == tString, k.kind == tName && !literalNames[k.s]:
					d.keys = append(d.keys, k.s)
				default:
					return nil, &parseError{k.p, "Dictionary keys must be strings or names"}
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				d.vals = append(d.vals, v)
			}
			if !p.skipOp("}") {
				return nil, p.fail("Expected }")
			}
			e = d
		default:
			return nil, p.fail("Unexpected token " + describe(t))
		}
	default:
		return nil, p.fail("Expected an expression, received " + describe(t))
	}
	return p.parsePostfix(e)
}

func (p *exprParser) parsePostfix(e expr) (expr, error) {
	defer p.restoreTree(p.tree)
	for {
		t := p.peek()
		if p.isOp("(") || p.isOp("[") || p.isOp(".") {
			if err := p.link(); err != nil {
				return nil, err
			}
		}
		switch {
		case p.isOp("("):
			p.next()
			args, kw, err := p.parseArgs(")")
			if err != nil {
				return nil, err
			}
			e = &callExpr{p: t.p, fn: e, args: args, kw: kw}
		case p.isOp("["):
			p.next()
			var parts [3]expr
			n := 0
			isSlice := false
			for {
				if !p.isOp(":") && !p.isOp("]") {
					v, err := p.parseExpr()
					if err != nil {
						return nil, err
					}
					parts[n] = v
				}
				if p.skipOp(":") {
					isSlice = true
					n++
					if n > 2 {
						return nil, p.fail("invalid slice")
					}
					continue
				}
				break
			}
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
			if isSlice {
				e = &sliceExpr{p: t.p, obj: e, start: parts[0], stop: parts[1], step: parts[2]}
			} else {
				if parts[0] == nil {
					return nil, &parseError{t.p, "Expected an index"}
				}
				e = &lookupExpr{p: t.p, obj: e, key: parts[0]}
			}
		case p.isOp("."):
			p.next()
			nt := p.next()
			if nt.kind != tName {
				return nil, &parseError{nt.p, "Expected name, received " + describe(nt)}
			}
			e = &lookupExpr{p: nt.p, obj: e, key: &litExpr{nt.s}}
		default:
			return e, nil
		}
	}
}

// literalNames are the names that are literals, not variables.
var literalNames = map[string]bool{"true": true, "false": true, "none": true, "null": true}

func parseExprString(s string, at pos, compat bool) (expr, error) {
	toks, err := tokenize(s, at)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, compat: compat}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.fail("Expected eof, received " + describe(p.peek()))
	}
	return e, nil
}

// ---- template parser ----

type templateParser struct {
	chunks []chunk
	i      int
	depth  int
	compat bool
}

// parseTemplate parses a whole template; compat is cookiecutterCompat.
func parseTemplate(src string, compat bool) ([]node, error) {
	chunks, err := lexTemplate(src, compat)
	if err != nil {
		return nil, err
	}
	tp := &templateParser{chunks: chunks, compat: compat}
	nodes, end, err := tp.parseBody(nil)
	if err != nil {
		return nil, err
	}
	if end != nil {
		return nil, &parseError{end.p, fmt.Sprintf("Unexpected %q tag without a matching opening tag", end.name)}
	}
	return nodes, nil
}

type blockTag struct {
	p    pos
	name string
	rest []token
	raw  string
}

func splitTag(c chunk) (*blockTag, error) {
	toks, err := tokenize(c.text, pos{c.p.line, c.p.col + 2})
	if err != nil {
		return nil, err
	}
	if toks[0].kind != tName {
		return nil, &parseError{c.p, "Expected a tag name"}
	}
	return &blockTag{p: c.p, name: toks[0].s, rest: toks[1:], raw: c.text}, nil
}

// parseBody parses nodes until a tag named in ends (returned) or the end.
func (tp *templateParser) parseBody(ends []string) ([]node, *blockTag, error) {
	tp.depth++
	defer func() { tp.depth-- }()
	if tp.depth > maxParseDepth {
		p := pos{1, 1}
		if tp.i < len(tp.chunks) {
			p = tp.chunks[tp.i].p
		}
		return nil, nil, &parseError{p, fmt.Sprintf("tags nested more than %d deep", maxParseDepth)}
	}
	var nodes []node
	for tp.i < len(tp.chunks) {
		c := tp.chunks[tp.i]
		tp.i++
		switch c.kind {
		case tkText:
			nodes = append(nodes, &textNode{c.text})
		case tkOutput:
			e, err := parseExprString(c.text, pos{c.p.line, c.p.col + len(c.open)}, tp.compat)
			if err != nil {
				return nil, nil, err
			}
			nodes = append(nodes, &outputNode{p: c.p, e: e})
		case tkBlock:
			bt, err := splitTag(c)
			if err != nil {
				return nil, nil, err
			}
			for _, e := range ends {
				if bt.name == e {
					return nodes, bt, nil
				}
			}
			n, err := tp.parseTag(bt)
			if err != nil {
				return nil, nil, err
			}
			if n != nil {
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, nil, nil
}

func (tp *templateParser) parseTag(bt *blockTag) (node, error) {
	ep := &exprParser{toks: bt.rest, compat: tp.compat}
	done := func() error {
		if ep.peek().kind != tEOF {
			return ep.fail("Expected end of tag, received " + describe(ep.peek()))
		}
		return nil
	}
	missing := func(end string) error { return &parseError{bt.p, "Missing " + end + " tag"} }
	switch bt.name {
	case "if":
		n := &ifNode{p: bt.p}
		cond, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := done(); err != nil {
			return nil, err
		}
		for {
			body, end, err := tp.parseBody([]string{"elif", "elseif", "else", "endif"})
			if err != nil {
				return nil, err
			}
			if end == nil {
				return nil, missing("endif")
			}
			n.conds = append(n.conds, cond)
			n.bodys = append(n.bodys, body)
			switch end.name {
			case "elif", "elseif":
				ep = &exprParser{toks: end.rest, compat: tp.compat}
				if cond, err = ep.parseExpr(); err != nil {
					return nil, err
				}
				if err := done(); err != nil {
					return nil, err
				}
				continue
			case "else":
				els, end2, err := tp.parseBody([]string{"endif"})
				if err != nil {
					return nil, err
				}
				if end2 == nil {
					return nil, missing("endif")
				}
				n.els = els
			}
			return n, nil
		}
	case "for":
		n := &forNode{p: bt.p}
		for {
			t := ep.next()
			if t.kind != tName {
				return nil, &parseError{t.p, "Expected a loop variable name, received " + describe(t)}
			}
			n.names = append(n.names, t.s)
			if !ep.skipOp(",") {
				break
			}
		}
		if !ep.skipName("in") {
			return nil, ep.fail("Expected \"in\" in the for tag, received " + describe(ep.peek()))
		}
		iter, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := done(); err != nil {
			return nil, err
		}
		n.iter = iter
		body, end, err := tp.parseBody([]string{"else", "endfor"})
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, missing("endfor")
		}
		n.body = body
		if end.name == "else" {
			els, end2, err := tp.parseBody([]string{"endfor"})
			if err != nil {
				return nil, err
			}
			if end2 == nil {
				return nil, missing("endfor")
			}
			n.els = els
		}
		return n, nil
	case "set":
		n := &setNode{p: bt.p}
		for {
			t := ep.next()
			if t.kind != tName {
				return nil, &parseError{t.p, "Expected a variable name, received " + describe(t)}
			}
			n.names = append(n.names, t.s)
			if !ep.skipOp(",") {
				break
			}
		}
		if ep.skipOp("=") {
			v, err := ep.parseExpr()
			if err != nil {
				return nil, err
			}
			if err := done(); err != nil {
				return nil, err
			}
			n.value = v
			return n, nil
		}
		if err := done(); err != nil {
			return nil, err
		}
		body, end, err := tp.parseBody([]string{"endset"})
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, missing("endset")
		}
		n.body = body
		return n, nil
	case "macro":
		t := ep.next()
		if t.kind != tName {
			return nil, &parseError{t.p, "Expected a macro name"}
		}
		m, err := tp.parseMacroSig(ep, t.s)
		if err != nil {
			return nil, err
		}
		if err := done(); err != nil {
			return nil, err
		}
		body, end, err := tp.parseBody([]string{"endmacro"})
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, missing("endmacro")
		}
		m.body = body
		return &macroNode{p: bt.p, name: t.s, m: m}, nil
	case "call":
		var caller *macroDef
		if ep.isOp("(") {
			var err error
			if caller, err = tp.parseMacroSig(ep, "caller"); err != nil {
				return nil, err
			}
		} else {
			caller = &macroDef{name: "caller", defaults: map[string]expr{}}
		}
		call, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := done(); err != nil {
			return nil, err
		}
		body, end, err := tp.parseBody([]string{"endcall"})
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, missing("endcall")
		}
		caller.body = body
		return &callNode{p: bt.p, call: call, caller: caller}, nil
	case "filter":
		f, err := ep.parseFilterCall()
		if err != nil {
			return nil, err
		}
		if err := done(); err != nil {
			return nil, err
		}
		body, end, err := tp.parseBody([]string{"endfilter"})
		if err != nil {
			return nil, err
		}
		if end == nil {
			return nil, missing("endfilter")
		}
		return &filterNode{p: bt.p, f: f, body: body}, nil
	case "switch":
		subj, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := done(); err != nil {
			return nil, err
		}
		n := &switchNode{p: bt.p, subj: subj}
		// Text before the first case is ignored, as in Nunjucks.
		_, end, err := tp.parseBody([]string{"case", "default", "endswitch"})
		for {
			if err != nil {
				return nil, err
			}
			if end == nil {
				return nil, missing("endswitch")
			}
			switch end.name {
			case "case":
				cp := &exprParser{toks: end.rest, compat: tp.compat}
				c, err2 := cp.parseExpr()
				if err2 != nil {
					return nil, err2
				}
				var body []node
				body, end, err = tp.parseBody([]string{"case", "default", "endswitch"})
				n.cases = append(n.cases, c)
				n.bodys = append(n.bodys, body)
				continue
			case "default":
				n.def, end, err = tp.parseBody([]string{"case", "default", "endswitch"})
				continue
			}
			return n, nil
		}
	case "include", "import", "from", "extends", "block":
		return nil, &parseError{bt.p, fmt.Sprintf("Unsupported template-loading tag %q: templates may not read other files", bt.name)}
	}
	return nil, &parseError{bt.p, fmt.Sprintf("Unknown template tag %q", bt.name)}
}

func (tp *templateParser) parseMacroSig(ep *exprParser, name string) (*macroDef, error) {
	m := &macroDef{name: name, defaults: map[string]expr{}}
	if err := ep.expectOp("("); err != nil {
		return nil, err
	}
	for !ep.isOp(")") {
		if len(m.params) > 0 {
			if err := ep.expectOp(","); err != nil {
				return nil, err
			}
		}
		t := ep.next()
		if t.kind != tName {
			return nil, &parseError{t.p, "Expected a parameter name, received " + describe(t)}
		}
		m.params = append(m.params, t.s)
		if ep.skipOp("=") {
			v, err := ep.parseExpr()
			if err != nil {
				return nil, err
			}
			m.defaults[t.s] = v
		}
	}
	ep.next()
	return m, nil
}
