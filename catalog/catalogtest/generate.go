package catalogtest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// HubName is the name of the hub component (kind Component, namespace
// default) when Options.HubDependents is set; its API is HubName+"-api".
const HubName = "hub-service"

// Options shape a generated catalog. The zero value (with N set) is a
// realistic organisation.
type Options struct {
	// N is the number of entities (at least 20).
	N int
	// Seed makes the catalog deterministic: the same Options give the same bytes.
	Seed uint64
	// HubDependents, when > 0, adds component HubName (providing API
	// HubName-api) with exactly this many transitive dependents: components
	// that reach it through dependsOn (dependencyOf) or by consuming its API
	// (providesApi → apiConsumedBy), directly or through each other.
	HubDependents int
	// PerFile is the number of documents per file in WriteDir (default 100).
	PerFile int
}

// Entities generates the catalog as entities (relations not yet built; pass
// them to catalog.Build, or use Snapshot).
func Entities(o Options) []*catalog.Entity {
	g := newGen(o)
	return g.entities
}

// YAML renders the catalog as one multi-document YAML stream.
func YAML(o Options) []byte {
	es := Entities(o)
	var b bytes.Buffer
	b.Grow(len(es) * 1100)
	for i, e := range es {
		if i > 0 {
			b.WriteString("---\n")
		}
		writeEntity(&b, e)
	}
	return b.Bytes()
}

// Snapshot generates and builds the catalog.
func Snapshot(o Options) *catalog.Snapshot {
	return catalog.Build(&catalog.Result{Entities: Entities(o)})
}

// WriteDir writes the catalog under dir as files of PerFile documents each
// (dir/<kind>/<kind>-NNNN.yaml) and returns the paths written.
func WriteDir(dir string, o Options) ([]string, error) {
	per := o.PerFile
	if per <= 0 {
		per = 100
	}
	es := Entities(o)
	var paths []string
	byKind := map[string][]*catalog.Entity{}
	var kinds []string
	for _, e := range es {
		k := strings.ToLower(e.Kind)
		if _, ok := byKind[k]; !ok {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], e)
	}
	for _, k := range kinds {
		list := byKind[k]
		if err := os.MkdirAll(filepath.Join(dir, k), 0o755); err != nil {
			return paths, err
		}
		for start := 0; start < len(list); start += per {
			end := min(start+per, len(list))
			var b bytes.Buffer
			for i, e := range list[start:end] {
				if i > 0 {
					b.WriteString("---\n")
				}
				writeEntity(&b, e)
			}
			p := filepath.Join(dir, k, fmt.Sprintf("%s-%04d.yaml", k, start/per))
			if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

var (
	words = []string{"payments", "billing", "ledger", "search", "catalog", "checkout", "orders", "shipping",
		"inventory", "pricing", "identity", "auth", "profile", "notify", "email", "sms", "media", "images",
		"video", "stream", "analytics", "metrics", "events", "audit", "reports", "export", "import", "sync",
		"gateway", "edge", "cache", "queue", "scheduler", "worker", "cart", "wallet", "refunds", "fraud",
		"risk", "geo", "maps", "routing", "tracking", "support", "tickets", "chat", "feed", "ranking",
		"recommend", "ads", "campaign", "coupon", "loyalty", "partner", "vendor", "tax", "invoice", "payroll"}
	suffixes   = []string{"api", "service", "worker", "web", "backend", "frontend", "adapter", "processor", "store", "proxy"}
	lifecycles = []string{"production", "production", "production", "experimental", "deprecated"}
	compTypes  = []string{"service", "service", "service", "website", "library"}
	apiTypes   = []string{"openapi", "openapi", "grpc", "asyncapi", "graphql"}
	resTypes   = []string{"database", "s3-bucket", "queue", "cache", "topic"}
	firstNames = []string{"ada", "alan", "grace", "linus", "ken", "dennis", "barbara", "margaret", "edsger", "donald",
		"john", "radia", "frances", "leslie", "niklaus", "tim", "vint", "bjarne", "guido", "yukihiro"}
	lastNames = []string{"lovelace", "turing", "hopper", "torvalds", "thompson", "ritchie", "liskov", "hamilton",
		"dijkstra", "knuth", "backus", "perlman", "allen", "lamport", "wirth", "lee", "cerf", "stroustrup", "rossum", "matsumoto"}
)

type gen struct {
	o        Options
	r        *rand.Rand
	entities []*catalog.Entity
	used     map[string]bool
}

func meta(name, title, desc string) catalog.Metadata {
	return catalog.Metadata{Name: name, Namespace: catalog.DefaultNamespace, Title: title, Description: desc}
}

func newGen(o Options) *gen {
	n := max(o.N, 20)
	g := &gen{o: o, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), used: map[string]bool{}}
	// Proportions of a real organisation.
	nDomains := max(2, n/500)
	nGroups := max(4, n/50)
	nUsers := max(4, n*8/100)
	nSystems := max(3, n*3/100)
	nResources := max(2, n*8/100)
	nAPIs := max(2, n*12/100)
	nComps := n - nDomains - nGroups - nUsers - nSystems - nResources - nAPIs
	hub := o.HubDependents > 0
	if hub {
		nComps -= 2 // the hub and its API
	}
	if nComps < 1 {
		nComps = 1
	}
	if o.HubDependents > nComps {
		panic(fmt.Sprintf("catalogtest: %d hub dependents need at least that many components; N=%d gives %d", o.HubDependents, n, nComps))
	}
	es := make([]*catalog.Entity, 0, n)
	add := func(e *catalog.Entity) {
		e.APIVersion = "backstage.io/v1alpha1"
		e.Known = true
		e.Origin = catalog.Origin{Pos: catalog.Position{File: "catalogtest/" + strings.ToLower(e.Kind) + ".yaml"}, Doc: len(es), Source: "catalogtest"}
		es = append(es, e)
	}
	// Groups: a root, departments under it, teams under departments.
	groups := make([]string, nGroups)
	parent := make([]int, nGroups)
	nDepts := max(1, nGroups/10)
	for i := range groups {
		switch {
		case i == 0:
			groups[i] = "engineering"
			parent[i] = -1
		case i <= nDepts:
			groups[i] = g.unique(fmt.Sprintf("%s-department", g.word()))
			parent[i] = 0
		default:
			groups[i] = g.unique(fmt.Sprintf("team-%s", g.word()))
			parent[i] = 1 + g.r.IntN(nDepts)
		}
	}
	children := make([][]any, nGroups)
	for i, p := range parent {
		if p >= 0 {
			children[p] = append(children[p], groups[i])
		}
	}
	teams := groups[min(nDepts+1, nGroups-1):]
	users := make([]string, nUsers)
	members := make([][]any, nGroups)
	teamOf := make([]int, nUsers)
	for i := range users {
		users[i] = g.unique(fmt.Sprintf("%s.%s", firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]))
		t := nDepts + 1 + g.r.IntN(len(teams))
		if t >= nGroups {
			t = nGroups - 1
		}
		members[t] = append(members[t], users[i])
		teamOf[i] = t
	}
	for i, name := range groups {
		spec := map[string]any{"type": "team", "children": nonNil(children[i]),
			"profile": map[string]any{"displayName": title(name), "email": name + "@example.com"}}
		if parent[i] >= 0 {
			spec["parent"] = groups[parent[i]]
			if i <= nDepts {
				spec["type"] = "department"
			}
		} else {
			spec["type"] = "organization"
		}
		if len(members[i]) > 0 {
			spec["members"] = members[i]
		}
		m := meta(name, title(name), "The "+title(name)+" group.")
		m.Annotations = map[string]string{catalog.AnnotationSlackChannel: "#" + name, catalog.AnnotationOpsgenieTeam: name}
		add(&catalog.Entity{Kind: "Group", Metadata: m, Spec: spec})
	}
	for i, name := range users {
		t := teamOf[i]
		m := meta(name, "", "")
		m.Annotations = map[string]string{
			catalog.AnnotationSlackUserID:   fmt.Sprintf("U%08X", g.r.Uint32()),
			catalog.AnnotationDiscordUserID: fmt.Sprintf("%d", 100000000000000000+g.r.Int64N(800000000000000000)),
		}
		add(&catalog.Entity{Kind: "User", Metadata: m, Spec: map[string]any{
			"memberOf": []any{groups[t]},
			"profile":  map[string]any{"displayName": title(strings.ReplaceAll(name, ".", " ")), "email": name + "@example.com"},
		}})
	}
	team := func() string { return teams[g.r.IntN(len(teams))] }
	domains := make([]string, nDomains)
	for i := range domains {
		domains[i] = g.unique(g.word() + "-domain")
		add(&catalog.Entity{Kind: "Domain", Metadata: meta(domains[i], title(domains[i]), "Everything about "+domains[i]+"."),
			Spec: map[string]any{"owner": groups[1+g.r.IntN(nDepts)]}})
	}
	systems := make([]string, nSystems)
	for i := range systems {
		systems[i] = g.unique(g.word() + "-" + g.word() + "-system")
		add(&catalog.Entity{Kind: "System", Metadata: meta(systems[i], title(systems[i]), "The "+title(systems[i])+"."),
			Spec: map[string]any{"owner": team(), "domain": domains[g.r.IntN(nDomains)]}})
	}
	resources := make([]string, nResources)
	for i := range resources {
		resources[i] = g.unique(g.word() + "-" + resTypes[i%len(resTypes)])
		add(&catalog.Entity{Kind: "Resource", Metadata: g.richMeta(resources[i], "resource"),
			Spec: map[string]any{"type": resTypes[i%len(resTypes)], "owner": team(), "system": systems[g.r.IntN(nSystems)]}})
	}
	// Components: the first HubDependents are the hub's dependents, each
	// depending on the hub or on an earlier dependent (or consuming the hub's
	// API); the rest depend only on each other and on resources.
	comps := make([]string, nComps)
	for i := range comps {
		comps[i] = g.unique(g.word() + "-" + g.word() + "-" + suffixes[g.r.IntN(len(suffixes))])
	}
	dependents := o.HubDependents
	// Each API is provided by one non-dependent component.
	apis := make([]string, nAPIs)
	provider := make([]int, nAPIs)
	provides := make(map[int][]any)
	for i := range apis {
		apis[i] = g.unique(g.word() + "-" + g.word() + "-api")
		if nComps > dependents {
			provider[i] = dependents + g.r.IntN(nComps-dependents)
			provides[provider[i]] = append(provides[provider[i]], apis[i])
		} else {
			provider[i] = -1
		}
	}
	for i, name := range comps {
		var deps, consumes []any
		isDep := i < dependents
		if isDep {
			if i < 3 || g.r.IntN(4) == 0 {
				if g.r.IntN(3) == 0 {
					consumes = append(consumes, HubName+"-api")
				} else {
					deps = append(deps, "component:"+HubName)
				}
			} else {
				deps = append(deps, "component:"+comps[g.r.IntN(i)])
			}
		}
		// Further dependencies among non-dependents (later components) keep the hub's count exact.
		if nComps-dependents > 1 {
			for k := g.r.IntN(3); k > 0; k-- {
				j := dependents + g.r.IntN(nComps-dependents)
				if j != i && (isDep || j > i) {
					deps = append(deps, "component:"+comps[j])
				}
			}
			for k := g.r.IntN(3); k > 0; k-- {
				a := g.r.IntN(nAPIs)
				if provider[a] >= 0 && provider[a] != i && (isDep || provider[a] > i) {
					consumes = append(consumes, apis[a])
				}
			}
		}
		deps = append(deps, "resource:"+resources[g.r.IntN(nResources)])
		spec := map[string]any{
			"type": compTypes[g.r.IntN(len(compTypes))], "lifecycle": lifecycles[g.r.IntN(len(lifecycles))],
			"owner": team(), "system": systems[g.r.IntN(nSystems)], "dependsOn": dedupe(deps),
		}
		if p := provides[i]; len(p) > 0 {
			spec["providesApis"] = p
		}
		if len(consumes) > 0 {
			spec["consumesApis"] = dedupe(consumes)
		}
		add(&catalog.Entity{Kind: "Component", Metadata: g.richMeta(name, "component"), Spec: spec})
	}
	for i, name := range apis {
		owner := team()
		add(&catalog.Entity{Kind: "API", Metadata: g.richMeta(name, "api"), Spec: map[string]any{
			"type": apiTypes[i%len(apiTypes)], "lifecycle": "production", "owner": owner,
			"system":     systems[g.r.IntN(nSystems)],
			"definition": "openapi: 3.0.0\ninfo:\n  title: " + name + "\n  version: 1.0.0\npaths: {}\n",
		}})
	}
	if hub {
		add(&catalog.Entity{Kind: "Component", Metadata: g.richMeta(HubName, "component"), Spec: map[string]any{
			"type": "service", "lifecycle": "production", "owner": teams[0], "system": systems[0],
			"providesApis": []any{HubName + "-api"},
		}})
		add(&catalog.Entity{Kind: "API", Metadata: g.richMeta(HubName+"-api", "api"), Spec: map[string]any{
			"type": "openapi", "lifecycle": "production", "owner": teams[0], "system": systems[0],
			"definition": "openapi: 3.0.0\ninfo:\n  title: hub\n  version: 1.0.0\npaths: {}\n",
		}})
	}
	g.entities = es
	return g
}

func (g *gen) word() string { return words[g.r.IntN(len(words))] }

// unique makes name unique by adding a number when it was used.
func (g *gen) unique(name string) string {
	if !g.used[name] {
		g.used[name] = true
		return name
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s-%d", name, i)
		if !g.used[c] {
			g.used[c] = true
			return c
		}
	}
}

// richMeta is the metadata of a component, API or resource: description,
// tags, annotations and links, which make up most of the ~1 KB.
func (g *gen) richMeta(name, kind string) catalog.Metadata {
	m := meta(name, title(name), fmt.Sprintf("%s %s of the %s platform; owned end to end by its team, see the runbook before paging.", title(name), kind, g.word()))
	m.Tags = []string{g.word(), kind, lifecycles[g.r.IntN(3)]}
	m.Labels = map[string]string{"tier": fmt.Sprintf("tier-%d", 1+g.r.IntN(3))}
	m.Annotations = map[string]string{
		catalog.AnnotationProjectSlug:    "example/" + name,
		catalog.AnnotationSourceLocation: "url:https://github.com/example/" + name + "/tree/main/",
		catalog.AnnotationTechDocsRef:    "dir:.",
		catalog.AnnotationPagerDutyID:    fmt.Sprintf("P%06X", g.r.Uint32()&0xffffff),
		catalog.AnnotationSlackChannel:   "#" + name,
	}
	m.Links = []catalog.Link{
		{URL: "https://runbooks.example.com/" + name, Title: "Runbook", Icon: "docs", Type: "runbook"},
		{URL: "https://grafana.example.com/d/" + name, Title: "Dashboard", Icon: "dashboard", Type: "dashboard"},
	}
	return m
}

func title(name string) string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '.' || r == ' ' })
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func dedupe(v []any) []any {
	seen := map[any]bool{}
	out := v[:0]
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
