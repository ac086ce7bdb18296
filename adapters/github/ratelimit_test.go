package github

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/scaffold"
)

// A rate limit that resets later than the client waits (an hour, where the
// client waits at most two minutes) reaches the job as a *scaffold.WaitError
// until the reset, so the job parks instead of failing with "429 rate []".
func TestRateLimitBeyondTheClientsWaitIsAWaitUntilTheReset(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault githubtest.Fault
	}{
		{"429 Retry-After 3600", githubtest.TooManyRequests(time.Hour)},
		{"403 secondary Retry-After 3600", githubtest.SecondaryRateLimit(time.Hour)},
		{"403 primary, X-RateLimit-Reset in an hour", githubtest.PrimaryRateLimit(time.Hour)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.New(t)
			srv.AddOrg("acme")
			srv.Fail("POST", "/orgs/{org}/repos", 1, tt.fault)
			c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: srv.URL}) // the default retry bounds
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = NewPublisher(c).EnsureRepository(context.Background(), scaffold.RepoSpec{Owner: "acme", Name: "ledger-export"}, scaffold.Marker("j1"))
			var w *scaffold.WaitError
			if !errors.As(err, &w) {
				t.Fatalf("error %v (%T), want a *scaffold.WaitError", err, err)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v: an hour's reset must not be waited for in the call", time.Since(start))
			}
			if d := time.Until(w.Until); d < 59*time.Minute || d > 61*time.Minute {
				t.Errorf("waits until %v (in %v), want about an hour", w.Until, d)
			}
		})
	}
}
