package github

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v66/github"
)

// Config says how to reach and authenticate to GitHub. Either Token, or
// AppID + InstallationID + a private key (PrivateKey or PrivateKeyFile).
// Its String and LogValue never show secrets.
type Config struct {
	Token          string
	AppID          int64
	InstallationID int64
	PrivateKeyFile string
	PrivateKey     []byte // PEM
	// BaseURL is the API root: "" for api.github.com, or a GitHub
	// Enterprise host (https://ghe.example.com, "/api/v3/" is added when missing).
	BaseURL   string
	UploadURL string // "" means BaseURL's uploads endpoint
	// Retry bounds retries; the zero value means DefaultRetry.
	Retry Retry
	// Transport is the underlying HTTP transport (nil: http.DefaultTransport).
	Transport http.RoundTripper
}

// ConfigFromEnv reads GITHUB_TOKEN, GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID,
// GITHUB_APP_PRIVATE_KEY_FILE and GITHUB_API_URL.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Token:          getenv("GITHUB_TOKEN"),
		PrivateKeyFile: getenv("GITHUB_APP_PRIVATE_KEY_FILE"),
		BaseURL:        getenv("GITHUB_API_URL"),
	}
	for _, v := range []struct {
		name string
		dst  *int64
	}{{"GITHUB_APP_ID", &c.AppID}, {"GITHUB_APP_INSTALLATION_ID", &c.InstallationID}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return Config{}, fmt.Errorf("%s=%q is not a number", v.name, s)
			}
			*v.dst = n
		}
	}
	return c, nil
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// String describes the configuration with secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("github.Config{BaseURL:%q Token:%s AppID:%d InstallationID:%d PrivateKeyFile:%q PrivateKey:%s}",
		c.BaseURL, redact(c.Token), c.AppID, c.InstallationID, c.PrivateKeyFile, redact(string(c.PrivateKey)))
}

// LogValue implements slog.LogValuer with secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("token", redact(c.Token)),
		slog.Int64("app_id", c.AppID),
		slog.Int64("installation_id", c.InstallationID),
		slog.String("private_key_file", c.PrivateKeyFile),
		slog.String("private_key", redact(string(c.PrivateKey))),
	)
}

// Client is an authenticated GitHub client with retries and rate-limit
// accounting. GitHub is the go-github client; HTTP is the same stack for
// requests go-github does not model (conditional GETs).
type Client struct {
	GitHub    *gh.Client
	HTTP      *http.Client
	transport *Transport
	app       *ghinstallation.Transport
	cache     *DiskCache
}

// defaultTransport bounds every stage of a call, so a GitHub that stops
// answering cannot hold a worker (and its job) indefinitely: dialling and TLS
// as net/http's default does, and 30 s for the response's headers.
var defaultTransport = func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	return t
}()

// requestTimeout bounds one request end to end, the Transport's retries and
// their waits (Retry.MaxWait, 2 minutes by default) included.
const requestTimeout = 3 * time.Minute

// UseCache keeps the answers of sources and readers made after it on disk
// (nil: in memory only), so the next process asks conditionally.
func (c *Client) UseCache(d *DiskCache) { c.cache = d }

// NewClient builds a Client from cfg.
func NewClient(cfg Config) (*Client, error) {
	base := cfg.Transport
	if base == nil {
		base = defaultTransport
	}
	rt := &Transport{Base: base, Retry: cfg.Retry}
	c := &Client{transport: rt}
	var hc *http.Client
	switch {
	case cfg.AppID != 0 || cfg.InstallationID != 0 || cfg.PrivateKeyFile != "" || len(cfg.PrivateKey) > 0:
		if cfg.AppID == 0 || cfg.InstallationID == 0 {
			return nil, errors.New("github: a GitHub App needs both an app id and an installation id")
		}
		key := cfg.PrivateKey
		if len(key) == 0 {
			if cfg.PrivateKeyFile == "" {
				return nil, errors.New("github: a GitHub App needs a private key (GITHUB_APP_PRIVATE_KEY_FILE)")
			}
			b, err := os.ReadFile(cfg.PrivateKeyFile)
			if err != nil {
				return nil, fmt.Errorf("github: read the app private key: %w", err)
			}
			key = b
		}
		itr, err := ghinstallation.New(rt, cfg.AppID, cfg.InstallationID, key)
		if err != nil {
			return nil, fmt.Errorf("github: app private key: %w", err)
		}
		if cfg.BaseURL != "" {
			u, err := apiURL(cfg.BaseURL)
			if err != nil {
				return nil, err
			}
			itr.BaseURL = strings.TrimSuffix(u, "/")
		}
		c.app = itr
		hc = &http.Client{Transport: itr, Timeout: requestTimeout}
		c.GitHub = gh.NewClient(hc)
	case cfg.Token != "":
		c.GitHub = gh.NewClient(&http.Client{Transport: rt, Timeout: requestTimeout}).WithAuthToken(cfg.Token)
	default:
		return nil, errors.New("github: no credentials: set GITHUB_TOKEN or the GitHub App settings (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PRIVATE_KEY_FILE)")
	}
	if cfg.BaseURL != "" {
		upload := cfg.UploadURL
		if upload == "" {
			upload = cfg.BaseURL
		}
		g, err := c.GitHub.WithEnterpriseURLs(cfg.BaseURL, upload)
		if err != nil {
			return nil, fmt.Errorf("github: base URL %q: %w", cfg.BaseURL, err)
		}
		c.GitHub = g
	}
	c.HTTP = c.GitHub.Client()
	return c, nil
}

// apiURL returns the API root go-github will use for base.
func apiURL(base string) (string, error) {
	g, err := gh.NewClient(nil).WithEnterpriseURLs(base, base)
	if err != nil {
		return "", fmt.Errorf("github: base URL %q: %w", base, err)
	}
	return g.BaseURL.String(), nil
}

// Stats returns the call counter and the last rate-limit headers seen.
func (c *Client) Stats() Stats { return c.transport.Stats() }

// tokenExpiry is when the current GitHub App installation token expires
// (zero for token auth or before the first call).
func (c *Client) tokenExpiry() time.Time {
	if c.app == nil {
		return time.Time{}
	}
	exp, _, err := c.app.Expiry()
	if err != nil {
		return time.Time{}
	}
	return exp
}

// Host is the web host repositories live on: "github.com" for api.github.com,
// else the API host.
func (c *Client) Host() string {
	h := c.GitHub.BaseURL.Hostname()
	if h == "api.github.com" {
		return "github.com"
	}
	return h
}

// url resolves an API path against the base URL.
func (c *Client) url(p string, q url.Values) string {
	u := *c.GitHub.BaseURL
	// p is an escaped path (segments through url.PathEscape, or plain ones
	// that need none): keep its escapes as written rather than escaping the
	// '%' again, which turned "My Page.md" into My%2520Page.md.
	p = strings.TrimPrefix(p, "/")
	plain, err := url.PathUnescape(p)
	if err != nil {
		plain = p
	}
	u.RawPath = u.EscapedPath() + p
	u.Path += plain
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
