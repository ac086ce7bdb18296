package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/adapters/redis/redistest"
)

func TestRedisConfigRejectsBadInputWithPathAndLine(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       string
	}{
		{"cluster and sentinel", "redis:\n  addrs: [s:26379]\n  master_name: m\n  cluster: true\n", ":4:3: redis.cluster: a Sentinel master (redis.master_name) is not a Cluster"},
		{"several addrs not a cluster", "redis:\n  addrs: [a:6379, b:6379]\n  cluster: false\n", ":3:3: redis.cluster: several redis.addrs without master_name are a Cluster's nodes"},
		{"cert without key", "redis:\n  addrs: [a:6379]\n  tls:\n    cert_file: " + notPEM + "\n", ":4:5: redis.tls.cert_file: a client certificate needs both"},
		{"missing ca file", "redis:\n  addrs: [a:6379]\n  tls:\n    ca_file: " + filepath.Join(dir, "missing.pem") + "\n", ":4:5: redis.tls.ca_file: cannot read it: open "},
		{"ca file not PEM", "redis:\n  addrs: [a:6379]\n  tls:\n    ca_file: " + notPEM + "\n", ":4:5: redis.tls.ca_file: ca_file " + notPEM + ": no PEM certificate in it"},
		{"bad client key pair", "redis:\n  addrs: [a:6379]\n  tls:\n    cert_file: " + notPEM + "\n    key_file: " + notPEM + "\n", ":4:5: redis.tls.cert_file: client certificate:"},
		{"unknown tls key", "redis:\n  tls:\n    ca: x\n", ":3:5: redis.tls.ca: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.text), envOf(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// config check names the Redis mode as far as the file tells it, TLS and
// the ACL user; never the password.
func TestConfigCheckDescribesRedis(t *testing.T) {
	tests := []struct{ text, want string }{
		{"server: {addr: ':8080'}\n", "redis off"},
		{"redis:\n  addrs: [clustercfg.example:6379]\n  username: callboard\n  tls: {enabled: true}\n", "redis on: cluster or single node, asked at start, tls, user callboard)"},
		{"redis:\n  addrs: [clustercfg.example:6379]\n  cluster: true\n", "redis on: cluster)"},
		{"redis:\n  addrs: [a:6379, b:6379]\n", "redis on: cluster)"},
		{"redis:\n  addrs: [s:26379]\n  master_name: m\n", "redis on: sentinel)"},
		{"redis:\n  url: rediss://cache.example:6380\n  cluster: false\n", "redis on: single node, tls)"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(map[string]string{"REDIS_PASSWORD": "hunter2-marker"})},
			[]string{"config", "check", "--config", writeConfig(t, tt.text)})
		if code != 0 || !strings.Contains(out.String(), tt.want) || strings.Contains(out.String()+errb.String(), "hunter2-marker") {
			t.Errorf("%q: exit %d, %q %q; want %q", tt.text, code, out.String(), errb.String(), tt.want)
		}
	}
}

// The configuration's TLS files, ACL user and REDIS_PASSWORD reach the
// client: it connects to a TLS-only Redis that wants a client certificate,
// as that user.
func TestRedisTLSAndUserFromConfig(t *testing.T) {
	ts := redistest.StartTLS(t, redistest.TLSConfig{ClientCerts: true})
	ctx := context.Background()
	admin := redistest.TLSAdmin(t, ts)
	if err := admin.Do(ctx, "ACL", "SETUSER", "callboard-bot", "on", ">pw-from-env", "~callboard:*", "&*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`redis:
  addrs: [%s]
  username: callboard-bot
  tls:
    ca_file: %s
    cert_file: %s
    key_file: %s
    server_name: %s
`, ts.Addr, ts.CAFile, ts.CertFile, ts.KeyFile, ts.ServerName)
	cfg, err := LoadConfig(writeConfig(t, text), envOf(map[string]string{"REDIS_PASSWORD": "pw-from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	st, err := redis.Open(cfg.redisOptions(), 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Chosen.Mode != redis.ModeSingle {
		t.Fatalf("chosen %+v", st.Chosen)
	}
	if err := st.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	if who, err := st.Client.Do(ctx, "ACL", "WHOAMI").Text(); err != nil || who != "callboard-bot" {
		t.Fatalf("ACL WHOAMI = %q, %v", who, err)
	}
	if first, err := st.Dedupe.FirstSeen(ctx, "slack:T1:Ev1", 0); err != nil || !first {
		t.Fatalf("dedupe: %v %v", first, err)
	}
}

// A Sentinel with a password of its own: redis.sentinel_password_file and
// REDIS_SENTINEL_PASSWORD reach the client, apart from the data nodes'
// REDIS_PASSWORD, and the Sentinel's password is redacted like the others.
func TestRedisSentinelPasswordFromConfig(t *testing.T) {
	sn := redistest.StartSentinelWith(t, redistest.SentinelConfig{Password: "data-pw-marker", SentinelPassword: "sentinel-pw-marker"})
	pwFile := filepath.Join(t.TempDir(), "sentinel-password")
	if err := os.WriteFile(pwFile, []byte("sentinel-pw-marker\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, extra string
		env         map[string]string
	}{
		{"file", "  sentinel_password_file: " + pwFile + "\n", map[string]string{"REDIS_PASSWORD": "data-pw-marker"}},
		{"environment", "", map[string]string{"REDIS_PASSWORD": "data-pw-marker", "REDIS_SENTINEL_PASSWORD": "sentinel-pw-marker"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := fmt.Sprintf("redis:\n  addrs: [%s]\n  master_name: %s\n%s", sn.Addr, sn.MasterName, tc.extra)
			cfg, err := LoadConfig(writeConfig(t, text), envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if s := cfg.secrets.String(); strings.Contains(s, "marker") || !strings.Contains(s, "RedisSentinelPassword") {
				t.Errorf("secrets: %s", s)
			}
			st, err := redis.Open(cfg.redisOptions(), 1, 10)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := st.Healthy(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
	_, err := LoadConfig(writeConfig(t, "redis:\n  url: redis://127.0.0.1:1\n  sentinel_username: sn\n"), envOf(nil))
	if err == nil || !strings.Contains(err.Error(), "redis.sentinel_username") || !strings.Contains(err.Error(), "need redis.master_name") {
		t.Errorf("sentinel credentials without master_name: %v", err)
	}
}
