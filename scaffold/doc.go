// Package scaffold runs Backstage Software Templates (scaffolder.backstage.io/v1beta3):
// the template model (template.go), parameter validation with JSON Schema
// (params.go), the ${{ }} template language with Backstage's JavaScript semantics (lang.go, njk_*.go), the in-memory
// workspace with its path checks (tree.go), the actions (action.go), the job
// Runner with idempotency, progress events, resumable retries, queue workers
// and dry runs (runner.go), following a job from chat on any replica
// (Watch, Notifier, Requeue in watch.go), and the group Policy (policy.go).
// A job stopped by shutdown is recorded queued at its step and handed back
// to the queue (ErrInterrupted), never failed.
//
// It declares what it needs of the world as small interfaces: Publisher (a
// Git host; adapters/github), Registrar (the live catalog; the app wiring),
// URLFetcher (remote template locations), JobStore and Queue (job state;
// in memory here, adapters/redis for many replicas). Package scaffoldtest
// holds the shared state suite and in-memory fakes.
//
// It depends on catalog, never on a chat platform, GitHub or Redis directly.
package scaffold
