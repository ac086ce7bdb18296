package bot

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
)

// entityLabel is "Artist Lookup (component:artist-lookup)" or "artist-lookup (component)".
func entityLabel(e *catalog.Entity) string {
	if e.Metadata.Title != "" || profile(e, "displayName") != "" {
		return displayName(e) + " (" + shortRef(e.Ref()) + ")"
	}
	return e.Metadata.Name + " (" + kindOf(e) + ")"
}

func refLabel(s *catalog.Snapshot, r catalog.Ref) string {
	if e, ok := s.Get(r); ok {
		return entityLabel(e)
	}
	return shortRef(r) + " (not in the catalog)"
}

// contextFields are lifecycle, system and domain of e.
func contextFields(s *catalog.Snapshot, e *catalog.Entity) []Field {
	var out []Field
	if lc := e.SpecString("lifecycle"); lc != "" {
		out = append(out, Field{Name: "Lifecycle", Value: lc, Short: true})
	}
	for _, p := range relatedRefs(s, e, catalog.RelPartOf) {
		switch p.Kind {
		case catalog.KindSystem:
			out = append(out, Field{Name: "System", Value: refLabel(s, p), Short: true})
			if sys, ok := s.Get(p); ok {
				for _, d := range relatedRefs(s, sys, catalog.RelPartOf) {
					if d.Kind == catalog.KindDomain {
						out = append(out, Field{Name: "Domain", Value: refLabel(s, d), Short: true})
					}
				}
			}
		case catalog.KindDomain:
			out = append(out, Field{Name: "Domain", Value: refLabel(s, p), Short: true})
		case catalog.KindComponent:
			out = append(out, Field{Name: "Part of", Value: refLabel(s, p), Short: true})
		}
	}
	return out
}

// escalation is the chain of parent teams above g (g first), stopping at cycles.
func (a *answers) escalation(s *catalog.Snapshot, g *catalog.Entity) []*catalog.Entity {
	parent := a.lookups.get(s).parent
	// At most 20 teams: a scan of the chain finds a cycle without a map.
	chain := append(make([]*catalog.Entity, 0, 4), g)
	for cur := g; len(chain) < 20; {
		p := parent[cur]
		if p == nil || slices.Contains(chain, p) {
			break
		}
		cur = p
		chain = append(chain, cur)
	}
	return chain
}

// escalationField renders the chain from escalation as one field,
// "Team (channel) → Parent (channel) → …", channels in the platform's form.
func escalationField(chain []*catalog.Entity, platform string) Field {
	parts := make([]string, len(chain))
	for i, g := range chain {
		parts[i] = displayName(g)
		if ch := channelOf(g, platform); ch != "" {
			parts[i] += " (" + ch + ")"
		}
	}
	return Field{Name: "Escalation", Value: strings.Join(parts, " → ")}
}

// contactFields are a team's or user's email and channel.
func contactFields(o *catalog.Entity, platform string) []Field {
	var out []Field
	if m := profile(o, "email"); m != "" {
		out = append(out, Field{Name: "Email", Value: m, Short: true})
	}
	if ch := channelOf(o, platform); ch != "" {
		out = append(out, Field{Name: "Channel", Value: ch, Short: true})
	}
	return out
}

// onCall collects on-call facts from e, its owner and the owner's parents,
// nearest first: PagerDuty and Opsgenie annotations and on-call links.
// Integration keys are never shown (they can raise incidents).
func (a *answers) onCall(s *catalog.Snapshot, e *catalog.Entity) (from *catalog.Entity, fields []Field, links []Link) {
	chain := []*catalog.Entity{e}
	if kindOf(e) == catalog.KindGroup {
		chain = a.escalation(s, e)
	} else if teams := related(s, e, catalog.RelMemberOf); kindOf(e) == catalog.KindUser && len(teams) > 0 {
		chain = append(chain, a.escalation(s, teams[0])...)
	} else if o, ok := ownerRef(s, e); ok {
		if oe, ok := s.Get(o); ok {
			if kindOf(oe) == catalog.KindGroup {
				chain = append(chain, a.escalation(s, oe)...)
			} else {
				chain = append(chain, oe)
			}
		}
	}
	for _, c := range chain {
		var f []Field
		var l []Link
		if id := c.Annotation(catalog.AnnotationPagerDutyID); id != "" {
			l = append(l, Link{Title: "PagerDuty service " + id, URL: "https://app.pagerduty.com/service-directory/" + id})
		} else if c.Annotation(catalog.AnnotationPagerDutyKey) != "" {
			f = append(f, Field{Name: "PagerDuty", Value: "an integration is configured (the key is not shown)"})
		}
		if t := c.Annotation(catalog.AnnotationOpsgenieTeam); t != "" {
			f = append(f, Field{Name: "Opsgenie team", Value: t, Short: true})
		}
		if sel := c.Annotation(catalog.AnnotationOpsgenieComp); sel != "" {
			f = append(f, Field{Name: "Opsgenie component", Value: sel, Short: true})
		}
		for _, ln := range c.Metadata.Links {
			if isOnCallLink(ln) {
				title := ln.Title
				if title == "" {
					title = "on-call"
				}
				l = append(l, Link{Title: title, URL: ln.URL})
			}
		}
		if len(f) > 0 || len(l) > 0 {
			return c, f, l
		}
	}
	return nil, nil, nil
}

func isOnCallLink(l catalog.Link) bool {
	// The lower-cased "title type icon url" in a buffer on the stack when
	// it is short ASCII (the usual link), else as a new string.
	var buf [256]byte
	b, ascii := buf[:0], true
	for i, part := range [4]string{l.Title, l.Type, l.Icon, l.URL} {
		if i > 0 {
			b = append(b, ' ')
		}
		for j := 0; j < len(part); j++ {
			c := part[j]
			if c >= 0x80 {
				ascii = false
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
	}
	if !ascii {
		b = []byte(strings.ToLower(l.Title + " " + l.Type + " " + l.Icon + " " + l.URL))
	}
	for _, w := range onCallWords {
		if bytes.Contains(b, w) {
			return true
		}
	}
	return false
}

var onCallWords = [][]byte{[]byte("on-call"), []byte("oncall"), []byte("on call"), []byte("pagerduty"), []byte("opsgenie"), []byte("pager"), []byte("rota"), []byte("escalation")}

func (a *answers) docsAction(e *catalog.Entity) []Action {
	if a.Docs == nil || e.Annotation(catalog.AnnotationTechDocsRef) == "" {
		return nil
	}
	return []Action{{Label: "docs", Command: "docs " + e.Ref().String()}}
}

// coverNames is "auth-api, auth-sdk-go and auth-service".
func coverNames(es []*catalog.Entity) string {
	names := make([]string, len(es))
	seen := map[string]int{}
	for _, e := range es {
		seen[strings.ToLower(e.Metadata.Name)]++
	}
	for i, e := range es {
		names[i] = e.Metadata.Name
		if seen[strings.ToLower(e.Metadata.Name)] > 1 {
			names[i] = shortRef(e.Ref())
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// coverText says which entities a shared-owner answer covers.
func coverText(req *Request, covers []*catalog.Entity, owner string) string {
	refs := make([]string, len(covers))
	for i, e := range covers {
		refs[i] = "`" + shortRef(e.Ref()) + "`"
	}
	return fmt.Sprintf("%q matches %d entities, all owned by %s: %s.", Parsed(req).Args, len(covers), owner, strings.Join(refs, ", "))
}

func (a *answers) owner(ctx context.Context, req *Request) (*Response, error) {
	s, e, covers, bad := a.resolveShared(req, preferOwned, false)
	if bad != nil {
		return bad, nil
	}
	name, ref := displayName(e), e.Ref().String()
	if len(covers) > 1 {
		name = coverNames(covers)
	}
	or, ok := ownerRef(s, e)
	// Owner, contacts, on-call, escalation, context: room for them
	// without growing the slice three times.
	resp := &Response{Fields: make([]Field, 0, 8)}
	if !ok {
		resp.Title = name + " has no owner in the catalog"
		if kindOf(e) == catalog.KindGroup {
			resp.Title = name + " is a top-level team (it has no parent)"
		}
		if teams := related(s, e, catalog.RelMemberOf); kindOf(e) == catalog.KindUser && len(teams) > 0 {
			resp.Title = name + " is a member of " + displayName(teams[0])
			resp.Fields = append(resp.Fields, contactFields(teams[0], req.Platform)...)
			resp.Actions = append(resp.Actions, Action{Label: "team", Command: "team " + teams[0].Ref().String()})
		}
		resp.Fields = append(resp.Fields, contextFields(s, e)...)
		if len(resp.Fields) == 0 {
			resp.Fields = nil // as before the room was made
		}
		resp.Actions = append([]Action{{Label: "info", Command: "info " + ref}}, resp.Actions...)
		return a.okFor(req, resp), nil
	}
	o, found := s.Get(or)
	if !found {
		resp.Title = fmt.Sprintf("%s is owned by %s", name, shortRef(or))
		resp.Text = fmt.Sprintf("The owner `%s` is not in the catalog, so there are no contacts for it.", or)
		resp.Fields = contextFields(s, e)
		resp.Actions = []Action{{Label: "info", Command: "info " + ref}, {Label: "show dependents", Command: "dependents " + ref}}
		return a.okFor(req, resp), nil
	}
	resp.Title = fmt.Sprintf("%s is owned by %s", name, displayName(o))
	if len(covers) > 1 {
		resp.Title = fmt.Sprintf("%s are owned by %s", name, displayName(o))
		resp.Text = coverText(req, covers, displayName(o))
	}
	if kindOf(e) == catalog.KindGroup {
		resp.Title = fmt.Sprintf("%s reports to %s", name, displayName(o))
	}
	resp.Fields = append(resp.Fields, Field{Name: "Owner", Value: entityLabel(o), Short: true})
	resp.Fields = append(resp.Fields, contactFields(o, req.Platform)...)
	rota, rotaFrom, note := a.liveOnCall(ctx, s, e)
	resp.OnCall = onCallData(a.lookups.get(s), rota, rotaFrom, note, req.Platform)
	if rota != nil {
		var now []string
		for _, sh := range rota.Shifts {
			if !sh.Next && sh.Level <= 1 {
				now = append(now, a.shiftLine(s, a.lookups.get(s), sh, req.Platform))
			}
		}
		if len(now) > 0 {
			v := strings.Join(now, "; ")
			if rota.Example {
				v += " _(example data)_"
			}
			resp.Fields = append(resp.Fields, Field{Name: "On call now", Value: v})
		}
	}
	if from, f, l := a.onCall(s, e); from != nil {
		resp.Links = append(resp.Links, l...)
		resp.Fields = append(resp.Fields, f...)
		if len(l) > 0 && len(f) == 0 {
			resp.Fields = append(resp.Fields, Field{Name: "On-call", Value: l[0].Title + " (from " + shortRef(from.Ref()) + ")", Short: true})
		}
	}
	if kindOf(o) == catalog.KindGroup {
		chain := a.escalation(s, o)
		if len(chain) > 1 {
			resp.Fields = append(resp.Fields, escalationField(chain, req.Platform))
		}
	}
	if len(covers) <= 1 {
		resp.Fields = append(resp.Fields, contextFields(s, e)...)
	}
	for _, l := range a.cardLinks(s, e) {
		resp.Links = appendLink(resp.Links, l)
	}
	resp.Actions = append(make([]Action, 0, 4), // and docs
		Action{Label: "show dependents", Command: "dependents " + ref},
		Action{Label: "on-call", Command: "oncall " + ref},
		Action{Label: "team", Command: "team " + o.Ref().String()},
	)
	resp.Actions = append(resp.Actions, a.docsAction(e)...)
	return a.okFor(req, resp), nil
}

func (a *answers) oncall(ctx context.Context, req *Request) (*Response, error) {
	s, e, covers, bad := a.resolveShared(req, preferOwned, true)
	if bad != nil {
		return bad, nil
	}
	l := a.lookups.get(s)
	subject, name := e, displayName(e)
	if len(covers) > 1 {
		if o, ok := a.ownerEntity(s, e); ok {
			subject = o
		}
		name = coverNames(covers)
	}
	resp := &Response{}
	rota, rotaFrom, note := a.liveOnCall(ctx, s, subject)
	resp.OnCall = onCallData(l, rota, rotaFrom, note, req.Platform)
	from, f, links := a.onCall(s, subject)
	var text []string
	if len(covers) > 1 {
		text = append(text, coverText(req, covers, displayName(subject)))
	}
	switch {
	case rota != nil:
		var now []string
		var lines []string
		for _, sh := range rota.Shifts {
			line := a.shiftLine(s, l, sh, req.Platform)
			switch {
			case sh.Next:
				lines = append(lines, fmt.Sprintf("**Next (level %d):** %s", sh.Level, line))
			case sh.Level <= 1:
				now = append(now, shiftName(l, sh))
				lines = append(lines, "**Now:** "+line)
			default:
				lines = append(lines, fmt.Sprintf("**Level %d:** %s", sh.Level, line))
			}
		}
		if len(now) == 0 {
			now = append(now, shiftName(l, rota.Shifts[0]))
		}
		resp.Title = fmt.Sprintf("On-call for %s: %s", name, strings.Join(now, ", "))
		text = append(text, lines...)
		src := rota.Source + " " + rota.Target
		if rotaFrom != nil && rotaFrom != e {
			src += " (from " + shortRef(rotaFrom.Ref()) + ")"
		}
		resp.Fields = append(resp.Fields, Field{Name: "Source", Value: src})
		if rota.Example {
			text = append(text, "_Example data: the example organisation's made-up rota, not a real schedule._")
		}
		if rota.URL != "" {
			resp.Links = append(resp.Links, Link{Title: rota.Source + " " + rota.Target, URL: rota.URL})
		}
	case from == nil:
		resp.Title = "No on-call is recorded for " + name
		if note != "" {
			text = append(text, note)
		}
		text = append(text, "Neither it, its owner nor the owner's parent teams carry a PagerDuty or Opsgenie annotation or an on-call link.")
	default:
		resp.Title = "On-call for " + name
		if note != "" {
			text = append(text, note+" From the catalog:")
		}
		if from != subject {
			text = append(text, "From "+entityLabel(from)+".")
		}
	}
	// What the catalog says, always: the owning team and its channel, the
	// entity's own channel, on-call links and the docs' on-call page.
	if o, ok := a.ownerEntity(s, subject); ok || kindOf(subject) == catalog.KindGroup {
		team := subject
		if kindOf(subject) != catalog.KindGroup {
			team = o
		}
		label := "Owner"
		if team == subject {
			label = "Team"
		}
		resp.Fields = append(resp.Fields, Field{Name: label, Value: entityLabel(team), Short: true})
		resp.Fields = append(resp.Fields, contactFields(team, req.Platform)...)
		if from == nil && rota == nil {
			text = append(text, "Contact the owner instead:")
		}
	}
	if ch := channelOf(subject, req.Platform); ch != "" && kindOf(subject) != catalog.KindGroup {
		resp.Fields = append(resp.Fields, Field{Name: "On-call channel", Value: ch, Short: true})
	}
	if rota == nil {
		resp.Fields = append(resp.Fields, f...)
	}
	for _, ln := range links {
		resp.Links = appendLink(resp.Links, ln)
	}
	resp.Docs = a.onCallDocs(ctx, s, subject)
	resp.Text = strings.Join(text, "\n")
	resp.Actions = []Action{{Label: "who owns", Command: "owner " + e.Ref().String()}, {Label: "show dependents", Command: "dependents " + e.Ref().String()}}
	if _, rb := a.findLinks(s, e, linkKinds["runbook"]); len(rb) > 0 {
		resp.Actions = append(resp.Actions, Action{Label: "runbook", Command: "runbook " + e.Ref().String()})
	}
	return a.okFor(req, resp), nil
}

// shiftName is the plain name of a shift's person, as the catalog knows them.
func shiftName(l *lookup, sh Shift) string {
	if u := l.userByEmail(sh.Email); u != nil {
		return displayName(u)
	}
	return sh.Name
}

func (a *answers) info(ctx context.Context, req *Request) (*Response, error) {
	s, e, bad := a.resolveArg(req, nil)
	if bad != nil {
		return bad, nil
	}
	ref := e.Ref().String()
	resp := &Response{Title: displayName(e), Text: e.Metadata.Description}
	noteDescription(req, resp)
	kind := e.Kind
	if t := e.SpecString("type"); t != "" {
		kind += " · " + t
	}
	resp.Fields = append(resp.Fields, Field{Name: "Ref", Value: ref, Short: true}, Field{Name: "Kind", Value: kind, Short: true})
	if or, ok := ownerRef(s, e); ok {
		name := "Owner"
		if kindOf(e) == catalog.KindGroup {
			name = "Parent"
		}
		resp.Fields = append(resp.Fields, Field{Name: name, Value: refLabel(s, or), Short: true})
	}
	resp.Fields = append(resp.Fields, contextFields(s, e)...)
	if len(e.Metadata.Tags) > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Tags", Value: strings.Join(e.Metadata.Tags, ", "), Short: true})
	}
	if kindOf(e) == catalog.KindGroup || kindOf(e) == catalog.KindUser {
		resp.Fields = append(resp.Fields, contactFields(e, req.Platform)...)
	}
	if slug := e.Annotation(catalog.AnnotationProjectSlug); slug != "" {
		resp.Links = append(resp.Links, Link{Title: "GitHub " + slug, URL: "https://github.com/" + slug})
	}
	for _, l := range e.Metadata.Links {
		t := l.Title
		if t == "" {
			t = l.URL
		}
		resp.Links = append(resp.Links, Link{Title: t, URL: l.URL})
	}
	if v := e.Annotation(catalog.AnnotationViewURL); v != "" {
		resp.Links = append(resp.Links, Link{Title: "descriptor", URL: v})
	}
	if src := strings.TrimPrefix(e.Annotation(catalog.AnnotationSourceLocation), "url:"); strings.HasPrefix(src, "http") {
		resp.Links = append(resp.Links, Link{Title: "source", URL: src})
	}
	if td := e.Annotation(catalog.AnnotationTechDocsRef); td != "" {
		resp.Fields = append(resp.Fields, Field{Name: "Docs", Value: "TechDocs (" + td + ")", Short: true})
	}
	if where := definedIn(e); where != "" {
		resp.Fields = append(resp.Fields, Field{Name: "Defined in", Value: where})
	}
	resp.Actions = []Action{
		{Label: "who owns", Command: "owner " + ref},
		{Label: "show dependents", Command: "dependents " + ref},
		{Label: "dependencies", Command: "deps " + ref},
	}
	if kindOf(e) == catalog.KindGroup {
		resp.Actions = append(resp.Actions, Action{Label: "team", Command: "team " + ref})
	}
	resp.Actions = append(resp.Actions, a.docsAction(e)...)
	return a.okFor(req, resp), nil
}

func (a *answers) deps(ctx context.Context, req *Request) (*Response, error) {
	s, e, bad := a.resolveArg(req, preferOwned)
	if bad != nil {
		return bad, nil
	}
	var items []Item
	for _, r := range relatedRefs(s, e, catalog.RelDependsOn) {
		items = append(items, Item{Text: refLabel(s, r), Detail: "depends on", Ref: r.String()})
	}
	if kindOf(e) == catalog.KindSystem || kindOf(e) == catalog.KindDomain {
		// A system depends on what its parts depend on outside it.
		for _, p := range related(s, e, catalog.RelHasPart) {
			for _, r := range relatedRefs(s, p, catalog.RelDependsOn) {
				items = append(items, Item{Text: refLabel(s, r), Detail: "depended on by " + p.Metadata.Name, Ref: r.String()})
			}
		}
	}
	for _, api := range relatedRefs(s, e, catalog.RelConsumesAPI) {
		detail := "consumes this API"
		if ae, ok := s.Get(api); ok {
			var prov []string
			for _, p := range related(s, ae, catalog.RelAPIProvidedBy) {
				prov = append(prov, shortRef(p.Ref()))
			}
			if len(prov) > 0 {
				detail += ", provided by " + strings.Join(prov, ", ")
			}
		}
		items = append(items, Item{Text: refLabel(s, api), Detail: detail, Ref: api.String()})
	}
	resp := &Response{}
	if len(items) == 0 {
		resp.Title = e.DisplayName() + " depends on nothing in the catalog"
	} else {
		resp.Title = fmt.Sprintf("%s depends on %d %s", e.DisplayName(), len(items), plural(len(items), "entity", "entities"))
		resp.Sections = []Section{{Items: pageOf(a, req, resp, items)}}
	}
	resp.Actions = append([]Action{{Label: "show dependents", Command: "dependents " + e.Ref().String()}}, resp.Actions...)
	return a.okFor(req, resp), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Affected is one entity in a blast radius.
type Affected struct {
	Entity *catalog.Entity
	Depth  int             // 1 = depends on the root directly
	Via    *catalog.Entity // what it reaches the root through
	How    string          // "depends on", "consumes", "provides", "part of"
}

// blastRelations are the relations along which an outage spreads: to what
// depends on an entity, to the APIs it provides and on to their consumers,
// and from a system or domain to its parts.
var blastRelations = []string{catalog.RelDependencyOf, catalog.RelProvidesAPI, catalog.RelAPIConsumedBy, catalog.RelHasPart}

// blastHow says how an entity reached over rel is affected by the one before it.
func blastHow(rel string) string {
	switch rel {
	case catalog.RelDependencyOf:
		return "depends on"
	case catalog.RelProvidesAPI:
		return "provided by"
	case catalog.RelAPIConsumedBy:
		return "consumes"
	case catalog.RelHasPart:
		return "part of"
	}
	return rel
}

// BlastRadius returns every entity affected when root goes down, nearest
// first, to maxDepth (0 = unlimited), by catalog.Snapshot.WalkSteps over the
// relations the catalog computed: dependencyOf, providesApi then
// apiConsumedBy, and hasPart (a system's or domain's parts).
func BlastRadius(s *catalog.Snapshot, root *catalog.Entity, maxDepth int) []Affected {
	steps := s.WalkSteps(root.Ref(), blastRelations, maxDepth, nil)
	ents := s.Entities()
	out := make([]Affected, len(steps))
	for i, st := range steps {
		out[i] = Affected{Entity: ents[st.ID], Depth: int(st.Depth), Via: ents[st.From], How: blastHow(st.Via())}
	}
	return out
}

// fastOwner is the owner ref of e for grouping, without allocation when
// the catalog has computed relations.
func fastOwner(e *catalog.Entity) (catalog.Ref, bool) {
	for _, r := range e.Relations {
		if r.Type == catalog.RelOwnedBy {
			return r.Target, true
		}
	}
	return catalog.Ref{}, false
}

// depthArg splits "X depth N" / "X --depth N" / "X depth=N" into X and N.
func depthArg(words []string) (string, int, bool) {
	n := len(words)
	if n >= 3 && (strings.EqualFold(words[n-2], "depth") || words[n-2] == "--depth" || words[n-2] == "-depth") {
		if d, err := strconv.Atoi(words[n-1]); err == nil && d >= 0 {
			return strings.Join(words[:n-2], " "), d, true
		}
		return "", 0, false
	}
	if n >= 2 {
		if v, ok := strings.CutPrefix(strings.ToLower(words[n-1]), "depth="); ok {
			if d, err := strconv.Atoi(v); err == nil && d >= 0 {
				return strings.Join(words[:n-1], " "), d, true
			}
			return "", 0, false
		}
	}
	return strings.Join(words, " "), 0, true
}

func (a *answers) dependents(ctx context.Context, req *Request) (*Response, error) {
	inv := Parsed(req)
	q, maxDepth, okDepth := depthArg(inv.Words)
	if !okDepth {
		return &Response{Title: "Usage: dependents X [depth N]", Text: "depth must be a whole number (0 means no limit).", Status: StatusUsage, Ephemeral: true}, nil
	}
	inv.Args = q
	s, e, bad := a.resolveArg(WithInvocation(req, inv), preferOwned)
	if bad != nil {
		return bad, nil
	}
	n := noted(req) // resolveArg noted on the copy; okFor reads req's
	n.subject, n.snap = e, s
	chat.SetNote(req, n)
	// The walk yields entity indexes; only the rows on the page shown are
	// turned into text, but every hit is counted and grouped. The index
	// slices come from a pool and nothing in the response points into them.
	sc := blastScratchPool.Get().(*blastScratch)
	defer sc.release()
	sc.steps = s.WalkSteps(e.Ref(), blastRelations, maxDepth, sc.steps)
	steps := sc.steps
	ref := e.Ref().String()
	resp := &Response{}
	if len(steps) == 0 {
		resp.Title = "Nothing in the catalog depends on " + e.DisplayName()
		resp.Actions = []Action{{Label: "who owns", Command: "owner " + ref}, {Label: "dependencies", Command: "deps " + ref}}
		return a.okFor(req, resp), nil
	}
	// Group by owning team (a counting sort over per-snapshot owner ids);
	// teams by how close their nearest entity is, then in catalog order.
	lk := a.lookups.get(s)
	none := int32(len(lk.owners)) // the "no owner" bucket
	buckets := len(lk.owners) + 1
	ids := sc.ids.get(len(steps))
	perTeam := sc.perTeam.get(3 * buckets) // count, nearest depth, next row, per owner id
	clear(perTeam)
	count, minDepth, start := perTeam[:buckets], perTeam[buckets:2*buckets], perTeam[2*buckets:]
	var order []int32
	direct := 0
	for i, st := range steps {
		id := lk.ownerOf[st.ID]
		if id < 0 {
			id = none
		}
		ids[i] = id
		if count[id] == 0 {
			order = append(order, id)
			minDepth[id] = st.Depth // steps come nearest first
		}
		count[id]++
		if st.Depth == 1 {
			direct++
		}
	}
	deepest := steps[len(steps)-1].Depth
	// Order the teams by nearest depth, then owner id (catalog order, so
	// ties are stable across requests): a counting sort over the depths,
	// filled in id order.
	atDepth := sc.atDepth.get(int(deepest) + 2)
	clear(atDepth)
	for _, id := range order {
		atDepth[minDepth[id]+1]++
	}
	for d := 1; d < len(atDepth); d++ {
		atDepth[d] += atDepth[d-1]
	}
	for id := range int32(buckets) {
		if count[id] > 0 {
			order[atDepth[minDepth[id]]] = id
			atDepth[minDepth[id]]++
		}
	}
	teamTitle := func(id int32) string {
		if id == none {
			return "No owner"
		}
		title := refLabel(s, lk.owners[id])
		if o, ok := s.Get(lk.owners[id]); ok {
			if ch := channelOf(o, req.Platform); ch != "" {
				title += " · " + ch
			}
		}
		return title
	}
	// Lay the hits out team by team (stable: nearest first within a team), then page.
	next := int32(0)
	for _, id := range order {
		start[id] = next
		next += count[id]
	}
	rows := sc.rows.get(len(steps))
	for i, id := range ids {
		rows[start[id]] = int32(i)
		start[id]++
	}
	resp.Title = fmt.Sprintf("%d %s affected if %s goes down", len(steps), plural(len(steps), "entity", "entities"), displayName(e))
	resp.Fields = []Field{
		{Name: "Teams to tell", Value: strconv.Itoa(len(order)), Short: true},
		{Name: "Direct", Value: strconv.Itoa(direct), Short: true},
		{Name: "Deepest", Value: strconv.Itoa(int(deepest)), Short: true},
	}
	if maxDepth > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Depth limit", Value: strconv.Itoa(maxDepth), Short: true})
	}
	// Summarise all teams (their channels) when they fit on one page.
	if len(order) <= a.PageSize {
		var sum []string
		for _, id := range order {
			sum = append(sum, fmt.Sprintf("%s: %d", teamTitle(id), count[id]))
		}
		resp.Text = "Teams: " + strings.Join(sum, "; ")
	}
	ents := s.Entities()
	var cur *Section
	curTeam := int32(-1)
	for _, i := range pageOf(a, req, resp, rows) {
		st := steps[i]
		hit := ents[st.ID]
		if ids[i] != curTeam {
			resp.Sections = append(resp.Sections, Section{Title: fmt.Sprintf("%s — %d", teamTitle(ids[i]), count[ids[i]])})
			cur, curTeam = &resp.Sections[len(resp.Sections)-1], ids[i]
		}
		cur.Items = append(cur.Items, Item{
			Text:   entityLabel(hit),
			Detail: fmt.Sprintf("depth %d · %s %s", st.Depth, blastHow(st.Via()), shortRef(ents[st.From].Ref())),
			Ref:    hit.Ref().String(),
		})
	}
	resp.Actions = append([]Action{{Label: "who owns", Command: "owner " + ref}}, resp.Actions...)
	return a.okFor(req, resp), nil
}

// blastScratch holds one dependents answer's index slices. A 10,000-entity
// blast radius would otherwise allocate about 800 KB per request, and at
// 100,000 entities that much garbage per request keeps the collector
// marking a large heap for much of the time, which is what slows the
// slowest requests.
type blastScratch struct {
	steps                       []catalog.Step
	ids, rows, perTeam, atDepth int32s
}

type int32s []int32

// get returns the slice resized to n, reusing its memory when it is big
// enough (the contents are not cleared).
func (b *int32s) get(n int) []int32 {
	if cap(*b) < n {
		*b = make([]int32, n)
	}
	*b = (*b)[:n]
	return *b
}

// maxScratch bounds what goes back to the pool: one answer about a huge
// catalog should not keep its buffers alive for ever.
const maxScratch = 1 << 20

func (sc *blastScratch) release() {
	if cap(sc.steps) > maxScratch || cap(sc.ids) > maxScratch || cap(sc.rows) > maxScratch || cap(sc.perTeam) > maxScratch || cap(sc.atDepth) > maxScratch {
		return
	}
	blastScratchPool.Put(sc)
}

var blastScratchPool = sync.Pool{New: func() any { return new(blastScratch) }}

var kindOrder = []string{catalog.KindSystem, catalog.KindComponent, catalog.KindAPI, catalog.KindResource, catalog.KindDomain, catalog.KindTemplate, catalog.KindGroup, catalog.KindUser}

func kindRank(k string) int {
	for i, x := range kindOrder {
		if x == k {
			return i
		}
	}
	return len(kindOrder)
}

// byKindItems lists entities sorted by kind, then name, each with its kind as detail.
func byKindItems(es []*catalog.Entity, detail func(*catalog.Entity) string) []Item {
	rows := appendByKind(nil, es, false)
	items := make([]Item, len(rows))
	for i, r := range rows {
		items[i] = Item{Text: entityLabel(r.e), Detail: detail(r.e), Ref: r.e.Ref().String()}
	}
	return items
}

// teamRowsOf is g's members then what it owns, each sorted by kind and
// name, and what it owns counted by kind (kindCounts): computed on the
// first request for g and kept with the snapshot's lookup, so they are
// never served for another snapshot.
func (a *answers) teamRowsOf(s *catalog.Snapshot, g *catalog.Entity, members, owned []*catalog.Entity) ([]kindRow, string) {
	l := a.lookups.get(s)
	if v, ok := l.teamRows.Load(g); ok {
		t := v.(*teamList)
		return t.rows, t.owns
	}
	rows := appendByKind(make([]kindRow, 0, len(members)+len(owned)), members, true)
	rows = appendByKind(rows, owned, false)
	t := &teamList{rows: rows, owns: kindCounts(owned)}
	l.teamRows.Store(g, t)
	return t.rows, t.owns
}

// teamList is what teamRowsOf keeps for a team.
type teamList struct {
	rows []kindRow
	owns string // kindCounts of what it owns
}

// kindRow is an entity to list, with its sort keys computed once.
type kindRow struct {
	e      *catalog.Entity
	rank   int
	name   string // lower case
	member bool
}

// appendByKind appends es to rows sorted by kind, then name (stable): the
// keys are computed once per entity, not in every comparison.
func appendByKind(rows []kindRow, es []*catalog.Entity, member bool) []kindRow {
	start := len(rows)
	for _, e := range es {
		rows = append(rows, kindRow{e: e, rank: kindRank(kindOf(e)), name: strings.ToLower(e.Metadata.Name), member: member})
	}
	slices.SortStableFunc(rows[start:], func(a, b kindRow) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return strings.Compare(a.name, b.name)
	})
	return rows
}

func kindDetail(e *catalog.Entity) string {
	d := kindOf(e)
	if t := e.SpecString("type"); t != "" {
		d += " · " + t
	}
	if lc := e.SpecString("lifecycle"); lc != "" {
		d += " · " + lc
	}
	return d
}

func kindCounts(es []*catalog.Entity) string {
	n := map[string]int{}
	for _, e := range es {
		n[kindOf(e)]++
	}
	var parts []string
	for _, k := range kindOrder {
		if n[k] > 0 {
			parts = append(parts, countOf(n[k], k))
			delete(n, k)
		}
	}
	var rest []string
	for k := range n {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, countOf(n[k], k))
	}
	return strings.Join(parts, ", ")
}

// countOf is "1 system", "5 components", "3 APIs": a kind counted in words.
func countOf(n int, kind string) string {
	word := strings.ToLower(kind)
	if word == "api" {
		word = "API"
	}
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	switch {
	case strings.HasSuffix(word, "s"), strings.HasSuffix(word, "x"), strings.HasSuffix(word, "ch"), strings.HasSuffix(word, "sh"):
		word += "es"
	case strings.HasSuffix(word, "y") && len(word) > 1 && !strings.ContainsRune("aeiou", rune(word[len(word)-2])):
		word = word[:len(word)-1] + "ies"
	default:
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}

func (a *answers) team(ctx context.Context, req *Request) (*Response, error) {
	s, g, bad := a.resolveArg(req, preferTeam)
	if bad != nil {
		return bad, nil
	}
	if kindOf(g) != catalog.KindGroup {
		if kindOf(g) == catalog.KindUser {
			return a.userCard(s, g, req, "")
		}
		// Asked for the team of a component: show its owner's team.
		or, ok := ownerRef(s, g)
		o, found := s.Get(or)
		if !ok || !found || kindOf(o) != catalog.KindGroup {
			return a.okFor(req, &Response{Title: g.DisplayName() + " is not a team", Text: "It is a " + kindOf(g) + " with no owning team in the catalog.",
				Actions: []Action{{Label: "info", Command: "info " + g.Ref().String()}}}), nil
		}
		g = o
	}
	ref := g.Ref()
	// Type, email, channel, parent, children, members, owns, on-call:
	// room for them at once.
	resp := &Response{Title: displayName(g), Text: g.Metadata.Description, Fields: make([]Field, 0, 8)}
	noteDescription(req, resp)
	if t := g.SpecString("type"); t != "" {
		resp.Fields = append(resp.Fields, Field{Name: "Type", Value: t, Short: true})
	}
	resp.Fields = append(resp.Fields, contactFields(g, req.Platform)...)
	if p := relatedRefs(s, g, catalog.RelChildOf); len(p) > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Parent", Value: refLabel(s, p[0]), Short: true})
	}
	if ch := relatedRefs(s, g, catalog.RelParentOf); len(ch) > 0 {
		names := make([]string, len(ch))
		for i, c := range ch {
			names[i] = shortRef(c)
		}
		resp.Fields = append(resp.Fields, Field{Name: "Child teams", Value: strings.Join(names, ", ")})
	}
	members := related(s, g, catalog.RelHasMember)
	owned := s.OwnedBy(ref)
	rows, owns := a.teamRowsOf(s, g, members, owned)
	resp.Fields = append(resp.Fields, Field{Name: "Members", Value: strconv.Itoa(len(members)), Short: true})
	if len(owned) > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Owns", Value: owns, Short: true})
	}
	// One paged list: members first, then what it owns by kind, sorted
	// once per snapshot. Items are built for the page shown only.
	page := pageOf(a, req, resp, rows)
	nmem := 0
	for _, r := range page {
		if r.member {
			nmem++
		}
	}
	var mem, own []Item
	if nmem > 0 {
		mem = make([]Item, 0, nmem)
	}
	if nmem < len(page) {
		own = make([]Item, 0, len(page)-nmem)
	}
	for _, r := range page {
		it := Item{Text: entityLabel(r.e), Ref: r.e.Ref().String()}
		if r.member {
			it.Detail = strings.TrimSpace("member " + profile(r.e, "email"))
		} else {
			it.Detail = kindDetail(r.e)
		}
		if strings.HasPrefix(it.Detail, "member") {
			mem = append(mem, it)
		} else {
			own = append(own, it)
		}
	}
	if len(mem) > 0 {
		resp.Sections = append(resp.Sections, Section{Title: "Members", Items: mem})
	}
	if len(own) > 0 {
		resp.Sections = append(resp.Sections, Section{Title: "Owns", Items: own})
	}
	if from, f, l := a.onCall(s, g); from != nil {
		resp.Fields = append(resp.Fields, f...)
		resp.Links = append(resp.Links, l...)
	}
	resp.Actions = append(append(make([]Action, 0, 1+len(resp.Actions)), Action{Label: "on-call", Command: "oncall " + ref.String()}), resp.Actions...)
	return a.okFor(req, resp), nil
}

// FindUser maps a chat user to a catalog User: by the platform's user-id
// annotation, then by email, then (on the console) by user name.
func FindUser(s *catalog.Snapshot, u User) *catalog.Entity {
	return findUser(s, nil, u)
}

func findUser(s *catalog.Snapshot, l *lookup, u User) *catalog.Entity {
	users := func(es []*catalog.Entity) *catalog.Entity {
		for _, e := range es {
			if kindOf(e) == catalog.KindUser {
				return e
			}
		}
		return nil
	}
	if u.ID != "" {
		key := ""
		switch u.Platform {
		case PlatformSlack:
			key = catalog.AnnotationSlackUserID
		case PlatformDiscord:
			key = catalog.AnnotationDiscordUserID
		}
		if key != "" {
			if e := users(s.ByAnnotation(key, u.ID)); e != nil {
				return e
			}
		}
	}
	if u.Email != "" {
		if l == nil {
			l = buildLookup(s)
		}
		if e := users(l.byEmail[strings.ToLower(u.Email)]); e != nil {
			return e
		}
	}
	if u.Platform == PlatformConsole && u.ID != "" {
		return users(s.ByName(u.ID))
	}
	return nil
}

func (a *answers) whoami(ctx context.Context, req *Request) (*Response, error) {
	s, l, bad := a.snapshot()
	if bad != nil {
		return bad, nil
	}
	u := findUser(s, l, req.User)
	if u == nil {
		who := req.User.Name
		if who == "" {
			who = req.User.ID
		}
		return &Response{Title: whoTitle(who), Text: whoamiHint(req), Status: StatusNotFound, Ephemeral: true}, nil
	}
	return a.userCard(s, u, req, "You are ")
}

func (a *answers) userCard(s *catalog.Snapshot, u *catalog.Entity, req *Request, prefix string) (*Response, error) {
	resp := &Response{Title: prefix + entityLabel(u)}
	resp.Fields = append(resp.Fields, contactFields(u, req.Platform)...)
	teams := related(s, u, catalog.RelMemberOf)
	var names []string
	owned := append([]*catalog.Entity(nil), s.OwnedBy(u.Ref())...)
	for _, t := range teams {
		names = append(names, entityLabel(t))
		owned = append(owned, s.OwnedBy(t.Ref())...)
	}
	if len(names) > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Teams", Value: strings.Join(names, ", ")})
	}
	owned = dedupe(owned)
	if len(owned) > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Your teams own", Value: kindCounts(owned)})
		items := byKindItems(owned, detailWithOwner)
		resp.Sections = []Section{{Title: "Owned", Items: pageOf(a, req, resp, items)}}
	} else {
		resp.Text = "Neither you nor your teams own anything in the catalog."
	}
	return a.okFor(req, resp), nil
}

// searchScore ranks e for the folded query terms; 0 means no match.
// Every term must match some field.
func searchScore(e *catalog.Entity, terms []string) int {
	name, title, desc := fold(e.Metadata.Name), fold(e.Metadata.Title), strings.ToLower(e.Metadata.Description)
	total := 0
	for _, t := range terms {
		best := 0
		switch {
		case name == t:
			best = 100
		case strings.HasPrefix(name, t):
			best = 60
		case strings.Contains(name, t):
			best = 40
		}
		if title != "" {
			switch {
			case title == t:
				best = max(best, 90)
			case strings.Contains(title, t):
				best = max(best, 35)
			}
		}
		for _, tag := range e.Metadata.Tags {
			if fold(tag) == t {
				best = max(best, 30)
			}
		}
		if best < 15 && strings.Contains(desc, t) {
			best = 15
		}
		if best < 10 {
			for _, v := range e.Metadata.Annotations {
				if strings.Contains(strings.ToLower(v), t) {
					best = 10
					break
				}
			}
		}
		if best == 0 {
			return 0
		}
		total += best
	}
	return total
}

func (a *answers) search(ctx context.Context, req *Request) (*Response, error) {
	s, _, bad := a.snapshot()
	if bad != nil {
		return bad, nil
	}
	q := Parsed(req).Args
	if q == "" {
		return a.usage("search"), nil
	}
	var terms []string
	for _, w := range strings.Fields(fold(q)) {
		terms = append(terms, w)
	}
	if len(terms) == 0 {
		return a.usage("search"), nil
	}
	type scored struct {
		e *catalog.Entity
		n int
	}
	var hits []scored
	for _, e := range s.Entities() {
		if n := searchScore(e, terms); n > 0 {
			hits = append(hits, scored{e, n})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].n != hits[j].n {
			return hits[i].n > hits[j].n
		}
		return hits[i].e.Ref().Key() < hits[j].e.Ref().Key()
	})
	if len(hits) == 0 && a.loading() {
		return a.stillLoading(), nil
	}
	if len(hits) == 0 {
		res := resolveWith(s, a.lookups.get(s), q, nil)
		if res.Entity != nil {
			res = Resolution{Suggestions: []catalog.Match{{Entity: res.Entity, Score: 1}}}
		}
		resp := unresolved(Resolution{Suggestions: res.Suggestions}, "info", q)
		resp.Title = fmt.Sprintf("No catalog entity matches %q", q)
		if len(res.Suggestions) == 0 {
			resp.Text = "Try fewer or shorter words."
			resp.Actions = nil
		}
		return resp, nil
	}
	resp := &Response{Title: fmt.Sprintf("%d %s for %q", len(hits), plural(len(hits), "match", "matches"), q)}
	items := make([]Item, len(hits))
	for i, h := range hits {
		d := kindDetail(h.e)
		if h.e.Metadata.Description != "" {
			d += " — " + h.e.Metadata.Description
		}
		items[i] = Item{Text: entityLabel(h.e), Detail: d, Ref: h.e.Ref().String()}
	}
	resp.Sections = []Section{{Items: pageOf(a, req, resp, items)}}
	return a.okFor(req, resp), nil
}

func (a *answers) api(ctx context.Context, req *Request) (*Response, error) {
	s, e, bad := a.resolveArg(req, preferAPI)
	if bad != nil {
		return bad, nil
	}
	ref := e.Ref().String()
	resp := &Response{}
	if kindOf(e) != catalog.KindAPI {
		provided := related(s, e, catalog.RelProvidesAPI)
		consumed := related(s, e, catalog.RelConsumesAPI)
		resp.Title = fmt.Sprintf("APIs of %s", e.DisplayName())
		if len(provided)+len(consumed) == 0 {
			resp.Title = e.DisplayName() + " provides and consumes no API in the catalog"
		}
		if len(provided) > 0 {
			resp.Sections = append(resp.Sections, Section{Title: "Provides", Items: byKindItems(provided, kindDetail)})
		}
		if len(consumed) > 0 {
			resp.Sections = append(resp.Sections, Section{Title: "Consumes", Items: byKindItems(consumed, kindDetail)})
		}
		resp.Actions = []Action{{Label: "info", Command: "info " + ref}}
		return a.okFor(req, resp), nil
	}
	resp.Title = e.DisplayName()
	resp.Text = e.Metadata.Description
	noteDescription(req, resp)
	resp.Fields = append(resp.Fields, Field{Name: "Ref", Value: ref, Short: true})
	if t := e.SpecString("type"); t != "" {
		resp.Fields = append(resp.Fields, Field{Name: "Type", Value: t, Short: true})
	}
	if or, ok := ownerRef(s, e); ok {
		resp.Fields = append(resp.Fields, Field{Name: "Owner", Value: refLabel(s, or), Short: true})
	}
	resp.Fields = append(resp.Fields, contextFields(s, e)...)
	prov := related(s, e, catalog.RelAPIProvidedBy)
	cons := related(s, e, catalog.RelAPIConsumedBy)
	if len(prov) > 0 {
		resp.Sections = append(resp.Sections, Section{Title: "Provided by", Items: byKindItems(prov, kindDetail)})
	}
	if len(cons) > 0 {
		resp.Sections = append(resp.Sections, Section{Title: fmt.Sprintf("Consumed by (%d)", len(cons)), Items: pageOf(a, req, resp, byKindItems(cons, kindDetail))})
	}
	resp.Actions = append([]Action{{Label: "who owns", Command: "owner " + ref}, {Label: "show dependents", Command: "dependents " + ref}}, resp.Actions...)
	return a.okFor(req, resp), nil
}

func (a *answers) system(ctx context.Context, req *Request) (*Response, error) {
	s, e, bad := a.resolveArg(req, preferSys)
	if bad != nil {
		return bad, nil
	}
	if k := kindOf(e); k != catalog.KindSystem && k != catalog.KindDomain {
		var sys *catalog.Entity
		for _, p := range related(s, e, catalog.RelPartOf) {
			if kindOf(p) == catalog.KindSystem {
				sys = p
				break
			}
		}
		if sys == nil {
			return a.okFor(req, &Response{Title: e.DisplayName() + " is not part of a system", Actions: []Action{{Label: "info", Command: "info " + e.Ref().String()}}}), nil
		}
		e = sys
	}
	ref := e.Ref().String()
	resp := &Response{Title: e.DisplayName() + " (" + kindOf(e) + ")", Text: e.Metadata.Description}
	noteDescription(req, resp)
	if or, ok := ownerRef(s, e); ok {
		resp.Fields = append(resp.Fields, Field{Name: "Owner", Value: refLabel(s, or), Short: true})
		if o, ok := s.Get(or); ok {
			resp.Fields = append(resp.Fields, contactFields(o, req.Platform)...)
		}
	}
	resp.Fields = append(resp.Fields, contextFields(s, e)...)
	parts := related(s, e, catalog.RelHasPart)
	if len(parts) > 0 {
		resp.Fields = append(resp.Fields, Field{Name: "Parts", Value: kindCounts(parts)})
		items := byKindItems(parts, detailWithOwner)
		resp.Sections = []Section{{Title: "Parts", Items: pageOf(a, req, resp, items)}}
	} else {
		resp.Text = strings.TrimSpace(resp.Text + "\n\nNothing in the catalog is part of it.")
	}
	resp.Actions = append([]Action{{Label: "show dependents", Command: "dependents " + ref}, {Label: "who owns", Command: "owner " + ref}}, resp.Actions...)
	return a.okFor(req, resp), nil
}

// detailWithOwner is an entity's kind detail followed by its owner, as list
// items of owned things, parts and members show it.
func detailWithOwner(e *catalog.Entity) string {
	d := kindDetail(e)
	if o, ok := fastOwner(e); ok {
		d += " · " + shortRef(o)
	}
	return d
}

// definedIn says where an entity's descriptor lives, as people can find it:
// the repository URL a source recorded, else the file's path inside the
// catalog folder it was loaded from — never the server's own file path.
func definedIn(e *catalog.Entity) string {
	for _, key := range []string{catalog.AnnotationManagedByOrigin, catalog.AnnotationManagedBy} {
		if u, ok := strings.CutPrefix(e.Annotation(key), "url:"); ok && strings.HasPrefix(u, "https://") {
			return u
		}
	}
	file := e.Origin.Pos.File
	if e.Origin.Source == "files" || strings.HasPrefix(file, "/") || filepath.IsAbs(file) {
		file = e.Origin.Path // relative to the catalog folder
	}
	if file == "" {
		return ""
	}
	pos := e.Origin.Pos
	pos.File = file
	return pos.String()
}

func whoTitle(who string) string {
	if strings.TrimSpace(who) == "" {
		return "I don't know who you are: no identity came with your message"
	}
	return "I don't know who " + who + " is in the catalog"
}

// whoamiHint says how the asker becomes known to the catalog on their platform.
func whoamiHint(req *Request) string {
	u := req.User
	var text string
	switch req.Platform {
	case PlatformSlack:
		text = "No catalog User carries your Slack id: add the annotation `slack.com/user-id: " + u.ID + "` to your User entity"
		if u.Email != "" {
			text += ", or set its `spec.profile.email` to " + u.Email
		} else {
			text += " (or give the bot the `users:read.email` scope so your email can match `spec.profile.email`)"
		}
		return text + "."
	case PlatformDiscord:
		text = "No catalog User carries your Discord id: add the annotation `discord.com/user-id: " + u.ID + "` to your User entity"
		if u.Email != "" {
			text += ", or set its `spec.profile.email` to " + u.Email
		}
		return text + "."
	}
	if u.ID == "" && u.Email == "" {
		return "On the console, set `CALLBOARD_USER` to your User entity's name (`CALLBOARD_USER=jane.doe callboard chat`) or `CALLBOARD_EMAIL` to its `spec.profile.email`; by default your login name ($USER) is tried."
	}
	text = "No catalog User is named `" + u.ID + "`"
	if u.Email != "" {
		text += " or has the email " + u.Email
	}
	return text + ". On the console, set `CALLBOARD_USER` to your User entity's name or `CALLBOARD_EMAIL` to its `spec.profile.email`."
}
