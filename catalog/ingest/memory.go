package ingest

import (
	"context"
	"maps"
	"sync"
)

// MemoryRegistrations is Registrations in memory: the store one process
// (or a test's several replicas) shares. View gives each replica its own
// side of it.
type MemoryRegistrations struct {
	mu   sync.Mutex
	data map[string][]byte
	subs map[*memorySub]struct{}
}

type memorySub struct {
	self string
	ch   chan string
}

// NewMemoryRegistrations returns an empty store.
func NewMemoryRegistrations() *MemoryRegistrations {
	return &MemoryRegistrations{data: map[string][]byte{}, subs: map[*memorySub]struct{}{}}
}

// View is the store as the replica self sees it: it is not told of its own
// registrations.
func (m *MemoryRegistrations) View(self string) Registrations {
	return memoryView{m, self}
}

type memoryView struct {
	m    *MemoryRegistrations
	self string
}

func (v memoryView) Put(ctx context.Context, location string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	v.m.data[location] = append([]byte(nil), data...)
	for s := range v.m.subs {
		if s.self == v.self {
			continue
		}
		select {
		case s.ch <- location:
		default: // a follower that lags reads it at its next rebuild
		}
	}
	return nil
}

func (v memoryView) Delete(ctx context.Context, location string) error {
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	delete(v.m.data, location)
	return ctx.Err()
}

func (v memoryView) All(ctx context.Context) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	out := maps.Clone(v.m.data)
	for k, d := range out {
		out[k] = append([]byte(nil), d...)
	}
	return out, nil
}

func (v memoryView) Follow(ctx context.Context, f func(location string)) error {
	s := &memorySub{self: v.self, ch: make(chan string, 64)}
	v.m.mu.Lock()
	v.m.subs[s] = struct{}{}
	v.m.mu.Unlock()
	defer func() {
		v.m.mu.Lock()
		delete(v.m.subs, s)
		v.m.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case loc := <-s.ch:
			f(loc)
		}
	}
}

// MemoryHandOver is HandOver in memory: replicas of one process (tests)
// hand webhook work to whichever of them receives.
type MemoryHandOver struct {
	mu   sync.Mutex
	subs map[chan Op]struct{}
}

// NewMemoryHandOver returns a HandOver nobody receives from yet.
func NewMemoryHandOver() *MemoryHandOver {
	return &MemoryHandOver{subs: map[chan Op]struct{}{}}
}

// Send gives op to every receiver and returns how many there are.
func (h *MemoryHandOver) Send(ctx context.Context, op Op) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	h.mu.Lock()
	subs := make([]chan Op, 0, len(h.subs))
	for ch := range h.subs {
		subs = append(subs, ch)
	}
	h.mu.Unlock()
	// As Redis pub/sub, a send never waits for a busy receiver: one whose
	// buffer is full misses the op and is not counted.
	var n int64
	for _, ch := range subs {
		select {
		case ch <- op:
			n++
		default:
		}
	}
	return n, nil
}

// Receive calls f with each op sent until ctx is done.
func (h *MemoryHandOver) Receive(ctx context.Context, f func(Op)) error {
	ch := make(chan Op, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case op := <-ch:
			f(op)
		}
	}
}
