package catalog

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/catalog/internal/fastyaml"
)

// Limits that keep hostile input bounded in time and memory.
const (
	// MaxFileSize is the largest descriptor file read (bigger files are refused).
	MaxFileSize = 8 << 20
	// MaxDepth is the deepest nesting of maps and lists accepted in a document.
	MaxDepth = 64
	// MaxValues is the most values (scalars, maps, lists) a document may
	// expand to once aliases are resolved: it stops alias bombs.
	MaxValues = 100_000
	// maxStructure bounds the structural characters (',', '-', ':', '[',
	// '{', '&', '*', newlines) of one document, checked before parsing so a
	// document that would become millions of nodes is refused before the
	// YAML parser allocates them.
	maxStructure = 150_000
	// MaxDocuments is the most documents read from one file.
	MaxDocuments = 20_000
	// MaxAliasValues is the most values that aliases may expand to in one
	// file, all its documents together. MaxValues alone let each of
	// thousands of documents expand to its limit (milliseconds each, minutes
	// for a file); with this, the work of reading a file is bounded by its
	// size plus this many values.
	MaxAliasValues = 2 * MaxValues
)

// aliasBudget is what is left of MaxAliasValues for one file; converters of
// the file's documents share it.
type aliasBudget struct {
	left     int
	reported bool
}

func newAliasBudget() *aliasBudget { return &aliasBudget{left: MaxAliasValues} }

// Document is one YAML document of a file, parsed to a node tree that keeps
// positions. Root is nil when the document could not be parsed (Err says why).
type Document struct {
	Index   int
	Root    *yaml.Node
	LineOff int // add to node lines to get file lines
	Err     *Problem
}

// docStart matches a document start marker at the beginning of a line.
func isDocStart(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r'
}

// SplitDocuments parses data (YAML or JSON) into its documents. Each document
// is parsed on its own, so a syntax error in one never hides the others.
// Empty documents (only comments or blank) are dropped and not counted.
//
// gopkg.in/yaml.v3 is the parser of record. Because it was half the cost of
// loading a large catalog, each document is first offered to fastyaml.Parse
// (catalog/internal/fastyaml), which handles only the plain block YAML descriptors are
// usually written in and builds exactly the node tree yaml.v3 would (comments
// aside, which nothing here reads). On anything else — and on any error — it
// declines and the document is parsed by yaml.v3 unchanged, so every syntax
// message still comes from yaml.v3 with its line and column. The size,
// UTF-8 and structure checks run before either parser, and the depth, value
// and alias limits are applied to the tree afterwards, so the limits hold
// whichever parser built it. fastyaml_test.go keeps the accelerator honest:
// a differential test over every YAML file in the repository and the shared
// test data, and FuzzFastYAML, both requiring that for every input the fast
// path declines or yields yaml.v3's tree node for node.
func SplitDocuments(file string, data []byte) []Document {
	var docs []Document
	eachDocument(file, data, nil, func(d Document) { docs = append(docs, d) })
	return docs
}

// fastParser is the YAML accelerator with its storage (pooled by the loader).
type fastParser = fastyaml.Parser

// eachDocument is SplitDocuments handing each document to fn as soon as it
// is parsed. With fp, the fast parser's storage is reused from one document
// to the next: a document's node tree is valid only until fn returns.
func eachDocument(file string, data []byte, fp *fastParser, fn func(Document)) {
	if len(data) > MaxFileSize {
		fn(Document{Err: &Problem{Pos: Position{File: file, Line: 1, Col: 1}, Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit for a descriptor file", len(data), MaxFileSize)}})
		return
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	n := 0
	start, startLine, line := 0, 0, 0
	flush := func(end int) {
		chunk := data[start:end]
		if blank(chunk) {
			return
		}
		for _, d := range parseChunk(file, chunk, startLine, n, fp) {
			n++
			fn(d)
		}
	}
	for i := 0; i <= len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		var ln []byte
		next := len(data) + 1
		if j < 0 {
			ln = data[i:]
		} else {
			ln = data[i : i+j]
			next = i + j + 1
		}
		if isDocStart(ln) && i > start {
			flush(i)
			if n >= MaxDocuments {
				fn(Document{Index: n, Err: &Problem{Pos: Position{File: file, Line: line + 1, Col: 1},
					Message: fmt.Sprintf("more than %d documents in one file: the rest of the file is not read", MaxDocuments)}})
				return
			}
			start, startLine = i, line
		} else if isDocStart(ln) {
			startLine = line
		}
		line++
		i = next
	}
	flush(len(data))
}

// blank reports whether a chunk holds no YAML content (only blank lines,
// comments, directives and document markers).
func blank(chunk []byte) bool {
	for len(chunk) > 0 {
		var ln []byte
		if j := bytes.IndexByte(chunk, '\n'); j >= 0 {
			ln, chunk = chunk[:j], chunk[j+1:]
		} else {
			ln, chunk = chunk, nil
		}
		t := bytes.TrimSpace(ln)
		if len(t) == 0 || t[0] == '#' || t[0] == '%' || bytes.Equal(t, []byte("---")) || bytes.Equal(t, []byte("...")) {
			continue
		}
		return false
	}
	return true
}

// structure counts the characters of chunk that can start a YAML node.
func structure(chunk []byte) int {
	n := 0
	for _, c := range chunk {
		switch c {
		case ',', '-', ':', '[', '{', '&', '*', '\n', '?':
			n++
		}
	}
	return n
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseChunk(file string, chunk []byte, lineOff, index int, fp *fastParser) []Document {
	if !utf8.Valid(chunk) {
		off := 0
		for off < len(chunk) {
			r, size := utf8.DecodeRune(chunk[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		l := bytes.Count(chunk[:off], []byte("\n"))
		c := off - (bytes.LastIndexByte(chunk[:off], '\n') + 1) + 1
		return []Document{{Index: index, Err: &Problem{Pos: Position{File: file, Line: lineOff + l + 1, Col: c},
			Message: fmt.Sprintf("invalid UTF-8 (byte 0x%02x): descriptor files must be UTF-8 text", chunk[off])}}}
	}
	// structure counts at most one per byte: a chunk no longer than the
	// limit cannot exceed it, and need not be scanned (the scan was 1.8 s
	// of a 1M-entity load, issue 25).
	if len(chunk) > maxStructure {
		if n := structure(chunk); n > maxStructure {
			return []Document{{Index: index, Err: &Problem{Pos: Position{File: file, Line: lineOff + 1, Col: 1},
				Message: fmt.Sprintf("document too large to be an entity: about %d YAML nodes, more than the %d allowed", n/2, maxStructure/2)}}}
		}
	}
	if fp == nil {
		fp = &fastParser{}
	}
	if root, ok := fp.Parse(chunk); ok {
		return []Document{{Index: index, Root: root, LineOff: lineOff}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(chunk))
	var out []Document
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, Document{Index: index + len(out), Err: yamlProblem(file, chunk, lineOff, err)})
			return out
		}
		root := &n
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" && root.Value == "" {
			continue
		}
		out = append(out, Document{Index: index + len(out), Root: root, LineOff: lineOff})
	}
}

// looksLikeSkeleton reports whether a document is a template skeleton's
// Nunjucks (which names values.*, or uses {% %} tags) rather than a
// Template descriptor, whose steps are full of ${{ parameters.* }}.
func looksLikeSkeleton(chunk []byte) bool {
	if bytes.Contains(chunk, []byte("kind: Template")) {
		return false
	}
	return bytes.Contains(chunk, []byte("{%")) || bytes.Contains(chunk, []byte("${{ values.")) || bytes.Contains(chunk, []byte("${{values."))
}

// yamlProblem turns a yaml.v3 syntax error into a positioned, clearer problem.
func yamlProblem(file string, chunk []byte, lineOff int, err error) *Problem {
	msg := err.Error()
	line, col := 1, 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	lines := bytes.Split(chunk, []byte("\n"))
	if line-1 < len(lines) && line >= 1 {
		text := lines[line-1]
		if i := bytes.IndexByte(text, '\t'); i >= 0 && strings.Contains(msg, "cannot start any token") {
			col = i + 1
			msg = "tab character where YAML expects indentation: indent with spaces, not tabs"
		} else if i := len(text) - len(bytes.TrimLeft(text, " ")); i < len(text) {
			col = i + 1
		}
	}
	if looksLikeSkeleton(chunk) {
		// A Software Template's skeleton is Nunjucks that renders to YAML.
		msg += " (this looks like a Software Template skeleton, which fetch:template renders before it is YAML; it is not a descriptor by itself)"
	}
	return &Problem{Pos: Position{File: file, Line: lineOff + line, Col: col}, Message: "invalid YAML: " + msg}
}

// converter turns yaml nodes into Go values (string, int, float64, bool, nil,
// []any, map[string]any) as JSON would have them, resolving aliases within a
// budget, limiting depth and rejecting duplicate keys.
type converter struct {
	file    string
	lineOff int
	values  int
	errs    []Problem
	failed  bool // budget or depth exceeded: stop converting
	// aliases is the file's alias budget (nil: one of its own); inAlias
	// counts the aliases being expanded around the current node.
	aliases *aliasBudget
	inAlias int
	// free, when set, holds emptied small maps to reuse (see recycleMaps).
	free *mapFree
	// meta, when set, is the document's metadata map node: its labels and
	// annotations are converted straight to map[string]string when every
	// value is a string (see stringMapOf).
	meta *yaml.Node
}

func (c *converter) pos(n *yaml.Node) Position {
	return Position{File: c.file, Line: n.Line + c.lineOff, Col: n.Column}
}

func (c *converter) errorf(n *yaml.Node, format string, args ...any) {
	c.errs = append(c.errs, Problem{Pos: c.pos(n), Message: fmt.Sprintf(format, args...)})
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func (c *converter) value(n *yaml.Node, depth int) any {
	if c.failed || n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		c.inAlias++
		defer func() { c.inAlias-- }()
	}
	n = deref(n)
	if n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	if c.inAlias > 0 {
		if c.aliases == nil {
			c.aliases = newAliasBudget()
		}
		c.aliases.left--
		if c.aliases.left < 0 {
			c.failed = true
			if !c.aliases.reported {
				c.aliases.reported = true
				c.errorf(n, "aliases in this file expand to more than %d values in all (an alias bomb?); this document and the file's later documents that use aliases are not read", MaxAliasValues)
			} else {
				c.errorf(n, "not read: the file's aliases already expanded to more than %d values", MaxAliasValues)
			}
			return nil
		}
	}
	c.values++
	if c.values > MaxValues {
		c.failed = true
		c.errorf(n, "document has more than %d values once aliases are resolved (an alias bomb?); an entity needs far fewer", MaxValues)
		return nil
	}
	if depth > MaxDepth {
		c.failed = true
		c.errorf(n, "nesting deeper than %d levels", MaxDepth)
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, x := range n.Content {
			out = append(out, c.value(x, depth+1))
		}
		return out
	case yaml.MappingNode:
		out := c.free.get(len(n.Content) / 2)
		var seen map[string]*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			key, ok := c.key(k)
			if !ok {
				continue
			}
			if _, dup := out[key]; dup {
				if seen == nil {
					seen = c.keyNodes(n)
				}
				first := seen[key]
				c.errorf(k, "duplicate key %q (first at line %d, column %d)", key, first.Line+c.lineOff, first.Column)
				continue
			}
			if n == c.meta && c.inAlias == 0 && (key == "labels" || key == "annotations") {
				if sm, ok := c.stringMapOf(n.Content[i+1]); ok {
					out[key] = sm
					continue
				}
			}
			out[key] = c.value(n.Content[i+1], depth+1)
		}
		return out
	}
	return nil
}

// stringMapOf converts metadata.labels or .annotations to the
// map[string]string the entity keeps, when value would make a map of
// strings of it with nothing to report: a map (not an alias) of plain
// scalar keys and string values (not aliases), without duplicate keys or
// the value limit reached. It counts the values value would have. Else
// (ok false) nothing is counted and value converts it as any map.
// Converting them to map[string]any, then copying that to the entity's
// map[string]string, was a third of what a load allocated (issue 25).
func (c *converter) stringMapOf(n *yaml.Node) (map[string]string, bool) {
	if c.failed || n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	pairs := len(n.Content) / 2
	if c.values+1+pairs > MaxValues {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || !isStringScalar(v) {
			return nil, false
		}
	}
	out := make(map[string]string, pairs)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1].Value
	}
	if len(out) != pairs {
		return nil, false // a duplicate key: value reports it
	}
	c.values += 1 + pairs
	return out, true
}

// isStringScalar reports whether scalar(n) is a string.
func isStringScalar(n *yaml.Node) bool {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.ShortTag() == "!!str" {
		return true
	}
	_, ok := scalar(n).(string)
	return ok
}

func (c *converter) keyNodes(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k != nil && k.Kind == yaml.ScalarNode {
			if _, ok := m[k.Value]; !ok {
				m[k.Value] = k
			}
		}
	}
	return m
}

// key returns a map key as a string (JSON has only string keys).
func (c *converter) key(k *yaml.Node) (string, bool) {
	if k == nil || k.Kind != yaml.ScalarNode {
		if k != nil {
			c.errorf(k, "a map key must be a plain value, not a map or list")
		}
		return "", false
	}
	return k.Value, true
}

var (
	intRE   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	floatRE = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

// scalar resolves a scalar as YAML 1.2's core schema does (what Backstage's
// parser uses): timestamps, 0b numbers and underscores stay strings.
func scalar(n *yaml.Node) any {
	v := n.Value
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v
	}
	tag := n.ShortTag()
	if n.Tag != "" && n.Tag != "!" && !strings.HasPrefix(n.Tag, "!!") {
		return v // a custom tag: keep the text
	}
	switch tag {
	case "!!null":
		return nil
	case "!!bool":
		switch v {
		case "true", "True", "TRUE":
			return true
		case "false", "False", "FALSE":
			return false
		}
		return v
	case "!!int":
		switch {
		case intRE.MatchString(v):
			if i, err := strconv.ParseInt(v, 10, 64); err == nil {
				if i >= math.MinInt && i <= math.MaxInt {
					return int(i)
				}
			}
			f, _ := strconv.ParseFloat(v, 64)
			return f
		case strings.HasPrefix(v, "0o") || strings.HasPrefix(v, "0x"):
			if i, err := strconv.ParseInt(v, 0, 64); err == nil && !strings.Contains(v, "_") {
				return int(i)
			}
		}
		return v
	case "!!float":
		if floatRE.MatchString(v) {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
		switch strings.ToLower(strings.TrimLeft(v, "+-")) {
		case ".inf":
			if strings.HasPrefix(v, "-") {
				return math.Inf(-1)
			}
			return math.Inf(1)
		case ".nan":
			return math.NaN()
		}
		return v
	}
	return v
}
