// Package pagerdutytest is a fake PagerDuty REST API v2 for tests: a real
// HTTP server speaking PagerDuty's wire format (Authorization: Token
// token=…, offset pagination with limit/offset/more, include[]=users,
// 429 with Retry-After, error objects), so the real client is tested
// against it.
package pagerdutytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// User is a PagerDuty user.
type User struct{ ID, Name, Email string }

// OnCall is one entry of /oncalls.
type OnCall struct {
	Level      int
	User       User
	ScheduleID string // "" for a user on the policy with no schedule
	Schedule   string
	Start, End time.Time
}

// Service is a PagerDuty service with its escalation policy and on-calls.
type Service struct {
	ID, Name       string
	IntegrationKey string
	PolicyID       string
	OnCalls        []OnCall
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Token string

	mu       sync.Mutex
	services map[string]*Service
	order    []string
	// limited answers the next n requests with 429 and Retry-After.
	limited    int
	retryAfter string
	failing    int // answer with 500 while > 0
	requests   []string
	PageSize   int // largest page served (default 100)
	// IgnoreInclude serves user references in /oncalls even when asked to
	// include users, so the client must look them up at /users/{id}.
	IgnoreInclude bool
}

// New starts a fake PagerDuty that accepts token; it is closed with t.
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, services: map[string]*Service{}, PageSize: 100}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// AddService adds or replaces a service.
func (s *Server) AddService(svc Service) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.ID]; !ok {
		s.order = append(s.order, svc.ID)
	}
	cp := svc
	s.services[svc.ID] = &cp
}

// RateLimit answers the next n requests with 429 and this Retry-After value.
func (s *Server) RateLimit(n int, retryAfter string) {
	s.mu.Lock()
	s.limited, s.retryAfter = n, retryAfter
	s.mu.Unlock()
}

// Fail answers the next n requests with 500.
func (s *Server) Fail(n int) {
	s.mu.Lock()
	s.failing = n
	s.mu.Unlock()
}

// Requests returns "METHOD path?query" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code, pdCode int, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"message": msg, "code": pdCode, "errors": []string{msg}}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	limited, failing := s.limited > 0, s.failing > 0
	if limited {
		s.limited--
	}
	if failing {
		s.failing--
	}
	retry := s.retryAfter
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Token token="+s.Token {
		apiError(w, http.StatusUnauthorized, 2006, "Unauthorized")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/vnd.pagerduty+json;version=2") {
		apiError(w, http.StatusBadRequest, 2001, "Accept must ask for version 2")
		return
	}
	if limited {
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		apiError(w, http.StatusTooManyRequests, 2020, "Rate Limit Exceeded")
		return
	}
	if failing {
		apiError(w, http.StatusInternalServerError, 2001, "Internal Server Error")
		return
	}
	if r.Method != http.MethodGet {
		apiError(w, http.StatusMethodNotAllowed, 2001, "method not allowed")
		return
	}
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/oncalls":
		s.oncalls(w, q)
	case r.URL.Path == "/services":
		s.listServices(w, q)
	case strings.HasPrefix(r.URL.Path, "/users/"):
		s.getUser(w, strings.TrimPrefix(r.URL.Path, "/users/"))
	case strings.HasPrefix(r.URL.Path, "/services/"):
		s.getService(w, strings.TrimPrefix(r.URL.Path, "/services/"), q)
	default:
		apiError(w, http.StatusNotFound, 2100, "Not Found")
	}
}

func includes(q map[string][]string, what string) bool {
	for _, v := range q["include[]"] {
		if v == what {
			return true
		}
	}
	return false
}

// page reads limit and offset as PagerDuty does (limit default 25, max 100).
func (s *Server) page(q map[string][]string) (int, int) {
	limit, offset := 25, 0
	if v := first(q, "limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := first(q, "offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	limit = min(max(limit, 1), 100, s.PageSize)
	return limit, max(offset, 0)
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func policyJSON(svc *Service, full bool) map[string]any {
	if full {
		return map[string]any{"id": svc.PolicyID, "type": "escalation_policy", "name": svc.Name + " policy", "summary": svc.Name + " policy"}
	}
	return map[string]any{"id": svc.PolicyID, "type": "escalation_policy_reference", "summary": svc.Name + " policy"}
}

func (s *Server) serviceJSON(svc *Service, q map[string][]string) map[string]any {
	m := map[string]any{"id": svc.ID, "type": "service", "name": svc.Name, "summary": svc.Name,
		"html_url": s.URL + "/service-directory/" + svc.ID, "escalation_policy": policyJSON(svc, includes(q, "escalation_policies"))}
	if includes(q, "integrations") && svc.IntegrationKey != "" {
		m["integrations"] = []any{map[string]any{"id": "I" + svc.ID, "type": "generic_events_api_inbound_integration", "integration_key": svc.IntegrationKey}}
	}
	return m
}

func (s *Server) getService(w http.ResponseWriter, id string, q map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, ok := s.services[id]
	if !ok {
		apiError(w, http.StatusNotFound, 2100, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service": s.serviceJSON(svc, q)})
}

func (s *Server) listServices(w http.ResponseWriter, q map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit, offset := s.page(q)
	var all []map[string]any
	for _, id := range s.order {
		all = append(all, s.serviceJSON(s.services[id], q))
	}
	end := min(offset+limit, len(all))
	pageItems := []map[string]any{}
	if offset < len(all) {
		pageItems = all[offset:end]
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": pageItems, "limit": limit, "offset": offset, "more": end < len(all), "total": nil})
}

func (s *Server) oncalls(w http.ResponseWriter, q map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit, offset := s.page(q)
	policies := map[string]bool{}
	for _, p := range q["escalation_policy_ids[]"] {
		policies[p] = true
	}
	var all []map[string]any
	for _, id := range s.order {
		svc := s.services[id]
		if len(policies) > 0 && !policies[svc.PolicyID] {
			continue
		}
		for _, oc := range svc.OnCalls {
			user := map[string]any{"id": oc.User.ID, "type": "user_reference", "summary": oc.User.Name, "html_url": s.URL + "/users/" + oc.User.ID}
			if includes(q, "users") && !s.IgnoreInclude {
				user = map[string]any{"id": oc.User.ID, "type": "user", "summary": oc.User.Name, "name": oc.User.Name, "email": oc.User.Email, "html_url": s.URL + "/users/" + oc.User.ID}
			}
			e := map[string]any{"escalation_policy": policyJSON(svc, false), "escalation_level": oc.Level, "user": user, "schedule": nil, "start": nil, "end": nil}
			if oc.ScheduleID != "" {
				e["schedule"] = map[string]any{"id": oc.ScheduleID, "type": "schedule_reference", "summary": oc.Schedule}
				e["start"] = oc.Start.UTC().Format(time.RFC3339)
				e["end"] = oc.End.UTC().Format(time.RFC3339)
			}
			all = append(all, e)
		}
	}
	end := min(offset+limit, len(all))
	pageItems := []map[string]any{}
	if offset < len(all) {
		pageItems = all[offset:end]
	}
	writeJSON(w, http.StatusOK, map[string]any{"oncalls": pageItems, "limit": limit, "offset": offset, "more": end < len(all), "total": nil})
}

func (s *Server) getUser(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sid := range s.order {
		for _, oc := range s.services[sid].OnCalls {
			if oc.User.ID == id {
				writeJSON(w, http.StatusOK, map[string]any{"user": map[string]any{"id": id, "type": "user", "summary": oc.User.Name,
					"name": oc.User.Name, "email": oc.User.Email, "html_url": s.URL + "/users/" + id}})
				return
			}
		}
	}
	apiError(w, http.StatusNotFound, 2100, "Not Found")
}

// String describes the fake (for test failure messages).
func (s *Server) String() string { return fmt.Sprintf("fake PagerDuty at %s", s.URL) }
