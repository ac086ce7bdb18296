package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/health"
)

// Poster posts an answer as a new message in a channel (Slack's
// chat.postMessage) and returns the message's id. adapters/slack implements it.
type Poster interface {
	Post(ctx context.Context, channel string, resp *Response) (ts string, err error)
}

// Schedule says when a recurring job runs next (robfig/cron's Schedule).
type Schedule interface {
	Next(time.Time) time.Time
}

// DefaultDigestSchedule is weekly, Monday 09:00.
const DefaultDigestSchedule = "0 9 * * 1"

var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a cron expression: five fields (minute hour
// day-of-month month day-of-week), six with seconds first, or a descriptor
// such as @weekly or @every 1h.
func ParseSchedule(spec string) (Schedule, error) {
	if strings.Contains(spec, "TZ=") {
		return nil, errors.New("set the time zone with health.digest.timezone, not CRON_TZ= or TZ= in the schedule")
	}
	s, err := scheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron schedule (minute hour day-of-month month day-of-week, e.g. %q): %v", spec, DefaultDigestSchedule, err)
	}
	return s, nil
}

// Clock is the digest's time: now, and waiting until a time.
type Clock interface {
	Now() time.Time
	// SleepUntil returns at t, or with ctx's error when ctx is done first.
	SleepUntil(ctx context.Context, t time.Time) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) SleepUntil(ctx context.Context, t time.Time) error {
	tm := time.NewTimer(time.Until(t))
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// Digest posts each team's catalog health to the team's channel on a
// schedule, listing what changed since its last digest: new problems,
// fixed problems, new and removed entities. Every replica runs one; the
// Locker and the State (Redis when configured) make each team's digest of
// each scheduled time go out once.
type Digest struct {
	Catalog Catalog
	Reports *HealthReports
	Poster  Poster
	// Locker serialises the replicas' runs; State remembers, per team, the
	// last digest's time and findings (a Stash that keeps entries for the
	// given TTL).
	Locker   Locker
	State    Stash
	Schedule Schedule
	// Location is the schedule's time zone (nil: UTC).
	Location *time.Location
	// Channel names a team's channel for the Poster ("" skips the team);
	// nil: its Slack channel as alert cards find it (rawChannel).
	Channel func(*catalog.Entity) string
	// Redact, when set, passes over every digest before it is posted (the
	// answers' redactor: no configured secret reaches a channel).
	Redact func(string) string
	// Clock is nil for the wall clock.
	Clock  Clock
	Logger *slog.Logger
}

const (
	digestLock     = "health-digest"
	digestStateTTL = 400 * 24 * time.Hour
)

func (d *Digest) clock() Clock {
	if d.Clock == nil {
		return wallClock{}
	}
	return d.Clock
}

func (d *Digest) loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// Run sends digests at each scheduled time until ctx is done.
func (d *Digest) Run(ctx context.Context) error {
	for {
		next := d.Schedule.Next(d.clock().Now().In(d.loc()))
		if next.IsZero() {
			logger(d.Logger).WarnContext(ctx, "health digest schedule never fires; no digests")
			<-ctx.Done()
			return nil
		}
		if err := d.clock().SleepUntil(ctx, next); err != nil {
			return nil
		}
		// A tick that finds the catalog still loading (every replica
		// restarted around it) waits for it, up to an hour, rather than
		// skipping the week's digest; teams already sent are not sent again.
		for waited := time.Duration(0); ; waited += digestLoadWait {
			_, err := d.Send(ctx, next)
			if err == nil || ctx.Err() != nil {
				break
			}
			if !errors.Is(err, errNoCatalog) || waited >= time.Hour {
				logger(d.Logger).WarnContext(ctx, "health digest incomplete", "tick", next.Format(time.RFC3339), "err", err)
				break
			}
			if d.clock().SleepUntil(ctx, d.clock().Now().Add(digestLoadWait)) != nil {
				return nil
			}
		}
	}
}

// postRetrying posts resp, waiting out a platform's rate limit (a
// RetryLaterError, honouring its Retry-After up to a minute) a few times:
// a digest that a 429 refused would otherwise wait a week.
func postRetrying(ctx context.Context, p Poster, channel string, resp *Response) (string, error) {
	wait := time.Second
	for attempt := 1; ; attempt++ {
		ts, err := p.Post(ctx, channel, resp)
		var rl *RetryLaterError
		if err == nil || !errors.As(err, &rl) || attempt == 4 {
			return ts, err
		}
		pause := min(max(rl.After, wait), time.Minute)
		wait *= 2
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", err
		case <-t.C:
		}
	}
}

// errNoCatalog: a digest's time came before the first catalog load.
var errNoCatalog = errors.New("no catalog loaded yet")

// digestLoadWait is how long a digest waits between looks at a catalog
// that is still loading.
const digestLoadWait = 30 * time.Second

// digestState is what a team's last digest left in State.
type digestState struct {
	Tick  int64        `json:"tick"`
	State health.State `json:"state"`
}

// Send sends the digests of the scheduled time tick: under the lock, for
// each team with a channel whose digest of tick has not gone out yet. It
// returns how many it posted.
func (d *Digest) Send(ctx context.Context, tick time.Time) (int, error) {
	log := logger(d.Logger)
	lctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	lease, err := d.Locker.Acquire(lctx, digestLock)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("health digest lock: %w", err)
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	s := d.Catalog.Current()
	if s == nil || s.Len() == 0 {
		return 0, errNoCatalog
	}
	rep := d.Reports.Of(s)
	channelOf := d.Channel
	if channelOf == nil {
		channelOf = func(g *catalog.Entity) string { return rawChannel(g, PlatformSlack) }
	}
	var groups []*catalog.Entity
	for _, e := range s.Entities() {
		if kindOf(e) == catalog.KindGroup && channelOf(e) != "" {
			groups = append(groups, e)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Ref().Key() < groups[j].Ref().Key() })
	posted := 0
	var errs []error
	for _, g := range groups {
		select {
		case <-lease.Lost():
			return posted, errors.New("health digest lock lost; another replica carries on")
		default:
		}
		if ctx.Err() != nil {
			return posted, ctx.Err()
		}
		key := "health-digest:" + g.Ref().Key()
		var prev *digestState
		if b, ok, err := d.State.Get(ctx, key); err != nil {
			errs = append(errs, fmt.Errorf("%s: reading the last digest: %w", g.Ref(), err))
			continue
		} else if ok {
			var st digestState
			if json.Unmarshal(b, &st) == nil {
				prev = &st
			}
		}
		if prev != nil && prev.Tick >= tick.Unix() {
			continue // this time's digest went out already
		}
		cur := rep.TeamState(g.Ref())
		if resp := digestAnswer(s, g, prev, cur, tick.In(d.loc())); resp != nil {
			if d.Redact != nil {
				chat.RedactResponse(resp, d.Redact)
			}
			if _, err := postRetrying(ctx, d.Poster, channelOf(g), resp); err != nil {
				// Its state stays: the next digest lists changes since the last one it got.
				errs = append(errs, fmt.Errorf("%s: posting: %w", g.Ref(), err))
				continue
			}
			posted++
		}
		b, _ := json.Marshal(digestState{Tick: tick.Unix(), State: cur})
		if err := d.State.Put(ctx, key, b, digestStateTTL); err != nil {
			errs = append(errs, fmt.Errorf("%s: saving the digest: %w", g.Ref(), err))
		}
	}
	log.InfoContext(ctx, "health digest sent", "tick", tick.Format(time.RFC3339), "teams", len(groups), "posted", posted, "failed", len(errs))
	return posted, errors.Join(errs...)
}

// digestAnswer is team g's digest, or nil when there is nothing to say
// (no findings, and nothing changed).
func digestAnswer(s *catalog.Snapshot, g *catalog.Entity, prev *digestState, cur health.State, tick time.Time) *Response {
	name := displayName(g)
	resp := &Response{Status: StatusOK, Title: "Catalog health digest for " + name, Ephemeral: false}
	var ch health.Changes
	if prev == nil {
		if len(cur.Findings) == 0 {
			return nil
		}
		resp.Text = fmt.Sprintf("First digest: %d %s to fix in what %s owns.", len(cur.Findings), plural(len(cur.Findings), "problem", "problems"), name)
	} else {
		ch = health.Diff(prev.State, cur)
		if ch.Empty() && len(cur.Findings) == 0 {
			return nil
		}
		since := time.Unix(prev.Tick, 0).In(tick.Location()).Format("Mon 2 Jan 15:04 MST")
		if ch.Empty() {
			resp.Text = fmt.Sprintf("No change since the last digest (%s).", since)
		} else {
			resp.Text = fmt.Sprintf("Since the last digest (%s): %d new %s, %d fixed, %d new %s, %d removed.", since,
				len(ch.New), plural(len(ch.New), "problem", "problems"), len(ch.Fixed),
				len(ch.Added), plural(len(ch.Added), "entity", "entities"), len(ch.Removed))
		}
	}
	resp.Fields = []Field{{Name: "Open problems", Value: fmt.Sprint(len(cur.Findings)), Short: true},
		{Name: "Entities", Value: fmt.Sprint(len(cur.Entities)), Short: true}}
	list := func(title string, fs []health.Finding) {
		if len(fs) == 0 {
			return
		}
		sec := Section{Title: title}
		for i, f := range fs {
			if i == 10 {
				sec.Text = fmt.Sprintf("and %d more: ask `health %s`.", len(fs)-10, g.Metadata.Name)
				break
			}
			sec.Items = append(sec.Items, findingItem(s, f.Entity, []health.Finding{f}))
		}
		resp.Sections = append(resp.Sections, sec)
	}
	refs := func(title string, rs []catalog.Ref) {
		if len(rs) == 0 {
			return
		}
		sec := Section{Title: title}
		for _, r := range rs[:min(len(rs), 10)] {
			sec.Items = append(sec.Items, Item{Text: shortRef(r), Ref: r.String()})
		}
		if len(rs) > 10 {
			sec.Text = fmt.Sprintf("and %d more.", len(rs)-10)
		}
		resp.Sections = append(resp.Sections, sec)
	}
	list("New problems", ch.New)
	list("Fixed", ch.Fixed)
	refs("New entities", ch.Added)
	refs("Removed entities", ch.Removed)
	if prev == nil || len(ch.New) < len(cur.Findings) {
		list("Open problems", cur.Findings)
	}
	resp.Actions = []Action{{Label: "health " + g.Metadata.Name, Command: "health " + g.Ref().String()}}
	return resp
}
