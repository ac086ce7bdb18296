package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Options configures the connection. Either URL (redis:// or rediss://) or
// Addrs (several for Sentinel with MasterName, or Cluster) is set.
type Options struct {
	URL        string
	Addrs      []string
	MasterName string
	// Username is the ACL user (Redis 6 and later); empty is the default
	// user. A URL's user is used when this is empty.
	Username string
	// Password, when empty, is read from PasswordFile. It is never logged.
	Password     string
	PasswordFile string
	// SentinelUsername and SentinelPassword (or SentinelPasswordFile) are
	// what the Sentinels themselves require (requirepass in sentinel.conf),
	// apart from the data nodes' Username and Password. Empty: the Sentinels
	// are asked without credentials.
	SentinelUsername     string
	SentinelPassword     string
	SentinelPasswordFile string
	DB                   int
	// Cluster says whether Redis is a Cluster. Nil decides by itself: several
	// Addrs (without MasterName) are a Cluster; one address (or a URL) is
	// asked with CLUSTER INFO at start, as a managed service's configuration
	// endpoint expects.
	Cluster *bool
	// TLS, when set, encrypts every connection (to Sentinels and Cluster
	// nodes too). A rediss:// URL turns it on as well.
	TLS *TLSOptions
	// KeyPrefix is put before every key ("callboard:" by default).
	KeyPrefix string
	// DialTimeout (1 s), ReadTimeout and WriteTimeout (2 s) default to short
	// values so an unavailable Redis fails an operation quickly; a shorter
	// context deadline wins (ContextTimeoutEnabled), so a caller with a
	// small budget is never held longer on a hung socket.
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
}

// TLSOptions are the files and name TLS connections use.
type TLSOptions struct {
	// CAFile is a PEM bundle of the certificate authorities to trust; empty
	// is the system's roots.
	CAFile string
	// CertFile and KeyFile are a client certificate, for servers that ask
	// for one (tls-auth-clients); both or neither.
	CertFile, KeyFile string
	// ServerName is the name the server's certificate must carry; empty is
	// each node's own host name (the usual choice for a Cluster, whose nodes
	// have names of their own).
	ServerName string
}

// Mode is how the client reaches Redis.
type Mode string

const (
	ModeSingle   Mode = "single"
	ModeSentinel Mode = "sentinel"
	ModeCluster  Mode = "cluster"
)

// String describes the options without the password.
func (o Options) String() string {
	tlsOn := ""
	if o.TLS != nil {
		tlsOn = " tls"
	}
	if o.URL != "" {
		return "redis " + redactURL(o.URL) + tlsOn
	}
	return fmt.Sprintf("redis addrs=%v master=%q db=%d%s", o.Addrs, o.MasterName, o.DB, tlsOn)
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

// NewClient builds a UniversalClient from o. It does not dial, except to
// ask a single address whether it is a Cluster (see Options.Cluster).
func NewClient(o Options) (goredis.UniversalClient, error) {
	c, _, err := newClient(o)
	return c, err
}

// newClient is the one place a client is built: every option of every mode
// (single, Sentinel, Cluster) is set here. It returns the mode chosen and
// why.
func newClient(o Options) (goredis.UniversalClient, Chosen, error) {
	u, err := universalOptions(o)
	if err != nil {
		return nil, Chosen{}, err
	}
	switch {
	case u.MasterName != "":
		if o.Cluster != nil && *o.Cluster {
			return nil, Chosen{}, errors.New("redis: a Sentinel master (master_name) is not a Cluster; drop cluster: true or master_name")
		}
		return goredis.NewUniversalClient(u), Chosen{ModeSentinel, "master_name is set"}, nil
	case o.Cluster != nil && *o.Cluster:
		u.IsClusterMode = true
		return goredis.NewUniversalClient(u), Chosen{ModeCluster, "cluster: true"}, nil
	case o.Cluster != nil:
		if len(u.Addrs) > 1 {
			return nil, Chosen{}, errors.New("redis: several addrs without master_name are the nodes of a Cluster; drop cluster: false or list one address")
		}
		return goredis.NewClient(u.Simple()), Chosen{ModeSingle, "cluster: false"}, nil
	case len(u.Addrs) > 1:
		u.IsClusterMode = true
		return goredis.NewUniversalClient(u), Chosen{ModeCluster, "several addrs"}, nil
	}
	return detect(u)
}

// Chosen is the mode a client was built in and the reason, for the log.
type Chosen struct {
	Mode Mode
	Why  string
}

// detect asks the one address given whether it is a Cluster node: CLUSTER
// INFO answers on one and is refused elsewhere ("cluster support disabled";
// an ACL user that may not run it is taken as on a single node too). CLUSTER
// INFO is used rather than INFO, which ACLs count as dangerous. When the
// address cannot be asked (Redis is not up yet), the client decides at its
// first connection instead (selfDeciding).
func detect(u *goredis.UniversalOptions) (goredis.UniversalClient, Chosen, error) {
	probe := goredis.NewClient(u.Simple())
	ctx, cancel := context.WithTimeout(context.Background(), u.DialTimeout+u.ReadTimeout)
	_, err := probe.ClusterInfo(ctx).Result()
	cancel()
	_ = probe.Close()
	switch {
	case err == nil:
		u.IsClusterMode = true
		return goredis.NewUniversalClient(u), Chosen{ModeCluster, "detected: the address answered CLUSTER INFO"}, nil
	case isServerError(err):
		return goredis.NewClient(u.Simple()), Chosen{ModeSingle, "detected: CLUSTER INFO was refused (" + reason(err) + ")"}, nil
	case u.DB != 0:
		// A Cluster has no databases: a DB was asked for, so a single node
		// (or a Sentinel's master) is meant.
		return goredis.NewClient(u.Simple()), Chosen{ModeSingle, "db is not 0 (Redis did not answer at start)"}, nil
	}
	return selfDeciding(u), Chosen{ModeCluster, "undecided: Redis did not answer at start (" + reason(err) + "); a Cluster client that also serves a single node, decided at the first connection"}, nil
}

// isServerError is an error Redis answered (not a network failure).
func isServerError(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && !errors.Is(err, goredis.Nil) && !strings.HasPrefix(err.Error(), "redis: ")
}

// selfDecidingCluster is a Cluster client whose slot map it asks of its one
// address, as go-redis does, except that a node that refuses CLUSTER SLOTS
// (no Cluster support) is taken as holding every slot: it works with a
// Cluster and a single node alike. Close closes the connection it asks
// through too.
type selfDecidingCluster struct {
	*goredis.ClusterClient
	seed *goredis.Client
}

func selfDeciding(u *goredis.UniversalOptions) *selfDecidingCluster {
	addr := u.Addrs[0]
	seed := goredis.NewClient(u.Simple())
	co := u.Cluster()
	co.ClusterSlots = func(ctx context.Context) ([]goredis.ClusterSlot, error) {
		slots, err := seed.ClusterSlots(ctx).Result()
		if err != nil && isServerError(err) {
			return []goredis.ClusterSlot{{Start: 0, End: 16383, Nodes: []goredis.ClusterNode{{Addr: addr}}}}, nil
		}
		return slots, err
	}
	return &selfDecidingCluster{ClusterClient: goredis.NewClusterClient(co), seed: seed}
}

func (c *selfDecidingCluster) Close() error {
	err := c.ClusterClient.Close()
	_ = c.seed.Close()
	return err
}

// clusterOf is c as a Cluster client, or nil when it is not one.
func clusterOf(c goredis.UniversalClient) *goredis.ClusterClient {
	switch cc := c.(type) {
	case *goredis.ClusterClient:
		return cc
	case *selfDecidingCluster:
		return cc.ClusterClient
	}
	return nil
}

// reason is an error's gist without addresses or credentials.
func reason(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(s, "timeout"):
		return "timeout"
	case strings.Contains(s, "NOAUTH"), strings.Contains(s, "WRONGPASS"), strings.Contains(s, "NOPERM"):
		return "authentication failed"
	case strings.Contains(s, "certificate"), strings.Contains(s, "tls:"):
		return "TLS handshake failed"
	}
	return "error"
}

// universalOptions turns o into go-redis' options: addresses, credentials,
// TLS, timeouts and retries.
func universalOptions(o Options) (*goredis.UniversalOptions, error) {
	password := o.Password
	if password == "" && o.PasswordFile != "" {
		b, err := os.ReadFile(o.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("redis password file: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	sentinelPassword := o.SentinelPassword
	if sentinelPassword == "" && o.SentinelPasswordFile != "" {
		b, err := os.ReadFile(o.SentinelPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("redis sentinel password file: %w", err)
		}
		sentinelPassword = strings.TrimSpace(string(b))
	}
	if (o.SentinelUsername != "" || sentinelPassword != "") && o.MasterName == "" {
		return nil, errors.New("redis: sentinel credentials are set but master_name is not: they are for a Sentinel set-up")
	}
	u := &goredis.UniversalOptions{
		Addrs: o.Addrs, MasterName: o.MasterName, Username: o.Username, Password: password, DB: o.DB,
		SentinelUsername: o.SentinelUsername, SentinelPassword: sentinelPassword,
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
	tlsOn := o.TLS != nil
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
		if u.Username == "" {
			u.Username = p.Username
		}
		if p.Password != "" && password == "" {
			u.Password = p.Password
		}
		u.DB = p.DB
		if pu, err := url.Parse(o.URL); err == nil && pu.Scheme == "rediss" {
			tlsOn = true
		}
	}
	if len(u.Addrs) == 0 {
		return nil, errors.New("redis: no url or addrs configured")
	}
	if tlsOn {
		t := o.TLS
		if t == nil {
			t = &TLSOptions{}
		}
		tc, err := t.Config()
		if err != nil {
			return nil, err
		}
		u.TLSConfig = tc
	}
	return u, nil
}

// Config builds the tls.Config t describes, reading its files.
func (t TLSOptions) Config() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("redis tls ca_file: cannot read it: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("redis tls ca_file %s: no PEM certificate in it", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("redis tls: a client certificate needs both cert_file and key_file")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			// The error names the files, never their contents.
			return nil, fmt.Errorf("redis tls client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Reason is the gist of a Redis error without addresses or credentials
// ("connection refused", "timeout", "authentication failed", "error"), fit
// for /readyz.
func Reason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timeout"
	case strings.Contains(err.Error(), "NOAUTH"), strings.Contains(err.Error(), "WRONGPASS"):
		return "authentication failed"
	}
	return "error"
}

// Healthy reports whether Redis answers, for /readyz: PING to the node (or
// the Sentinel's master), and on a Cluster to every master, since each holds
// part of the keys (a master down takes the scaffold queue or a lock with
// it while the others still answer).
func Healthy(ctx context.Context, c goredis.UniversalClient) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if cc := clusterOf(c); cc != nil {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
			if err := m.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("cluster master %s: %w", m.Options().Addr, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis unavailable: %w", err)
		}
		return nil
	}
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis unavailable: %w", err)
	}
	return nil
}
