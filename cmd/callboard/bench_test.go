package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

func TestBenchReportsLatencyOverAGeneratedCatalog(t *testing.T) {
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Run(context.Background(), env, []string{"bench", "--n", "150", "--concurrency", "4", "--rate", "0", "--entities", "2000", "--json"})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var res struct {
		Requests int
		Errors   int
		P99      int64
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Requests != 150 || res.Errors != 0 || res.P99 <= 0 {
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
