package loadgen

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FloorReply is the floor server's fixed answer: a Slack message of about
// 1.7 KB, the size of a typical `who owns` reply.
var FloorReply = func() []byte {
	var b strings.Builder
	b.WriteString(`{"response_type":"ephemeral","text":"payments-api is owned by team-payments","blocks":[`)
	b.WriteString(`{"type":"header","text":{"type":"plain_text","text":"Who owns payments-api","emoji":true}},`)
	for i := 0; b.Len() < 1600; i++ {
		b.WriteString(`{"type":"section","text":{"type":"mrkdwn","text":"*Owner* <https://example.com/catalog/default/group/team-payments|team-payments> · on call: someone ` + strconv.Itoa(i) + `"}},`)
	}
	b.WriteString(`{"type":"context","elements":[{"type":"mrkdwn","text":"callboard · catalog"}]}]}`)
	return []byte(b.String())
}()

var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Floor is the floor server: it reads the body (at most 1 MiB), checks the
// Slack v0 signature and timestamp (5 minutes of skew), and writes reply.
// Anything else callboard does per request is above this floor.
func Floor(secret string, reply []byte) http.Handler {
	key := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := bodies.Get().(*bytes.Buffer)
		buf.Reset()
		defer bodies.Put(buf)
		if _, err := buf.ReadFrom(io.LimitReader(r.Body, 1<<20)); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if !Verify(key, r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("X-Slack-Signature"), buf.Bytes(), time.Now()) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(reply)
	})
}

// Verify checks a Slack v0 signature of body made at ts (Unix seconds).
func Verify(key []byte, ts, sig string, body []byte, now time.Time) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute || !strings.HasPrefix(sig, "v0=") {
		return false
	}
	want, err := hex.DecodeString(sig[3:])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	_, _ = io.WriteString(mac, "v0:"+ts+":")
	_, _ = mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}

// Sign returns the X-Slack-Signature of body sent at ts.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+ts+":")
	_, _ = mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
