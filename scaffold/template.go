package scaffold

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// APIVersion is the only Template apiVersion scaffold runs.
const APIVersion = "scaffolder.backstage.io/v1beta3"

// Template is a parsed Software Template.
type Template struct {
	Ref         catalog.Ref
	Title       string
	Description string
	Tags        []string
	Owner       string
	Type        string
	Pages       []Page
	// Order is, per page, the parameters' names in the order the template
	// writes them (catalog.Entity.ParamOrder); Params follows it.
	Order  [][]string
	Steps  []Step
	Output map[string]any
	// FS and Dir locate the files beside the template (skeletons): relative
	// step urls are read from FS at path.Join(Dir, url).
	FS  fs.FS
	Dir string
	// Pos is where the template was read from, for messages.
	Pos catalog.Position
}

// Step is one entry of spec.steps.
type Step struct {
	ID     string
	Name   string
	Action string
	Input  map[string]any
	If     any // nil, a bool or an expression string
	Each   any
}

// DisplayName is the title, or the name.
func (t *Template) DisplayName() string {
	if t.Title != "" {
		return t.Title
	}
	return t.Ref.Name
}

// ParseTemplate reads a Template entity of the catalog.
func ParseTemplate(e *catalog.Entity) (*Template, error) {
	where := e.Origin.Pos.String()
	if !strings.EqualFold(e.Kind, catalog.KindTemplate) {
		return nil, fmt.Errorf("%s: %s is a %s, not a Template", where, e.Metadata.Name, e.Kind)
	}
	if e.APIVersion != APIVersion {
		return nil, fmt.Errorf("%s: template %s has apiVersion %q; only %s is supported", where, e.Metadata.Name, e.APIVersion, APIVersion)
	}
	t := &Template{
		Ref: e.Ref(), Title: e.Metadata.Title, Description: e.Metadata.Description, Tags: e.Metadata.Tags,
		Owner: e.SpecString("owner"), Type: e.SpecString("type"),
		FS: e.Origin.FS, Dir: path.Dir(e.Origin.Path), Pos: e.Origin.Pos,
	}
	if t.Dir == "" {
		t.Dir = "."
	}
	if out, ok := e.Spec["output"].(map[string]any); ok {
		t.Output = out
	}
	pages, err := parsePages(e.Spec["parameters"])
	if err != nil {
		return nil, fmt.Errorf("%s: template %s: spec.parameters: %w", where, e.Metadata.Name, err)
	}
	t.Pages = pages
	t.Order = e.ParamOrder
	raw, ok := e.Spec["steps"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: template %s: spec.steps must be a list of steps", where, e.Metadata.Name)
	}
	seen := map[string]bool{}
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: template %s: spec.steps[%d] is not a map", where, e.Metadata.Name, i)
		}
		s := Step{Action: str(m["action"]), Name: str(m["name"]), ID: str(m["id"]), If: m["if"], Each: m["each"]}
		if s.Action == "" {
			return nil, fmt.Errorf("%s: template %s: spec.steps[%d] has no action", where, e.Metadata.Name, i)
		}
		if s.ID == "" {
			s.ID = fmt.Sprintf("step-%d", i+1)
		}
		if seen[s.ID] {
			return nil, fmt.Errorf("%s: template %s: two steps have the id %q", where, e.Metadata.Name, s.ID)
		}
		seen[s.ID] = true
		if s.Name == "" {
			s.Name = s.ID
		}
		if in, ok := m["input"].(map[string]any); ok {
			s.Input = in
		} else if m["input"] != nil {
			return nil, fmt.Errorf("%s: template %s: step %s: input must be a map", where, e.Metadata.Name, s.ID)
		}
		t.Steps = append(t.Steps, s)
	}
	return t, nil
}

// LoadTemplateFile reads a template.yaml from disk (the CLI's --template):
// the first Template document in it.
func LoadTemplateFile(ctx context.Context, file string) (*Template, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	fsys, err := catalog.DirFS(dir)
	if err != nil {
		return nil, err
	}
	res := catalog.LoadFS(ctx, fsys, []string{base}, catalog.LoadOptions{Source: "files", DisplayPrefix: filepath.ToSlash(filepath.Dir(file)) + "/"})
	for _, p := range res.Problems {
		if p.Severity == catalog.Error {
			return nil, fmt.Errorf("%s", p.String())
		}
	}
	for _, e := range res.Entities {
		if strings.EqualFold(e.Kind, catalog.KindTemplate) {
			return ParseTemplate(e)
		}
	}
	return nil, fmt.Errorf("%s: no Template entity in the file", file)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
