package catalog

import (
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Well-known kinds, lower case as they are compared.
const (
	KindComponent = "component"
	KindAPI       = "api"
	KindResource  = "resource"
	KindSystem    = "system"
	KindDomain    = "domain"
	KindGroup     = "group"
	KindUser      = "user"
	KindLocation  = "location"
	KindTemplate  = "template"
)

// DefaultNamespace is the namespace of an entity that names none.
const DefaultNamespace = "default"

// Relation types, in pairs (each has its inverse).
const (
	RelOwnedBy       = "ownedBy"
	RelOwnerOf       = "ownerOf"
	RelPartOf        = "partOf"
	RelHasPart       = "hasPart"
	RelDependsOn     = "dependsOn"
	RelDependencyOf  = "dependencyOf"
	RelProvidesAPI   = "providesApi"
	RelAPIProvidedBy = "apiProvidedBy"
	RelConsumesAPI   = "consumesApi"
	RelAPIConsumedBy = "apiConsumedBy"
	RelMemberOf      = "memberOf"
	RelHasMember     = "hasMember"
	RelParentOf      = "parentOf"
	RelChildOf       = "childOf"
)

// Well-known annotations.
const (
	AnnotationTechDocsRef     = "backstage.io/techdocs-ref"
	AnnotationSourceLocation  = "backstage.io/source-location"
	AnnotationManagedBy       = "backstage.io/managed-by-location"
	AnnotationManagedByOrigin = "backstage.io/managed-by-origin-location"
	AnnotationViewURL         = "backstage.io/view-url"
	AnnotationEditURL         = "backstage.io/edit-url"
	AnnotationProjectSlug     = "github.com/project-slug"
	AnnotationPagerDutyID     = "pagerduty.com/service-id"
	AnnotationPagerDutyKey    = "pagerduty.com/integration-key"
	AnnotationOpsgenieComp    = "opsgenie.com/component-selector"
	AnnotationOpsgenieTeam    = "opsgenie.com/team"
	AnnotationSlackUserID     = "slack.com/user-id"
	AnnotationDiscordUserID   = "discord.com/user-id"
	AnnotationSlackChannel    = "slack.com/channel"
	AnnotationDiscordChannel  = "discord.com/channel"
)

// Ref is an entity reference, kind:namespace/name. Kind and Namespace are
// stored lower case; Name keeps the case it was written with but compares
// case-insensitively (use Key for map keys).
type Ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String renders the full reference, e.g. "component:default/payments-api".
func (r Ref) String() string {
	return r.Kind + ":" + r.Namespace + "/" + r.Name
}

// Key is the case-folded form of the reference, used to compare and index.
func (r Ref) Key() string {
	b := make([]byte, 0, len(r.Kind)+len(r.Namespace)+len(r.Name)+2)
	var ok bool
	if b, ok = appendLower(b, r.Kind); !ok {
		return strings.ToLower(r.String())
	}
	b = append(b, ':')
	if b, ok = appendLower(b, r.Namespace); !ok {
		return strings.ToLower(r.String())
	}
	b = append(b, '/')
	if b, ok = appendLower(b, r.Name); !ok {
		return strings.ToLower(r.String())
	}
	return unsafeString(b)
}

// appendLower appends s lower-cased; false when s is not ASCII.
func appendLower(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return b, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b, true
}

// IsZero reports whether the reference is empty.
func (r Ref) IsZero() bool { return r.Kind == "" && r.Namespace == "" && r.Name == "" }

// Position is a place in a source file. Line and Col are 1-based; 0 means unknown.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

func (p Position) String() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return p.File
	}
}

// Severity of a Problem.
type Severity int

const (
	// Error makes the entity invalid (it is not part of the snapshot).
	Error Severity = iota
	// Warning is reported but the entity is kept (dangling reference, unknown kind, unresolved placeholder).
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Problem is one thing wrong with the input, with where it is.
type Problem struct {
	Pos      Position `json:"pos"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Entity is the entity the problem belongs to, when known.
	Entity Ref `json:"entity,omitempty"`
}

// String renders "file:line:col: message" (warnings say so).
func (p Problem) String() string {
	if p.Severity == Warning {
		return p.Pos.String() + ": warning: " + p.Message
	}
	return p.Pos.String() + ": " + p.Message
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Metadata is an entity's metadata block.
type Metadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Links       []Link            `json:"links,omitempty"`
}

// Relation is a typed edge from an entity to another.
type Relation struct {
	Type   string `json:"type"`
	Target Ref    `json:"target"`
}

// Origin says where an entity was read from.
type Origin struct {
	// Pos is the position of the document in its file, File being the path as
	// shown to people (relative to what they named on the command line, or
	// "github.com/org/repo/path" for discovered files).
	Pos Position `json:"pos"`
	// Doc is the 0-based index of the YAML document in the file.
	Doc int `json:"doc"`
	// FS and Path locate the file for reading what sits beside it (TechDocs
	// sites, $text placeholders, skeletons). FS is not serialised.
	FS   fs.FS  `json:"-"`
	Path string `json:"path"`
	// Source names the source the entity came from (e.g. "files", "github:acme").
	Source string `json:"source,omitempty"`
}

// Entity is one catalog entity. Once part of a Snapshot it must not be modified.
type Entity struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"` // as written, e.g. "Component"
	Metadata   Metadata       `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`
	Relations  []Relation     `json:"relations,omitempty"`
	// SourceRelations are relations the source states itself, beside those
	// spec fields make: a Backstage instance's own (its processors and
	// providers, LDAP or GitHub org ingestion say, add some no spec field
	// holds). Build merges them into Relations, each once, with the
	// inverses of the types it knows; it never changes them.
	SourceRelations []Relation `json:"sourceRelations,omitempty"`
	Origin          Origin     `json:"origin"`
	// Known is false for kinds callboard does not model: such entities are
	// kept, searchable and shown raw.
	Known bool `json:"known"`
	// ParamOrder is, for a Template, the names of each spec.parameters
	// page's properties in the order the template writes them (Spec, a
	// decoded map, has no order; a form follows the template's).
	ParamOrder [][]string `json:"paramOrder,omitempty"`

	// refPos holds where each value of a reference field (spec.owner,
	// spec.dependsOn, …) was written, for messages about it.
	refPos []fieldPositions
}

// Ref returns the entity's own reference.
func (e *Entity) Ref() Ref {
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return Ref{Kind: lowerKind(e.Kind), Namespace: strings.ToLower(ns), Name: e.Metadata.Name}
}

// lowerKind lower-cases a kind, without allocating for the kinds Backstage
// defines spelled as they usually are (Ref is called for every lookup).
func lowerKind(k string) string {
	switch k {
	case "Component":
		return KindComponent
	case "API":
		return KindAPI
	case "Resource":
		return KindResource
	case "System":
		return KindSystem
	case "Domain":
		return KindDomain
	case "Group":
		return KindGroup
	case "User":
		return KindUser
	case "Location":
		return KindLocation
	case "Template":
		return KindTemplate
	}
	return strings.ToLower(k)
}

// DisplayName is how people call the entity: a Group's or User's
// spec.profile.displayName, else the title, else the name.
func (e *Entity) DisplayName() string {
	if p := e.SpecMap("profile"); p != nil {
		if d, ok := p["displayName"].(string); ok && d != "" {
			return d
		}
	}
	if e.Metadata.Title != "" {
		return e.Metadata.Title
	}
	return e.Metadata.Name
}

// SpecString returns spec[key] when it is a string.
func (e *Entity) SpecString(key string) string {
	if v, ok := e.Spec[key].(string); ok {
		return v
	}
	return ""
}

// SpecStrings returns spec[key] as a list of strings (a lone string counts as a list of one).
func (e *Entity) SpecStrings(key string) []string {
	switch v := e.Spec[key].(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// SpecMap returns spec[key] when it is a map.
func (e *Entity) SpecMap(key string) map[string]any {
	if v, ok := e.Spec[key].(map[string]any); ok {
		return v
	}
	return nil
}

// Annotation returns metadata.annotations[key].
func (e *Entity) Annotation(key string) string { return e.Metadata.Annotations[key] }

// RelationTargets returns the targets of the entity's relations of one type.
func (e *Entity) RelationTargets(typ string) []Ref {
	var out []Ref
	for _, r := range e.Relations {
		if r.Type == typ {
			out = append(out, r.Target)
		}
	}
	return out
}

// unsafeString returns b as a string without copying; b must not change afterwards.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
