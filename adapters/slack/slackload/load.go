// Package slackload is a load generator for the Slack adapter: it serves
// an adapter on loopback and sends it signed slash commands as Slack does,
// measuring latency (`callboard bench`). It is kept out of the adapter, so
// nothing in production carries it but that sub-command.
//
// It depends on adapters/slack, bot/chat and internal/loadgen (the signed
// load itself, shared with bench --against).
package slackload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/internal/loadgen"
)

// BenchOptions configure Bench.
type BenchOptions struct {
	// N is the number of slash commands to send (default 1000, at most 1,000,000).
	N int
	// Concurrency is the number of requests in flight at most (default 16).
	Concurrency int
	// Rate is the target requests per second; 0 sends as fast as possible.
	Rate float64
	// Handler answers the commands (the real Router, or a lookup).
	Handler chat.Handler
	// Commands are the command lines sent in turn (default "who owns payments-api").
	Commands []string
	// Timeout bounds the whole run (default 5 minutes).
	Timeout time.Duration
}

// BenchResult is what Bench measured. Latency is from sending a request to
// reading the whole acknowledgement.
type BenchResult struct {
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"`
	Duration   time.Duration `json:"duration"`
	Throughput float64       `json:"throughput"` // acknowledged requests per second
	P50        time.Duration `json:"p50"`
	P90        time.Duration `json:"p90"`
	P99        time.Duration `json:"p99"`
	Max        time.Duration `json:"max"`
	// FirstError is the first failure seen, if any.
	FirstError string `json:"firstError,omitempty"`
}

func (r BenchResult) String() string {
	return fmt.Sprintf("%d requests (%d errors) in %v: %.0f req/s; ack latency p50 %v p90 %v p99 %v max %v",
		r.Requests, r.Errors, r.Duration.Round(time.Millisecond), r.Throughput,
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// Bench serves the Slack commands endpoint on loopback with opts.Handler and
// sends it N signed slash commands, Concurrency at a time at Rate, measuring
// the acknowledgement latency.
func Bench(ctx context.Context, opts BenchOptions) (BenchResult, error) {
	if opts.Handler == nil {
		return BenchResult{}, errors.New("bench: no handler")
	}
	if opts.N <= 0 {
		opts.N = 1000
	}
	if opts.N > 1_000_000 {
		return BenchResult{}, errors.New("bench: at most 1,000,000 requests")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.Rate < 0 {
		return BenchResult{}, errors.New("bench: the rate cannot be negative")
	}
	if len(opts.Commands) == 0 {
		opts.Commands = []string{"who owns payments-api"}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	var sb [16]byte
	_, _ = rand.Read(sb[:])
	secret := hex.EncodeToString(sb[:])
	a, err := slack.New(slack.Config{SigningSecret: secret}, opts.Handler)
	if err != nil {
		return BenchResult{}, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return BenchResult{}, fmt.Errorf("bench: listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String() + slack.PathCommands

	// The load itself is the one generator bench --against uses too.
	r, err := loadgen.Run(ctx, loadgen.Options{URL: endpoint, Secret: secret, N: opts.N, Concurrency: opts.Concurrency,
		Rate: opts.Rate, Commands: opts.Commands, Timeout: opts.Timeout})
	res := BenchResult{Requests: r.Requests, Errors: r.Errors, Duration: r.Duration, Throughput: r.Throughput,
		P50: r.P50, P90: r.P90, P99: r.P99, Max: r.Max, FirstError: r.FirstError}
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	return res, nil
}
