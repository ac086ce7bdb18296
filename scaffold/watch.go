package scaffold

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// Notifier passes a worker's progress events to whoever watches a job in
// the same process, so a chat message follows the steps as they finish
// without reading the store after every one. Its Notify is a Work progress
// function. The zero value is ready to use.
type Notifier struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// Notify wakes the watchers of e's job. It never blocks.
func (n *Notifier) Notify(e Event) {
	if e.Job == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs[e.Job.ID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel woken when job id changes here, and the
// function that ends the subscription.
func (n *Notifier) Subscribe(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[string]map[chan struct{}]struct{}{}
	}
	if n.subs[id] == nil {
		n.subs[id] = map[chan struct{}]struct{}{}
	}
	n.subs[id][ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs[id], ch)
		if len(n.subs[id]) == 0 {
			delete(n.subs, id)
		}
		n.mu.Unlock()
	}
}

// Finished reports whether a job has come to an end (it may still be retried).
func (j *Job) Finished() bool { return j.State == JobSucceeded || j.State == JobFailed }

// Watch calls f with job id each time it changes, until it has finished
// (f has then seen the final record) or ctx ends. It reads the store when
// wake fires (local progress; nil for none) and otherwise every poll, so a
// job worked on by another replica is followed too: one read per poll per
// watched job, no more. Errors reading the store are retried at the next
// poll; f's error ends the watch.
func Watch(ctx context.Context, store JobStore, id string, wake <-chan struct{}, poll time.Duration, f func(*Job) error) error {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var last *Job
	var lastErr error
	for {
		j, err := store.Get(ctx, id)
		switch {
		case errors.Is(err, ErrJobNotFound):
			return fmt.Errorf("job %s: %w", id, err)
		case err != nil:
			lastErr = err
		case last == nil || changed(last, j):
			last = j
			if err := f(j); err != nil {
				return err
			}
		}
		if last != nil && last.Finished() {
			return nil
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("%w (reading job %s: %v)", ctx.Err(), id, lastErr)
			}
			return ctx.Err()
		case <-wake:
		case <-t.C:
		}
	}
}

// changed reports whether b differs from a in what a person watching sees.
func changed(a, b *Job) bool {
	if a.State != b.State || a.Error != b.Error || len(a.Steps) != len(b.Steps) || a.Attempts != b.Attempts {
		return true
	}
	for i := range a.Steps {
		if a.Steps[i].State != b.Steps[i].State || a.Steps[i].Error != b.Steps[i].Error || len(a.Steps[i].Created) != len(b.Steps[i].Created) {
			return true
		}
	}
	return !reflect.DeepEqual(a.Output, b.Output)
}

// Requeue puts a failed job back on queue, to resume at its failed step on
// any replica's worker (Work), like Retry does in this process. Jobs that
// succeeded are returned unchanged; jobs still queued or running are left
// alone (an error says so). Secret parameters are not kept: a template that
// needs them must be retried with Retry.
func (r *Runner) Requeue(ctx context.Context, queue Queue, id string) (*Job, error) {
	job, err := r.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch job.State {
	case JobSucceeded:
		return job, nil
	case JobQueued, JobRunning, JobWaiting:
		return job, fmt.Errorf("job %s is %s: it resumes by itself, there is nothing to retry", id, job.State)
	}
	if r.Once != nil {
		// The state check and the save below are not one step: two retries
		// of the same failure (the same saved record) must not both queue it.
		first, err := r.Once(ctx, fmt.Sprintf("scaffold-retry:%s:%d", id, job.Updated.UnixNano()))
		if err != nil {
			return job, fmt.Errorf("checking that job %s is retried once: %w", id, err)
		}
		if !first {
			return job, fmt.Errorf("job %s is already being retried", id)
		}
	}
	job.State = JobQueued
	job.Updated = r.now()
	if err := r.Store.Save(ctx, job); err != nil {
		return nil, fmt.Errorf("recording the retry of job %s: %w", id, err)
	}
	if err := queue.Enqueue(ctx, id); err != nil {
		job.State = JobFailed
		job.Error = r.public(fmt.Sprintf("the retry could not be queued (%v): retry it again", err))
		_ = r.Store.Save(context.WithoutCancel(ctx), job)
		return job, fmt.Errorf("queueing job %s: %w", id, err)
	}
	return job, nil
}
