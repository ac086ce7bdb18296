// Package opsgenietest is a fake Opsgenie REST API v2 for tests: a real HTTP
// server speaking Opsgenie's wire format for schedules and Who-is-on-call
// (Authorization: GenieKey …, the data/took/requestId envelope, paging.next,
// 429 with Retry-After, error messages).
package opsgenietest

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

// Schedule is an Opsgenie schedule with who is on call on it.
type Schedule struct {
	ID, Name, Team string
	Disabled       bool
	OnCall, Next   []string // usernames (emails)
	// Until is when the current period ends, for the timeline.
	Start, Until time.Time
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Key string
	// PageSize is how many schedules one list page holds (default 100).
	PageSize int

	mu       sync.Mutex
	scheds   []Schedule
	limited  int
	retry    string
	requests []string
}

// New starts a fake Opsgenie accepting key; it is closed with t.
func New(t testing.TB, key string) *Server {
	s := &Server{Key: key, PageSize: 100}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// AddSchedule adds a schedule.
func (s *Server) AddSchedule(sc Schedule) {
	s.mu.Lock()
	s.scheds = append(s.scheds, sc)
	s.mu.Unlock()
}

// RateLimit answers the next n requests with 429 and this Retry-After.
func (s *Server) RateLimit(n int, retryAfter string) {
	s.mu.Lock()
	s.limited, s.retry = n, retryAfter
	s.mu.Unlock()
}

// Requests returns "path?query" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func write(w http.ResponseWriter, code int, v map[string]any) {
	v["took"] = 0.01
	v["requestId"] = "req-" + strconv.Itoa(code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.Path+"?"+r.URL.RawQuery)
	limited := s.limited > 0
	if limited {
		s.limited--
	}
	retry := s.retry
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "GenieKey "+s.Key {
		write(w, http.StatusUnauthorized, map[string]any{"message": "Could not authenticate"})
		return
	}
	if limited {
		w.Header().Set("X-RateLimit-State", "THROTTLED")
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		write(w, http.StatusTooManyRequests, map[string]any{"message": "You are making too many requests! To avoid errors, we recommend you limit requests."})
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v2/schedules")
	switch {
	case r.Method != http.MethodGet:
		write(w, http.StatusMethodNotAllowed, map[string]any{"message": "method not allowed"})
	case path == "":
		s.list(w, r)
	default:
		parts := strings.Split(strings.Trim(path, "/"), "/")
		if len(parts) != 2 {
			write(w, http.StatusNotFound, map[string]any{"message": "Not found"})
			return
		}
		sc, ok := s.find(parts[0], r.URL.Query().Get("scheduleIdentifierType"))
		if !ok {
			write(w, http.StatusNotFound, map[string]any{"message": "Schedule with identifier [" + parts[0] + "] does not exist"})
			return
		}
		parent := map[string]any{"id": sc.ID, "name": sc.Name, "enabled": !sc.Disabled}
		flat := r.URL.Query().Get("flat") == "true"
		switch parts[1] {
		case "on-calls":
			d := map[string]any{"_parent": parent}
			if flat {
				d["onCallRecipients"] = sc.OnCall
			} else {
				d["onCallParticipants"] = participants(sc.OnCall)
			}
			write(w, http.StatusOK, map[string]any{"data": d})
		case "next-on-calls":
			d := map[string]any{"_parent": parent}
			if flat {
				d["nextOnCallRecipients"] = sc.Next
				d["exactNextOnCallRecipients"] = sc.Next
			} else {
				d["nextOnCallParticipants"] = participants(sc.Next)
			}
			write(w, http.StatusOK, map[string]any{"data": d})
		case "timeline":
			var periods []any
			for _, u := range sc.OnCall {
				periods = append(periods, map[string]any{"startDate": sc.Start.UTC().Format(time.RFC3339), "endDate": sc.Until.UTC().Format(time.RFC3339),
					"type": "default", "recipient": map[string]any{"id": "u-" + u, "type": "user", "name": u}})
			}
			write(w, http.StatusOK, map[string]any{"data": map[string]any{"_parent": parent,
				"finalTimeline": map[string]any{"rotations": []any{map[string]any{"id": "r1", "name": "Rota", "order": 1, "periods": periods}}}}})
		default:
			write(w, http.StatusNotFound, map[string]any{"message": "Not found"})
		}
	}
}

func participants(us []string) []any {
	out := []any{}
	for _, u := range us {
		out = append(out, map[string]any{"id": "u-" + u, "name": u, "type": "user"})
	}
	return out
}

func (s *Server) find(ident, typ string) (Schedule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range s.scheds {
		if (typ == "name" && sc.Name == ident) || (typ != "name" && sc.ID == ident) {
			return sc, true
		}
	}
	return Schedule{}, false
}

// list serves GET /v2/schedules, paginated by offset/limit with paging.next.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	end := min(offset+s.PageSize, len(s.scheds))
	data := []any{}
	for _, sc := range s.scheds[min(offset, len(s.scheds)):end] {
		m := map[string]any{"id": sc.ID, "name": sc.Name, "enabled": !sc.Disabled, "timezone": "Europe/Berlin"}
		if sc.Team != "" {
			m["ownerTeam"] = map[string]any{"id": "t-" + sc.Team, "name": sc.Team}
		}
		data = append(data, m)
	}
	body := map[string]any{"data": data, "expandable": []string{"rotation"}}
	if end < len(s.scheds) {
		body["paging"] = map[string]any{"next": fmt.Sprintf("%s/v2/schedules?expand=rotation&offset=%d&limit=%d", s.URL, end, s.PageSize)}
	}
	write(w, http.StatusOK, body)
}
