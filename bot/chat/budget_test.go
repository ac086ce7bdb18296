package chat

import (
	"context"
	"testing"
	"time"
)

// Calls on one request's path share its budget: what one spends the next
// lacks, and once it is spent a call's context is done before it starts.
func TestStateBudgetIsSharedAndRunsOut(t *testing.T) {
	ctx := WithStateBudget(context.Background(), 100*time.Millisecond)
	if again := WithStateBudget(ctx, time.Hour); stateLeft(again) != 100*time.Millisecond {
		t.Fatalf("a second budget replaced the first: %v left", stateLeft(again))
	}
	wait := func() time.Duration {
		sctx, done := StateContext(ctx)
		defer done()
		start := time.Now()
		<-sctx.Done() // a Redis that never answers
		return time.Since(start)
	}
	if took := wait(); took < 90*time.Millisecond || took > time.Second {
		t.Fatalf("first call waited %v, want the whole 100 ms budget", took)
	}
	if took := wait(); took > 10*time.Millisecond {
		t.Fatalf("second call waited %v with the budget spent", took)
	}
	if left := stateLeft(ctx); left > 0 {
		t.Fatalf("%v left after spending the budget", left)
	}
	// Carried to another context, the budget is the same one.
	carried := CarryStateBudget(context.Background(), ctx)
	if stateLeft(carried) > 0 {
		t.Fatal("the carried budget is a fresh one")
	}
	// Without a budget, each call gets the default alone.
	sctx, done := StateContext(context.Background())
	defer done()
	if dl, ok := sctx.Deadline(); !ok || time.Until(dl) > DefaultStateBudget {
		t.Fatalf("no-budget call deadline %v, %v", dl, ok)
	}
}
