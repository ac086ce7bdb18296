package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// NewSession returns a discordgo session for the bot token (with or without
// its "Bot " prefix; empty for webhook-only use). A non-empty apiURL sends
// every REST call to that base instead of https://discord.com (tests, and
// proxies): discordgo builds its URLs from package variables, so the
// session's transport rewrites scheme and host rather than changing them
// for the whole process.
func NewSession(token, apiURL string) (*discordgo.Session, error) {
	if token != "" && !strings.HasPrefix(token, "Bot ") && !strings.HasPrefix(token, "Bearer ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	s.Client = &http.Client{Timeout: 20 * time.Second}
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("discord API URL %q: want scheme://host[:port]", apiURL)
		}
		s.Client.Transport = rebase{to: u, next: http.DefaultTransport}
	}
	return s, nil
}

// rebase sends requests for discord.com to another base URL.
type rebase struct {
	to   *url.URL
	next http.RoundTripper
}

func (rb rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "discord.com" {
		return rb.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme = rb.to.Scheme
	r.URL.Host = rb.to.Host
	if p := strings.TrimSuffix(rb.to.Path, "/"); p != "" {
		r.URL.Path = p + r.URL.Path
	}
	r.Host = ""
	return rb.next.RoundTrip(r)
}

// ParsePublicKey decodes the application's public key as the developer
// portal shows it (64 hex digits).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("discord public key: not hex: %w", err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("discord public key: %d bytes, want %d (64 hex digits)", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}
