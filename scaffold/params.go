package scaffold

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Page is one page of a template's parameter form: a JSON Schema object.
type Page struct {
	Title    string
	Schema   map[string]any
	Required []string
	// When is the page's condition (Backstage 4.3 `when:`), nil when the
	// page is always shown: a hidden page is neither asked nor validated.
	When   any
	schema *jsonschema.Schema
}

// Param describes one parameter, for a reply that lists what to supply and
// for a Slack modal.
type Param struct {
	Name        string   `json:"name"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"` // string, number, integer, boolean, array, object
	Enum        []string `json:"enum,omitempty"`
	// ItemEnum is the choice of each item of an array (items.enum).
	ItemEnum  []string `json:"itemEnum,omitempty"`
	EnumNames []string `json:"enumNames,omitempty"`
	Default   any      `json:"default,omitempty"`
	Required  bool     `json:"required,omitempty"`
	Pattern   string   `json:"pattern,omitempty"`
	// Field is ui:field (OwnerPicker, EntityPicker, RepoUrlPicker, ...).
	Field string `json:"field,omitempty"`
	// AllowedHosts and AllowedOwners are ui:options.allowedHosts and
	// allowedOwners of a RepoUrlPicker.
	AllowedHosts  []string `json:"allowedHosts,omitempty"`
	AllowedOwners []string `json:"allowedOwners,omitempty"`
	// AllowedKinds is ui:options.allowedKinds of an OwnerPicker or EntityPicker.
	AllowedKinds []string `json:"allowedKinds,omitempty"`
	// Secret is true for ui:widget password: never echoed, never stored.
	Secret bool `json:"secret,omitempty"`
	Page   int  `json:"page"`
}

// Hint is how to write the parameter on a command line, e.g.
// `repoUrl=github.com?owner=ORG&repo=NAME`.
func (p Param) Hint() string {
	switch {
	case p.Field == "RepoUrlPicker":
		owner := "ORG"
		if len(p.AllowedOwners) == 1 {
			owner = p.AllowedOwners[0]
		}
		return p.Name + "=" + p.RepoHost() + "?owner=" + owner + "&repo=NAME"
	case len(p.Enum) > 0:
		return p.Name + "=" + strings.Join(p.Enum, "|")
	case p.Type == "boolean":
		return p.Name + "=true|false"
	case p.Type == "array" && len(p.ItemEnum) > 0:
		return p.Name + "=" + strings.Join(p.ItemEnum, ",")
	case p.Type == "array":
		return p.Name + "=a,b,c"
	case p.Type == "number" || p.Type == "integer":
		return p.Name + "=N"
	}
	return p.Name + "=..."
}

// RepoHost is the host a RepoUrlPicker's value gets when none is given:
// its first allowed host, else github.com.
func (p Param) RepoHost() string {
	if len(p.AllowedHosts) > 0 {
		return p.AllowedHosts[0]
	}
	return "github.com"
}

// Parts of a RepoUrlPicker's value that can be given apart, as a form asks
// for them: repoUrl.owner=tallybird repoUrl.repo=ledger-export (and
// repoUrl.host when several hosts are allowed) make
// repoUrl=github.com?owner=tallybird&repo=ledger-export.
const (
	RepoPartHost  = ".host"
	RepoPartOwner = ".owner"
	RepoPartRepo  = ".repo"
)

// joinRepoParts returns raw with each RepoUrlPicker parameter given in
// parts (NAME.owner, NAME.repo, NAME.host) joined into NAME; a lone
// allowed owner or host is used when that part is not given.
func (t *Template) joinRepoParts(raw map[string]string) map[string]string {
	var out map[string]string
	for _, p := range t.Params() {
		if p.Field != "RepoUrlPicker" {
			continue
		}
		host, hasHost := raw[p.Name+RepoPartHost]
		owner, hasOwner := raw[p.Name+RepoPartOwner]
		repo, hasRepo := raw[p.Name+RepoPartRepo]
		if !hasHost && !hasOwner && !hasRepo {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(raw))
			for k, v := range raw {
				out[k] = v
			}
		}
		delete(out, p.Name+RepoPartHost)
		delete(out, p.Name+RepoPartOwner)
		delete(out, p.Name+RepoPartRepo)
		if _, whole := raw[p.Name]; whole {
			continue // the whole value wins; its own checks apply
		}
		if strings.TrimSpace(host) == "" {
			host = p.RepoHost()
		}
		if strings.TrimSpace(owner) == "" && len(p.AllowedOwners) == 1 {
			owner = p.AllowedOwners[0]
		}
		q := url.Values{}
		q.Set("owner", strings.TrimSpace(owner))
		q.Set("repo", strings.TrimSpace(repo))
		out[p.Name] = strings.TrimSpace(host) + "?owner=" + q.Get("owner") + "&repo=" + q.Get("repo")
		if strings.ContainsAny(owner+repo, "&?=#") {
			out[p.Name] = strings.TrimSpace(host) + "?" + q.Encode()
		}
	}
	if out == nil {
		return raw
	}
	return out
}

// Problem is one parameter that is wrong.
type ParamProblem struct {
	Param string `json:"param"`
	Rule  string `json:"rule"` // the JSON Schema keyword or check: pattern, enum, type, allowedHosts, unknown...
	// Message is the full sentence, "parameter 'name': must match ^[a-z]+$".
	Message string `json:"message"`
}

// ParamError says what is wrong with the values given for a template: what
// is missing (to ask for) and what is invalid.
type ParamError struct {
	Missing  []Param        `json:"missing,omitempty"`
	Problems []ParamProblem `json:"problems,omitempty"`
}

func (e *ParamError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		names := make([]string, len(e.Missing))
		for i, p := range e.Missing {
			names[i] = p.Name
		}
		parts = append(parts, "missing required parameters: "+strings.Join(names, ", "))
	}
	for _, p := range e.Problems {
		parts = append(parts, p.Message)
	}
	return strings.Join(parts, "; ")
}

func parsePages(raw any) ([]Page, error) {
	var list []any
	switch v := raw.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		list = []any{v}
	case []any:
		list = v
	default:
		return nil, fmt.Errorf("must be a JSON Schema object or a list of them")
	}
	pages := make([]Page, 0, len(list))
	for i, r := range list {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("page %d is not an object", i+1)
		}
		p := Page{Title: str(m["title"]), Schema: m, When: m["when"]}
		for _, s := range asList(m["required"]) {
			if name, ok := s.(string); ok {
				p.Required = append(p.Required, name)
			}
		}
		c := jsonschema.NewCompiler()
		u := fmt.Sprintf("mem://parameters/%d.json", i)
		if err := c.AddResource(u, jsonCopy(m)); err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		sch, err := c.Compile(u)
		if err != nil {
			return nil, fmt.Errorf("page %d (%s) is not a valid JSON Schema: %w", i+1, p.Title, err)
		}
		p.schema = sch
		pages = append(pages, p)
	}
	return pages, nil
}

// jsonCopy turns YAML-decoded values into the JSON model the validator wants
// (float64 numbers, map[string]any).
func jsonCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonCopy(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonCopy(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// Params lists every parameter of every page (including those that appear
// only under dependencies/oneOf), page by page in the template's own order:
// a page's ui:order when it has one ("*" standing for the rest), else the
// order the template writes them in (Template.Order), as Backstage's form
// shows them.
func (t *Template) Params() []Param {
	var out []Param
	seen := map[string]bool{}
	for pi, pg := range t.Pages {
		req := map[string]bool{}
		for _, r := range pg.Required {
			req[r] = true
		}
		props := map[string]map[string]any{}
		collectProps(pg.Schema, props)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		var written []string
		if pi < len(t.Order) {
			written = t.Order[pi]
		}
		rank := formRank(pg.Schema["ui:order"], written)
		sort.Slice(names, func(i, j int) bool {
			ri, rj := rank(names[i]), rank(names[j])
			if ri != rj {
				return ri < rj
			}
			return names[i] < names[j]
		})
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, paramOf(n, props[n], req[n], pi))
		}
	}
	return out
}

// formRank orders a page's properties: by ui:order (its "*" standing for
// the properties it does not name, which otherwise come last), and among
// the rest by the order written. Names known to neither come last.
func formRank(uiOrder any, written []string) func(string) int {
	pos := make(map[string]int, len(written))
	for i, n := range written {
		if _, dup := pos[n]; !dup {
			pos[n] = i
		}
	}
	byUI := map[string]int{}
	star := -1
	for i, v := range asList(uiOrder) {
		n := fmt.Sprint(v)
		if n == "*" {
			star = i
			continue
		}
		if _, dup := byUI[n]; !dup {
			byUI[n] = i
		}
	}
	if star < 0 {
		star = len(asList(uiOrder))
	}
	const span = 1 << 20
	return func(n string) int {
		if i, ok := byUI[n]; ok {
			return i * span
		}
		w, ok := pos[n]
		if !ok {
			w = span - 1
		}
		return star*span + w
	}
}

// collectProps gathers properties of a schema, of its dependencies' oneOf /
// allOf / anyOf branches, recursively.
func collectProps(s map[string]any, into map[string]map[string]any) {
	if props, ok := s["properties"].(map[string]any); ok {
		for n, p := range props {
			pm, _ := p.(map[string]any)
			if pm == nil {
				pm = map[string]any{}
			}
			if old, ok := into[n]; ok && len(old) >= len(pm) {
				continue
			}
			into[n] = pm
		}
	}
	if deps, ok := s["dependencies"].(map[string]any); ok {
		for _, d := range deps {
			if dm, ok := d.(map[string]any); ok {
				collectProps(dm, into)
			}
		}
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		for _, b := range asList(s[k]) {
			if bm, ok := b.(map[string]any); ok {
				collectProps(bm, into)
			}
		}
	}
}

func paramOf(name string, p map[string]any, required bool, page int) Param {
	out := Param{Name: name, Title: str(p["title"]), Description: str(p["description"]), Default: p["default"], Required: required, Pattern: str(p["pattern"]), Field: str(p["ui:field"]), Page: page}
	switch t := p["type"].(type) {
	case string:
		out.Type = t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				out.Type = s
				break
			}
		}
	}
	if out.Type == "" {
		out.Type = "string"
	}
	for _, e := range asList(p["enum"]) {
		out.Enum = append(out.Enum, fmt.Sprint(e))
	}
	if items, ok := p["items"].(map[string]any); ok && out.Type == "array" {
		for _, e := range asList(items["enum"]) {
			out.ItemEnum = append(out.ItemEnum, fmt.Sprint(e))
		}
	}
	for _, e := range asList(p["enumNames"]) {
		out.EnumNames = append(out.EnumNames, fmt.Sprint(e))
	}
	if w := str(p["ui:widget"]); w == "password" {
		out.Secret = true
	}
	if out.Field == "Secret" {
		out.Secret = true
	}
	if opts, ok := p["ui:options"].(map[string]any); ok {
		for _, h := range asList(opts["allowedHosts"]) {
			out.AllowedHosts = append(out.AllowedHosts, fmt.Sprint(h))
		}
		for _, o := range asList(opts["allowedOwners"]) {
			out.AllowedOwners = append(out.AllowedOwners, fmt.Sprint(o))
		}
		for _, k := range asList(opts["allowedKinds"]) {
			out.AllowedKinds = append(out.AllowedKinds, fmt.Sprint(k))
		}
	}
	return out
}

// propSchema returns the (first) schema of a property, for coercion.
func (t *Template) propSchema(name string) (map[string]any, bool) {
	for _, pg := range t.Pages {
		props := map[string]map[string]any{}
		collectProps(pg.Schema, props)
		if p, ok := props[name]; ok {
			return p, true
		}
	}
	return nil, false
}

// Values validates values written in chat (strings) against the template's
// parameters: it coerces each to its schema type, fills defaults, and checks
// every page. The error, when not nil, is a *ParamError.
func (t *Template) Values(raw map[string]string) (map[string]any, error) {
	perr := &ParamError{}
	values := map[string]any{}
	raw = t.joinRepoParts(raw)
	params := t.Params()
	byName := map[string]Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		_, ok := byName[k]
		if !ok {
			msg := fmt.Sprintf("parameter '%s': the template has no such parameter", k)
			if len(params) > 0 {
				all := make([]string, len(params))
				for i, q := range params {
					all[i] = q.Name
				}
				msg += " (it takes " + strings.Join(all, ", ") + ")"
			}
			perr.Problems = append(perr.Problems, ParamProblem{Param: k, Rule: "unknown", Message: msg})
			continue
		}
		schema, _ := t.propSchema(k)
		v, err := coerce(raw[k], schema)
		if err != nil {
			perr.Problems = append(perr.Problems, ParamProblem{Param: k, Rule: "type", Message: fmt.Sprintf("parameter '%s': %v", k, err)})
			continue
		}
		values[k] = v
	}
	for _, p := range params {
		if _, ok := values[p.Name]; !ok && p.Default != nil {
			values[p.Name] = jsonCopy(p.Default)
		}
	}
	shown, hidden, err := t.shownPages(values)
	if err != nil {
		perr.Problems = append(perr.Problems, *err)
		return nil, perr
	}
	for name := range hidden {
		if _, given := raw[name]; !given {
			delete(values, name) // a default of a page not shown is not used
		}
	}
	for _, p := range params {
		if _, given := raw[p.Name]; !p.Required || given || hidden[p.Name] {
			continue
		}
		if _, ok := values[p.Name]; !ok {
			perr.Missing = append(perr.Missing, p)
		}
	}
	for _, p := range params {
		if p.Field != "RepoUrlPicker" || hidden[p.Name] {
			continue
		}
		s, ok := values[p.Name].(string)
		if !ok {
			continue
		}
		r, err := ParseRepoURL(s, p.AllowedHosts)
		if err != nil {
			perr.Problems = append(perr.Problems, ParamProblem{Param: p.Name, Rule: "repoUrl", Message: fmt.Sprintf("parameter '%s': %v", p.Name, err)})
		} else if len(p.AllowedOwners) > 0 && !contains(p.AllowedOwners, r.Owner) {
			perr.Problems = append(perr.Problems, ParamProblem{Param: p.Name, Rule: "allowedOwners",
				Message: fmt.Sprintf("parameter '%s': owner %s is not allowed (allowed: %s)", p.Name, r.Owner, strings.Join(p.AllowedOwners, ", "))})
		}
	}
	if len(perr.Missing) == 0 && len(perr.Problems) == 0 {
		for i, pg := range t.Pages {
			if !shown[i] {
				continue
			}
			if err := pg.schema.Validate(jsonCopy(values)); err != nil {
				perr.Problems = append(perr.Problems, schemaProblems(err, byName, perr)...)
			}
		}
	}
	if len(perr.Missing) > 0 || len(perr.Problems) > 0 {
		dedupe(perr)
		return nil, perr
	}
	return values, nil
}

// Form is what a form should ask for, given the values raw already holds
// and the parameters the last check found missing: those (required), then
// the optional parameters not yet given, each in the template's order and
// leaving out those only on pages hidden by their when:. Secret optional
// parameters are left out (a form field would show them).
func (t *Template) Form(raw map[string]string, missing []Param) (required, optional []Param) {
	raw = t.joinRepoParts(raw)
	need := map[string]bool{}
	for _, p := range missing {
		need[p.Name] = true
	}
	values := map[string]any{}
	for k, v := range raw {
		values[k] = v
	}
	params := t.Params()
	for _, p := range params {
		if _, ok := values[p.Name]; !ok && p.Default != nil {
			values[p.Name] = jsonCopy(p.Default)
		}
	}
	_, hidden, _ := t.shownPages(values)
	known := map[string]bool{}
	for _, p := range params {
		known[p.Name] = true
		if _, given := raw[p.Name]; given || hidden[p.Name] {
			continue
		}
		switch {
		case need[p.Name]:
			p.Required = true
			required = append(required, p)
		case !p.Secret:
			p.Required = false
			optional = append(optional, p)
		}
	}
	for _, p := range missing { // required by a rule Params does not list
		if !known[p.Name] {
			required = append(required, p)
		}
	}
	return required, optional
}

func dedupe(e *ParamError) {
	seen := map[string]bool{}
	out := e.Problems[:0]
	for _, p := range e.Problems {
		if !seen[p.Message] {
			seen[p.Message] = true
			out = append(out, p)
		}
	}
	e.Problems = out
}

var printer = message.NewPrinter(language.English)

func schemaProblems(err error, byName map[string]Param, perr *ParamError) []ParamProblem {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []ParamProblem{{Rule: "schema", Message: err.Error()}}
	}
	var out []ParamProblem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		name := strings.Join(e.InstanceLocation, ".")
		rule := strings.Join(e.ErrorKind.KeywordPath(), "/")
		var msg string
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				if p, ok := byName[m]; ok {
					perr.Missing = append(perr.Missing, p)
				} else {
					perr.Missing = append(perr.Missing, Param{Name: m, Type: "string", Required: true})
				}
			}
			return
		case *kind.Dependency:
			for _, m := range k.Missing {
				p := byName[m]
				if p.Name == "" {
					p = Param{Name: m, Type: "string"}
				}
				p.Required = true
				perr.Missing = append(perr.Missing, p)
			}
			return
		case *kind.Pattern:
			msg = "must match " + k.Want
		case *kind.MinLength:
			msg = fmt.Sprintf("must be at least %d characters long (is %d)", k.Want, k.Got)
		case *kind.MaxLength:
			msg = fmt.Sprintf("must be at most %d characters long (is %d)", k.Want, k.Got)
		case *kind.Enum:
			ws := make([]string, len(k.Want))
			for i, w := range k.Want {
				ws[i] = fmt.Sprint(w)
			}
			msg = "must be one of " + strings.Join(ws, ", ")
		case *kind.Type:
			msg = "must be " + strings.Join(k.Want, " or ") + ", not " + k.Got
		default:
			msg = e.ErrorKind.LocalizedString(printer)
		}
		if name == "" {
			out = append(out, ParamProblem{Rule: rule, Message: "parameters: " + msg})
			return
		}
		if p, ok := byName[name]; ok && p.Secret {
			msg = "is not valid (" + rule + ")" // never echo a secret
		}
		out = append(out, ParamProblem{Param: name, Rule: rule, Message: fmt.Sprintf("parameter '%s': %s", name, msg)})
	}
	walk(ve)
	return out
}

// coerce turns a chat string into the schema's type.
func coerce(s string, schema map[string]any) (any, error) {
	typ := "string"
	switch t := schema["type"].(type) {
	case string:
		typ = t
	case []any:
		if len(t) > 0 {
			typ = fmt.Sprint(t[0])
		}
	}
	switch typ {
	case "number":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("must be a number, not %q", s)
		}
		return f, nil
	case "integer":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("must be a whole number, not %q", s)
		}
		return float64(n), nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "yes", "y", "on", "1":
			return true, nil
		case "false", "no", "n", "off", "0":
			return false, nil
		}
		return nil, fmt.Errorf("must be true or false, not %q", s)
	case "array":
		items, _ := schema["items"].(map[string]any)
		out := []any{}
		if strings.TrimSpace(s) == "" {
			return out, nil
		}
		for _, part := range strings.Split(s, ",") {
			v, err := coerce(strings.TrimSpace(part), items)
			if err != nil {
				return nil, fmt.Errorf("item %q: %v", part, err)
			}
			out = append(out, v)
		}
		return out, nil
	case "object":
		var v map[string]any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("must be a JSON object: %v", err)
		}
		return v, nil
	}
	return s, nil
}

// RepoURL is a parsed RepoUrlPicker value, github.com?owner=acme&repo=ledger.
type RepoURL struct {
	Host         string `json:"host"`
	Owner        string `json:"owner"`
	Repo         string `json:"repo"`
	Organization string `json:"organization,omitempty"`
	Workspace    string `json:"workspace,omitempty"`
	Project      string `json:"project,omitempty"`
}

// ParseRepoURL parses host?owner=o&repo=r. When allowedHosts is not empty the
// host must be one of them. The repository name is checked against GitHub's
// rules.
func ParseRepoURL(s string, allowedHosts []string) (RepoURL, error) {
	host, query, ok := strings.Cut(strings.TrimSpace(s), "?")
	if !ok || host == "" {
		return RepoURL{}, fmt.Errorf("repository location %q must look like github.com?owner=ORG&repo=NAME", s)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return RepoURL{}, fmt.Errorf("repository location %q: %v", s, err)
	}
	r := RepoURL{Host: host, Owner: q.Get("owner"), Repo: q.Get("repo"), Organization: q.Get("organization"), Workspace: q.Get("workspace"), Project: q.Get("project")}
	if len(allowedHosts) > 0 && !contains(allowedHosts, host) {
		return RepoURL{}, fmt.Errorf("host %s is not allowed (allowed: %s)", host, strings.Join(allowedHosts, ", "))
	}
	if r.Repo == "" {
		return RepoURL{}, fmt.Errorf("repository location %q names no repo (add &repo=NAME)", s)
	}
	if r.Owner == "" && r.Organization == "" && r.Workspace == "" {
		return RepoURL{}, fmt.Errorf("repository location %q names no owner (add owner=ORG)", s)
	}
	if err := CheckRepoName(r.Repo); err != nil {
		return RepoURL{}, err
	}
	return r, nil
}

// CheckRepoName applies GitHub's rules for repository names: letters,
// digits, '-', '_' and '.', at most 100 characters, not "." or "..".
func CheckRepoName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("repository name is empty")
	case len(name) > 100:
		return fmt.Errorf("repository name %q is %d characters long; GitHub allows at most 100", name, len(name))
	case name == "." || name == "..":
		return fmt.Errorf("repository name %q is not allowed by GitHub", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("repository name %q has %q; GitHub allows only letters, digits, '-', '_' and '.'", name, c)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ParseAssignments splits chat text into key=value pairs: values may be
// quoted, key="two words" or key='two words'. Words without '=' are returned
// as rest (the template name, flags such as --dry-run).
func ParseAssignments(text string) (values map[string]string, rest []string, err error) {
	values = map[string]string{}
	words, err := splitWords(text)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range words {
		if !w.hasEq {
			rest = append(rest, w.text)
			continue
		}
		k, v, _ := strings.Cut(w.text, "=")
		if k == "" {
			return nil, nil, fmt.Errorf("%q has no parameter name before '='", w.text)
		}
		if _, dup := values[k]; dup {
			return nil, nil, fmt.Errorf("parameter '%s' is given twice", k)
		}
		values[k] = v
	}
	return values, rest, nil
}

type word struct {
	text  string
	hasEq bool
}

func splitWords(s string) ([]word, error) {
	var out []word
	var cur strings.Builder
	in := false
	eq := false
	var quote rune
	flush := func() {
		if in {
			out = append(out, word{cur.String(), eq})
		}
		cur.Reset()
		in, eq = false, false
	}
	escaped := false
	for i, c := range s {
		switch {
		case escaped:
			cur.WriteRune(c)
			escaped = false
		case quote == '"' && c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			// \" and \\ inside double quotes, as chat forms quote values.
			escaped = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '"' || c == '\'' || c == '“' || c == '”':
			if c == '“' || c == '”' {
				c = '”'
			}
			quote = c
			in = true
			_ = i
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		default:
			if c == '=' && !eq {
				eq = true
			}
			cur.WriteRune(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a quote is not closed in %q", s)
	}
	flush()
	return out, nil
}

// whenLang evaluates pages' when: conditions.
var whenLang = NewLang()

// shownPages evaluates each page's when: against the parameters (given and
// defaults): shown[i] for each page, and the parameters that appear only on
// hidden pages.
func (t *Template) shownPages(values map[string]any) (shown []bool, hidden map[string]bool, problem *ParamProblem) {
	shown = make([]bool, len(t.Pages))
	onShown, onHidden := map[string]bool{}, map[string]bool{}
	data := map[string]any{"parameters": values}
	for i, pg := range t.Pages {
		shown[i] = true
		if pg.When != nil {
			ok, err := whenLang.Truthy(fmt.Sprintf("parameters page %d (%s) when", i+1, pg.Title), pg.When, data)
			if err != nil {
				return nil, nil, &ParamProblem{Rule: "when", Message: err.Error()}
			}
			shown[i] = ok
		}
		props := map[string]map[string]any{}
		collectProps(pg.Schema, props)
		for n := range props {
			if shown[i] {
				onShown[n] = true
			} else {
				onHidden[n] = true
			}
		}
	}
	hidden = map[string]bool{}
	for n := range onHidden {
		if !onShown[n] {
			hidden[n] = true
		}
	}
	return shown, hidden, nil
}
