package slackload

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// recorder answers every request and keeps it.
type recorder struct {
	mu   sync.Mutex
	reqs []*chat.Request
}

func (r *recorder) Handle(_ context.Context, req *chat.Request) (*chat.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return &chat.Response{Status: chat.StatusOK, Ephemeral: true, Title: "ok"}, nil
}

func (r *recorder) requests() []*chat.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*chat.Request(nil), r.reqs...)
}

func TestBenchSendsEverySignedCommandAndMeasures(t *testing.T) {
	h := &recorder{}
	res, err := Bench(context.Background(), BenchOptions{N: 200, Concurrency: 4, Rate: 2000, Handler: h, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors != 0 {
		t.Fatalf("%+v", res)
	}
	if len(h.requests()) != 200 {
		t.Fatalf("handler saw %d of 200", len(h.requests()))
	}
	if !(res.P50 > 0 && res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max) || res.Throughput <= 0 {
		t.Fatalf("percentiles out of order: %v", res)
	}
}

func TestBenchRefusesBadOptions(t *testing.T) {
	for _, o := range []BenchOptions{{}, {Handler: &recorder{}, Rate: -1}, {Handler: &recorder{}, N: 2_000_000}} {
		if _, err := Bench(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
