package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// The formats of Backstage's KubernetesValidatorFunctions, checked by hand
// rather than by regexp because they run for every name, key and tag loaded
// (validate_test.go checks them against the original regular expressions):
//
//	DNS label    ^[a-z0-9]+(?:-+[a-z0-9]+)*$
//	object name  ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
//	kind         ^[a-zA-Z][a-z0-9A-Z]*$
//	version      ^[a-z0-9A-Z]+$
//	tag          ^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$  (makeValidator's isValidTag, which
//	             FieldFormatEntityPolicy calls; the older colon-free rule is unused)

func isLowerDigit(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isLowerDigit(c) || 'A' <= c && c <= 'Z' }

// isValidDNSLabel reports whether s is a DNS label (a namespace).
func isValidDNSLabel(s string) bool {
	if len(s) < 1 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLowerDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// isValidDNSSubdomain reports whether s is a DNS subdomain (a key prefix).
func isValidDNSSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for {
		label, rest, more := strings.Cut(s, ".")
		if !isValidDNSLabel(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// isValidName reports whether s is a valid metadata.name.
func isValidName(s string) bool {
	if len(s) < 1 || len(s) > 63 || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// isValidKind reports whether s is a valid kind.
func isValidKind(s string) bool {
	if len(s) < 1 || len(s) > 63 || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	return allAlnum(s)
}

func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// isValidAPIVersion reports whether s is [dns-subdomain/]version.
func isValidAPIVersion(s string) bool {
	return prefixed(s, isValidDNSSubdomain, func(v string) bool { return len(v) >= 1 && len(v) <= 63 && allAlnum(v) })
}

// isValidKey reports whether s is a label or annotation key, [dns-subdomain/]name.
func isValidKey(s string) bool { return prefixed(s, isValidDNSSubdomain, isValidName) }

// isValidLabelValue reports whether s is empty or follows the name rule.
func isValidLabelValue(s string) bool { return s == "" || isValidName(s) }

// isValidTag reports whether s is a valid tag.
func isValidTag(s string) bool {
	if len(s) < 1 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			if s[i-1] == '-' {
				return false
			}
			continue
		}
		if !isLowerDigit(c) && c != '+' && c != '#' && c != ':' {
			return false
		}
	}
	return true
}

// prefixed reports whether s is suffix or prefix/suffix (one slash at most).
func prefixed(s string, prefix, suffix func(string) bool) bool {
	before, after, found := strings.Cut(s, "/")
	if !found {
		return suffix(s)
	}
	if strings.Contains(after, "/") {
		return false
	}
	return prefix(before) && suffix(after)
}

// nameRuleHint explains the name rule, for messages.
const nameRuleHint = "1 to 63 characters of a-z, A-Z, 0-9 and '-', '_', '.', starting and ending with a letter or digit"

// fieldType is what a spec field must hold.
type fieldType int

const (
	tString    fieldType = iota // a non-empty string
	tStrings                    // a list of non-empty strings
	tObject                     // a map
	tArray                      // a list
	tStrOrBool                  // a string or a boolean
	tAnyString                  // a string, possibly empty
)

type specRule struct {
	key      string
	typ      fieldType
	required bool
}

var builtinVersions = []string{"backstage.io/v1alpha1", "backstage.io/v1beta1"}

// kindSpec is the spec rules of each kind Backstage defines, by exact kind name.
var kindSpec = map[string][]specRule{
	"Component": {{"type", tString, true}, {"lifecycle", tString, true}, {"owner", tString, true},
		{"system", tString, false}, {"subcomponentOf", tString, false},
		{"providesApis", tStrings, false}, {"consumesApis", tStrings, false}, {"dependsOn", tStrings, false}},
	"API": {{"type", tString, true}, {"lifecycle", tString, true}, {"owner", tString, true},
		{"definition", tString, true}, {"system", tString, false}},
	"Resource": {{"type", tString, true}, {"owner", tString, true}, {"dependsOn", tStrings, false}, {"system", tString, false}},
	"System":   {{"owner", tString, true}, {"domain", tString, false}, {"type", tString, false}},
	"Domain":   {{"owner", tString, true}, {"subdomainOf", tString, false}, {"type", tString, false}},
	"Group": {{"type", tString, true}, {"children", tStrings, true}, {"profile", tObject, false},
		{"parent", tString, false}, {"members", tStrings, false}},
	"User":     {{"memberOf", tStrings, true}, {"profile", tObject, false}},
	"Location": {{"type", tString, false}, {"target", tString, false}, {"targets", tStrings, false}, {"presence", tString, false}},
	"Template": {{"type", tString, true}, {"steps", tArray, true}, {"owner", tString, false}, {"lifecycle", tString, false},
		{"secrets", tObject, false}, {"presentation", tObject, false}, {"EXPERIMENTAL_recovery", tObject, false},
		{"formDecorators", tArray, false}, {"EXPERIMENTAL_formDecorators", tArray, false}, {"output", tObject, false}},
}

// mcpServerSpec is the spec rules of an API of type mcp-server.
var mcpServerSpec = []specRule{{"type", tString, true}, {"lifecycle", tString, true}, {"owner", tString, true},
	{"system", tString, false}, {"remotes", tArray, true}}

// knownVersions says which apiVersions each built-in kind is defined at.
func knownVersions(kind string) []string {
	if kind == "Template" {
		return []string{"scaffolder.backstage.io/v1beta3"}
	}
	return builtinVersions
}

// validator checks one converted document, reporting at node positions.
type validator struct {
	d        *docNodes
	problems []Problem
	// whole is set when one error said all there is to say about the
	// document (not a descriptor, a template skeleton): no more checks.
	whole bool
}

func (v *validator) errAt(path []any, format string, args ...any) {
	v.problems = append(v.problems, Problem{Pos: v.d.pos(path), Severity: Error, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) warnAt(path []any, format string, args ...any) {
	v.problems = append(v.problems, Problem{Pos: v.d.pos(path), Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// describe names a value's JSON type, for messages.
func describe(x any) string {
	switch t := x.(type) {
	case nil:
		return "nothing (null)"
	case string:
		if t == "" {
			return "an empty string"
		}
		return "a string"
	case bool:
		return fmt.Sprintf("a boolean (%v)", t)
	case int, float64:
		return fmt.Sprintf("a number (%v)", t)
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return fmt.Sprintf("%T", x)
}

// placeholderKeys are the placeholders Backstage resolves: $text, $json and
// $yaml in the core, $openapi and $asyncapi in its OpenAPI module.
var placeholderKeys = map[string]bool{"$text": true, "$json": true, "$yaml": true, "$openapi": true, "$asyncapi": true}

// isPlaceholder reports whether x is an unresolved placeholder: a one-key
// map {$text|$json|$yaml|$openapi|$asyncapi: "path-or-url"}. Any other
// one-key map (a JSON Schema {$ref: …}, say) is plain data, as in Backstage.
func isPlaceholder(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k, v := range m {
		_, isStr := v.(string)
		return placeholderKeys[k] && isStr
	}
	return false
}

func join(path []any) string {
	var b strings.Builder
	for i, p := range path {
		switch p := p.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		}
	}
	return b.String()
}

func with(path []any, more ...any) []any {
	out := make([]any, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}

// typeOK reports whether checkType would accept x, without building the
// path it would need for a message (most values are fine).
func typeOK(x any, t fieldType) bool {
	switch t {
	case tString:
		if s, ok := x.(string); ok && s != "" {
			return true
		}
	case tAnyString:
		if _, ok := x.(string); ok {
			return true
		}
	case tStrings:
		list, ok := x.([]any)
		if !ok {
			break
		}
		for _, it := range list {
			if s, ok := it.(string); !ok || s == "" {
				return false
			}
		}
		return true
	case tObject:
		_, ok := x.(map[string]any)
		return ok
	case tArray:
		_, ok := x.([]any)
		return ok
	case tStrOrBool:
		switch x.(type) {
		case string, bool:
			return true
		}
	}
	return false
}

// checkKey is checkType at parent's key, building the path only for a message.
func (v *validator) checkKey(parent []any, key string, x any, t fieldType) bool {
	if typeOK(x, t) {
		return true
	}
	return v.checkType(with(parent, key), x, t)
}

// checkType reports whether x has type t, reporting it at path when not.
func (v *validator) checkType(path []any, x any, t fieldType) bool {
	if isPlaceholder(x) {
		return true // unresolved placeholder: already warned about
	}
	switch t {
	case tString:
		if s, ok := x.(string); ok && s != "" {
			return true
		}
		v.errAt(path, "%s must be a non-empty string, found %s", join(path), describe(x))
	case tAnyString:
		if _, ok := x.(string); ok {
			return true
		}
		v.errAt(path, "%s must be a string, found %s", join(path), describe(x))
	case tStrings:
		list, ok := x.([]any)
		if !ok {
			v.errAt(path, "%s must be a list of entity references (strings), found %s", join(path), describe(x))
			return false
		}
		good := true
		for i, it := range list {
			if s, ok := it.(string); !ok || s == "" {
				if !isPlaceholder(it) {
					v.errAt(with(path, i), "%s[%d] must be a non-empty string, found %s", join(path), i, describe(it))
					good = false
				}
			}
		}
		return good
	case tObject:
		if _, ok := x.(map[string]any); ok {
			return true
		}
		v.errAt(path, "%s must be a map, found %s", join(path), describe(x))
	case tArray:
		if _, ok := x.([]any); ok {
			return true
		}
		v.errAt(path, "%s must be a list, found %s", join(path), describe(x))
	case tStrOrBool:
		switch x.(type) {
		case string, bool:
			return true
		}
		v.errAt(path, "%s must be a string or a boolean, found %s", join(path), describe(x))
	}
	return false
}

// rootFields are those Backstage ingests from a descriptor: its
// NoForeignRootFieldsEntityPolicy, as the catalog builds it, knows only
// these four. relations and status are the catalog's own output; an entity
// read back from Backstage's API carries them, but a descriptor file that
// does is rejected.
var rootFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "spec": true}

// validate checks the envelope, metadata and, for known kinds, the spec.
// It returns whether the kind is one Backstage defines.
func (v *validator) validate(root map[string]any) (known bool) {
	_, hasAV := root["apiVersion"]
	_, hasKind := root["kind"]
	if !hasAV && !hasKind {
		// A CI file, a Helm values file: say so once, not field by field.
		keys := sortedKeys(root)
		sort.SliceStable(keys, func(i, j int) bool {
			a, b := v.d.pos([]any{keys[i], nil}), v.d.pos([]any{keys[j], nil})
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		if len(keys) > 5 {
			keys = append(keys[:5], "…")
		}
		v.errAt(nil, "this is not a Backstage descriptor: it has no apiVersion or kind (its top-level fields are %s); an entity needs apiVersion, kind, metadata and spec", strings.Join(keys, ", "))
		v.whole = true
		return false
	}
	if field, text, ok := skeletonField(root); ok {
		v.errAt(field, "this is an unrendered Software Template skeleton (%s is %q), not an entity: a template renders it; keep skeleton folders out of the catalog's locations", join(field), text)
		v.whole = true
		return false
	}
	extra := make([]string, 0)
	for k := range root {
		if !rootFields[k] {
			extra = append(extra, k)
		}
	}
	// In the order they appear, so the messages read down the file.
	sort.Slice(extra, func(i, j int) bool {
		a, b := v.d.pos([]any{extra[i], nil}), v.d.pos([]any{extra[j], nil})
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return extra[i] < extra[j]
	})
	for _, k := range extra {
		switch k {
		case "relations", "status":
			v.errAt([]any{k, nil}, "top-level field %q is filled in by the catalog: Backstage rejects a descriptor that sets it (remove it; relations come from spec fields such as owner and dependsOn)", k)
		default:
			v.errAt([]any{k, nil}, "unknown top-level field %q: an entity has only apiVersion, kind, metadata and spec (did you mean to put it under spec or metadata?)", k)
		}
	}
	apiVersion, hasAV := root["apiVersion"]
	av, _ := apiVersion.(string)
	switch {
	case !hasAV:
		v.errAt(nil, "apiVersion is missing (e.g. apiVersion: backstage.io/v1alpha1)")
	case av == "":
		v.errAt([]any{"apiVersion"}, "apiVersion must be a non-empty string, found %s", describe(apiVersion))
	case !isValidAPIVersion(av):
		v.errAt([]any{"apiVersion"}, "apiVersion %q is malformed: it must be [dns-subdomain/]version, e.g. backstage.io/v1alpha1", av)
	}
	kindV, hasKind := root["kind"]
	kind, _ := kindV.(string)
	switch {
	case !hasKind:
		v.errAt(nil, "kind is missing (e.g. kind: Component)")
	case kind == "":
		v.errAt([]any{"kind"}, "kind must be a non-empty string, found %s", describe(kindV))
	case !isValidKind(kind):
		v.errAt([]any{"kind"}, "kind %q is malformed: 1 to 63 letters and digits, starting with a letter", kind)
	}
	metaV, hasMeta := root["metadata"]
	meta, _ := metaV.(map[string]any)
	switch {
	case !hasMeta:
		v.errAt(nil, "metadata is missing: every entity needs metadata with at least a name")
	case meta == nil:
		v.errAt([]any{"metadata"}, "metadata must be a map, found %s", describe(metaV))
	default:
		v.metadata(meta)
	}
	specV, hasSpec := root["spec"]
	spec, specIsMap := specV.(map[string]any)
	if hasSpec && !specIsMap {
		v.errAt([]any{"spec"}, "spec must be a map, found %s", describe(specV))
	}
	rules, builtin := kindSpec[kind]
	if !builtin {
		return false
	}
	versionOK := false
	for _, want := range knownVersions(kind) {
		if av == want {
			versionOK = true
		}
	}
	if !versionOK {
		return false
	}
	if !hasSpec {
		v.errAt(nil, "spec is missing: a %s needs a spec (%s)", kind, requiredList(rules))
		return true
	}
	if !specIsMap {
		return true
	}
	if _, hasDef := spec["definition"]; kind == "API" && spec["type"] == "mcp-server" && !hasDef {
		rules = mcpServerSpec
	}
	for _, r := range rules {
		x, ok := spec[r.key]
		if !ok {
			if r.required {
				v.errAt([]any{"spec", nil}, "spec.%s is required for %s %s", r.key, article(kind), kind)
			}
			continue
		}
		if !typeOK(x, r.typ) {
			v.checkType([]any{"spec", r.key}, x, r.typ)
		}
	}
	switch kind {
	case "Group", "User":
		if p, ok := spec["profile"].(map[string]any); ok {
			for _, k := range []string{"displayName", "email", "picture"} {
				if x, ok := p[k]; ok {
					v.checkType([]any{"spec", "profile", k}, x, tString)
				}
			}
		}
	case "Location":
		if p, ok := spec["presence"].(string); ok && p != "required" && p != "optional" {
			v.errAt([]any{"spec", "presence"}, "spec.presence must be \"required\" or \"optional\", found %q", p)
		}
	case "API":
		if rules[len(rules)-1].key == "remotes" {
			if list, ok := spec["remotes"].([]any); ok {
				if len(list) == 0 {
					v.errAt([]any{"spec", "remotes"}, "spec.remotes must list at least one remote of the MCP server")
				}
				for i, it := range list {
					m, ok := it.(map[string]any)
					if !ok {
						v.errAt([]any{"spec", "remotes", i}, "spec.remotes[%d] must be a map with type and url, found %s", i, describe(it))
						continue
					}
					v.requireStrings([]any{"spec", "remotes", i}, m, "type", "url")
				}
			}
		}
	case "Template":
		v.template(spec)
	}
	return true
}

// article is "an" before a vowel sound (an API) and "a" otherwise.
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func (v *validator) requireStrings(path []any, m map[string]any, keys ...string) {
	for _, k := range keys {
		x, ok := m[k]
		if !ok {
			v.errAt(path, "%s.%s is required", join(path), k)
			continue
		}
		v.checkKey(path, k, x, tString)
	}
}

func requiredList(rules []specRule) string {
	var req []string
	for _, r := range rules {
		if r.required {
			req = append(req, r.key)
		}
	}
	if len(req) == 0 {
		return "it may be empty"
	}
	return "required: " + strings.Join(req, ", ")
}

func (v *validator) metadata(m map[string]any) {
	p := []any{"metadata"}
	nameV, ok := m["name"]
	if !ok {
		v.errAt([]any{"metadata", nil}, "metadata.name is missing: every entity needs a name")
	} else if name, isStr := nameV.(string); !isStr || name == "" {
		v.errAt(with(p, "name"), "metadata.name must be a non-empty string, found %s", describe(nameV))
	} else if !isValidName(name) {
		v.errAt(with(p, "name"), "metadata.name %q is not a valid name: %s", name, nameRuleHint)
	}
	if nsV, ok := m["namespace"]; ok {
		if ns, isStr := nsV.(string); !isStr || ns == "" {
			v.errAt(with(p, "namespace"), "metadata.namespace must be a non-empty string, found %s", describe(nsV))
		} else if !isValidDNSLabel(ns) {
			v.errAt(with(p, "namespace"), "metadata.namespace %q is not a valid namespace: 1 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit", ns)
		}
	}
	for _, k := range [...]string{"uid", "etag", "title"} {
		if x, ok := m[k]; ok {
			v.checkKey(p, k, x, tString)
		}
	}
	if x, ok := m["description"]; ok {
		v.checkKey(p, "description", x, tAnyString)
	}
	for _, field := range []string{"labels", "annotations"} {
		x, ok := m[field]
		if !ok || x == nil && field == "annotations" {
			// An empty annotations: is accepted by Backstage, which adds
			// its location annotations before validating.
			continue
		}
		if sm, ok := x.(map[string]string); ok {
			if stringLabelsOK(field, sm) {
				continue
			}
			mm := make(map[string]any, len(sm))
			for k, s := range sm {
				mm[k] = s
			}
			x = mm
		}
		mm, isMap := x.(map[string]any)
		if !isMap {
			v.errAt(with(p, field), "metadata.%s must be a map of strings, found %s", field, describe(x))
			continue
		}
		if labelsOK(field, mm) {
			continue // nothing to report: no need for the keys in order
		}
		for _, k := range sortedKeys(mm) {
			val := mm[k]
			if !isValidKey(k) {
				v.errAt(with(p, field, k, nil), "metadata.%s key %q is not valid: it must be [prefix/]name, prefix a DNS subdomain (at most 253 characters) and name %s", field, k, nameRuleHint)
			}
			s, isStr := val.(string)
			if !isStr {
				v.errAt(with(p, field, k), "metadata.%s[%q] must be a string, found %s (quote it)", field, k, describe(val))
				continue
			}
			if field == "labels" && !isValidLabelValue(s) {
				v.errAt(with(p, field, k), "metadata.labels[%q] value %q is not valid: empty or %s", k, s, nameRuleHint)
			}
		}
	}
	if x, ok := m["tags"]; ok {
		if list, isList := x.([]any); !isList {
			v.errAt(with(p, "tags"), "metadata.tags must be a list of strings, found %s", describe(x))
		} else {
			for i, t := range list {
				s, isStr := t.(string)
				switch {
				case !isStr:
					v.errAt(with(p, "tags", i), "metadata.tags[%d] must be a string, found %s", i, describe(t))
				case !isValidTag(s):
					v.errAt(with(p, "tags", i), "metadata.tags[%d] %q is not a valid tag: 1 to 63 characters of a-z, 0-9, ':', '+' and '#', in words joined by single '-'", i, s)
				}
			}
		}
	}
	if x, ok := m["links"]; ok {
		if list, isList := x.([]any); !isList {
			v.errAt(with(p, "links"), "metadata.links must be a list, found %s", describe(x))
		} else {
			for i, l := range list {
				lm, isMap := l.(map[string]any)
				if !isMap {
					v.errAt(with(p, "links", i), "metadata.links[%d] must be a map with a url, found %s", i, describe(l))
					continue
				}
				if _, ok := lm["url"]; !ok {
					v.errAt(with(p, "links", i), "metadata.links[%d].url is required", i)
				}
				for _, k := range [...]string{"url", "title", "icon", "type"} {
					if x, ok := lm[k]; ok && !typeOK(x, tString) {
						v.checkType(with(p, "links", i, k), x, tString)
					}
				}
				if u, ok := lm["url"].(string); ok && !isValidURL(u) {
					v.errAt(with(p, "links", i, "url"), "metadata.links[%d].url %q is not a valid URL: Backstage needs an absolute one, with a scheme (https://example.com/runbook, mailto:team@example.com)", i, u)
				}
			}
		}
	}
}

// isValidURL approximates what Backstage's isValidUrl accepts (a WHATWG
// URL parsed with no base): a scheme, and for the special schemes (http,
// https, ws, wss, ftp) a non-empty host without forbidden characters.
// Other schemes (mailto:, slack://, file:) take anything after the colon.
func isValidURL(s string) bool {
	s = strings.Trim(s, " \t\n\r\f\x00")
	colon := strings.IndexByte(s, ':')
	if colon < 1 || !('a' <= s[0]|0x20 && s[0]|0x20 <= 'z') {
		return false
	}
	scheme := strings.ToLower(s[:colon])
	for i := 1; i < len(scheme); i++ {
		if c := scheme[i]; !isLowerDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return true
	}
	rest := strings.TrimLeft(s[colon+1:], "/\\")
	if end := strings.IndexAny(rest, "/?#\\"); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	host := rest
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return false
		}
		host, rest = host[:end+1], host[end+1:]
		if rest != "" && (rest[0] != ':' || !allDigits(rest[1:])) {
			return false
		}
	} else if c := strings.LastIndexByte(host, ':'); c >= 0 {
		if !allDigits(host[c+1:]) {
			return false
		}
		host = host[:c]
	}
	if host == "" {
		return false
	}
	return !strings.ContainsAny(host, " <>^|%\x00\t\n\r")
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (v *validator) template(spec map[string]any) {
	if ps, ok := spec["parameters"]; ok && !isPlaceholder(ps) {
		switch ps := ps.(type) {
		case map[string]any:
		case []any:
			for i, it := range ps {
				if _, ok := it.(map[string]any); !ok && !isPlaceholder(it) {
					v.errAt([]any{"spec", "parameters", i}, "spec.parameters[%d] must be a map (a JSON Schema form page), found %s", i, describe(it))
				}
			}
		default:
			v.errAt([]any{"spec", "parameters"}, "spec.parameters must be a map or a list of maps (JSON Schema form pages), found %s", describe(ps))
		}
	}
	if steps, ok := spec["steps"].([]any); ok {
		for i, it := range steps {
			sp := []any{"spec", "steps", i}
			m, ok := it.(map[string]any)
			if !ok {
				v.errAt(sp, "spec.steps[%d] must be a map with an action, found %s", i, describe(it))
				continue
			}
			if _, ok := m["action"]; !ok {
				v.errAt(sp, "spec.steps[%d].action is required", i)
			}
			for _, k := range []string{"id", "name", "action"} {
				if x, ok := m[k]; ok {
					v.checkType(with(sp, k), x, tAnyString)
				}
			}
			if x, ok := m["input"]; ok {
				v.checkType(with(sp, "input"), x, tObject)
			}
			if x, ok := m["if"]; ok {
				v.checkType(with(sp, "if"), x, tStrOrBool)
			}
		}
	}
	for _, k := range []string{"formDecorators", "EXPERIMENTAL_formDecorators"} {
		if list, ok := spec[k].([]any); ok {
			for i, it := range list {
				m, ok := it.(map[string]any)
				if !ok {
					v.errAt([]any{"spec", k, i}, "spec.%s[%d] must be a map, found %s", k, i, describe(it))
					continue
				}
				if x, ok := m["id"]; ok {
					v.checkType([]any{"spec", k, i, "id"}, x, tAnyString)
				}
				if x, ok := m["input"]; ok {
					v.checkType([]any{"spec", k, i, "input"}, x, tObject)
				}
			}
		}
	}
	out, ok := spec["output"].(map[string]any)
	if !ok {
		return
	}
	for _, k := range sortedKeys(out) {
		x := out[k]
		op := []any{"spec", "output", k}
		switch k {
		case "links", "text":
			list, ok := x.([]any)
			if !ok {
				v.errAt(op, "spec.output.%s must be a list, found %s", k, describe(x))
				continue
			}
			for i, it := range list {
				m, ok := it.(map[string]any)
				if !ok {
					v.errAt(with(op, i), "spec.output.%s[%d] must be a map, found %s", k, i, describe(it))
					continue
				}
				for _, f := range []string{"url", "entityRef", "title", "icon"} {
					if y, ok := m[f]; ok && (k == "links" || f == "title" || f == "icon") {
						v.checkType(with(op, i, f), y, tString)
					}
				}
				if y, ok := m["content"]; ok && k == "text" {
					v.checkType(with(op, i, "content"), y, tAnyString)
				}
				if y, ok := m["if"]; ok {
					v.checkType(with(op, i, "if"), y, tStrOrBool)
				}
			}
		default:
			v.checkType(op, x, tAnyString)
		}
	}
}

// labelsOK reports whether metadata.labels or .annotations (field) holds
// nothing to report.
func labelsOK(field string, m map[string]any) bool {
	for k, val := range m {
		s, isStr := val.(string)
		if !isStr || !isValidKey(k) || (field == "labels" && !isValidLabelValue(s)) {
			return false
		}
	}
	return true
}

// stringLabelsOK is labelsOK for the map of strings the converter makes
// of them.
func stringLabelsOK(field string, m map[string]string) bool {
	for k, s := range m {
		if !isValidKey(k) || (field == "labels" && !isValidLabelValue(s)) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// templateMarker reports whether s holds template syntax: ${{ }}, {{ }}
// (cookiecutter) or {% %}.
func templateMarker(s string) bool {
	return strings.Contains(s, "${{") || strings.Contains(s, "{%") ||
		strings.Contains(s, "{{") && strings.Contains(s, "}}")
}

// skeletonField finds the identity field (kind, metadata.name or
// metadata.namespace) of an unrendered template skeleton, with its text.
func skeletonField(root map[string]any) ([]any, string, bool) {
	if s, ok := root["kind"].(string); ok && templateMarker(s) {
		return []any{"kind"}, s, true
	}
	meta, _ := root["metadata"].(map[string]any)
	for _, k := range []string{"name", "namespace"} {
		if s, ok := meta[k].(string); ok && templateMarker(s) {
			return []any{"metadata", k}, s, true
		}
	}
	return nil, "", false
}
