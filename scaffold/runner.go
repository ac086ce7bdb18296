package scaffold

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/catalog"
)

// Runner runs templates as jobs. Its zero value is not usable: set Store
// (NewMemJobStore for one process) and, for real runs, Publisher and
// Registrar.
type Runner struct {
	Store     JobStore
	Publisher Publisher
	Registrar Registrar
	// Fetcher reads remote template locations; AllowedHosts lists the hosts
	// it may be asked for. Relative locations are read from the template's
	// own FS (the catalog's) and need neither.
	Fetcher      URLFetcher
	AllowedHosts []string
	// Actions by name; nil means DefaultActions.
	Actions map[string]Action
	Policy  *Policy
	// Catalog returns the current snapshot (for user.entity and the policy's
	// group membership). May be nil.
	Catalog func() *catalog.Snapshot
	Log     *slog.Logger
	Now     func() time.Time
	// Once, when set, reports whether key is seen for the first time
	// (chat.Dedupe.FirstSeen over Redis, across replicas): Requeue uses it so
	// two retries of one failure clicked at once queue the job once.
	Once func(ctx context.Context, key string) (bool, error)
	// Redact turns an error's text into what a job record may keep: records
	// are shown to any chat user (`scaffold status`, progress messages) and
	// stored in Redis, so main sets it to strip secrets and internal
	// addresses. Nil keeps the text. The whole error goes to Log.
	Redact func(string) string
	// SaveRetry is how long a job's save is retried while the store does
	// not answer, 15 s by default.
	SaveRetry time.Duration

	langOnce sync.Once
	lang     *Lang
	secrets  sync.Map // job id -> secrets of a submitted job not yet taken
}

// Request asks for one run of a template.
type Request struct {
	Template *Template
	// Params are the values as written in chat (key=value); use Values for
	// values already typed.
	Params map[string]string
	// Key is the idempotency key: the same key twice gives the same job. Empty
	// means every request is a new job.
	Key string
	// User is the catalog User asking, when the chat account is linked.
	User catalog.Ref
	// Requester is the chat account asking ("slack:U0123"), kept on the job.
	Requester string
	// Reply, when set, is kept on a new job (Job.Reply).
	Reply *ReplyAddress
	// Progress, when set, is called after every step changes state.
	Progress func(Event)
}

// Event reports progress of a job: the job as it is now and the step that
// changed (Step is -1 for the job's start and end).
type Event struct {
	Job  *Job
	Step int
}

// StepError says which step failed and why; the job says what exists.
type StepError struct {
	Step   string
	Action string
	Err    error
	Exists []string
}

func (e *StepError) Error() string {
	msg := fmt.Sprintf("step %s (%s) failed: %v", e.Step, e.Action, e.Err)
	if len(e.Exists) > 0 {
		msg += "; what exists: " + strings.Join(e.Exists, ", ")
	} else {
		msg += "; nothing was created"
	}
	return msg
}

func (e *StepError) Unwrap() error { return e.Err }

// CheckError is a problem found before anything ran.
type CheckError struct {
	Step    string
	Action  string
	Message string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("step %s (%s): %s", e.Step, e.Action, e.Message)
}

// Marker is the text put in commit messages so a retried job recognises its
// own work.
func Marker(jobID string) string { return "callboard-job: " + jobID }

func (r *Runner) language() *Lang {
	r.langOnce.Do(func() { r.lang = NewLang() })
	return r.lang
}

func (r *Runner) actions() map[string]Action {
	if r.Actions != nil {
		return r.Actions
	}
	return defaultActions
}

var defaultActions = DefaultActions()

// public is err's text as a job record keeps it.
func (r *Runner) public(s string) string {
	if r.Redact == nil {
		return s
	}
	return r.Redact(s)
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now().UTC()
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Prepare validates the request without running it: parameters (a
// *ParamError), the policy (a *DeniedError) and every step's action and
// inputs (a *CheckError). It returns the typed values and, apart, the secrets.
func (r *Runner) Prepare(req Request, dryRun bool) (values, secrets map[string]any, err error) {
	t := req.Template
	if t == nil {
		return nil, nil, errors.New("no template given")
	}
	if r.Policy != nil {
		var snap *catalog.Snapshot
		if r.Catalog != nil {
			snap = r.Catalog()
		}
		if err := r.Policy.Allow(snap, req.User, t.Ref); err != nil {
			return nil, nil, err
		}
	}
	all, err := t.Values(req.Params)
	if err != nil {
		return nil, nil, err
	}
	values, secrets = map[string]any{}, map[string]any{}
	for _, p := range t.Params() {
		if v, ok := all[p.Name]; ok && p.Secret {
			secrets[p.Name] = v
		}
	}
	for k, v := range all {
		if _, secret := secrets[k]; !secret {
			values[k] = v
		}
	}
	if err := r.Check(t, all, secrets, req.User, dryRun); err != nil {
		return nil, nil, err
	}
	return values, secrets, nil
}

// refersToSteps reports whether a raw input mentions an earlier step's output.
func refersToSteps(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, "${{") && (strings.Contains(x, "steps.") || strings.Contains(x, "steps["))
	case map[string]any:
		for _, e := range x {
			if refersToSteps(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if refersToSteps(e) {
				return true
			}
		}
	}
	return false
}

// Check verifies every step before anything runs: the action exists, its
// required inputs are given, and the inputs that can be evaluated now are
// valid for the action (repository names, hosts, paths).
func (r *Runner) Check(t *Template, values, secrets map[string]any, user catalog.Ref, dryRun bool) error {
	env := &CheckEnv{Template: t, AllowedHosts: r.AllowedHosts, HasFetcher: r.Fetcher != nil, HasPublisher: r.Publisher != nil, HasRegistrar: r.Registrar != nil, DryRun: dryRun}
	data := r.baseData(values, secrets, user)
	lang := r.language()
	var problems []string
	if !dryRun {
		// A real run refuses a template with a step callboard cannot run
		// before anything else, naming the action.
		for _, s := range t.Steps {
			if _, ok := r.actions()[s.Action]; !ok {
				return &CheckError{Step: s.ID, Action: s.Action, Message: fmt.Sprintf("unknown action %q: callboard cannot run this template (it runs %s); nothing was done", s.Action, strings.Join(r.actionNames(), ", "))}
			}
			if why := r.cannotRun(s); why != "" {
				return &CheckError{Step: s.ID, Action: s.Action, Message: why + "; nothing was done"}
			}
		}
	}
	for _, s := range t.Steps {
		a := r.actions()[s.Action]
		if r.cannotRun(s) != "" {
			continue // a dry run skips it, and says so, when it reaches it
		}
		if s.If != nil && !refersToSteps(s.If) {
			ok, err := lang.Truthy(t.Pos.File+": step "+s.ID+" if", s.If, data)
			if err != nil {
				return &CheckError{Step: s.ID, Action: s.Action, Message: err.Error()}
			}
			if !ok {
				continue
			}
		}
		for _, in := range a.Inputs() {
			if in.Required {
				if v, ok := s.Input[in.Name]; !ok || v == nil || v == "" {
					return &CheckError{Step: s.ID, Action: s.Action, Message: fmt.Sprintf("missing input %s", in.Name)}
				}
			}
		}
		evaluated := map[string]any{}
		deferred := map[string]bool{}
		for k, raw := range s.Input {
			if refersToSteps(raw) {
				deferred[k] = true
				continue
			}
			v, err := lang.Eval(t.Pos.File+": step "+s.ID+" input "+k, raw, data)
			if err != nil {
				return &CheckError{Step: s.ID, Action: s.Action, Message: err.Error()}
			}
			evaluated[k] = v
		}
		for _, in := range a.Inputs() {
			if in.Required && !deferred[in.Name] {
				if v := evaluated[in.Name]; v == nil || v == "" {
					problems = append(problems, fmt.Sprintf("step %s (%s): input %s is empty once evaluated", s.ID, s.Action, in.Name))
				}
			}
		}
		evaluated[deferredKey] = deferred
		if err := a.Check(env, evaluated); err != nil {
			if dryRun && isUnreachable(err) {
				continue // the dry run skips it, and says so
			}
			return &CheckError{Step: s.ID, Action: s.Action, Message: err.Error()}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// cannotRun says why callboard cannot run step s ("" when it can): its
// action is not one callboard has.
func (r *Runner) cannotRun(s Step) string {
	if _, ok := r.actions()[s.Action]; !ok {
		return "callboard has no action " + s.Action
	}
	return ""
}

// maxEachItems bounds the iterations of one step's each: (a parameter the
// user fills can be a list of any length).
const maxEachItems = 1000

// eachItems evaluates a step's each: into its iterations, as Backstage
// does: a list gives {key: index (a string), value: item}, an object
// {key, value} for each entry (in key order here: our YAML maps keep none).
// nil when the step has no each:.
func eachItems(lang *Lang, where string, each any, data map[string]any) ([]map[string]any, error) {
	if each == nil {
		return nil, nil
	}
	v, err := lang.Eval(where, each, data)
	if err != nil {
		return nil, err
	}
	var items []map[string]any
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			items = append(items, map[string]any{"key": strconv.Itoa(i), "value": e})
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			items = append(items, map[string]any{"key": k, "value": x[k]})
		}
	default:
		return nil, fmt.Errorf("%s: each: must be a list or an object, not %s", where, describeValue(v))
	}
	if len(items) > maxEachItems {
		return nil, fmt.Errorf("%s: each: has %d items; at most %d are run", where, len(items), maxEachItems)
	}
	return items, nil
}

// describeValue names v's type for an error message, with the value when short.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing (it rendered undefined or null)"
	case string:
		if len(x) > 40 {
			return "a string"
		}
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	default:
		return fmt.Sprintf("%T", v)
	}
}

func (r *Runner) actionNames() []string {
	var out []string
	for n := range r.actions() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (r *Runner) baseData(values, secrets map[string]any, user catalog.Ref) map[string]any {
	params := map[string]any{}
	for k, v := range values {
		params[k] = v
	}
	for k, v := range secrets {
		params[k] = v
	}
	u := map[string]any{}
	if !user.IsZero() {
		u["ref"] = user.String()
		if r.Catalog != nil {
			if snap := r.Catalog(); snap != nil {
				if e, ok := snap.Get(user); ok {
					if data, err := json.Marshal(e); err == nil {
						var m map[string]any
						if json.Unmarshal(data, &m) == nil {
							u["entity"] = m
						}
					}
				}
			}
		}
	}
	return map[string]any{
		"parameters": templateData(params),
		"secrets":    map[string]any{},
		"user":       u,
		"steps":      map[string]any{},
	}
}

func (r *Runner) newJob(t *Template, key string, user catalog.Ref, values map[string]any) *Job {
	now := r.now()
	j := &Job{ID: newID(), Key: key, Template: t.Ref.String(), Values: values, State: JobQueued, Created: now, Updated: now}
	if !user.IsZero() {
		j.User = user.String()
	}
	for _, s := range t.Steps {
		j.Steps = append(j.Steps, StepRecord{ID: s.ID, Name: s.Name, Action: s.Action, State: StepPending})
	}
	return j
}

// create validates req and records its job; created is false when a job
// of the same idempotency key exists (it is returned instead).
func (r *Runner) create(ctx context.Context, req Request) (job *Job, secrets map[string]any, created bool, err error) {
	values, secrets, err := r.Prepare(req, false)
	if err != nil {
		return nil, nil, false, err
	}
	job = r.newJob(req.Template, req.Key, req.User, values)
	job.Requester = req.Requester
	job.Reply = req.Reply
	existing, created, err := r.Store.Create(ctx, job)
	if err != nil {
		return nil, nil, false, fmt.Errorf("recording the job: %w", err)
	}
	if !created {
		return existing, nil, false, nil
	}
	return job, secrets, true, nil
}

// Start validates the request, creates its job (or finds the job of the same
// idempotency key, which it returns without running anything again) and runs
// it to the end. A failed run returns the job and a *StepError.
func (r *Runner) Start(ctx context.Context, req Request) (*Job, error) {
	job, secrets, created, err := r.create(ctx, req)
	if err != nil || !created {
		return job, err
	}
	ws := NewWorkspace()
	return job, r.execute(ctx, req.Template, job, secrets, req.User, ws, false, req.Progress)
}

// Retry resumes a failed job at the failed step. Steps without side effects
// run again to rebuild the files; steps with side effects that finished are
// not repeated (their outputs were saved), and the one that failed is re-run
// with the job's marker, so nothing is created twice. Secret parameters are
// not stored: pass them again in secrets (nil when the template has none).
func (r *Runner) Retry(ctx context.Context, t *Template, id string, secrets map[string]string, progress func(Event)) (*Job, error) {
	job, err := r.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if job.State == JobSucceeded {
		return job, nil
	}
	if job.Template != t.Ref.String() {
		return nil, fmt.Errorf("job %s ran %s, not %s", id, job.Template, t.Ref)
	}
	sec := map[string]any{}
	for k, v := range secrets {
		sec[k] = v
	}
	return job, r.resume(ctx, t, job, sec, progress)
}

// resume runs a job from its first unfinished step.
func (r *Runner) resume(ctx context.Context, t *Template, job *Job, secrets map[string]any, progress func(Event)) error {
	var user catalog.Ref
	if job.User != "" {
		user, _ = catalog.ParseRef(job.User, catalog.KindUser, "")
	}
	for i := range job.Steps {
		if job.Steps[i].State == StepFailed || job.Steps[i].State == StepRunning {
			job.Steps[i].State = StepPending
			job.Steps[i].Error = ""
		}
	}
	job.Error = ""
	return r.execute(ctx, t, job, secrets, user, NewWorkspace(), false, progress)
}

// Submit validates the request like Start, records the job and puts it on
// queue for a worker (Work) on any replica, instead of running it here. The
// same idempotency key gives the existing job, not a second one. Secret
// parameters stay in this process's memory until a local worker takes the
// job; a worker elsewhere runs without them.
func (r *Runner) Submit(ctx context.Context, queue Queue, req Request) (*Job, error) {
	job, secrets, created, err := r.create(ctx, req)
	if err != nil || !created {
		return job, err
	}
	if len(secrets) > 0 {
		r.secrets.Store(job.ID, secrets)
	}
	if err := queue.Enqueue(ctx, job.ID); err != nil {
		// The record exists but no worker will ever see it: say so in the
		// record, so the job reads as failed (nothing was created) and
		// `Retry` can run it, rather than sitting "queued" for ever.
		job.State = JobFailed
		// The cause (addresses, a network error) goes to the log; the
		// record is read in chat.
		r.log().Warn("a job could not be queued", slog.String("job", job.ID), slog.Any("err", err))
		job.Error = "the job could not be queued (the shared job queue was unavailable); nothing was created: retry it"
		if !errors.Is(err, ErrUnavailable) {
			job.Error = "the job could not be queued; nothing was created: retry it"
		}
		job.Updated = r.now()
		if serr := r.Store.Save(ctx, job); serr != nil {
			r.log().Error("recording a job that could not be queued", slog.String("job", job.ID), slog.Any("err", serr))
		}
		return job, fmt.Errorf("queueing job %s: %w", job.ID, err)
	}
	return job, nil
}

// Work takes jobs from queue as consumer and runs them until ctx is done. A
// job claimed again after a crash resumes at its unfinished step (the
// markers make that safe); a finished or failed job is acknowledged and left
// alone (failed jobs wait for Retry). templates finds a job's template by ref.
//
// When queue is a Leaser, the worker leases each job with a fencing token
// (every write it makes for the job carries it) and renews the lease on a
// heartbeat while it runs: a dead worker's job is taken over as soon as its
// short lease lapses, and a worker that lost its lease changes nothing more.
// A job parked on a rate limit (JobWaiting) stays in the queue, unacked,
// and is resumed once its time has come.
func (r *Runner) Work(ctx context.Context, queue Queue, consumer string, templates func(ctx context.Context, ref string) (*Template, error), progress func(Event)) error {
	for {
		if ctx.Err() != nil {
			return nil // stopped: take nothing more
		}
		id, ack, err := queue.Claim(ctx, consumer)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("claiming a job: %w", err)
		}
		if ctx.Err() != nil {
			// Claimed as the worker was told to stop (a blocking read
			// may return after that): not ours to start now.
			r.handBack(ctx, queue, id, ack)
			return nil
		}
		err = r.work(ctx, queue, consumer, id, templates, progress)
		switch {
		case errors.Is(err, errLeave):
			// Parked, not due, held by a live worker or lost to another:
			// the entry stays pending and comes back after its claim
			// lapses; whoever holds the job acknowledges it.
			continue
		case errors.Is(err, ErrInterrupted) || (err != nil && ctx.Err() != nil):
			r.handBack(ctx, queue, id, ack)
			continue
		case err != nil:
			// Not acknowledged: the job stays pending in the queue and is
			// claimed again once its visibility timeout passes.
			r.log().Error("a claimed job could not be read or saved; leaving it for another claim", slog.String("job", id), slog.Any("err", err))
			continue
		}
		if err := ack(ctx); err != nil && ctx.Err() == nil {
			r.log().Error("acknowledging a job", slog.String("job", id), slog.Any("err", err))
		}
	}
}

// errLeave marks a claimed job whose queue entry must be neither
// acknowledged nor handed back.
var errLeave = errors.New("claimed job left in the queue")

// handBack returns a claimed job to the queue at once when the worker stops,
// so another worker resumes it without waiting for the claim to expire.
// Should that fail, the unacknowledged claim expires instead.
func (r *Runner) handBack(ctx context.Context, queue Queue, id string, ack func(context.Context) error) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := queue.Enqueue(hctx, id); err != nil {
		r.log().Warn("handing a job back to the queue failed; it is reclaimed when its claim expires", slog.String("job", id), slog.Any("err", err))
		return
	}
	if err := ack(hctx); err != nil {
		r.log().Warn("acknowledging a job handed back", slog.String("job", id), slog.Any("err", err))
	}
	r.log().Info("scaffold job handed back to the queue", slog.String("job", id))
}

// work runs one claimed job. It returns an error only when the job could not
// be read (the store is unavailable): the caller must then not acknowledge
// it, or an accepted job would be lost. A job that no longer exists is done.
// errLeave: leave the entry in the queue.
func (r *Runner) work(ctx context.Context, queue Queue, consumer, id string, templates func(ctx context.Context, ref string) (*Template, error), progress func(Event)) error {
	job, err := r.Store.Get(ctx, id)
	if errors.Is(err, ErrJobNotFound) {
		r.log().Warn("claimed a job that no longer exists", slog.String("job", id))
		return nil
	}
	if err != nil {
		return err
	}
	if job.Finished() {
		return nil
	}
	if job.State == JobWaiting && r.now().Before(job.ResumeAt) {
		return errLeave
	}
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if l, ok := queue.(Leaser); ok {
		c, err := l.Lease(ctx, consumer, id)
		if errors.Is(err, ErrClaimHeld) {
			return errLeave
		}
		if err != nil {
			return fmt.Errorf("leasing job %s: %w", id, err)
		}
		jctx = WithClaim(jctx, c)
		stop := r.heartbeat(jctx, l, consumer, c, cancel)
		defer func() {
			stop()
			rctx, rc := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer rc()
			if err := l.Release(rctx, c); err != nil {
				r.log().Debug("releasing a job's lease", slog.String("job", id), slog.Any("err", err))
			}
		}()
		// Read again under the lease: another worker may have moved the
		// job on before it was ours.
		if job, err = r.Store.Get(jctx, id); err != nil {
			return err
		}
		if job.Finished() {
			return nil
		}
	}
	job.Worker = consumer
	t, err := templates(ctx, job.Template)
	if err != nil {
		job.State = JobFailed
		r.log().Error("a queued job's template cannot be read", slog.String("job", job.ID), slog.Any("err", err))
		job.Error = r.public(fmt.Sprintf("template %s: %v", job.Template, err))
		_ = r.Store.Save(jctx, job)
		return nil
	}
	var secrets map[string]any
	if v, ok := r.secrets.Load(id); ok {
		secrets = v.(map[string]any)
	}
	err = r.resume(context.WithValue(jctx, parkKey{}, true), t, job, secrets, progress)
	if errors.Is(context.Cause(jctx), ErrClaimLost) || errors.Is(err, ErrClaimLost) {
		r.log().Warn("scaffold job lost to another worker; this one changes nothing more", slog.String("job", id), slog.String("consumer", consumer))
		return fmt.Errorf("job %s: %w: %w", id, ErrClaimLost, errLeave)
	}
	if errors.Is(err, errParked) {
		return fmt.Errorf("job %s: %w: %w", id, err, errLeave)
	}
	if !errors.Is(err, errNotSaved) && !errors.Is(err, ErrInterrupted) {
		// Kept until the job is over: a job handed back at shutdown and
		// resumed by this replica still has them.
		r.secrets.Delete(id)
	}
	if err != nil {
		if errors.Is(err, errNotSaved) || errors.Is(err, ErrInterrupted) {
			// The store lost track of the job's progress: keep it in the
			// queue, so a later claim resumes it from the last saved step
			// (markers make the steps already done safe to meet again).
			return err
		}
		r.log().Info("scaffold job failed", slog.String("job", id), slog.Any("err", err))
	}
	return nil
}

// heartbeat renews c every l.Heartbeat() until stop is called; when another
// worker has taken the job it cancels the job's context with ErrClaimLost.
// A Redis that does not answer is retried at the next beat: should it stay
// away past the lease, the job is someone else's and the fenced writes
// refuse this worker's.
func (r *Runner) heartbeat(ctx context.Context, l Leaser, consumer string, c Claim, cancel context.CancelCauseFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(l.Heartbeat())
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), l.Heartbeat())
			err := l.Renew(hctx, consumer, c)
			hcancel()
			if errors.Is(err, ErrClaimLost) {
				cancel(ErrClaimLost)
				return
			}
			if err != nil {
				r.log().Warn("renewing a scaffold job's lease failed; retrying at the next beat", slog.String("job", c.Job), slog.Any("err", err))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// errParked marks a job parked until a rate limit resets.
var errParked = errors.New("job parked until its wait is over")

// parkKey marks the context of a queue worker's run: only a job some worker
// will claim again may park (Start, run in the caller's process, fails).
type parkKey struct{}

// errNotSaved marks a failure to record a job's state in its JobStore.
var errNotSaved = errors.New("job state not saved")

// Preview is the result of a dry run.
type Preview struct {
	Job   *Job
	Files []File
	// CatalogInfo is the rendered catalog-info.yaml ("" when none).
	CatalogInfo string
	// Skipped says which steps the dry run could not run, and why.
	Skipped []string
}

// DryRun renders everything and runs no side effect: publish steps report
// the URLs they would create, catalog:register reads the entity it would add.
func (r *Runner) DryRun(ctx context.Context, req Request) (*Preview, error) {
	values, secrets, err := r.Prepare(req, true)
	if err != nil {
		return nil, err
	}
	job := r.newJob(req.Template, "", req.User, values)
	ws := NewWorkspace()
	err = r.execute(ctx, req.Template, job, secrets, req.User, ws, true, req.Progress)
	p := &Preview{Job: job, Files: ws.Files("")}
	for _, st := range job.Steps {
		if st.State == StepSkipped && st.Error != "" {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s (%s): %s", st.Name, st.Action, st.Error))
		}
	}
	if f, ok := ws.Get("catalog-info.yaml"); ok {
		p.CatalogInfo = string(f.Data)
	}
	return p, err
}

func (r *Runner) execute(ctx context.Context, t *Template, job *Job, secrets map[string]any, user catalog.Ref, ws *Workspace, dryRun bool, progress func(Event)) error {
	save := func() error {
		job.Updated = r.now()
		if dryRun {
			return nil
		}
		return r.saveRetrying(ctx, job)
	}
	emit := func(i int) {
		if progress != nil {
			c := *job
			c.Steps = append([]StepRecord(nil), job.Steps...)
			progress(Event{Job: &c, Step: i})
		}
	}
	job.State = JobRunning
	job.ResumeAt, job.Waiting = time.Time{}, ""
	job.Attempts++
	if err := save(); err != nil {
		return fmt.Errorf("saving job %s: %w: %w", job.ID, errNotSaved, err)
	}
	emit(-1)
	// One budget of template work and output for the whole job (issue 15).
	lang := r.language().ForJob()
	data := r.baseData(job.Values, secrets, user)
	steps := data["steps"].(map[string]any)
	for i, s := range t.Steps {
		rec := &job.Steps[i]
		a := r.actions()[s.Action]
		if why := r.cannotRun(s); why != "" && dryRun {
			// As Backstage's dry run skips the actions that cannot dry-run:
			// say which and why, and run the rest.
			rec.State = StepSkipped
			rec.Error = r.public("not run in the dry run: " + why + ", so a real run refuses this template")
			steps[s.ID] = map[string]any{"output": map[string]any{}}
			emit(i)
			continue
		} else if why != "" {
			return r.fail(job, rec, save, emit, i, errors.New(why))
		}
		if rec.State == StepDone && a.SideEffects() {
			steps[s.ID] = map[string]any{"output": templateData(rec.Output)}
			continue
		}
		if ctx.Err() != nil && !dryRun {
			return r.interrupt(ctx, job, rec, emit, i)
		}
		if err := ctx.Err(); err != nil {
			return r.fail(job, rec, save, emit, i, err)
		}
		if s.If != nil {
			ok, err := lang.Truthy(t.Pos.File+": step "+s.ID+" if", s.If, data)
			if err != nil {
				return r.fail(job, rec, save, emit, i, err)
			}
			if !ok {
				rec.State = StepSkipped
				steps[s.ID] = map[string]any{"output": map[string]any{}}
				if err := save(); err != nil {
					return err
				}
				emit(i)
				continue
			}
		}
		rec.State = StepRunning
		if err := save(); err != nil {
			return fmt.Errorf("saving job %s: %w: %w", job.ID, errNotSaved, err)
		}
		emit(i)
		iters, err := eachItems(lang, t.Pos.File+": step "+s.ID, s.Each, data)
		if err != nil {
			return r.fail(job, rec, save, emit, i, err)
		}
		each := s.Each != nil
		if !each {
			iters = []map[string]any{nil}
		}
		var out map[string]any
		skipped := false
		for _, it := range iters {
			if each {
				data["each"] = it
			}
			o, skip, err := r.runStep(ctx, t, job, rec, s, a, ws, lang, data, dryRun)
			delete(data, "each")
			if err != nil {
				var wait *WaitError
				switch {
				case ctx.Err() != nil && !dryRun:
					// Stopped from outside (shutdown), not by the step's own fault.
					return r.interrupt(ctx, job, rec, emit, i)
				case errors.As(err, &wait) && !dryRun && ctx.Value(parkKey{}) != nil:
					return r.park(job, rec, save, emit, i, wait)
				}
				return r.fail(job, rec, save, emit, i, err)
			}
			if skip != "" {
				rec.State = StepSkipped
				rec.Error = r.public("not run in the dry run: " + skip)
				steps[s.ID] = map[string]any{"output": map[string]any{}}
				emit(i)
				skipped = true
				break
			}
			if !each {
				out = o
				continue
			}
			// As Backstage collects them: with each:, every output name
			// holds the list of the iterations' values.
			if out == nil {
				out = map[string]any{}
			}
			for k, v := range o {
				list, _ := out[k].([]any)
				out[k] = append(list, v)
			}
		}
		if skipped {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		rec.Output = jsonCopy(out).(map[string]any)
		rec.State = StepDone
		rec.DryRun = dryRun && a.SideEffects()
		steps[s.ID] = map[string]any{"output": templateData(rec.Output)}
		if err := save(); err != nil {
			return fmt.Errorf("saving job %s after step %s: %w: %w", job.ID, s.ID, errNotSaved, err)
		}
		emit(i)
	}
	out, err := renderOutput(lang, t, data)
	if err != nil {
		job.State = JobFailed
		job.Error = r.public("rendering the template's output: " + err.Error())
		_ = save()
		emit(-1)
		return errors.New(job.Error)
	}
	job.Output = out
	job.State = JobSucceeded
	if err := save(); err != nil {
		return fmt.Errorf("saving job %s: %w: %w", job.ID, errNotSaved, err)
	}
	emit(-1)
	return nil
}

// runStep evaluates step s's input against data and runs its action once.
// In a dry run, an action that cannot run here (a remote template location,
// publishing with nothing configured) is not run: skip says why.
func (r *Runner) runStep(ctx context.Context, t *Template, job *Job, rec *StepRecord, s Step, a Action, ws *Workspace, lang *Lang, data map[string]any, dryRun bool) (out map[string]any, skip string, err error) {
	in, err := lang.Eval(t.Pos.File+": step "+s.ID+" input", s.Input, data)
	if err != nil {
		return nil, "", err
	}
	inMap, _ := in.(map[string]any)
	if inMap == nil {
		inMap = map[string]any{}
	}
	if dryRun {
		env := &CheckEnv{Template: t, AllowedHosts: r.AllowedHosts, HasFetcher: r.Fetcher != nil, HasPublisher: r.Publisher != nil, HasRegistrar: r.Registrar != nil, DryRun: true}
		if err := a.Check(env, inMap); isUnreachable(err) {
			return nil, err.Error(), nil
		}
	}
	sc := &StepContext{Job: job, Template: t, Workspace: ws, Lang: lang, Data: data, DryRun: dryRun, Marker: Marker(job.ID),
		Publisher: r.Publisher, Registrar: r.Registrar, Fetcher: r.Fetcher, Log: r.log(),
		Created: func(what string) {
			rec.Created = appendOnce(rec.Created, what)
		}}
	out, err = a.Run(ctx, sc, inMap)
	return out, "", err
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ErrInterrupted is returned when a job stopped because its context ended
// (the process is shutting down): the job is recorded queued again, at the
// step it had reached, for a worker to resume. It is not a failure.
var ErrInterrupted = errors.New("job interrupted before it finished; it is handed back to the queue")

// interrupt records the job as waiting again, at step i, with a context of
// its own (ctx has ended), and returns ErrInterrupted.
func (r *Runner) interrupt(ctx context.Context, job *Job, rec *StepRecord, emit func(int), i int) error {
	rec.State = StepPending
	rec.Error = ""
	job.State = JobQueued
	job.Error = ""
	job.Updated = r.now()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.Store.Save(sctx, job); err != nil {
		return fmt.Errorf("saving interrupted job %s: %w: %w", job.ID, errNotSaved, err)
	}
	emit(i)
	return fmt.Errorf("job %s at step %s: %w", job.ID, rec.ID, ErrInterrupted)
}

// park records the job as waiting until w.Until, at step i (run again
// then, with the job's marker, so nothing is created twice), says when it
// continues, and returns errParked: the worker leaves its queue entry for
// a claim once the time has come.
func (r *Runner) park(job *Job, rec *StepRecord, save func() error, emit func(int), i int, w *WaitError) error {
	rec.State = StepPending
	rec.Error = ""
	job.State = JobWaiting
	job.ResumeAt = w.Until
	job.Waiting = fmt.Sprintf("%s: it continues by itself at %s; nothing to do.", w.Reason, w.Until.UTC().Format("15:04 MST, 2 Jan"))
	if err := save(); err != nil {
		return fmt.Errorf("saving parked job %s: %w: %w", job.ID, errNotSaved, err)
	}
	emit(i)
	r.log().Info("scaffold job parked", slog.String("job", job.ID), slog.String("step", rec.ID), slog.Time("until", w.Until), slog.Any("err", w.Err))
	return fmt.Errorf("job %s at step %s: %w", job.ID, rec.ID, errParked)
}

// saveRetrying saves job, retrying for a while (SaveRetry) when the store
// does not answer (a Redis restart): a step that has run is not to be lost
// to a blip. A lost claim or a vanished job is final at once.
func (r *Runner) saveRetrying(ctx context.Context, job *Job) error {
	limit := r.SaveRetry
	if limit <= 0 {
		limit = 15 * time.Second
	}
	start, wait := time.Now(), 100*time.Millisecond
	for {
		err := r.Store.Save(ctx, job)
		if err == nil || errors.Is(err, ErrClaimLost) || errors.Is(err, ErrJobNotFound) || ctx.Err() != nil || time.Since(start)+wait > limit {
			return err
		}
		r.log().Warn("saving a scaffold job failed; retrying", slog.String("job", job.ID), slog.Any("err", err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

func (r *Runner) fail(job *Job, rec *StepRecord, save func() error, emit func(int), i int, err error) error {
	rec.State = StepFailed
	rec.Error = r.public(err.Error())
	job.State = JobFailed
	se := &StepError{Step: rec.ID, Action: rec.Action, Err: err, Exists: job.Exists()}
	r.log().Warn("scaffold step failed", slog.String("job", job.ID), slog.String("step", rec.ID), slog.Any("err", se))
	job.Error = r.public(se.Error())
	if serr := save(); serr != nil {
		r.log().Error("saving a failed job", slog.String("job", job.ID), slog.Any("err", serr))
	}
	emit(i)
	return se
}

// renderOutput renders spec.output: links and text items whose `if` is
// false are left out, as Backstage leaves them out.
func renderOutput(lang *Lang, t *Template, data map[string]any) (*RunOutput, error) {
	if t.Output == nil {
		return &RunOutput{}, nil
	}
	where := t.Pos.File + ": output"
	out := &RunOutput{}
	// items evaluates the entries of output.<key> whose if holds.
	items := func(key string) ([]any, error) {
		raw := t.Output[key]
		if s, ok := raw.(string); ok {
			v, err := lang.Eval(where+"."+key, s, data)
			if err != nil {
				return nil, err
			}
			return asList(v), nil
		}
		var kept []any
		for i, item := range asList(raw) {
			at := fmt.Sprintf("%s.%s[%d]", where, key, i)
			if m, ok := item.(map[string]any); ok {
				if cond, has := m["if"]; has {
					ok, err := lang.Truthy(at+".if", cond, data)
					if err != nil {
						return nil, err
					}
					if !ok {
						continue
					}
				}
			}
			v, err := lang.Eval(at, item, data)
			if err != nil {
				return nil, err
			}
			kept = append(kept, v)
		}
		return kept, nil
	}
	links, err := items("links")
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		lm, _ := l.(map[string]any)
		if lm == nil {
			continue
		}
		link := OutputLink{Title: fmt.Sprint(orEmpty(lm["title"])), URL: fmt.Sprint(orEmpty(lm["url"])), EntityRef: fmt.Sprint(orEmpty(lm["entityRef"])), Icon: fmt.Sprint(orEmpty(lm["icon"]))}
		if link.URL == "" && link.EntityRef == "" {
			continue
		}
		out.Links = append(out.Links, link)
	}
	texts, err := items("text")
	if err != nil {
		return nil, err
	}
	for _, x := range texts {
		switch tm := x.(type) {
		case map[string]any:
			out.Text = append(out.Text, fmt.Sprint(orEmpty(tm["content"])))
		case string:
			out.Text = append(out.Text, tm)
		}
	}
	return out, nil
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}
