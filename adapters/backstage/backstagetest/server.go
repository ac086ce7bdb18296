package backstagetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Entity is one entity as Backstage's API serves it (apiVersion, kind,
// metadata, spec, relations).
type Entity = map[string]any

// Token is an accepted static token: its subject and, when Plugins is not
// empty, the plugins it is restricted to (accessRestrictions).
type Token struct {
	Subject string
	Plugins []string
}

// Server is the fake. Its zero value is not usable: call New or NewAt.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	entities []Entity
	tokens   map[string]Token
	legacy   bool
	refuse   int
	requests int
	paths    []string
}

// New starts a fake serving entities, accepting token (any subject, no
// access restriction). An empty token turns auth off, like
// backend.auth.dangerouslyDisableDefaultAuthPolicy.
func New(token string, entities ...Entity) *Server {
	s := newServer(token, entities)
	s.Server = httptest.NewServer(s)
	return s
}

// NewAt is New on addr (HOST:PORT), for a caller that reserved the address
// earlier and told its client about it before the fake started listening.
func NewAt(addr, token string, entities ...Entity) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := newServer(token, entities)
	s.Server = httptest.NewUnstartedServer(s)
	s.Server.Listener.Close()
	s.Server.Listener = l
	s.Server.Start()
	return s, nil
}

func newServer(token string, entities []Entity) *Server {
	s := &Server{entities: entities, tokens: map[string]Token{}}
	if token != "" {
		s.tokens[token] = Token{Subject: "callboard"}
	}
	return s
}

// AddToken accepts one more static token.
func (s *Server) AddToken(token string, t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = t
}

// SetEntities replaces what the catalog holds.
func (s *Server) SetEntities(es ...Entity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entities = es
}

// Legacy makes the fake an old backend without /entities/by-query (404).
func (s *Server) Legacy(on bool) { s.mu.Lock(); s.legacy = on; s.mu.Unlock() }

// Refuse answers every request with status (503, say) until Refuse(0).
func (s *Server) Refuse(status int) { s.mu.Lock(); s.refuse = status; s.mu.Unlock() }

// Requests is how many requests reached the fake.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

// Paths are the request URIs received, in order.
func (s *Server) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// cursor is what the fake's opaque cursors carry (Backstage's carry the
// query too: a request with a cursor takes its filter from it).
type cursor struct {
	Offset int    `json:"o"`
	Filter string `json:"f,omitempty"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.paths = append(s.paths, r.URL.RequestURI())
	refuse, legacy := s.refuse, s.legacy
	entities := s.entities
	tok, authed := Token{}, len(s.tokens) == 0
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok, authed = s.tokens[h]
		if len(s.tokens) == 0 {
			authed = true
		}
	}
	hasAuth := r.Header.Get("Authorization") != ""
	s.mu.Unlock()

	if refuse != 0 {
		fail(w, refuse, "ServiceUnavailableError", "the catalog is not available")
		return
	}
	if r.Method != http.MethodGet {
		fail(w, http.StatusNotFound, "NotFoundError", "Not found")
		return
	}
	if !authed {
		if hasAuth {
			fail(w, http.StatusUnauthorized, "AuthenticationError", "Illegal token")
		} else {
			fail(w, http.StatusUnauthorized, "AuthenticationError", "Missing credentials")
		}
		return
	}
	if len(tok.Plugins) > 0 && !contains(tok.Plugins, "catalog") {
		fail(w, http.StatusForbidden, "NotAllowedError", fmt.Sprintf("This token's access is restricted to plugin(s) '%s'", strings.Join(tok.Plugins, "', '")))
		return
	}
	q := r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail(w, http.StatusBadRequest, "InputError", "Invalid limit, not an integer")
			return
		}
		limit = n
	}
	switch r.URL.Path {
	case "/api/catalog/entities/by-query":
		if legacy {
			fail(w, http.StatusNotFound, "NotFoundError", "Not found")
			return
		}
		c := cursor{Filter: q.Get("filter")}
		if v := q.Get("cursor"); v != "" {
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || json.Unmarshal(b, &c) != nil || c.Offset < 0 {
				fail(w, http.StatusBadRequest, "InputError", "Malformed cursor")
				return
			}
		}
		matched := filter(entities, c.Filter)
		end := min(c.Offset+limit, len(matched))
		items := matched[min(c.Offset, end):end]
		page := map[string]any{}
		if end < len(matched) {
			next, _ := json.Marshal(cursor{Offset: end, Filter: c.Filter})
			page["nextCursor"] = base64.RawURLEncoding.EncodeToString(next)
		}
		if c.Offset > 0 {
			prev, _ := json.Marshal(cursor{Offset: max(0, c.Offset-limit), Filter: c.Filter})
			page["prevCursor"] = base64.RawURLEncoding.EncodeToString(prev)
		}
		reply(w, map[string]any{"items": nonNil(items), "totalItems": len(matched), "pageInfo": page})
	case "/api/catalog/entities":
		offset, _ := strconv.Atoi(q.Get("offset"))
		matched := filter(entities, q.Get("filter"))
		end := min(offset+limit, len(matched))
		reply(w, nonNil(matched[min(max(offset, 0), end):end]))
	default:
		fail(w, http.StatusNotFound, "NotFoundError", "Not found")
	}
}

// filter applies Backstage's simplest filter form, key=value pairs joined
// by commas (all must match), for kind and metadata.namespace.
func filter(es []Entity, f string) []Entity {
	if f == "" {
		return es
	}
	var out []Entity
	for _, e := range es {
		ok := true
		for _, cond := range strings.Split(f, ",") {
			k, v, _ := strings.Cut(cond, "=")
			var got string
			switch strings.ToLower(k) {
			case "kind":
				got, _ = e["kind"].(string)
			case "metadata.namespace":
				md, _ := e["metadata"].(map[string]any)
				got, _ = md["namespace"].(string)
			}
			if !strings.EqualFold(got, v) {
				ok = false
			}
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

func nonNil(es []Entity) []Entity {
	if es == nil {
		return []Entity{}
	}
	return es
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// fail writes Backstage's error body ({"error":{"name","message"},"response":{"statusCode"}}).
func fail(w http.ResponseWriter, code int, name, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"name": name, "message": msg}, "response": map[string]any{"statusCode": code}})
}

// Component is a Component entity in namespace default owned by owner,
// with the relations Backstage computes from that spec, for tests.
func Component(name, owner string) Entity {
	return Entity{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
		"metadata":  map[string]any{"name": name, "namespace": "default"},
		"spec":      map[string]any{"type": "service", "lifecycle": "production", "owner": owner},
		"relations": []any{map[string]any{"type": "ownedBy", "targetRef": "group:default/" + owner}},
	}
}

// Group is a Group entity in namespace default.
func Group(name string) Entity {
	return Entity{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
		"metadata": map[string]any{"name": name, "namespace": "default"},
		"spec":     map[string]any{"type": "team", "children": []any{}},
	}
}
