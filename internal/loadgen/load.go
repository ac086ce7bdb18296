package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure Run.
type Options struct {
	// URL is the slash commands endpoint.
	URL string
	// Secret is the signing secret the server checks.
	Secret string
	// N is the number of slash commands to send (at least 1, at most 10,000,000).
	N int
	// Concurrency is the number of requests in flight at most (default 10).
	Concurrency int
	// Rate is the target requests per second; 0 sends as fast as possible.
	Rate float64
	// Commands are the command lines sent in turn (default "who owns payments-api").
	Commands []string
	// Command is the slash command ("/callboard" by default).
	Command string
	// First numbers the first request (its trigger_id and response_url):
	// runs against one server start past the last one's, or the server
	// refuses the same signed body twice as a replay.
	First int
	// Timeout bounds the whole run (default 5 minutes).
	Timeout time.Duration
	// Check, when set, is given every CheckEvery-th reply (the first
	// included) with the command line asked, and says what is wrong with
	// it: a reply it refuses counts as an error, so a run measures the
	// answers asked for, not (say) a rate limit's "slow down" or an error
	// message. Checking a sample keeps the generator's own work (decoding
	// the reply) from slowing the server it shares the machine with.
	Check func(asked string, reply []byte) error
	// CheckEvery spaces the replies checked (default 16).
	CheckEvery int
}

// Result is what Run measured. Latency is from sending a request to having
// read the whole reply.
type Result struct {
	Requests   int
	Errors     int
	Duration   time.Duration
	Throughput float64 // answered requests per second
	P50, P90   time.Duration
	P99, Max   time.Duration
	// FirstError is the first failure seen, if any.
	FirstError string
}

// Run sends opts.N signed slash commands to opts.URL, opts.Concurrency at a
// time, and measures the latency of each.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.URL == "" {
		return Result{}, errors.New("loadgen: no URL")
	}
	if opts.N <= 0 || opts.N > 10_000_000 {
		return Result{}, fmt.Errorf("loadgen: %d requests: send between 1 and 10,000,000", opts.N)
	}
	if opts.Rate < 0 {
		return Result{}, errors.New("loadgen: the rate cannot be negative")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 10
	}
	if len(opts.Commands) == 0 {
		opts.Commands = []string{"who owns payments-api"}
	}
	if opts.Command == "" {
		opts.Command = "/callboard"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	client := &http.Client{
		Timeout: time.Minute,
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
	for range opts.Concurrency {
		wg.Go(func() {
			for i := range jobs {
				lat[i], errs[i] = one(ctx, client, opts, i)
			}
		})
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

	res := Result{Requests: sent, Duration: elapsed}
	ok := make([]time.Duration, 0, sent)
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
		return res, fmt.Errorf("loadgen: stopped after %d of %d requests: %w", sent, opts.N, ctx.Err())
	}
	return res, nil
}

// Body is the i-th slash command's form body, shaped as Slack sends it: a
// fresh trigger_id per request, 50 users in turn.
func Body(command, text string, i int) string {
	n := strconv.Itoa(i)
	return url.Values{
		"token": {"bench"}, "team_id": {"T0BENCH"}, "team_domain": {"bench"},
		"channel_id": {"C0BENCH"}, "channel_name": {"bench"},
		"user_id": {"U0BENCH" + strconv.Itoa(i%50)}, "user_name": {"bench"},
		"command": {command}, "text": {text},
		"response_url": {"http://127.0.0.1:1/response/" + n},
		"trigger_id":   {"bench." + n}, "api_app_id": {"A0BENCH"},
	}.Encode()
}

func one(ctx context.Context, c *http.Client, opts Options, i int) (time.Duration, error) {
	asked := opts.Commands[i%len(opts.Commands)]
	body := Body(opts.Command, asked, opts.First+i)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, opts.URL, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(opts.Secret, ts, []byte(body)))
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	// Every reply is read whole into memory, checked or not: servers
	// measured side by side cost the generator the same.
	reply, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("request %d: status %d", i, resp.StatusCode)
	}
	if every := max(opts.CheckEvery, 0); opts.Check != nil && i%cmp.Or(every, 16) == 0 {
		if err := opts.Check(asked, reply); err != nil {
			return d, fmt.Errorf("request %d (%q): %w", i, asked, err)
		}
	}
	return d, nil
}
