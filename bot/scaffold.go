package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

// ScaffoldOptions configure the template commands.
type ScaffoldOptions struct {
	Catalog Catalog
	// Runner renders templates and keeps jobs (Runner.Store). With a
	// Runner.Publisher and a Queue, `scaffold T k=v` runs the template for
	// real: the job goes to Queue for a worker (Runner.Work) on any replica
	// and the reply follows its steps. Otherwise chat runs are dry runs.
	Runner *scaffold.Runner
	Queue  scaffold.Queue
	// Notifier wakes a reply's follow-up when a worker in this process moves
	// the job on; without it (or for work on another replica) the job is
	// read from Runner.Store every Poll (default 1s).
	Notifier *scaffold.Notifier
	Poll     time.Duration
	// Replies posts a job's result to the request's message when no reply
	// follows the job any more (its replica died); follow-ups mark
	// themselves alive in it. Nil: only the following reply updates it.
	Replies *JobReplies
	// Admins may retry anyone's job; others only their own.
	Admins []catalog.Ref
	// NotConfigured tells, when publishing is off, how to turn it on.
	NotConfigured string
}

// RegisterScaffold registers `templates` and `scaffold` (with `scaffold
// status JOB` and `scaffold retry JOB`).
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
			Summary: "create a new repository from a template (or preview it with --dry-run)", Usage: "scaffold TEMPLATE key=value ... [--dry-run] | scaffold status JOB | scaffold retry JOB",
			Examples: []string{"scaffold go-service name=ledger-export owner=team-payments description=\"Exports ledger entries\" repoUrl=github.com?owner=tallybird&repo=ledger-export", "scaffold status 3f2a…", "scaffold retry 3f2a…"},
			Help: "Checks the parameters against the template's schema, then runs it: the reply names the job and is updated as each step finishes, ending with the repository and the registered catalog entity. " +
				"--dry-run renders only: the file tree and the catalog-info.yaml it would register. `scaffold status JOB` shows a job; `scaffold retry JOB` resumes a failed job at its failed step " +
				"(the person who started it, or a catalog admin). Without GitHub configured for publishing, every run is a dry run and says so.",
			Handler: HandlerFunc(s.scaffold),
		},
	} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

type scaffolding struct{ o ScaffoldOptions }

// failure answers a request that failed inside (the job store is down):
// a plain sentence for the person, the cause in the runner's log.
func (s *scaffolding) failure(ctx context.Context, title string, err error) *Response {
	resp := ErrorResponse(ctx, s.o.Runner.Log, err, "command", "scaffold")
	resp.Title = title
	return resp
}

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
		resp.Text += "Not usable: " + PublicText(err.Error()) + "\n"
	}
	return resp, nil
}

func (s *scaffolding) publishing() bool { return s.o.Runner.Publisher != nil && s.o.Queue != nil }

func (s *scaffolding) scaffold(ctx context.Context, req *Request) (*Response, error) {
	raw, rest, err := scaffold.ParseAssignments(rawArgs(req))
	if err != nil {
		return &Response{Status: StatusUsage, Ephemeral: true, Text: "scaffold: " + err.Error() + "\nUsage: `scaffold TEMPLATE key=value ...`"}, nil
	}
	if len(rest) > 0 && len(raw) == 0 && (strings.EqualFold(rest[0], "status") || strings.EqualFold(rest[0], "retry")) {
		if len(rest) != 2 {
			return &Response{Status: StatusUsage, Ephemeral: true, Text: fmt.Sprintf("Usage: `scaffold %s JOB` with the job id the scaffold reply gave.", strings.ToLower(rest[0]))}, nil
		}
		if strings.EqualFold(rest[0], "status") {
			return s.status(ctx, rest[1])
		}
		return s.retry(ctx, req, rest[1])
	}
	var name string
	dry, step := false, ""
	for _, w := range rest {
		if w == "--dry-run" || w == "dry-run" {
			dry = true
			continue
		}
		if w == flagOptions || w == flagOptionsForm {
			step = w
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
	if step != "" {
		return formStep(t, raw, dry, step), nil
	}
	sreq := scaffold.Request{Template: t, Params: raw, User: s.userRef(req), Requester: requester(req)}
	if req.ReplyTo != "" {
		issued := req.Received
		if issued.IsZero() {
			issued = time.Now()
		}
		sreq.Reply = &scaffold.ReplyAddress{Platform: req.Platform, Address: req.ReplyTo, Issued: issued}
	}
	if !dry && s.publishing() {
		return s.submit(ctx, req, t, sreq)
	}
	prev, err := s.o.Runner.DryRun(ctx, sreq)
	if bad := s.refusal(t, raw, dry, err); bad != nil {
		return bad, nil
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
	if len(prev.Skipped) > 0 {
		skipped := Section{Title: "Skipped in the dry run"}
		for _, line := range prev.Skipped {
			skipped.Items = append(skipped.Items, Item{Text: line})
		}
		resp.Sections = append(resp.Sections, skipped)
	}
	resp.Text = "Nothing was created."
	if !dry {
		// Asked to publish, and this callboard cannot: say so, never a fake success.
		resp.Status = StatusError
		resp.Title = "Not published: scaffolding from chat is not configured here. " + resp.Title
		how := s.o.NotConfigured
		if how == "" {
			how = "Publishing needs `callboard serve` with GitHub configured (GITHUB_TOKEN, or a GitHub App: github.app_id, installation_id and private key); `callboard scaffold --template PATH key=value …` publishes from the command line."
		}
		resp.Text = "Nothing was created: this is what it would create. " + how
	}
	return resp, nil
}

// refusal turns a failed Prepare (parameters, policy, checks) into its reply; nil when err is nil.
func (s *scaffolding) refusal(t *scaffold.Template, raw map[string]string, dry bool, err error) *Response {
	if err == nil {
		return nil
	}
	var perr *scaffold.ParamError
	if errors.As(err, &perr) {
		return paramResponse(t, raw, dry, perr)
	}
	var denied *scaffold.DeniedError
	if errors.As(err, &denied) {
		return &Response{Status: StatusDenied, Ephemeral: true, Title: "You may not run " + t.Ref.Name, Text: denied.Error()}
	}
	if errors.Is(err, scaffold.ErrUnavailable) {
		// The cause names addresses and network errors: the log has it.
		s.log().Warn("scaffold request refused: the job store is unavailable", "template", t.Ref.String(), "err", err)
		return &Response{Status: StatusError, Ephemeral: true, Title: "Scaffolding is unavailable right now",
			Text: "callboard cannot reach its shared job store at the moment, so nothing was created. Try again in a minute; if it keeps failing, tell the team that runs callboard."}
	}
	return &Response{Status: StatusError, Ephemeral: true, Title: "Template " + t.Ref.Name + " cannot run", Text: PublicText(err.Error())}
}

func (s *scaffolding) log() *slog.Logger {
	if s.o.Runner != nil && s.o.Runner.Log != nil {
		return s.o.Runner.Log
	}
	return slog.Default()
}

// modalCommand is the command a form's values are appended to: the
// template with the values already given, so the form asks only for the rest.
func modalCommand(t *scaffold.Template, raw map[string]string, dry bool) string {
	parts := []string{"scaffold", t.Ref.Name}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+quoteArg(raw[k]))
	}
	if dry {
		parts = append(parts, "--dry-run")
	}
	return strings.Join(parts, " ")
}

// quoteArg quotes v for ParseAssignments when it is not one plain word.
func quoteArg(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\"'“”") {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// requester is the chat account that asked, as jobs record it.
func requester(req *Request) string {
	if req.User.ID == "" {
		return ""
	}
	return req.Platform + ":" + req.User.ID
}

// userRef is the catalog User of the person asking (zero when unlinked).
func (s *scaffolding) userRef(req *Request) catalog.Ref {
	if snap := s.o.Catalog.Current(); snap != nil {
		if u := FindUser(snap, req.User); u != nil {
			return u.Ref()
		}
	}
	return catalog.Ref{}
}

// submit queues the job (or finds the one of the same delivery) and
// answers at once; the reply follows the job's steps.
func (s *scaffolding) submit(ctx context.Context, req *Request, t *scaffold.Template, sreq scaffold.Request) (*Response, error) {
	if req.DeliveryID != "" {
		// A retried delivery is the same request: one job, one repository.
		sreq.Key = req.Platform + ":" + req.DeliveryID
	}
	job, err := s.o.Runner.Submit(ctx, s.o.Queue, sreq)
	if job != nil && err != nil {
		resp := s.jobResponse(job)
		if errors.Is(err, scaffold.ErrUnavailable) {
			// The cause names addresses and network errors: the log has it.
			s.log().Warn("scaffold job not queued: the job queue is unavailable", "job", job.ID, "err", err)
			resp.Text += "\ncallboard could not reach its shared job queue, so the job was not queued. Retry it in a minute."
		} else {
			resp.Text += "\n" + PublicText(err.Error())
		}
		return resp, nil
	}
	if bad := s.refusal(t, sreq.Params, false, err); bad != nil {
		return bad, nil
	}
	resp := s.jobResponse(job)
	if !job.Finished() {
		resp.Follow = s.follow(job.ID, resp)
	}
	return resp, nil
}

// follow updates the reply as the job moves on, until it finishes.
func (s *scaffolding) follow(id string, first *Response) func(context.Context, func(*Response) error) error {
	return func(ctx context.Context, update func(*Response) error) error {
		var wake <-chan struct{}
		if s.o.Notifier != nil {
			ch, stop := s.o.Notifier.Subscribe(id)
			defer stop()
			wake = ch
		}
		last := first.Title + "\n" + first.Text
		if s.o.Replies != nil {
			// While this reply follows, a worker elsewhere leaves the
			// message to it.
			defer s.o.Replies.watching(ctx, id)()
		}
		err := scaffold.Watch(ctx, s.o.Runner.Store, id, wake, s.o.Poll, func(j *scaffold.Job) error {
			r := s.jobResponse(j)
			if k := r.Title + "\n" + r.Text; k != last {
				if s.o.Replies != nil && !s.o.Replies.take(ctx, j) {
					// A worker posted this outcome already (this reply
					// was taken for dead meanwhile): never twice.
					last = k
					return nil
				}
				last = k
				return update(r)
			}
			return nil
		})
		if err != nil && ctx.Err() != nil {
			// This reply stops following (a restart, or the wait ran out);
			// the job itself carries on wherever a worker has it.
			return NewUserError(fmt.Sprintf("This message stopped following job %s, which carries on: `scaffold status %s` shows it.", id, id), ctx.Err())
		}
		return err
	}
}

// jobResponse shows a job: its steps, then the links and the registered
// entities once it succeeded, or what exists and how to retry once it failed.
func (s *scaffolding) jobResponse(j *scaffold.Job) *Response {
	tmpl := j.Template
	if r, err := catalog.ParseRef(j.Template, catalog.KindTemplate, ""); err == nil {
		tmpl = r.Name
	}
	what := tmpl
	if n, ok := j.Values["name"].(string); ok && n != "" {
		what = n + " from " + tmpl
	}
	resp := &Response{Status: StatusOK}
	lines := j.StepLines()
	switch j.State {
	case scaffold.JobSucceeded:
		resp.Title = fmt.Sprintf("Scaffolded %s: job %s", what, j.ID)
		for _, st := range j.Steps {
			if ref, ok := st.Output["entityRef"].(string); ok && ref != "" && st.State == scaffold.StepDone {
				lines = append(lines, "registered "+ref)
			}
		}
		if j.Output != nil {
			for _, l := range j.Output.Links {
				if l.URL != "" {
					resp.Links = append(resp.Links, Link{Title: firstNonEmpty(l.Title, l.URL), URL: l.URL})
				}
			}
			lines = append(lines, j.Output.Text...)
		}
	case scaffold.JobFailed:
		resp.Status = StatusError
		resp.Title = fmt.Sprintf("Scaffolding %s failed: job %s", what, j.ID)
		lines = append(lines, fmt.Sprintf("Once the cause is fixed, `scaffold retry %s` resumes at the failed step; nothing is created twice.", j.ID))
		resp.Actions = append(resp.Actions, Action{Label: "retry", Command: "scaffold retry " + j.ID, Style: "primary"})
	default:
		resp.Title = fmt.Sprintf("Scaffolding %s… job %s", what, j.ID)
		if j.State == scaffold.JobQueued && j.Attempts > 0 {
			lines = append(lines, "Waiting for a worker to resume it.")
		}
		if j.State == scaffold.JobWaiting {
			lines = append(lines, j.Waiting)
		}
	}
	resp.Text = strings.Join(lines, "\n")
	return resp
}

func (s *scaffolding) status(ctx context.Context, id string) (*Response, error) {
	j, err := s.o.Runner.Store.Get(ctx, id)
	if errors.Is(err, scaffold.ErrJobNotFound) {
		return &Response{Status: StatusNotFound, Ephemeral: true, Title: "No scaffold job " + id, Text: "Job ids come in the reply to `scaffold`; records are kept for 30 days."}, nil
	}
	if err != nil {
		return s.failure(ctx, "Cannot read job "+id, err), nil
	}
	resp := s.jobResponse(j)
	resp.Ephemeral = true
	if j.State == scaffold.JobFailed {
		resp.Status = StatusOK // the answer itself is complete
	}
	return resp, nil
}

// retry resumes a failed job at its failed step, through the queue. Only
// the person who started it (same chat account, or same catalog User) or an
// admin may.
func (s *scaffolding) retry(ctx context.Context, req *Request, id string) (*Response, error) {
	j, err := s.o.Runner.Store.Get(ctx, id)
	if errors.Is(err, scaffold.ErrJobNotFound) {
		return &Response{Status: StatusNotFound, Ephemeral: true, Title: "No scaffold job " + id, Text: "Job ids come in the reply to `scaffold`; records are kept for 30 days."}, nil
	}
	if err != nil {
		return s.failure(ctx, "Cannot read job "+id, err), nil
	}
	if !s.mayRetry(req, j) {
		return &Response{Status: StatusDenied, Ephemeral: true, Title: "You may not retry job " + id,
			Text: "Only the person who started it, or a callboard admin (catalog.admins), may retry a scaffold job."}, nil
	}
	if !s.publishing() {
		return &Response{Status: StatusError, Ephemeral: true, Title: "Cannot retry job " + id, Text: "Publishing is not configured here, so jobs cannot run."}, nil
	}
	switch j.State {
	case scaffold.JobSucceeded:
		resp := s.jobResponse(j)
		resp.Text = "It already succeeded; nothing to retry.\n" + resp.Text
		return resp, nil
	case scaffold.JobQueued, scaffold.JobRunning, scaffold.JobWaiting:
		resp := s.jobResponse(j)
		resp.Text = fmt.Sprintf("It is %s and resumes by itself; nothing to retry.\n", j.State) + resp.Text
		resp.Follow = s.follow(j.ID, resp)
		return resp, nil
	}
	j, err = s.o.Runner.Requeue(ctx, s.o.Queue, id)
	if err != nil {
		return &Response{Status: StatusError, Title: "Cannot retry job " + id, Text: PublicText(err.Error())}, nil
	}
	resp := s.jobResponse(j)
	resp.Title = "Retrying: " + resp.Title
	resp.Follow = s.follow(j.ID, resp)
	return resp, nil
}

func (s *scaffolding) mayRetry(req *Request, j *scaffold.Job) bool {
	if r := requester(req); r != "" && r == j.Requester {
		return true
	}
	me := s.userRef(req)
	if me.IsZero() {
		return false
	}
	if j.User != "" && strings.EqualFold(j.User, me.String()) {
		return true
	}
	for _, a := range s.o.Admins {
		if a.Key() == me.Key() {
			return true
		}
	}
	return false
}

// paramResponse lists what to supply and builds the form a platform can
// show: the missing parameters, then the optional ones not yet given
// (Required false: a platform shows them apart, or in a second step).
func paramResponse(t *scaffold.Template, raw map[string]string, dry bool, perr *scaffold.ParamError) *Response {
	resp := &Response{Status: StatusUsage, Ephemeral: true, Title: "Template " + t.Ref.Name + " needs more"}
	var b strings.Builder
	for _, p := range perr.Problems {
		b.WriteString("- " + p.Message + "\n")
	}
	if len(perr.Missing) > 0 {
		b.WriteString("Supply:\n")
	}
	for _, p := range perr.Missing {
		line := "- `" + p.Hint() + "`"
		if p.Field == "RepoUrlPicker" {
			line += " (or `" + p.Name + scaffold.RepoPartRepo + "=NAME`"
			if len(p.AllowedOwners) != 1 {
				line += " with `" + p.Name + scaffold.RepoPartOwner + "=ORG`"
			}
			line += ")"
		}
		if p.Title != "" {
			line += " " + p.Title
		}
		if p.Description != "" {
			line += ": " + p.Description
		}
		b.WriteString(line + "\n")
	}
	resp.Text = strings.TrimRight(b.String(), "\n")
	if len(perr.Missing) > 0 {
		required, optional := t.Form(raw, perr.Missing)
		modal := &Modal{Title: t.DisplayName(), Command: modalCommand(t, raw, dry)}
		for _, p := range required {
			modal.Inputs = append(modal.Inputs, formInputs(p, raw)...)
		}
		for _, p := range optional {
			modal.Inputs = append(modal.Inputs, formInputs(p, raw)...)
		}
		if len(optional) > 0 {
			modal.More = modal.Command + " " + flagOptions
		}
		if len(modal.Inputs) > 0 {
			resp.Modal = modal
		}
	}
	return resp
}

// The steps of a form shown in two parts (a platform whose form holds few
// fields, Discord's five): the required values come with flagOptions, and
// the answer offers to run now or to set the optional ones first; that
// button runs flagOptionsForm, whose answer is the form of optional ones.
const (
	flagOptions     = "--options"
	flagOptionsForm = "--options-form"
)

// formStep answers a form's second step (flagOptions, flagOptionsForm).
func formStep(t *scaffold.Template, raw map[string]string, dry bool, step string) *Response {
	run := modalCommand(t, raw, dry)
	if _, err := t.Values(raw); err != nil {
		var perr *scaffold.ParamError
		if errors.As(err, &perr) {
			return paramResponse(t, raw, dry, perr)
		}
		return &Response{Status: StatusError, Ephemeral: true, Title: "Template " + t.Ref.Name + " cannot run", Text: PublicText(err.Error())}
	}
	_, optional := t.Form(raw, nil)
	verb := "Create"
	if dry {
		verb = "Dry run"
	}
	if len(optional) == 0 {
		return &Response{Status: StatusOK, Ephemeral: true, Title: t.DisplayName() + ": ready", Text: "Every parameter is set.",
			Actions: []Action{{Label: verb, Command: run}}}
	}
	names := make([]string, len(optional))
	for i, p := range optional {
		names[i] = firstNonEmpty(p.Title, p.Name)
	}
	if step == flagOptionsForm {
		modal := &Modal{Title: "Options: " + t.DisplayName(), Command: run}
		for _, p := range optional {
			modal.Inputs = append(modal.Inputs, formInputs(p, raw)...)
		}
		return &Response{Status: StatusOK, Ephemeral: true, Title: "More options for " + t.Ref.Name,
			Text: "Optional: " + strings.Join(names, ", ") + ". Add them as key=value to `" + run + "`.", Modal: modal,
			Actions: []Action{{Label: verb, Command: run}}}
	}
	return &Response{Status: StatusOK, Ephemeral: true, Title: t.DisplayName() + ": ready",
		Text:    "Optional parameters keep their defaults unless you set them: " + strings.Join(names, ", ") + ".",
		Actions: []Action{{Label: verb, Command: run}, {Label: "More options…", Command: run + " " + flagOptionsForm}}}
}

// formInputs are the fields asking for p: one, or for a repository
// location (RepoUrlPicker) its owner and name apart (and its host when
// several are allowed), which scaffold joins into the value the template
// takes (github.com?owner=ORG&repo=NAME).
func formInputs(p scaffold.Param, raw map[string]string) []ModalInput {
	label := firstNonEmpty(p.Title, p.Name)
	if p.Field != "RepoUrlPicker" {
		in := ModalInput{Name: p.Name, Label: label, Hint: p.Description, Required: p.Required, Options: p.Enum}
		if p.Default != nil {
			in.Default = formDefault(p.Default)
		}
		if len(p.ItemEnum) > 0 {
			in.Hint = strings.TrimSpace(in.Hint + " Any of " + strings.Join(p.ItemEnum, ", ") + ", separated by commas.")
			in.Placeholder = strings.Join(p.ItemEnum, ",")
		}
		return []ModalInput{in}
	}
	var out []ModalInput
	where := p.RepoHost()
	if len(p.AllowedHosts) > 1 {
		out = append(out, ModalInput{Name: p.Name + scaffold.RepoPartHost, Label: label + ": host", Required: p.Required, Options: p.AllowedHosts, Default: p.AllowedHosts[0]})
		where = "the host chosen"
	}
	if len(p.AllowedOwners) == 1 {
		where += "/" + p.AllowedOwners[0]
	} else {
		in := ModalInput{Name: p.Name + scaffold.RepoPartOwner, Label: label + ": owner", Required: p.Required, Options: p.AllowedOwners,
			Hint: "The organisation (or user) on " + where + " that will own the repository.", Placeholder: "ORG"}
		if len(p.AllowedOwners) > 0 {
			in.Default = p.AllowedOwners[0]
		}
		out = append(out, in)
		where += "/ORG"
	}
	repo := ModalInput{Name: p.Name + scaffold.RepoPartRepo, Label: label + ": name", Required: p.Required, Placeholder: "NAME",
		Hint: strings.TrimSpace(p.Description + " The new repository, " + where + "/NAME: letters, digits, '-', '_' and '.'.")}
	if n := raw["name"]; n != "" && scaffold.CheckRepoName(n) == nil {
		repo.Default = n
	}
	return append(out, repo)
}

// formDefault is a default value as a form field holds it (a list as a,b).
func formDefault(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
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
