package chat

import (
	"context"
	"sync"
	"time"
)

// DefaultStateBudget is how long, in all, an answer may wait on shared state
// (Redis: dedupe, rate limit, audit) before those checks fail open. Slack and
// Discord give 3 seconds for the whole acknowledgement; a slow or hung Redis
// must not spend them.
const DefaultStateBudget = 300 * time.Millisecond

type budgetKey struct{}

// stateBudget is the time left for shared-state calls on one request's path.
type stateBudget struct {
	mu   sync.Mutex
	left time.Duration
}

// WithStateBudget gives the request behind ctx d (DefaultStateBudget when
// d <= 0) to spend waiting on shared state, in all, across every call that
// takes its context from StateContext. A ctx that has a budget keeps it, so
// an adapter can set one at the door and the Router's middleware share it.
func WithStateBudget(ctx context.Context, d time.Duration) context.Context {
	if _, ok := ctx.Value(budgetKey{}).(*stateBudget); ok {
		return ctx
	}
	if d <= 0 {
		d = DefaultStateBudget
	}
	return context.WithValue(ctx, budgetKey{}, &stateBudget{left: d})
}

// StateContext bounds one shared-state call by what is left of ctx's budget
// (or by DefaultStateBudget when ctx has none); done, called when the call
// returns, takes the time it spent from the budget. Once the budget is
// spent the context comes back already cancelled, so the call fails at once
// and the caller fails open. Calls made in parallel overlap in time, so
// together they still wait at most the budget.
func StateContext(ctx context.Context) (sctx context.Context, done func()) {
	b, ok := ctx.Value(budgetKey{}).(*stateBudget)
	if !ok {
		c, cancel := context.WithTimeout(ctx, DefaultStateBudget)
		return c, cancel
	}
	left := b.remaining()
	if left <= 0 {
		return spent(ctx)
	}
	start := time.Now()
	c, cancel := context.WithTimeout(ctx, left)
	return c, func() {
		cancel()
		b.mu.Lock()
		b.left -= time.Since(start)
		b.mu.Unlock()
	}
}

// Immediate marks a shared-state store whose calls return at once, in this
// process (MemoryDedupe, MemoryRateLimiter, AsyncAudit): it cannot spend
// the state budget, so StateContextFor gives it no deadline of its own.
type Immediate interface{ Immediate() }

// StateContextFor is StateContext for one call to store. A store that is
// Immediate gets ctx itself while budget is left (no derived context, no
// timer: the request path makes several such calls), or a context already
// cancelled once it is spent, as StateContext would.
func StateContextFor(ctx context.Context, store any) (sctx context.Context, done func()) {
	if _, ok := store.(Immediate); !ok {
		return StateContext(ctx)
	}
	if b, ok := ctx.Value(budgetKey{}).(*stateBudget); ok && b.remaining() <= 0 {
		return spent(ctx)
	}
	return ctx, nop
}

func nop() {}

// remaining is what is left of the budget.
func (b *stateBudget) remaining() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.left
}

// spent is the context of a call made once the budget is spent: already
// cancelled, so the call fails at once and the caller fails open.
func spent(ctx context.Context) (context.Context, func()) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	return c, cancel
}

// stateLeft is what remains of ctx's budget (DefaultStateBudget when it has none).
func stateLeft(ctx context.Context) time.Duration {
	b, ok := ctx.Value(budgetKey{}).(*stateBudget)
	if !ok {
		return DefaultStateBudget
	}
	return b.remaining()
}

// CarryStateBudget returns to with from's budget (shared, not copied), for a
// request whose work continues under another context.
func CarryStateBudget(to, from context.Context) context.Context {
	if b, ok := from.Value(budgetKey{}).(*stateBudget); ok {
		return context.WithValue(to, budgetKey{}, b)
	}
	return to
}
