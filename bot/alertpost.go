package bot

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// AlertPoster posts cards outside a request: the chat adapter of the
// platform alerts go to. Errors that say when to try again wrap a
// *RetryLaterError.
type AlertPoster interface {
	// Post posts resp in channel and returns the message's id (Slack ts).
	Post(ctx context.Context, channel string, resp *Response) (string, error)
	// Update replaces the message id in channel with resp.
	Update(ctx context.Context, channel, id string, resp *Response) error
	// ReplyInThread posts resp in the thread of message id.
	ReplyInThread(ctx context.Context, channel, id string, resp *Response) (string, error)
}

// ErrChannelUnusable is chat.ErrChannelUnusable.
var ErrChannelUnusable = chat.ErrChannelUnusable

// RetryLaterError is chat.RetryLaterError.
type RetryLaterError = chat.RetryLaterError

// AlertState is what is remembered of one alert group: its current message
// and the state it shows. Shared between replicas (Redis).
type AlertState struct {
	// Card counts the group's messages: a re-fire after resolving posts card 2.
	Card    int    `json:"card"`
	Channel string `json:"channel"`
	// Message is the platform's message id (Slack ts, Discord message id).
	Message string `json:"message"`
	Status  string `json:"status"`
	// Seen are the digests of the states this message has shown.
	Seen []string `json:"seen"`
	// LastStart is the latest StartsAt of the group's alerts on this
	// message: a firing delivery no newer than a resolved card's is a stale
	// redelivery, not a re-fire.
	LastStart time.Time `json:"lastStart,omitzero"`
	Entity    string    `json:"entity,omitempty"`
	// TakenBy are who pressed "I'm on it", as shown.
	TakenBy []string  `json:"takenBy,omitempty"`
	Updated time.Time `json:"updated"`
	// Shown is the card as last posted, so "I'm on it" can add who took it.
	Shown *Response `json:"shown,omitempty"`
}

// AlertStore keeps alert groups' state and serialises work on one group
// across replicas. adapters/redis implements it; MemoryAlertStore is the
// one-process twin.
type AlertStore interface {
	// Lock takes the group's lock for ttl. ok is false when another holds
	// it; token releases it.
	Lock(ctx context.Context, group string, ttl time.Duration) (token string, ok bool, err error)
	// Unlock releases the lock if token still holds it.
	Unlock(ctx context.Context, group, token string) error
	// Get returns the group's state, nil when none is kept.
	Get(ctx context.Context, group string) (*AlertState, error)
	// Put keeps st for ttl.
	Put(ctx context.Context, group string, st *AlertState, ttl time.Duration) error
}

// Alert outcomes, as counted by AlertsConfig.Outcome.
const (
	AlertPosted    = "posted"    // a new card
	AlertUpdated   = "updated"   // the card updated, with a line in its thread
	AlertDuplicate = "duplicate" // a redelivery of a state already shown
	AlertStale     = "stale"     // an older firing state after the card resolved
	AlertRetried   = "retried"   // an attempt failed and will be retried
	AlertFailed    = "failed"    // given up after the last attempt (logged as an error)
	AlertRefused   = "refused"   // the queue was full; the sender was told to retry
	AlertUnrouted  = "unrouted"  // no channel to post to (logged as an error)
)

// ErrAlertQueueFull is returned by Submit when the queue is full: the
// webhook answers 503 so that the sender delivers again.
var ErrAlertQueueFull = errors.New("the alert queue is full")

// errAlertBusy is another replica working on the group: try again shortly.
var errAlertBusy = errors.New("alert group is being posted by another replica")

// AlertsConfig configures Alerts.
type AlertsConfig struct {
	// Catalog, OnCall, OnCallTimeout and Docs are as in Options.
	Catalog       Catalog
	OnCall        OnCall
	OnCallTimeout time.Duration
	Docs          DocSearcher
	Routing       AlertRouting
	// Platform is where cards go (PlatformSlack or PlatformDiscord).
	Platform string
	Poster   AlertPoster
	// Store is shared between replicas; nil keeps state in this process.
	Store AlertStore
	// Outcome counts what happened to each delivery (metrics); may be nil.
	Outcome func(source, outcome string)
	Logger  *slog.Logger
	// QueueSize bounds deliveries waiting to be posted (default 1000).
	QueueSize int
	// Workers post in parallel (default 4).
	Workers int
	// MaxAttempts before giving up on a card (default 12: about 8 minutes
	// with the default backoff).
	MaxAttempts int
	// Backoff is the first wait after a failure (default 1 s), doubling up
	// to MaxBackoff (default 1 min); a Retry-After replaces it.
	Backoff, MaxBackoff time.Duration
	// StateTTL is how long a group's state is kept (default 7 days).
	StateTTL time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Redact passes every text of a card (serve gives it the configured
	// secrets); PublicText is always applied too, so internal addresses
	// (an alert's Prometheus at host:9090) never reach chat: a link to
	// one is left out.
	Redact func(string) string
}

// Alerts turns webhook deliveries into owner cards: one message per alert
// group, updated as the group changes, with a thread of the changes; once
// across replicas and redeliveries through the AlertStore; retried with
// backoff when the platform refuses.
type Alerts struct {
	cfg AlertsConfig
	a   *answers
	// queues has one queue per worker; a group always goes to the same
	// one, so one replica shows a group's deliveries in the order they
	// came (acknowledged before resolved), while groups run side by side.
	queues []chan AlertGroup
	log    *slog.Logger
}

// NewAlerts checks cfg and returns Alerts; call Run to start posting.
func NewAlerts(cfg AlertsConfig) (*Alerts, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("alerts: no catalog")
	}
	if cfg.Poster == nil {
		return nil, errors.New("alerts: no chat platform to post to (configure Slack's bot token or Discord's bot token)")
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryAlertStore()
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1000
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 7 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Platform == "" {
		cfg.Platform = PlatformSlack
	}
	a := &answers{Options: Options{Catalog: cfg.Catalog, OnCall: cfg.OnCall, OnCallTimeout: cfg.OnCallTimeout, Docs: cfg.Docs, Now: cfg.Now, PageSize: 15}}
	x := &Alerts{cfg: cfg, a: a, log: logger(cfg.Logger)}
	for range cfg.Workers {
		x.queues = append(x.queues, make(chan AlertGroup, max(1, cfg.QueueSize/cfg.Workers)))
	}
	return x, nil
}

// queueOf is the queue group g goes to: always the same for one group.
func (x *Alerts) queueOf(g *AlertGroup) chan AlertGroup {
	h := sha256.Sum256([]byte(g.Source + "\x00" + g.Key))
	return x.queues[int(binary.BigEndian.Uint32(h[:4])%uint32(len(x.queues)))]
}

// AlertGroupID is the short id of a group, used as its state key and
// carried by the card's buttons.
func AlertGroupID(g *AlertGroup) string {
	h := sha256.Sum256([]byte(g.Source + "\x00" + g.Key))
	return hex.EncodeToString(h[:10])
}

func (x *Alerts) outcome(g *AlertGroup, o string) {
	if x.cfg.Outcome != nil {
		x.cfg.Outcome(g.Source, o)
	}
}

// Submit queues g for posting. It never blocks: a full queue is
// ErrAlertQueueFull (counted as refused).
func (x *Alerts) Submit(g AlertGroup) error {
	select {
	case x.queueOf(&g) <- g:
		return nil
	default:
		x.outcome(&g, AlertRefused)
		x.log.Error("alerts: queue full; the sender is asked to deliver again", "source", g.Source, "group", AlertGroupID(&g))
		return ErrAlertQueueFull
	}
}

// Run posts queued groups until ctx is done. What is still queued then is
// logged as not posted, one line per group.
func (x *Alerts) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range x.queues {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case g := <-q:
					x.deliver(ctx, &g)
				}
			}
		})
	}
	wg.Wait()
	for _, q := range x.queues {
	drain:
		for {
			select {
			case g := <-q:
				x.outcome(&g, AlertFailed)
				x.log.Error("alerts: card not posted: shutting down", "source", g.Source, "group", AlertGroupID(&g), "status", g.Status)
			default:
				break drain
			}
		}
	}
}

// deliver handles g with retries until it is done, given up, or ctx ends.
func (x *Alerts) deliver(ctx context.Context, g *AlertGroup) {
	id := AlertGroupID(g)
	wait := x.cfg.Backoff
	busySince := time.Time{}
	for attempt := 1; ; {
		err := x.Handle(ctx, g)
		if err == nil {
			return
		}
		var pause time.Duration
		switch {
		case errors.Is(err, errAlertBusy):
			// Another replica holds the group: look again shortly, up
			// to the lock's lifetime (it expires if that replica died).
			if busySince.IsZero() {
				busySince = time.Now()
			}
			if time.Since(busySince) > 2*alertLockTTL {
				x.outcome(g, AlertFailed)
				x.log.Error("alerts: card not posted: the group stayed locked", "source", g.Source, "group", id)
				return
			}
			pause = 100*time.Millisecond + time.Duration(time.Now().UnixNano()%200)*time.Millisecond
		default:
			if ctx.Err() != nil {
				x.outcome(g, AlertFailed)
				x.log.Error("alerts: card not posted: shutting down", "source", g.Source, "group", id, "err", err)
				return
			}
			if attempt >= x.cfg.MaxAttempts {
				x.outcome(g, AlertFailed)
				x.log.Error("alerts: card not posted; giving up", "source", g.Source, "group", id, "status", g.Status, "attempts", attempt, "err", err)
				return
			}
			pause = wait
			var rl *RetryLaterError
			if errors.As(err, &rl) && rl.After > pause {
				pause = rl.After
			}
			wait = min(2*wait, x.cfg.MaxBackoff)
			x.outcome(g, AlertRetried)
			x.log.Warn("alerts: card not posted; retrying", "source", g.Source, "group", id, "attempt", attempt, "after", pause, "err", err)
			attempt++
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			x.outcome(g, AlertFailed)
			x.log.Error("alerts: card not posted: shutting down", "source", g.Source, "group", id, "err", err)
			return
		case <-t.C:
		}
	}
}

// alertLockTTL bounds how long one replica may hold a group while posting.
const alertLockTTL = 30 * time.Second

// Handle makes one attempt at showing g: a new card, an update of the
// group's card with a line in its thread, or nothing when the state was
// shown already. It is what the queue's workers run.
func (x *Alerts) Handle(ctx context.Context, g *AlertGroup) error {
	id := AlertGroupID(g)
	token, ok, err := x.cfg.Store.Lock(ctx, id, alertLockTTL)
	if err != nil {
		return fmt.Errorf("lock alert group: %w", err)
	}
	if !ok {
		return errAlertBusy
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := x.cfg.Store.Unlock(uctx, id, token); err != nil {
			x.log.Warn("alerts: unlock failed (it expires by itself)", "group", id, "err", err)
		}
	}()
	st, err := x.cfg.Store.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("read alert group state: %w", err)
	}
	digest, start := g.digest(), latestStart(g)
	switch {
	case st != nil && contains(st.Seen, digest):
		x.outcome(g, AlertDuplicate)
		return nil
	case st != nil && st.Status == AlertResolved && g.Status != AlertResolved && !start.After(st.LastStart):
		x.outcome(g, AlertStale)
		x.log.Info("alerts: older firing state after the card resolved; ignored", "source", g.Source, "group", id)
		return nil
	case st != nil && st.Status != AlertResolved && g.Status == AlertResolved && start.Before(st.LastStart):
		// A resolution of alerts older than those the card shows firing
		// (a delivery that waited in another replica's backoff while the
		// group re-fired) must not mark the newer firing card resolved.
		x.outcome(g, AlertStale)
		x.log.Info("alerts: older resolution after the group fired again; ignored", "source", g.Source, "group", id)
		return nil
	case st == nil || (st.Status == AlertResolved && g.Status != AlertResolved):
		card := x.a.alertCard(ctx, x.cfg.Routing, x.cfg.Platform, g, id)
		if card.Channel == "" {
			x.outcome(g, AlertUnrouted)
			x.log.Error("alerts: no channel for this card and no fallback channel configured (alerts.fallback_channel)",
				"source", g.Source, "group", id, "entity", card.Entity, "title", card.Response.Title)
			return nil
		}
		shown := x.public(card.Response)
		msg, err := x.cfg.Poster.Post(ctx, card.Channel, shown)
		if fb := x.cfg.Routing.FallbackChannel; errors.Is(err, ErrChannelUnusable) && fb != "" && fb != card.Channel {
			// The catalog names a channel the bot cannot use: the card goes
			// to the fallback channel saying so, rather than nowhere.
			x.log.Warn("alerts: cannot post in the catalog's channel; using the fallback channel", "group", id, "channel", card.Channel, "err", err)
			note := fmt.Sprintf("Posted here because the bot cannot post in %s, the channel the catalog names: invite it there, or fix the channel annotation.", card.Channel)
			if card.Response.Text != "" {
				note = card.Response.Text + "\n" + note
			}
			card.Response.Text = note
			card.Channel = fb
			shown = x.public(card.Response)
			msg, err = x.cfg.Poster.Post(ctx, card.Channel, shown)
		}
		if err != nil {
			return fmt.Errorf("post alert card in %s: %w", card.Channel, err)
		}
		n := 1
		if st != nil {
			n = st.Card + 1
		}
		nst := &AlertState{Card: n, Channel: card.Channel, Message: msg, Status: g.Status, Seen: []string{digest},
			LastStart: start, Entity: card.Entity, Updated: x.cfg.Now(), Shown: shown}
		if err := x.put(ctx, id, nst); err != nil {
			// The card is up; a retry would post it again. Log loudly
			// rather than duplicate.
			x.log.Error("alerts: card posted but its state not saved; a redelivery may post it again", "group", id, "err", err)
		}
		x.outcome(g, AlertPosted)
		x.log.Info("alerts: card posted", "source", g.Source, "group", id, "channel", card.Channel, "entity", card.Entity, "status", g.Status, "card", n)
		return nil
	default:
		card := x.a.alertCard(ctx, x.cfg.Routing, x.cfg.Platform, g, id)
		x.addTaken(card.Response, st)
		shown := x.public(card.Response)
		if err := x.cfg.Poster.Update(ctx, st.Channel, st.Message, shown); err != nil {
			return fmt.Errorf("update alert card in %s: %w", st.Channel, err)
		}
		if _, err := x.cfg.Poster.ReplyInThread(ctx, st.Channel, st.Message, x.public(&Response{Text: changeLine(g, st, x.cfg.Now()), Status: StatusOK})); err != nil {
			return fmt.Errorf("reply in the alert card's thread in %s: %w", st.Channel, err)
		}
		st.Status = g.Status
		st.Shown = shown
		st.Seen = append(st.Seen, digest)
		if len(st.Seen) > 32 {
			st.Seen = st.Seen[len(st.Seen)-32:]
		}
		if start.After(st.LastStart) {
			st.LastStart = start
		}
		st.Updated = x.cfg.Now()
		if err := x.put(ctx, id, st); err != nil {
			// The card and its thread line are up; a retry would post the
			// line again. Log loudly rather than repeat it.
			x.log.Error("alerts: card updated but its state not saved; a redelivery may add its thread line again", "group", id, "err", err)
		}
		x.outcome(g, AlertUpdated)
		x.log.Info("alerts: card updated", "source", g.Source, "group", id, "status", g.Status)
		return nil
	}
}

// public makes resp fit for chat: links to internal addresses left out,
// every text redacted.
func (x *Alerts) public(resp *Response) *Response {
	redact := func(s string) string {
		if x.cfg.Redact != nil {
			s = x.cfg.Redact(s)
		}
		return PublicText(s)
	}
	links := resp.Links[:0]
	for _, l := range resp.Links {
		if PublicText(l.URL) == l.URL {
			links = append(links, l)
		}
	}
	resp.Links = links
	for i := range resp.Sections {
		for j, it := range resp.Sections[i].Items {
			// An alert's generatorURL names the Prometheus that fired it,
			// often an internal host: the item stays, without its link.
			if PublicText(it.URL) != it.URL {
				resp.Sections[i].Items[j].URL = ""
			}
		}
	}
	chat.RedactResponse(resp, redact)
	return resp
}

func (x *Alerts) put(ctx context.Context, id string, st *AlertState) error {
	return x.cfg.Store.Put(ctx, id, st, x.cfg.StateTTL)
}

// addTaken shows who is on it on the card (replacing what it said).
func (x *Alerts) addTaken(resp *Response, st *AlertState) {
	fields := resp.Fields[:0:0]
	for _, f := range resp.Fields {
		if f.Name != "On it" {
			fields = append(fields, f)
		}
	}
	if len(st.TakenBy) > 0 {
		fields = append(fields, Field{Name: "On it", Value: strings.Join(st.TakenBy, ", ")})
	}
	resp.Fields = fields
}

// changeLine is the thread's line for a change of the group.
func changeLine(g *AlertGroup, prev *AlertState, now time.Time) string {
	at := now.UTC().Format("15:04 UTC")
	var parts []string
	switch {
	case g.Status == AlertResolved && prev.Status != AlertResolved:
		parts = append(parts, "✅ Resolved at "+at+".")
	case g.Note != "":
	default:
		firing := 0
		for _, a := range g.Alerts {
			if a.Status != AlertResolved {
				firing++
			}
		}
		parts = append(parts, fmt.Sprintf("Changed at %s: %d of %s firing.", at, firing, plural(len(g.Alerts), "1 alert", fmt.Sprintf("%d alerts", len(g.Alerts)))))
	}
	if g.Note != "" {
		parts = append(parts, strings.ToUpper(g.Note[:1])+g.Note[1:]+" ("+at+").")
	}
	return strings.Join(parts, " ")
}

func latestStart(g *AlertGroup) time.Time {
	var t time.Time
	for _, a := range g.Alerts {
		if a.StartsAt.After(t) {
			t = a.StartsAt
		}
	}
	return t
}

// Commands are the chat commands of alert cards: `alert take ID`, the
// "I'm on it" button. Register them on the Router that serves the platform.
func (x *Alerts) Commands() []Command {
	return []Command{{
		Name: "alert", Hidden: true, Private: true,
		Summary: "alert card buttons", Usage: "alert take ID",
		Help:    "`alert take ID` says in the alert card's thread that you are on it.",
		Handler: HandlerFunc(x.take),
	}}
}

func (x *Alerts) take(ctx context.Context, req *Request) (*Response, error) {
	words := strings.Fields(Args(req))
	if len(words) != 2 || words[0] != "take" {
		return &Response{Status: StatusUsage, Ephemeral: true, Text: "Usage: `alert take ID` (the \"I'm on it\" button of an alert card)."}, nil
	}
	id := words[1]
	who := req.User.Name
	switch {
	case req.Platform == PlatformSlack && req.User.ID != "":
		who = slackMention("@" + req.User.ID)
	case req.Platform == PlatformDiscord && isSnowflake(req.User.ID):
		who = "<@" + req.User.ID + ">"
	}
	if who == "" {
		who = "someone"
	}
	var token string
	for i := 0; ; i++ {
		t, ok, err := x.cfg.Store.Lock(ctx, id, alertLockTTL)
		if err != nil {
			return nil, fmt.Errorf("lock alert group: %w", err)
		}
		if ok {
			token = t
			break
		}
		if i >= 20 {
			return &Response{Status: StatusError, Ephemeral: true, Text: "The card is being updated right now; press the button again in a moment."}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer func() { _ = x.cfg.Store.Unlock(context.WithoutCancel(ctx), id, token) }()
	st, err := x.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read alert group state: %w", err)
	}
	if st == nil {
		return &Response{Status: StatusNotFound, Ephemeral: true, Text: "This alert card is no longer tracked (it is older than the kept state); say so in its thread instead."}, nil
	}
	if contains(st.TakenBy, who) {
		return &Response{Status: StatusOK, Ephemeral: true, Text: "You are already on it: the thread says so."}, nil
	}
	if _, err := x.cfg.Poster.ReplyInThread(ctx, st.Channel, st.Message, x.public(&Response{Status: StatusOK, Text: "🙋 " + who + " is on it."})); err != nil {
		return nil, fmt.Errorf("post in the alert card's thread: %w", err)
	}
	st.TakenBy = append(st.TakenBy, who)
	if st.Shown != nil {
		// The card says who is on it too, not only its thread.
		shown := *st.Shown
		x.addTaken(&shown, st)
		if err := x.cfg.Poster.Update(ctx, st.Channel, st.Message, x.public(&shown)); err != nil {
			x.log.Warn("alerts: card not updated with who took it (the thread says so)", "group", id, "err", err)
		} else {
			st.Shown = &shown
		}
	}
	if err := x.put(ctx, id, st); err != nil {
		x.log.Warn("alerts: who took it not saved", "group", id, "err", err)
	}
	return &Response{Status: StatusOK, Ephemeral: true, Text: "Posted in the card's thread that you are on it."}, nil
}
