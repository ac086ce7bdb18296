package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/scaffold"
)

type recordedReply struct {
	addr string
	resp *Response
}

type recordingReplier struct {
	mu  sync.Mutex
	got []recordedReply
}

func (r *recordingReplier) Reply(_ context.Context, addr string, resp *Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, recordedReply{addr, resp})
	return nil
}

func (r *recordingReplier) replies() []recordedReply {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedReply(nil), r.got...)
}

const testReplyURL = "https://hooks.slack.example/commands/T1/42/secret-part"

func settledJob(state scaffold.JobState, issued time.Time) *scaffold.Job {
	return &scaffold.Job{ID: "0123456789abcdef01234567", Template: "template:default/go-service", State: state, Attempts: 1,
		Values: map[string]any{"name": "ledger-export"},
		Reply:  &scaffold.ReplyAddress{Platform: PlatformSlack, Address: testReplyURL, Issued: issued}}
}

func newTestReplies(rp Replier) *JobReplies {
	r := newJobReplies(func(p string) Replier {
		if p == PlatformSlack {
			return rp
		}
		return nil
	})
	r.WatchTTL = 60 * time.Millisecond
	r.Grace = 300 * time.Millisecond
	return r
}

func waitReplies(t *testing.T, rp *recordingReplier, n int) []recordedReply {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for len(rp.replies()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// Anything more would show by now.
	time.Sleep(500 * time.Millisecond)
	return rp.replies()
}

// Nobody follows the job: the worker posts its outcome to the address,
// once however often it is told.
func TestUnfollowedJobOutcomeIsPostedOnce(t *testing.T) {
	rp := &recordingReplier{}
	r := newTestReplies(rp)
	j := settledJob(scaffold.JobSucceeded, time.Now())
	r.Settled(j)
	r.Settled(j)
	got := waitReplies(t, rp, 1)
	if len(got) != 1 {
		t.Fatalf("%d replies, want 1", len(got))
	}
	if got[0].addr != testReplyURL || got[0].resp.Title != "Scaffolded ledger-export from go-service: job "+j.ID {
		t.Errorf("reply to %q: %q", got[0].addr, got[0].resp.Title)
	}
	// A following reply that shows up late does not tell it again.
	if r.take(context.Background(), j) {
		t.Error("the outcome was taken twice")
	}
	// A parking and a later end are two outcomes: each is told.
	p := settledJob(scaffold.JobWaiting, time.Now())
	p.ID = "parked0000000000000000aa"
	p.ResumeAt = time.Now().Add(time.Hour)
	p.Waiting = "GitHub's rate limit: it continues by itself at 21:00 UTC, 7 Dec; nothing to do."
	r.Settled(p)
	f := *p
	f.State, f.Error = scaffold.JobFailed, "publish: boom"
	r.Settled(&f)
	got = waitReplies(t, rp, 3)
	if len(got) != 3 || !strings.Contains(got[1].resp.Text+got[2].resp.Text, "continues by itself") ||
		!strings.Contains(got[1].resp.Title+got[2].resp.Title, "failed") {
		t.Errorf("replies: %+v", got)
	}
}

// A reply that follows the job delivers its outcome; the worker leaves it.
func TestFollowedJobOutcomeIsLeftToTheFollower(t *testing.T) {
	rp := &recordingReplier{}
	r := newTestReplies(rp)
	j := settledJob(scaffold.JobFailed, time.Now())
	stop := r.watching(context.Background(), j.ID)
	r.Settled(j)
	time.Sleep(100 * time.Millisecond)
	if !r.take(context.Background(), j) {
		t.Fatal("the follower may not deliver the outcome")
	}
	stop()
	if got := waitReplies(t, rp, 1); len(got) != 0 {
		t.Errorf("the worker posted too: %+v", got)
	}
}

// The follower dies after the job settled: the worker posts, once its
// watch key has lapsed.
func TestOutcomeIsPostedWhenTheFollowerDies(t *testing.T) {
	rp := &recordingReplier{}
	r := newTestReplies(rp)
	j := settledJob(scaffold.JobSucceeded, time.Now())
	stop := r.watching(context.Background(), j.ID)
	r.Settled(j)
	time.Sleep(80 * time.Millisecond)
	stop()
	if got := waitReplies(t, rp, 1); len(got) != 1 {
		t.Fatalf("%d replies, want 1", len(got))
	}
}

// An address past its platform's lifetime is not used; the log says so
// without the address.
func TestExpiredReplyAddressIsSkipped(t *testing.T) {
	rp := &recordingReplier{}
	var logs bytes.Buffer
	var mu sync.Mutex
	r := newTestReplies(rp)
	r.Log = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	r.Settled(settledJob(scaffold.JobSucceeded, time.Now().Add(-31*time.Minute)))
	if got := waitReplies(t, rp, 1); len(got) != 0 {
		t.Fatalf("posted to an expired address: %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "reply address has expired") || strings.Contains(logs.String(), "secret-part") {
		t.Errorf("log:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// The address never shows when a job is printed or logged.
func TestReplyAddressIsRedacted(t *testing.T) {
	j := settledJob(scaffold.JobSucceeded, time.Now())
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("job", "reply", j.Reply)
	resp := (&scaffolding{}).jobResponse(j)
	for _, s := range []string{logs.String(), j.Reply.String(), resp.Title + resp.Text} {
		if strings.Contains(s, "secret-part") {
			t.Errorf("the address shows: %s", s)
		}
	}
}

// Wait returns once the outcome posts Settled started have ended (a server
// waits for them before closing the Redis they read), or at its deadline
// while one still waits for a follower's watch key to lapse.
func TestWaitReturnsWhenOutcomePostsHaveEnded(t *testing.T) {
	rp := &recordingReplier{}
	r := newTestReplies(rp)
	j := settledJob(scaffold.JobSucceeded, time.Now())
	stop := r.watching(context.Background(), j.ID) // a live follower: the post waits
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r.Settled(j)
	if err := r.Wait(short); err == nil {
		t.Fatal("Wait returned while a post was still waiting for the follower")
	}
	stop() // the follower dies; the post goes out once its key lapses
	ctx, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if err := r.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rp.replies(); len(got) != 1 {
		t.Fatalf("Wait returned with %d replies posted, want the outcome", len(got))
	}
}
