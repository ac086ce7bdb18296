package scaffold

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Workers runs n workers (Work) on queue, named consumer-1 … consumer-n,
// until ctx is done; a worker whose claiming fails (the queue's store
// away) tries again a second later. It returns once every worker stopped:
// on shutdown a worker takes no more jobs, and a job it was running is
// recorded queued at its step and handed back to the queue.
func (r *Runner) Workers(ctx context.Context, n int, queue Queue, consumer string, templates func(ctx context.Context, ref string) (*Template, error), progress func(Event)) error {
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", consumer, i+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				err := r.Work(ctx, queue, name, templates, progress)
				if err == nil || ctx.Err() != nil {
					return
				}
				log.Warn("scaffold worker: claiming jobs failed; retrying", "consumer", name, "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}()
	}
	wg.Wait()
	return nil
}
