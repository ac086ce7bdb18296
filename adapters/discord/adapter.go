package discord

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// Completer suggests values for autocomplete: entity names and refs, or
// template names. The lead wires it to the catalog.
type Completer interface {
	// Complete returns at most limit choices of kind (KindEntity,
	// KindTemplate) whose names start with or contain prefix, best first.
	Complete(ctx context.Context, kind, prefix string, limit int) []Choice
}

// CompleterFunc adapts a function to Completer.
type CompleterFunc func(ctx context.Context, kind, prefix string, limit int) []Choice

// Complete calls f.
func (f CompleterFunc) Complete(ctx context.Context, kind, prefix string, limit int) []Choice {
	return f(ctx, kind, prefix, limit)
}

// Choice is one autocomplete suggestion: Name is shown, Value is sent back
// as the option's value (an entity ref, a template name). Both at most 100
// characters; longer values are not offered.
type Choice struct {
	Name  string
	Value string
}

// Completion kinds.
const (
	KindEntity   = "entity"
	KindTemplate = "template"
)

// Config configures an Adapter. PublicKey is required for interactions;
// the rest have useful defaults.
type Config struct {
	// PublicKey is the application's Ed25519 public key (DISCORD_PUBLIC_KEY,
	// decoded from hex with ParsePublicKey).
	PublicKey ed25519.PublicKey
	// Session is the REST client used for follow-ups, webhook edits and
	// gateway replies; nil means an unauthenticated discordgo session (enough
	// for interaction webhooks, which the interaction token authorises).
	Session *discordgo.Session
	// Completer answers autocomplete; nil offers no choices.
	Completer Completer
	// Dedupe remembers interaction ids so a replayed one is ignored; nil
	// means a small in-memory one (for one process).
	Dedupe chat.Dedupe
	// Prefix starts a gateway message meant for the bot ("!cb"); a mention of
	// the bot always works. Empty means "!cb".
	Prefix string
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// MaxBody caps an interaction body (default 64 KiB).
	MaxBody int64
	// MaxSkew refuses interactions whose timestamp is further than this
	// from now (default 5 minutes).
	MaxSkew time.Duration
	// AckWithin is how long an answer may take before the interaction is
	// acknowledged as deferred and finished by editing it (default 2.5 s,
	// under Discord's 3 s).
	AckWithin time.Duration
	// StateBudget is how long one interaction may wait on shared state
	// (Redis) in all before dedupe, rate limit and audit fail open;
	// chat.DefaultStateBudget by default.
	StateBudget time.Duration
	// TokenLife is how long an interaction token can edit its response
	// (default 15 minutes less a margin); slow work is stopped after it.
	TokenLife time.Duration
	// ShelfSize bounds the in-memory map of long button commands and the
	// parts of long answers (default 4096 entries).
	ShelfSize int
	// Stash shares those between replicas (Redis); nil keeps them in this
	// process, so such buttons work only on the replica that rendered them.
	Stash chat.Stash
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Adapter is callboard on Discord: an http.Handler for
// POST /discord/interactions, a gateway message handler (OnMessage) and the
// leader-held gateway loop (RunGateway). Close stops its background work.
type Adapter struct {
	cfg    Config
	h      chat.Handler
	log    *slog.Logger
	render *renderer
	dedupe chat.Dedupe

	ctx    context.Context // parent of all background work
	cancel context.CancelFunc
	wg     sync.WaitGroup

	gateway atomic.Int32 // gatewayUnmanaged, gatewayFollower or gatewayLeader
}

// New returns an Adapter answering through h (the bot's Router), as
// slack.New does.
func New(cfg Config, h chat.Handler) (*Adapter, error) {
	if h == nil {
		return nil, errors.New("discord: no handler")
	}
	if cfg.PublicKey != nil && len(cfg.PublicKey) != ed25519.PublicKeySize {
		return nil, errors.New("discord: Config.PublicKey must be 32 bytes")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 5 * time.Minute
	}
	if cfg.AckWithin <= 0 {
		cfg.AckWithin = 2500 * time.Millisecond
	}
	if cfg.TokenLife <= 0 {
		cfg.TokenLife = 14*time.Minute + 30*time.Second
	}
	if cfg.ShelfSize <= 0 {
		cfg.ShelfSize = 4096
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "!cb"
	}
	if cfg.Session == nil {
		s, err := NewSession("", "")
		if err != nil {
			return nil, err
		}
		cfg.Session = s
	}
	a := &Adapter{cfg: cfg, h: h, log: cfg.Logger, dedupe: cfg.Dedupe}
	if a.dedupe == nil {
		a.dedupe = newMemoryDedupe(10000, cfg.Now)
	}
	a.render = &renderer{shelf: newShelf(cfg.ShelfSize, 15*time.Minute, cfg.Now)}
	a.render.shelf.remote = cfg.Stash
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

// Close stops background work (follow-ups of slow answers) and waits for
// it. It returns an error like the Slack adapter's Close, so both close the
// same way; today it has none to report.
func (a *Adapter) Close() error {
	a.cancel()
	a.wg.Wait()
	return nil
}

// Shutdown lets background work finish until ctx is done, then stops it as
// Close does. It returns ctx.Err() when work had to be stopped.
func (a *Adapter) Shutdown(ctx context.Context) error {
	if err := chat.Wait(ctx, &a.wg); err != nil {
		_ = a.Close()
		return err
	}
	a.cancel()
	return nil
}

// Render renders resp as the messages Discord would show: more than one
// when the answer is too long for one message.
func (a *Adapter) Render(resp *chat.Response) []Message { return a.render.render(resp) }

// answer runs the handler, turning an error or nil answer into a response
// fit for the user (the cause goes to the log only).
func (a *Adapter) answer(ctx context.Context, req *chat.Request) *chat.Response {
	if resp := chat.TextTooLong(req.Text); resp != nil {
		a.log.WarnContext(ctx, "discord: command text over the limit; not run", "user", req.User.ID, "delivery", req.DeliveryID, "bytes", len(req.Text))
		return resp
	}
	resp, err := a.h.Handle(ctx, req)
	if err == nil && resp == nil {
		err = errors.New("the handler gave no answer")
	}
	if err != nil {
		return chat.ErrorResponse(ctx, a.log, err, "platform", "discord", "user", req.User.ID, "delivery", req.DeliveryID)
	}
	return resp
}

// memoryDedupe is the in-memory fallback for chat.Dedupe: a chat.Cache of at
// most max keys, on the adapter's clock.
type memoryDedupe struct{ seen *chat.Cache[struct{}] }

func newMemoryDedupe(max int, now func() time.Time) *memoryDedupe {
	return &memoryDedupe{seen: chat.NewCache[struct{}](max, now)}
}

func (d *memoryDedupe) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	return d.seen.Add(key, struct{}{}, ttl), nil
}
