package slacktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
)

// Call is one recorded request.
type Call struct {
	// Method is the Web API method ("chat.postMessage") or "response_url".
	Method string
	// Params are the form values (token removed); JSON bodies are flattened
	// into Params for their top-level string fields.
	Params url.Values
	// Body is the raw request body.
	Body []byte
	// Blocks is the message's (or view's) blocks as sent.
	Blocks json.RawMessage
	// Status is the HTTP status answered; Error the Slack error code, if any.
	Status int
	Error  string
	Time   time.Time
}

// User is a workspace member known to users.info.
type User struct {
	ID, Name, Email string
}

type fault struct {
	status     int
	retryAfter time.Duration
	errCode    string
}

type responseURL struct {
	created time.Time
	uses    int
}

// Server is the fake. Create it with New; Close it when done.
type Server struct {
	srv *httptest.Server

	// Now is the fake's clock (response_url lifetime); time.Now by default.
	Now func() time.Time
	// Token is the bot token accepted ("xoxb-test" by default).
	Token string
	// AppToken is the app-level token accepted by apps.connections.open
	// ("xapp-test" by default).
	AppToken string

	mu     sync.Mutex
	cond   *sync.Cond
	calls  []Call
	users  map[string]User
	faults map[string][]fault
	urls   map[string]*responseURL
	seq    int
	sock   socket
	posted []*Message
}

// Message is a message as the channel shows it now: posted with
// chat.postMessage, changed by chat.update.
type Message struct {
	Channel string
	TS      string
	// ThreadTS is the parent's ts for a reply in a thread.
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
	// Updates counts the chat.update calls that changed it.
	Updates int
}

// Messages returns the messages in channel (all channels when ""), in the
// order they were posted, as they are now. Replies in threads are included,
// with ThreadTS set.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.posted {
		if channel == "" || m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out
}

func (s *Server) findMessage(channel, ts string) *Message {
	for _, m := range s.posted {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

// New starts a fake on a loopback port.
func New() *Server {
	s := &Server{
		Now:      time.Now,
		Token:    "xoxb-test",
		AppToken: "xapp-test",
		users:    map[string]User{},
		faults:   map[string][]fault{},
		urls:     map[string]*responseURL{},
	}
	s.cond = sync.NewCond(&s.mu)
	s.sock.cond = sync.NewCond(&s.sock.mu)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", s.api)
	mux.HandleFunc("POST /response/{id}", s.response)
	mux.HandleFunc("GET /socket", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// APIURL is what to pass to slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Close stops the server.
func (s *Server) Close() {
	s.closeSockets()
	s.srv.Close()
}

// AddUser makes a user known to users.info.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// RateLimit makes the next n calls of method ("response_url" for the
// response_url endpoint) answer 429 with Retry-After.
func (s *Server) RateLimit(method string, retryAfter time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{status: http.StatusTooManyRequests, retryAfter: retryAfter})
	}
}

// Fail makes the next call of method answer {"ok":false,"error":code}.
func (s *Server) Fail(method, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{status: http.StatusOK, errCode: code})
}

// ResponseURL issues a new response_url, usable 5 times within 30 minutes.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("T000/%d/hook%d", s.seq, s.seq)
	id = strings.ReplaceAll(id, "/", "-")
	s.urls[id] = &responseURL{created: s.Now()}
	return s.srv.URL + "/response/" + id
}

// Calls returns the recorded calls of method, or all calls when method is "".
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filter(method)
}

func (s *Server) filter(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Wait waits until at least n calls of method were recorded, or timeout
// passes, and returns those recorded.
func (s *Server) Wait(method string, n int, timeout time.Duration) []Call {
	deadline := time.Now().Add(timeout)
	t := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer t.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.filter(method)) < n && time.Now().Before(deadline) {
		s.cond.Wait()
	}
	return s.filter(method)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Time = s.Now()
	s.calls = append(s.calls, c)
	s.cond.Broadcast()
}

func (s *Server) takeFault(method string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

func writeFault(w http.ResponseWriter, f fault) {
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.retryAfter.Round(time.Second)/time.Second)))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	reply(w, map[string]any{"ok": false, "error": f.errCode})
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, _ := io.ReadAll(r.Body)
	c := Call{Method: method, Body: body, Params: url.Values{}, Status: http.StatusOK}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]json.RawMessage
		if len(bytes.TrimSpace(body)) == 0 {
			// apps.connections.open posts no body.
		} else if err := json.Unmarshal(body, &m); err != nil {
			c.Error = "invalid_json"
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				c.Params.Set(k, str)
			}
		}
		if v, ok := m["view"]; ok {
			var view struct {
				Blocks json.RawMessage `json:"blocks"`
			}
			_ = json.Unmarshal(v, &view)
			c.Blocks = view.Blocks
		}
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			c.Error = "invalid_form_data"
		}
		c.Params = form
		if t := form.Get("token"); t != "" {
			token = t
		}
		if b := form.Get("blocks"); b != "" {
			c.Blocks = json.RawMessage(b)
		}
	}
	c.Params.Del("token")
	fail := func(code string) {
		c.Error = code
		s.record(c)
		reply(w, map[string]any{"ok": false, "error": code})
	}
	if c.Error != "" {
		fail(c.Error)
		return
	}
	if token == "" {
		fail("not_authed")
		return
	}
	if method == "apps.connections.open" {
		if token != s.AppToken {
			fail("invalid_auth")
			return
		}
		s.record(c)
		reply(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket"})
		return
	}
	if token != s.Token {
		fail("invalid_auth")
		return
	}
	if f, ok := s.takeFault(method); ok {
		if f.status == http.StatusTooManyRequests {
			c.Status = f.status
		}
		c.Error = f.errCode
		s.record(c)
		writeFault(w, f)
		return
	}
	now := s.Now()
	s.mu.Lock()
	s.seq++
	// Slack's ts is unique per channel; the sequence keeps two posts in one
	// microsecond apart.
	ts := fmt.Sprintf("%d.%06d", now.Unix(), (now.Nanosecond()/1000+s.seq)%1000000)
	s.mu.Unlock()
	switch method {
	case "auth.test":
		s.record(c)
		reply(w, map[string]any{"ok": true, "url": s.srv.URL + "/", "team": "Acme", "user": "callboard",
			"team_id": "T000", "user_id": "UBOT", "bot_id": "BBOT"})
	case "chat.postMessage", "chat.update", "chat.postEphemeral":
		if c.Params.Get("channel") == "" {
			fail("channel_not_found")
			return
		}
		if method == "chat.update" && c.Params.Get("ts") == "" {
			fail("message_not_found")
			return
		}
		if method == "chat.postEphemeral" && c.Params.Get("user") == "" {
			fail("user_not_in_channel")
			return
		}
		if c.Params.Get("text") == "" && len(c.Blocks) == 0 {
			fail("no_text")
			return
		}
		if err := CheckBlocks(c.Blocks, 50); err != nil {
			fail(err.code)
			return
		}
		ch := c.Params.Get("channel")
		s.mu.Lock()
		switch method {
		case "chat.postMessage":
			thread := c.Params.Get("thread_ts")
			s.posted = append(s.posted, &Message{Channel: ch, TS: ts, ThreadTS: thread, Text: c.Params.Get("text"), Blocks: c.Blocks})
		case "chat.update":
			m := s.findMessage(ch, c.Params.Get("ts"))
			if m == nil {
				s.mu.Unlock()
				fail("message_not_found")
				return
			}
			m.Text, m.Blocks = c.Params.Get("text"), c.Blocks
			m.Updates++
		}
		s.mu.Unlock()
		s.record(c)
		switch method {
		case "chat.postMessage":
			reply(w, map[string]any{"ok": true, "channel": c.Params.Get("channel"), "ts": ts})
		case "chat.update":
			reply(w, map[string]any{"ok": true, "channel": c.Params.Get("channel"), "ts": c.Params.Get("ts")})
		default:
			reply(w, map[string]any{"ok": true, "message_ts": ts})
		}
	case "views.open":
		if c.Params.Get("trigger_id") == "" {
			fail("invalid_trigger_id")
			return
		}
		if err := CheckBlocks(c.Blocks, 100); err != nil {
			fail(err.code)
			return
		}
		s.record(c)
		reply(w, map[string]any{"ok": true, "view": map[string]any{"id": "V" + strconv.FormatInt(now.UnixNano(), 36)}})
	case "views.publish":
		// Slack answers invalid_arguments for a missing user or a view
		// that is not a Home tab, and keeps the last view published per user.
		var body struct {
			View *struct {
				Type   string          `json:"type"`
				Blocks json.RawMessage `json:"blocks"`
			} `json:"view"`
		}
		_ = json.Unmarshal(c.Body, &body)
		if c.Params.Get("user_id") == "" || body.View == nil || body.View.Type != "home" {
			fail("invalid_arguments")
			return
		}
		if err := CheckBlocks(c.Blocks, 100); err != nil {
			fail(err.code)
			return
		}
		s.mu.Lock()
		_, known := s.users[c.Params.Get("user_id")]
		anyUser := len(s.users) == 0 // a fake told of no users knows everyone
		s.mu.Unlock()
		if !known && !anyUser {
			fail("user_not_found")
			return
		}
		s.record(c)
		reply(w, map[string]any{"ok": true, "view": map[string]any{"id": "V" + strconv.FormatInt(now.UnixNano(), 36), "type": "home",
			"blocks": body.View.Blocks}})
	case "users.info":
		s.mu.Lock()
		u, ok := s.users[c.Params.Get("user")]
		s.mu.Unlock()
		if !ok {
			fail("user_not_found")
			return
		}
		s.record(c)
		reply(w, map[string]any{"ok": true, "user": map[string]any{
			"id": u.ID, "name": u.Name, "profile": map[string]any{"email": u.Email, "real_name": u.Name}}})
	default:
		fail("unknown_method")
	}
}

// response is the response_url endpoint.
func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, _ := io.ReadAll(r.Body)
	c := Call{Method: "response_url", Body: body, Params: url.Values{"id": {id}}, Status: http.StatusOK}
	var msg struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	refuse := func(status int, code string) {
		c.Status, c.Error = status, code
		s.record(c)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, code)
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		refuse(http.StatusBadRequest, "invalid_payload")
		return
	}
	c.Blocks = msg.Blocks
	if f, ok := s.takeFault("response_url"); ok {
		c.Status = f.status
		c.Error = f.errCode
		s.record(c)
		writeFault(w, f)
		return
	}
	s.mu.Lock()
	u, ok := s.urls[id]
	var expired, used bool
	if ok {
		expired = s.Now().Sub(u.created) > 30*time.Minute
		used = u.uses >= 5
		if !expired && !used {
			u.uses++
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		refuse(http.StatusNotFound, "no_such_url")
		return
	case expired:
		refuse(http.StatusNotFound, "expired_url")
		return
	case used:
		refuse(http.StatusNotFound, "used_url")
		return
	}
	if msg.Text == "" && len(msg.Blocks) == 0 {
		refuse(http.StatusBadRequest, "no_text")
		return
	}
	if err := CheckBlocks(msg.Blocks, 50); err != nil {
		refuse(http.StatusBadRequest, err.code)
		return
	}
	s.record(c)
	_, _ = io.WriteString(w, "ok")
}

// Sign returns the X-Slack-Request-Timestamp and X-Slack-Signature headers
// Slack would send with body.
func Sign(secret string, ts time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+timestamp+":")
	_, _ = mac.Write(body)
	return timestamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}
