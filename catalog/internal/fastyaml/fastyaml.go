// Package fastyaml is an accelerator for the plain block YAML that catalog
// descriptors are written in. yaml.v3 stays the parser of record: Parse
// either builds exactly the *yaml.Node tree yaml.v3 would build for a
// document (Kind, Tag, Value, Style, Line, Column and Content, node for node;
// comments are dropped because nothing downstream reads them), or it declines
// and the document goes to yaml.v3 unchanged. It declines on anything outside
// a conservative subset — anchors, aliases, tags, explicit keys, directives,
// flow mappings other than {}, nested flow collections, multi-line plain or
// quoted scalars, block scalars with indentation indicators or keep
// chomping, tabs, carriage returns, control and non-printable characters,
// numbers it cannot type with certainty, odd indentation — and on every
// error, so every message about a broken file still comes from yaml.v3. The
// differential test and FuzzFastYAML (catalog's fastyaml_test.go) hold it
// to that.
//
// It is internal to catalog (which offers each document to it before
// yaml.v3) and depends on gopkg.in/yaml.v3 and the standard library only.
package fastyaml

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// fyDecline is the panic value that unwinds a parse the fast path does not handle.
type fyDecline struct{}

func decline() { panic(fyDecline{}) }

const (
	fyBlank   = iota // only spaces (or the leading "---" marker)
	fyComment        // spaces then '#'
	fyContent
)

// fyMaxDepth bounds the fast parser's recursion; deeper documents go to
// yaml.v3 (and the converter's MaxDepth check reports them).
const fyMaxDepth = 100

type fyLine struct {
	start, end int // byte offsets in src; end excludes the line break
	indent     int // leading spaces
	no         int // 1-based line number
	kind       uint8
	ascii      bool
}

// Parser is the fast parser with its storage, reused from one document to
// the next (the loader pools them).
type Parser struct {
	src    string // the chunk's bytes, not copied: compact copies what is kept
	lines  []fyLine
	li     int
	nodes  []yaml.Node   // the slab nodes are cut from
	filled [][]yaml.Node // earlier slabs, full
	used   int           // nodes cut in this document
	ptrs   []*yaml.Node  // the slab Content slices are cut from
	stack  []*yaml.Node  // children being collected
	depth  int
	endsNL bool
	grow   int // the slab size the last document showed it needs
}

// Parse parses chunk, one document as catalog.SplitDocuments cuts it, when it is
// in the subset described above. ok is false when it is not ("not
// handled"): the caller then parses chunk with yaml.v3.
func Parse(chunk []byte) (root *yaml.Node, ok bool) {
	var p Parser
	return p.Parse(chunk)
}

// Parse is the package's Parse reusing p's storage: the tree of the previous document
// parsed with p must no longer be in use.
func (p *Parser) Parse(chunk []byte) (root *yaml.Node, ok bool) {
	p.reset()
	if !p.scanLines(chunk) {
		return nil, false
	}
	// Sized once the input is known to be in the subset, and by its lines
	// as well as its bytes: a large block scalar or one-line JSON needs few
	// nodes, and declined input allocates none.
	p.reserve(min(len(chunk)/12, 2*len(p.lines)) + 16)
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(fyDecline); !is {
				panic(r)
			}
			root, ok = nil, false
		}
	}()
	p.skipToContent()
	if p.li == len(p.lines) {
		return nil, false
	}
	l := &p.lines[p.li]
	n := p.blockNode(l)
	p.skipToContent()
	if p.li != len(p.lines) {
		decline()
	}
	p.compact()
	return n, true
}

// reset readies p for a document, keeping its slabs (one slab big enough
// for the largest document so far).
func (p *Parser) reset() {
	p.grow = 0
	if len(p.filled) > 0 {
		// The last document outgrew its slab: the next slab is bigger.
		p.grow = p.used + p.used/4
		p.nodes = nil
	}
	p.nodes = p.nodes[:0]
	p.ptrs = p.ptrs[:0]
	p.filled = p.filled[:0]
	p.lines = p.lines[:0]
	p.stack = p.stack[:0]
	p.li, p.used, p.depth = 0, 0, 0
}

// reserve makes room for about est nodes (about one per dozen bytes of
// descriptor, at most two per line).
func (p *Parser) reserve(est int) {
	est = max(est, p.grow)
	if cap(p.nodes) < est {
		p.nodes = make([]yaml.Node, 0, est)
		p.ptrs = make([]*yaml.Node, 0, est)
	}
}

// compact gives the document's values their own storage: the well-known
// keys and values become constants, and the rest are copied into one buffer
// of exactly their size, so the entity kept from the document does not hold
// on to the whole text (indentation, quotes, keys no one reads).
func (p *Parser) compact() {
	lo := uintptr(unsafe.Pointer(unsafe.StringData(p.src)))
	hi := lo + uintptr(len(p.src))
	inSrc := func(v string) bool {
		if v == "" {
			return false
		}
		d := uintptr(unsafe.Pointer(unsafe.StringData(v)))
		return d >= lo && d < hi
	}
	slabs := append(p.filled, p.nodes)
	total := 0
	for _, slab := range slabs {
		for i := range slab {
			n := &slab[i]
			if !inSrc(n.Value) {
				continue
			}
			if c, ok := wellKnown(n.Value); ok {
				n.Value = c
				continue
			}
			total += len(n.Value)
		}
	}
	buf := make([]byte, 0, total)
	for _, slab := range slabs {
		for i := range slab {
			n := &slab[i]
			if inSrc(n.Value) {
				start := len(buf)
				buf = append(buf, n.Value...) // within capacity: buf never moves
				n.Value = unsafe.String(&buf[start], len(n.Value))
			}
		}
	}
}

// wellKnown returns the constant for a key or value most descriptors spell
// the same way.
func wellKnown(v string) (string, bool) {
	// Each case returns its literal, not v, which points into the text.
	switch v {
	case "apiVersion":
		return "apiVersion", true
	case "kind":
		return "kind", true
	case "metadata":
		return "metadata", true
	case "spec":
		return "spec", true
	case "name":
		return "name", true
	case "namespace":
		return "namespace", true
	case "title":
		return "title", true
	case "description":
		return "description", true
	case "labels":
		return "labels", true
	case "annotations":
		return "annotations", true
	case "tags":
		return "tags", true
	case "links":
		return "links", true
	case "url":
		return "url", true
	case "icon":
		return "icon", true
	case "type":
		return "type", true
	case "owner":
		return "owner", true
	case "system":
		return "system", true
	case "lifecycle":
		return "lifecycle", true
	case "dependsOn":
		return "dependsOn", true
	case "providesApis":
		return "providesApis", true
	case "consumesApis":
		return "consumesApis", true
	case "domain":
		return "domain", true
	case "parent":
		return "parent", true
	case "children":
		return "children", true
	case "members":
		return "members", true
	case "memberOf":
		return "memberOf", true
	case "profile":
		return "profile", true
	case "displayName":
		return "displayName", true
	case "email":
		return "email", true
	case "target":
		return "target", true
	case "targets":
		return "targets", true
	case "definition":
		return "definition", true
	case "backstage.io/v1alpha1":
		return "backstage.io/v1alpha1", true
	case "scaffolder.backstage.io/v1beta3":
		return "scaffolder.backstage.io/v1beta3", true
	case "Component":
		return "Component", true
	case "API":
		return "API", true
	case "Resource":
		return "Resource", true
	case "System":
		return "System", true
	case "Domain":
		return "Domain", true
	case "Group":
		return "Group", true
	case "User":
		return "User", true
	case "Location":
		return "Location", true
	case "Template":
		return "Template", true
	case "production":
		return "production", true
	case "experimental":
		return "experimental", true
	case "deprecated":
		return "deprecated", true
	case "service":
		return "service", true
	case "website":
		return "website", true
	case "library":
		return "library", true
	case "team":
		return "team", true
	case "openapi":
		return "openapi", true
	case "grpc":
		return "grpc", true
	case "graphql":
		return "graphql", true
	case "asyncapi":
		return "asyncapi", true
	case "database":
		return "database", true
	case "docs":
		return "docs", true
	case "dashboard":
		return "dashboard", true
	case "runbook":
		return "runbook", true
	case "Runbook":
		return "Runbook", true
	case "Dashboard":
		return "Dashboard", true
	case "dir:.":
		return "dir:.", true
	case "backstage.io/techdocs-ref":
		return "backstage.io/techdocs-ref", true
	case "backstage.io/source-location":
		return "backstage.io/source-location", true
	case "github.com/project-slug":
		return "github.com/project-slug", true
	}
	return "", false
}

// scanLines splits chunk into lines, refusing characters yaml.v3 treats
// specially or rejects (tabs, CR, controls, NEL, LS, PS, BOM, non-characters)
// and directives or document markers other than a leading "---".
func (p *Parser) scanLines(chunk []byte) bool {
	p.src = unsafe.String(unsafe.SliceData(chunk), len(chunk))
	s := p.src
	p.endsNL = len(s) > 0 && s[len(s)-1] == '\n'
	for start := 0; start < len(s); {
		end := strings.IndexByte(s[start:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		l := fyLine{start: start, end: end, no: len(p.lines) + 1, ascii: true}
		// Eight bytes at a time while they are all printable ASCII (the
		// byte loop alone was 1.2 s of a 1M-entity load, issue 25).
		i := start
		for ; i+8 <= end; i += 8 {
			if w := binary.LittleEndian.Uint64(chunk[i:]); notPlainASCII(w) {
				break
			}
		}
		for ; i < end; i++ {
			c := s[i]
			if c < 0x20 || c == 0x7f {
				return false
			}
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !printable(r, size) {
					return false
				}
				l.ascii = false
				i += size - 1
			}
		}
		ind := 0
		for start+ind < end && s[start+ind] == ' ' {
			ind++
		}
		l.indent = ind
		switch {
		case start+ind == end:
			l.kind = fyBlank
		case s[start+ind] == '#':
			l.kind = fyComment
		default:
			l.kind = fyContent
		}
		if ind == 0 && l.kind == fyContent {
			t := s[start:end]
			switch {
			case strings.HasPrefix(t, "---"):
				if len(p.lines) != 0 || !markerOnly(t[3:]) {
					return false
				}
				l.kind = fyBlank
			case strings.HasPrefix(t, "..."), t[0] == '%':
				return false
			}
		}
		p.lines = append(p.lines, l)
		start = end + 1
	}
	return true
}

// notPlainASCII reports whether one of w's eight bytes is outside
// 0x20-0x7e: below 0x20 (w - 0x20 per byte borrows into a byte's top bit
// that was clear) or above 0x7e (adding 0x01 per byte, or the byte
// itself, sets its top bit).
func notPlainASCII(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (w - ones*0x20) & ^w & highs
	above := ((w + ones*(0x7f-0x7e)) | w) & highs
	return below|above != 0
}

// markerOnly reports whether what follows "---" leaves the line empty
// (spaces, then perhaps a comment).
func markerOnly(rest string) bool {
	if rest == "" {
		return true
	}
	if rest[0] != ' ' {
		return false
	}
	t := strings.TrimLeft(rest, " ")
	return t == "" || t[0] == '#'
}

// printable reports whether a non-ASCII rune is one yaml.v3 reads as an
// ordinary character (not a line break, BOM or a character it rejects).
func printable(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return false
	case r >= 0xA0 && r <= 0xD7FF:
		return r != 0x2028 && r != 0x2029
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

func (p *Parser) skipToContent() {
	for p.li < len(p.lines) && p.lines[p.li].kind != fyContent {
		p.li++
	}
}

// column is the 1-based column (in characters, as yaml.v3 counts) of byte
// offset off on line l.
func (p *Parser) column(l *fyLine, off int) int {
	if l.ascii {
		return off - l.start + 1
	}
	return utf8.RuneCountInString(p.src[l.start:off]) + 1
}

func (p *Parser) node(kind yaml.Kind, tag string, l *fyLine, off int) *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		p.filled = append(p.filled, p.nodes)
		p.nodes = make([]yaml.Node, 0, max(64, p.used))
	}
	p.nodes = p.nodes[:len(p.nodes)+1]
	p.used++
	n := &p.nodes[len(p.nodes)-1]
	*n = yaml.Node{} // the slab may hold a node of an earlier document
	n.Kind, n.Tag = kind, tag
	n.Line = l.no
	n.Column = p.column(l, off)
	return n
}

// finish moves the children collected since base into a Content slice.
func (p *Parser) finish(base int) []*yaml.Node {
	kids := p.stack[base:]
	n := len(kids)
	if n == 0 {
		return nil
	}
	if cap(p.ptrs)-len(p.ptrs) < n {
		p.ptrs = make([]*yaml.Node, 0, max(n, 128))
	}
	c := p.ptrs[len(p.ptrs) : len(p.ptrs)+n : len(p.ptrs)+n]
	p.ptrs = p.ptrs[:len(p.ptrs)+n]
	copy(c, kids)
	clear(kids)
	p.stack = p.stack[:base]
	return c
}

func (p *Parser) enter() {
	p.depth++
	if p.depth > fyMaxDepth {
		decline()
	}
}

// blockNode parses the block collection starting at line l's indentation.
func (p *Parser) blockNode(l *fyLine) *yaml.Node {
	off := l.start + l.indent
	if p.seqEntry(l, off) {
		return p.sequence(l, off)
	}
	if _, _, ok := p.keyEnd(l, off); ok {
		return p.mapping(l, off)
	}
	decline()
	return nil
}

// seqEntry reports whether a block sequence entry ("-" then a space or the
// end of the line) starts at off.
func (p *Parser) seqEntry(l *fyLine, off int) bool {
	return p.src[off] == '-' && (off+1 == l.end || p.src[off+1] == ' ')
}

// plainStart reports whether c may start a plain scalar the fast path
// handles (indicators, and '-', '?', ':' even where YAML would allow them,
// are left to yaml.v3).
func plainStart(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return true
}

// keyEnd finds the ':' ending a mapping key that starts at off: it returns
// the offset of the ':' and, for a quoted key, the offset just after the
// closing quote (0 for a plain key). ok is false when the line holds no key.
func (p *Parser) keyEnd(l *fyLine, off int) (colon, qend int, ok bool) {
	s := p.src
	c := s[off]
	if c == '"' || c == '\'' {
		_, e := p.quoted(l, off)
		j := e
		for j < l.end && s[j] == ' ' {
			j++
		}
		if j < l.end && s[j] == ':' && (j+1 == l.end || s[j+1] == ' ') {
			if j-off > 1000 {
				decline() // the 1024-character limit holds for quoted keys too
			}
			return j, e, true
		}
		return 0, 0, false
	}
	if !plainStart(c) {
		return 0, 0, false
	}
	for i := off + 1; i < l.end; i++ {
		switch s[i] {
		case ':':
			if i+1 == l.end || s[i+1] == ' ' {
				if i-off > 1000 {
					decline() // yaml.v3 limits simple keys to 1024 characters
				}
				return i, 0, true
			}
		case '#':
			if s[i-1] == ' ' {
				return 0, 0, false
			}
		}
	}
	return 0, 0, false
}

func (p *Parser) mapping(l *fyLine, off int) *yaml.Node {
	p.enter()
	col := off - l.start
	m := p.node(yaml.MappingNode, "!!map", l, off)
	base := len(p.stack)
	for {
		colon, qend, ok := p.keyEnd(l, off)
		if !ok {
			decline()
		}
		var k *yaml.Node
		if qend != 0 {
			k, _ = p.quotedNode(l, off)
		} else {
			v := strings.TrimRight(p.src[off:colon], " ")
			if v == "<<" {
				decline()
			}
			k = p.node(yaml.ScalarNode, plainTag(v), l, off)
			k.Value = v
		}
		p.stack = append(p.stack, k)
		p.stack = append(p.stack, p.value(l, colon+1, col, true))
		next, ok := p.nextAt(col)
		if !ok {
			break
		}
		l, off = next, next.start+next.indent
	}
	m.Content = p.finish(base)
	p.depth--
	return m
}

// nextAt moves to the next content line: it is the next entry of a block
// at column col (ok), or the block has ended (a dedent, the end). Deeper
// indentation there is not in the subset.
func (p *Parser) nextAt(col int) (*fyLine, bool) {
	p.skipToContent()
	if p.li == len(p.lines) {
		return nil, false
	}
	l := &p.lines[p.li]
	if l.indent < col {
		return nil, false
	}
	if l.indent > col {
		decline()
	}
	return l, true
}

func (p *Parser) sequence(l *fyLine, off int) *yaml.Node {
	p.enter()
	col := off - l.start
	sq := p.node(yaml.SequenceNode, "!!seq", l, off)
	base := len(p.stack)
	for {
		i := off + 1
		for i < l.end && p.src[i] == ' ' {
			i++
		}
		var item *yaml.Node
		switch {
		case i == l.end || p.src[i] == '#':
			item = p.below(l, off+1, col, false)
		case p.seqEntry(l, i):
			decline() // "- - x": left to yaml.v3
		default:
			if _, _, ok := p.keyEnd(l, i); ok {
				item = p.mapping(l, i)
			} else {
				item = p.inline(l, i, col)
			}
		}
		p.stack = append(p.stack, item)
		next, ok := p.nextAt(col)
		if !ok {
			break
		}
		l, off = next, next.start+next.indent
		if !p.seqEntry(l, off) {
			break // a key of the mapping this (indentless) sequence is the value of
		}
	}
	sq.Content = p.finish(base)
	p.depth--
	return sq
}

// value parses what follows a key's ':' at off on line l; col is the
// mapping's column.
func (p *Parser) value(l *fyLine, off, col int, indentless bool) *yaml.Node {
	i := off
	for i < l.end && p.src[i] == ' ' {
		i++
	}
	if i == l.end || p.src[i] == '#' {
		return p.below(l, off, col, indentless)
	}
	return p.inline(l, i, col)
}

// below parses a value written on the lines after l (or an empty value,
// positioned at emptyOff on l, as yaml.v3 places it: just after the
// indicator).
func (p *Parser) below(l *fyLine, emptyOff, col int, indentless bool) *yaml.Node {
	p.li++
	p.skipToContent()
	if p.li < len(p.lines) {
		nl := &p.lines[p.li]
		if nl.indent > col {
			return p.blockNode(nl)
		}
		if indentless && nl.indent == col && p.seqEntry(nl, nl.start+nl.indent) {
			return p.sequence(nl, nl.start+nl.indent)
		}
	}
	n := p.node(yaml.ScalarNode, "!!null", l, emptyOff)
	return n
}

// inline parses a value that starts at off on line l and ends on it (block
// scalars excepted); col is the column of the enclosing collection.
func (p *Parser) inline(l *fyLine, off, col int) *yaml.Node {
	s := p.src
	var n *yaml.Node
	switch s[off] {
	case '"', '\'':
		var e int
		n, e = p.quotedNode(l, off)
		p.lineEnd(l, e)
	case '|', '>':
		return p.blockScalar(l, off, col)
	case '[':
		n = p.flowSeq(l, off)
	case '{':
		if off+1 >= l.end || s[off+1] != '}' {
			decline()
		}
		n = p.node(yaml.MappingNode, "!!map", l, off)
		n.Style = yaml.FlowStyle
		p.lineEnd(l, off+2)
	default:
		if !plainStart(s[off]) {
			decline()
		}
		end := l.end
		for j := off + 1; j < l.end; j++ {
			c := s[j]
			if c == '#' && s[j-1] == ' ' {
				end = j
				break
			}
			if c == ':' && (j+1 == l.end || s[j+1] == ' ') {
				decline() // "mapping values are not allowed in this context"
			}
		}
		v := strings.TrimRight(s[off:end], " ")
		if v == "<<" {
			decline()
		}
		n = p.node(yaml.ScalarNode, plainTag(v), l, off)
		n.Value = v
	}
	p.li++
	return n
}

// lineEnd checks that nothing but spaces and a comment follows off on l.
func (p *Parser) lineEnd(l *fyLine, off int) {
	j := off
	for j < l.end && p.src[j] == ' ' {
		j++
	}
	if j == l.end || (j > off && p.src[j] == '#') {
		return
	}
	decline()
}

func (p *Parser) quotedNode(l *fyLine, off int) (*yaml.Node, int) {
	v, end := p.quoted(l, off)
	n := p.node(yaml.ScalarNode, "!!str", l, off)
	n.Value = v
	if p.src[off] == '"' {
		n.Style = yaml.DoubleQuotedStyle
	} else {
		n.Style = yaml.SingleQuotedStyle
	}
	return n, end
}

// quoted reads a quoted scalar that must end on line l; end is the offset
// after the closing quote.
func (p *Parser) quoted(l *fyLine, off int) (v string, end int) {
	s := p.src
	q := s[off]
	j := off + 1
	// The common case: no escapes, the value is a substring.
	for j < l.end && s[j] != q && s[j] != '\\' {
		j++
	}
	if j == l.end {
		decline() // multi-line
	}
	if s[j] == q && (q == '"' || j+1 >= l.end || s[j+1] != '\'') {
		return s[off+1 : j], j + 1
	}
	var b strings.Builder
	b.Grow(j - off + 16)
	b.WriteString(s[off+1 : j])
	for {
		if j >= l.end {
			decline()
		}
		c := s[j]
		switch {
		case q == '\'' && c == '\'':
			if j+1 < l.end && s[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1
		case q == '"' && c == '"':
			return b.String(), j + 1
		case q == '"' && c == '\\':
			j = p.escape(&b, l, j)
		default:
			b.WriteByte(c)
			j++
		}
	}
}

// escape decodes the double-quoted escape at s[j] == '\\'.
func (p *Parser) escape(b *strings.Builder, l *fyLine, j int) int {
	s := p.src
	if j+1 >= l.end {
		decline() // a line continuation
	}
	var r rune
	width := 0
	switch s[j+1] {
	case '0':
		r = 0
	case 'a':
		r = 7
	case 'b':
		r = 8
	case 't':
		r = 9
	case 'n':
		r = 10
	case 'v':
		r = 11
	case 'f':
		r = 12
	case 'r':
		r = 13
	case 'e':
		r = 0x1b
	case ' ', '"', '\\': // yaml.v3 has no "\/"
		r = rune(s[j+1])
	case 'N':
		r = 0x85
	case '_':
		r = 0xA0
	case 'L':
		r = 0x2028
	case 'P':
		r = 0x2029
	case 'x':
		width = 2
	case 'u':
		width = 4
	case 'U':
		width = 8
	default:
		decline()
	}
	if width == 0 {
		b.WriteRune(r)
		return j + 2
	}
	if j+2+width > l.end {
		decline()
	}
	for _, c := range []byte(s[j+2 : j+2+width]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			decline()
		}
		r = r<<4 | rune(d)
	}
	if r < 0 || (r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF { // r < 0: eight hex digits overflowed
		decline()
	}
	b.WriteRune(r)
	return j + 2 + width
}

// flowSeq reads a one-line flow sequence of scalars, "[a, 'b', "c"]".
func (p *Parser) flowSeq(l *fyLine, off int) *yaml.Node {
	s := p.src
	sq := p.node(yaml.SequenceNode, "!!seq", l, off)
	sq.Style = yaml.FlowStyle
	base := len(p.stack)
	j := off + 1
	skip := func() {
		for j < l.end && s[j] == ' ' {
			j++
		}
	}
	skip()
	if j < l.end && s[j] == ']' {
		p.lineEnd(l, j+1)
		return sq
	}
	for {
		skip()
		if j >= l.end {
			decline()
		}
		var item *yaml.Node
		if c := s[j]; c == '"' || c == '\'' {
			item, j = p.quotedNode(l, j)
		} else {
			if !plainStart(c) {
				decline()
			}
			k := j
			for ; k < l.end; k++ {
				c := s[k]
				if c == ',' || c == ']' {
					break
				}
				// libyaml ends a flow plain scalar at '?' as well
				if c == '[' || c == '{' || c == '}' || c == ':' || c == '?' || (c == '#' && s[k-1] == ' ') {
					decline()
				}
			}
			if k == l.end {
				decline()
			}
			v := strings.TrimRight(s[j:k], " ")
			if v == "<<" {
				decline()
			}
			item = p.node(yaml.ScalarNode, plainTag(v), l, j)
			item.Value = v
			j = k
		}
		p.stack = append(p.stack, item)
		skip()
		if j >= l.end {
			decline()
		}
		if s[j] == ']' {
			break
		}
		if s[j] != ',' {
			decline()
		}
		j++
		skip()
		if j < l.end && s[j] == ']' {
			decline() // a trailing comma
		}
	}
	sq.Content = p.finish(base)
	p.lineEnd(l, j+1)
	return sq
}

// blockScalar reads a literal (|, |-) or folded (>, >-) scalar whose header
// is at off on line l; col is the column of the enclosing collection.
func (p *Parser) blockScalar(l *fyLine, off, col int) *yaml.Node {
	s := p.src
	folded := s[off] == '>'
	j := off + 1
	strip := false
	if j < l.end && s[j] == '-' {
		strip = true
		j++
	}
	if j < l.end && s[j] != ' ' {
		decline() // keep chomping or an indentation indicator
	}
	p.lineEnd(l, j)
	first := p.li + 1
	k := first
	maxLead := 0
	for k < len(p.lines) && p.lines[k].kind == fyBlank {
		maxLead = max(maxLead, p.lines[k].end-p.lines[k].start)
		k++
	}
	if k == len(p.lines) {
		decline()
	}
	ind := p.lines[k].indent
	if ind <= col || maxLead > ind {
		decline()
	}
	last := k
	for m := k; m < len(p.lines); m++ {
		L := &p.lines[m]
		if L.kind == fyBlank {
			if L.end-L.start > ind {
				decline()
			}
			continue
		}
		if L.indent < ind {
			break
		}
		if folded && L.indent > ind {
			decline()
		}
		last = m
	}
	if last == len(p.lines)-1 && !p.endsNL {
		decline()
	}
	var b strings.Builder
	b.Grow(p.lines[last].end - p.lines[k].start)
	blanks := 0
	for m := first; m <= last; m++ {
		L := &p.lines[m]
		if L.kind == fyBlank {
			blanks++
			continue
		}
		if m > k {
			switch {
			case !folded:
				b.WriteByte('\n')
				for range blanks {
					b.WriteByte('\n')
				}
			case blanks == 0:
				b.WriteByte(' ')
			default:
				for range blanks {
					b.WriteByte('\n')
				}
			}
		} else {
			for range blanks { // leading blank lines
				b.WriteByte('\n')
			}
		}
		blanks = 0
		b.WriteString(s[L.start+ind : L.end])
	}
	if !strip {
		b.WriteByte('\n')
	}
	n := p.node(yaml.ScalarNode, "!!str", l, off)
	n.Value = b.String()
	if folded {
		n.Style = yaml.FoldedStyle
	} else {
		n.Style = yaml.LiteralStyle
	}
	p.li = last + 1
	return n
}

// plainTag is the tag yaml.v3 resolves a plain scalar to, for the values the
// fast path can type with certainty; anything else is declined.
func plainTag(v string) string {
	switch c := v[0]; {
	case '0' <= c && c <= '9':
		digits := true
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				digits = false
				break
			}
		}
		if digits {
			if (len(v) == 1 || c != '0') && len(v) <= 18 {
				return "!!int"
			}
			decline()
		}
		// Timestamps, ints (any base, with '_') and floats use only these
		// characters; a value with any other is a string.
		for i := 0; i < len(v); i++ {
			if !strings.ContainsRune("0123456789abcdefABCDEFxXoObB_+-.,:tTzZ ", rune(v[i])) {
				return "!!str"
			}
		}
		decline()
	case c == '+' || c == '-' || c == '.':
		decline()
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		}
	}
	return "!!str"
}
