package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/slack-go/slack"
)

// Config configures the adapter. The zero value of every field but
// SigningSecret (HTTP mode) or AppToken (Socket Mode) is usable.
type Config struct {
	// SigningSecret verifies HTTP requests (v0 HMAC-SHA256). Never logged.
	SigningSecret string
	// BotToken (xoxb-…) calls the Web API: chat.postMessage/update,
	// views.open, users.info. Without it mentions, DMs and modals cannot be
	// answered and slow answers use response_url only.
	BotToken string
	// AppToken (xapp-…) opens a Socket Mode connection (RunSocketMode).
	AppToken string
	// APIURL is the Web API base, "https://slack.com/api/" by default (tests
	// point it at slacktest).
	APIURL string
	// Command is the umbrella slash command, "/callboard" by default.
	Command string
	// Aliases map further slash commands to the words they stand for, e.g.
	// "/whoowns" → "who owns", "/docs" → "docs". Nil means DefaultAliases
	// (those of deploy/slack-app-manifest.yaml); empty means none.
	Aliases map[string]string
	// InChannel answers slash commands in the channel; by default they are
	// ephemeral with a "share in channel" button.
	InChannel bool
	// MaxBody caps request bodies, 1 MiB by default.
	MaxBody int64
	// Dedupe remembers deliveries (event_id) and request signatures across
	// replicas; an in-memory one is used when nil.
	Dedupe chat.Dedupe
	// Logger receives one line per refused request and per failed delivery.
	Logger *slog.Logger
	// HTTPClient is used for the Web API and response_url.
	HTTPClient *http.Client
	// UserTTL is how long users.info answers (emails) are cached, 1 h by default.
	UserTTL time.Duration
	// UserMissTTL is how long a failed users.info is remembered (so every
	// request does not wait on a Slack outage), 10 s by default: short, so
	// the email is back soon after Slack recovers.
	UserMissTTL time.Duration
	// StateBudget is how long one request may wait on shared state (Redis)
	// in all before dedupe, rate limit and audit fail open;
	// chat.DefaultStateBudget by default.
	StateBudget time.Duration
	// TeamChannel resolves a group's entity ref to its Slack channel, so
	// mentions of teams link their channels.
	TeamChannel func(ref string) string
	// FollowTimeout bounds slow work (Response.Follow), 30 min by default:
	// the lifetime of a response_url.
	FollowTimeout time.Duration
	// MaxRetries is how often a Web API call refused with 429 is retried
	// after its Retry-After, 3 by default.
	MaxRetries int
	// Stash shares button values too long for Slack's 2,000 characters
	// between replicas (Redis); nil keeps them in this process, so such a
	// button works only on the replica that rendered it.
	Stash chat.Stash
}

// DefaultAliases are the slash commands of deploy/slack-app-manifest.yaml
// besides the umbrella /callboard.
var DefaultAliases = map[string]string{
	"/whoowns": "who owns",
	"/oncall":  "oncall",
	"/impact":  "impact",
	"/docs":    "docs",
}

// Adapter serves Slack's HTTP endpoints and Socket Mode for one chat.Handler.
type Adapter struct {
	cfg    Config
	h      chat.Handler
	api    *slack.Client // nil without a bot token
	dedupe chat.Dedupe
	signer *signer // checks HTTP requests with cfg.SigningSecret
	log    *slog.Logger
	httpc  *http.Client
	users  *memo[slack.User]
	// misses are users whose users.info failed lately.
	misses  *memo[struct{}]
	answers *memo[*chat.Response]
	// acks are the acknowledgements of recent slash commands by trigger id,
	// given again when Slack delivers one a second time: their JSON, a
	// few KB each where the rendered Message (blocks, text objects, buttons)
	// was many small allocations the GC scans.
	acks    *memo[commandAck]
	values  *valueStore
	aliases map[string]string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an Adapter answering through h.
func New(cfg Config, h chat.Handler) (*Adapter, error) {
	if h == nil {
		return nil, errors.New("slack: no handler")
	}
	if cfg.SigningSecret == "" && cfg.AppToken == "" {
		return nil, errors.New("slack: set the signing secret (SLACK_SIGNING_SECRET) for HTTP mode, or an app-level token (SLACK_APP_TOKEN) for Socket Mode")
	}
	if cfg.AppToken != "" && !strings.HasPrefix(cfg.AppToken, "xapp-") {
		return nil, errors.New("slack: the app-level token must start with xapp-")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.Command == "" {
		cfg.Command = "/callboard"
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.UserTTL <= 0 {
		cfg.UserTTL = time.Hour
	}
	if cfg.UserMissTTL <= 0 {
		cfg.UserMissTTL = 10 * time.Second
	}
	if cfg.FollowTimeout <= 0 {
		cfg.FollowTimeout = 30 * time.Minute
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	a := &Adapter{
		cfg:     cfg,
		h:       h,
		dedupe:  cfg.Dedupe,
		signer:  newSigner(cfg.SigningSecret),
		log:     cfg.Logger,
		httpc:   cfg.HTTPClient,
		users:   newMemo[slack.User](10000, cfg.UserTTL),
		misses:  newMemo[struct{}](10000, cfg.UserMissTTL),
		answers: newMemo[*chat.Response](2000, 30*time.Minute),
		acks:    newMemo[commandAck](2000, 10*time.Minute),
		aliases: map[string]string{},
	}
	if a.dedupe == nil {
		a.dedupe = chat.NewMemoryDedupe()
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.values = newValueStore(cfg.Stash, a.log)
	if cfg.Aliases == nil {
		cfg.Aliases = DefaultAliases
	}
	for k, v := range cfg.Aliases {
		a.aliases[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	if cfg.BotToken != "" {
		opts := []slack.Option{slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(cfg.HTTPClient)}
		if cfg.AppToken != "" {
			opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
		}
		a.api = slack.New(cfg.BotToken, opts...)
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

// Close stops background work (follow-ups, deliveries) and waits for it.
func (a *Adapter) Close() error {
	a.cancel()
	a.wg.Wait()
	return nil
}

// Shutdown lets background work (follow-ups of slow answers) finish until
// ctx is done, then stops it as Close does: the grace period discord's
// Shutdown gives too. It returns ctx.Err() when work had to be stopped.
func (a *Adapter) Shutdown(ctx context.Context) error {
	if err := chat.Wait(ctx, &a.wg); err != nil {
		_ = a.Close()
		return err
	}
	a.cancel()
	return nil
}

// Paths served by ServeHTTP.
const (
	PathCommands     = "/slack/commands"
	PathEvents       = "/slack/events"
	PathInteractions = "/slack/interactions"
)

// Register mounts the three endpoints on mux.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.Handle("POST "+PathCommands, a.verified(a.serveCommand, true))
	mux.Handle("POST "+PathEvents, a.verified(a.serveEvent, false))
	mux.Handle("POST "+PathInteractions, a.verified(a.serveInteraction, true))
}

// ServeHTTP serves the three endpoints; anything else is 404.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathCommands:
		a.verified(a.serveCommand, true).ServeHTTP(w, r)
	case PathEvents:
		a.verified(a.serveEvent, false).ServeHTTP(w, r)
	case PathInteractions:
		a.verified(a.serveInteraction, true).ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// replayWindow is how long a request signature is remembered: longer than
// the ±5 min timestamp tolerance, so a replayed request is always refused.
const replayWindow = 11 * time.Minute

// verified reads the body within the size cap, checks the signature and the
// timestamp and, when noReplay, that this exact signed request was not seen
// before. Failures get 401 and a log line, never a reply.
func (a *Adapter) verified(next func(w http.ResponseWriter, r *http.Request, body []byte), noReplay bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		refuse := func(reason string, err error) {
			a.log.Warn("slack: refused request", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", reason, "err", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		}
		if a.cfg.SigningSecret == "" {
			refuse("no signing secret configured", nil)
			return
		}
		if r.ContentLength > a.cfg.MaxBody {
			refuse("body too large", fmt.Errorf("%d bytes over the %d byte cap", r.ContentLength, a.cfg.MaxBody))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, a.cfg.MaxBody+1))
		if err != nil {
			refuse("body unreadable", err)
			return
		}
		if int64(len(body)) > a.cfg.MaxBody {
			refuse("body too large", fmt.Errorf("over the %d byte cap", a.cfg.MaxBody))
			return
		}
		if bad, mismatch := a.signer.verify(r.Header, body); bad != nil {
			refuse("bad signature headers or stale timestamp", bad)
			return
		} else if mismatch != nil {
			refuse("signature mismatch", mismatch)
			return
		}
		// One budget for every wait on shared state until the answer is
		// written: Slack's 3 seconds are not Redis' to spend.
		r = r.WithContext(chat.WithStateBudget(r.Context(), a.cfg.StateBudget))
		if noReplay {
			sctx, done := chat.StateContextFor(r.Context(), a.dedupe)
			// Keyed by the signature lower-cased: hex decoding takes either
			// case, so a captured request replayed with its signature's
			// letters changed must still meet its first key.
			first, err := a.dedupe.FirstSeen(sctx, "slack:sig:"+strings.ToLower(r.Header.Get("X-Slack-Signature")), replayWindow)
			done()
			if err != nil {
				// The store is down: answering is better than refusing every request.
				a.log.Error("slack: replay check failed", "err", err)
			} else if !first {
				refuse("replayed request", nil)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, body)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	if m, ok := v.(Message); ok {
		v = m.wire()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// commandText turns a slash command and its text into the bot's command line.
func (a *Adapter) commandText(command, text string) (string, bool) {
	text = strings.TrimSpace(text)
	c := strings.ToLower(strings.TrimSpace(command))
	if c == strings.ToLower(a.cfg.Command) {
		return text, true
	}
	if words, ok := a.aliases[c]; ok {
		return strings.TrimSpace(words + " " + text), true
	}
	return "", false
}

// go runs f in the background until the adapter is closed.
func (a *Adapter) background(f func(ctx context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f(a.ctx)
	}()
}
