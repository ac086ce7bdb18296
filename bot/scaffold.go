package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/scaffold"
)

// ScaffoldOptions configure the template commands.
type ScaffoldOptions struct {
	Catalog Catalog
	// Runner renders templates. Chat runs are dry runs for now: publishing
	// to GitHub goes through `callboard scaffold` on the command line.
	Runner *scaffold.Runner
}

// RegisterScaffold registers `templates` and `scaffold`.
func RegisterScaffold(r *Router, o ScaffoldOptions) error {
	if o.Catalog == nil || o.Runner == nil {
		return errors.New("register scaffold commands: no catalog or runner")
	}
	s := &scaffolding{o: o}
	for _, c := range []Command{
		{
			Name: "templates", Aliases: []string{"golden paths", "list templates"},
			Summary: "list the Software Templates you can scaffold from", Usage: "templates",
			Examples: []string{"templates"},
			Handler:  HandlerFunc(s.templates),
		},
		{
			Name: "scaffold", Aliases: []string{"create", "new service"},
			Summary: "preview a new repository from a template", Usage: "scaffold TEMPLATE key=value ... [--dry-run]",
			Examples: []string{"scaffold go-service name=ledger-export owner=team-payments description=\"Exports ledger entries\" repoUrl=github.com?owner=tallybird&repo=ledger-export"},
			Help:     "Checks the parameters against the template's schema and renders it: the file tree and the catalog-info.yaml it would register. In chat this is always a dry run for now; publish with `callboard scaffold` on the command line.",
			Handler:  HandlerFunc(s.scaffold),
		},
	} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

type scaffolding struct{ o ScaffoldOptions }

func (s *scaffolding) list() ([]*scaffold.Template, []error) {
	return scaffold.Templates(s.o.Catalog.Current())
}

func (s *scaffolding) templates(ctx context.Context, req *Request) (*Response, error) {
	ts, errs := s.list()
	resp := &Response{Status: StatusOK, Ephemeral: true, Title: fmt.Sprintf("%d templates", len(ts))}
	sec := Section{}
	for _, t := range ts {
		detail := t.Description
		if len(t.Tags) > 0 {
			detail += " · tags: " + strings.Join(t.Tags, ", ")
		}
		if t.Owner != "" {
			detail += " · owner: " + t.Owner
		}
		sec.Items = append(sec.Items, Item{Text: t.Title + " (" + t.Ref.Name + ")", Detail: strings.TrimPrefix(detail, " · ") + "\n`" + t.Usage() + "`", Ref: t.Ref.String()})
		resp.Actions = append(resp.Actions, Action{Label: "scaffold " + t.Ref.Name, Command: "scaffold " + t.Ref.Name})
	}
	resp.Sections = append(resp.Sections, sec)
	for _, err := range errs {
		resp.Text += "Not usable: " + err.Error() + "\n"
	}
	return resp, nil
}

func (s *scaffolding) scaffold(ctx context.Context, req *Request) (*Response, error) {
	raw, rest, err := scaffold.ParseAssignments(rawArgs(req))
	if err != nil {
		return &Response{Status: StatusUsage, Ephemeral: true, Text: "scaffold: " + err.Error() + "\nUsage: `scaffold TEMPLATE key=value ...`"}, nil
	}
	var name string
	for _, w := range rest {
		if w == "--dry-run" || w == "dry-run" {
			continue
		}
		if name != "" {
			return &Response{Status: StatusUsage, Ephemeral: true, Text: fmt.Sprintf("scaffold: %q is not key=value (the template is %q)", w, name)}, nil
		}
		name = w
	}
	ts, _ := s.list()
	if name == "" {
		return &Response{Status: StatusUsage, Ephemeral: true, Text: "scaffold: which template? Usage: `scaffold TEMPLATE key=value ...`; `templates` lists them."}, nil
	}
	t := findTemplate(ts, name)
	if t == nil {
		resp := &Response{Status: StatusNotFound, Ephemeral: true, Title: fmt.Sprintf("No template called %q", name)}
		for _, c := range closestTemplates(ts, name, 3) {
			resp.Suggestions = append(resp.Suggestions, Suggestion{Label: c.Ref.Name, Command: "scaffold " + c.Ref.Name, Ref: c.Ref.String()})
		}
		return resp, nil
	}
	prev, err := s.o.Runner.DryRun(ctx, scaffold.Request{Template: t, Params: raw})
	var perr *scaffold.ParamError
	if errors.As(err, &perr) {
		return paramResponse(t, perr), nil
	}
	var denied *scaffold.DeniedError
	if errors.As(err, &denied) {
		return &Response{Status: StatusDenied, Ephemeral: true, Text: denied.Error()}, nil
	}
	if err != nil {
		return &Response{Status: StatusError, Ephemeral: true, Title: "Template " + t.Ref.Name + " cannot run", Text: err.Error()}, nil
	}
	resp := &Response{Status: StatusOK, Ephemeral: true, Title: fmt.Sprintf("Dry run of %s: %d files", t.Ref.Name, len(prev.Files))}
	paths := make([]string, 0, len(prev.Files))
	for _, f := range prev.Files {
		paths = append(paths, f.Path)
	}
	sort.Strings(paths)
	tree := Section{Title: "Files"}
	for _, p := range paths {
		tree.Items = append(tree.Items, Item{Text: p})
	}
	resp.Sections = append(resp.Sections, tree)
	if prev.CatalogInfo != "" {
		resp.Sections = append(resp.Sections, Section{Title: "catalog-info.yaml", Text: "```\n" + prev.CatalogInfo + "```"})
	}
	resp.Text = "Nothing was created. Publish with `callboard scaffold --template … key=value …` on the command line."
	return resp, nil
}

// paramResponse lists what to supply and builds the form a platform can show.
func paramResponse(t *scaffold.Template, perr *scaffold.ParamError) *Response {
	resp := &Response{Status: StatusUsage, Ephemeral: true, Title: "Template " + t.Ref.Name + " needs more"}
	var b strings.Builder
	for _, p := range perr.Problems {
		b.WriteString("- " + p.Message + "\n")
	}
	modal := &Modal{Title: t.DisplayName(), Command: "scaffold " + t.Ref.Name}
	if len(perr.Missing) > 0 {
		b.WriteString("Supply:\n")
	}
	for _, p := range perr.Missing {
		line := "- `" + p.Hint() + "`"
		if p.Title != "" {
			line += " " + p.Title
		}
		if p.Description != "" {
			line += ": " + p.Description
		}
		b.WriteString(line + "\n")
		in := ModalInput{Name: p.Name, Label: firstNonEmpty(p.Title, p.Name), Hint: p.Description, Required: true, Options: p.Enum}
		if p.Default != nil {
			in.Default = fmt.Sprint(p.Default)
		}
		modal.Inputs = append(modal.Inputs, in)
	}
	resp.Text = strings.TrimRight(b.String(), "\n")
	if len(modal.Inputs) > 0 {
		resp.Modal = modal
	}
	return resp
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func findTemplate(ts []*scaffold.Template, name string) *scaffold.Template {
	for _, t := range ts {
		if strings.EqualFold(t.Ref.Name, name) || strings.EqualFold(t.Ref.String(), name) || strings.EqualFold(t.Title, name) {
			return t
		}
	}
	return nil
}

func closestTemplates(ts []*scaffold.Template, name string, n int) []*scaffold.Template {
	q := fold(name)
	var out []*scaffold.Template
	for _, t := range ts {
		if strings.Contains(fold(t.Ref.Name), q) || strings.Contains(q, fold(t.Ref.Name)) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = ts
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// rawArgs is the text after the verb with its quotes intact (Args drops
// them, and key="two words" needs them).
func rawArgs(req *Request) string {
	text := strings.TrimSpace(req.Text)
	if verb := Parsed(req).Verb; verb != "" && len(text) >= len(verb) && strings.EqualFold(text[:len(verb)], verb) {
		return text[len(verb):]
	}
	return Args(req)
}
