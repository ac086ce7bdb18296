package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// signer checks Slack's v0 request signatures as slack.NewSecretsVerifier
// and SecretsVerifier.Ensure do (the same requests pass, the same errors
// come back), with the keyed HMAC reused: NewSecretsVerifier keys a new
// one per request (two SHA-256 states, the key pads, a formatted prefix).
type signer struct {
	secret string
	macs   sync.Pool // hash.Hash keyed with secret
}

func newSigner(secret string) *signer {
	s := &signer{secret: secret}
	s.macs.New = func() any { return hmac.New(sha256.New, []byte(secret)) }
	return s
}

// verify reports whether body is signed by the headers' signature made
// with the secret at a timestamp within 5 minutes of now. headers is
// the error of slack.NewSecretsVerifier (headers missing or malformed,
// timestamp stale), else the signature does not match (Ensure).
func (s *signer) verify(header http.Header, body []byte) (headers, mismatch error) {
	if s.secret == "" {
		return slack.ErrInvalidConfiguration, nil
	}
	signature, stimestamp := header.Get("X-Slack-Signature"), header.Get("X-Slack-Request-Timestamp")
	if signature == "" || stimestamp == "" {
		return slack.ErrMissingHeaders, nil
	}
	signature, ok := strings.CutPrefix(signature, "v0=")
	if !ok {
		return slack.ErrInvalidSignature, nil
	}
	var want [sha256.Size]byte
	if hex.DecodedLen(len(signature)) != sha256.Size {
		// hex.DecodeString's error for a bad or odd-length string first, as
		// NewSecretsVerifier reports it; then the wrong length.
		if _, err := hex.DecodeString(signature); err != nil {
			return err, nil
		}
		return slack.ErrInvalidSignature, nil
	}
	if _, err := hex.Decode(want[:], []byte(signature)); err != nil {
		return err, nil
	}
	timestamp, err := strconv.ParseInt(stimestamp, 10, 64)
	if err != nil {
		return err, nil
	}
	if time.Since(time.Unix(timestamp, 0)).Abs() > 5*time.Minute {
		return slack.ErrExpiredTimestamp, nil
	}
	mac := s.macs.Get().(hash.Hash)
	mac.Reset()
	var prefix [64]byte
	_, _ = mac.Write(append(append(append(prefix[:0], "v0:"...), stimestamp...), ':'))
	_, _ = mac.Write(body)
	var sum [sha256.Size]byte
	got := mac.Sum(sum[:0])
	s.macs.Put(mac)
	if !hmac.Equal(got, want[:]) {
		return nil, slack.ErrInvalidSignature
	}
	return nil, nil
}
