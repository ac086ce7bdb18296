package scaffold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/callboard/callboard/catalog"
	"gopkg.in/yaml.v3"
)

// Registrar adds a rendered catalog-info.yaml to the live catalog, so the new
// component answers `who owns` at once. The app wiring implements it.
type Registrar interface {
	Register(ctx context.Context, entityFile []byte, location string) (catalog.Ref, error)
}

// URLFetcher reads a tree of files from a URL (a GitHub tree URL, say) for
// fetch:template and fetch:plain with absolute urls. Only hosts listed in
// Runner.AllowedHosts are ever asked.
type URLFetcher interface {
	FetchTree(ctx context.Context, rawURL string) ([]File, error)
}

// Input describes one input of an action.
type Input struct {
	Name     string
	Type     string // string, bool, list, map, any
	Required bool
}

// Action is one step kind (fetch:template, publish:github, ...).
type Action interface {
	// Name is the action id used in templates.
	Name() string
	// Inputs is the action's input schema.
	Inputs() []Input
	// SideEffects is true when the action changes something outside the job
	// (a repository, the catalog). Steps without side effects are re-run on
	// Retry to rebuild the workspace; steps with them are skipped once done.
	SideEffects() bool
	// Check validates the inputs before anything runs. in holds the inputs
	// that could be evaluated up front (those referring to earlier steps'
	// outputs are absent).
	Check(env *CheckEnv, in map[string]any) error
	// Run performs the step and returns its outputs.
	Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error)
}

// CheckEnv is what Check may consult.
type CheckEnv struct {
	Template     *Template
	AllowedHosts []string
	HasFetcher   bool
	HasPublisher bool
	HasRegistrar bool
	DryRun       bool
}

// StepContext is what a running step may use.
type StepContext struct {
	Job       *Job
	Template  *Template
	Workspace *Workspace
	Lang      *Lang
	Data      map[string]any // the expression context of the step
	DryRun    bool
	Marker    string
	Publisher Publisher
	Registrar Registrar
	Fetcher   URLFetcher
	Log       *slog.Logger
	// Created records something that now exists outside callboard.
	Created func(what string)
}

// DefaultActions returns the built-in actions by name.
func DefaultActions() map[string]Action {
	out := map[string]Action{}
	for _, a := range []Action{
		fetchAction{name: "fetch:template"},
		fetchAction{name: "fetch:cookiecutter", cookiecutter: true},
		fetchAction{name: "fetch:plain", plain: true},
		publishAction{},
		pullRequestAction{},
		registerAction{},
		catalogWriteAction{},
		debugLogAction{},
	} {
		out[a.Name()] = a
	}
	return out
}

func inputString(in map[string]any, key string) string {
	switch v := in[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func inputBool(in map[string]any, key string) bool {
	switch v := in[key].(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "True"
	}
	return false
}

func inputStrings(in map[string]any, key string) []string {
	var out []string
	switch v := in[key].(type) {
	case []any:
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
	case string:
		if v != "" {
			out = []string{v}
		}
	}
	return out
}

// ---- fetch:template, fetch:cookiecutter, fetch:plain

type fetchAction struct {
	name         string
	cookiecutter bool
	plain        bool
}

func (a fetchAction) Name() string      { return a.name }
func (a fetchAction) SideEffects() bool { return false }
func (a fetchAction) Inputs() []Input {
	in := []Input{{Name: "url", Type: "string", Required: true}, {Name: "targetPath", Type: "string"}}
	if !a.plain {
		in = append(in, Input{Name: "values", Type: "map"}, Input{Name: "copyWithoutTemplating", Type: "list"}, Input{Name: "copyWithoutRender", Type: "list"},
			Input{Name: "cookiecutterCompat", Type: "bool"}, Input{Name: "templateFileExtension", Type: "any"}, Input{Name: "replace", Type: "bool"})
	}
	return in
}

// location resolves url: a path in the template's FS, or an absolute URL.
// LocalSkeletons lists the urls a Template's spec reads files from beside
// it: the url input of its fetch steps when relative. Remote urls (read by
// a URLFetcher) and urls computed at run time (${{ }}) are left out. Catalog
// sources use it to carry a template's skeleton with its descriptor.
func LocalSkeletons(spec map[string]any) []string {
	steps, _ := spec["steps"].([]any)
	var out []string
	for _, st := range steps {
		m, _ := st.(map[string]any)
		action, _ := m["action"].(string)
		if !strings.HasPrefix(action, "fetch:template") && !strings.HasPrefix(action, "fetch:plain") && action != "fetch:cookiecutter" {
			continue
		}
		in, _ := m["input"].(map[string]any)
		u, _ := in["url"].(string)
		if u == "" || strings.Contains(u, "://") || strings.Contains(u, "${{") {
			continue
		}
		out = append(out, u)
	}
	return out
}

func location(t *Template, raw string) (fsPath string, abs *url.URL, err error) {
	if u, perr := url.Parse(raw); perr == nil && u.Scheme != "" && u.Host != "" {
		return "", u, nil
	}
	if strings.HasPrefix(raw, "/") {
		return "", nil, fmt.Errorf("url %q is absolute; use a path relative to the template or an http(s) URL", raw)
	}
	p, err := catalog.JoinInside(t.Dir, raw)
	if err != nil {
		return "", nil, fmt.Errorf("url %q leaves the template's location", raw)
	}
	return p, nil, nil
}

func checkLocation(env *CheckEnv, raw string) error {
	_, u, err := location(env.Template, raw)
	if err != nil {
		return err
	}
	if u == nil {
		return nil
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("url %q: only http(s) locations are fetched", raw)
	}
	if !contains(env.AllowedHosts, u.Hostname()) {
		allowed := "none are configured"
		if len(env.AllowedHosts) > 0 {
			allowed = "allowed: " + strings.Join(env.AllowedHosts, ", ")
		}
		return &unreachableError{fmt.Sprintf("url %q: host %s is not a configured template location (%s)", raw, u.Hostname(), allowed)}
	}
	if !env.HasFetcher {
		return &unreachableError{fmt.Sprintf("url %q: no fetcher is configured for remote templates", raw)}
	}
	return nil
}

// unreachableError is a check that fails because this callboard cannot
// reach a remote template location: a real run refuses the template, a dry
// run skips the step and says why.
type unreachableError struct{ msg string }

func (e *unreachableError) Error() string { return e.msg }

func isUnreachable(err error) bool {
	var u *unreachableError
	return errors.As(err, &u)
}

func (a fetchAction) Check(env *CheckEnv, in map[string]any) error {
	if raw, ok := in["url"].(string); ok {
		if err := checkLocation(env, raw); err != nil {
			return err
		}
	}
	if tp, ok := in["targetPath"].(string); ok && tp != "" && tp != "." && tp != "./" {
		if _, err := CleanPath(strings.TrimPrefix(tp, "./")); err != nil {
			return fmt.Errorf("input targetPath: %w", err)
		}
	}
	for _, key := range []string{"copyWithoutTemplating", "copyWithoutRender"} {
		for _, g := range inputStrings(in, key) {
			if _, err := globRegexp(g); err != nil {
				return fmt.Errorf("input %s: bad glob %q: %v", key, g, err)
			}
		}
	}
	return nil
}

func (a fetchAction) Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error) {
	opts := fetchOptions{plain: a.plain, cookiecutter: a.cookiecutter || inputBool(in, "cookiecutterCompat")}
	tp := strings.TrimPrefix(inputString(in, "targetPath"), "./")
	if tp != "" && tp != "." {
		c, err := CleanPath(tp)
		if err != nil {
			return nil, fmt.Errorf("input targetPath: %w", err)
		}
		opts.targetPath = c
	}
	for _, key := range []string{"copyWithoutTemplating", "copyWithoutRender"} {
		for _, g := range inputStrings(in, key) {
			re, err := globRegexp(g)
			if err != nil {
				return nil, err
			}
			opts.copyRaw = append(opts.copyRaw, re)
		}
	}
	switch v := in["templateFileExtension"].(type) {
	case bool:
		if v {
			opts.templateExt = ".njk"
		}
	case string:
		if v != "" {
			opts.templateExt = "." + strings.TrimPrefix(v, ".")
		}
	}
	// A skeleton sees values only, as in Backstage (not parameters, steps
	// or user: ${{ parameters.x }} in a skeleton renders empty).
	values, _ := in["values"].(map[string]any)
	if values == nil {
		values = map[string]any{}
	}
	data := map[string]any{"values": values}
	raw := inputString(in, "url")
	fsPath, u, err := location(sc.Template, raw)
	if err != nil {
		return nil, err
	}
	if u != nil {
		if sc.Fetcher == nil {
			return nil, fmt.Errorf("url %q: no fetcher is configured", raw)
		}
		files, err := sc.Fetcher.FetchTree(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("fetching %s: %w", raw, err)
		}
		for _, f := range files {
			if _, err := CleanPath(f.Path); err != nil {
				return nil, fmt.Errorf("fetched %s: %w", raw, err)
			}
			out, err := renderFile(sc.Lang, raw+"/"+f.Path, f.Path, f.Data, opts, data)
			if err != nil {
				return nil, err
			}
			if out.Path == "" {
				continue
			}
			out.Executable = f.Executable
			if opts.targetPath != "" {
				out.Path = opts.targetPath + "/" + out.Path
			}
			if err := sc.Workspace.Put(out); err != nil {
				return nil, err
			}
		}
		return map[string]any{}, nil
	}
	if sc.Template.FS == nil {
		return nil, fmt.Errorf("template %s has no files beside it to fetch %q from", sc.Template.Ref, raw)
	}
	if err := fetchTree(sc.Lang, sc.Template.FS, fsPath, opts, data, sc.Workspace); err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// ---- publish:github

type publishAction struct{}

func (publishAction) Name() string      { return "publish:github" }
func (publishAction) SideEffects() bool { return true }
func (publishAction) Inputs() []Input {
	return []Input{{Name: "repoUrl", Type: "string", Required: true}, {Name: "description", Type: "string"}, {Name: "defaultBranch", Type: "string"},
		{Name: "repoVisibility", Type: "string"}, {Name: "topics", Type: "list"}, {Name: "sourcePath", Type: "string"}, {Name: "gitCommitMessage", Type: "string"},
		{Name: "allowedHosts", Type: "list"}, {Name: "access", Type: "string"}, {Name: "protectDefaultBranch", Type: "bool"}, {Name: "gitAuthorName", Type: "string"},
		{Name: "gitAuthorEmail", Type: "string"}, {Name: "token", Type: "string"}}
}

func checkRepoInput(env *CheckEnv, in map[string]any) error {
	raw, ok := in["repoUrl"].(string)
	if !ok {
		return nil
	}
	if _, err := ParseRepoURL(raw, inputStrings(in, "allowedHosts")); err != nil {
		return fmt.Errorf("input repoUrl: %w", err)
	}
	if !env.HasPublisher && !env.DryRun {
		return fmt.Errorf("no GitHub publisher is configured")
	}
	return nil
}

func (publishAction) Check(env *CheckEnv, in map[string]any) error {
	if err := checkRepoInput(env, in); err != nil {
		return err
	}
	switch v := inputString(in, "repoVisibility"); v {
	case "", "public", "private", "internal":
	default:
		return fmt.Errorf("input repoVisibility: %q must be public, private or internal", v)
	}
	return nil
}

func (publishAction) Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error) {
	r, err := ParseRepoURL(inputString(in, "repoUrl"), inputStrings(in, "allowedHosts"))
	if err != nil {
		return nil, err
	}
	branch := inputString(in, "defaultBranch")
	if branch == "" {
		branch = "main"
	}
	vis := inputString(in, "repoVisibility")
	if vis == "" {
		vis = "private"
	}
	files := sc.Workspace.Files(strings.TrimPrefix(inputString(in, "sourcePath"), "./"))
	if len(files) == 0 {
		return nil, fmt.Errorf("there is nothing to publish: no file was fetched")
	}
	if sc.DryRun {
		html := "https://" + r.Host + "/" + r.Owner + "/" + r.Repo
		return map[string]any{"remoteUrl": html, "repoContentsUrl": html + "/blob/" + branch}, nil
	}
	repo, err := sc.Publisher.EnsureRepository(ctx, RepoSpec{Host: r.Host, Owner: r.Owner, Name: r.Repo, Description: inputString(in, "description"),
		Visibility: vis, DefaultBranch: branch, Topics: inputStrings(in, "topics")}, sc.Marker)
	if err != nil {
		return nil, fmt.Errorf("creating repository %s/%s/%s: %w", r.Host, r.Owner, r.Repo, err)
	}
	// Found by the job's marker, it is this job's too: an attempt that died
	// before saving what it made (a killed worker) created it.
	sc.Created("repository " + repo.HTMLURL)
	if repo.DefaultBranch != "" {
		branch = repo.DefaultBranch
	}
	msg := inputString(in, "gitCommitMessage")
	if msg == "" {
		msg = "initial commit"
	}
	sha, err := sc.Publisher.Commit(ctx, r.Host, r.Owner, r.Repo, branch, "", files, msg+"\n\n"+sc.Marker, sc.Marker)
	if err != nil {
		return nil, fmt.Errorf("pushing %d files to %s: %w", len(files), repo.HTMLURL, err)
	}
	sc.Created(fmt.Sprintf("commit %s on %s of %s (%d files)", short(sha), branch, repo.HTMLURL, len(files)))
	return map[string]any{"remoteUrl": repo.HTMLURL, "repoContentsUrl": repo.HTMLURL + "/blob/" + branch, "commitHash": sha}, nil
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// ---- publish:github:pull-request

type pullRequestAction struct{}

func (pullRequestAction) Name() string      { return "publish:github:pull-request" }
func (pullRequestAction) SideEffects() bool { return true }
func (pullRequestAction) Inputs() []Input {
	return []Input{{Name: "repoUrl", Type: "string", Required: true}, {Name: "branchName", Type: "string", Required: true}, {Name: "title", Type: "string", Required: true},
		{Name: "description", Type: "string"}, {Name: "targetPath", Type: "string"}, {Name: "sourcePath", Type: "string"}, {Name: "draft", Type: "bool"},
		{Name: "targetBranchName", Type: "string"}, {Name: "commitMessage", Type: "string"}, {Name: "token", Type: "string"}, {Name: "reviewers", Type: "list"}}
}

var branchName = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

func (pullRequestAction) Check(env *CheckEnv, in map[string]any) error {
	if err := checkRepoInput(env, in); err != nil {
		return err
	}
	if b, ok := in["branchName"].(string); ok {
		if !branchName.MatchString(b) || strings.Contains(b, "..") || strings.HasPrefix(b, "/") || strings.HasSuffix(b, "/") || strings.HasSuffix(b, ".lock") {
			return fmt.Errorf("input branchName: %q is not a valid branch name", b)
		}
	}
	if tp, ok := in["targetPath"].(string); ok && tp != "" && tp != "." {
		if _, err := CleanPath(strings.TrimPrefix(tp, "./")); err != nil {
			return fmt.Errorf("input targetPath: %w", err)
		}
	}
	return nil
}

func (pullRequestAction) Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error) {
	r, err := ParseRepoURL(inputString(in, "repoUrl"), nil)
	if err != nil {
		return nil, err
	}
	files := sc.Workspace.Files(strings.TrimPrefix(inputString(in, "sourcePath"), "./"))
	if len(files) == 0 {
		return nil, fmt.Errorf("there is nothing to propose: no file was fetched")
	}
	if tp := strings.TrimPrefix(inputString(in, "targetPath"), "./"); tp != "" && tp != "." {
		c, err := CleanPath(tp)
		if err != nil {
			return nil, fmt.Errorf("input targetPath: %w", err)
		}
		for i := range files {
			files[i].Path = c + "/" + files[i].Path
		}
	}
	branch := inputString(in, "branchName")
	html := "https://" + r.Host + "/" + r.Owner + "/" + r.Repo
	if sc.DryRun {
		return map[string]any{"remoteUrl": html + "/pull/0", "pullRequestNumber": 0, "targetBranchName": inputString(in, "targetBranchName")}, nil
	}
	msg := inputString(in, "commitMessage")
	if msg == "" {
		msg = inputString(in, "title")
	}
	base := inputString(in, "targetBranchName")
	sha, err := sc.Publisher.Commit(ctx, r.Host, r.Owner, r.Repo, branch, base, files, msg+"\n\n"+sc.Marker, sc.Marker)
	if err != nil {
		return nil, fmt.Errorf("pushing %d files to branch %s of %s: %w", len(files), branch, html, err)
	}
	sc.Created(fmt.Sprintf("branch %s of %s at %s", branch, html, short(sha)))
	pr, err := sc.Publisher.EnsurePullRequest(ctx, PullRequestSpec{Host: r.Host, Owner: r.Owner, Repo: r.Repo, Base: base, Branch: branch,
		Title: inputString(in, "title"), Body: inputString(in, "description"), Draft: inputBool(in, "draft")})
	if err != nil {
		return nil, fmt.Errorf("opening the pull request from %s on %s: %w", branch, html, err)
	}
	sc.Created(fmt.Sprintf("pull request #%d %s", pr.Number, pr.HTMLURL))
	return map[string]any{"remoteUrl": pr.HTMLURL, "pullRequestNumber": pr.Number, "targetBranchName": base}, nil
}

// ---- catalog:register

type registerAction struct{}

func (registerAction) Name() string      { return "catalog:register" }
func (registerAction) SideEffects() bool { return true }
func (registerAction) Inputs() []Input {
	return []Input{{Name: "repoContentsUrl", Type: "string"}, {Name: "catalogInfoPath", Type: "string"}, {Name: "catalogInfoUrl", Type: "string"}, {Name: "optional", Type: "bool"}}
}

func (registerAction) Check(env *CheckEnv, in map[string]any) error {
	_, hasContents := in["repoContentsUrl"]
	_, hasURL := in["catalogInfoUrl"]
	// Either may be deferred (an earlier step's output): Run checks again.
	if !hasContents && !hasURL && !deferredInput(in, "repoContentsUrl") && !deferredInput(in, "catalogInfoUrl") {
		return fmt.Errorf("needs repoContentsUrl (with catalogInfoPath) or catalogInfoUrl")
	}
	if !env.HasRegistrar && !env.DryRun {
		return fmt.Errorf("no catalog registrar is configured")
	}
	return nil
}

// deferredKey marks, in Check's input map, inputs that refer to earlier steps.
const deferredKey = "\x00deferred"

func deferredInput(in map[string]any, key string) bool {
	d, _ := in[deferredKey].(map[string]bool)
	return d[key]
}

func (registerAction) Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error) {
	infoPath := inputString(in, "catalogInfoPath")
	if infoPath == "" {
		infoPath = "/catalog-info.yaml"
	}
	location := inputString(in, "catalogInfoUrl")
	if location == "" {
		contents := inputString(in, "repoContentsUrl")
		if contents == "" {
			return nil, fmt.Errorf("needs repoContentsUrl (with catalogInfoPath) or catalogInfoUrl")
		}
		location = strings.TrimSuffix(contents, "/") + "/" + strings.TrimPrefix(infoPath, "/")
	}
	f, ok := sc.Workspace.Get(infoPath)
	if !ok && in["catalogInfoUrl"] != nil {
		u, _ := url.Parse(location)
		if u != nil {
			f, ok = sc.Workspace.Get(path.Base(u.Path))
		}
	}
	if !ok {
		if inputBool(in, "optional") {
			return map[string]any{}, nil
		}
		return nil, fmt.Errorf("the rendered tree has no %s to register", strings.TrimPrefix(infoPath, "/"))
	}
	var ref catalog.Ref
	if sc.DryRun || sc.Registrar == nil {
		r, err := EntityRefOf(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		ref = r
	} else {
		r, err := sc.Registrar.Register(ctx, f.Data, location)
		if err != nil {
			return nil, fmt.Errorf("registering %s: %w", location, err)
		}
		ref = r
		sc.Created("catalog entity " + r.String())
	}
	return map[string]any{"entityRef": ref.String(), "catalogInfoUrl": location}, nil
}

// EntityRefOf reads the reference of the first entity of a descriptor file.
func EntityRefOf(data []byte) (catalog.Ref, error) {
	var doc struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name      string `yaml:"name"`
			Namespace string `yaml:"namespace"`
		} `yaml:"metadata"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return catalog.Ref{}, fmt.Errorf("not valid YAML: %w", err)
	}
	if doc.Kind == "" || doc.Metadata.Name == "" {
		return catalog.Ref{}, fmt.Errorf("no entity kind and name in it")
	}
	e := catalog.Entity{Kind: doc.Kind, Metadata: catalog.Metadata{Name: doc.Metadata.Name, Namespace: doc.Metadata.Namespace}}
	return e.Ref(), nil
}

// ---- catalog:write

type catalogWriteAction struct{}

func (catalogWriteAction) Name() string      { return "catalog:write" }
func (catalogWriteAction) SideEffects() bool { return false }
func (catalogWriteAction) Inputs() []Input {
	return []Input{{Name: "entity", Type: "map", Required: true}, {Name: "filePath", Type: "string"}}
}
func (catalogWriteAction) Check(env *CheckEnv, in map[string]any) error {
	if p := inputString(in, "filePath"); p != "" {
		if _, err := CleanPath(strings.TrimPrefix(p, "./")); err != nil {
			return fmt.Errorf("input filePath: %w", err)
		}
	}
	return nil
}
func (catalogWriteAction) Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error) {
	p := strings.TrimPrefix(inputString(in, "filePath"), "./")
	if p == "" {
		p = "catalog-info.yaml"
	}
	data, err := yaml.Marshal(in["entity"])
	if err != nil {
		return nil, err
	}
	return map[string]any{}, sc.Workspace.Put(File{Path: p, Data: data})
}

// ---- debug:log

type debugLogAction struct{}

func (debugLogAction) Name() string      { return "debug:log" }
func (debugLogAction) SideEffects() bool { return false }
func (debugLogAction) Inputs() []Input {
	return []Input{{Name: "message", Type: "string"}, {Name: "listWorkspace", Type: "any"}, {Name: "extra", Type: "any"}}
}
func (debugLogAction) Check(env *CheckEnv, in map[string]any) error { return nil }
func (debugLogAction) Run(ctx context.Context, sc *StepContext, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if m := inputString(in, "message"); m != "" {
		sc.Log.InfoContext(ctx, "debug:log", slog.String("job", sc.Job.ID), slog.String("message", m))
		out["message"] = m
	}
	if in["listWorkspace"] != nil && in["listWorkspace"] != false {
		var names []string
		for _, f := range sc.Workspace.Files("") {
			names = append(names, f.Path)
		}
		sort.Strings(names)
		sc.Log.InfoContext(ctx, "debug:log workspace", slog.String("job", sc.Job.ID), slog.Any("files", names))
		list := make([]any, len(names))
		for i, n := range names {
			list[i] = n
		}
		out["files"] = list
	}
	return out, nil
}
