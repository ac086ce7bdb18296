package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/callboard/callboard/bot"
)

// valueTTL is how long a button value kept in the value store stays usable.
const valueTTL = 24 * time.Hour

// valueStashPrefix keeps the adapter's keys apart from others in a shared stash.
const valueStashPrefix = "slack:value:"

// errValueUnavailable: the shared stash could not be read, so whether the
// button expired is not known.
var errValueUnavailable = errors.New("this button's command could not be fetched just now; try again in a minute")

// valueStore keeps button values too long for Slack's 2,000 characters;
// buttons carry its key instead. One per Adapter. With a bot.Stash (Redis)
// every value is written through and a key this replica does not hold is
// read from the stash, so such a button works whichever replica Slack
// delivers the click to; without one it works only on the replica that
// rendered it.
type valueStore struct {
	local  *memo[string]
	remote bot.Stash
	log    *slog.Logger
}

func newValueStore(remote bot.Stash, log *slog.Logger) *valueStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &valueStore{local: newMemo[string](4096, valueTTL), remote: remote, log: log}
}

// put keeps v and returns its key. A failed write to the stash is logged and
// leaves the value on this replica only. A nil store (Render outside an
// Adapter) keeps nothing: the button answers that it expired.
func (s *valueStore) put(v string) string {
	if s == nil {
		return randomKey()
	}
	k := s.local.put(v)
	if s.remote != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.remote.Put(ctx, valueStashPrefix+k, []byte(v), valueTTL); err != nil {
			s.log.Error("slack: could not share a long button value; the button works on this replica only", "err", err)
		}
	}
	return k
}

// get returns the value kept under k: errExpired when no one holds it,
// errValueUnavailable when the stash could not be asked.
func (s *valueStore) get(ctx context.Context, k string) (string, error) {
	if s == nil {
		return "", errExpired
	}
	if v, ok := s.local.get(k); ok {
		return v, nil
	}
	if s.remote == nil {
		return "", errExpired
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	b, ok, err := s.remote.Get(ctx, valueStashPrefix+k)
	if err != nil {
		return "", fmt.Errorf("%w (%w)", errValueUnavailable, err)
	}
	if !ok {
		return "", errExpired
	}
	s.local.set(k, string(b))
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
