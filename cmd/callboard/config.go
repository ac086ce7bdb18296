package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/callboard/callboard/adapters/backstage"
	"github.com/callboard/callboard/adapters/discord"
	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/adapters/redis"
	"github.com/callboard/callboard/catalog"
)

// Config is callboard.yaml. Every key has a default (see defaultConfig);
// secrets are never keys of their own: they come from the environment
// variables design.md names or from files named by *_file keys.
type Config struct {
	Server   ServerConfig   `yaml:"server"`
	Catalog  CatalogConfig  `yaml:"catalog"`
	Docs     DocsConfig     `yaml:"docs"`
	Slack    SlackConfig    `yaml:"slack"`
	Discord  DiscordConfig  `yaml:"discord"`
	GitHub   GitHubConfig   `yaml:"github"`
	Redis    RedisConfig    `yaml:"redis"`
	Scaffold ScaffoldConfig `yaml:"scaffold"`
	Limits   LimitsConfig   `yaml:"limits"`
	Memory   MemoryConfig   `yaml:"memory"`
	Log      LogConfig      `yaml:"log"`
	OnCall   OnCallConfig   `yaml:"oncall"`
	Health   HealthConfig   `yaml:"health"`
	// Alerts turns alert webhooks into owner cards (serve_alerts.go).
	Alerts AlertsConfig `yaml:"alerts"`
	Status StatusConfig `yaml:"status"`

	// Backstage is how to read backstage:URL catalog sources.
	Backstage BackstageConfig `yaml:"backstage"`

	// Secrets, filled from the environment and the *_file keys; never
	// decoded from YAML and never logged.
	secrets Secrets
	// file is the path the configuration came from ("" for defaults).
	file string
	// pos is where each key is in file: dotted path → line, column.
	pos map[string][2]int
	// sourcesFromFlags: Catalog.Sources came from serve's --catalog flags.
	sourcesFromFlags bool
}

// ServerConfig is the one HTTP server.
type ServerConfig struct {
	Addr              string        `yaml:"addr"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`
}

// CatalogConfig says where entities come from.
type CatalogConfig struct {
	Sources         []string      `yaml:"sources"`
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	Admins          []string      `yaml:"admins"`
}

// DocsConfig adds TechDocs sites beside those the catalog annotates.
type DocsConfig struct {
	Paths   []string `yaml:"paths"`
	BaseURL string   `yaml:"base_url"`
}

// SlackConfig configures the Slack adapter.
type SlackConfig struct {
	Enabled           *bool             `yaml:"enabled"`
	Mode              string            `yaml:"mode"`
	Command           string            `yaml:"command"`
	Aliases           map[string]string `yaml:"aliases"`
	Ephemeral         bool              `yaml:"ephemeral"`
	APIURL            string            `yaml:"api_url"`
	SigningSecretFile string            `yaml:"signing_secret_file"`
	BotTokenFile      string            `yaml:"bot_token_file"`
	AppTokenFile      string            `yaml:"app_token_file"`
}

// DiscordConfig configures the Discord adapter.
type DiscordConfig struct {
	Enabled       *bool  `yaml:"enabled"`
	Prefix        string `yaml:"prefix"`
	Gateway       bool   `yaml:"gateway"`
	Guild         string `yaml:"guild"`
	AppID         string `yaml:"app_id"`
	PublicKeyFile string `yaml:"public_key_file"`
	BotTokenFile  string `yaml:"bot_token_file"`
}

// GitHubConfig says how to reach GitHub.
type GitHubConfig struct {
	APIURL            string `yaml:"api_url"`
	AppID             int64  `yaml:"app_id"`
	InstallationID    int64  `yaml:"installation_id"`
	PrivateKeyFile    string `yaml:"private_key_file"`
	TokenFile         string `yaml:"token_file"`
	WebhookSecretFile string `yaml:"webhook_secret_file"`
}

// BackstageConfig says how to read a Backstage instance's catalog
// (backstage:URL sources) and where its UI is, for links.
type BackstageConfig struct {
	// TokenFile holds a token of Backstage's backend.auth.externalAccess
	// (BACKSTAGE_TOKEN overrides it), sent as a bearer token.
	TokenFile string `yaml:"token_file"`
	// UIURL is the Backstage UI's base URL: entity and TechDocs links
	// point there (and docs.base_url defaults to its TechDocs pages).
	UIURL string `yaml:"ui_url"`
	// tokenFromEnv: BACKSTAGE_TOKEN was set, so TokenFile is not re-read.
	tokenFromEnv bool
}

// RedisConfig names the shared state; empty means in-memory (one replica).
type RedisConfig struct {
	URL        string   `yaml:"url"`
	Addrs      []string `yaml:"addrs"`
	MasterName string   `yaml:"master_name"`
	// Cluster says whether Redis is a Cluster; unset, one address is asked
	// at start (CLUSTER INFO) and several addrs are a Cluster.
	Cluster *bool `yaml:"cluster"`
	// Username is the ACL user; the password is REDIS_PASSWORD or
	// password_file.
	Username     string         `yaml:"username"`
	PasswordFile string         `yaml:"password_file"`
	TLS          RedisTLSConfig `yaml:"tls"`
	// SentinelUsername is the Sentinels' own ACL user; their password is
	// REDIS_SENTINEL_PASSWORD or sentinel_password_file (apart from the
	// data nodes', as requirepass in sentinel.conf is).
	SentinelUsername     string `yaml:"sentinel_username"`
	SentinelPasswordFile string `yaml:"sentinel_password_file"`
}

// RedisTLSConfig turns TLS on for every Redis connection (nodes, Sentinels,
// Cluster nodes): when enabled, or when any file or the server name is set.
// A rediss:// URL turns it on too.
type RedisTLSConfig struct {
	Enabled    bool   `yaml:"enabled"`
	CAFile     string `yaml:"ca_file"`
	CertFile   string `yaml:"cert_file"`
	KeyFile    string `yaml:"key_file"`
	ServerName string `yaml:"server_name"`
}

func (t RedisTLSConfig) on() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != ""
}

// redisOptions is the Redis configuration as the adapter takes it.
func (c *Config) redisOptions() redis.Options {
	o := redis.Options{URL: c.Redis.URL, Addrs: c.Redis.Addrs, MasterName: c.Redis.MasterName, Cluster: c.Redis.Cluster,
		Username: c.Redis.Username, Password: c.secrets.RedisPassword,
		SentinelUsername: c.Redis.SentinelUsername, SentinelPassword: c.secrets.RedisSentinelPassword}
	if t := c.Redis.TLS; t.on() {
		o.TLS = &redis.TLSOptions{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName}
	}
	return o
}

// OnCallConfig names the paging tools "who is on call" asks (see
// adapters/pagerduty, adapters/opsgenie); the token and key come from
// PAGERDUTY_TOKEN / OPSGENIE_API_KEY or the *_file keys.
type OnCallConfig struct {
	PagerDuty OnCallToolConfig `yaml:"pagerduty"`
	Opsgenie  OnCallToolConfig `yaml:"opsgenie"`
	// CacheTTL is how long an answer is kept (shared through Redis).
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// Timeout bounds one lookup; past it the answer says the tool is slow.
	Timeout time.Duration `yaml:"timeout"`
}

// OnCallToolConfig is one paging tool's API root and secret file.
type OnCallToolConfig struct {
	APIURL     string `yaml:"api_url"`
	SecretFile string `yaml:"secret_file"`
}

// LimitsConfig bounds how often one chat user may ask: a token bucket per
// user, shared through Redis when it is configured and per process otherwise.
type LimitsConfig struct {
	// PerUserRate is the refill in requests per second.
	PerUserRate float64 `yaml:"per_user_rate"`
	// Burst is how many requests a user may make at once.
	Burst int `yaml:"burst"`
}

// MemoryConfig bounds serve's memory between catalog refreshes (memory.go).
type MemoryConfig struct {
	// Headroom is the room left for the Go heap to grow beyond what is live
	// after a snapshot is swapped in, as a fraction of that live heap: the
	// soft memory limit is then what the runtime holds plus this much (at
	// least 32 MiB). 0 sets no limit; a GOMEMLIMIT in the environment wins.
	Headroom float64 `yaml:"headroom"`
}

// ScaffoldConfig limits what scaffolding may run.
type ScaffoldConfig struct {
	Locations     []string     `yaml:"locations"`
	Policy        []PolicyRule `yaml:"policy"`
	AllowUnlisted bool         `yaml:"allow_unlisted"`
	// Workers is how many jobs this replica runs at once (0: none, it only
	// takes requests).
	Workers int `yaml:"workers"`
	// ClaimTimeout is how long a worker's claim on a job lasts without its
	// heartbeat: a dead replica's job is taken over after about that.
	ClaimTimeout time.Duration `yaml:"claim_timeout"`
}

// PolicyRule lets the members of Groups run Templates.
type PolicyRule struct {
	Templates []string `yaml:"templates"`
	Groups    []string `yaml:"groups"`
}

// LogConfig is the log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Secrets are the credentials; String hides them.
type Secrets struct {
	SlackSigningSecret  string
	SlackBotToken       string
	SlackAppToken       string
	DiscordPublicKey    string
	DiscordBotToken     string
	GitHubToken         string
	GitHubPrivateKey    string
	GitHubWebhookSecret string
	RedisPassword       string
	// RedisSentinelPassword is what the Sentinels themselves require.
	RedisSentinelPassword string
	BackstageToken        string
	PagerDutyToken        string
	OpsgenieAPIKey        string
	// AlertmanagerToken and PagerDutyWebhookSecret authenticate the alert
	// webhooks (serve_alerts.go).
	AlertmanagerToken      string
	PagerDutyWebhookSecret string
	StatusToken            string
	// RedisURLPassword is the password inside redis.url / REDIS_URL
	// (redis://user:PASSWORD@host), redacted like the others.
	RedisURLPassword string
}

// String never shows a secret, only which are set.
func (s Secrets) String() string {
	var set []string
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).String() != "" {
			set = append(set, v.Type().Field(i).Name)
		}
	}
	return "secrets set: " + strings.Join(set, ",")
}

// values returns every secret that is set, for the log redactor.
func (s Secrets) values() []string {
	var out []string
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		if x := v.Field(i).String(); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func defaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Addr:              "127.0.0.1:8080",
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ShutdownTimeout:   20 * time.Second,
			MaxBodyBytes:      1 << 20,
		},
		Catalog:  CatalogConfig{RefreshInterval: 15 * time.Minute},
		Slack:    SlackConfig{Mode: "http", Command: "/callboard", Ephemeral: true},
		Discord:  DiscordConfig{Prefix: "!cb"},
		Limits:   LimitsConfig{PerUserRate: 1, Burst: 10},
		Memory:   MemoryConfig{Headroom: 1.2},
		OnCall:   OnCallConfig{CacheTTL: time.Minute, Timeout: 2 * time.Second},
		Log:      LogConfig{Level: "info", Format: "auto"},
		Scaffold: ScaffoldConfig{Workers: 2, ClaimTimeout: 15 * time.Second},
		Health:   defaultHealthConfig(),
	}
}

// ConfigError is one bad key: where it is and what was wrong.
type ConfigError struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors are every problem of one file, in file order.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadConfig reads path (or only defaults and the environment when path
// is ""), expands ${ENV} and ${ENV:-default}, rejects unknown keys and bad
// values, and reads the secrets.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	return redactedLoad(path, getenv, false)
}

// CheckConfig is LoadConfig plus everything `serve` would refuse at start
// and local catalog paths that do not exist: `callboard config check`.
func CheckConfig(path string, getenv func(string) string) (*Config, error) {
	return redactedLoad(path, getenv, true)
}

func redactedLoad(path string, getenv func(string) string, forServe bool) (*Config, error) {
	cfg, err := loadConfigChecked(path, getenv, forServe)
	if err != nil {
		// A bad value may have come from a secret's variable (${SLACK_BOT_TOKEN}
		// in the wrong place): never echo one back.
		var vals []string
		for _, k := range secretEnv {
			vals = append(vals, getenv(k))
		}
		return nil, errors.New(redactor(vals).text(err.Error()))
	}
	return cfg, nil
}

// secretEnv are the environment variables that hold secrets.
var secretEnv = []string{"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_PUBLIC_KEY",
	"DISCORD_BOT_TOKEN", "GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "REDIS_PASSWORD", "REDIS_URL",
	"REDIS_SENTINEL_PASSWORD", "BACKSTAGE_TOKEN", "PAGERDUTY_TOKEN", "OPSGENIE_API_KEY", "CALLBOARD_STATUS_TOKEN",
	"ALERTMANAGER_WEBHOOK_TOKEN", "PAGERDUTY_WEBHOOK_SECRET"}

func loadConfig(path string, getenv func(string) string) (*Config, error) {
	return loadConfigChecked(path, getenv, false)
}

// loadConfigChecked reads the configuration and reports every problem of it
// in one error: unknown keys, values of the wrong type, unreadable secret
// files and bad values, in file order. forServe adds what `serve` would
// refuse at start (see serveProblems) and what `config check` can see
// besides (local catalog paths that do not exist).
func loadConfigChecked(path string, getenv func(string) string, forServe bool) (*Config, error) {
	cfg := defaultConfig()
	cfg.file = path
	cfg.pos = map[string][2]int{}
	if v := getenv("CALLBOARD_ADDR"); v != "" {
		cfg.Server.Addr = v // the default address; the file's server.addr and --addr win
	}
	var errs ConfigErrors
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading configuration: %w", err)
		}
		derrs, err := decodeConfig(path, data, getenv, &cfg, cfg.pos)
		if err != nil {
			return nil, err // not YAML: nothing else can be checked
		}
		errs = append(errs, derrs...)
	}
	errs = errs.add(cfg.readSecrets(getenv, cfg.pos)...)
	errs = errs.add(cfg.validate(cfg.pos)...)
	if forServe {
		errs = errs.add(cfg.serveProblems()...)
		errs = errs.add(cfg.localSourceProblems()...)
	}
	if len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	if cfg.Docs.BaseURL == "" && cfg.Backstage.UIURL != "" {
		// TechDocs of a Backstage catalog are read on its UI.
		cfg.Docs.BaseURL = strings.TrimRight(cfg.Backstage.UIURL, "/") + "/docs/{namespace}/{kind}/{name}/{path}"
	}
	return &cfg, nil
}

// add appends more, leaving out a problem of a key that already has one (a
// secret file that cannot be read is not also "missing").
func (es ConfigErrors) add(more ...*ConfigError) ConfigErrors {
	seen := map[string]bool{}
	for _, e := range es {
		if e.Path != "" {
			seen[e.File+"\x00"+e.Path] = true
		}
	}
	for _, e := range more {
		if e.Path != "" && seen[e.File+"\x00"+e.Path] {
			continue
		}
		es = append(es, e)
	}
	return es
}

// sort puts the problems in file order; those without a line (the
// environment, defaults) come last.
func (es ConfigErrors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

func expandEnv(s string, getenv func(string) string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		g := envRef.FindStringSubmatch(m)
		v := getenv(g[1])
		if v == "" && g[2] != "" {
			return g[3]
		}
		return v
	})
}

// decodeConfig decodes data into cfg and returns the problems of its keys
// and values; err is set only when data is not YAML at all.
func decodeConfig(file string, data []byte, getenv func(string) string, cfg *Config, pos map[string][2]int) (ConfigErrors, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file is all defaults
		}
		e := &ConfigError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(e.Msg); m != nil {
			fmt.Sscan(m[1], &e.Line)
			e.Msg = "not valid YAML: " + m[2]
		}
		return nil, ConfigErrors{e}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	var errs ConfigErrors
	checkKeys(file, root, reflect.TypeOf(*cfg), "", getenv, pos, &errs)
	if err := root.Decode(cfg); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return append(errs, &ConfigError{File: file, Msg: err.Error()}), nil
		}
		// checkKeys has worded the usual cases for people; yaml.v3's own
		// words are kept only for a line it did not report.
		lines := map[int]bool{}
		for _, e := range errs {
			lines[e.Line] = true
		}
		for _, m := range te.Errors {
			if e := typeError(file, m, pos); !lines[e.Line] {
				errs = append(errs, e)
			}
		}
	}
	return errs, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// typeError turns yaml.v3's "line 3: cannot unmarshal !!str `x` into int64"
// into file:line:col: path: message.
func typeError(file, msg string, pos map[string][2]int) *ConfigError {
	e := &ConfigError{File: file, Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &e.Line)
		e.Msg = m[2]
		for p, lc := range pos {
			if lc[0] == e.Line && (e.Path == "" || len(p) > len(e.Path)) {
				e.Path, e.Col = p, lc[1]
			}
		}
	}
	e.Msg = strings.Replace(e.Msg, "cannot unmarshal", "cannot read", 1)
	return e
}

// checkKeys walks n against t, expanding ${ENV} in scalars, recording each
// key's position under its dotted path and reporting unknown keys.
func checkKeys(file string, n *yaml.Node, t reflect.Type, path string, getenv func(string) string, pos map[string][2]int, errs *ConfigErrors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	wrong := func(msg string) {
		at, ok := pos[path] // the key, as for every other problem of it
		if !ok {
			at = [2]int{n.Line, n.Column}
		}
		*errs = append(*errs, &ConfigError{File: file, Line: at[0], Col: at[1], Path: path, Msg: msg})
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" || n.Style == 0 {
			v := expandEnv(n.Value, getenv)
			if v != n.Value {
				n.Value = v
				n.Tag = "" // let the target type re-resolve it
			}
		}
		if path != "" {
			if msg := scalarProblem(n, t); msg != "" {
				wrong(msg)
			}
		}
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			wrong("expected " + expected(t) + ", found a list")
			return
		}
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			pos[p] = [2]int{c.Line, c.Column}
			checkKeys(file, c, t.Elem(), p, getenv, pos, errs)
		}
	case yaml.MappingNode:
		switch t.Kind() {
		default:
			wrong("expected " + expected(t) + ", found a mapping (key: value pairs)")
		case reflect.Map:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := join(path, k.Value)
				pos[p] = [2]int{k.Line, k.Column}
				checkKeys(file, n.Content[i+1], t.Elem(), p, getenv, pos, errs)
			}
		case reflect.Struct:
			fields := map[string]reflect.Type{}
			var names []string
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
				if tag == "" || tag == "-" || !f.IsExported() {
					continue
				}
				fields[tag] = f.Type
				names = append(names, tag)
			}
			sort.Strings(names)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := join(path, k.Value)
				ft, ok := fields[k.Value]
				if !ok {
					*errs = append(*errs, &ConfigError{File: file, Line: k.Line, Col: k.Column, Path: p,
						Msg: fmt.Sprintf("unknown key; known keys here: %s", strings.Join(names, ", "))})
					continue
				}
				pos[p] = [2]int{k.Line, k.Column}
				checkKeys(file, n.Content[i+1], ft, p, getenv, pos, errs)
			}
		}
	}
}

// scalarProblem says, for people, why the scalar n cannot be a t ("" when
// it can); null (an empty value) is always fine: the default stays.
func scalarProblem(n *yaml.Node, t reflect.Type) string {
	if n.Tag == "!!null" || (n.Tag == "" && n.Style == 0 && (n.Value == "" || n.Value == "~" || n.Value == "null")) {
		return ""
	}
	switch t.Kind() {
	case reflect.Slice:
		return fmt.Sprintf("expected a list, found the single value `%s`: write [%s]", n.Value, n.Value)
	case reflect.Map, reflect.Struct:
		return fmt.Sprintf("expected a mapping (key: value pairs), found the single value `%s`", n.Value)
	}
	v := n.Value
	isInt := t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 && t != reflect.TypeOf(time.Duration(0))
	if isInt && n.ShortTag() == "!!float" {
		return fmt.Sprintf("`%s` is not a whole number", v) // yaml.v3 would truncate it
	}
	if n.Decode(reflect.New(t).Interface()) == nil {
		return ""
	}
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		if s := durationHint(v); s != "" {
			return fmt.Sprintf("`%s` is not a duration: write `%s`", v, s)
		}
		return fmt.Sprintf("`%s` is not a duration: write a number with a unit, such as 30s, 5m or 1h30m", v)
	case t.Kind() == reflect.Bool:
		return fmt.Sprintf("`%s` is not true or false", v)
	case isInt:
		return fmt.Sprintf("`%s` is not a whole number", v)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return fmt.Sprintf("`%s` is not a number", v)
	}
	return fmt.Sprintf("`%s` is not %s", v, expected(t))
}

// expected names what a key of type t holds, for messages.
func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a duration such as 30s"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "a mapping (key: value pairs)"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	}
	return "a single value"
}

var durationWords = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$`)

// durationHint rewrites what a person might write ("10 seconds", "5 min",
// "2 hours", a bare 30) as a Go duration; "" when it cannot guess.
func durationHint(v string) string {
	m := durationWords.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	n, unit := m[1], strings.ToLower(m[2])
	switch unit {
	case "", "s", "sec", "secs", "second", "seconds":
		return n + "s"
	case "ms", "msec", "millisecond", "milliseconds":
		return n + "ms"
	case "m", "min", "mins", "minute", "minutes":
		return n + "m"
	case "h", "hr", "hrs", "hour", "hours":
		return n + "h"
	case "d", "day", "days":
		if d, err := strconv.ParseFloat(n, 64); err == nil {
			return strconv.FormatFloat(d*24, 'f', -1, 64) + "h"
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// readSecrets takes each secret from its environment variable or else the
// file its *_file key names. The environment overrides the file.
func (c *Config) readSecrets(getenv func(string) string, pos map[string][2]int) ConfigErrors {
	var errs ConfigErrors
	read := func(dst *string, env, fileKey, file string) {
		if v := getenv(env); v != "" {
			*dst = v
			return
		}
		if file == "" {
			return
		}
		b, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, c.errAt(pos, fileKey, "cannot read the secret file: "+pathError(err)))
			return
		}
		*dst = strings.TrimSpace(string(b))
	}
	s := &c.secrets
	read(&s.SlackSigningSecret, "SLACK_SIGNING_SECRET", "slack.signing_secret_file", c.Slack.SigningSecretFile)
	read(&s.SlackBotToken, "SLACK_BOT_TOKEN", "slack.bot_token_file", c.Slack.BotTokenFile)
	read(&s.SlackAppToken, "SLACK_APP_TOKEN", "slack.app_token_file", c.Slack.AppTokenFile)
	read(&s.DiscordPublicKey, "DISCORD_PUBLIC_KEY", "discord.public_key_file", c.Discord.PublicKeyFile)
	read(&s.DiscordBotToken, "DISCORD_BOT_TOKEN", "discord.bot_token_file", c.Discord.BotTokenFile)
	read(&s.GitHubToken, "GITHUB_TOKEN", "github.token_file", c.GitHub.TokenFile)
	if f := getenv("GITHUB_APP_PRIVATE_KEY_FILE"); f != "" {
		c.GitHub.PrivateKeyFile = f
	}
	read(&s.GitHubPrivateKey, "GITHUB_APP_PRIVATE_KEY", "github.private_key_file", c.GitHub.PrivateKeyFile)
	read(&s.GitHubWebhookSecret, "GITHUB_WEBHOOK_SECRET", "github.webhook_secret_file", c.GitHub.WebhookSecretFile)
	read(&s.RedisPassword, "REDIS_PASSWORD", "redis.password_file", c.Redis.PasswordFile)
	read(&s.RedisSentinelPassword, "REDIS_SENTINEL_PASSWORD", "redis.sentinel_password_file", c.Redis.SentinelPasswordFile)
	read(&s.BackstageToken, "BACKSTAGE_TOKEN", "backstage.token_file", c.Backstage.TokenFile)
	c.Backstage.tokenFromEnv = getenv("BACKSTAGE_TOKEN") != ""
	read(&s.PagerDutyToken, "PAGERDUTY_TOKEN", "oncall.pagerduty.secret_file", c.OnCall.PagerDuty.SecretFile)
	read(&s.OpsgenieAPIKey, "OPSGENIE_API_KEY", "oncall.opsgenie.secret_file", c.OnCall.Opsgenie.SecretFile)
	read(&s.AlertmanagerToken, "ALERTMANAGER_WEBHOOK_TOKEN", "alerts.alertmanager.token_file", c.Alerts.Alertmanager.TokenFile)
	read(&s.PagerDutyWebhookSecret, "PAGERDUTY_WEBHOOK_SECRET", "alerts.pagerduty.secret_file", c.Alerts.PagerDuty.SecretFile)
	read(&s.StatusToken, "CALLBOARD_STATUS_TOKEN", "status.token_file", c.Status.TokenFile)
	if v := getenv("PAGERDUTY_API_URL"); v != "" {
		c.OnCall.PagerDuty.APIURL = v
	}
	if v := getenv("OPSGENIE_API_URL"); v != "" {
		c.OnCall.Opsgenie.APIURL = v
	}
	if v := getenv("DISCORD_APP_ID"); v != "" {
		c.Discord.AppID = v
	}
	if v := getenv("GITHUB_APP_ID"); v != "" {
		if _, err := fmt.Sscan(v, &c.GitHub.AppID); err != nil {
			errs = append(errs, &ConfigError{File: "environment", Path: "GITHUB_APP_ID", Msg: fmt.Sprintf("must be a number; got %q", v)})
		}
	}
	if v := getenv("GITHUB_APP_INSTALLATION_ID"); v != "" {
		if _, err := fmt.Sscan(v, &c.GitHub.InstallationID); err != nil {
			errs = append(errs, &ConfigError{File: "environment", Path: "GITHUB_APP_INSTALLATION_ID", Msg: fmt.Sprintf("must be a number; got %q", v)})
		}
	}
	if v := getenv("GITHUB_API_URL"); v != "" {
		c.GitHub.APIURL = v
	}
	if v := getenv("SLACK_API_URL"); v != "" {
		c.Slack.APIURL = v
	}
	if v := getenv("REDIS_URL"); v != "" {
		c.Redis.URL = v
	}
	if u, err := url.Parse(c.Redis.URL); err == nil && u.User != nil {
		s.RedisURLPassword, _ = u.User.Password()
	}
	return errs
}

// pathError is an os error without repeating noise.
func pathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

func (c *Config) errAt(pos map[string][2]int, path, msg string) *ConfigError {
	file := c.file
	if file == "" {
		file = "defaults"
	}
	e := &ConfigError{File: file, Path: path, Msg: msg}
	if lc, ok := pos[path]; ok {
		e.Line, e.Col = lc[0], lc[1]
	}
	return e
}

func (c *Config) validate(pos map[string][2]int) ConfigErrors {
	var errs ConfigErrors
	bad := func(path, format string, args ...any) {
		errs = append(errs, c.errAt(pos, path, fmt.Sprintf(format, args...)))
	}
	oneOf := func(path, got string, allowed ...string) {
		for _, a := range allowed {
			if got == a {
				return
			}
		}
		bad(path, "must be one of %s; got %q", strings.Join(allowed, ", "), got)
	}
	if _, _, err := net.SplitHostPort(c.Server.Addr); err != nil {
		bad("server.addr", "must be HOST:PORT (\":8080\", \"127.0.0.1:8080\"); got %q", c.Server.Addr)
	}
	for _, d := range []struct {
		path string
		v    time.Duration
	}{
		{"server.read_header_timeout", c.Server.ReadHeaderTimeout},
		{"server.read_timeout", c.Server.ReadTimeout},
		{"server.write_timeout", c.Server.WriteTimeout},
		{"server.idle_timeout", c.Server.IdleTimeout},
		{"server.shutdown_timeout", c.Server.ShutdownTimeout},
		{"catalog.refresh_interval", c.Catalog.RefreshInterval},
		{"oncall.cache_ttl", c.OnCall.CacheTTL},
		{"oncall.timeout", c.OnCall.Timeout},
	} {
		if d.v <= 0 {
			bad(d.path, "must be a positive duration such as 10s or 5m; got %s", d.v)
		}
	}
	if !(c.Limits.PerUserRate > 0) {
		bad("limits.per_user_rate", "must be a positive number of requests per second such as 1 or 0.5; got %v", c.Limits.PerUserRate)
	}
	if !(c.Memory.Headroom >= 0 && c.Memory.Headroom <= 100) {
		bad("memory.headroom", "must be a fraction of the live heap between 0 (no limit) and 100, such as 1.5; got %v", c.Memory.Headroom)
	}
	if c.Scaffold.Workers < 0 || c.Scaffold.Workers > 64 {
		bad("scaffold.workers", "must be between 0 and 64; got %d", c.Scaffold.Workers)
	}
	if c.Scaffold.ClaimTimeout < time.Second || c.Scaffold.ClaimTimeout > 10*time.Minute {
		bad("scaffold.claim_timeout", "must be between 1s and 10m; got %s", c.Scaffold.ClaimTimeout)
	}
	if c.Limits.Burst < 1 {
		bad("limits.burst", "must be at least 1; got %d", c.Limits.Burst)
	}
	if c.Catalog.RefreshInterval > 0 && c.Catalog.RefreshInterval < 10*time.Second {
		bad("catalog.refresh_interval", "must be at least 10s (GitHub's rate limit); got %s", c.Catalog.RefreshInterval)
	}
	if c.Server.MaxBodyBytes < 4096 || c.Server.MaxBodyBytes > 64<<20 {
		bad("server.max_body_bytes", "must be between 4096 and 67108864; got %d", c.Server.MaxBodyBytes)
	}
	for i, s := range c.Catalog.Sources {
		if strings.TrimSpace(s) == "" {
			bad(fmt.Sprintf("catalog.sources[%d]", i), "must not be empty")
		}
		if backstage.IsSpec(s) {
			// A token or password in the URL is refused here, redacted.
			if _, err := backstage.FromSpec(s, backstage.Options{}); err != nil {
				bad(fmt.Sprintf("catalog.sources[%d]", i), "%s", err)
			}
		}
	}
	if c.Backstage.UIURL != "" {
		if _, err := backstage.FromSpec("backstage:https://backstage.invalid", backstage.Options{UIURL: c.Backstage.UIURL}); err != nil {
			bad("backstage.ui_url", "must be the Backstage UI's http(s) base URL, without credentials or query; got %q", backstage.RedactURL(c.Backstage.UIURL))
		}
	}
	if c.Docs.BaseURL != "" {
		checkURL(bad, "docs.base_url", c.Docs.BaseURL)
	}
	if c.OnCall.PagerDuty.APIURL != "" {
		checkURL(bad, "oncall.pagerduty.api_url", c.OnCall.PagerDuty.APIURL)
	}
	if c.OnCall.Opsgenie.APIURL != "" {
		checkURL(bad, "oncall.opsgenie.api_url", c.OnCall.Opsgenie.APIURL)
	}
	oneOf("slack.mode", c.Slack.Mode, "http", "socket")
	if !strings.HasPrefix(c.Slack.Command, "/") || strings.ContainsAny(c.Slack.Command, " \t") {
		bad("slack.command", "must be a slash command such as /callboard; got %q", c.Slack.Command)
	}
	for k := range c.Slack.Aliases {
		if !strings.HasPrefix(k, "/") {
			bad("slack.aliases."+k, "an alias must be a slash command starting with /; got %q", k)
		}
	}
	if c.Slack.APIURL != "" {
		checkURL(bad, "slack.api_url", c.Slack.APIURL)
	}
	// Asking for Socket Mode in the file is asking for Slack: without the
	// token Slack would silently stay off.
	_, socketAsked := pos["slack.mode"]
	socketAsked = socketAsked && (c.Slack.Enabled == nil || *c.Slack.Enabled)
	if c.Slack.Mode == "socket" && c.secrets.SlackAppToken == "" && (c.slackOn() || socketAsked) {
		bad("slack.mode", "Socket Mode needs an app-level token: set SLACK_APP_TOKEN or slack.app_token_file (or slack.enabled: false)")
	}
	if c.slackOn() && c.Slack.Mode == "http" && c.secrets.SlackSigningSecret == "" {
		bad("slack.signing_secret_file", "Slack in http mode needs SLACK_SIGNING_SECRET or slack.signing_secret_file")
	}
	c.validateAlerts(bad)
	if strings.TrimSpace(c.Discord.Prefix) == "" {
		bad("discord.prefix", "must not be empty")
	}
	if c.discordOn() && c.secrets.DiscordPublicKey == "" {
		bad("discord.public_key_file", "Discord needs DISCORD_PUBLIC_KEY or discord.public_key_file")
	}
	if c.Discord.Gateway && c.secrets.DiscordBotToken == "" {
		bad("discord.gateway", "the gateway needs DISCORD_BOT_TOKEN or discord.bot_token_file")
	}
	if c.GitHub.APIURL != "" {
		checkURL(bad, "github.api_url", c.GitHub.APIURL)
	}
	if (c.GitHub.AppID != 0) != (c.GitHub.InstallationID != 0) {
		bad("github.app_id", "a GitHub App needs both app_id and installation_id")
	}
	if c.GitHub.AppID != 0 && c.secrets.GitHubPrivateKey == "" {
		bad("github.private_key_file", "a GitHub App needs its private key (GITHUB_APP_PRIVATE_KEY_FILE or github.private_key_file)")
	}
	if c.Redis.URL != "" {
		if u, err := url.Parse(c.Redis.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("redis.url", "must be a redis:// or rediss:// URL")
		}
	}
	if c.Redis.URL != "" && len(c.Redis.Addrs) > 0 {
		bad("redis.addrs", "set either redis.url or redis.addrs, not both")
	}
	if c.Redis.MasterName != "" && len(c.Redis.Addrs) == 0 {
		bad("redis.master_name", "a Sentinel master needs redis.addrs (the sentinels)")
	}
	if c.Redis.MasterName == "" && (c.Redis.SentinelUsername != "" || c.Redis.SentinelPasswordFile != "") {
		key := "redis.sentinel_username"
		if c.Redis.SentinelUsername == "" {
			key = "redis.sentinel_password_file"
		}
		bad(key, "Sentinel credentials need redis.master_name (they are for a Sentinel set-up)")
	}
	for i, a := range c.Redis.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad(fmt.Sprintf("redis.addrs[%d]", i), "must be HOST:PORT; got %q", a)
		}
	}
	if cl := c.Redis.Cluster; cl != nil {
		if *cl && c.Redis.MasterName != "" {
			bad("redis.cluster", "a Sentinel master (redis.master_name) is not a Cluster; drop one of them")
		}
		if !*cl && c.Redis.MasterName == "" && len(c.Redis.Addrs) > 1 {
			bad("redis.cluster", "several redis.addrs without master_name are a Cluster's nodes; drop cluster: false or list one address")
		}
	}
	if t := c.Redis.TLS; t.on() {
		if (t.CertFile == "") != (t.KeyFile == "") {
			bad("redis.tls.cert_file", "a client certificate needs both redis.tls.cert_file and redis.tls.key_file")
		} else if _, err := (redis.TLSOptions{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile}).Config(); err != nil {
			key := "redis.tls.ca_file"
			if t.CAFile == "" || strings.Contains(err.Error(), "client certificate") {
				key = "redis.tls.cert_file"
			}
			bad(key, "%s", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "redis tls ca_file: "), "redis tls "))
		}
	}
	for i, r := range c.Scaffold.Policy {
		p := fmt.Sprintf("scaffold.policy[%d]", i)
		if len(r.Templates) == 0 {
			bad(p, "a rule needs templates (template refs, or \"*\")")
		}
		if len(r.Groups) == 0 {
			bad(p, "a rule needs groups (group refs)")
		}
	}
	oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf("log.format", c.Log.Format, "auto", "json", "text")
	errs = append(errs, c.healthProblems(pos)...) // health.go
	return errs
}

// serveProblems are what `serve` would refuse at start beyond validate:
// catalog sources it cannot read (a github: source with no credentials, a
// malformed github: or backstage: source), catalog.admins that are not
// user references, a Discord public key that is not one, a GitHub App key
// that does not parse, a Slack app token that is not one. None reaches
// the network.
// admins reads catalog.admins: the users who may run `catalog status` and
// retry anyone's scaffold job. Serve's checks and its wiring read them here.
func (c *Config) admins() ([]catalog.Ref, ConfigErrors) {
	var refs []catalog.Ref
	var errs ConfigErrors
	for i, a := range c.Catalog.Admins {
		ref, err := catalog.ParseRef(a, catalog.KindUser, catalog.DefaultNamespace)
		if err != nil {
			errs = append(errs, c.errAt(c.pos, fmt.Sprintf("catalog.admins[%d]", i), fmt.Sprintf("%q is not a user reference (user:NAME or NAME): %v", a, err)))
			continue
		}
		refs = append(refs, ref)
	}
	return refs, errs
}

func (c *Config) serveProblems() ConfigErrors {
	var errs ConfigErrors
	bad := func(path, format string, args ...any) {
		errs = append(errs, c.errAt(c.pos, path, fmt.Sprintf(format, args...)))
	}
	creds := c.secrets.GitHubToken != "" || c.GitHub.AppID != 0
	for i, src := range c.Catalog.Sources {
		badSource := func(format string, args ...any) {
			if c.sourcesFromFlags {
				errs = append(errs, &ConfigError{File: "--catalog", Msg: fmt.Sprintf(format, args...)})
				return
			}
			bad(fmt.Sprintf("catalog.sources[%d]", i), format, args...)
		}
		// backstage: sources are checked by validate (credentials in the
		// URL are refused there, redacted).
		if !github.IsSourceSpec(src) {
			continue
		}
		if err := github.CheckSourceSpec(src); err != nil {
			badSource("%v", err)
		} else if !creds {
			badSource("%q needs GitHub credentials: set GITHUB_TOKEN (or github.token_file), or a GitHub App (GITHUB_APP_ID or github.app_id, github.installation_id, GITHUB_APP_PRIVATE_KEY_FILE)", src)
		}
	}
	if _, aerrs := c.admins(); len(aerrs) > 0 {
		errs = append(errs, aerrs...)
	}
	if c.discordOn() && c.secrets.DiscordPublicKey != "" {
		if _, err := discord.ParsePublicKey(c.secrets.DiscordPublicKey); err != nil {
			bad("discord.public_key_file", "DISCORD_PUBLIC_KEY (or the file) must be the application's public key: 64 hex digits")
		}
	}
	if c.slackOn() && c.Slack.Mode == "socket" && c.secrets.SlackAppToken != "" && !strings.HasPrefix(c.secrets.SlackAppToken, "xapp-") {
		bad("slack.app_token_file", "SLACK_APP_TOKEN (or the file) must be an app-level token starting with xapp-")
	}
	if c.GitHub.AppID != 0 && c.GitHub.InstallationID != 0 && c.secrets.GitHubPrivateKey != "" {
		_, err := github.NewClient(github.Config{AppID: c.GitHub.AppID, InstallationID: c.GitHub.InstallationID, PrivateKey: []byte(c.secrets.GitHubPrivateKey)})
		if err != nil {
			bad("github.private_key_file", "the GitHub App private key is not a PEM RSA private key")
		}
	}
	return errs
}

// localSourceProblems names local catalog sources that do not exist (from
// the working directory): `serve` would start without them.
func (c *Config) localSourceProblems() ConfigErrors {
	var errs ConfigErrors
	for i, src := range c.Catalog.Sources {
		if github.IsSourceSpec(src) || strings.HasPrefix(src, "backstage:") || strings.TrimSpace(src) == "" {
			continue
		}
		if _, err := os.Stat(src); err != nil {
			errs = append(errs, c.errAt(c.pos, fmt.Sprintf("catalog.sources[%d]", i), "cannot read "+pathError(err)))
		}
	}
	return errs
}

func checkURL(bad func(string, string, ...any), path, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(path, "must be an http(s) URL; got %q", s)
	}
}

// slackOn: Slack runs when enabled explicitly, or by default when any of
// its secrets is present.
func (c *Config) slackOn() bool {
	if c.Slack.Enabled != nil {
		return *c.Slack.Enabled
	}
	return c.secrets.SlackSigningSecret != "" || c.secrets.SlackAppToken != ""
}

func (c *Config) discordOn() bool {
	if c.Discord.Enabled != nil {
		return *c.Discord.Enabled
	}
	return c.secrets.DiscordPublicKey != ""
}

func init() {
	register(command{name: "config", summary: "check a callboard.yaml (config check [--config FILE])", run: runConfig})
}

func runConfig(_ context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(env.Stderr, "usage: callboard config check [--config FILE]")
		return 2
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("config", "callboard.yaml", "callboard.yaml `FILE` to check")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() == 1 {
		*file = fs.Arg(0)
	} else if fs.NArg() > 1 {
		fmt.Fprintln(env.Stderr, "usage: callboard config check [--config FILE]")
		return 2
	}
	cfg, err := CheckConfig(*file, env.Getenv)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		if n := strings.Count(err.Error(), "\n") + 1; n > 1 {
			fmt.Fprintf(env.Stderr, "%s: %d problems\n", *file, n)
		}
		return 1
	}
	fmt.Fprintf(env.Stdout, "%s: ok (slack %s, discord %s, redis %s)\n", *file, onOff(cfg.slackOn()), onOff(cfg.discordOn()), redisSummary(cfg))
	return 0
}

// redisSummary is how `config check` describes the Redis set-up: off, or
// on with its mode as far as the file says, TLS and the ACL user.
func redisSummary(c *Config) string {
	r := c.Redis
	if r.URL == "" && len(r.Addrs) == 0 {
		return "off"
	}
	var parts []string
	switch {
	case r.MasterName != "":
		parts = append(parts, "sentinel")
	case r.Cluster != nil && *r.Cluster, r.Cluster == nil && len(r.Addrs) > 1:
		parts = append(parts, "cluster")
	case r.Cluster != nil:
		parts = append(parts, "single node")
	default:
		parts = append(parts, "cluster or single node, asked at start")
	}
	if r.TLS.on() || strings.HasPrefix(r.URL, "rediss://") {
		parts = append(parts, "tls")
	}
	if r.Username != "" {
		parts = append(parts, "user "+r.Username)
	}
	return "on: " + strings.Join(parts, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// applyConfigFile reads o.Config (when set) into o for `ask` and `chat`: its
// catalog sources when no --catalog was given, its docs paths after
// --docs, and docs.base_url; then it takes the backstage:URL values among
// the catalogs as remote sources (with the file's or the environment's
// token), and the github: ones with the GitHub credentials serve uses.
func applyConfigFile(o *AppOptions, getenv func(string) string) (notes []string, err error) {
	if o.Config == "" {
		// The answers' redactor knows every secret the run was given, as
		// serve's does: here the environment's.
		for _, k := range secretEnv {
			if v := getenv(k); v != "" {
				o.Secrets = append(o.Secrets, v)
			}
		}
		if err := o.pagingFrom(cliConfig(o, getenv)); err != nil {
			return nil, err
		}
		return nil, splitCLISources(o, getenv)
	}
	cfg, err := LoadConfig(o.Config, getenv)
	if err != nil {
		return nil, err
	}
	o.cfg = cfg
	o.Secrets = append(o.Secrets, cfg.secrets.values()...)
	if err := o.pagingFrom(cfg); err != nil {
		return nil, err
	}
	if len(o.Catalogs) == 0 {
		o.Catalogs = append([]string(nil), cfg.Catalog.Sources...)
	}
	o.Docs = append(o.Docs, cfg.Docs.Paths...)
	o.DocsBaseURL = cfg.Docs.BaseURL
	return notes, splitCLISources(o, getenv)
}
