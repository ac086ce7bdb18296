package github

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// errBudgetSpent is a refresh refused because the webhook budget is spent.
var errBudgetSpent = errors.New("webhook refresh budget spent")

// coalescer runs the refreshes of a Webhook: at most one at a time per
// repository and at least RepoInterval apart; a request that comes sooner
// is folded into one refresh scheduled at the end of the interval.
type coalescer struct {
	h      *Webhook
	mu     sync.Mutex
	repos  map[string]*hookRepo
	closed bool
	// folding counts the folded refreshes running; close cancels them
	// through stop and waits, so none outlives the server's state.
	folding sync.WaitGroup
	stop    context.CancelFunc
	stopped context.Context
}

type hookRepo struct {
	org, repo string
	running   bool
	last      time.Time   // when the last refresh ended
	timer     *time.Timer // the folded refresh, when one is scheduled
}

// maxRepoStates bounds the repositories remembered; states of repositories
// idle for an interval are dropped past it.
const maxRepoStates = 10000

func (c *coalescer) refresh(ctx context.Context, org, repo string) (string, error) {
	key := org + "/" + repo
	now := time.Now()
	c.mu.Lock()
	st := c.repos[key]
	if st == nil {
		c.prune(now)
		st = &hookRepo{org: org, repo: repo}
		c.repos[key] = st
	}
	if st.running || now.Sub(st.last) < c.h.RepoInterval {
		if st.timer == nil && !c.closed {
			wait := c.h.RepoInterval - now.Sub(st.last)
			if st.running || wait <= 0 {
				wait = c.h.RepoInterval
			}
			st.timer = time.AfterFunc(wait, func() { c.folded(st) })
		}
		c.mu.Unlock()
		return "coalesced: " + key + " was refreshed moments ago; one more refresh follows shortly", nil
	}
	st.running = true
	c.mu.Unlock()
	err := c.run(ctx, st)
	if errors.Is(err, errBudgetSpent) {
		return "", err
	}
	return "refreshed " + key, err
}

// folded runs the refresh scheduled at the end of st's interval.
func (c *coalescer) folded(st *hookRepo) {
	c.mu.Lock()
	st.timer = nil
	if c.closed {
		c.mu.Unlock()
		return
	}
	if st.running {
		st.timer = time.AfterFunc(c.h.RepoInterval, func() { c.folded(st) })
		c.mu.Unlock()
		return
	}
	st.running = true
	c.folding.Add(1)
	c.mu.Unlock()
	defer c.folding.Done()
	ctx, cancel := context.WithTimeout(c.stopped, c.h.Timeout)
	defer cancel()
	if err := c.run(ctx, st); err != nil {
		c.h.Log.WarnContext(ctx, "webhook: folded refresh failed", "repo", st.org+"/"+st.repo, "err", err)
	}
}

// run refreshes st's repository within the budget; st.running is set.
// A failed refresh does not start the interval: a redelivery may retry it
// at once (the budget still bounds how often).
func (c *coalescer) run(ctx context.Context, st *hookRepo) (err error) {
	defer func() {
		c.mu.Lock()
		st.running = false
		if err == nil {
			st.last = time.Now()
		}
		c.mu.Unlock()
	}()
	ok, _, err := c.h.Budget.Allow(ctx, "github:webhook:refresh")
	if err != nil {
		// The shared budget is unreachable: the per-repository interval
		// still bounds the work.
		c.h.Log.WarnContext(ctx, "webhook refresh budget unavailable; refreshing", "err", err)
	} else if !ok {
		return errBudgetSpent
	}
	return c.h.refresher.RefreshRepo(ctx, st.org, st.repo)
}

// prune drops idle repositories' states when there are too many; c.mu is held.
func (c *coalescer) prune(now time.Time) {
	if len(c.repos) < maxRepoStates {
		return
	}
	for k, st := range c.repos {
		if !st.running && st.timer == nil && now.Sub(st.last) >= c.h.RepoInterval {
			delete(c.repos, k)
		}
	}
}

func (c *coalescer) close() {
	c.mu.Lock()
	c.closed = true
	for _, st := range c.repos {
		if st.timer != nil {
			st.timer.Stop()
			st.timer = nil
		}
	}
	c.stop()
	c.mu.Unlock()
	c.folding.Wait()
}

// memoryDeliveries is Deliveries for one process: at most max keys, the
// least recently taken dropped first.
type memoryDeliveries struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *deliveryKey, most recent first
	keys  map[string]*list.Element
}

type deliveryKey struct {
	key     string
	expires time.Time
}

func newMemoryDeliveries(max int) *memoryDeliveries {
	return &memoryDeliveries{max: max, order: list.New(), keys: map[string]*list.Element{}}
}

func (d *memoryDeliveries) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.keys[key]; ok {
		if now.Before(e.Value.(*deliveryKey).expires) {
			return false, nil
		}
		d.order.Remove(e)
		delete(d.keys, key)
	}
	d.keys[key] = d.order.PushFront(&deliveryKey{key: key, expires: now.Add(ttl)})
	for d.order.Len() > d.max {
		old := d.order.Back()
		d.order.Remove(old)
		delete(d.keys, old.Value.(*deliveryKey).key)
	}
	return true, nil
}

func (d *memoryDeliveries) Forget(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.keys[key]; ok {
		d.order.Remove(e)
		delete(d.keys, key)
	}
	return nil
}

// memoryBudget is RefreshBudget for one process: a token bucket of n tokens
// refilled at n per window, one bucket for every key.
type memoryBudget struct {
	mu     sync.Mutex
	n      float64
	window time.Duration
	tokens float64
	at     time.Time
}

func newMemoryBudget(n int, window time.Duration) *memoryBudget {
	return &memoryBudget{n: float64(n), window: window, tokens: float64(n)}
}

func (b *memoryBudget) Allow(context.Context, string) (bool, time.Duration, error) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.at.IsZero() {
		b.tokens = min(b.n, b.tokens+now.Sub(b.at).Seconds()*b.n/b.window.Seconds())
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, nil
	}
	return false, time.Duration((1 - b.tokens) * float64(b.window) / b.n), nil
}
