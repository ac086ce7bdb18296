package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
)

func TestBenchReportsLatencyOverAGeneratedCatalog(t *testing.T) {
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Run(context.Background(), env, []string{"bench", "--n", "150", "--concurrency", "4", "--rate", "0", "--entities", "2000", "--json"})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	// Every quantity names its unit (issue 24): no bare nanosecond counts.
	var res struct {
		Requests            int     `json:"requests"`
		Errors              int     `json:"errors"`
		DurationSeconds     float64 `json:"durationSeconds"`
		ThroughputPerSecond float64 `json:"throughputPerSecond"`
		P50Ms               float64 `json:"p50Ms"`
		P99Ms               float64 `json:"p99Ms"`
		MaxMs               float64 `json:"maxMs"`
	}
	var keys map[string]any
	if err := json.Unmarshal(out.Bytes(), &keys); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for k := range keys {
		switch k {
		case "requests", "errors", "durationSeconds", "throughputPerSecond", "p50Ms", "p90Ms", "p99Ms", "maxMs", "firstError":
		default:
			t.Errorf("bench --json field %q names no unit: %s", k, out.String())
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Requests != 150 || res.Errors != 0 || res.P99Ms <= 0 || res.P99Ms > 60_000 || res.P50Ms > res.P99Ms || res.MaxMs < res.P99Ms ||
		res.DurationSeconds <= 0 || res.ThroughputPerSecond <= 0 {
		t.Fatalf("%+v", res)
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"bench", "--n", "0"}, {"bench", "--rate", "-1"}, {"bench", "--entities", "3"}, {"bench", "--bogus"}, {"bench", "--handler", "x"}} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), &Env{Stdout: &out, Stderr: &errb}, args); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestBenchAgainstMeasuresTheFloorAndCallboardSideBySide(t *testing.T) {
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	// Enough requests that even the floor uses several of /proc's 10 ms
	// CPU ticks (300 took ~12 ms, sometimes counted as none).
	code := Run(context.Background(), env, []string{"bench", "--against", "floor,callboard", "--ask", "owns", "--n", "3000", "--concurrency", "4",
		"--rate", "0", "--entities", "300", "--json", "--timeout", "2m"})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var res struct {
		Servers []map[string]any `json:"servers"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res.Servers) != 2 || res.Servers[0]["server"] != "floor" || res.Servers[1]["server"] != "callboard" {
		t.Fatalf("servers: %s", out.String())
	}
	for _, s := range res.Servers {
		if s["requests"] != 3000.0 || s["errors"] != 0.0 || s["p99Ms"].(float64) <= 0 || s["throughputPerSecond"].(float64) <= 0 {
			t.Errorf("%v", s)
		}
		if _, err := os.Stat("/proc/self/stat"); err == nil {
			if s["cpuPerRequestMicroseconds"].(float64) <= 0 || s["rssIdleMegabytes"].(float64) <= 1 || s["rssPeakMegabytes"].(float64) <= 1 || s["rssAfterLoadMegabytes"].(float64) <= 1 {
				t.Errorf("no process figures: %v", s)
			}
		}
		for k := range s {
			switch k {
			case "server", "requests", "errors", "durationSeconds", "throughputPerSecond", "p50Ms", "p90Ms", "p99Ms", "maxMs",
				"cpuPerRequestMicroseconds", "rssIdleMegabytes", "rssPeakMegabytes", "rssAfterLoadMegabytes", "firstError", "processError":
			default:
				t.Errorf("bench --against --json field %q names no unit", k)
			}
		}
	}
}

func TestBenchAgainstRefusesUnknownServers(t *testing.T) {
	for _, args := range [][]string{{"bench", "--against", "floor,backstage"}, {"bench", "--against", "floor", "--ask", "x"}} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), &Env{Stdout: &out, Stderr: &errb}, args); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// bench --against counts a reply that is not the answer asked for as an
// error: a run once measured the rate limit's "Slow down" for every request.
func TestBenchAnswerCheckRefusesWhatWasNotAsked(t *testing.T) {
	ok := `{"response_type":"ephemeral","text":"svc-00042 is owned by Team Alpha","blocks":[]}`
	if err := checkBenchAnswer("who owns svc-00042", []byte(ok)); err != nil {
		t.Fatalf("the answer asked for refused: %v", err)
	}
	for _, bad := range []string{
		`{"response_type":"ephemeral","text":"Slow down a little: svc-00042","blocks":[]}`,
		`{"text":"Something went wrong"}`,
		`{"text":"payments-api is owned by Team Payments"}`,
		`not json`,
	} {
		if err := checkBenchAnswer("who owns svc-00042", []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
