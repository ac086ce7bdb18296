package redis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Options configures the connection. Either URL (redis:// or rediss://) or
// Addrs (several for Sentinel with MasterName, or Cluster) is set.
type Options struct {
	URL        string
	Addrs      []string
	MasterName string
	// Password, when empty, is read from PasswordFile. It is never logged.
	Password     string
	PasswordFile string
	DB           int
	// KeyPrefix is put before every key ("callboard:" by default).
	KeyPrefix string
	// DialTimeout (1 s), ReadTimeout and WriteTimeout (2 s) default to short
	// values so an unavailable Redis fails an operation quickly; a shorter
	// context deadline wins (ContextTimeoutEnabled), so a caller with a
	// small budget is never held longer on a hung socket.
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
}

// String describes the options without the password.
func (o Options) String() string {
	if o.URL != "" {
		return "redis " + redactURL(o.URL)
	}
	return fmt.Sprintf("redis addrs=%v master=%q db=%d", o.Addrs, o.MasterName, o.DB)
}

func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return u[:i+3] + "***@" + rest[at+1:]
		}
	}
	return u
}

// Prefix returns the key prefix in use.
func (o Options) Prefix() string {
	if o.KeyPrefix == "" {
		return "callboard:"
	}
	return o.KeyPrefix
}

// NewClient builds a UniversalClient from o. It does not dial; use Ping.
func NewClient(o Options) (goredis.UniversalClient, error) {
	password := o.Password
	if password == "" && o.PasswordFile != "" {
		b, err := os.ReadFile(o.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("redis password file: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	u := &goredis.UniversalOptions{
		Addrs: o.Addrs, MasterName: o.MasterName, Password: password, DB: o.DB,
		DialTimeout: or(o.DialTimeout, time.Second), ReadTimeout: or(o.ReadTimeout, 2*time.Second),
		WriteTimeout: or(o.WriteTimeout, 2*time.Second),
		// Without it go-redis ignores context deadlines on a connection that
		// stopped answering and waits for ReadTimeout instead.
		ContextTimeoutEnabled: true,
		// Fail fast when every connection is busy on a hung server.
		PoolTimeout: 2 * time.Second,
		// Few, short retries: an unavailable Redis fails a request in about
		// a second; the pool dials again on the next one by itself.
		MaxRetries: 1, DialerRetries: 2, DialerRetryTimeout: 100 * time.Millisecond,
	}
	if o.URL != "" {
		if len(o.Addrs) > 0 {
			return nil, errors.New("redis: set either url or addrs, not both")
		}
		p, err := goredis.ParseURL(o.URL)
		if err != nil {
			// The parse error may quote the URL; do not repeat it.
			return nil, fmt.Errorf("redis url %s: not a valid redis:// or rediss:// URL", redactURL(o.URL))
		}
		u.Addrs = []string{p.Addr}
		u.Username = p.Username
		if p.Password != "" && o.Password == "" {
			u.Password = p.Password
		}
		u.DB = p.DB
		u.TLSConfig = p.TLSConfig
	}
	if len(u.Addrs) == 0 {
		return nil, errors.New("redis: no url or addrs configured")
	}
	return goredis.NewUniversalClient(u), nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Healthy reports whether Redis answers PING, for /readyz.
func Healthy(ctx context.Context, c goredis.UniversalClient) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis unavailable: %w", err)
	}
	return nil
}
