package examples

import (
	"bytes"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// These tests check the files themselves against formats.md, independently
// of the catalog engine, so the example organisation is known-good whatever
// state the loader is in.

var (
	nameRule       = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dnsLabel       = regexp.MustCompile(`^[a-z0-9]+(?:-+[a-z0-9]+)*$`)
	dnsSubdomain   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	kindRule       = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]{0,62}$`)
	versionRule    = regexp.MustCompile(`^[a-zA-Z0-9]{1,63}$`)
	tagRule        = regexp.MustCompile(`^[a-z0-9+#]+(-[a-z0-9+#]+)*$`)
	slackUserID    = regexp.MustCompile(`^[UW][A-Z0-9]{8,}$`)
	discordID      = regexp.MustCompile(`^[0-9]{17,20}$`)
	slackChannel   = regexp.MustCompile(`^#[a-z0-9][-a-z0-9_]*$`)
	requiredFields = map[string][]string{
		"component": {"type", "lifecycle", "owner"},
		"api":       {"type", "lifecycle", "owner", "definition"},
		"resource":  {"type", "owner"},
		"system":    {"owner"},
		"domain":    {"owner"},
		"group":     {"type", "children"},
		"user":      {"memberOf"},
		"template":  {"type", "steps"},
	}
	knownKinds = map[string]bool{"component": true, "api": true, "resource": true, "system": true,
		"domain": true, "group": true, "user": true, "location": true, "template": true}
)

type descriptor struct {
	file string
	doc  int
	raw  map[string]any
}

func (d descriptor) kind() string { return strings.ToLower(str(d.raw["kind"])) }
func (d descriptor) meta() map[string]any {
	m, _ := d.raw["metadata"].(map[string]any)
	return m
}
func (d descriptor) spec() map[string]any {
	m, _ := d.raw["spec"].(map[string]any)
	return m
}
func (d descriptor) name() string { return str(d.meta()["name"]) }
func (d descriptor) ref() string  { return d.kind() + ":default/" + strings.ToLower(d.name()) }
func (d descriptor) where() string {
	return d.file + "#" + string(rune('0'+d.doc)) + " (" + d.ref() + ")"
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// followRoot reads Root and every file its Location targets reach, the way
// formats.md describes Locations: targets relative to the declaring file,
// globs allowed.
func followRoot(t *testing.T) (descs []descriptor, files map[string]bool) {
	t.Helper()
	files = map[string]bool{}
	queue := []string{Root}
	for len(queue) > 0 {
		file := queue[0]
		queue = queue[1:]
		if files[file] {
			continue
		}
		files[file] = true
		data, err := fs.ReadFile(FS, file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var raw map[string]any
			if err := dec.Decode(&raw); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("%s: document %d: %v", file, i, err)
				}
				break
			}
			d := descriptor{file: file, doc: i, raw: raw}
			descs = append(descs, d)
			if d.kind() != "location" {
				continue
			}
			targets := strs(d.spec()["targets"])
			if tg := str(d.spec()["target"]); tg != "" {
				targets = append(targets, tg)
			}
			for _, tg := range targets {
				pattern := path.Join(path.Dir(file), tg)
				matches, err := fs.Glob(FS, pattern)
				if err != nil || len(matches) == 0 {
					t.Errorf("%s: target %q matches no file", file, tg)
				}
				queue = append(queue, matches...)
			}
		}
	}
	return descs, files
}

func TestLocationReachesEveryDescriptorFile(t *testing.T) {
	_, reached := followRoot(t)
	err := fs.WalkDir(FS, "org", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "skeleton" {
			return fs.SkipDir // templates for new repositories, not descriptors
		}
		if d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			return nil
		}
		data, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		isDescriptor := bytes.Contains(data, []byte("\nkind:")) || bytes.HasPrefix(data, []byte("kind:")) ||
			bytes.Contains(data, []byte("\napiVersion:")) || bytes.HasPrefix(data, []byte("apiVersion:"))
		if isDescriptor && !reached[p] {
			t.Errorf("%s holds a descriptor that %s does not reach", p, Root)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDescriptorsFollowTheFormatRules(t *testing.T) {
	descs, _ := followRoot(t)
	seen := map[string]string{}
	for _, d := range descs {
		for k := range d.raw {
			switch k {
			case "apiVersion", "kind", "metadata", "spec":
			default:
				t.Errorf("%s: unexpected root field %q", d.where(), k)
			}
		}
		av := str(d.raw["apiVersion"])
		prefix, version, found := strings.Cut(av, "/")
		if !found {
			prefix, version = "", av
		}
		if (found && !dnsSubdomain.MatchString(prefix)) || !versionRule.MatchString(version) {
			t.Errorf("%s: bad apiVersion %q", d.where(), av)
		}
		if d.kind() == "template" && av != "scaffolder.backstage.io/v1beta3" {
			t.Errorf("%s: Template must be scaffolder.backstage.io/v1beta3, is %q", d.where(), av)
		}
		if !kindRule.MatchString(str(d.raw["kind"])) {
			t.Errorf("%s: bad kind %q", d.where(), d.raw["kind"])
		}
		if n := d.name(); len(n) > 63 || !nameRule.MatchString(n) {
			t.Errorf("%s: bad metadata.name %q", d.where(), n)
		}
		if prev, dup := seen[d.ref()]; dup {
			t.Errorf("%s: duplicate of the entity in %s", d.where(), prev)
		}
		seen[d.ref()] = d.file
		for _, tag := range strs(d.meta()["tags"]) {
			if len(tag) > 63 || !tagRule.MatchString(tag) {
				t.Errorf("%s: bad tag %q", d.where(), tag)
			}
		}
		annotations, _ := d.meta()["annotations"].(map[string]any)
		for k, v := range annotations {
			prefix, name, found := strings.Cut(k, "/")
			if !found {
				prefix, name = "", k
			}
			if (found && !dnsSubdomain.MatchString(prefix)) || len(name) > 63 || !nameRule.MatchString(name) {
				t.Errorf("%s: bad annotation key %q", d.where(), k)
			}
			if _, ok := v.(string); !ok {
				t.Errorf("%s: annotation %q is not a string (quote it)", d.where(), k)
			}
		}
		links, _ := d.meta()["links"].([]any)
		for _, l := range links {
			m, _ := l.(map[string]any)
			u, err := url.Parse(str(m["url"]))
			if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, "example.com") && u.Host != "github.com" {
				t.Errorf("%s: link %q is not an https URL at example.com or github.com", d.where(), m["url"])
			}
		}
		for _, f := range requiredFields[d.kind()] {
			if _, ok := d.spec()[f]; !ok {
				t.Errorf("%s: spec.%s is required", d.where(), f)
			}
		}
	}
}

// refFields lists the reference-holding spec fields with their default kinds
// ("" = the reference must name its kind).
var refFields = []struct {
	field, defaultKind string
	list               bool
}{
	{"owner", "group", false}, {"system", "system", false}, {"domain", "domain", false},
	{"subdomainOf", "domain", false}, {"subcomponentOf", "component", false}, {"parent", "group", false},
	{"providesApis", "api", true}, {"consumesApis", "api", true}, {"dependsOn", "", true},
	{"children", "group", true}, {"members", "user", true}, {"memberOf", "group", true},
}

func TestEveryReferenceResolvesByName(t *testing.T) {
	descs, _ := followRoot(t)
	exists := map[string]descriptor{}
	for _, d := range descs {
		exists[d.ref()] = d
	}
	edges := map[string]bool{}
	for _, d := range descs {
		if !knownKinds[d.kind()] || d.kind() == "location" {
			continue
		}
		for _, f := range refFields {
			var values []string
			if f.list {
				values = strs(d.spec()[f.field])
			} else if v := str(d.spec()[f.field]); v != "" {
				values = []string{v}
			}
			for _, v := range values {
				kind, name, hasKind := strings.Cut(v, ":")
				if !hasKind {
					kind, name = f.defaultKind, v
				}
				if kind == "" {
					t.Errorf("%s: spec.%s %q must name a kind", d.where(), f.field, v)
					continue
				}
				if strings.Contains(name, "/") {
					t.Errorf("%s: spec.%s %q: keep everything in the default namespace", d.where(), f.field, v)
				}
				target := strings.ToLower(kind) + ":default/" + strings.ToLower(name)
				if _, ok := exists[target]; !ok {
					t.Errorf("%s: spec.%s %q resolves to %s, which does not exist", d.where(), f.field, v, target)
				}
				edges[d.ref()+" "+f.field+" "+target] = true
			}
		}
	}
	// Both sides of the group hierarchy and of membership agree.
	for e := range edges {
		parts := strings.Fields(e)
		from, field, to := parts[0], parts[1], parts[2]
		inverse := map[string]string{"parent": "children", "children": "parent", "members": "memberOf", "memberOf": "members"}[field]
		if inverse != "" && !edges[to+" "+inverse+" "+from] {
			t.Errorf("%s has %s %s, but %s does not list it in %s", from, field, to, to, inverse)
		}
	}
}

func TestPeopleAndTeamsCanBeReachedInChat(t *testing.T) {
	descs, _ := followRoot(t)
	users, teams := 0, 0
	for _, d := range descs {
		annotations, _ := d.meta()["annotations"].(map[string]any)
		profile, _ := d.spec()["profile"].(map[string]any)
		switch d.kind() {
		case "user":
			users++
			if !slackUserID.MatchString(str(annotations["slack.com/user-id"])) {
				t.Errorf("%s: slack.com/user-id %q is not a Slack user id", d.where(), annotations["slack.com/user-id"])
			}
			if !discordID.MatchString(str(annotations["discord.com/user-id"])) {
				t.Errorf("%s: discord.com/user-id %q is not a snowflake", d.where(), annotations["discord.com/user-id"])
			}
			if !strings.Contains(str(profile["email"]), "@") || str(profile["displayName"]) == "" {
				t.Errorf("%s: profile needs email and displayName", d.where())
			}
		case "group":
			if !slackChannel.MatchString(str(annotations["slack.com/channel"])) || !discordID.MatchString(str(annotations["discord.com/channel"])) {
				t.Errorf("%s: needs slack.com/channel (#name) and discord.com/channel (snowflake)", d.where())
			}
			if !strings.Contains(str(profile["email"]), "@") {
				t.Errorf("%s: profile.email missing", d.where())
			}
			if str(d.spec()["type"]) == "team" {
				teams++
				if annotations["pagerduty.com/service-id"] == nil && annotations["opsgenie.com/team"] == nil {
					t.Errorf("%s: a team needs pagerduty.com/service-id or opsgenie.com/team", d.where())
				}
			}
		}
	}
	if users < 12 || teams < 6 {
		t.Errorf("got %d users and %d teams, want at least 12 and 6", users, teams)
	}
}

func TestTechDocsSitesAreComplete(t *testing.T) {
	descs, _ := followRoot(t)
	sites, pages := 0, 0
	for _, d := range descs {
		annotations, _ := d.meta()["annotations"].(map[string]any)
		ref := str(annotations["backstage.io/techdocs-ref"])
		if ref == "" {
			continue
		}
		if ref != "dir:." {
			t.Errorf("%s: techdocs-ref %q, want dir:.", d.where(), ref)
			continue
		}
		sites++
		dir := path.Dir(d.file)
		data, err := fs.ReadFile(FS, path.Join(dir, "mkdocs.yml"))
		if err != nil {
			t.Errorf("%s: %v", d.where(), err)
			continue
		}
		var mk struct {
			SiteName string `yaml:"site_name"`
			Nav      []any  `yaml:"nav"`
		}
		if err := yaml.Unmarshal(data, &mk); err != nil || mk.SiteName == "" {
			t.Errorf("%s/mkdocs.yml: needs site_name (%v)", dir, err)
		}
		inNav := map[string]bool{}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				inNav[v] = true
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(mk.Nav)
		for p := range inNav {
			if _, err := fs.Stat(FS, path.Join(dir, "docs", p)); err != nil {
				t.Errorf("%s/mkdocs.yml: nav names %s, which does not exist", dir, p)
			}
		}
		mds, _ := fs.Glob(FS, path.Join(dir, "docs", "*.md"))
		nested, _ := fs.Glob(FS, path.Join(dir, "docs", "*", "*.md"))
		for _, p := range append(mds, nested...) {
			pages++
			rel := strings.TrimPrefix(p, path.Join(dir, "docs")+"/")
			if len(mk.Nav) > 0 && !inNav[rel] {
				t.Errorf("%s: %s is not in the nav", dir, rel)
			}
		}
	}
	if sites < 5 || pages < 20 || pages > 30 {
		t.Errorf("got %d sites with %d pages, want at least 5 sites and 20–30 pages", sites, pages)
	}
}

func TestTemplatesHaveTheirSkeletons(t *testing.T) {
	descs, _ := followRoot(t)
	actions := map[string]bool{"fetch:template": true, "fetch:plain": true, "publish:github": true,
		"publish:github:pull-request": true, "catalog:register": true, "debug:log": true}
	templates, binaries := 0, 0
	for _, d := range descs {
		if d.kind() != "template" {
			continue
		}
		templates++
		steps, _ := d.spec()["steps"].([]any)
		fetched := false
		for _, s := range steps {
			step, _ := s.(map[string]any)
			action := str(step["action"])
			if !actions[action] || str(step["id"]) == "" {
				t.Errorf("%s: step %v: unknown action or no id", d.where(), step["id"])
			}
			input, _ := step["input"].(map[string]any)
			if action != "fetch:template" {
				continue
			}
			fetched = true
			skel := path.Join(path.Dir(d.file), str(input["url"]))
			found := false
			_ = fs.WalkDir(FS, skel, func(p string, e fs.DirEntry, err error) error {
				if err != nil {
					t.Errorf("%s: skeleton %s: %v", d.where(), skel, err)
					return err
				}
				if base := renderedName(path.Base(p), input["values"]); base == "catalog-info.yaml" || base == "catalog-info.yaml.njk" {
					found = true
				}
				if !e.IsDir() {
					data, _ := fs.ReadFile(FS, p)
					if bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
						binaries++
					}
				}
				return nil
			})
			if !found {
				t.Errorf("%s: skeleton %s has no catalog-info.yaml", d.where(), skel)
			}
		}
		if !fetched {
			t.Errorf("%s: no fetch:template step", d.where())
		}
	}
	if templates != 3 || binaries == 0 {
		t.Errorf("got %d templates and %d PNG files in skeletons, want 3 and at least 1", templates, binaries)
	}
}

func TestDotfilesAreEmbedded(t *testing.T) {
	for _, p := range []string{
		"org/templates/go-service/skeleton/.github/workflows/ci.yml",
		"org/templates/go-service/skeleton/.gitignore",
	} {
		if _, err := fs.Stat(FS, p); err != nil {
			t.Errorf("%s is not embedded: %v", p, err)
		}
	}
}

var valueRef = regexp.MustCompile(`^\$\{\{ *values\.([A-Za-z0-9_]+) *\}\}$`)

// renderedName resolves a file name that is exactly one `${{ values.x }}`
// whose value the step sets to a literal.
func renderedName(name string, values any) string {
	m := valueRef.FindStringSubmatch(name)
	if m == nil {
		return name
	}
	v, _ := values.(map[string]any)
	if s := str(v[m[1]]); s != "" && !strings.Contains(s, "${{") {
		return s
	}
	return name
}
