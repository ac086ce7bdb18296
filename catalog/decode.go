package catalog

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// docNodes locates positions in a parsed document by field path.
type docNodes struct {
	file    string
	lineOff int
	root    *yaml.Node
}

// pos returns the position of the node at path: string elements are map keys,
// int elements list indexes; a trailing nil asks for the key rather than its
// value. A path that does not exist gives the position of its deepest part.
func (d *docNodes) pos(p []any) Position {
	n := d.root
	for i, el := range p {
		n = deref(n)
		if n == nil {
			break
		}
		var next *yaml.Node
		switch el := el.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(n.Content); j += 2 {
					if k := deref(n.Content[j]); k != nil && k.Value == el {
						if i+1 < len(p) && p[i+1] == nil {
							next = k
						} else {
							next = n.Content[j+1]
						}
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && el < len(n.Content) {
				next = n.Content[el]
			}
		case nil:
			continue
		}
		if next == nil {
			break
		}
		n = next
	}
	if n == nil {
		return Position{File: d.file}
	}
	return Position{File: d.file, Line: n.Line + d.lineOff, Col: n.Column}
}

// entityItems counts the items of a list that look like entities (maps
// with apiVersion or kind).
func entityItems(list *yaml.Node) int {
	if list.Kind != yaml.SequenceNode {
		return 0
	}
	n := 0
	for _, it := range list.Content {
		it = deref(it)
		if it.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(it.Content); i += 2 {
			if k := it.Content[i].Value; k == "apiVersion" || k == "kind" {
				n++
				break
			}
		}
	}
	return n
}

// decoded is the outcome of decoding one document.
type decoded struct {
	entity     *Entity   // nil when the document is not an entity at all
	problems   []Problem // errors and warnings, positioned
	descriptor bool      // the document has apiVersion or kind
	valid      bool
}

// decodeDocument converts, resolves placeholders, validates and builds the
// entity of one parsed document. fsys and fpath locate the file for
// placeholders (fsys may be nil).
func decodeDocument(display string, doc Document, fsys fs.FS, fpath string, aliases *aliasBudget, free *mapFree) decoded {
	var out decoded
	if doc.Err != nil {
		p := *doc.Err
		out.problems = []Problem{p}
		out.descriptor = true // unknown: treat a broken document as a descriptor
		return out
	}
	d := &docNodes{file: display, lineOff: doc.LineOff, root: doc.Root}
	root := deref(doc.Root)
	if root.Kind != yaml.MappingNode {
		kind := map[yaml.Kind]string{yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}[root.Kind]
		msg := "a descriptor document must be a map with apiVersion, kind and metadata; found " + kind
		if n := entityItems(root); n > 0 {
			// A list of entities (an API export, a JSON array): it is meant
			// as descriptors, so it is reported, not skipped as unrelated.
			out.descriptor = true
			msg += fmt.Sprintf(" of %d entities: put each in its own document (YAML documents separated by ---; JSON: one object per file)", n)
		}
		out.problems = []Problem{{Pos: d.pos(nil), Message: msg}}
		return out
	}
	c := &converter{file: display, lineOff: doc.LineOff, aliases: aliases, free: free}
	if typedLabels {
		c.meta = metadataNode(root)
	}
	val := c.value(root, 0)
	m, _ := val.(map[string]any)
	_, hasAV := m["apiVersion"]
	_, hasKind := m["kind"]
	out.descriptor = hasAV || hasKind
	out.problems = append(out.problems, c.errs...)
	if c.failed || m == nil {
		return out
	}
	if spec, ok := m["spec"].(map[string]any); ok && fsys != nil {
		r := &resolver{fsys: fsys, dir: path.Dir(fpath), d: d, aliases: aliases}
		r.walk(spec, []any{"spec"}, 0)
		out.problems = append(out.problems, r.problems...)
	} else if ok {
		_ = spec
	}
	v := &validator{d: d}
	known := v.validate(m)
	out.problems = append(out.problems, v.problems...)
	e := entityFrom(m)
	e.Known = known
	e.Origin = Origin{Pos: d.pos(nil), Doc: doc.Index, FS: fsys, Path: fpath}
	if e.Kind == "Template" || strings.EqualFold(e.Kind, KindTemplate) {
		e.ParamOrder = paramOrder(doc.Root)
	}
	if !known && !v.whole && e.Kind != "" && isValidKind(e.Kind) {
		msg, sev := unknownKindMessage(e.Kind, e.APIVersion)
		out.problems = append(out.problems, Problem{Pos: d.pos([]any{"kind"}), Severity: sev, Message: msg})
	}
	e.refPos = refPositions(d, e)
	if known {
		out.problems = append(out.problems, malformedRefs(e)...)
	}
	ref := e.Ref()
	out.valid = true
	// Read down the file: checks run field by field and maps have no order.
	if len(out.problems) > 1 {
		sort.SliceStable(out.problems, func(i, j int) bool {
			a, b := out.problems[i].Pos, out.problems[j].Pos
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
	}
	for i := range out.problems {
		out.problems[i].Entity = ref
		if out.problems[i].Severity == Error {
			out.valid = false
		}
	}
	out.entity = e
	free.recycle(m)
	return out
}

// typedLabels turns on the converter's direct conversion of metadata
// labels and annotations (tests turn it off for the reference decode).
var typedLabels = true

// metadataNode returns the map node of root's metadata (the first, as
// the converter keeps it), or nil when it is not a map written in place.
func metadataNode(root *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := deref(root.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == "metadata" {
			if v := root.Content[i+1]; v.Kind == yaml.MappingNode {
				return v
			}
			return nil
		}
	}
	return nil
}

// mapFree holds small maps emptied for reuse by the next documents a load
// worker converts. A document's top-level map and its metadata (labels,
// annotations, links and all) are dead once the typed entity is made from
// them; only spec is kept. These were most of what a load allocated and
// dropped (2.2 KB an entity, issue 25), pacing the collector's cycles.
type mapFree struct{ maps []map[string]any }

// maxFreeMaps bounds the maps a worker keeps for reuse.
const maxFreeMaps = 256

// get returns an empty map for about hint keys (nil f: a new one).
func (f *mapFree) get(hint int) map[string]any {
	if f != nil && hint <= 8 && len(f.maps) > 0 {
		m := f.maps[len(f.maps)-1]
		f.maps = f.maps[:len(f.maps)-1]
		return m
	}
	return make(map[string]any, hint)
}

// recycle takes back a converted document's maps but its spec, which the
// entity keeps. Each map the converter made is its own (aliases are
// converted again where they are used), so none is reachable from spec.
func (f *mapFree) recycle(doc map[string]any) {
	if f == nil || doc == nil {
		return
	}
	if md, ok := doc["metadata"].(map[string]any); ok {
		for _, v := range md {
			f.recycleValue(v)
		}
		f.put(md)
	}
	f.put(doc)
}

// recycleValue takes back the maps in a value of metadata.
func (f *mapFree) recycleValue(v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			f.recycleValue(x)
		}
		f.put(v)
	case []any:
		for _, x := range v {
			f.recycleValue(x)
		}
	}
}

// put empties m and keeps it if it is small (larger ones would hold on to
// their tables wherever they were reused).
func (f *mapFree) put(m map[string]any) {
	if len(m) > 8 || len(f.maps) >= maxFreeMaps {
		return
	}
	clear(m)
	f.maps = append(f.maps, m)
}

// malformedRefs reports the spec references Backstage cannot parse: an
// empty kind, namespace or name, or a field without a default kind
// (dependsOn, dependencyOf) given a bare name. Backstage's processor throws
// on them and the entity is never ingested, so they are errors; a
// well-formed reference to an entity that does not exist is only a warning
// (Build reports it).
func malformedRefs(e *Entity) []Problem {
	var out []Problem
	self := e.Ref()
	for _, f := range fieldsOf(self.Kind) {
		if f.rel == "" {
			continue
		}
		vals := refValues(e, f)
		for i, v := range vals {
			msg := backstageRefProblem(v, f.defaultKind)
			if msg == "" {
				continue
			}
			out = append(out, Problem{Pos: e.fieldPos(f, i, len(vals)), Severity: Error,
				Message: "spec." + f.key + ": " + msg + ": Backstage cannot resolve it and would not ingest the entity"})
		}
	}
	return out
}

// backstageRefProblem says why Backstage's parseEntityRef throws on v, or
// "" when it does not. It splits as Backstage does (the kind before the
// first ':', the namespace before the first '/', unless that '/' comes
// first; the rest is the name, separators and all) and throws only on an
// empty part or a kind that is neither given nor defaulted. Stricter checks
// of the parts (ParseRef's) are Build's warnings.
func backstageRefProblem(v, defaultKind string) string {
	colon, slash := strings.IndexByte(v, ':'), strings.IndexByte(v, '/')
	if slash >= 0 && slash < colon {
		colon = -1
	}
	switch {
	case colon == 0:
		return fmt.Sprintf("entity reference %q had missing or empty kind (e.g. did not start with \"component:\" or similar)", v)
	case slash >= 0 && slash == colon+1:
		return fmt.Sprintf("entity reference %q had missing or empty namespace", v)
	case max(colon, slash)+1 >= len(v):
		return fmt.Sprintf("entity reference %q had missing or empty name", v)
	case colon < 0 && defaultKind == "":
		return fmt.Sprintf("entity reference %q must name a kind (e.g. \"component:%s\" or \"resource:%s\")", v, v, v)
	}
	return ""
}

// unknownKindMessage explains a kind/apiVersion pair no built-in kind
// claims. A built-in kind spelled in another case, or at an apiVersion its
// schema does not list, is an error: Backstage's kind validators match both
// exactly, so no processor would claim the entity and it would never be
// ingested. A kind Backstage does not define is kept with a warning (an
// organisation may run a processor for it).
func unknownKindMessage(kind, apiVersion string) (string, Severity) {
	for k := range kindSpec {
		if strings.EqualFold(k, kind) {
			want := knownVersions(k)
			if k != kind {
				return fmt.Sprintf("kind %q is not one Backstage defines: did you mean %q? Kinds are matched exactly, so Backstage would not ingest this entity", kind, k), Error
			}
			return fmt.Sprintf("%s at apiVersion %q is not one Backstage defines (use %s): Backstage would not ingest this entity", kind, apiVersion, strings.Join(want, " or ")), Error
		}
	}
	return fmt.Sprintf("kind %q is not one callboard knows (stock Backstage ingests it only where a processor for it is installed); the entity is kept and shown as written, but its spec is not checked", kind), Warning
}

// entityFrom builds the typed entity from a converted document (fields of
// the wrong type are left empty: validation has reported them).
func entityFrom(m map[string]any) *Entity {
	e := &Entity{}
	e.APIVersion, _ = m["apiVersion"].(string)
	e.Kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		e.Metadata.Name, _ = md["name"].(string)
		e.Metadata.Namespace, _ = md["namespace"].(string)
		if e.Metadata.Namespace == "" {
			e.Metadata.Namespace = DefaultNamespace
		}
		e.Metadata.Title, _ = md["title"].(string)
		e.Metadata.Description, _ = md["description"].(string)
		e.Metadata.Labels = stringMap(md["labels"])
		e.Metadata.Annotations = stringMap(md["annotations"])
		if tags, ok := md["tags"].([]any); ok {
			for _, t := range tags {
				if s, ok := t.(string); ok {
					if e.Metadata.Tags == nil {
						e.Metadata.Tags = make([]string, 0, len(tags))
					}
					e.Metadata.Tags = append(e.Metadata.Tags, s)
				}
			}
		}
		if links, ok := md["links"].([]any); ok {
			for _, l := range links {
				if lm, ok := l.(map[string]any); ok {
					var k Link
					k.URL, _ = lm["url"].(string)
					k.Title, _ = lm["title"].(string)
					k.Icon, _ = lm["icon"].(string)
					k.Type, _ = lm["type"].(string)
					if e.Metadata.Links == nil {
						e.Metadata.Links = make([]Link, 0, len(links))
					}
					e.Metadata.Links = append(e.Metadata.Links, k)
				}
			}
		}
	}
	e.Spec, _ = m["spec"].(map[string]any)
	return e
}

func stringMap(x any) map[string]string {
	if sm, ok := x.(map[string]string); ok {
		if len(sm) == 0 {
			return nil
		}
		return sm // made for the entity by the converter
	}
	m, ok := x.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// fieldPositions is where the values of one reference field were written.
type fieldPositions struct {
	key string
	pos []Position
}

// refPositions records where each reference value of the entity's spec was
// written (all positions in one allocation).
func refPositions(d *docNodes, e *Entity) []fieldPositions {
	fields := fieldsOf(lowerKind(e.Kind))
	n, nf := 0, 0
	for _, f := range fields {
		switch v := e.Spec[f.key].(type) {
		case string:
			n, nf = n+1, nf+1
		case []any:
			n, nf = n+len(v), nf+1
		}
	}
	if nf == 0 {
		return nil
	}
	all := make([]Position, 0, n)
	out := make([]fieldPositions, 0, nf)
	for _, f := range fields {
		start := len(all)
		switch v := e.Spec[f.key].(type) {
		case string:
			all = append(all, d.pos([]any{"spec", f.key}))
		case []any:
			for i, x := range v {
				if s, ok := x.(string); ok && s != "" {
					all = append(all, d.pos([]any{"spec", f.key, i}))
				}
			}
		default:
			continue
		}
		out = append(out, fieldPositions{f.key, all[start:len(all):len(all)]})
	}
	return out
}

// positionsOf returns where the values of reference field key were written.
func (e *Entity) positionsOf(key string) ([]Position, bool) {
	for _, fp := range e.refPos {
		if fp.key == key {
			return fp.pos, true
		}
	}
	return nil, false
}

// resolver substitutes $text, $json and $yaml placeholders with the content
// of files beside the descriptor.
type resolver struct {
	fsys     fs.FS
	dir      string
	d        *docNodes
	problems []Problem
	reads    int
	aliases  *aliasBudget // the descriptor file's: placeholders' YAML spends it too
}

const maxPlaceholders = 100

func (r *resolver) walk(x any, p []any, depth int) any {
	if depth > MaxDepth {
		return x
	}
	switch t := x.(type) {
	case map[string]any:
		if isPlaceholder(t) {
			return r.resolve(t, p)
		}
		for k, v := range t {
			if container(v) { // leaves are left as they are: no path needed
				t[k] = r.walk(v, with(p, k), depth+1)
			}
		}
	case []any:
		for i, v := range t {
			if container(v) {
				t[i] = r.walk(v, with(p, i), depth+1)
			}
		}
	}
	return x
}

// container reports whether x is a map or list, the only values walk changes.
func container(x any) bool {
	switch x.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

func (r *resolver) resolve(m map[string]any, p []any) any {
	var key string
	var target any
	for k, v := range m {
		key, target = k, v
	}
	where := join(p)
	s, _ := target.(string)
	if key == "$openapi" || key == "$asyncapi" {
		r.problems = append(r.problems, Problem{Pos: r.d.pos(with(p, key, nil)), Severity: Warning,
			Message: fmt.Sprintf("%s: placeholder %s is resolved by Backstage's OpenAPI module, not by callboard; the field is left unresolved (a Backstage without that module rejects this entity: the definition must be a string)", where, key)})
		return m
	}
	warn := func(format string, args ...any) any {
		r.problems = append(r.problems, Problem{Pos: r.d.pos(with(p, key)), Severity: Warning, Message: where + ": " + fmt.Sprintf(format, args...)})
		return m
	}
	if s == "" {
		return warn("placeholder %s names no file; the field is left unresolved", key)
	}
	if strings.Contains(s, "://") {
		return warn("%s %s was not fetched (callboard reads no URLs while loading files); the field is left unresolved", key, s)
	}
	r.reads++
	if r.reads > maxPlaceholders {
		return warn("more than %d placeholders in one entity; %s %s left unresolved", maxPlaceholders, key, s)
	}
	fp, err := JoinInside(r.dir, s)
	if err != nil {
		return warn("%s %s points outside the catalog; the field is left unresolved", key, s)
	}
	st, err := fs.Stat(r.fsys, fp)
	if err != nil {
		return warn("%s %s cannot be read (%v); the field is left unresolved", key, s, unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		// A FIFO or device would block the load (or never end): only
		// regular files are read.
		return warn("%s %s is not a regular file; the field is left unresolved", key, s)
	}
	if st.Size() > MaxFileSize {
		return warn("%s %s is larger than %d bytes; the field is left unresolved", key, s, MaxFileSize)
	}
	data, err := fs.ReadFile(r.fsys, fp)
	if err != nil {
		return warn("%s %s cannot be read (%v); the field is left unresolved", key, s, unwrapPath(err))
	}
	switch key {
	case "$text":
		return string(data)
	case "$json":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return warn("$json %s is not valid JSON (%v); the field is left unresolved", s, err)
		}
		return v
	default: // $yaml
		docs := SplitDocuments(fp, data)
		if len(docs) == 0 || docs[0].Err != nil {
			return warn("$yaml %s is not valid YAML; the field is left unresolved", s)
		}
		c := &converter{file: fp, aliases: r.aliases}
		v := c.value(docs[0].Root, 0)
		if len(c.errs) > 0 {
			return warn("$yaml %s: %s; the field is left unresolved", s, c.errs[0].Message)
		}
		return v
	}
}

// unwrapPath drops the path from an fs error (the message names the file already).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return pe.Err
	}
	return err
}
