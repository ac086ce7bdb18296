package redistest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// recorder is a testing.TB whose Skip and Fatal are recorded.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Skip(args ...any)  { r.skipped = strings.TrimSpace(sprint(args)); runtime.Goexit() }
func (r *recorder) Fatal(args ...any) { r.failed = strings.TrimSpace(sprint(args)); runtime.Goexit() }
func (r *recorder) Helper()           {}

func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

func TestMissingRedisServer(t *testing.T) {
	tests := []struct {
		name       string
		ci         string
		wantSkip   bool
		wantFailed bool
	}{
		{"SkipsOutsideCI", "", true, false},
		{"FailsInCI", "true", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CALLBOARD_TEST_REDIS_URL", "")
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() { defer close(done); Start(r, Config{}) }()
			<-done
			if tt.wantSkip && r.skipped != Missing || tt.wantFailed && r.failed != Missing {
				t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
			}
		})
	}
}

func TestRestartKeepsAppendOnlyData(t *testing.T) {
	s := Start(t, Config{AppendOnly: true})
	if s.External() {
		t.Skip("external Redis")
	}
	if strings.HasSuffix(s.Addr, ":6379") {
		t.Fatalf("private server on the shared port: %s", s.Addr)
	}
	ctx := context.Background()
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("after restart k = %q, %v", v, err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	StopSharedCluster()
	os.Exit(code)
}

// The shared Cluster has three masters covering every slot, reachable
// through any one of them.
func TestSharedClusterCoversEverySlot(t *testing.T) {
	start := time.Now()
	c := SharedCluster(t)
	t.Logf("cluster up in %v", time.Since(start))
	cl := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs[:1]})
	defer cl.Close()
	ctx := context.Background()
	masters := map[string]bool{}
	for i := range 30 {
		key := fmt.Sprint("k", i)
		if err := cl.Set(ctx, key, i, 0).Err(); err != nil {
			t.Fatal(err)
		}
		masters[c.Addrs[c.MasterOf(t, key)]] = true
	}
	if len(masters) != 3 {
		t.Fatalf("30 keys landed on %d masters, want 3", len(masters))
	}
}
