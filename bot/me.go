package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

// Bounds of the `me` answer, so it fits a Slack Home tab (100 blocks) and a
// Discord message whatever the size of the person's teams.
const (
	meTeams      = 5  // teams shown (owned things, on-call)
	meOwnedItems = 12 // owned entities listed per team
	meJobs       = 5  // recent scaffold jobs listed
)

// me is the person's own page: who they are in the catalog (or how to link
// themselves), their teams, what those own with lifecycle, who is on call
// for them now, their recent scaffold jobs, and buttons for the common
// commands. Slack shows it as the App Home tab; elsewhere it is `me`.
func (a *answers) me(ctx context.Context, req *Request) (*Response, error) {
	s, l, bad := a.snapshot()
	if bad != nil {
		return bad, nil
	}
	resp := &Response{}
	u := findUser(s, l, req.User)
	var teams []*catalog.Entity
	if u == nil {
		who := req.User.Name
		if who == "" {
			who = req.User.ID
		}
		resp.Title = whoTitle(who)
		resp.Text = whoamiHint(req)
	} else {
		resp.Title = "You are " + entityLabel(u)
		resp.Fields = append(resp.Fields, contactFields(u, req.Platform)...)
		teams = related(s, u, catalog.RelMemberOf)
		var names []string
		for _, t := range teams {
			names = append(names, entityLabel(t))
		}
		if len(names) > 0 {
			resp.Fields = append(resp.Fields, Field{Name: "Teams", Value: strings.Join(names, ", ")})
		} else {
			resp.Text = "You are in no team in the catalog: add your name to a Group's `spec.members`."
		}
	}
	shown := teams
	if len(shown) > meTeams {
		shown = shown[:meTeams]
	}
	for _, t := range shown {
		resp.Sections = append(resp.Sections, ownedSection(s, t))
	}
	if len(teams) > len(shown) {
		resp.Sections = append(resp.Sections, Section{Text: fmt.Sprintf("…and %d more teams: ask `whoami` for all of them.", len(teams)-len(shown))})
	}
	if len(shown) > 0 {
		resp.Sections = append(resp.Sections, a.onCallSection(ctx, s, l, shown, req.Platform))
	}
	resp.Sections = append(resp.Sections, a.jobsSection(ctx, req, u))
	resp.Actions = meActions(teams)
	resp.Status = StatusOK
	if u == nil {
		resp.Status = StatusNotFound
	}
	resp.Ephemeral = true // an email, a person's own jobs
	return resp, nil
}

// ownedSection lists what team t owns, with kind, type and lifecycle.
func ownedSection(s *catalog.Snapshot, t *catalog.Entity) Section {
	owned := s.OwnedBy(t.Ref())
	sec := Section{Title: displayName(t) + " owns"}
	if len(owned) == 0 {
		sec.Text = "nothing in the catalog"
		return sec
	}
	sec.Title += " (" + kindCounts(owned) + ")"
	items := byKindItems(owned, kindDetail)
	if len(items) > meOwnedItems {
		sec.Text = fmt.Sprintf("The first %d of %d; `team %s` lists all.", meOwnedItems, len(items), shortRef(t.Ref()))
		items = items[:meOwnedItems]
	}
	sec.Items = items
	return sec
}

// onCallSection says who is on call now for each team: the live rota when a
// paging tool answers, else where the catalog says to look.
func (a *answers) onCallSection(ctx context.Context, s *catalog.Snapshot, l *lookup, teams []*catalog.Entity, platform string) Section {
	sec := Section{Title: "On call now"}
	for _, t := range teams {
		it := Item{Text: displayName(t), Ref: t.Ref().String()}
		rota, _, note := a.liveOnCall(ctx, s, t)
		switch {
		case rota != nil:
			var now []string
			for _, sh := range rota.Shifts {
				if !sh.Next && sh.Level <= 1 {
					now = append(now, a.shiftLine(s, l, sh, platform))
				}
			}
			if len(now) == 0 {
				now = append(now, a.shiftLine(s, l, rota.Shifts[0], platform))
			}
			it.Detail = strings.Join(now, "; ") + " (" + rota.Source + ")"
			if rota.Example {
				it.Detail += " — example data"
			}
		default:
			if from, _, links := a.onCall(s, t); from != nil && len(links) > 0 {
				it.Detail = "see " + links[0].Title
				it.URL = links[0].URL
			} else if note != "" {
				it.Detail = note
			} else {
				it.Detail = "no on-call recorded in the catalog"
			}
		}
		sec.Items = append(sec.Items, it)
	}
	return sec
}

// jobsSection lists the person's recent scaffold jobs with their state.
func (a *answers) jobsSection(ctx context.Context, req *Request, u *catalog.Entity) Section {
	sec := Section{Title: "Your recent scaffold jobs"}
	if a.Jobs == nil {
		sec.Text = "Scaffolding is not set up here."
		return sec
	}
	q := scaffold.JobQuery{Requester: requester(req), Limit: meJobs}
	if u != nil {
		q.User = u.Ref().String()
	}
	if q.Requester == "" && q.User == "" {
		sec.Text = "No identity came with your request, so your jobs cannot be found."
		return sec
	}
	jobs, err := a.Jobs.ListJobs(ctx, q)
	if err != nil {
		slog.WarnContext(ctx, "me: scaffold jobs not listed", "err", err)
		sec.Text = "Your jobs could not be read just now; try again in a moment."
		return sec
	}
	if len(jobs) == 0 {
		sec.Text = "None yet: `templates` lists what you can scaffold."
		return sec
	}
	for _, j := range jobs {
		name := j.Template
		if r, err := catalog.ParseRef(j.Template, catalog.KindTemplate, catalog.DefaultNamespace); err == nil {
			name = r.Name
		}
		if v, ok := j.Values["name"].(string); ok && v != "" {
			name += " → " + v
		}
		d := string(j.State) + " · " + j.Created.UTC().Format("2 Jan 15:04 UTC") + " · job `" + j.ID + "`"
		if j.State == scaffold.JobFailed && j.Error != "" {
			d += " — " + clipRunes(j.Error, 200)
		}
		sec.Items = append(sec.Items, Item{Text: name, Detail: d})
	}
	return sec
}

// meActions are the common commands, as buttons.
func meActions(teams []*catalog.Entity) []Action {
	var out []Action
	if len(teams) > 0 {
		t := shortRef(teams[0].Ref())
		out = append(out, Action{Label: "my team", Command: "team " + t}, Action{Label: "who's on call", Command: "oncall " + t})
	}
	return append(out,
		Action{Label: "what I own", Command: "whoami"},
		Action{Label: "templates", Command: "templates"},
		Action{Label: "help", Command: "help"})
}

// clipRunes cuts s to n runes, marking the cut with an ellipsis.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
