package scaffold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// JobState is where a job is in its life.
type JobState string

const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
	// JobWaiting is a job parked until ResumeAt (GitHub's rate limit): a
	// worker resumes it then, without anyone asking.
	JobWaiting JobState = "waiting"
)

// StepState is where one step is.
type StepState string

const (
	StepPending StepState = "pending"
	StepRunning StepState = "running"
	StepDone    StepState = "done"
	StepSkipped StepState = "skipped"
	StepFailed  StepState = "failed"
)

// StepRecord is the persisted result of one step. Output is kept after each
// step so Retry resumes at the failed step with the earlier outputs.
type StepRecord struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Action string         `json:"action"`
	State  StepState      `json:"state"`
	Output map[string]any `json:"output,omitempty"`
	Error  string         `json:"error,omitempty"`
	// Created lists what this step made exist outside callboard
	// ("repository github.com/acme/ledger", "pull request #4").
	Created []string `json:"created,omitempty"`
	// DryRun is set on a step with side effects that a dry run went
	// through without performing them: Output says what it would make.
	DryRun bool `json:"dryRun,omitempty"`
}

// Outcome says what a finished step did, for progress lines: its state, or
// for a dry run's side-effect step what it would have done ("dry run:
// nothing created; would create repository https://github.com/acme/x").
func (s StepRecord) Outcome() string {
	if !s.DryRun || s.State != StepDone {
		return string(s.State)
	}
	str := func(k string) string { v, _ := s.Output[k].(string); return v }
	var would string
	switch s.Action {
	case "publish:github":
		would = "would create repository " + str("remoteUrl")
	case "publish:github:pull-request":
		would = "would open a pull request on " + strings.TrimSuffix(str("remoteUrl"), "/pull/0")
	case "catalog:register":
		would = "would register " + str("entityRef")
	}
	if strings.HasSuffix(would, " ") || would == "" {
		return "dry run: nothing done"
	}
	return "dry run: nothing created; " + would
}

// Job is one run of a template. It is plain data (JSON-serialisable) so a
// JobStore can keep it anywhere.
type Job struct {
	ID string `json:"id"`
	// Key is the idempotency key of the request: two requests with the same
	// key are the same job.
	Key      string         `json:"key"`
	Template string         `json:"template"` // template entity ref
	Values   map[string]any `json:"values"`   // validated, coerced parameters (secrets removed)
	// User is the entity ref of the person who asked, when known.
	User string `json:"user,omitempty"`
	// Requester is the chat account that asked ("slack:U0123"), when known:
	// who may retry the job besides admins.
	Requester string       `json:"requester,omitempty"`
	State     JobState     `json:"state"`
	Steps     []StepRecord `json:"steps"`
	Error     string       `json:"error,omitempty"`
	Output    *RunOutput   `json:"output,omitempty"`
	Created   time.Time    `json:"created"`
	Updated   time.Time    `json:"updated"`
	// Attempts counts how many times the job was started (1 + retries).
	Attempts int `json:"attempts"`
	// Worker is the queue consumer running (or that last ran) the job.
	Worker string `json:"worker,omitempty"`
	// ResumeAt is when a waiting job continues, and Waiting why it waits.
	ResumeAt time.Time `json:"resume_at,omitzero"`
	Waiting  string    `json:"waiting,omitempty"`
	// Reply is where the chat platform lets the request's message be
	// updated, kept so a worker on another replica can post the result
	// when the reply that followed the job died with its replica.
	Reply *ReplyAddress `json:"reply,omitempty"`
}

// ReplyAddress is a chat platform's address for updating the message that
// answered a request (a Slack response_url; a Discord application id and
// interaction token). It works as a credential for as long as it lives, so
// it is kept with the job but never shown: its String and LogValue say only
// which platform it is for.
type ReplyAddress struct {
	Platform string `json:"platform"`
	// Address is opaque here; the platform's adapter reads it.
	Address string `json:"address"`
	// Issued is when the platform gave it (its lifetime counts from then).
	Issued time.Time `json:"issued"`
}

func (a *ReplyAddress) String() string {
	if a == nil {
		return "none"
	}
	return a.Platform + " reply address [redacted]"
}

// LogValue keeps the address out of logs.
func (a *ReplyAddress) LogValue() slog.Value { return slog.StringValue(a.String()) }

// RunOutput is what a finished job shows (the template's spec.output rendered).
type RunOutput struct {
	Links []OutputLink `json:"links,omitempty"`
	Text  []string     `json:"text,omitempty"`
}

// OutputLink is a link of spec.output.
type OutputLink struct {
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
	EntityRef string `json:"entityRef,omitempty"`
	Icon      string `json:"icon,omitempty"`
}

// Exists lists what the job has made exist so far, in step order.
func (j *Job) Exists() []string {
	var out []string
	for _, s := range j.Steps {
		out = append(out, s.Created...)
	}
	return out
}

// ErrJobNotFound is returned by JobStore.Get for an unknown id.
var ErrJobNotFound = errors.New("job not found")

// ErrUnavailable marks an error of a JobStore or Queue that could not be
// reached (its Redis is down): nothing was recorded or queued, and the
// request may be tried again. The rest of such an error's text (addresses,
// the network error) is for the log, not for chat.
var ErrUnavailable = errors.New("the shared job store is unavailable")

// JobStore keeps jobs. A Redis implementation uses SET NX on the key for
// Create and a hash (or a JSON string) per job.
type JobStore interface {
	// Create stores job unless a job with the same Key exists; then it
	// returns that job and created false (job is not stored).
	Create(ctx context.Context, job *Job) (existing *Job, created bool, err error)
	// Get returns the job with this id, or ErrJobNotFound.
	Get(ctx context.Context, id string) (*Job, error)
	// Save replaces the stored job with the same ID.
	Save(ctx context.Context, job *Job) error
}

// ErrQueueEmpty is returned by Queue.Claim when nothing is waiting and ctx
// has not asked it to block longer.
var ErrQueueEmpty = errors.New("no job waiting")

// Queue hands job ids to workers. A Redis implementation is a Stream with a
// consumer group: Enqueue is XADD, Claim is XREADGROUP (or XAUTOCLAIM of an
// entry another consumer left pending too long), ack is XACK.
type Queue interface {
	Enqueue(ctx context.Context, id string) error
	// Claim blocks until an id is available or ctx is done. The job belongs
	// to consumer until ack is called; an id claimed but never acked is
	// handed out again after the implementation's visibility timeout.
	Claim(ctx context.Context, consumer string) (id string, ack func(context.Context) error, err error)
}

// Claim is one worker's hold on a job, with its fencing token: every write
// the worker makes for the job carries it (WithClaim), and a store refuses
// the write with ErrClaimLost once another worker has taken the job.
type Claim struct {
	Job   string
	Token int64
}

type claimKey struct{}

// WithClaim returns ctx carrying c: writes made with it are fenced by c.
func WithClaim(ctx context.Context, c Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

// ClaimFrom returns the claim ctx carries, if any.
func ClaimFrom(ctx context.Context) (Claim, bool) {
	c, ok := ctx.Value(claimKey{}).(Claim)
	return c, ok
}

// ErrClaimLost is returned by a fenced write, and by Leaser.Renew, once
// another worker holds the job: the worker that gets it must change
// nothing more and let the job go.
var ErrClaimLost = errors.New("the claim on this job was lost to another worker")

// ErrClaimHeld is returned by Leaser.Lease while another live worker holds
// the job (a duplicate queue entry): the entry is left for later.
var ErrClaimHeld = errors.New("another worker holds this job")

// Leaser is a Queue whose claims are short and kept alive by a heartbeat
// while the worker lives, so a dead worker's job is taken over within
// seconds, and fenced, so a worker that lost its claim changes nothing.
type Leaser interface {
	// Lease takes the job id just claimed by consumer, with a new fencing
	// token: writes under any older token fail from now on. ErrClaimHeld
	// while another worker's lease is alive.
	Lease(ctx context.Context, consumer, id string) (Claim, error)
	// Renew extends c and consumer's claim of the queue entry;
	// ErrClaimLost when another worker has the job now.
	Renew(ctx context.Context, consumer string, c Claim) error
	// Release gives c up (the job finished, was handed back or parked).
	Release(ctx context.Context, c Claim) error
	// Heartbeat is how often Renew must be called.
	Heartbeat() time.Duration
}

// WaitError is a step failure that passes by itself at Until (GitHub's rate
// limit): the job is parked until then and resumed without anyone asking.
type WaitError struct {
	Until time.Time
	// Reason says who asked to wait ("GitHub's rate limit").
	Reason string
	Err    error
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("%s: wait until %s: %v", e.Reason, e.Until.UTC().Format(time.RFC3339), e.Err)
}

func (e *WaitError) Unwrap() error { return e.Err }

// JobQuery selects jobs for JobLister.ListJobs. With Requester and User both
// empty it selects every job; with either set, the jobs that person asked for
// (a job matches when its Requester or its User is the one given).
type JobQuery struct {
	// Requester is a chat account ("slack:U0123").
	Requester string
	// User is a catalog User's entity ref ("user:default/jane.doe").
	User string
	// Limit is the most jobs returned (default 20).
	Limit int
}

// Max is q.Limit or its default.
func (q JobQuery) Max() int {
	if q.Limit <= 0 {
		return 20
	}
	return q.Limit
}

// Matches reports whether j is selected by q (ignoring Limit).
func (q JobQuery) Matches(j *Job) bool {
	if q.Requester == "" && q.User == "" {
		return true
	}
	return (q.Requester != "" && j.Requester == q.Requester) || (q.User != "" && j.User == q.User)
}

// JobLister lists recent jobs, newest (by Created) first: a person's own
// (App Home, `me`) or everyone's (the operator status page). Both job
// stores implement it; a store that keeps jobs for a limited time lists
// only those it still keeps.
type JobLister interface {
	ListJobs(ctx context.Context, q JobQuery) ([]*Job, error)
}
