// Package slackload is a load generator for the Slack adapter: it serves
// an adapter on loopback and sends it signed slash commands as Slack does,
// measuring latency (`callboard bench`). It is kept out of the adapter, so
// nothing in production carries it but that sub-command.
//
// It depends on adapters/slack and bot/chat.
package slackload

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/adapters/slack"
	"github.com/callboard/callboard/bot/chat"
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

	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        opts.Concurrency,
			MaxIdleConnsPerHost: opts.Concurrency,
			IdleConnTimeout:     time.Minute,
		},
	}
	defer client.CloseIdleConnections()

	jobs := make(chan int)
	lat := make([]time.Duration, opts.N)
	errs := make([]error, opts.N)
	var wg sync.WaitGroup
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				lat[i], errs[i] = benchOne(ctx, client, endpoint, secret, i, opts.Commands[i%len(opts.Commands)])
			}
		}()
	}
	start := time.Now()
	sent := 0
feed:
	for i := 0; i < opts.N; i++ {
		if opts.Rate > 0 {
			due := start.Add(time.Duration(float64(i) / opts.Rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					break feed
				case <-t.C:
				}
			}
		}
		select {
		case jobs <- i:
			sent++
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)

	res := BenchResult{Requests: sent, Duration: elapsed}
	var ok []time.Duration
	for i := 0; i < sent; i++ {
		if errs[i] != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = errs[i].Error()
			}
			continue
		}
		ok = append(ok, lat[i])
	}
	slices.Sort(ok)
	if n := len(ok); n > 0 {
		pct := func(p float64) time.Duration { return ok[min(n-1, int(float64(n)*p))] }
		res.P50, res.P90, res.P99, res.Max = pct(0.50), pct(0.90), pct(0.99), ok[n-1]
		res.Throughput = float64(n) / elapsed.Seconds()
	}
	if sent < opts.N {
		return res, fmt.Errorf("bench: stopped after %d of %d requests: %w", sent, opts.N, ctx.Err())
	}
	return res, nil
}

// benchOne sends one signed slash command, shaped as Slack sends it.
func benchOne(ctx context.Context, c *http.Client, endpoint, secret string, i int, text string) (time.Duration, error) {
	n := strconv.Itoa(i)
	body := url.Values{
		"token": {"bench"}, "team_id": {"T0BENCH"}, "team_domain": {"bench"},
		"channel_id": {"C0BENCH"}, "channel_name": {"bench"},
		"user_id": {"U0BENCH" + strconv.Itoa(i%50)}, "user_name": {"bench"},
		"command": {"/callboard"}, "text": {text},
		"response_url": {"http://127.0.0.1:1/response/" + n},
		"trigger_id":   {"bench." + n}, "api_app_id": {"A0BENCH"},
	}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+ts+":"+body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("request %d: status %d", i, resp.StatusCode)
	}
	return d, nil
}
