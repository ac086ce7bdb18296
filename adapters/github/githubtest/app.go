package githubtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type appConfig struct {
	appID          int64
	installationID int64
	key            *rsa.PublicKey
	ttl            time.Duration
}

// EnableApp lets a GitHub App authenticate: a JWT signed with key's private
// half (RS256, iss = appID) exchanges at
// POST /app/installations/{installationID}/access_tokens for an installation
// token valid for ttl (GitHub's is one hour).
func (s *Server) EnableApp(appID, installationID int64, key *rsa.PublicKey, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app = &appConfig{appID: appID, installationID: installationID, key: key, ttl: ttl}
}

// TokensIssued is how many installation tokens have been issued.
func (s *Server) TokensIssued() int { s.mu.Lock(); defer s.mu.Unlock(); return s.issued }

func (s *Server) accessToken(rp *reply, req *http.Request, id string) {
	const doc = "/apps/apps#create-an-installation-access-token-for-an-app"
	if s.app == nil {
		rp.err(404, "Not Found", doc)
		return
	}
	jwt, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		rp.err(401, "A JSON web token could not be decoded", doc)
		return
	}
	if err := s.verifyJWT(jwt); err != nil {
		rp.err(401, err.Error(), doc)
		return
	}
	if id != strconv.FormatInt(s.app.installationID, 10) {
		rp.err(404, "Not Found", doc)
		return
	}
	s.issued++
	tok := fmt.Sprintf("ghs_fake%d", s.issued)
	exp := s.now().Add(s.app.ttl)
	s.tokens[tok] = exp
	rp.json(201, map[string]any{"token": tok, "expires_at": exp.UTC().Format(time.RFC3339), "permissions": map[string]string{"contents": "write", "metadata": "read"}})
}

func (s *Server) verifyJWT(tok string) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return fmt.Errorf("A JSON web token could not be decoded")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &claims) != nil {
		return fmt.Errorf("A JSON web token could not be decoded")
	}
	if hdr.Alg != "RS256" {
		return fmt.Errorf("'Algorithm' must be RS256")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(s.app.key, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("A JSON web token could not be decoded")
	}
	if claims.Iss != strconv.FormatInt(s.app.appID, 10) {
		return fmt.Errorf("'Issuer' claim ('iss') must be an Integer")
	}
	now := s.now().Unix()
	if claims.Exp < now || claims.Exp-claims.Iat > 600+60 {
		return fmt.Errorf("'Expiration time' claim ('exp') is too far in the future")
	}
	return nil
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// wrap76 breaks base64 text into lines as GitHub does in contents responses.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60])
		b.WriteByte('\n')
		s = s[60:]
	}
	b.WriteString(s)
	b.WriteByte('\n')
	return b.String()
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.NewReplacer("\n", "", "\r", "").Replace(s)
	return base64.StdEncoding.DecodeString(s)
}
