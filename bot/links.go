package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Links as answers: "runbook X", "dashboard X", "logs X", "repo X",
// "escalation X", "contact X" answer from X's catalog links (by type, then
// icon and title), its annotations and its docs, falling back to its
// system's and its owner's (up the team tree).

// linkKind describes one kind of link a person asks for.
type linkKind struct {
	name  string   // "runbook"
	title string   // "Runbook"
	types []string // link types that are this kind, exactly
	icons []string // link icons that are
	words []string // words in a link's title or URL that are
	docs  []string // words of a TechDocs page or heading that is one ("" for none)
}

var linkKinds = map[string]linkKind{
	"runbook": {name: "runbook", title: "Runbook", types: []string{"runbook", "runbooks", "playbook"},
		words: []string{"runbook", "run book", "playbook", "troubleshoot", "sop"},
		docs:  []string{"runbook", "playbook", "troubleshoot", "incident", "outage", "failover", "rollback", "on-call", "oncall", "down", "failing"}},
	"dashboard": {name: "dashboard", title: "Dashboard", types: []string{"dashboard", "dashboards", "metrics", "monitoring", "grafana"},
		icons: []string{"dashboard"}, words: []string{"dashboard", "grafana", "datadog", "metrics", "monitoring", "/d/"}},
	"logs": {name: "logs", title: "Logs", types: []string{"logs", "log", "logging"},
		words: []string{"logs", "logging", "kibana", "loki", "splunk", "papertrail", "log explorer"}},
	"repo": {name: "repo", title: "Repository", types: []string{"repo", "repository", "source", "code", "github", "gitlab"},
		icons: []string{"github", "gitlab", "code"}, words: []string{"source", "repo", "github.com", "gitlab"}},
	"escalation": {name: "escalation", title: "Escalation", types: []string{"escalation", "oncall", "on-call", "pager"},
		words: []string{"escalation", "on-call", "oncall", "on call", "rota", "pagerduty", "opsgenie", "pager"}},
	"contact": {name: "contact", title: "Contact", types: []string{"contact", "support", "chat", "slack", "help", "email"},
		icons: []string{"chat", "help", "email", "support"}, words: []string{"support", "contact", "slack", "chat", "mailto:", "help desk", "helpdesk"}},
}

// matches reports how well l is of kind k: 3 by type, 2 by icon, 1 by a word
// of its title or URL, 0 not.
func (k linkKind) matches(l catalog.Link) int {
	for _, t := range k.types {
		if strings.EqualFold(l.Type, t) {
			return 3
		}
	}
	for _, i := range k.icons {
		if strings.EqualFold(l.Icon, i) {
			return 2
		}
	}
	s := strings.ToLower(l.Title + " " + l.URL)
	for _, w := range k.words {
		if strings.Contains(s, w) {
			return 1
		}
	}
	return 0
}

// linksOf are e's links (and annotation-made links) of kind k, best first.
func linksOf(e *catalog.Entity, k linkKind) []Link {
	var best [4][]Link
	for _, l := range e.Metadata.Links {
		if m := k.matches(l); m > 0 {
			t := l.Title
			if t == "" {
				t = l.URL
			}
			best[m] = append(best[m], Link{Title: t, URL: l.URL})
		}
	}
	out := append(append(best[3], best[2]...), best[1]...)
	switch k.name {
	case "repo":
		if slug := e.Annotation(catalog.AnnotationProjectSlug); slug != "" {
			out = appendLink(out, Link{Title: "GitHub " + slug, URL: "https://github.com/" + slug})
		}
		if src := strings.TrimPrefix(e.Annotation(catalog.AnnotationSourceLocation), "url:"); strings.HasPrefix(src, "http") {
			out = appendLink(out, Link{Title: "source", URL: src})
		}
	case "escalation":
		if id := e.Annotation(catalog.AnnotationPagerDutyID); id != "" {
			out = appendLink(out, Link{Title: "PagerDuty service " + id, URL: "https://app.pagerduty.com/service-directory/" + id})
		}
	}
	return out
}

// appendLink adds l unless a link to the same URL is there.
func appendLink(ls []Link, l Link) []Link {
	for _, x := range ls {
		if strings.TrimSuffix(x.URL, "/") == strings.TrimSuffix(l.URL, "/") {
			return ls
		}
	}
	return append(ls, l)
}

// linkChain is where links are looked for: e, its system, its owner and the
// owner's parent teams.
func (a *answers) linkChain(s *catalog.Snapshot, e *catalog.Entity) []*catalog.Entity {
	chain := []*catalog.Entity{e}
	for _, p := range related(s, e, catalog.RelPartOf) {
		if kindOf(p) == catalog.KindSystem {
			chain = append(chain, p)
		}
	}
	if kindOf(e) == catalog.KindGroup {
		return append(chain, a.escalation(s, e)[1:]...)
	}
	if o, ok := ownerRef(s, e); ok {
		if oe, ok := s.Get(o); ok {
			if kindOf(oe) == catalog.KindGroup {
				chain = append(chain, a.escalation(s, oe)...)
			} else {
				chain = append(chain, oe)
			}
		}
	}
	return chain
}

// findLinks returns the links of kind k nearest e and the entity they are from.
func (a *answers) findLinks(s *catalog.Snapshot, e *catalog.Entity, k linkKind) (*catalog.Entity, []Link) {
	for _, c := range a.linkChain(s, e) {
		if ls := linksOf(c, k); len(ls) > 0 {
			return c, ls
		}
	}
	return nil, nil
}

// runbookDocs are the sections of e's TechDocs that read as a runbook.
func (a *answers) runbookDocs(ctx context.Context, e *catalog.Entity, k linkKind) []DocHit {
	if a.Docs == nil || len(k.docs) == 0 || e.Annotation(catalog.AnnotationTechDocsRef) == "" {
		return nil
	}
	ref := e.Ref()
	hits, _, err := a.Docs.SearchDocs(ctx, strings.Join(k.docs, " "), &ref, 30, 0)
	if err != nil {
		slog.WarnContext(ctx, "runbook docs search failed", "entity", ref.String(), "err", err)
		return nil
	}
	// Pages under a runbooks folder first, then pages or sections whose
	// title says they are one; one hit per page.
	var inFolder, titled []DocHit
	seen := map[string]bool{}
	for _, h := range hits {
		if seen[h.Page] {
			continue
		}
		page := strings.ToLower(h.Page)
		if strings.Contains(page, k.docs[0]) || strings.Contains(page, k.docs[1]) {
			seen[h.Page] = true
			inFolder = append(inFolder, h)
			continue
		}
		s := strings.ToLower(page + " " + h.Title + " " + h.Heading)
		for _, w := range k.docs {
			if strings.Contains(s, w) {
				seen[h.Page] = true
				titled = append(titled, h)
				break
			}
		}
	}
	out := append(inFolder, titled...)
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}

func (a *answers) linkCommands() []Command {
	mk := func(name string, aliases, phrases []string, summary string) Command {
		k := linkKinds[name]
		return Command{
			Name: name, Aliases: aliases, Phrases: phrases, Summary: summary,
			Usage: name + " X", Examples: []string{name + " artist-lookup"},
			Help: "Answers from X's catalog links (by link type, then icon and title) and annotations" +
				map[bool]string{true: ", and the runbook sections of its TechDocs", false: ""}[len(k.docs) > 0] +
				"; when X has none, from its system's and its owner's, up the team tree.",
			Handler: HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) { return a.linkAnswer(ctx, req, k) }),
		}
	}
	return []Command{
		mk("runbook", []string{"runbooks", "playbook", "playbooks"},
			[]string{"where is the runbook for", "where's the runbook for", "wheres the runbook for", "runbook for", "the runbook for", "show me the runbook for", "link to the runbook for",
				"what's the runbook for", "what is the runbook for", "find the runbook for", "runbook of", "how do i fix", "how to fix", "{} runbook", "is there a runbook for", "runbooks for", "playbook for"},
			"the runbook of X: its runbook links and the runbook pages of its docs"),
		mk("dashboard", []string{"dashboards", "grafana", "metrics", "graphs"},
			[]string{"where is the dashboard for", "where's the dashboard for", "where is the grafana for", "where's the grafana for", "grafana dashboard for", "where are the graphs for", "dashboard for", "dashboards for", "show me the dashboard for", "{} dashboard", "where are the metrics for",
				"metrics for", "graphs for", "monitoring for", "link to the dashboard for", "what's the dashboard for", "what is the dashboard for"},
			"the dashboards of X"),
		mk("logs", []string{"log", "logging"},
			[]string{"where are the logs for", "where are logs for", "logs for", "logs of", "show me the logs for", "{} logs", "where do {} logs go", "where can i see logs for", "link to the logs for"},
			"where X's logs are"),
		mk("repo", []string{"repository", "source", "code", "github"},
			[]string{"where is the code for", "where's the code for", "where is the repo for", "where's the repo for", "repo for", "repo of", "source for", "source code for", "code for",
				"link to the repo for", "{} repo", "where does {} live", "where is the source for", "github for", "repository for", "github repo for", "git repo for", "the repo for", "repo link for", "where is the repository for", "where's the repository for"},
			"X's source repository"),
		mk("escalation", []string{"escalate", "escalation path", "escalation policy"},
			[]string{"escalation for", "how do i escalate", "who do i escalate to for", "escalation path for", "escalation policy for", "where do i escalate", "who do i escalate to about", "escalate for", "{} escalation"},
			"how to escalate about X: on-call links and the team chain above its owner"),
		mk("contact", []string{"contacts", "reach", "email"},
			[]string{"contact for", "how do i reach", "how do i contact", "who do i contact for", "who do i contact about", "who should i contact about", "who to contact for", "who to contact about",
				"contact info for", "contact details for", "who do i talk to about", "how to reach", "channel for", "which channel for", "what channel for", "slack channel for", "where do i ask about",
				"which channel is", "what is the channel for", "what's the channel for", "{} contact", "{} channel"},
			"how to reach the people behind X: owner's email, chat channel and support links"),
	}
}

func (a *answers) linkAnswer(ctx context.Context, req *Request, k linkKind) (*Response, error) {
	// Contacts and escalation are the owner's: entities sharing one owner
	// share them, so a name fitting several needs no choice.
	s, e, covers, bad := a.resolveShared(req, preferOwned, k.name == "contact" || k.name == "escalation")
	if bad != nil {
		return bad, nil
	}
	if len(covers) > 1 && k.name != "contact" && k.name != "escalation" {
		covers = nil
	}
	ref := e.Ref().String()
	resp := &Response{Title: k.title + " for " + displayName(e)}
	if len(covers) > 1 {
		if o, ok := a.ownerEntity(s, e); ok {
			defer func() {
				resp.Title = k.title + " for " + coverNames(covers)
				resp.Text = strings.TrimSpace(coverText(req, covers, displayName(o)) + "\n" + resp.Text)
			}()
		}
	}
	from, links := a.findLinks(s, e, k)
	var docs []DocHit
	if k.name == "runbook" {
		docs = a.runbookDocs(ctx, e, k)
	}
	o, hasOwner := a.ownerEntity(s, e)
	switch k.name {
	case "contact":
		who := e
		if hasOwner && kindOf(e) != catalog.KindGroup && kindOf(e) != catalog.KindUser {
			who = o
		}
		resp.Title = "Contact for " + displayName(e)
		if who != e {
			resp.Text = displayName(e) + " is owned by " + entityLabel(who) + "."
		}
		resp.Fields = append(resp.Fields, contactFields(who, req.Platform)...)
		if ch := channelOf(e, req.Platform); ch != "" && who != e {
			resp.Fields = append(resp.Fields, Field{Name: displayName(e) + " channel", Value: ch, Short: true})
		}
		for _, l := range links {
			resp.Links = appendLink(resp.Links, l)
		}
		if len(resp.Fields) == 0 && len(resp.Links) == 0 {
			resp.Text = strings.TrimSpace(resp.Text + " No email, channel or support link is recorded for it.")
		}
	case "escalation":
		chainOf := e
		if hasOwner && kindOf(o) == catalog.KindGroup {
			chainOf = o
		}
		if kindOf(chainOf) == catalog.KindGroup {
			chain := a.escalation(s, chainOf)
			resp.Fields = append(resp.Fields, escalationField(chain, req.Platform))
			for _, g := range chain { // the teams in turn, as data (--json)
				resp.Refs = append(resp.Refs, refData(g.Ref()))
			}
		}
		resp.Links = links
		if from != nil && from != e {
			resp.Text = "From " + entityLabel(from) + "."
		}
		resp.Actions = append(resp.Actions, Action{Label: "on-call", Command: "oncall " + ref})
	default:
		resp.Links = links
		resp.Docs = docs
		switch {
		case len(links) == 0 && len(docs) == 0:
			resp.Title = fmt.Sprintf("No %s is recorded for %s", k.name, displayName(e))
			resp.Text = fmt.Sprintf("Neither it, its system nor its owner's teams have a %s link (a `links` entry with `type: %s`).", k.name, k.name)
			if hasOwner {
				resp.Text += " Ask the owner:"
				resp.Fields = append([]Field{{Name: "Owner", Value: entityLabel(o), Short: true}}, contactFields(o, req.Platform)...)
			}
		case from != nil && from != e:
			resp.Text = fmt.Sprintf("%s has no %s link of its own; this is %s's.", displayName(e), k.name, entityLabel(from))
		}
		if len(docs) > 0 {
			resp.Text = strings.TrimSpace(resp.Text + "\n\nFrom its docs:")
		}
	}
	resp.Actions = append(resp.Actions, Action{Label: "who owns", Command: "owner " + ref})
	if k.name != "escalation" {
		resp.Actions = append(resp.Actions, Action{Label: "on-call", Command: "oncall " + ref})
	}
	return a.okFor(req, resp), nil
}

// ownerEntity is e's owner, when the catalog has it.
func (a *answers) ownerEntity(s *catalog.Snapshot, e *catalog.Entity) (*catalog.Entity, bool) {
	or, ok := ownerRef(s, e)
	if !ok {
		return nil, false
	}
	return s.Get(or)
}

// cardLinks are the runbook and dashboard an owner card shows.
func (a *answers) cardLinks(s *catalog.Snapshot, e *catalog.Entity) []Link {
	var out []Link
	for _, name := range []string{"runbook", "dashboard"} {
		k := linkKinds[name]
		if _, ls := a.findLinks(s, e, k); len(ls) > 0 {
			l := ls[0]
			if !strings.Contains(strings.ToLower(l.Title), name) {
				l.Title = k.title + ": " + l.Title
			}
			out = append(out, l)
		}
	}
	return out
}
