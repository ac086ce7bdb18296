package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "callboard.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigRejectsBadInputWithPathAndLine(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"misspelt mode", "slack:\n  mode: sokcet\n", `:2:3: slack.mode: must be one of http, socket; got "sokcet"`},
		{"unknown key", "server:\n  adr: :80\n", ":2:3: server.adr: unknown key; known keys here: addr,"},
		{"unknown section", "slak: {}\n", ":1:1: slak: unknown key"},
		{"bad duration", "server:\n  read_timeout: soon\n", ":2:3: server.read_timeout:"},
		{"negative duration", "server:\n  idle_timeout: -1s\n", "server.idle_timeout: must be a positive duration"},
		{"bad addr", "server:\n  addr: localhost\n", `server.addr: must be HOST:PORT`},
		{"bad log level", "log:\n  level: loud\n", `:2:3: log.level: must be one of debug, info, warn, error; got "loud"`},
		{"redis url scheme", "redis:\n  url: http://x\n", "redis.url: must be a redis:// or rediss:// URL"},
		{"half a GitHub App", "github:\n  app_id: 3\n", "github.app_id: a GitHub App needs both app_id and installation_id"},
		{"policy rule without groups", "scaffold:\n  policy:\n    - templates: [x]\n", "scaffold.policy[0]: a rule needs groups"},
		{"missing secret file", "slack:\n  signing_secret_file: /nonexistent/s\n", ":2:3: slack.signing_secret_file: cannot read the secret file"},
		{"zero rate", "limits:\n  per_user_rate: 0\n", "limits.per_user_rate: must be a positive number"},
		{"no burst", "limits:\n  burst: 0\n", "limits.burst: must be at least 1; got 0"},
		{"not yaml", "server: [\n", "callboard.yaml: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.text), envOf(nil))
			if err == nil {
				t.Fatalf("accepted %q", tt.text)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadConfigDefaultsExpansionAndEnvOverrides(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	os.WriteFile(secret, []byte("from-file\n"), 0o600)
	p := writeConfig(t, "server:\n  addr: ${ADDR:-127.0.0.1:9999}\n  write_timeout: ${WT}\nslack:\n  signing_secret_file: "+secret+"\n")
	tests := []struct {
		name       string
		env        map[string]string
		addr       string
		slackSec   string
		redis      string
		writeTimeo time.Duration
	}{
		{"defaults and file secret", map[string]string{"WT": "7s"}, "127.0.0.1:9999", "from-file", "", 7 * time.Second},
		{"environment wins", map[string]string{"WT": "1m", "ADDR": ":81", "SLACK_SIGNING_SECRET": "env", "REDIS_URL": "redis://r:6379/0"}, ":81", "env", "redis://r:6379/0", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(p, envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.Addr != tt.addr || c.secrets.SlackSigningSecret != tt.slackSec || c.Redis.URL != tt.redis || c.Server.WriteTimeout != tt.writeTimeo {
				t.Fatalf("got addr %q secret %q redis %q write %s", c.Server.Addr, c.secrets.SlackSigningSecret, c.Redis.URL, c.Server.WriteTimeout)
			}
			if c.Limits.PerUserRate != 1 || c.Limits.Burst != 10 {
				t.Fatalf("limit defaults lost: %+v", c.Limits)
			}
			if c.Server.ReadHeaderTimeout != 5*time.Second || c.Slack.Command != "/callboard" || !c.slackOn() {
				t.Fatalf("defaults lost: %+v", c.Server)
			}
			if strings.Contains(c.secrets.String(), tt.slackSec) {
				t.Fatal("Secrets.String shows a secret")
			}
		})
	}
}

func TestExampleConfigPassesConfigCheck(t *testing.T) {
	var out, errb bytes.Buffer
	code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(nil)}, []string{"config", "check", "--config", "../../deploy/callboard.example.yaml"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func TestConfigCheckExitCodes(t *testing.T) {
	bad := writeConfig(t, "slack:\n  mode: sokcet\n")
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"config", "check", "--config", bad}, 1},
		{[]string{"config", "check", "--config", "/nonexistent/callboard.yaml"}, 1},
		{[]string{"config"}, 2},
		{[]string{"config", "check", "--nope"}, 2},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(nil)}, tt.args); code != tt.code {
			t.Errorf("%v: exit %d, want %d (%s)", tt.args, code, tt.code, errb.String())
		}
	}
}

// `ask --config` takes catalog sources, docs and base_url from the file, and
// says which sources only serve reads.
func TestAskReadsConfigFile(t *testing.T) {
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	good := writeConfig(t, "catalog:\n  sources: ["+org+", \"github:acme\"]\ndocs:\n  base_url: https://portal.example/docs/{namespace}/{kind}/{name}/{path}\n")
	bad := writeConfig(t, "docs:\n  base_ur: x\n")
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"sources and base url from the file", []string{"ask", "--config", good, "--json", "docs refunds failing"}, 0, "https://portal.example/docs/default/component/", `"github:acme" is read only by ` + "`callboard serve`"},
		{"bad file names the key", []string{"ask", "--config", bad, "help"}, 2, "", "docs.base_ur: unknown key"},
		{"chat reads it too", []string{"chat", "--config", bad}, 2, "", "docs.base_ur: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errs, tt.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tt.code, out, tt.stdout, errs, tt.stderr)
			}
		})
	}
}
