package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRunSendsSignedCommandsTheFloorAccepts(t *testing.T) {
	srv := httptest.NewServer(Floor("s3cret", FloorReply))
	defer srv.Close()
	res, err := Run(context.Background(), Options{URL: srv.URL, Secret: "s3cret", N: 300, Concurrency: 4, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 300 || res.Errors != 0 {
		t.Fatalf("%+v", res)
	}
	if !(res.P50 > 0 && res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max) || res.Throughput <= 0 {
		t.Fatalf("percentiles out of order: %+v", res)
	}
}

func TestFloorRefusesAWrongSignatureOrAStaleTimestamp(t *testing.T) {
	srv := httptest.NewServer(Floor("s3cret", FloorReply))
	defer srv.Close()
	res, _ := Run(context.Background(), Options{URL: srv.URL, Secret: "other", N: 5, Timeout: time.Minute})
	if res.Errors != 5 || !strings.Contains(res.FirstError, "401") {
		t.Fatalf("a wrong secret: %+v", res)
	}
	body := Body("/callboard", "help", 1)
	ts := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign("s3cret", ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a 10-minute-old timestamp: status %d", resp.StatusCode)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{{}, {URL: "http://x", N: 0}, {URL: "http://x", N: 1, Rate: -1}} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestProcessFiguresOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	end := time.Now().Add(300 * time.Millisecond)
	for x := 0; time.Now().Before(end); x++ {
		_ = strconv.Itoa(x)
	}
	cpu, err := ProcessCPU(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Fatalf("cpu %v, %v", cpu, err)
	}
	rss, err := ProcessRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Fatalf("rss %d, %v", rss, err)
	}
}

func BenchmarkFloor(b *testing.B) {
	h := Floor("s3cret", FloorReply)
	body := Body("/callboard", "who owns payments-api", 1)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := Sign("s3cret", ts, []byte(body))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
