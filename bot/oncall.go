package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/callboard/callboard/catalog"
)

// OnCall tells who is on call now for the paging target an entity's
// annotations name (a PagerDuty service, an Opsgenie team, a rota file's
// schedule). adapters/pagerduty and adapters/opsgenie implement it.
type OnCall interface {
	// OnCallNow returns who is on call now for the target the annotations
	// name, or (nil, nil) when none of them is one it reads. annotations
	// holds only the paging annotations (PagingAnnotations) of one entity.
	OnCallNow(ctx context.Context, annotations map[string]string) (*Rota, error)
}

// PagingAnnotations are the annotations that name a paging target.
var PagingAnnotations = []string{
	catalog.AnnotationPagerDutyID, catalog.AnnotationPagerDutyKey,
	catalog.AnnotationOpsgenieTeam, catalog.AnnotationOpsgenieComp,
}

// Rota is who is on call now for one paging target.
type Rota struct {
	// Source names the paging tool: "PagerDuty", "Opsgenie", "example rota".
	Source string `json:"source"`
	// Target is what was looked up there: "service Ledger (PLDG4RM)".
	Target string `json:"target"`
	// URL opens the target in the paging tool.
	URL string `json:"url,omitempty"`
	// Example marks made-up data (the example organisation's rota).
	Example bool `json:"example,omitempty"`
	// Shifts are the people on call now, by escalation level, and the next
	// shift of each level where the source says.
	Shifts []Shift `json:"shifts"`
}

// Shift is one person on call.
type Shift struct {
	// Level is the escalation level, 1 for the first responder.
	Level    int    `json:"level"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	Schedule string `json:"schedule,omitempty"`
	// Start and End bound the shift; a zero End means no end is known.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Next marks the shift after the current one at this level.
	Next bool `json:"next,omitempty"`
}

// PagingError is a paging tool that did not answer. Reason is fit for the
// person asking; Err, the cause, is for logs only.
type PagingError struct {
	Source     string
	Reason     string // "is rate limiting us", "is unreachable", "answered HTTP 500"
	RetryAfter time.Duration
	// NotFound says the tool does not know the target the annotation names.
	NotFound bool
	Err      error
}

func (e *PagingError) Error() string {
	if e.Err != nil {
		return e.Source + " " + e.Reason + ": " + e.Err.Error()
	}
	return e.Source + " " + e.Reason
}

func (e *PagingError) Unwrap() error { return e.Err }

// OnCalls asks each OnCall in turn; the first that reads the annotations answers.
type OnCalls []OnCall

// OnCallNow implements OnCall.
func (l OnCalls) OnCallNow(ctx context.Context, annotations map[string]string) (*Rota, error) {
	var firstErr error
	for _, o := range l {
		if o == nil {
			continue
		}
		r, err := o.OnCallNow(ctx, annotations)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if r != nil {
			return r, nil
		}
	}
	return nil, firstErr
}

// CachedOnCall keeps OnCall answers briefly in a Stash (Redis when
// configured, so replicas share them): an incident sends many people to
// ask at once, and paging tools rate-limit. A rate-limited source is not
// asked again until its Retry-After has passed.
type CachedOnCall struct {
	Next  OnCall
	Stash Stash
	// TTL is how long an answer is kept (default 60 s).
	TTL time.Duration
	// Logger receives cache failures; nil means slog.Default().
	Logger *slog.Logger
}

type cachedRota struct {
	Rota      *Rota  `json:"rota,omitempty"`
	None      bool   `json:"none,omitempty"`
	Source    string `json:"source,omitempty"`
	Reason    string `json:"reason,omitempty"`
	LimitedMS int64  `json:"limitedMs,omitempty"`
}

// OnCallNow implements OnCall.
func (c *CachedOnCall) OnCallNow(ctx context.Context, annotations map[string]string) (*Rota, error) {
	key := onCallKey(annotations)
	if b, ok, err := c.Stash.Get(ctx, key); err != nil {
		logger(c.Logger).WarnContext(ctx, "on-call cache read failed", "err", err)
	} else if ok {
		var v cachedRota
		if json.Unmarshal(b, &v) == nil {
			switch {
			case v.Reason != "":
				return nil, &PagingError{Source: v.Source, Reason: v.Reason, RetryAfter: time.Duration(v.LimitedMS) * time.Millisecond}
			case v.None:
				return nil, nil
			case v.Rota != nil:
				return v.Rota, nil
			}
		}
	}
	r, err := c.Next.OnCallNow(ctx, annotations)
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	var v cachedRota
	var pe *PagingError
	switch {
	case errors.As(err, &pe) && pe.RetryAfter > 0:
		// Remember the rate limit until it lifts (at most 5 minutes).
		v = cachedRota{Source: pe.Source, Reason: pe.Reason, LimitedMS: pe.RetryAfter.Milliseconds()}
		ttl = min(pe.RetryAfter, 5*time.Minute)
	case err != nil:
		return nil, err
	case r == nil:
		v.None = true
	default:
		v.Rota = r
		// Not past the end of the earliest current shift.
		for _, s := range r.Shifts {
			if !s.Next && !s.End.IsZero() {
				if d := time.Until(s.End); d > 0 && d < ttl {
					ttl = d
				}
			}
		}
	}
	if b, merr := json.Marshal(v); merr == nil {
		if perr := c.Stash.Put(ctx, key, b, ttl); perr != nil {
			logger(c.Logger).WarnContext(ctx, "on-call cache write failed", "err", perr)
		}
	}
	return r, err
}

// onCallKey names the cache entry of one set of paging annotations.
func onCallKey(annotations map[string]string) string {
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, annotations[k])
	}
	return "oncall:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// hasPaging reports whether pagingOf(e) is non-nil, without the map.
func hasPaging(e *catalog.Entity) bool {
	for _, k := range PagingAnnotations {
		if strings.TrimSpace(e.Annotation(k)) != "" {
			return true
		}
	}
	return false
}

// pagingOf returns e's paging annotations (nil when it has none).
func pagingOf(e *catalog.Entity) map[string]string {
	var m map[string]string
	for _, k := range PagingAnnotations {
		if v := strings.TrimSpace(e.Annotation(k)); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[k] = v
		}
	}
	return m
}

// pagingTools names the tools a set of paging annotations points at.
func pagingTools(m map[string]string) string {
	var out []string
	if m[catalog.AnnotationPagerDutyID] != "" || m[catalog.AnnotationPagerDutyKey] != "" {
		out = append(out, "PagerDuty")
	}
	if m[catalog.AnnotationOpsgenieTeam] != "" || m[catalog.AnnotationOpsgenieComp] != "" {
		out = append(out, "Opsgenie")
	}
	return strings.Join(out, " and ")
}

// pagingChain is where paging annotations are looked for: the entity, its
// system, then its owner group and the groups above it.
func (a *answers) pagingChain(s *catalog.Snapshot, e *catalog.Entity) []*catalog.Entity {
	chain := []*catalog.Entity{e}
	switch kindOf(e) {
	case catalog.KindGroup:
		return a.escalation(s, e)
	case catalog.KindUser:
		// A person's on-call is their (first) team's.
		if teams := related(s, e, catalog.RelMemberOf); len(teams) > 0 {
			return append(chain, a.escalation(s, teams[0])...)
		}
	}
	for _, p := range related(s, e, catalog.RelPartOf) {
		if kindOf(p) == catalog.KindSystem {
			chain = append(chain, p)
		}
	}
	if o, ok := a.ownerEntity(s, e); ok {
		if kindOf(o) == catalog.KindGroup {
			chain = append(chain, a.escalation(s, o)...)
		} else {
			chain = append(chain, o)
		}
	}
	return chain
}

// liveOnCall asks the paging tools about e's chain. It returns the rota and
// the entity whose annotations named it, or a one-line note of why nobody
// can be named (unconfigured, down).
func (a *answers) liveOnCall(ctx context.Context, s *catalog.Snapshot, e *catalog.Entity) (*Rota, *catalog.Entity, string) {
	if a.OnCall == nil {
		// Nothing to ask: the note names the tools of the nearest entity
		// with paging annotations (no map for the others).
		for _, c := range a.pagingChain(s, e) {
			if hasPaging(c) {
				m := pagingOf(c)
				return nil, nil, fmt.Sprintf("%s is not configured here, so I can't say who is on call right now (set `%s`).", pagingTools(m), pagingEnv(m))
			}
		}
		return nil, nil, ""
	}
	var note string
	for _, c := range a.pagingChain(s, e) {
		if !hasPaging(c) {
			continue
		}
		m := pagingOf(c)
		if m == nil {
			continue
		}
		if a.OnCall == nil {
			if note == "" {
				note = fmt.Sprintf("%s is not configured here, so I can't say who is on call right now (set `%s`).", pagingTools(m), pagingEnv(m))
			}
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, a.onCallTimeout())
		r, err := a.OnCall.OnCallNow(lctx, m)
		cancel()
		if err != nil {
			var pe *PagingError
			if errors.As(err, &pe) && pe.NotFound {
				// A stale id on the entity: its owner's may still answer.
				if note == "" {
					note = fmt.Sprintf("%s %s, so I can't say who is on call right now.", pe.Source, pe.Reason)
				}
				slog.WarnContext(ctx, "on-call target not found", "entity", c.Ref().String(), "err", err)
				continue
			}
			if errors.As(err, &pe) {
				note = fmt.Sprintf("%s %s, so I can't say who is on call right now.", pe.Source, pe.Reason)
				if pe.RetryAfter > 0 {
					note = fmt.Sprintf("%s %s (for %s more), so I can't say who is on call right now.", pe.Source, pe.Reason, pe.RetryAfter.Round(time.Second))
				}
			} else {
				note = fmt.Sprintf("%s did not answer in time, so I can't say who is on call right now.", pagingTools(m))
			}
			slog.WarnContext(ctx, "on-call lookup failed", "entity", c.Ref().String(), "err", err)
			return nil, nil, note
		}
		if r != nil && len(r.Shifts) > 0 {
			return r, c, ""
		}
		if r != nil {
			return nil, nil, fmt.Sprintf("%s shows nobody on call for %s right now.", r.Source, r.Target)
		}
		if note == "" {
			note = fmt.Sprintf("%s is not configured here, so I can't say who is on call right now (set `%s`).", pagingTools(m), pagingEnv(m))
		}
	}
	return nil, nil, note
}

func pagingEnv(m map[string]string) string {
	var out []string
	if m[catalog.AnnotationPagerDutyID] != "" || m[catalog.AnnotationPagerDutyKey] != "" {
		out = append(out, "PAGERDUTY_TOKEN")
	}
	if m[catalog.AnnotationOpsgenieTeam] != "" || m[catalog.AnnotationOpsgenieComp] != "" {
		out = append(out, "OPSGENIE_API_KEY")
	}
	return strings.Join(out, "` or `")
}

func (a *answers) onCallTimeout() time.Duration {
	if a.OnCallTimeout > 0 {
		return a.OnCallTimeout
	}
	return 2 * time.Second
}

func (a *answers) clock() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// shiftLine is "<@U1> Amara Chukwu — Ledger primary, until 09:00 UTC Mon 8 Dec (in 5h)".
func (a *answers) shiftLine(s *catalog.Snapshot, l *lookup, sh Shift, platform string) string {
	who := sh.Name
	if u := l.userByEmail(sh.Email); u != nil {
		who = displayName(u)
		if m := userMention(u, platform); m != "" {
			who = m + " " + who
		}
		who += " (`" + shortRef(u.Ref()) + "`)"
	} else if sh.Email != "" && !strings.EqualFold(sh.Email, sh.Name) {
		who += " <" + sh.Email + ">"
	}
	var parts []string
	if sh.Schedule != "" {
		parts = append(parts, sh.Schedule)
	}
	now := a.clock()
	if sh.Next && !sh.Start.IsZero() {
		parts = append(parts, "from "+when(sh.Start, now))
	} else if !sh.End.IsZero() {
		parts = append(parts, "until "+when(sh.End, now))
	}
	if len(parts) == 0 {
		return who
	}
	return who + " — " + strings.Join(parts, ", ")
}

// when is "09:00 UTC Mon 8 Dec (in 5h)".
func when(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	rel := ""
	switch {
	case d >= 48*time.Hour:
		rel = fmt.Sprintf("in %d days", int(d.Hours()/24))
	case d >= time.Hour:
		rel = fmt.Sprintf("in %dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d > 0:
		rel = fmt.Sprintf("in %dm", int(d.Minutes()))
	default:
		rel = "ended"
	}
	return t.UTC().Format("15:04 UTC Mon 2 Jan") + " (" + rel + ")"
}

func (l *lookup) userByEmail(email string) *catalog.Entity {
	if email == "" {
		return nil
	}
	for _, e := range l.byEmail[strings.ToLower(email)] {
		if kindOf(e) == catalog.KindUser {
			return e
		}
	}
	return nil
}

// onCallDocs are the on-call pages of e's (or its owner's) TechDocs.
func (a *answers) onCallDocs(ctx context.Context, s *catalog.Snapshot, e *catalog.Entity) []DocHit {
	k := linkKind{name: "on-call", docs: []string{"on-call", "oncall", "on call", "pager", "escalation", "rota"}}
	for _, c := range a.linkChain(s, e) {
		if hits := a.runbookDocs(ctx, c, k); len(hits) > 0 {
			if len(hits) > 3 {
				hits = hits[:3]
			}
			return hits
		}
	}
	return nil
}

// onCallData is rota (found on from) as data, or the note saying why
// nobody can be named; nil when there is neither.
func onCallData(l *lookup, rota *Rota, from *catalog.Entity, note, platform string) *OnCallData {
	if rota == nil {
		if note == "" {
			return nil
		}
		return &OnCallData{People: []OnCallPerson{}, Unavailable: note}
	}
	d := &OnCallData{Source: rota.Source, Target: rota.Target, URL: rota.URL, Example: rota.Example, People: make([]OnCallPerson, 0, len(rota.Shifts))}
	if from != nil {
		r := refData(from.Ref())
		d.From = &r
	}
	for _, sh := range rota.Shifts {
		p := OnCallPerson{Level: sh.Level, Name: sh.Name, Email: sh.Email, Schedule: sh.Schedule, Start: sh.Start, End: sh.End, Next: sh.Next}
		if u := l.userByEmail(sh.Email); u != nil {
			r := refData(u.Ref())
			p.Ref = &r
			p.Name = displayName(u)
			p.SlackUserID = u.Annotation(catalog.AnnotationSlackUserID)
			if id := u.Annotation(catalog.AnnotationDiscordUserID); isSnowflake(id) {
				p.DiscordUserID = id
			}
			switch {
			case platform == PlatformSlack && p.SlackUserID != "":
				p.Mention = "<@" + p.SlackUserID + ">"
			case platform == PlatformDiscord && p.DiscordUserID != "":
				p.Mention = "<@" + p.DiscordUserID + ">"
			}
		}
		d.People = append(d.People, p)
	}
	return d
}
