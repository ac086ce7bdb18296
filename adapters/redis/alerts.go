package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/callboard/callboard/bot"
)

// AlertStore implements bot.AlertStore: a group's lock is SET NX PX with a
// random token (released only by its holder), its state a JSON value with
// a TTL. The two keys of one group share a hash slot on a Cluster.
type AlertStore struct {
	C      goredis.UniversalClient
	Prefix string
}

var unlockScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

func (s *AlertStore) key(group, what string) string {
	return s.Prefix + "alert:{" + group + "}:" + what
}

// Lock implements bot.AlertStore.
func (s *AlertStore) Lock(ctx context.Context, group string, ttl time.Duration) (string, bool, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	ok, err := s.C.SetNX(ctx, s.key(group, "lock"), tok, ttl).Result()
	if err != nil {
		return "", false, fmt.Errorf("redis alert lock: %w", err)
	}
	return tok, ok, nil
}

// Unlock implements bot.AlertStore.
func (s *AlertStore) Unlock(ctx context.Context, group, token string) error {
	if err := unlockScript.Run(ctx, s.C, []string{s.key(group, "lock")}, token).Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis alert unlock: %w", err)
	}
	return nil
}

// Get implements bot.AlertStore.
func (s *AlertStore) Get(ctx context.Context, group string) (*bot.AlertState, error) {
	b, err := s.C.Get(ctx, s.key(group, "state")).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis alert state: %w", err)
	}
	var st bot.AlertState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("redis alert state of %s: %w", group, err)
	}
	return &st, nil
}

// Put implements bot.AlertStore.
func (s *AlertStore) Put(ctx context.Context, group string, st *bot.AlertState, ttl time.Duration) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := s.C.Set(ctx, s.key(group, "state"), b, ttl).Err(); err != nil {
		return fmt.Errorf("redis alert state: %w", err)
	}
	return nil
}
