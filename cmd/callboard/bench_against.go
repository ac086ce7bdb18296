package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
	"github.com/callboard/callboard/internal/loadgen"
)

// benchChildEnv marks a process bench started as a server to measure: the
// test binary's TestMain runs the sub-command it names instead of the tests.
const benchChildEnv = "CALLBOARD_BENCH_CHILD"

// benchServer is one server measured by bench --against.
type benchServer struct {
	Name string
	loadgen.Result
	CPU      time.Duration // server CPU (user+system) over the measured load
	RSSIdle  int64         // bytes, ready, settled, before the load
	RSSPeak  int64         // bytes, the most sampled during the measured load
	RSSAfter int64         // bytes, right after the load
	ProcErr  string        // why CPU or RSS could not be read
}

// benchAgainst runs the same signed load against each named server, one
// after the other, each in its own process so that its CPU and memory are
// its own: "floor" (reads the body, checks the signature, writes a fixed
// reply) and "callboard" (the real `serve` over the generated catalog).
func benchAgainst(ctx context.Context, env *Env, names []string, entities, n, conc int, rate float64, ask, binary string, timeout time.Duration) ([]benchServer, error) {
	snap := benchCatalog(entities)
	commands := benchAsk(snap, ask, 64)
	dir, err := os.MkdirTemp("", "callboard-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var catDir string
	var out []benchServer
	for _, name := range names {
		var args []string
		switch name {
		case "floor":
			args = []string{"bench", "--serve-floor"}
		case "callboard":
			if catDir == "" {
				catDir = filepath.Join(dir, "catalog")
				start := time.Now()
				if _, err := catalogtest.WriteDir(catDir, catalogtest.Options{N: entities, Seed: 1, PerFile: 1}); err != nil {
					return out, fmt.Errorf("write the generated catalog: %w", err)
				}
				fmt.Fprintf(env.Stderr, "bench: catalog of %d entities written to disk in %v\n", entities, time.Since(start).Round(time.Millisecond))
			}
			// The load's 50 users ask thousands of times a second: under the
			// default per-user limit (1 a second, burst 10) nearly every
			// answer would be "Slow down", not the one asked for.
			cfgFile := filepath.Join(dir, "callboard.yaml")
			if err := os.WriteFile(cfgFile, []byte(benchServeConfig), 0o600); err != nil {
				return out, err
			}
			args = []string{"serve", "--config", cfgFile, "--catalog", catDir}
		default:
			return out, fmt.Errorf("--against: unknown server %q (floor or callboard)", name)
		}
		fmt.Fprintf(env.Stderr, "bench: %s: starting\n", name)
		exe := binary
		if name == "floor" || exe == "" {
			if exe, err = os.Executable(); err != nil {
				return out, err
			}
		}
		s, err := benchOneServer(ctx, name, exe, args, n, conc, rate, commands, timeout)
		out = append(out, s)
		if err != nil {
			return out, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}

// benchServeConfig is the configuration of the serve measured: the
// defaults, with a per-user rate limit the load never reaches (the limiter
// still runs on every request).
const benchServeConfig = "limits:\n  per_user_rate: 1000000000\n  burst: 1000000000\n"

// checkBenchAnswer refuses a reply of serve that is not the answer asked
// for: a rate limit's or an error's message, or an answer that does not
// name what was asked about (the last word of the question). A run that
// measured such replies measured the wrong thing (one did: the default
// per-user limit answered nearly every request with "Slow down").
func checkBenchAnswer(asked string, reply []byte) error {
	var m struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(reply, &m); err != nil {
		return fmt.Errorf("reply is not a Slack message: %v", err)
	}
	for _, bad := range []string{"Slow down", "went wrong", "Nothing in the catalog is called", "No answer came back", "still loading"} {
		if strings.Contains(m.Text, bad) {
			return fmt.Errorf("not the answer asked for: %q", m.Text)
		}
	}
	fields := strings.Fields(asked)
	if len(fields) > 0 && !bytes.Contains(bytes.ToLower(reply), []byte(strings.ToLower(fields[len(fields)-1]))) {
		return fmt.Errorf("the answer does not name %q: %q", fields[len(fields)-1], m.Text)
	}
	return nil
}

// benchAsk picks k questions of one kind: "owns" (who owns a component),
// "team" (a group's card and what it owns) or "mix" (bench's default mix).
func benchAsk(snap *catalog.Snapshot, ask string, k int) []string {
	var words []string
	switch ask {
	case "owns":
		for _, e := range snap.Entities() {
			if e.Ref().Kind == catalog.KindComponent {
				words = append(words, "who owns "+e.Metadata.Name)
			}
		}
	case "team":
		for _, e := range snap.Entities() {
			if e.Ref().Kind == catalog.KindGroup {
				words = append(words, "team "+e.Metadata.Name)
			}
		}
	default:
		return benchCommands(snap, k)
	}
	if len(words) == 0 {
		return []string{"help"}
	}
	out := make([]string, 0, k)
	for i := range k {
		out = append(out, words[(i*7919)%len(words)])
	}
	return out
}

func benchOneServer(ctx context.Context, name, exe string, args []string, n, conc int, rate float64, commands []string, timeout time.Duration) (benchServer, error) {
	res := benchServer{Name: name}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return res, err
	}
	var sb [16]byte
	_, _ = rand.Read(sb[:])
	secret := hex.EncodeToString(sb[:])
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.Command(exe, append(args, "--addr", addr)...)
	// A clean environment: no configuration of this shell reaches the
	// server measured, but the Go runtime's settings do.
	cmd.Env = []string{benchChildEnv + "=1", "SLACK_SIGNING_SECRET=" + secret, "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	for _, k := range []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	tail := &tailWriter{max: 4096}
	cmd.Stdout, cmd.Stderr = io.Discard, tail
	if err := cmd.Start(); err != nil {
		return res, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	base := "http://" + addr
	if err := benchWaitReady(ctx, base+"/readyz", exited); err != nil {
		return res, fmt.Errorf("%w; its last output: %s", err, tail.String())
	}
	pid := cmd.Process.Pid
	res.RSSIdle, err = settledRSS(ctx, pid)
	if err != nil {
		res.ProcErr = err.Error()
	}
	opts := loadgen.Options{URL: base + "/slack/commands", Secret: secret, Concurrency: conc, Rate: rate, Commands: commands, Timeout: timeout}
	if name == "callboard" {
		opts.Check = checkBenchAnswer
	}
	// A short warm-up: connections, lazily built indexes, the first GC cycles.
	opts.N = max(1, min(n/10, 2000))
	if _, err := loadgen.Run(ctx, opts); err != nil {
		return res, err
	}
	cpu0, err := loadgen.ProcessCPU(pid)
	if err != nil {
		res.ProcErr = err.Error()
	}
	opts.First, opts.N = opts.N, n
	stopPeak := samplePeakRSS(pid, &res.RSSPeak)
	res.Result, err = loadgen.Run(ctx, opts)
	stopPeak()
	cpu1, _ := loadgen.ProcessCPU(pid)
	res.CPU = cpu1 - cpu0
	if rss, rerr := loadgen.ProcessRSS(pid); rerr == nil {
		res.RSSAfter = rss
	}
	return res, err
}

// settledRSS is pid's RSS once start-up work (the catalog load, the
// collections after it, background loads) has settled: after at least a
// second, two readings half a second apart within 1% of each other (at
// most 10 s).
func settledRSS(ctx context.Context, pid int) (int64, error) {
	time.Sleep(time.Second)
	prev, err := loadgen.ProcessRSS(pid)
	for deadline := time.Now().Add(9 * time.Second); err == nil && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(500 * time.Millisecond)
		var rss int64
		if rss, err = loadgen.ProcessRSS(pid); err != nil {
			break
		}
		d := rss - prev
		prev = rss
		if d < 0 {
			d = -d
		}
		if d*100 <= rss {
			break
		}
	}
	return prev, err
}

// samplePeakRSS keeps in *peak the largest RSS of pid sampled every 50 ms
// until the returned stop is called.
func samplePeakRSS(pid int, peak *int64) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, err := loadgen.ProcessRSS(pid); err == nil && rss > *peak {
				*peak = rss
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func benchWaitReady(ctx context.Context, url string, exited <-chan error) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited before it was ready (%v)", err)
		case <-ctx.Done():
			return fmt.Errorf("the server was not ready: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

// serveFloor is bench --serve-floor: the floor server on addr, with the
// signing secret from SLACK_SIGNING_SECRET, until ctx is done.
func serveFloor(ctx context.Context, env *Env, addr string) int {
	secret := env.Getenv("SLACK_SIGNING_SECRET")
	if secret == "" {
		fmt.Fprintln(env.Stderr, "bench --serve-floor: set SLACK_SIGNING_SECRET")
		return 2
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(env.Stderr, "bench --serve-floor:", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", loadgen.Floor(secret, loadgen.FloorReply))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(env.Stderr, "bench --serve-floor:", err)
		return 1
	}
	return 0
}

// benchServerJSON is one server of bench --against --json: units named.
type benchServerJSON struct {
	Server                    string  `json:"server"`
	Requests                  int     `json:"requests"`
	Errors                    int     `json:"errors"`
	DurationSeconds           float64 `json:"durationSeconds"`
	ThroughputPerSecond       float64 `json:"throughputPerSecond"`
	P50Ms                     float64 `json:"p50Ms"`
	P90Ms                     float64 `json:"p90Ms"`
	P99Ms                     float64 `json:"p99Ms"`
	MaxMs                     float64 `json:"maxMs"`
	CPUPerRequestMicroseconds float64 `json:"cpuPerRequestMicroseconds"`
	RSSIdleMegabytes          float64 `json:"rssIdleMegabytes"`
	RSSPeakMegabytes          float64 `json:"rssPeakMegabytes"`
	RSSAfterLoadMegabytes     float64 `json:"rssAfterLoadMegabytes"`
	FirstError                string  `json:"firstError,omitempty"`
	ProcessError              string  `json:"processError,omitempty"`
}

func benchServerJSONOf(s benchServer) benchServerJSON {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	mb := func(b int64) float64 { return float64(b) / 1e6 }
	j := benchServerJSON{Server: s.Name, Requests: s.Requests, Errors: s.Errors, DurationSeconds: s.Duration.Seconds(),
		ThroughputPerSecond: s.Throughput, P50Ms: ms(s.P50), P90Ms: ms(s.P90), P99Ms: ms(s.P99), MaxMs: ms(s.Max),
		RSSIdleMegabytes: mb(s.RSSIdle), RSSPeakMegabytes: mb(s.RSSPeak), RSSAfterLoadMegabytes: mb(s.RSSAfter), FirstError: s.FirstError, ProcessError: s.ProcErr}
	if s.Requests > 0 {
		j.CPUPerRequestMicroseconds = float64(s.CPU.Microseconds()) / float64(s.Requests)
	}
	return j
}

func printAgainst(env *Env, servers []benchServer, asJSON bool) {
	rows := make([]benchServerJSON, len(servers))
	for i, s := range servers {
		rows[i] = benchServerJSONOf(s)
	}
	if asJSON {
		_ = json.NewEncoder(env.Stdout).Encode(struct {
			Servers []benchServerJSON `json:"servers"`
		}{rows})
		return
	}
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%-10s %9s %7s %12s %10s %10s %12s %10s %10s %10s\n", "server", "requests", "errors", "req/s", "p50 ms", "p99 ms", "cpu µs/req", "rss idle", "rss peak", "rss after")
	for _, r := range rows {
		fmt.Fprintf(w, "%-10s %9d %7d %12.0f %10.3f %10.3f %12.1f %8.1fMB %8.1fMB %8.1fMB\n", r.Server, r.Requests, r.Errors, r.ThroughputPerSecond,
			r.P50Ms, r.P99Ms, r.CPUPerRequestMicroseconds, r.RSSIdleMegabytes, r.RSSPeakMegabytes, r.RSSAfterLoadMegabytes)
	}
	if len(rows) == 2 && rows[0].CPUPerRequestMicroseconds > 0 && rows[0].P99Ms > 0 && rows[0].ThroughputPerSecond > 0 {
		a, b := rows[1], rows[0]
		fmt.Fprintf(w, "%s / %s: cpu per request %.2f×, p99 %.2f×, throughput %.2f×\n", a.Server, b.Server,
			a.CPUPerRequestMicroseconds/b.CPUPerRequestMicroseconds, a.P99Ms/b.P99Ms, a.ThroughputPerSecond/b.ThroughputPerSecond)
	}
	for _, r := range rows {
		if r.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", r.Server, r.FirstError)
		}
		if r.ProcessError != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Server, r.ProcessError)
		}
	}
}
