package github

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
)

func rsaKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func TestAppInstallationTokensRefreshBeforeExpiry(t *testing.T) {
	key, keyPEM := rsaKey(t)
	tests := []struct {
		name       string
		ttl        time.Duration
		wantTokens int
	}{
		// ghinstallation renews a token a minute before it expires.
		{"a fresh token is reused", time.Hour, 1},
		{"a token about to expire is renewed", 30 * time.Second, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.New(t)
			srv.EnableApp(42, 7, &key.PublicKey, tc.ttl)
			srv.AddRepo("acme", "svc", map[string]string{"a": "b"})
			c, err := NewClient(Config{AppID: 42, InstallationID: 7, PrivateKey: keyPEM, BaseURL: srv.URL, Retry: fastRetry})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, _, err := c.GitHub.Repositories.Get(context.Background(), "acme", "svc"); err != nil {
					t.Fatal(err)
				}
			}
			if got := srv.TokensIssued(); got != tc.wantTokens {
				t.Fatalf("%d tokens issued, want %d", got, tc.wantTokens)
			}
			if exp := c.tokenExpiry(); time.Until(exp) > tc.ttl || time.Until(exp) < tc.ttl-time.Minute {
				t.Fatalf("token expiry %v not about %v away", exp, tc.ttl)
			}
		})
	}
}

func TestAppSignedWithTheWrongKeyIsRefused(t *testing.T) {
	key, _ := rsaKey(t)
	_, otherPEM := rsaKey(t)
	srv := githubtest.New(t)
	srv.EnableApp(42, 7, &key.PublicKey, time.Hour)
	srv.AddRepo("acme", "svc", map[string]string{"a": "b"})
	c, err := NewClient(Config{AppID: 42, InstallationID: 7, PrivateKey: otherPEM, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GitHub.Repositories.Get(context.Background(), "acme", "svc"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a 401 from the token exchange", err)
	}
}

func TestNewClientExplainsMissingSettings(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"nothing", Config{}, "no credentials"},
		{"app without installation", Config{AppID: 1, PrivateKey: []byte("x")}, "installation id"},
		{"app without key", Config{AppID: 1, InstallationID: 2}, "private key"},
		{"app with a bad key", Config{AppID: 1, InstallationID: 2, PrivateKey: []byte("not pem")}, "private key"},
		{"bad base URL", Config{Token: "t", BaseURL: "http://[::1"}, "base URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	cfg := Config{Token: "ghp_secret123", AppID: 1, InstallationID: 2, PrivateKey: []byte("-----BEGIN RSA PRIVATE KEY-----secretkey"), BaseURL: "https://ghe.example.com"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "github", cfg)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "github", cfg)
	out := buf.String() + cfg.String()
	for _, secret := range []string{"ghp_secret123", "secretkey"} {
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q shown in %s", secret, out)
		}
	}
	if !strings.Contains(out, "ghe.example.com") || !strings.Contains(out, "[redacted]") {
		t.Fatalf("output lacks the non-secret fields: %s", out)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"GITHUB_TOKEN": "t", "GITHUB_APP_ID": "12", "GITHUB_APP_INSTALLATION_ID": "34", "GITHUB_API_URL": "http://x"}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || cfg.Token != "t" || cfg.AppID != 12 || cfg.InstallationID != 34 || cfg.BaseURL != "http://x" {
		t.Fatalf("%v %v", cfg, err)
	}
	env["GITHUB_APP_ID"] = "twelve"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "GITHUB_APP_ID") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnterpriseBaseURLGetsTheAPIPath(t *testing.T) {
	c, err := NewClient(Config{Token: "t", BaseURL: "https://ghe.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.GitHub.BaseURL.String(); got != "https://ghe.example.com/api/v3/" {
		t.Fatalf("base = %s", got)
	}
	if c.Host() != "ghe.example.com" {
		t.Fatalf("host = %s", c.Host())
	}
}
