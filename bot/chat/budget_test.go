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

// A call to an in-process store gets the request's context as it is (no
// timer), until the budget is spent: then its context is done, as any
// other store's; a store that may wait still gets a deadline.
func TestStateContextForImmediateStores(t *testing.T) {
	ctx := WithStateBudget(context.Background(), 50*time.Millisecond)
	for _, store := range []any{NewMemoryDedupe(), NewMemoryRateLimiter(1, 1), &MemoryAudit{}, NewAsyncAudit(&MemoryAudit{}, 1, nil)} {
		sctx, done := StateContextFor(ctx, store)
		if sctx != ctx {
			t.Errorf("%T: a derived context, want the request's", store)
		}
		done()
	}
	sctx, done := StateContextFor(ctx, struct{ Dedupe }{})
	if _, ok := sctx.Deadline(); !ok {
		t.Fatal("a store that may wait got no deadline")
	}
	<-sctx.Done() // spends the budget
	done()
	sctx, done = StateContextFor(ctx, NewMemoryDedupe())
	defer done()
	if sctx.Err() == nil {
		t.Fatal("with the budget spent, an in-process store's context is not done")
	}
	if first, err := NewMemoryDedupe().FirstSeen(sctx, "k", time.Minute); err == nil || first {
		t.Fatalf("FirstSeen with the budget spent: %v, %v; want the context's error", first, err)
	}
}
