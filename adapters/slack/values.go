package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// valueTTL is how long a button value kept in the value store stays usable.
const valueTTL = 24 * time.Hour

// valueStashPrefix keeps the adapter's keys apart from others in a shared stash.
const valueStashPrefix = "slack:value:"

// errValueUnavailable: the shared stash could not be read, so whether the
// button expired is not known.
var errValueUnavailable = errors.New("this button's command could not be fetched just now; try again in a minute")

// valueStore keeps button values too long for Slack's 2,000 characters;
// buttons carry its key instead. One per Adapter. With a chat.Stash (Redis)
// every value is written through and a key this replica does not hold is
// read from the stash, so such a button works whichever replica Slack
// delivers the click to; without one it works only on the replica that
// rendered it.
//
// A key is the value's digest: an answer rendered again (each part of a
// long answer renders all of it) reuses its keys, and the stash is written
// once an hour per value at most rather than on every render.
type valueStore struct {
	local  *memo[keptValue]
	remote chat.Stash
	log    *slog.Logger
	now    func() time.Time
}

type keptValue struct {
	v string
	// shared is when v was last written to the stash (zero: not written).
	shared time.Time
}

// valueReshare is how often a value rendered again is written to the stash
// again; the stash keeps it valueReshare longer than valueTTL, so a button
// works for valueTTL after its last rendering on any replica.
const valueReshare = time.Hour

func newValueStore(remote chat.Stash, log *slog.Logger) *valueStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &valueStore{local: newMemo[keptValue](4096, valueTTL), remote: remote, log: log, now: time.Now}
}

// valueKey is the key of v: 24 hex characters of its SHA-256.
func valueKey(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:12])
}

// put keeps v and returns its key. A failed write to the stash is logged and
// leaves the value on this replica only. A nil store (Render outside an
// Adapter) keeps nothing: the button answers that it expired.
func (s *valueStore) put(v string) string {
	if s == nil {
		return randomKey()
	}
	k := valueKey(v)
	kept, ok := s.local.get(k)
	if !ok || kept.v != v {
		kept = keptValue{v: v}
	}
	if s.remote != nil && s.now().Sub(kept.shared) >= valueReshare {
		ctx, cancel := context.WithTimeout(context.Background(), stashTimeout)
		err := s.remote.Put(ctx, valueStashPrefix+k, []byte(v), valueTTL+valueReshare)
		cancel()
		if err != nil {
			s.log.Error("slack: could not share a long button value; the button works on this replica only", "err", err)
		} else {
			kept.shared = s.now()
		}
	}
	s.local.set(k, kept)
	return k
}

// get returns the value kept under k: errExpired when no one holds it,
// errValueUnavailable when the stash could not be asked.
func (s *valueStore) get(ctx context.Context, k string) (string, error) {
	if s == nil {
		return "", errExpired
	}
	if kept, ok := s.local.get(k); ok {
		return kept.v, nil
	}
	if s.remote == nil {
		return "", errExpired
	}
	ctx, cancel := context.WithTimeout(ctx, stashTimeout)
	defer cancel()
	b, ok, err := s.remote.Get(ctx, valueStashPrefix+k)
	if err != nil {
		return "", fmt.Errorf("%w (%w)", errValueUnavailable, err)
	}
	if !ok {
		return "", errExpired
	}
	s.local.set(k, keptValue{v: string(b), shared: s.now()})
	return string(b), nil
}

// decode reads a button value, fetching one kept in the store by its key.
func (s *valueStore) decode(ctx context.Context, raw string) (actionValue, error) {
	v, err := decodeValue(raw)
	if err != nil || v.Ref == "" {
		return v, err
	}
	full, err := s.get(ctx, v.Ref)
	if err != nil {
		return v, err
	}
	v, err = decodeValue(full)
	if err == nil && v.Ref != "" {
		return v, errors.New("button value refers to another stored value")
	}
	return v, err
}

// stashTimeout bounds a call to the shared stash: it is on the way to an
// answer the platform wants within 3 seconds, and a slow Redis only costs
// the button working on other replicas.
const stashTimeout = 500 * time.Millisecond
