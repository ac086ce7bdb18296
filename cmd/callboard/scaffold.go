package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/callboard/callboard/adapters/github"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

func init() {
	register(command{name: "scaffold", summary: "run a Software Template (--dry-run writes the rendered files locally)", run: runScaffold})
}

func runScaffold(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("scaffold", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dry := fs.Bool("dry-run", false, "render only: write the files to --out, create nothing")
	tmplPath := fs.String("template", "", "the template.yaml `PATH` to run")
	out := fs.String("out", "", "`DIR` to write the rendered files to (with --dry-run)")
	key := fs.String("key", "", "idempotency `KEY`: running twice with one key creates one repository")
	var opts AppOptions
	appFlags(fs, &opts)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, `usage: callboard scaffold --dry-run (--template PATH | TEMPLATE) --out DIR [key=value]...
       callboard scaffold (--template PATH | TEMPLATE) [--key KEY] [key=value]...

Runs a Backstage Software Template (scaffolder.backstage.io/v1beta3), read
from --template PATH or named as TEMPLATE from the catalog (--catalog, as
ask reads it; the embedded example organisation by default). With
--dry-run it renders every file into DIR and publishes nothing; without, it
publishes to GitHub (GITHUB_TOKEN or the GitHub App settings, GITHUB_API_URL).
A progress line per step goes to stderr.
Exit status: 0 done, 1 a step or the template failed, 2 usage error or invalid parameters.

flags:`)
		fs.PrintDefaults()
	}
	rest, code, ok := parseCommandLine(fs, args)
	if !ok {
		return code
	}
	var name string
	if *tmplPath == "" && len(rest) > 0 && !strings.Contains(rest[0], "=") {
		name, rest = rest[0], rest[1:]
	}
	if *tmplPath == "" && name == "" {
		fmt.Fprintln(env.Stderr, "callboard scaffold: name a template of the catalog (callboard ask templates lists them) or give --template PATH")
		fs.Usage()
		return 2
	}
	if *dry && *out == "" {
		fmt.Fprintln(env.Stderr, "callboard scaffold: --dry-run needs --out DIR to write the files to")
		return 2
	}
	params := map[string]string{}
	for _, a := range rest {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			fmt.Fprintf(env.Stderr, "callboard scaffold: %q is not a key=value parameter\n", a)
			return 2
		}
		if _, dup := params[k]; dup {
			fmt.Fprintf(env.Stderr, "callboard scaffold: parameter '%s' is given twice\n", k)
			return 2
		}
		params[k] = v
	}
	var tmpl *scaffold.Template
	var err error
	if name != "" {
		var code int
		if tmpl, code = catalogTemplate(ctx, env, opts, name); tmpl == nil {
			return code
		}
	} else if tmpl, err = scaffold.LoadTemplateFile(ctx, *tmplPath); err != nil {
		fmt.Fprintf(env.Stderr, "callboard scaffold: %v\n", err)
		return 1
	}
	req := scaffold.Request{Template: tmpl, Params: params, Key: *key, Progress: progressPrinter(env.Stderr, len(tmpl.Steps))}
	runner := &scaffold.Runner{Store: scaffold.NewMemJobStore()}
	if *dry {
		p, err := runner.DryRun(ctx, req)
		if code := scaffoldFailure(env.Stderr, tmpl, err); code != 0 {
			return code
		}
		if err := writeTree(*out, p.Files); err != nil {
			fmt.Fprintf(env.Stderr, "callboard scaffold: writing %s: %v\n", *out, err)
			return 1
		}
		fmt.Fprintf(env.Stdout, "rendered %d files into %s\n", len(p.Files), *out)
		for _, f := range p.Files {
			fmt.Fprintf(env.Stdout, "  %s\n", f.Path)
		}
		for _, line := range p.Skipped {
			fmt.Fprintf(env.Stdout, "skipped: %s\n", line)
		}
		if p.CatalogInfo != "" {
			fmt.Fprintf(env.Stdout, "\ncatalog-info.yaml:\n%s", p.CatalogInfo)
		}
		printOutput(env.Stdout, p.Job)
		return 0
	}
	cfg, err := github.ConfigFromEnv(env.Getenv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard scaffold: %v\n", err)
		return 2
	}
	client, err := github.NewClient(cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "callboard scaffold: GitHub: %v\n", err)
		return 1
	}
	runner.Publisher = github.NewPublisher(client)
	runner.Registrar = refRegistrar{}
	job, err := runner.Start(ctx, req)
	if code := scaffoldFailure(env.Stderr, tmpl, err); code != 0 {
		if job != nil {
			fmt.Fprintf(env.Stderr, "job %s; retry with the same --key once the cause is fixed\n", job.ID)
		}
		return code
	}
	fmt.Fprintf(env.Stdout, "job %s %s\n", job.ID, job.State)
	for _, e := range job.Exists() {
		fmt.Fprintf(env.Stdout, "  %s\n", e)
	}
	printOutput(env.Stdout, job)
	return 0
}

// catalogTemplate finds the template called name (its name, ref or title)
// in the catalog the flags name, as ask loads it; else it says which
// templates there are, with the exit code (2: an unknown name).
func catalogTemplate(ctx context.Context, env *Env, opts AppOptions, name string) (*scaffold.Template, int) {
	app, code := openCLIApp(ctx, env, "scaffold", opts)
	if app == nil {
		return nil, code
	}
	ts, errs := scaffold.Templates(app.Store.Current())
	var names []string
	for _, t := range ts {
		if strings.EqualFold(t.Ref.Name, name) || strings.EqualFold(t.Ref.String(), name) || strings.EqualFold(t.Title, name) {
			return t, 0
		}
		names = append(names, t.Ref.Name)
	}
	where := "the catalog"
	if len(app.Options.Catalogs) == 0 && app.Options.Config == "" {
		where = "the example organisation (no --catalog given)"
	}
	switch {
	case len(names) > 0:
		fmt.Fprintf(env.Stderr, "callboard scaffold: no template called %q in %s; available: %s\n", name, where, strings.Join(names, ", "))
	default:
		fmt.Fprintf(env.Stderr, "callboard scaffold: no template called %q: %s has no usable templates; give --template PATH\n", name, where)
	}
	for _, err := range errs {
		fmt.Fprintf(env.Stderr, "  not usable: %v\n", err)
	}
	return nil, 2
}

// refRegistrar stands in for the live catalog on the command line: it reads
// the entity's reference, for the output, and registers nothing.
type refRegistrar struct{}

func (refRegistrar) Register(ctx context.Context, data []byte, location string) (catalog.Ref, error) {
	ref, err := scaffold.EntityRefOf(data)
	if err != nil {
		return catalog.Ref{}, fmt.Errorf("%s: %w", location, err)
	}
	return ref, nil
}

func progressPrinter(w io.Writer, total int) func(scaffold.Event) {
	return func(e scaffold.Event) {
		if e.Step < 0 {
			return
		}
		s := e.Job.Steps[e.Step]
		if s.State == scaffold.StepRunning {
			return
		}
		line := fmt.Sprintf("[%d/%d] %s (%s): %s", e.Step+1, total, s.ID, s.Action, s.Outcome())
		if s.Error != "" {
			line += ": " + s.Error
		}
		fmt.Fprintln(w, line)
	}
}

// scaffoldFailure prints err for a person and returns the exit code (0 when
// err is nil).
func scaffoldFailure(w io.Writer, tmpl *scaffold.Template, err error) int {
	if err == nil {
		return 0
	}
	var perr *scaffold.ParamError
	if errors.As(err, &perr) {
		for _, p := range perr.Problems {
			fmt.Fprintf(w, "callboard scaffold: %s\n", p.Message)
		}
		if len(perr.Missing) > 0 {
			fmt.Fprintf(w, "callboard scaffold: %s needs:\n", tmpl.DisplayName())
			for _, m := range perr.Missing {
				line := "  " + m.Hint()
				if d := firstNonEmpty(m.Title, m.Description); d != "" {
					line += "   " + d
				}
				if m.Default != nil {
					line += fmt.Sprintf(" (default %v)", m.Default)
				}
				fmt.Fprintln(w, line)
			}
		}
		return 2
	}
	fmt.Fprintf(w, "callboard scaffold: %v\n", err)
	return 1
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func printOutput(w io.Writer, job *scaffold.Job) {
	if job == nil || job.Output == nil {
		return
	}
	for _, l := range job.Output.Links {
		target := l.URL
		if target == "" {
			target = l.EntityRef
		}
		fmt.Fprintf(w, "%s: %s\n", firstNonEmpty(l.Title, "link"), target)
	}
	for _, t := range job.Output.Text {
		fmt.Fprintln(w, t)
	}
}

// writeTree writes files under dir through an os.Root, so no path or
// symbolic link already in dir can make a file land outside it.
func writeTree(dir string, files []scaffold.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range files {
		p, err := scaffold.CleanPath(f.Path)
		if err != nil {
			return err
		}
		if d := path.Dir(p); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
		mode := os.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		if err := root.WriteFile(p, f.Data, mode); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
