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
		{"negative memory headroom", "memory:\n  headroom: -1\n", ":2:3: memory.headroom: must be a fraction of the live heap between 0 (no limit) and 100"},
		{"not yaml", "server: [\n", "callboard.yaml:1: not valid YAML: did not find expected node content"},
		// oncall.* came with issue 17 after validate was written: a zero
		// timeout or a URL without a scheme must not pass `config check`.
		{"zero on-call timeout", "oncall:\n  timeout: 0s\n", ":2:3: oncall.timeout: must be a positive duration"},
		{"negative on-call cache", "oncall:\n  cache_ttl: -1m\n", ":2:3: oncall.cache_ttl: must be a positive duration"},
		{"pagerduty url without scheme", "oncall:\n  pagerduty:\n    api_url: api.pagerduty.com\n", `:3:5: oncall.pagerduty.api_url: must be an http(s) URL; got "api.pagerduty.com"`},
		{"opsgenie url scheme", "oncall:\n  opsgenie:\n    api_url: ftp://api.opsgenie.com\n", "oncall.opsgenie.api_url: must be an http(s) URL"},
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

// `ask --config` takes catalog sources, docs and base_url from the file;
// its github: sources need the GitHub credentials serve uses.
func TestAskReadsConfigFile(t *testing.T) {
	org, _ := filepath.Abs("../../examples/org/all.yaml")
	good := writeConfig(t, "catalog:\n  sources: ["+org+"]\ndocs:\n  base_url: https://portal.example/docs/{namespace}/{kind}/{name}/{path}\n")
	withGitHub := writeConfig(t, "catalog:\n  sources: ["+org+", \"github:acme\"]\n")
	bad := writeConfig(t, "docs:\n  base_ur: x\n")
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"sources and base url from the file", []string{"ask", "--config", good, "--json", "docs refunds failing"}, 0, "https://portal.example/docs/default/component/", ""},
		{"github sources need credentials", []string{"ask", "--config", withGitHub, "help"}, 2, "", `"github:acme": no GitHub credentials: set GITHUB_TOKEN`},
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

// `config check` reports every problem of a file in one run, in file order,
// each with its line and key path, worded for people, including what
// `serve` would refuse at start.
func TestConfigCheckReportsEveryProblem(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "absent")
	tests := []struct {
		name string
		text string
		env  map[string]string
		code int
		want []string // stderr lines; F is the file
	}{
		{"keys, types and values together", `server:
  addr: localhost
  read_timeout: 10 seconds
  idle_timeout: 2 days
  shutdown_timeout: soon
  max_body_bytes: lots
  colour: red
catalog:
  refresh_interval: 5s
slack:
  mode: sokcet
  enabled: maybe
  aliases: [a]
limits:
  burst: 1.5
  per_user_rate: fast
log: debug
`, nil, 1, []string{
			`F:2:3: server.addr: must be HOST:PORT (":8080", "127.0.0.1:8080"); got "localhost"`,
			"F:3:3: server.read_timeout: `10 seconds` is not a duration: write `10s`",
			"F:4:3: server.idle_timeout: `2 days` is not a duration: write `48h`",
			"F:5:3: server.shutdown_timeout: `soon` is not a duration: write a number with a unit, such as 30s, 5m or 1h30m",
			"F:6:3: server.max_body_bytes: `lots` is not a whole number",
			"F:7:3: server.colour: unknown key; known keys here: addr, idle_timeout, max_body_bytes, read_header_timeout, read_timeout, shutdown_timeout, write_timeout",
			"F:9:3: catalog.refresh_interval: must be at least 10s (GitHub's rate limit); got 5s",
			`F:11:3: slack.mode: must be one of http, socket; got "sokcet"`,
			"F:12:3: slack.enabled: `maybe` is not true or false",
			"F:13:3: slack.aliases: expected a mapping (key: value pairs), found a list",
			"F:15:3: limits.burst: `1.5` is not a whole number",
			"F:16:3: limits.per_user_rate: `fast` is not a number",
			"F:17:1: log: expected a mapping (key: value pairs), found the single value `debug`",
			"F: 13 problems",
		}},
		{"what serve would refuse", `catalog:
  sources:
    - github:acme
    - backstage:ftp://portal
    - ./no-such-catalog
    - github:acme/a/b
  admins: [user:alice, "group:x/y/z"]
slack:
  mode: socket
`, nil, 1, []string{
			`F:3:7: catalog.sources[0]: "github:acme" needs GitHub credentials: set GITHUB_TOKEN (or github.token_file), or a GitHub App (GITHUB_APP_ID or github.app_id, github.installation_id, GITHUB_APP_PRIVATE_KEY_FILE)`,
			`F:4:7: catalog.sources[1]: catalog source "backstage:ftp://portal": write backstage:https://HOST (the Backstage backend's base URL)`,
			"F:5:7: catalog.sources[2]: cannot read ./no-such-catalog: no such file or directory",
			`F:6:7: catalog.sources[3]: catalog source "github:acme/a/b": write github:ORG or github:ORG/REPO`,
			`F:7:24: catalog.admins[1]: "group:x/y/z" is not a user reference (user:NAME or NAME): entity reference "group:x/y/z" has too many ':' or '/' separators`,
			"F:9:3: slack.mode: Socket Mode needs an app-level token: set SLACK_APP_TOKEN or slack.app_token_file (or slack.enabled: false)",
			"F: 6 problems",
		}},
		{"credentials that do not parse", "github:\n  installation_id: 7\nslack:\n  mode: socket\n  bot_token_file: " + secretFile + "\n",
			map[string]string{"GITHUB_APP_ID": "12", "GITHUB_APP_PRIVATE_KEY": "not-a-pem-key-8c1f", "DISCORD_PUBLIC_KEY": "zz-not-hex-8c1f", "SLACK_APP_TOKEN": "xoxb-wrong-kind-8c1f"}, 1, []string{
				"F:5:3: slack.bot_token_file: cannot read the secret file: " + secretFile + ": no such file or directory",
				"F: discord.public_key_file: DISCORD_PUBLIC_KEY (or the file) must be the application's public key: 64 hex digits",
				"F: slack.app_token_file: SLACK_APP_TOKEN (or the file) must be an app-level token starting with xapp-",
				"F: github.private_key_file: the GitHub App private key is not a PEM RSA private key",
				"F: 4 problems",
			}},
		{"not YAML stops at the syntax error", "server:\n  addr: [\n", nil, 1, []string{
			"F:2: not valid YAML: did not find expected node content",
		}},
		{"a github source with a token is fine", "catalog:\n  sources: [github:acme]\nslack:\n  mode: socket\n",
			map[string]string{"GITHUB_TOKEN": "ghp_x", "SLACK_APP_TOKEN": "xapp-1"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.text)
			var out, errb bytes.Buffer
			code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(tt.env)}, []string{"config", "check", "--config", p})
			got := strings.ReplaceAll(errb.String(), p, "F")
			want := ""
			if len(tt.want) > 0 {
				want = strings.Join(tt.want, "\n") + "\n"
			}
			if code != tt.code || got != want {
				t.Fatalf("exit %d (want %d)\ngot:\n%s\nwant:\n%s", code, tt.code, got, want)
			}
			if code == 0 && !strings.HasPrefix(out.String(), p+": ok") {
				t.Fatalf("stdout %q", out.String())
			}
			for _, v := range tt.env {
				if strings.Contains(v, "8c1f") && strings.Contains(got, v) {
					t.Fatalf("a secret reached the output: %s", got)
				}
			}
		})
	}
}

// CALLBOARD_ADDR is the default listen address (the container image sets
// :8080); the file's server.addr wins over it.
func TestCallboardAddrIsTheDefaultAddress(t *testing.T) {
	c, err := LoadConfig("", envOf(map[string]string{"CALLBOARD_ADDR": ":8080"}))
	if err != nil || c.Server.Addr != ":8080" {
		t.Fatalf("addr %v, err %v", c, err)
	}
	c, err = LoadConfig(writeConfig(t, "server:\n  addr: 127.0.0.1:9000\n"), envOf(map[string]string{"CALLBOARD_ADDR": ":8080"}))
	if err != nil || c.Server.Addr != "127.0.0.1:9000" {
		t.Fatalf("addr %v, err %v", c, err)
	}
	if c, err := LoadConfig("", envOf(nil)); err != nil || c.Server.Addr != "127.0.0.1:8080" {
		t.Fatalf("without CALLBOARD_ADDR: %v %v", c, err)
	}
}

// serve refuses at start what config check reports, naming --catalog when
// the source came from the command line.
func TestServeRefusesAGitHubSourceWithoutCredentials(t *testing.T) {
	p := writeConfig(t, "catalog:\n  sources: [github:acme]\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--config", p, "--addr", "127.0.0.1:0"}, p + `:2:13: catalog.sources[0]: "github:acme" needs GitHub credentials`},
		{[]string{"serve", "--catalog", "github:acme", "--addr", "127.0.0.1:0"}, `--catalog: "github:acme" needs GitHub credentials`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(nil)}, tt.args)
		if code != 1 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 1 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}

// Every environment variable the configuration reads is a row (or named in
// a row) of README.md's environment table, once: branches that each add a
// variable keep the table complete and free of duplicates.
func TestEveryConfigEnvVarIsDocumentedOnce(t *testing.T) {
	asked := map[string]bool{}
	if _, err := LoadConfig("", func(k string) string { asked[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	for _, k := range secretEnv {
		asked[k] = true
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "| environment variable |")
	if start < 0 {
		t.Fatal("README.md has no environment variable table")
	}
	table := text[start:]
	if end := strings.Index(table, "\n\n"); end >= 0 {
		table = table[:end]
	}
	if len(asked) < 20 {
		t.Fatalf("only %d variables seen; the recorder missed some: %v", len(asked), asked)
	}
	for k := range asked {
		if n := strings.Count(table, "`"+k+"`"); n != 1 {
			t.Errorf("README.md's environment table names `%s` %d times, want once", k, n)
		}
	}
}

// A password inside the Redis URL is a secret like REDIS_PASSWORD: the log
// redactor gets it, whether the URL came from the file or REDIS_URL.
func TestRedisURLPasswordIsRedacted(t *testing.T) {
	for _, tt := range []struct{ name, file, env string }{
		{"REDIS_URL", "", "rediss://cb:pw-in-env-7Hq@redis.internal:6380/0"},
		{"redis.url", "redis:\n  url: redis://:pw-in-file-3Zx@redis.internal:6379\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			cfg, err := LoadConfig(path, envOf(map[string]string{"REDIS_URL": tt.env}))
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			newLogger(&logs, LogConfig{Level: "info", Format: "text"}, cfg.secrets.values()).Info("dialing", "url", cfg.Redis.URL)
			if strings.Contains(logs.String(), "pw-in-") || !strings.Contains(logs.String(), "redis.internal") {
				t.Fatalf("log line %q: the password is shown or the host is lost", logs.String())
			}
		})
	}
}
