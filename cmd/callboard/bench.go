package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/callboard/callboard/adapters/slack/slackload"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
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
	against := fs.String("against", "", "measure these servers side by side, each in its own process: `LIST` of floor (reads, checks the signature, writes a fixed reply) and callboard (the real serve over the generated catalog), e.g. floor,callboard")
	ask := fs.String("ask", "mix", "with --against, what is asked: owns (who owns), team, or mix")
	binary := fs.String("binary", "", "with --against, the callboard `BINARY` whose serve is measured (default: this one), to compare builds")
	serveFl := fs.Bool("serve-floor", false, "serve the floor server on --addr (bench --against starts it)")
	addr := fs.String("addr", "127.0.0.1:0", "with --serve-floor, listen on `HOST:PORT`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *serveFl {
		return serveFloor(ctx, env, *addr)
	}
	if *handler != "router" && *handler != "echo" {
		fmt.Fprintln(env.Stderr, "bench: --handler is router or echo")
		return 2
	}
	if *n <= 0 || *conc <= 0 || *rate < 0 || *entities < 10 || *entities > 2_000_000 {
		fmt.Fprintln(env.Stderr, "bench: --n and --concurrency must be positive, --rate not negative, --entities between 10 and 2000000")
		return 2
	}
	if *against != "" {
		if *ask != "owns" && *ask != "team" && *ask != "mix" {
			fmt.Fprintln(env.Stderr, "bench: --ask is owns, team or mix")
			return 2
		}
		names := strings.Split(*against, ",")
		for _, n := range names {
			if n != "floor" && n != "callboard" {
				fmt.Fprintf(env.Stderr, "bench: --against %q: name floor and/or callboard, comma-separated\n", *against)
				return 2
			}
		}
		servers, err := benchAgainst(ctx, env, names, *entities, *n, *conc, *rate, *ask, *binary, *timeout)
		printAgainst(env, servers, *asJSON)
		if err != nil {
			fmt.Fprintln(env.Stderr, "bench:", err)
			return 1
		}
		for _, s := range servers {
			if s.Errors > 0 {
				return 1
			}
		}
		return 0
	}
	built := time.Now()
	snap := benchCatalog(*entities)
	store := catalog.NewStore(snap)
	router := chat.NewRouter(chat.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(router, bot.Options{Catalog: store}); err != nil {
		fmt.Fprintln(env.Stderr, "bench:", err)
		return 1
	}
	fmt.Fprintf(env.Stderr, "bench: catalog of %d entities built in %v\n", snap.Len(), time.Since(built).Round(time.Millisecond))
	commands := benchCommands(snap, 64)
	var h chat.Handler = router
	if *handler == "echo" {
		h = chat.HandlerFunc(func(ctx context.Context, req *chat.Request) (*chat.Response, error) {
			return &chat.Response{Status: chat.StatusOK, Ephemeral: true, Title: "echo", Text: req.Text}, nil
		})
	}
	res, err := slackload.Bench(ctx, slackload.BenchOptions{
		N: *n, Concurrency: *conc, Rate: *rate, Handler: h, Commands: commands, Timeout: *timeout,
	})
	if *asJSON {
		_ = json.NewEncoder(env.Stdout).Encode(benchJSONOf(res))
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

// benchCatalog generates a realistic catalog of n entities (groups in a
// hierarchy, systems, components depending on each other and on APIs) with
// the shared generator the catalog and bot benchmarks use.
func benchCatalog(n int) *catalog.Snapshot {
	return catalogtest.Snapshot(catalogtest.Options{N: n, Seed: 1})
}

// benchCommands picks k components spread over the catalog and asks of each
// what people ask in an incident: who owns it, what depends on it, its card.
func benchCommands(snap *catalog.Snapshot, k int) []string {
	var comps []string
	for _, e := range snap.Entities() {
		if e.Ref().Kind == catalog.KindComponent {
			comps = append(comps, e.Metadata.Name)
		}
	}
	if len(comps) == 0 {
		return []string{"help"}
	}
	out := make([]string, 0, k)
	for i := 0; i < k; i++ {
		c := comps[(i*7919)%len(comps)]
		switch i % 3 {
		case 0:
			out = append(out, "who owns "+c)
		case 1:
			out = append(out, "what depends on "+c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// benchJSON is bench --json: every quantity names its unit.
type benchJSON struct {
	Requests            int     `json:"requests"`
	Errors              int     `json:"errors"`
	DurationSeconds     float64 `json:"durationSeconds"`
	ThroughputPerSecond float64 `json:"throughputPerSecond"`
	P50Ms               float64 `json:"p50Ms"`
	P90Ms               float64 `json:"p90Ms"`
	P99Ms               float64 `json:"p99Ms"`
	MaxMs               float64 `json:"maxMs"`
	FirstError          string  `json:"firstError,omitempty"`
}

func benchJSONOf(r slackload.BenchResult) benchJSON {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return benchJSON{Requests: r.Requests, Errors: r.Errors, DurationSeconds: r.Duration.Seconds(), ThroughputPerSecond: r.Throughput,
		P50Ms: ms(r.P50), P90Ms: ms(r.P90), P99Ms: ms(r.P99), MaxMs: ms(r.Max), FirstError: r.FirstError}
}
