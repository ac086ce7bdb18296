package scaffold

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemJobStore is a JobStore in memory, for one process. Jobs are copied in and
// out (through JSON, as a remote store would), so callers never share state.
type MemJobStore struct {
	mu    sync.Mutex
	byID  map[string][]byte
	byKey map[string]string
	// meta is what ListJobs selects and orders by, so a listing decodes
	// only the jobs it returns.
	meta map[string]jobMeta
}

type jobMeta struct {
	requester, user string
	created         time.Time
}

func metaOf(j *Job) jobMeta { return jobMeta{j.Requester, j.User, j.Created} }

// NewMemJobStore returns an empty store.
func NewMemJobStore() *MemJobStore {
	return &MemJobStore{byID: map[string][]byte{}, byKey: map[string]string{}, meta: map[string]jobMeta{}}
}

func copyJob(data []byte) (*Job, error) {
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// Create implements JobStore.
func (s *MemJobStore) Create(ctx context.Context, job *Job) (*Job, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if job.Key != "" {
		if id, ok := s.byKey[job.Key]; ok {
			j, err := copyJob(s.byID[id])
			return j, false, err
		}
	}
	data, err := json.Marshal(job)
	if err != nil {
		return nil, false, err
	}
	s.byID[job.ID] = data
	s.meta[job.ID] = metaOf(job)
	if job.Key != "" {
		s.byKey[job.Key] = job.ID
	}
	return nil, true, nil
}

// Get implements JobStore.
func (s *MemJobStore) Get(ctx context.Context, id string) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	data, ok := s.byID[id]
	s.mu.Unlock()
	if !ok {
		return nil, ErrJobNotFound
	}
	return copyJob(data)
}

// Save implements JobStore.
func (s *MemJobStore) Save(ctx context.Context, job *Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := json.Marshal(job)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[job.ID]; !ok {
		return ErrJobNotFound
	}
	s.byID[job.ID] = data
	s.meta[job.ID] = metaOf(job)
	return nil
}

// MemQueue is a Queue in memory. A claimed id not acked within Visibility is
// handed out again (to any consumer), as a Redis Stream's XAUTOCLAIM would.
// It is a Leaser; MemJobStore does not check the tokens (one process).
type MemQueue struct {
	// Visibility is how long a claim lasts without an ack or a renewal
	// (default 15 s).
	Visibility time.Duration

	mu      sync.Mutex
	waiting []string
	pending map[string]claim // id -> claim
	seq     uint64
	signal  chan struct{}
	now     func() time.Time
	// leases and epochs are the Leaser's: the live lease of each job, and
	// the last token given for it.
	leases map[string]memLease
	epochs map[string]int64
}

type memLease struct {
	token int64
	until time.Time
}

type claim struct {
	consumer string
	at       time.Time
	seq      uint64
}

// NewMemQueue returns an empty queue.
func NewMemQueue() *MemQueue {
	return &MemQueue{pending: map[string]claim{}, signal: make(chan struct{}, 1), now: time.Now,
		leases: map[string]memLease{}, epochs: map[string]int64{}}
}

// Enqueue implements Queue.
func (q *MemQueue) Enqueue(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	q.waiting = append(q.waiting, id)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
	return nil
}

func (q *MemQueue) visibility() time.Duration {
	if q.Visibility > 0 {
		return q.Visibility
	}
	return 15 * time.Second
}

func (q *MemQueue) take(consumer string) (string, uint64, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for id, c := range q.pending {
		if now.Sub(c.at) >= q.visibility() {
			q.seq++
			q.pending[id] = claim{consumer: consumer, at: now, seq: q.seq}
			return id, q.seq, true
		}
	}
	if len(q.waiting) == 0 {
		return "", 0, false
	}
	id := q.waiting[0]
	q.waiting = q.waiting[1:]
	q.seq++
	q.pending[id] = claim{consumer: consumer, at: now, seq: q.seq}
	return id, q.seq, true
}

// Claim implements Queue. It polls for expired claims while it waits.
func (q *MemQueue) Claim(ctx context.Context, consumer string) (string, func(context.Context) error, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if id, seq, ok := q.take(consumer); ok {
			ack := func(context.Context) error {
				q.mu.Lock()
				defer q.mu.Unlock()
				if c, ok := q.pending[id]; ok && c.seq == seq {
					delete(q.pending, id)
				}
				return nil
			}
			return id, ack, nil
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-q.signal:
		case <-tick.C:
		}
	}
}

// Lease implements Leaser.
func (q *MemQueue) Lease(ctx context.Context, consumer, id string) (Claim, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	if l, ok := q.leases[id]; ok && now.Before(l.until) {
		return Claim{}, ErrClaimHeld
	}
	q.epochs[id]++
	c := Claim{Job: id, Token: q.epochs[id]}
	q.leases[id] = memLease{token: c.Token, until: now.Add(q.visibility() * 9 / 10)}
	return c, nil
}

// Renew implements Leaser.
func (q *MemQueue) Renew(ctx context.Context, consumer string, c Claim) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	l, ok := q.leases[c.Job]
	now := q.now()
	if !ok || l.token != c.Token {
		return ErrClaimLost
	}
	q.leases[c.Job] = memLease{token: c.Token, until: now.Add(q.visibility() * 9 / 10)}
	if p, ok := q.pending[c.Job]; ok && p.consumer == consumer {
		p.at = now
		q.pending[c.Job] = p
	}
	return nil
}

// Release implements Leaser.
func (q *MemQueue) Release(ctx context.Context, c Claim) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l, ok := q.leases[c.Job]; ok && l.token == c.Token {
		delete(q.leases, c.Job)
	}
	return nil
}

// Heartbeat implements Leaser: a third of the visibility.
func (q *MemQueue) Heartbeat() time.Duration { return q.visibility() / 3 }

var _ Leaser = (*MemQueue)(nil)

// ListJobs implements JobLister.
func (s *MemJobStore) ListJobs(ctx context.Context, q JobQuery) ([]*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type hit struct {
		id string
		jobMeta
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []hit
	for id, m := range s.meta {
		if q.Matches(&Job{Requester: m.requester, User: m.user}) {
			hits = append(hits, hit{id, m})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	if len(hits) > q.Max() {
		hits = hits[:q.Max()]
	}
	out := make([]*Job, 0, len(hits))
	for _, h := range hits {
		j, err := copyJob(s.byID[h.id])
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// SortJobs orders jobs newest first (ties by id, so the order is stable).
func SortJobs(jobs []*Job) {
	slices.SortFunc(jobs, func(a, b *Job) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
