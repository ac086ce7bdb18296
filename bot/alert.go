package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/catalog"
)

// Alert sources.
const (
	AlertSourceAlertmanager = "alertmanager"
	AlertSourcePagerDuty    = "pagerduty"
)

// Alert statuses of a group.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// AnnotationKubernetesID is Backstage's Kubernetes plugin annotation: the
// label value an entity's workloads carry, which alerts often carry too.
const AnnotationKubernetesID = "backstage.io/kubernetes-id"

// Alert is one alert of a group, platform- and source-neutral.
type Alert struct {
	// Name is the alert's name (Alertmanager's alertname, an incident title).
	Name   string `json:"name"`
	Status string `json:"status"`
	// Labels and Annotations are the alert's own (Alertmanager's), or what a
	// source has in their place.
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	StartsAt    time.Time         `json:"startsAt,omitzero"`
	EndsAt      time.Time         `json:"endsAt,omitzero"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	// GeneratorURL opens the alert's source (a Prometheus graph).
	GeneratorURL string `json:"generatorURL,omitempty"`
}

// AlertGroup is what one webhook delivery says about one group of alerts:
// an Alertmanager group (groupKey) or a PagerDuty incident.
type AlertGroup struct {
	Source string `json:"source"`
	// Key identifies the group across deliveries (groupKey, incident id).
	Key string `json:"key"`
	// Status is AlertFiring or AlertResolved.
	Status string  `json:"status"`
	Alerts []Alert `json:"alerts"`
	// Title names the group when its alerts do not (a PagerDuty incident).
	Title string `json:"title,omitempty"`
	// URL opens the group in its source (Alertmanager, the incident page).
	URL string `json:"url,omitempty"`
	// ServiceID is the PagerDuty service the incident is on, mapped through
	// pagerduty.com/service-id.
	ServiceID string `json:"serviceId,omitempty"`
	// Note is a change worth a line in the thread besides the status: "acknowledged by Ana".
	Note string `json:"note,omitempty"`
	// Truncated counts alerts of the group the source left out (Alertmanager's max_alerts).
	Truncated int `json:"truncated,omitempty"`
	// Event is the source's event ("incident.acknowledged"), distinct per
	// change, so an event that changes no status is still told once.
	Event string `json:"event,omitempty"`
}

// Severity is the group's severity label (of its first alert that has one).
func (g *AlertGroup) Severity(label string) string {
	if label == "" {
		label = "severity"
	}
	for _, a := range g.Alerts {
		if v := a.Labels[label]; v != "" {
			return strings.ToLower(v)
		}
	}
	return ""
}

// Name is what the group is about: its title, else its alerts' names.
func (g *AlertGroup) Name() string {
	if g.Title != "" {
		return g.Title
	}
	var names []string
	for _, a := range g.Alerts {
		if a.Name != "" && !contains(names, a.Name) {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		return "alert"
	}
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}

// digest identifies the group's state: its status, each alert's status, and
// the note, so a redelivery of the same state changes nothing.
func (g *AlertGroup) digest() string {
	parts := []string{g.Status, g.Note, g.Event + "#" + strconv.Itoa(g.Truncated)}
	for _, a := range g.Alerts {
		parts = append(parts, a.Fingerprint+"="+a.Status+"@"+a.Name+"@"+a.StartsAt.UTC().Format(time.RFC3339Nano))
	}
	sort.Strings(parts[3:])
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// AlertRouting says how alerts find their entity and channel. The zero
// value uses the defaults.
type AlertRouting struct {
	// EntityLabel holds a full entity ref ("component:default/ledger");
	// "backstage_entity" by default.
	EntityLabel string
	// Labels are tried in order for an entity name or a
	// backstage.io/kubernetes-id value; DefaultAlertLabels by default.
	Labels []string
	// SeverityLabel names the severity; "severity" by default.
	SeverityLabel string
	// SeverityChannels send a severity's cards to a channel of its own
	// ("critical" → the incident channel), whatever the entity.
	SeverityChannels map[string]string
	// FallbackChannel gets the cards of alerts that map to no entity, or
	// whose entity and owners name no channel, saying so.
	FallbackChannel string
}

// DefaultAlertLabels are the labels tried for an entity, in order.
var DefaultAlertLabels = []string{"service", "app", "app_kubernetes_io_name", "job", "component"}

func (r AlertRouting) entityLabel() string {
	if r.EntityLabel == "" {
		return "backstage_entity"
	}
	return r.EntityLabel
}

func (r AlertRouting) labels() []string {
	if len(r.Labels) == 0 {
		return DefaultAlertLabels
	}
	return r.Labels
}

// AlertMatch is where an alert group maps in the catalog.
type AlertMatch struct {
	// Entity is nil when nothing matched.
	Entity *catalog.Entity
	// By says how it matched: `label service="ledger"`.
	By string
	// Tried lists the labels looked at, with their values, when nothing matched.
	Tried []string
}

// MatchAlert maps g to a catalog entity: a full ref in the entity label;
// else the PagerDuty service id through pagerduty.com/service-id; else the
// first of the routing labels whose value names an entity or matches an
// entity's backstage.io/kubernetes-id.
func MatchAlert(s *catalog.Snapshot, r AlertRouting, g *AlertGroup) AlertMatch {
	var m AlertMatch
	if s == nil {
		return m
	}
	el := r.entityLabel()
	for _, a := range g.Alerts {
		if v := a.Labels[el]; v != "" {
			if ref, err := catalog.ParseRef(v, catalog.KindComponent, catalog.DefaultNamespace); err == nil {
				if e, ok := s.Get(ref); ok {
					return AlertMatch{Entity: e, By: fmt.Sprintf("label %s=%q", el, v)}
				}
			}
			m.Tried = appendTried(m.Tried, el+"="+v)
		}
	}
	if g.ServiceID != "" {
		if e := preferComponent(s.ByAnnotation(catalog.AnnotationPagerDutyID, g.ServiceID)); e != nil {
			return AlertMatch{Entity: e, By: "PagerDuty service " + g.ServiceID}
		}
		m.Tried = appendTried(m.Tried, catalog.AnnotationPagerDutyID+"="+g.ServiceID)
	}
	for _, l := range r.labels() {
		for _, a := range g.Alerts {
			v := a.Labels[l]
			if v == "" {
				continue
			}
			if e := preferComponent(s.ByName(v)); e != nil {
				return AlertMatch{Entity: e, By: fmt.Sprintf("label %s=%q", l, v)}
			}
			if e := preferComponent(s.ByAnnotation(AnnotationKubernetesID, v)); e != nil {
				return AlertMatch{Entity: e, By: fmt.Sprintf("label %s=%q (%s)", l, v, AnnotationKubernetesID)}
			}
			m.Tried = appendTried(m.Tried, l+"="+v)
		}
	}
	return m
}

func appendTried(tried []string, s string) []string {
	if contains(tried, s) {
		return tried
	}
	return append(tried, s)
}

// preferComponent picks what an alert is most likely about among es: a
// component, resource or API before a system, before a team or person.
func preferComponent(es []*catalog.Entity) *catalog.Entity {
	var best *catalog.Entity
	rank := func(e *catalog.Entity) int {
		switch kindOf(e) {
		case catalog.KindComponent, catalog.KindResource, catalog.KindAPI:
			return 0
		case catalog.KindSystem, catalog.KindDomain:
			return 1
		case catalog.KindGroup:
			return 2
		}
		return 3
	}
	for _, e := range es {
		if rank(e) < 3 && (best == nil || rank(e) < rank(best)) {
			best = e
		}
	}
	return best
}

// postChannel is the channel a card about e goes to on platform, as the
// platform's API takes it (a Slack channel id or #name, a Discord channel
// id): e's own channel, else its owner's, up the group tree. from is the
// entity that named it.
func (a *answers) postChannel(s *catalog.Snapshot, e *catalog.Entity, platform string) (ch string, from *catalog.Entity) {
	chain := []*catalog.Entity{e}
	if kindOf(e) == catalog.KindGroup {
		chain = a.escalation(s, e)
	} else if o, ok := a.ownerEntity(s, e); ok {
		if kindOf(o) == catalog.KindGroup {
			chain = append(chain, a.escalation(s, o)...)
		} else {
			chain = append(chain, o)
		}
	}
	for _, c := range chain {
		if ch := rawChannel(c, platform); ch != "" {
			return ch, c
		}
	}
	return "", nil
}

// rawChannel is e's channel annotation in the form platform's API takes.
func rawChannel(e *catalog.Entity, platform string) string {
	if platform == PlatformDiscord {
		if d := strings.TrimPrefix(e.Annotation(catalog.AnnotationDiscordChannel), "#"); isSnowflake(d) {
			return d
		}
		return ""
	}
	if id := e.Annotation(AnnotationSlackChannelID); id != "" {
		return id
	}
	if legacy := strings.TrimSpace(e.Annotation(catalog.AnnotationSlackChannel)); legacy != "" {
		if t := strings.TrimPrefix(legacy, "#"); IsSlackChannelID(t) {
			return t
		}
		return "#" + strings.TrimPrefix(legacy, "#")
	}
	if n := strings.TrimSpace(e.Annotation(AnnotationSlackChannelName)); n != "" {
		return "#" + strings.TrimPrefix(n, "#")
	}
	return ""
}

// AlertCard is a card to post: where and what.
type AlertCard struct {
	Channel  string
	Response *Response
	// Entity is the matched entity's ref, "" when none matched.
	Entity string
	// Unrouted says why the card goes to the fallback channel ("" when it
	// goes to the entity's).
	Unrouted string
}

// card builds the owner card of g for platform. id is the group's short id,
// carried by the "I'm on it" button.
func (a *answers) alertCard(ctx context.Context, r AlertRouting, platform string, g *AlertGroup, id string) *AlertCard {
	s := a.Catalog.Current()
	m := MatchAlert(s, r, g)
	sev := g.Severity(r.SeverityLabel)
	resp := &Response{Status: StatusOK}
	state := "🔥 Firing"
	if g.Status == AlertResolved {
		state = "✅ Resolved"
	}
	card := &AlertCard{Response: resp}
	var text []string
	if d := alertDescription(g); d != "" {
		text = append(text, d)
	}
	if g.Truncated > 0 {
		text = append(text, fmt.Sprintf("%d more alerts of this group were not sent (Alertmanager's max_alerts).", g.Truncated))
	}
	if n := len(g.Alerts); n > 1 {
		firing := 0
		for _, al := range g.Alerts {
			if al.Status != AlertResolved {
				firing++
			}
		}
		text = append(text, fmt.Sprintf("%d alerts in this group, %d firing.", n, firing))
	}
	if sev != "" {
		resp.Fields = append(resp.Fields, Field{Name: "Severity", Value: sev, Short: true})
	}
	if started := alertStart(g); !started.IsZero() {
		resp.Fields = append(resp.Fields, Field{Name: "Since", Value: started.UTC().Format("2006-01-02 15:04 UTC"), Short: true})
	}
	if m.Entity == nil {
		resp.Title = fmt.Sprintf("%s: %s (not in the catalog)", state, g.Name())
		tried := "no labels to try"
		if len(m.Tried) > 0 {
			tried = "tried " + strings.Join(m.Tried, ", ")
		}
		text = append(text, fmt.Sprintf("This alert maps to no catalog entity (%s). Give it a `%s` label with an entity ref, or one of the labels %s naming an entity.",
			tried, r.entityLabel(), strings.Join(r.labels(), ", ")))
		card.Unrouted = "no entity matched"
		card.Channel = r.FallbackChannel
	} else {
		e := m.Entity
		ref := e.Ref().String()
		card.Entity = ref
		resp.Title = fmt.Sprintf("%s: %s on %s", state, g.Name(), displayName(e))
		resp.Entity = entityData(s, e)
		resp.Fields = append(resp.Fields, Field{Name: "Entity", Value: entityLabel(e), Short: true})
		if o, ok := a.ownerEntity(s, e); ok {
			resp.Fields = append(resp.Fields, Field{Name: "Owner", Value: entityLabel(o), Short: true})
			if ch := channelOf(o, platform); ch != "" {
				resp.Fields = append(resp.Fields, Field{Name: "Channel", Value: ch, Short: true})
			}
		}
		if g.Status != AlertResolved {
			if rota, _, note := a.liveOnCall(ctx, s, e); rota != nil {
				var now []string
				for _, sh := range rota.Shifts {
					if !sh.Next && sh.Level <= 1 {
						now = append(now, a.shiftLine(s, a.lookups.get(s), sh, platform))
					}
				}
				if len(now) > 0 {
					v := strings.Join(now, "; ")
					if rota.Example {
						v += " _(example data)_"
					}
					resp.Fields = append(resp.Fields, Field{Name: "On call now", Value: v})
				}
			} else if note != "" {
				resp.Fields = append(resp.Fields, Field{Name: "On call now", Value: note})
			}
		}
		if teams, n := affectedTeams(s, e); n > 0 {
			resp.Fields = append(resp.Fields, Field{Name: "Teams affected",
				Value: fmt.Sprintf("%s (%s depend on it)", teams, plural(n, "1 entity", fmt.Sprintf("%d entities", n)))})
		} else {
			resp.Fields = append(resp.Fields, Field{Name: "Teams affected", Value: "none besides the owner: nothing in the catalog depends on it", Short: false})
		}
		ch, _ := a.postChannel(s, e, platform)
		card.Channel = ch
		if ch == "" {
			card.Channel = r.FallbackChannel
			card.Unrouted = "no channel"
			text = append(text, fmt.Sprintf("Posted here because %s, its owner and the owner's parent teams name no %s channel in the catalog.", displayName(e), platformName(platform)))
		}
		resp.Actions = append(resp.Actions,
			Action{Label: "impact", Command: "impact " + ref},
			Action{Label: "on-call", Command: "oncall " + ref},
			Action{Label: "runbook", Command: "runbook " + ref},
		)
		resp.Actions = append(resp.Actions, a.docsAction(e)...)
	}
	for k, c := range r.SeverityChannels {
		if sev != "" && c != "" && strings.EqualFold(k, sev) {
			card.Channel = c
			card.Unrouted = ""
		}
	}
	resp.Text = strings.Join(text, "\n")
	for _, l := range alertLinks(g) {
		resp.Links = appendLink(resp.Links, l)
	}
	if m.Entity != nil {
		for _, l := range a.cardLinks(s, m.Entity) {
			resp.Links = appendLink(resp.Links, l)
		}
	}
	if len(g.Alerts) > 1 {
		sec := Section{Title: "Alerts"}
		for _, al := range g.Alerts {
			sec.Items = append(sec.Items, Item{Text: al.Name, Detail: al.Status + alertLabelLine(al, r), URL: al.GeneratorURL})
		}
		resp.Sections = append(resp.Sections, sec)
	}
	if g.Status != AlertResolved {
		resp.Actions = append(resp.Actions, Action{Label: "I'm on it", Command: "alert take " + id, Style: "primary"})
	}
	return card
}

func platformName(p string) string {
	switch p {
	case PlatformDiscord:
		return "Discord"
	case PlatformSlack:
		return "Slack"
	}
	return "chat"
}

// alertDescription is the summary (or description) annotation of the first alert that has one.
func alertDescription(g *AlertGroup) string {
	for _, key := range []string{"summary", "description", "message"} {
		for _, a := range g.Alerts {
			if v := strings.TrimSpace(a.Annotations[key]); v != "" {
				return v
			}
		}
	}
	return ""
}

func alertStart(g *AlertGroup) time.Time {
	var t time.Time
	for _, a := range g.Alerts {
		if !a.StartsAt.IsZero() && (t.IsZero() || a.StartsAt.Before(t)) {
			t = a.StartsAt
		}
	}
	return t
}

// alertLinks are the alert's own runbook and dashboard, its source, and the incident.
func alertLinks(g *AlertGroup) []Link {
	var out []Link
	for _, a := range g.Alerts {
		for _, k := range []struct{ key, title string }{{"runbook_url", "Runbook (alert)"}, {"runbook", "Runbook (alert)"}, {"dashboard", "Dashboard (alert)"}, {"dashboard_url", "Dashboard (alert)"}} {
			if u := strings.TrimSpace(a.Annotations[k.key]); isWebURL(u) {
				out = appendLink(out, Link{Title: k.title, URL: u})
			}
		}
	}
	for _, a := range g.Alerts {
		if isWebURL(a.GeneratorURL) {
			out = appendLink(out, Link{Title: "Alert source", URL: a.GeneratorURL})
			break
		}
	}
	if isWebURL(g.URL) {
		title := "Alertmanager"
		if g.Source == AlertSourcePagerDuty {
			title = "PagerDuty incident"
		}
		out = appendLink(out, Link{Title: title, URL: g.URL})
	}
	return out
}

func isWebURL(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// alertLabelLine is a few identifying labels of one alert.
func alertLabelLine(a Alert, r AlertRouting) string {
	var parts []string
	for _, l := range append([]string{r.entityLabel()}, r.labels()...) {
		if v := a.Labels[l]; v != "" {
			parts = append(parts, l+"="+v)
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " · " + strings.Join(parts, ", ")
}

// affectedTeams names the owners of what depends on e (its blast radius),
// besides e's own owner, most affected first, and how many entities are affected.
func affectedTeams(s *catalog.Snapshot, e *catalog.Entity) (string, int) {
	affected := BlastRadius(s, e, 0)
	if len(affected) == 0 {
		return "", 0
	}
	own, _ := ownerRef(s, e)
	count := map[string]int{}
	var order []string
	for _, af := range affected {
		o, ok := fastOwner(af.Entity)
		if !ok {
			o, ok = ownerRef(s, af.Entity)
		}
		if !ok {
			continue
		}
		name := shortRef(o)
		if oe, found := s.Get(o); found {
			name = displayName(oe)
		}
		if o == own {
			name += " (owner)"
		}
		if count[name] == 0 {
			order = append(order, name)
		}
		count[name]++
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i]] > count[order[j]] })
	if len(order) > 8 {
		order = append(order[:8], fmt.Sprintf("%d more", len(order)-8))
	}
	return strings.Join(order, ", "), len(affected)
}
