package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Call is one request the fake received, with what it answered.
type Call struct {
	Method string
	Path   string // e.g. /api/v9/webhooks/APP/TOKEN/messages/@original
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int
}

// Server is the fake Discord REST API. Point a session at it with
// Session, or with a transport from Client.
type Server struct {
	*httptest.Server
	// Token, when set, is the only bot token accepted (as "Bot TOKEN") on
	// routes that need one; empty accepts any "Bot …" token.
	Token string

	mu       sync.Mutex
	calls    []Call
	faults   []*fault
	nextID   int64
	messages map[string]*discordgo.Message // by message id
	original map[string]string             // webhook "app/token" → message id of @original
	commands map[string][]*discordgo.ApplicationCommand
	channels map[string][]string // channel → message ids, in order
}

type fault struct {
	method, prefix string
	times          int
	status         int
	retryAfter     time.Duration
	global         bool
	body           string
}

// NewServer starts a fake. Close it when done.
func NewServer() *Server {
	s := &Server{messages: map[string]*discordgo.Message{}, original: map[string]string{},
		commands: map[string][]*discordgo.ApplicationCommand{}, channels: map[string][]string{}, nextID: 1000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Client returns an HTTP client that sends discord.com requests to the fake.
func (s *Server) Client() *http.Client {
	u, _ := url.Parse(s.URL)
	return &http.Client{Timeout: 10 * time.Second, Transport: rebase{to: u}}
}

// Session returns a discordgo session for token whose REST calls go to the fake.
func (s *Server) Session(token string) *discordgo.Session {
	if token != "" && !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	sess, _ := discordgo.New(token)
	sess.Client = s.Client()
	return sess
}

type rebase struct{ to *url.URL }

func (rb rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rb.to.Scheme, rb.to.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

// RateLimit makes the next times requests whose method matches (""
// matches any) and whose path starts with pathPrefix (after /api/v9) answer
// 429 with retry_after, as Discord does.
func (s *Server) RateLimit(method, pathPrefix string, times int, retryAfter time.Duration, global bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, times: times, status: http.StatusTooManyRequests, retryAfter: retryAfter, global: global})
}

// Fail makes the next times matching requests answer status with a
// Discord error body carrying message.
func (s *Server) Fail(method, pathPrefix string, times, status int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"message": message, "code": 0})
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, times: times, status: status, body: string(b)})
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the requests with method whose path (after /api/v9)
// starts with prefix.
func (s *Server) CallsTo(method, prefix string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method && strings.HasPrefix(strings.TrimPrefix(c.Path, apiPrefix), prefix) {
			out = append(out, c)
		}
	}
	return out
}

// Original is the current @original message of an interaction webhook, or nil.
func (s *Server) Original(appID, token string) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages[s.original[appID+"/"+token]]
}

// ChannelMessages are the messages posted to a channel, as last edited.
func (s *Server) ChannelMessages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.Message
	for _, id := range s.channels[channelID] {
		out = append(out, s.messages[id])
	}
	return out
}

// Commands are the commands last registered for an application, globally
// (guildID "") or in a guild.
func (s *Server) Commands(appID, guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[appID+"/"+guildID]
}

const apiPrefix = "/api/v9/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Status: rec.status})
		s.mu.Unlock()
	}()
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		apiError(rec, http.StatusNotFound, 0, "404: Not Found")
		return
	}
	bucket := bucketOf(path)
	if s.injected(rec, r.Method, path, bucket) {
		return
	}
	rateHeaders(rec.Header(), bucket, 4, 0.001)
	seg := strings.Split(path, "/")
	switch {
	case len(seg) == 4 && seg[0] == "interactions" && seg[3] == "callback" && r.Method == http.MethodPost:
		s.callback(rec, seg[1], seg[2], body)
	case len(seg) >= 3 && seg[0] == "webhooks":
		s.webhook(rec, r, seg[1], seg[2], seg[3:], body)
	case len(seg) >= 3 && seg[0] == "applications" && seg[len(seg)-1] == "commands":
		if !s.authorized(rec, r) {
			return
		}
		guild := ""
		if len(seg) == 5 && seg[2] == "guilds" {
			guild = seg[3]
		} else if len(seg) != 3 {
			apiError(rec, http.StatusNotFound, 0, "404: Not Found")
			return
		}
		s.bulkOverwrite(rec, r, seg[1], guild, body)
	case len(seg) >= 3 && seg[0] == "channels" && seg[2] == "messages":
		if !s.authorized(rec, r) {
			return
		}
		s.channelMessage(rec, r, seg[1], seg[3:], body)
	default:
		apiError(rec, http.StatusNotFound, 0, "404: Not Found")
	}
}

// injected answers with a queued fault, if one matches.
func (s *Server) injected(w http.ResponseWriter, method, path, bucket string) bool {
	s.mu.Lock()
	var f *fault
	for i, q := range s.faults {
		if (q.method == "" || q.method == method) && strings.HasPrefix(path, q.prefix) {
			f = q
			q.times--
			if q.times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.status != http.StatusTooManyRequests {
		rateHeaders(w.Header(), bucket, 4, 0.001)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
		return true
	}
	secs := f.retryAfter.Seconds()
	rateHeaders(w.Header(), bucket, 0, secs)
	w.Header().Set("Retry-After", strconv.Itoa(int(max(1, secs+0.999))))
	scope := "user"
	if f.global {
		w.Header().Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	w.Header().Set("X-RateLimit-Scope", scope)
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": f.global})
	return true
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	ok := strings.HasPrefix(auth, "Bot ") && len(auth) > len("Bot ")
	if s.Token != "" {
		ok = auth == "Bot "+s.Token
	}
	if !ok {
		apiError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
	}
	return ok
}

func (s *Server) callback(w http.ResponseWriter, id, token string, body []byte) {
	var resp struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data json.RawMessage                   `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		invalidForm(w, err)
		return
	}
	switch resp.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
		if err := CheckMessage(resp.Data); err != nil {
			invalidForm(w, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request, app, token string, rest []string, body []byte) {
	key := app + "/" + token
	switch {
	case len(rest) == 0 && r.Method == http.MethodPost: // follow-up message
		if err := CheckMessage(body); err != nil {
			invalidForm(w, err)
			return
		}
		m := s.store("", "", body)
		if r.URL.Query().Get("wait") == "true" {
			writeJSON(w, http.StatusOK, m)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case len(rest) == 2 && rest[0] == "messages":
		id := rest[1]
		s.mu.Lock()
		if id == "@original" {
			id = s.original[key]
			if id == "" {
				id = s.newID()
				s.original[key] = id
				s.messages[id] = &discordgo.Message{ID: id}
			}
		}
		m := s.messages[id]
		s.mu.Unlock()
		if m == nil {
			apiError(w, http.StatusNotFound, 10008, "Unknown Message")
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.snapshot(id))
		case http.MethodPatch:
			if err := CheckMessage(body); err != nil {
				invalidForm(w, err)
				return
			}
			writeJSON(w, http.StatusOK, s.store(id, "", body))
		case http.MethodDelete:
			s.mu.Lock()
			delete(s.messages, id)
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			apiError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}
	default:
		apiError(w, http.StatusNotFound, 10015, "Unknown Webhook")
	}
}

func (s *Server) channelMessage(w http.ResponseWriter, r *http.Request, channel string, rest []string, body []byte) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodPost:
		if err := CheckMessage(body); err != nil {
			invalidForm(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.store("", channel, body))
	case len(rest) == 1 && r.Method == http.MethodPatch:
		s.mu.Lock()
		_, ok := s.messages[rest[0]]
		s.mu.Unlock()
		if !ok {
			apiError(w, http.StatusNotFound, 10008, "Unknown Message")
			return
		}
		if err := CheckMessage(body); err != nil {
			invalidForm(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.store(rest[0], channel, body))
	default:
		apiError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

func (s *Server) bulkOverwrite(w http.ResponseWriter, r *http.Request, app, guild string, body []byte) {
	if r.Method != http.MethodPut {
		apiError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		return
	}
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(body, &cmds); err != nil {
		invalidForm(w, err)
		return
	}
	if len(cmds) > 100 {
		invalidForm(w, fmt.Errorf("%d commands, at most 100", len(cmds)))
		return
	}
	s.mu.Lock()
	for _, c := range cmds {
		c.ID = s.newID()
		c.ApplicationID = app
		c.GuildID = guild
		c.Version = "1"
	}
	s.commands[app+"/"+guild] = cmds
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

// store creates (id "") or replaces a message from a JSON body and returns it.
func (s *Server) store(id, channel string, body []byte) *discordgo.Message {
	var m discordgo.Message
	_ = json.Unmarshal(body, &m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = s.newID()
		if channel != "" {
			s.channels[channel] = append(s.channels[channel], id)
		}
	}
	old := s.messages[id]
	m.ID = id
	if channel == "" && old != nil {
		channel = old.ChannelID
	}
	m.ChannelID = channel
	if old != nil { // an edit keeps what it does not name
		var present map[string]json.RawMessage
		_ = json.Unmarshal(body, &present)
		if _, ok := present["content"]; !ok {
			m.Content = old.Content
		}
		if _, ok := present["embeds"]; !ok {
			m.Embeds = old.Embeds
		}
		if _, ok := present["components"]; !ok {
			m.Components = old.Components
		}
	}
	s.messages[id] = &m
	return &m
}

func (s *Server) snapshot(id string) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages[id]
}

// newID returns a fresh snowflake-like id; s.mu must be held.
func (s *Server) newID() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// bucketOf names a route's rate-limit bucket: its path with ids and tokens
// replaced, as Discord groups routes.
func bucketOf(path string) string {
	seg := strings.Split(path, "/")
	for i := range seg {
		if i > 0 && (seg[i-1] == "webhooks" || seg[i-1] == "interactions") {
			continue // the major parameter stays
		}
		if _, err := strconv.ParseInt(seg[i], 10, 64); err == nil {
			seg[i] = "{id}"
		}
	}
	return strings.Join(seg, "/")
}

func rateHeaders(h http.Header, bucket string, remaining int, resetAfter float64) {
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(resetAfter, 'f', 3, 64))
	reset := float64(time.Now().UnixMilli())/1000 + resetAfter
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(reset, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("%x", fnv(bucket)))
}

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"message": message, "code": code})
}

func invalidForm(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": err.Error()})
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
