package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/scaffold"
)

// Replier posts a response to a reply address the platform's adapter put
// in Request.ReplyTo, replacing the message that answered the request.
// adapters/slack and adapters/discord implement it.
type Replier interface {
	Reply(ctx context.Context, addr string, resp *Response) error
}

// How long each platform's reply address can update the message, counted
// from when it was issued: Slack's response_url 30 minutes, Discord's
// interaction token 15; less a margin for the post itself.
var replyLifetime = map[string]time.Duration{
	PlatformSlack:   29 * time.Minute,
	PlatformDiscord: 14*time.Minute + 30*time.Second,
}

// JobReplies brings a scaffold job's outcome to the message that answered
// its request when the reply that followed the job is gone (the replica
// that took the request died, taking the follow-up with it).
//
// A following reply renews a watch key in Watch while it lives. A worker
// that finishes or parks a job (Settled) waits until no reply watches the
// job, then posts the outcome through the platform's Replier. Whoever
// delivers an outcome (the following reply or a worker) first takes it
// with Once, so the message gets each outcome once.
type JobReplies struct {
	// Watch holds the watch keys, shared by the replicas (Redis).
	Watch Stash
	// Once takes an outcome's delivery (FirstSeen over Redis).
	Once func(ctx context.Context, key string) (bool, error)
	// Repliers returns the Replier of a platform (nil: none configured).
	Repliers func(platform string) Replier
	Log      *slog.Logger
	// WatchTTL is how long a watch key outlives its last renewal (renewed
	// every third of it); default 6s. Grace is how long a worker waits for
	// a live reply to deliver before it leaves the message to it; default
	// three WatchTTLs.
	WatchTTL, Grace time.Duration
	// Now is the clock for address lifetimes (time.Now by default).
	Now func() time.Time

	// settling counts the outcome posts in the background (Wait).
	settling sync.WaitGroup
}

// newJobReplies returns JobReplies with in-memory watch keys and outcome
// dedupe (one process), for tests and a console.
func newJobReplies(repliers func(string) Replier) *JobReplies {
	d := NewMemoryDedupe()
	return &JobReplies{Watch: NewMemoryStash(), Once: func(ctx context.Context, key string) (bool, error) {
		return d.FirstSeen(ctx, key, 24*time.Hour)
	}, Repliers: repliers}
}

func (r *JobReplies) ttl() time.Duration {
	if r.WatchTTL > 0 {
		return r.WatchTTL
	}
	return 6 * time.Second
}

func (r *JobReplies) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return 3 * r.ttl()
}

func (r *JobReplies) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

func (r *JobReplies) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func watchKey(id string) string { return "scaffold-watch:" + id }

// outcomeKey names one outcome of a job: its end in one attempt, or one
// parking.
func outcomeKey(j *scaffold.Job) string {
	return fmt.Sprintf("scaffold-reply:%s:%d:%s:%d", j.ID, j.Attempts, j.State, j.ResumeAt.Unix())
}

// settled reports whether j has an outcome to tell: finished, or parked.
func settled(j *scaffold.Job) bool { return j.Finished() || j.State == scaffold.JobWaiting }

// watching marks job id followed until the returned function is called.
func (r *JobReplies) watching(ctx context.Context, id string) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	mark := func() {
		pctx, pcancel := context.WithTimeout(ctx, r.ttl()/3)
		defer pcancel()
		if err := r.Watch.Put(pctx, watchKey(id), []byte("1"), r.ttl()); err != nil && ctx.Err() == nil {
			r.log().Warn("scaffold: marking a job's reply alive failed", "job", id, "err", err)
		}
	}
	mark() // before the first read of the job
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(r.ttl() / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				mark()
			}
		}
	}()
	return func() { cancel(); <-done }
}

// take reports whether the following reply may deliver j: always for
// progress; for an outcome, only the first to take it.
func (r *JobReplies) take(ctx context.Context, j *scaffold.Job) bool {
	if !settled(j) || j.Reply == nil || r.Once == nil {
		return true
	}
	first, err := r.Once(ctx, outcomeKey(j))
	if err != nil {
		// Better twice than never.
		r.log().Warn("scaffold: could not check who tells a job's outcome; telling it", "job", j.ID, "err", err)
		return true
	}
	return first
}

// Settled is called by a worker with the job it has just finished or
// parked. When the job has a reply address and no reply follows it, the
// outcome is posted there, in the background.
func (r *JobReplies) Settled(j *scaffold.Job) {
	if r == nil || j == nil || j.Reply == nil || !settled(j) {
		return
	}
	c := *j
	r.settling.Go(func() { r.settle(&c) })
}

// Wait returns once every outcome post started by Settled has ended, or
// with ctx's error: a server waits for them before it closes the state
// they read (the watch keys in Redis).
func (r *JobReplies) Wait(ctx context.Context) error {
	if r == nil {
		return nil
	}
	return chat.Wait(ctx, &r.settling)
}

func (r *JobReplies) settle(j *scaffold.Job) {
	ctx, cancel := context.WithTimeout(context.Background(), r.grace()+time.Minute)
	defer cancel()
	log := r.log().With("job", j.ID, "state", j.State, "platform", j.Reply.Platform)
	deadline := time.Now().Add(r.grace())
	for {
		_, watched, err := r.Watch.Get(ctx, watchKey(j.ID))
		if err == nil && !watched {
			break
		}
		if time.Now().After(deadline) {
			// A reply is following and delivers it (or the watch keys
			// cannot be read: then leave it, rather than post twice).
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.ttl() / 3):
		}
	}
	life, known := replyLifetime[j.Reply.Platform]
	var rp Replier
	if r.Repliers != nil {
		rp = r.Repliers(j.Reply.Platform)
	}
	if !known || rp == nil {
		log.Warn("scaffold: nobody follows this job's message and this replica cannot post to its platform; the outcome is in `scaffold status`")
		return
	}
	if age := r.now().Sub(j.Reply.Issued); age > life {
		log.Info("scaffold: nobody follows this job's message and its reply address has expired; the outcome is in `scaffold status`", "age", age.Round(time.Second))
		return
	}
	if r.Once != nil {
		first, err := r.Once(ctx, outcomeKey(j))
		if err != nil {
			log.Warn("scaffold: could not check who tells a job's outcome; telling it", "err", err)
		} else if !first {
			return
		}
	}
	resp := (&scaffolding{}).jobResponse(j)
	if err := rp.Reply(ctx, j.Reply.Address, resp); err != nil {
		// The error may quote the address (a URL with the token in it).
		msg := strings.ReplaceAll(err.Error(), j.Reply.Address, "[reply address]")
		log.Warn("scaffold: posting a job's outcome to its message failed", "err", msg)
		return
	}
	log.Info("scaffold: posted a job's outcome to its message, which nobody else followed")
}
