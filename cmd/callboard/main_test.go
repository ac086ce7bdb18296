package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain lets `bench --against` start this test binary as the server it
// measures, as it starts the callboard binary in use.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, os.Args[1:])
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
