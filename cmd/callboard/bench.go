package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	slackadapter "github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

func init() {
	register(command{name: "bench", summary: "load-test the Slack commands endpoint on loopback", run: runBench})
}

func runBench(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	n := fs.Int("n", 5000, "number of signed slash commands to send")
	conc := fs.Int("concurrency", 16, "requests in flight at most")
	rate := fs.Float64("rate", 500, "target requests per second (0: as fast as possible)")
	entities := fs.Int("entities", 100000, "size of the generated catalog")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole run")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	handler := fs.String("handler", "router", "what answers: router (the built-in commands over the catalog) or echo (a fixed answer, to measure the adapter alone)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *handler != "router" && *handler != "echo" {
		fmt.Fprintln(env.Stderr, "bench: --handler is router or echo")
		return 2
	}
	if *n <= 0 || *conc <= 0 || *rate < 0 || *entities < 10 || *entities > 2_000_000 {
		fmt.Fprintln(env.Stderr, "bench: --n and --concurrency must be positive, --rate not negative, --entities between 10 and 2000000")
		return 2
	}
	built := time.Now()
	snap := benchCatalog(*entities)
	store := catalog.NewStore(snap)
	router := bot.NewRouter(bot.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(router, bot.Options{Catalog: store}); err != nil {
		fmt.Fprintln(env.Stderr, "bench:", err)
		return 1
	}
	fmt.Fprintf(env.Stderr, "bench: catalog of %d entities built in %v\n", snap.Len(), time.Since(built).Round(time.Millisecond))
	comps := *entities * 9 / 10
	var commands []string
	for i := 0; i < 64; i++ {
		// Spread over the tree but away from its root: "what depends on
		// svc-0" walks all 90% of the catalog, a worst case measured apart.
		c := comps/4 + (i*7919)%(comps-comps/4)
		switch i % 3 {
		case 0:
			commands = append(commands, fmt.Sprintf("who owns svc-%d", c))
		case 1:
			commands = append(commands, fmt.Sprintf("what depends on svc-%d", c))
		default:
			commands = append(commands, fmt.Sprintf("svc-%d", c))
		}
	}
	var h bot.Handler = router
	if *handler == "echo" {
		h = bot.HandlerFunc(func(ctx context.Context, req *bot.Request) (*bot.Response, error) {
			return &bot.Response{Status: bot.StatusOK, Ephemeral: true, Title: "echo", Text: req.Text}, nil
		})
	}
	res, err := slackadapter.Bench(ctx, slackadapter.BenchOptions{
		N: *n, Concurrency: *conc, Rate: *rate, Handler: h, Commands: commands, Timeout: *timeout,
	})
	if *asJSON {
		_ = json.NewEncoder(env.Stdout).Encode(res)
	} else {
		fmt.Fprintf(env.Stdout, "%v\n", res)
		if res.FirstError != "" {
			fmt.Fprintf(env.Stdout, "first error: %s\n", res.FirstError)
		}
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "bench:", err)
		return 1
	}
	if res.Errors > 0 {
		return 1
	}
	return 0
}

// benchCatalog generates a catalog of n entities: a tenth groups and
// systems, the rest components owned by a group, part of a system and
// depending on up to two others.
func benchCatalog(n int) *catalog.Snapshot {
	groups := max(n/20, 1)
	systems := max(n/20, 1)
	comps := n - groups - systems
	var es []*catalog.Entity
	for i := 0; i < groups; i++ {
		es = append(es, &catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Known: true,
			Metadata: catalog.Metadata{Name: fmt.Sprintf("team-%d", i), Namespace: "default", Title: fmt.Sprintf("Team %d", i)},
			Spec:     map[string]any{"type": "team", "children": []any{}}})
	}
	for i := 0; i < systems; i++ {
		es = append(es, &catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "System", Known: true,
			Metadata: catalog.Metadata{Name: fmt.Sprintf("sys-%d", i), Namespace: "default"},
			Spec:     map[string]any{"owner": fmt.Sprintf("team-%d", i%groups)}})
	}
	for i := 0; i < comps; i++ {
		// A tree-shaped graph: low numbers are core services with a wide
		// blast radius, high numbers leaves with none, as in real catalogs.
		var deps []any
		if i > 0 {
			deps = append(deps, fmt.Sprintf("component:svc-%d", i/2))
		}
		if i > 2 && i/3 != i/2 {
			deps = append(deps, fmt.Sprintf("component:svc-%d", i/3))
		}
		es = append(es, &catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Known: true,
			Metadata: catalog.Metadata{Name: fmt.Sprintf("svc-%d", i), Namespace: "default",
				Description: "generated for callboard bench"},
			Spec: map[string]any{
				"type": "service", "lifecycle": "production",
				"owner":     fmt.Sprintf("team-%d", i%groups),
				"system":    fmt.Sprintf("sys-%d", i%systems),
				"dependsOn": deps,
			}})
	}
	return catalog.Build(&catalog.Result{Entities: es})
}
