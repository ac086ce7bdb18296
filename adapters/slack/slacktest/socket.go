package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Ack is an acknowledgement received over Socket Mode.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
}

// socket is the Socket Mode side of the fake: apps.connections.open hands
// out a ws:// URL; envelopes are pushed with Send and acks recorded.
type socket struct {
	mu    sync.Mutex
	cond  *sync.Cond
	conns []*websocket.Conn
	acks  []Ack
	seq   int
	dials int // connections ever opened
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	sk := &s.sock
	// Writes to a connection happen under sk.mu only (Send writes too).
	sk.mu.Lock()
	hello := fmt.Sprintf(`{"type":"hello","num_connections":%d,"debug_info":{"host":"slacktest","approximate_connection_time":3600},"connection_info":{"app_id":"A123456"}}`, len(sk.conns)+1)
	if err := c.WriteMessage(websocket.TextMessage, []byte(hello)); err != nil {
		sk.mu.Unlock()
		return
	}
	sk.conns = append(sk.conns, c)
	sk.dials++
	sk.cond.Broadcast()
	sk.mu.Unlock()
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			sk.mu.Lock()
			for i, cc := range sk.conns {
				if cc == c {
					sk.conns = append(sk.conns[:i], sk.conns[i+1:]...)
					break
				}
			}
			sk.mu.Unlock()
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(msg, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		sk.mu.Lock()
		sk.acks = append(sk.acks, Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload})
		sk.cond.Broadcast()
		sk.mu.Unlock()
	}
}

// WaitConnected waits until a Socket Mode client is connected.
func (s *Server) WaitConnected(timeout time.Duration) bool {
	return s.waitSock(timeout, func() bool { return len(s.sock.conns) > 0 })
}

// waitSock waits until ok (called with the socket state locked) holds, or
// timeout passes; it reports ok.
func (s *Server) waitSock(timeout time.Duration, ok func() bool) bool {
	sk := &s.sock
	t := time.AfterFunc(timeout, func() { sk.mu.Lock(); sk.cond.Broadcast(); sk.mu.Unlock() })
	defer t.Stop()
	deadline := time.Now().Add(timeout)
	sk.mu.Lock()
	defer sk.mu.Unlock()
	for !ok() && time.Now().Before(deadline) {
		sk.cond.Wait()
	}
	return ok()
}

// Send pushes an envelope of type typ ("events_api", "slash_commands",
// "interactive") with payload to the connected client and returns its
// envelope_id. retry is the retry_attempt (0 for the first delivery).
func (s *Server) Send(typ string, payload any, retry int) (string, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	sk := &s.sock
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if len(sk.conns) == 0 {
		return "", fmt.Errorf("no Socket Mode client connected")
	}
	sk.seq++
	id := fmt.Sprintf("env-%d-%s", sk.seq, strings.ReplaceAll(typ, "_", ""))
	env := map[string]any{
		"envelope_id": id, "type": typ, "payload": json.RawMessage(raw),
		"accepts_response_payload": typ != "events_api", "retry_attempt": retry, "retry_reason": "",
	}
	if retry > 0 {
		env["retry_reason"] = "timeout"
	}
	b, _ := json.Marshal(env)
	return id, sk.conns[len(sk.conns)-1].WriteMessage(websocket.TextMessage, b)
}

// SendRaw pushes msg as it is, for envelopes Send cannot build (a type
// the client does not know, a malformed payload).
func (s *Server) SendRaw(msg []byte) error {
	sk := &s.sock
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if len(sk.conns) == 0 {
		return fmt.Errorf("no Socket Mode client connected")
	}
	return sk.conns[len(sk.conns)-1].WriteMessage(websocket.TextMessage, msg)
}

// Disconnect asks the connected client to reconnect, as Slack does before
// it retires a connection: reason is "refresh_requested", "warning" (about
// ten seconds before) or "link_disabled" (Socket Mode was turned off).
func (s *Server) Disconnect(reason string) error {
	msg := fmt.Sprintf(`{"type":"disconnect","reason":%q,"debug_info":{"host":"slacktest"}}`, reason)
	return s.SendRaw([]byte(msg))
}

// WaitDials waits until n Socket Mode connections have been opened in all.
func (s *Server) WaitDials(n int, timeout time.Duration) bool {
	return s.waitSock(timeout, func() bool { return s.sock.dials >= n && len(s.sock.conns) > 0 })
}

// WaitAck waits for the acknowledgement of envelope id.
func (s *Server) WaitAck(id string, timeout time.Duration) (Ack, bool) {
	sk := &s.sock
	t := time.AfterFunc(timeout, func() { sk.mu.Lock(); sk.cond.Broadcast(); sk.mu.Unlock() })
	defer t.Stop()
	deadline := time.Now().Add(timeout)
	sk.mu.Lock()
	defer sk.mu.Unlock()
	for {
		for _, a := range sk.acks {
			if a.EnvelopeID == id {
				return a, true
			}
		}
		if !time.Now().Before(deadline) {
			return Ack{}, false
		}
		sk.cond.Wait()
	}
}

func (s *Server) closeSockets() {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	for _, c := range s.sock.conns {
		_ = c.Close()
	}
}
