package catalog

import (
	"fmt"
	"strings"
)

// ParseRef parses "[kind:][namespace/]name". A missing kind takes defaultKind
// (which may be "" when the field has no default: the returned Ref then has an
// empty Kind and the caller reports it); a missing namespace takes
// defaultNamespace ("default" when that is empty). Empty parts are errors.
func ParseRef(s, defaultKind, defaultNamespace string) (Ref, error) {
	if defaultNamespace == "" {
		defaultNamespace = DefaultNamespace
	}
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Ref{}, fmt.Errorf("entity reference %q is empty", orig)
	}
	kind, rest := defaultKind, s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		kind, rest = s[:i], s[i+1:]
		if kind == "" {
			return Ref{}, fmt.Errorf("entity reference %q had missing or empty kind (e.g. did not start with \"component:\" or similar)", orig)
		}
	}
	ns, name := defaultNamespace, rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		ns, name = rest[:i], rest[i+1:]
		if ns == "" {
			return Ref{}, fmt.Errorf("entity reference %q had missing or empty namespace", orig)
		}
	}
	if name == "" {
		return Ref{}, fmt.Errorf("entity reference %q had missing or empty name", orig)
	}
	if strings.ContainsAny(name, ":/") {
		return Ref{}, fmt.Errorf("entity reference %q has too many ':' or '/' separators", orig)
	}
	return Ref{Kind: strings.ToLower(kind), Namespace: strings.ToLower(ns), Name: name}, nil
}

// MustParseRef is ParseRef for references known to be well formed (tests, constants).
func MustParseRef(s string) Ref {
	r, err := ParseRef(s, "", "")
	if err != nil {
		panic(err)
	}
	return r
}
