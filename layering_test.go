package callboard_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/callboard/callboard/"

// domain are the packages that know no outside party: adapters implement
// what they declare and may import them.
var domain = []string{"bot", "bot/chat", "catalog", "catalog/docs", "catalog/health", "catalog/ingest", "scaffold"}

// layer is what one of our packages may import directly (our packages by
// path inside the module, others by import path or prefix ending in "/"),
// beside the standard library, and what it must not depend on at all
// (transitively, by prefix). Each package's doc.go says the same in words.
type layer struct {
	imports []string
	never   []string
}

// platforms are the outside parties' libraries: only their adapter uses one.
var platforms = []string{
	"github.com/slack-go/", "github.com/bwmarrin/discordgo", "github.com/redis/go-redis/",
	"github.com/google/go-github/", "github.com/bradleyfalzon/ghinstallation/", "github.com/PagerDuty/",
	module + "adapters/", module + "cmd/",
}

func adapter(lib ...string) layer {
	return layer{imports: append(append([]string(nil), domain...), lib...), never: []string{module + "cmd/"}}
}

var layers = map[string]layer{
	// The domain.
	"catalog":                   {imports: []string{"catalog/internal/fastyaml", "gopkg.in/yaml.v3"}, never: []string{module}},
	"catalog/internal/fastyaml": {imports: []string{"gopkg.in/yaml.v3"}, never: []string{module}},
	"catalog/catalogtest":       {imports: []string{"catalog"}, never: platforms},
	"catalog/docs":              {imports: []string{"catalog", "golang.org/x/text/", "gopkg.in/yaml.v3"}, never: platforms},
	"catalog/health":            {imports: []string{"catalog"}, never: platforms},
	"scaffold":                  {imports: []string{"catalog", "github.com/santhosh-tekuri/jsonschema/", "golang.org/x/text/", "gopkg.in/yaml.v3"}, never: platforms},
	"scaffold/scaffoldtest":     {imports: []string{"scaffold", "catalog"}, never: platforms},
	// The bot's core: the standard library only (no layer allows it
	// anything else), so a team's plug-in needs nothing else of ours.
	"bot/chat":                  {never: []string{module}},
	"bot":                       {imports: []string{"bot/chat", "catalog", "catalog/health", "scaffold", "github.com/robfig/cron/"}, never: platforms},
	"bot/bottest":               {imports: []string{"bot", "bot/chat", "adapters/pagerduty", "adapters/pagerduty/pagerdutytest"}, never: []string{module + "cmd/"}},
	"catalog/ingest":            {imports: []string{"bot", "bot/chat", "catalog", "catalog/docs"}, never: platforms},
	"catalog/ingest/ingesttest": {imports: []string{"catalog/ingest"}, never: platforms},
	"examples":                  {never: []string{module}},
	"internal/loadgen":          {never: []string{module}},
	"internal/webhook":          {never: []string{module}},

	// One outside party each; never another adapter.
	"adapters/backstage":               adapter(),
	"adapters/backstage/backstagetest": {},
	"adapters/alertmanager":            adapter("internal/webhook"),
	"adapters/statuspage":              {never: []string{module}},
	"adapters/console":                 adapter("golang.org/x/term"),
	// Discord speaks the core only: what bot's features ask of it (alert
	// cards, job replies) it implements without importing them.
	"adapters/discord":                 {imports: []string{"bot/chat", "github.com/bwmarrin/discordgo"}, never: []string{module + "cmd/", module + "catalog", module + "scaffold"}},
	"adapters/discord/discordtest":     {imports: []string{"github.com/bwmarrin/discordgo"}},
	"adapters/github":                  adapter("internal/webhook", "github.com/google/go-github/", "github.com/bradleyfalzon/ghinstallation/", "github.com/prometheus/client_golang/", "gopkg.in/yaml.v3"),
	"adapters/github/githubtest":       {imports: []string{"github.com/google/go-github/"}},
	"adapters/opsgenie":                adapter(),
	"adapters/opsgenie/opsgenietest":   {},
	"adapters/pagerduty":               adapter("internal/webhook", "github.com/PagerDuty/"),
	"adapters/pagerduty/pagerdutytest": {},
	"adapters/redis":                   adapter("github.com/redis/go-redis/", "gopkg.in/yaml.v3"),
	"adapters/redis/redistest":         {imports: []string{"github.com/redis/go-redis/"}},
	"adapters/rota":                    adapter("gopkg.in/yaml.v3"),
	"adapters/slack":                   adapter("github.com/slack-go/"),
	"adapters/slack/slacktest":         {imports: []string{"github.com/gorilla/websocket", "github.com/slack-go/"}},
	"adapters/slack/slackload":         {imports: []string{"adapters/slack", "bot/chat", "internal/loadgen"}},

	// main: sub-commands and wiring. It builds the adapters and never
	// speaks an outside party's library itself.
	"cmd/callboard": {
		imports: append([]string{"adapters/", "examples", "catalog/catalogtest", "internal/loadgen", "github.com/prometheus/client_golang/",
			"github.com/prometheus/client_model/", "golang.org/x/term", "gopkg.in/yaml.v3"}, domain...),
	},
}

// mainNever are the libraries cmd/callboard must not import directly.
var mainNever = []string{"github.com/redis/go-redis/", "github.com/bwmarrin/discordgo", "github.com/slack-go/", "github.com/google/go-github/", "github.com/PagerDuty/"}

type pkg struct {
	path     string
	standard bool
	imports  []string
}

// listDeps runs `go list -deps` over the module: every package with its
// direct imports (tests' imports excluded: a test may reach further).
func listDeps(t *testing.T) map[string]pkg {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatal("the go command is needed to list the packages' imports")
		}
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}|{{.Standard}}|{{join .Imports \",\"}}", "./...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 {
			continue
		}
		p := pkg{path: f[0], standard: f[1] == "true"}
		if f[2] != "" {
			p.imports = strings.Split(f[2], ",")
		}
		pkgs[p.path] = p
	}
	return pkgs
}

func allowed(imp string, list []string) bool {
	for _, a := range list {
		full := a
		if !strings.Contains(a, ".") { // one of ours
			full = module + a
			if strings.HasSuffix(a, "/") {
				if strings.HasPrefix(imp, full) {
					return true
				}
				continue
			}
		}
		if imp == full || (strings.HasSuffix(full, "/") && strings.HasPrefix(imp, full)) {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == strings.TrimSuffix(p, "/") || strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// checkLayers returns what breaks the layering in pkgs, one line each.
func checkLayers(pkgs map[string]pkg) []string {
	var bad []string
	for path, p := range pkgs {
		if !strings.HasPrefix(path, module) {
			continue
		}
		rel := strings.TrimPrefix(path, module)
		l, ok := layers[rel]
		if !ok {
			bad = append(bad, rel+": no layer declared for it in layering_test.go (and its doc.go): say what it may import")
			continue
		}
		for _, imp := range p.imports {
			if q, ok := pkgs[imp]; ok && q.standard {
				continue
			}
			if !allowed(imp, l.imports) {
				bad = append(bad, rel+" imports "+imp+", which its layer does not allow")
			}
			if rel == "cmd/callboard" && hasPrefix(imp, mainNever) {
				bad = append(bad, rel+" imports "+imp+": main builds adapters and never speaks their libraries itself")
			}
		}
		// Transitive dependencies.
		seen := map[string]bool{}
		var walk func(string, string)
		walk = func(from, via string) {
			for _, imp := range pkgs[from].imports {
				if seen[imp] {
					continue
				}
				seen[imp] = true
				if imp != path && hasPrefix(imp, l.never) && !(rel == "catalog" && strings.HasPrefix(imp, module+"catalog/internal/")) {
					bad = append(bad, rel+" depends on "+imp+" (through "+via+"), which it must never")
				}
				walk(imp, via)
			}
		}
		for _, imp := range p.imports {
			if !seen[imp] {
				seen[imp] = true
				if hasPrefix(imp, l.never) && !(rel == "catalog" && strings.HasPrefix(imp, module+"catalog/internal/")) {
					bad = append(bad, rel+" imports "+imp+", which it must never depend on")
				}
				walk(imp, imp)
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// Each package imports only what its layer allows: the domain (catalog,
// scaffold, bot, catalog/ingest) knows no outside party, an adapter speaks
// to one, and main wires adapters without their libraries.
func TestPackagesKeepToTheirLayers(t *testing.T) {
	for _, b := range checkLayers(listDeps(t)) {
		t.Error(b)
	}
}

// The check itself fails on a wrong import: bot importing an adapter, main
// importing go-redis, and the bot's core importing the catalog, the bot's
// features or any module at all, are each caught.
func TestLayeringCatchesAWrongImport(t *testing.T) {
	pkgs := listDeps(t)
	tests := []struct {
		pkg, imp, want string
	}{
		{"bot", module + "adapters/redis", "bot imports " + module + "adapters/redis"},
		{"cmd/callboard", "github.com/redis/go-redis/v9", "main builds adapters"},
		{"cmd/callboard", "github.com/bwmarrin/discordgo", "main builds adapters"},
		{"catalog", module + "bot", "catalog imports " + module + "bot"},
		{"bot/chat", module + "catalog", "bot/chat imports " + module + "catalog"},
		{"bot/chat", module + "bot", "bot/chat imports " + module + "bot,"},
		{"bot/chat", "github.com/robfig/cron/v3", "bot/chat imports github.com/robfig/cron/v3"},
		{"adapters/discord", module + "bot", "adapters/discord imports " + module + "bot,"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg+"→"+tt.imp, func(t *testing.T) {
			changed := map[string]pkg{}
			for k, v := range pkgs {
				changed[k] = v
			}
			p := changed[module+tt.pkg]
			p.imports = append(append([]string(nil), p.imports...), tt.imp)
			changed[module+tt.pkg] = p
			bad := checkLayers(changed)
			if !strings.Contains(strings.Join(bad, "\n"), tt.want) {
				t.Errorf("%s importing %s was not caught: %q", tt.pkg, tt.imp, bad)
			}
		})
	}
}
