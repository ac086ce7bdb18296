package chat

import (
	"context"
	"strings"
	"testing"
)

// hugeCommand is what a hostile client can fit in a 1 MiB request body.
var hugeCommand = "who owns " + strings.Repeat("payments-api “quoted” ", 900<<10/26)

func TestRouterRefusesTextOverTheLimitBeforeParsing(t *testing.T) {
	r := echoRouter(t)
	ran := 0
	r.Use(func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			ran++
			return next.Handle(ctx, req)
		})
	})
	resp, err := r.Handle(t.Context(), &Request{Text: hugeCommand})
	if err != nil || resp.Status != StatusUsage || !strings.Contains(resp.Text, "callboard reads commands of up to 8192 bytes") {
		t.Fatalf("Handle(%d bytes) = %v, %+v", len(hugeCommand), err, resp)
	}
	if ran != 0 {
		t.Errorf("the command ran through the middleware %d times", ran)
	}
	if len(resp.Text) > 200 {
		t.Errorf("the refusal is %d bytes: it must not echo the text", len(resp.Text))
	}
	edge := "who owns " + strings.Repeat("x", MaxTextBytes-len("who owns "))
	if resp, _ := r.Handle(t.Context(), &Request{Text: edge}); resp.Title != "owner" {
		t.Errorf("a command of exactly %d bytes was not run: %+v", MaxTextBytes, resp)
	}
}

// BenchmarkRouterHugeCommand is the cost of a ~900 KB command (before the
// limit the router parsed it: seconds and tens of MB per request).
func BenchmarkRouterHugeCommand(b *testing.B) {
	r := echoRouter(&testing.T{})
	b.ReportAllocs()
	b.SetBytes(int64(len(hugeCommand)))
	for b.Loop() {
		if resp, _ := r.Handle(context.Background(), &Request{Text: hugeCommand}); resp.Status != StatusUsage {
			b.Fatal(resp.Status)
		}
	}
}
