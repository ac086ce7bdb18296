package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

// MemoryAlertStore is AlertStore for one process (no Redis configured).
type MemoryAlertStore struct {
	mu    sync.Mutex
	locks map[string]memoryAlertLock
	state map[string]memoryAlertState
	now   func() time.Time
}

type memoryAlertLock struct {
	token   string
	expires time.Time
}

type memoryAlertState struct {
	b       []byte
	expires time.Time
}

// NewMemoryAlertStore returns an empty store.
func NewMemoryAlertStore() *MemoryAlertStore {
	return &MemoryAlertStore{locks: map[string]memoryAlertLock{}, state: map[string]memoryAlertState{}, now: time.Now}
}

// Lock implements AlertStore.
func (m *MemoryAlertStore) Lock(_ context.Context, group string, ttl time.Duration) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.locks[group]; ok && now.Before(l.expires) {
		return "", false, nil
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	m.locks[group] = memoryAlertLock{token: tok, expires: now.Add(ttl)}
	return tok, true, nil
}

// Unlock implements AlertStore.
func (m *MemoryAlertStore) Unlock(_ context.Context, group, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.locks[group]; ok && l.token == token {
		delete(m.locks, group)
	}
	return nil
}

// Get implements AlertStore. The state is a copy: changing it changes nothing kept.
func (m *MemoryAlertStore) Get(_ context.Context, group string) (*AlertState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.state[group]
	if !ok || !m.now().Before(s.expires) {
		delete(m.state, group)
		return nil, nil
	}
	var st AlertState
	if err := json.Unmarshal(s.b, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Put implements AlertStore.
func (m *MemoryAlertStore) Put(_ context.Context, group string, st *AlertState, ttl time.Duration) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state[group] = memoryAlertState{b: b, expires: m.now().Add(ttl)}
	return nil
}
