package main

import (
	"context"
	"errors"

	"github.com/callboard/callboard/scaffold"
)

// appJobs lists the app's scaffold jobs (for `me` and the status page). The
// Runner and its store are built after the built-in commands, so the store
// is looked up at each call.
type appJobs struct{ a *App }

func (j appJobs) ListJobs(ctx context.Context, q scaffold.JobQuery) ([]*scaffold.Job, error) {
	if j.a.Scaffold == nil {
		return nil, nil
	}
	l, ok := j.a.Scaffold.Store.(scaffold.JobLister)
	if !ok {
		return nil, errors.New("this job store cannot list jobs")
	}
	return l.ListJobs(ctx, q)
}
