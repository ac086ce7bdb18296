package docs

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// hogEnv, set in a copy of the test binary, makes it keep one CPU busy
// instead of testing: the other processes of BenchmarkSearch5000PagesBusy.
const hogEnv = "CALLBOARD_DOCS_BENCH_HOG"

func TestMain(m *testing.M) {
	if parent := os.Getenv(hogEnv); parent != "" {
		hog(parent)
		return
	}
	os.Exit(m.Run())
}

// hog spins until its parent (the benchmark, pid given) is gone or ten
// minutes have passed, whichever is first: it is killed when the benchmark
// ends, and must not outlive one that was interrupted.
func hog(parent string) {
	end := time.Now().Add(10 * time.Minute)
	for time.Now().Before(end) && strconv.Itoa(os.Getppid()) == parent {
		x := hogSink
		for i := range 20_000_000 { // some tens of milliseconds
			x = x*31 + i
		}
		hogSink = x
	}
}

// hogSink keeps the compiler from dropping the hog's arithmetic.
var hogSink int

// BenchmarkSearch5000PagesBusy is BenchmarkSearch5000Pages while two other
// processes keep both CPUs busy (issue 25's goal: p99 under 2 ms so). On a
// machine with two cores the wall-clock p99 is then mostly the scheduler's:
// a query that loses its core waits for a time slice; what the search can
// do is take less CPU, so fewer queries are caught mid-way.
func BenchmarkSearch5000PagesBusy(b *testing.B) {
	site, queries, _ := synthSite(5000, 1)
	ix, _ := Build(context.Background(), []Site{site}, BuildOptions{})
	startHogs(b, 2)
	latencies(b, queries, func(q string) { ix.Search(q, SearchOptions{Limit: 10}) })
}

// startHogs starts n copies of the test binary that each keep a CPU busy
// until the benchmark ends.
func startHogs(b *testing.B, n int) {
	for range n {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), hogEnv+"="+strconv.Itoa(os.Getpid()))
		if err := cmd.Start(); err != nil {
			b.Fatalf("starting a CPU hog (%s): %v", os.Args[0], err)
		}
		b.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	time.Sleep(100 * time.Millisecond) // let them get going
}
