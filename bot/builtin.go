package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

// DocSearcher searches documentation (catalog/docs, adapted by main).
// entity, when set, restricts the search to that entity's site. It returns
// one page of hits and the total number of hits.
type DocSearcher interface {
	SearchDocs(ctx context.Context, q string, entity *catalog.Ref, limit, offset int) ([]DocHit, int, error)
}

// Options configure the built-in commands.
type Options struct {
	// Catalog is required.
	Catalog Catalog
	// Docs, when set, enables `docs`.
	Docs DocSearcher
	// PageSize is the number of list items per page (default 15).
	PageSize int
	// InChannel makes lookups visible to the channel instead of ephemeral.
	InChannel bool
	// OnCall, when set, names who is on call now (PagerDuty, Opsgenie, a
	// rota file); wrap it in a CachedOnCall. Nil: on-call answers come from
	// the catalog alone.
	OnCall OnCall
	// OnCallTimeout bounds one live on-call lookup (default 2 s).
	OnCallTimeout time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Jobs, when set, lists scaffold jobs: `me` shows the asker's recent ones.
	Jobs scaffold.JobLister
}

// answers holds what the built-in handlers share.
type answers struct {
	Options
	lookups lookups
	router  *Router
}

// RegisterBuiltins registers the built-in commands on r: help, owner,
// oncall, info, deps, dependents, team, whoami, me, search, api, system and
// (with Options.Docs) docs. Set RouterOptions{Default: "info", Empty: "help"}
// on r so a bare name shows its card.
func RegisterBuiltins(r *Router, opts Options) error {
	if opts.Catalog == nil {
		return errors.New("register built-in commands: no catalog")
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 15
	}
	a := &answers{Options: opts, router: r}
	if w, ok := opts.Catalog.(interface {
		OnSwap(func(*catalog.Snapshot))
	}); ok {
		// Build the resolution index when a snapshot is swapped in, not
		// on the first request that needs it (0.7 s at 100,000 entities).
		w.OnSwap(func(s *catalog.Snapshot) { a.lookups.get(s) })
	}
	for _, c := range a.commands() {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	r.Anywhere(anywhereVerbs...)
	return nil
}

// anywhereVerbs are the built-in commands' one-word verbs recognised after
// the name too ("ledger runbook", "checkout on-call"); longer phrases always are.
var anywhereVerbs = []string{
	"owner", "owns", "oncall", "on-call", "runbook", "runbooks",
	"dashboard", "dashboards", "logs", "impact", "dependents", "escalation",
	"contact", "contacts", "repo", "repository", "team", "pager",
	"grafana", "playbook", "playbooks",
}

func (a *answers) commands() []Command {
	cmds := []Command{
		{
			Name: "help", Aliases: []string{"commands"}, Phrases: []string{"what can you do", "how do i use this"},
			Summary: "list the commands, or explain one", Usage: "help [command]",
			Examples: []string{"help", "help impact"},
			Handler:  HandlerFunc(a.help),
		},
		{
			Name: "owner", Aliases: []string{"who owns", "owns", "owner of", "whose", "owners of", "ownership of", "owners", "ownership"},
			Phrases: []string{"who is the owner of", "who's the owner of", "who is responsible for", "who's responsible for", "who maintains", "{} owner", "who owns {} now",
				"which team owns", "what team owns", "who looks after", "who runs", "who supports", "whose is", "who is the owner for", "who's the owner for", "owner for",
				"is {} down", "{} is down", "is {} broken", "{} is broken", "{} is on fire", "{} is failing", "is {} failing", "{} down", "who built", "who wrote", "who do i ask about", "who to ask about"},
			Summary: "who owns X: team, contacts, channel, on-call and escalation path",
			Usage:   "owner X", Examples: []string{"who owns artist-lookup?", "owner component:default/artist-lookup"},
			Help:    "Shows the owning team of X (a component, API, resource, system, domain or template; for a team, its parent team): its name, email, chat channel, on-call, the escalation path up the team hierarchy, and X's lifecycle, system and domain.",
			Handler: HandlerFunc(a.owner),
		},
		{
			Name: "oncall", Aliases: []string{"on-call", "on call", "pager", "page"},
			Phrases: []string{"who is on call for", "who's on call for", "whos on call for", "who is on-call for", "who's on-call for", "who is oncall for", "who's oncall for", "on call for", "oncall for", "who do i page for", "who should i page for",
				"who is on call", "who's on call", "whos on call", "who is on-call", "who's on-call", "who is oncall", "who's oncall", "on-call for", "who do i page", "who should i page", "who to page", "who to page for",
				"who has the pager for", "who has the pager", "who is the on-call for", "who's the on-call for", "who is on call at", "who's on call at", "on call at", "who is on duty for", "who's on duty for", "who is on duty", "who do i call for", "who do i call about", "who do i ping about", "who do i ping for", "who do i ping", "who to ping about", "who to ping for", "who should i ping about", "who should i ping for",
				"who do i alert about", "who do i alert for", "who is paged for", "who's paged for", "who gets paged for", "who gets paged about", "who would be paged for", "who will be paged for", "who gets paged", "who is paged",
				"is anyone on call for", "is someone on call for", "who is next on call for", "who's next on call for", "who is on call next for", "next on call for", "who is secondary for",
				"who is the secondary for", "who's the secondary for", "secondary on call for", "backup on call for", "who is the backup for", "who's the backup for", "primary on call for",
				"who is primary for", "who's primary for", "who is the primary for", "who's the primary for", "when does the on-call shift end for", "rota for", "on-call rota for", "oncall rota for", "on call rota for", "schedule for", "on-call schedule for", "who's covering", "who is covering", "who covers", "who do i notify about", "who do i escalate to", "who is on pager for", "who's on pager for", "who holds the pager for", "who to call for", "who to call about", "who should i call for", "who do i call",
				"who is the on call engineer for", "who's the on call engineer for", "who is the on-call engineer for", "who's the on-call engineer for", "on call engineer for", "on-call engineer for",
				"who is the on call for", "who's the on call for", "who is the oncall for", "who's the oncall for", "who is on call right now for", "who do i wake up for", "page someone for", "page the on-call for", "oncall of", "on-call of"},
			Summary: "who is on call for X or a team (PagerDuty, Opsgenie, on-call links)",
			Usage:   "oncall X", Examples: []string{"who's on call for artist-lookup?", "oncall team-a"},
			Help:    "Shows the on-call of X: PagerDuty and Opsgenie annotations as links and any on-call links, taken from X itself, then from its owner and the owner's parent teams. For a component it is its owner's on-call.",
			Handler: HandlerFunc(a.oncall),
		},
		{
			Name: "info", Aliases: []string{"show", "describe", "card", "what is", "what's", "whats", "tell me about"},
			Summary: "the full card of X (a bare X does the same)",
			Usage:   "info X", Examples: []string{"info artist-lookup", "\"Payments API\""},
			Help:    "Shows X's description, kind and type, owner, system, lifecycle, links, docs, tags and source.",
			Handler: HandlerFunc(a.info),
		},
		{
			Name: "deps", Aliases: []string{"dependencies", "depends on", "upstream"},
			Phrases: []string{"what does {} depend on", "what does {} use", "what does {} need", "dependencies of"},
			Summary: "what X depends on, and the components providing the APIs it consumes",
			Usage:   "deps X", Examples: []string{"deps artist-lookup", "what does www-artist depend on?"},
			Handler: HandlerFunc(a.deps),
		},
		{
			Name: "dependents", Aliases: []string{"impact", "blast radius", "blast-radius", "downstream", "rdeps", "what breaks", "what else breaks", "what is affected", "what's affected", "who is affected", "who is impacted", "what is impacted", "what will break"},
			Phrases: []string{"what depends on", "who depends on", "what uses", "who uses", "what breaks if {} goes down", "what breaks if {} is down", "what breaks without", "what is affected by", "who is affected by", "who is impacted by", "what is impacted by", "impact of", "blast radius of", "what happens if {} goes down", "who do i tell about",
				"what breaks if", "what will break if", "what else breaks if", "what would break if", "what is affected if", "what's affected if", "who is affected if", "who's affected if",
				"what relies on", "who relies on", "what calls", "who calls", "who consumes", "consumers of", "blast radius for", "impact on", "what happens if", "what goes down with", "dependents of"},
			Summary: "the blast radius: everything that depends on X, with depth, by owning team",
			Usage:   "dependents X [depth N]", Examples: []string{"impact artists-db", "what depends on artist-lookup?", "dependents artists-db depth 1"},
			Help:    "Lists every entity that depends on X directly or transitively: through dependsOn, through the APIs X provides (their consumers), and for a system or domain through its parts. Each entry shows its depth (1 = direct); entries are grouped by owning team with the team's channel, so you know whom to tell. Add `depth N` to stop at depth N.",
			Handler: HandlerFunc(a.dependents),
		},
		{
			Name: "team", Aliases: []string{"group", "squad"}, Phrases: []string{"who is in", "who's in", "members of", "who is on team", "who's on team", "who is on the", "who's on the", "who is in the", "who's in the",
				"who is on", "who's on", "who works on", "members of team", "people on", "who is in team", "who's in team", "{} members", "{} team members", "who works in", "what team is {} on", "which team is {} on", "what team is {} in", "which team is {} in", "what team does {} belong to", "which team does {} belong to"},
			Summary: "a team: members, what it owns, parent and child teams, channel",
			Usage:   "team T", Examples: []string{"team team-a", "who is in team-a?"},
			Handler: HandlerFunc(a.team),
		},
		{
			Name: "whoami", Aliases: []string{"mine", "my services", "what do i own", "who am i"},
			Summary: "you, as the catalog knows you, and what your teams own",
			Usage:   "whoami", Examples: []string{"whoami", "mine"},
			Help:    "Finds your catalog User by the slack.com/user-id or discord.com/user-id annotation, then by email, and lists your teams and what they own. On the console (`callboard ask`/`chat`) set CALLBOARD_USER to your User's name (default: $USER) or CALLBOARD_EMAIL to its spec.profile.email.",
			Handler: HandlerFunc(a.whoami),
			Private: true,
		},
		{
			Name: "me", Aliases: []string{"home", "my home", "my page"},
			Summary: "your page: you, your teams, what they own, who is on call for them, your scaffold jobs",
			Usage:   "me", Examples: []string{"me"},
			Help:    "Shows who you are in the catalog (or how to link yourself), your teams and what they own with each thing's lifecycle, who is on call for your teams now, and your recent scaffold jobs. On Slack it is also the bot's Home tab.",
			Handler: HandlerFunc(a.me),
			Private: true,
		},
		{
			Name: "search", Aliases: []string{"find", "lookup", "look up", "grep"},
			Summary: "search the catalog: names, titles, descriptions, tags and annotations",
			Usage:   "search Q", Examples: []string{"search artist", "search java"},
			Handler: HandlerFunc(a.search),
		},
		{
			Name: "api", Aliases: []string{"apis"},
			Summary: "an API: its type, owner, who provides it and who consumes it",
			Usage:   "api X", Examples: []string{"api spotify", "apis artist-lookup"},
			Help:    "Shows an API: type, lifecycle, owner, system, providers and consumers. Given a component, lists the APIs it provides and consumes.",
			Handler: HandlerFunc(a.api),
		},
		{
			Name: "system", Aliases: []string{"domain"}, Phrases: []string{"what is in", "what's in", "parts of"},
			Summary: "a system or domain: its parts by kind, owner and domain",
			Usage:   "system X", Examples: []string{"system artist-engagement-portal", "domain artists"},
			Handler: HandlerFunc(a.system),
		},
	}
	cmds = append(cmds, a.linkCommands()...)
	if a.Docs != nil {
		cmds = append(cmds, Command{
			Name: "docs", Aliases: []string{"doc", "documentation", "techdocs", "how do i"},
			Summary: "search the documentation (optionally of one entity)",
			Usage:   "docs Q [in X] | docs X Q", Examples: []string{"docs deploy", "docs rollback in artist-lookup", "docs artist-lookup rollback"},
			Help:    "Searches TechDocs. `docs Q in X` or `docs X Q` (when X names an entity) searches only X's documentation. Results page; click next page for more.",
			Handler: HandlerFunc(a.docs),
		})
	}
	return cmds
}

// CatalogLoading is a Catalog that knows whether some of its sources have
// not loaded yet (a remote catalog at start); a lookup that finds nothing
// meanwhile is answered "still loading", not "nothing is called".
type CatalogLoading interface {
	Loading() bool
}

func (a *answers) loading() bool {
	l, ok := a.Catalog.(CatalogLoading)
	return ok && l.Loading()
}

// CatalogProgress is a CatalogLoading that can say how far the load has
// got, in a sentence ("github:acme: 12 of 40 repositories read, 31 files
// found").
type CatalogProgress interface {
	LoadingProgress() string
}

// stillLoading answers while the catalog loads, with how far it has got
// when the catalog can say.
func (a *answers) stillLoading() *Response {
	text := "callboard is reading it from its sources; try again in a moment."
	if p, ok := a.Catalog.(CatalogProgress); ok {
		if so := strings.TrimSpace(p.LoadingProgress()); so != "" {
			text = "callboard is reading it from its sources. So far: " + so + "\nTry again in a moment."
		}
	}
	return &Response{Title: "The catalog is still loading", Text: text, Status: StatusError, Ephemeral: true}
}

// lookupCommands only read the catalog: "help X is down" may run one.
var lookupCommands = map[string]bool{
	"owner": true, "oncall": true, "info": true, "deps": true, "dependents": true, "team": true, "search": true,
	"api": true, "system": true, "docs": true, "runbook": true, "dashboard": true, "logs": true, "repo": true,
	"escalation": true, "contact": true,
}

// snapshot returns the current snapshot or an answer saying it is not loaded.
func (a *answers) snapshot() (*catalog.Snapshot, *lookup, *Response) {
	s := a.Catalog.Current()
	if s == nil {
		return nil, nil, a.stillLoading()
	}
	return s, a.lookups.get(s), nil
}

// resolveArg resolves the request's argument, or returns the answer to give instead.
func (a *answers) resolveArg(req *Request, prefer Preference) (*catalog.Snapshot, *catalog.Entity, *Response) {
	s, e, _, bad := a.resolveShared(req, prefer, false)
	return s, e, bad
}

// resolveShared is resolveArg for answers about an owner (who owns, on-call,
// team): when the name fits several entities that all have one owner, the
// answer is that owner's, so it returns the first of them and all of them
// in covers instead of asking which one. exactToo extends that to entities
// that share the exact name (on-call); "who owns" still asks then.
func (a *answers) resolveShared(req *Request, prefer Preference, exactToo bool) (*catalog.Snapshot, *catalog.Entity, []*catalog.Entity, *Response) {
	s, l, bad := a.snapshot()
	if bad != nil {
		return nil, nil, nil, bad
	}
	inv := Parsed(req)
	q := inv.Args
	if q == "" {
		return nil, nil, nil, a.usage(inv.Command)
	}
	res := resolveWith(s, l, q, prefer)
	if res.Entity == nil {
		shareable := res.By == "word" || exactToo
		if len(res.Candidates) > 1 && prefer != nil && shareable {
			if o, ok := sharedOwner(s, res.Candidates); ok {
				if _, found := s.Get(o); found {
					noteSubject(req, s, res.Candidates[0], "")
					return s, res.Candidates[0], res.Candidates, nil
				}
			}
		}
		if len(res.Candidates) == 0 && a.loading() {
			return nil, nil, nil, a.stillLoading()
		}
		resp := unresolved(res, inv.Command, q)
		if o, ok := sharedOwner(s, res.Candidates); ok && len(res.Candidates) > 1 {
			if oe, found := s.Get(o); found {
				resp.Text = fmt.Sprintf("All of them are owned by %s. Which one did you mean?", entityLabel(oe))
				resp.Fields = contactFields(oe, req.Platform)
			}
		}
		return nil, nil, nil, resp
	}
	assumed := ""
	switch res.By {
	case "fuzzy":
		assumed = "_Assuming you meant `" + res.Entity.Ref().String() + "`._"
	case "word":
		assumed = fmt.Sprintf("_Taking %q to mean %s (`%s`)._", res.Query, displayName(res.Entity), res.Entity.Ref().String())
	}
	noteSubject(req, s, res.Entity, assumed)
	return s, res.Entity, nil, nil
}

func (a *answers) usage(name string) *Response {
	c, ok := a.router.Lookup(name)
	if !ok {
		return &Response{Title: "Usage", Text: "Type `help`.", Status: StatusUsage, Ephemeral: true}
	}
	resp := &Response{Title: "Usage: " + c.Usage, Text: c.Summary, Status: StatusUsage, Ephemeral: true}
	for _, ex := range a.examples(c) {
		resp.Actions = append(resp.Actions, Action{Label: ex, Command: ex})
	}
	return resp
}

// examples are c's examples with names from the catalog being served.
func (a *answers) examples(c Command) []string {
	s := a.Catalog.Current()
	if s == nil {
		return c.Examples
	}
	l := a.lookups.get(s)
	out := make([]string, len(c.Examples))
	for i, ex := range c.Examples {
		out[i] = l.exampleLine(s, ex)
	}
	return out
}

// okFor finishes a successful answer: status, visibility, and a note when
// the entity was found by a guess at a typo.
func (a *answers) okFor(req *Request, resp *Response) *Response {
	resp.Status = StatusOK
	resp.Ephemeral = !a.InChannel
	n := noted(req)
	if n.fold != nil && n.fold == resp {
		n.fold = nil
		chat.SetNote(req, n)
		foldDescription(resp)
	}
	if n.subject != nil && resp.Entity == nil {
		var l *lookup
		if n.snap != nil {
			l = a.lookups.get(n.snap)
		}
		resp.Entity = entityDataIn(l, n.snap, n.subject)
	}
	if n.assumed != "" {
		resp.Text = strings.TrimSpace(n.assumed + "\n\n" + resp.Text)
	}
	return resp
}

// resolved is what answering a request notes on it (chat.SetNote) for
// okFor: the entity its argument resolved to, in snapshot snap (for the
// answer's data, Response.Entity), the line saying so when resolution
// guessed at a typo, and the answer whose Text is an entity's description,
// folded when long so that the key facts come first.
type resolved struct {
	subject *catalog.Entity
	snap    *catalog.Snapshot
	assumed string
	fold    *Response
}

// noted is what was noted on req (the zero value when nothing was).
func noted(req *Request) resolved {
	n, _ := chat.Note(req).(resolved)
	return n
}

// noteSubject notes that req's argument is e in s (assumed: the line saying
// it was a guess, or "").
func noteSubject(req *Request, s *catalog.Snapshot, e *catalog.Entity, assumed string) {
	n := noted(req)
	n.subject, n.snap = e, s
	if assumed != "" {
		n.assumed = assumed
	}
	chat.SetNote(req, n)
}

// noteDescription notes that resp's Text is an entity's description.
func noteDescription(req *Request, resp *Response) {
	n := noted(req)
	n.fold = resp
	chat.SetNote(req, n)
}

// pageOf slices items for the request's page and fills resp.Page and a
// next-page Action (carrying the original command) when more follow.
func pageOf[T any](a *answers, req *Request, resp *Response, items []T) []T {
	size := a.PageSize
	total := (len(items) + size - 1) / size
	if total <= 1 {
		return items
	}
	p := req.Page
	if p < 0 {
		p = 0
	}
	if p >= total {
		p = total - 1
	}
	resp.Page = &Page{Index: p, Total: total, Items: len(items)}
	if p+1 < total {
		resp.Actions = append(resp.Actions, Action{Label: fmt.Sprintf("next page (%d/%d)", p+2, total), Command: strings.TrimSpace(req.Text), Page: p + 1})
	}
	if p > 0 {
		resp.Actions = append(resp.Actions, Action{Label: "previous page", Command: strings.TrimSpace(req.Text), Page: p - 1})
	}
	end := min((p+1)*size, len(items))
	return items[p*size : end]
}

func (a *answers) help(ctx context.Context, req *Request) (*Response, error) {
	if name := Parsed(req).Args; name != "" {
		inv := a.router.Parse(name)
		c, ok := a.router.Lookup(inv.Command)
		if len(Parsed(req).Words) > 1 && (!ok || inv.Verb == "" || inv.Args != "") && lookupCommands[inv.Command] {
			// "help! payments-api is down": a cry for help, not a command name.
			return a.router.Reroute(ctx, req, name)
		}
		if !ok || inv.Verb == "" {
			return &Response{Title: fmt.Sprintf("There is no command %q", name), Text: "Type `help` for the list.", Status: StatusNotFound, Ephemeral: true,
				Actions: []Action{{Label: "help", Command: "help"}}}, nil
		}
		resp := &Response{Title: c.Usage, Text: c.Summary}
		if c.Help != "" {
			resp.Text += "\n\n" + c.Help
		}
		if len(c.Aliases) > 0 {
			resp.Fields = append(resp.Fields, Field{Name: "Also", Value: strings.Join(c.Aliases, ", ")})
		}
		if len(c.Phrases) > 0 {
			ph := make([]string, len(c.Phrases))
			for i, p := range c.Phrases {
				ph[i] = strings.ReplaceAll(p, "{}", "X")
			}
			resp.Fields = append(resp.Fields, Field{Name: "Or ask", Value: strings.Join(ph, "; ")})
		}
		for _, ex := range a.examples(c) {
			resp.Actions = append(resp.Actions, Action{Label: ex, Command: ex})
		}
		return a.okHelp(resp), nil
	}
	resp := &Response{Title: "callboard commands", Text: "Ask in plain words too: \"who owns X?\", \"what depends on X\", \"who's on call for X\". A bare name shows its card."}
	sec := Section{}
	for _, c := range a.router.Commands() {
		if c.Hidden {
			continue
		}
		sec.Items = append(sec.Items, Item{Text: c.Usage, Detail: c.Summary})
		if len(c.Examples) > 0 && len(resp.Actions) < 5 && c.Name != "help" {
			ex := a.examples(c)[0]
			resp.Actions = append(resp.Actions, Action{Label: ex, Command: ex})
		}
	}
	resp.Sections = []Section{sec}
	return a.okHelp(resp), nil
}

func (a *answers) okHelp(resp *Response) *Response {
	resp.Status = StatusOK
	resp.Ephemeral = true
	return resp
}

// Descriptions longer than foldAt code points are folded: the answer opens
// with their first foldHead code points and the key facts (owner, fields),
// and the whole text follows as the last section, so that on a platform
// that splits long answers the facts are in part 1.
const (
	foldAt   = 1200
	foldHead = 600
)

func foldDescription(resp *Response) {
	text := strings.TrimSpace(resp.Text)
	if utf8.RuneCountInString(text) <= foldAt {
		return
	}
	head := text
	n := 0
	for i := range text {
		if n == foldHead {
			head = text[:i]
			break
		}
		n++
	}
	// End the opening at a paragraph, sentence or word break.
	for _, sep := range []string{"\n\n", ". ", " "} {
		if i := strings.LastIndex(head, sep); i > len(head)/2 {
			head = head[:i+len(strings.TrimRight(sep, " \n"))]
			break
		}
	}
	resp.Text = strings.TrimSpace(head) + " … (the full description is below)"
	resp.Sections = append(resp.Sections, Section{Title: "Description", Text: text})
}
