package github

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/webhook"
)

// RepoRefresher is what a Webhook drives: *ingest.Refresher, or a stand-in on a
// replica that is not the ingest leader and hands the work to the one that is.
type RepoRefresher interface {
	// Watches reports whether some catalog source reads org.
	Watches(org string) bool
	// Relevant reports whether a push touching paths of org/repo can change the catalog.
	Relevant(org, repo string, paths []string) bool
	RefreshRepo(ctx context.Context, org, repo string) error
	RemoveRepo(org, repo string)
}

// Deliveries remembers which webhook deliveries were taken, for every
// replica: adapters/redis's Dedupe implements it (SET NX, DEL); the default,
// for one process, is in memory.
type Deliveries interface {
	// FirstSeen records key and reports whether it was new within ttl.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Forget drops key, so a delivery whose work failed can be sent again.
	Forget(ctx context.Context, key string) error
}

// RefreshBudget bounds how many repository refreshes webhooks may start:
// Allow takes one token for key, false when none is left. adapters/redis's
// RateLimiter shares one budget between replicas; the default is in memory.
type RefreshBudget interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Defaults of a Webhook's abuse bounds.
const (
	// DeliveryTTL is how long a delivery id and a payload digest are
	// remembered: GitHub lets a delivery be redelivered for three days.
	DeliveryTTL = 72 * time.Hour
	// RepoInterval is the least time between two refreshes of one
	// repository that webhooks start; pushes in between are folded into
	// one refresh at the end of the interval.
	RepoInterval = 10 * time.Second
	// RefreshesPerMinute is the default budget of webhook-started
	// repository refreshes (a burst of as many, then as many a minute).
	RefreshesPerMinute = 30
)

// Webhook is the http.Handler for POST /github/webhook. It verifies
// X-Hub-Signature-256 and turns push and repository events into repository
// refreshes on its RepoRefresher, within bounds a flood of signed
// deliveries cannot get past (GitHub's signature does not cover the
// X-GitHub-Delivery header, so a captured delivery can be replayed with
// fresh ids):
//
//   - a delivery id, and the digest of a payload (with its event), are taken
//     once in Seen, shared by replicas when it is Redis: a redelivery or a
//     replay under a new id does no work;
//   - refreshes of one repository are at least RepoInterval apart: a burst
//     of pushes to it becomes one refresh now and one at the interval's end;
//   - every refresh a webhook starts takes a token from Budget; with none
//     left the delivery is answered 202 and the periodic full refresh picks
//     the change up.
//
// A refresh runs before the answer (a few API calls for one repository),
// bounded by Timeout.
type Webhook struct {
	secret    []byte
	refresher RepoRefresher
	// MaxBody bounds a payload (default 25 MiB, GitHub's own cap).
	MaxBody int64
	// Timeout bounds the refresh one delivery triggers (default 9s: GitHub
	// gives up on a delivery after 10).
	Timeout time.Duration
	Log     *slog.Logger
	// Seen remembers deliveries (default: in memory, 10,000 keys).
	Seen Deliveries
	// Budget bounds refreshes (default: RefreshesPerMinute, in memory).
	Budget RefreshBudget
	// RepoInterval is the least time between refreshes of one repository
	// (default RepoInterval).
	RepoInterval time.Duration

	repos *coalescer
}

// NewWebhook returns the handler. secret is the webhook secret configured on GitHub.
func NewWebhook(secret string, r RepoRefresher) *Webhook {
	h := &Webhook{secret: []byte(secret), refresher: r, MaxBody: 25 << 20, Timeout: 9 * time.Second,
		Log: slog.New(slog.DiscardHandler), Seen: newMemoryDeliveries(10000),
		Budget: newMemoryBudget(RefreshesPerMinute, time.Minute), RepoInterval: RepoInterval}
	h.repos = &coalescer{h: h, repos: map[string]*hookRepo{}}
	h.repos.stopped, h.repos.stop = context.WithCancel(context.Background())
	return h
}

// Close stops the refreshes scheduled at the end of repositories'
// intervals, cancels those running and waits for them to end.
func (h *Webhook) Close() { h.repos.close() }

// Verify checks a X-Hub-Signature-256 value ("sha256=<hex>") for body in
// constant time.
func Verify(secret []byte, body []byte, signature string) bool {
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 value for body (for tests and tools).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

type webhookRepo struct {
	Name          string `json:"name"`
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
	Owner         struct {
		Login string `json:"login"`
		Name  string `json:"name"`
	} `json:"owner"`
}

func (r webhookRepo) owner() string {
	if r.Owner.Login != "" {
		return r.Owner.Login
	}
	if r.Owner.Name != "" {
		return r.Owner.Name
	}
	if i := strings.IndexByte(r.FullName, '/'); i > 0 {
		return r.FullName[:i]
	}
	return ""
}

type webhookEvent struct {
	Action     string      `json:"action"`
	Ref        string      `json:"ref"`
	Deleted    bool        `json:"deleted"`
	Repository webhookRepo `json:"repository"`
	Commits    []struct {
		Added    []string `json:"added"`
		Removed  []string `json:"removed"`
		Modified []string `json:"modified"`
	} `json:"commits"`
	HeadCommit *struct {
		Added    []string `json:"added"`
		Removed  []string `json:"removed"`
		Modified []string `json:"modified"`
	} `json:"head_commit"`
	Installation struct {
		Account struct {
			Login string `json:"login"`
		} `json:"account"`
	} `json:"installation"`
	ReposAdded   []webhookRepo `json:"repositories_added"`
	ReposRemoved []webhookRepo `json:"repositories_removed"`
	Changes      struct {
		Repository struct {
			Name struct {
				From string `json:"from"`
			} `json:"name"`
		} `json:"repository"`
		Owner struct {
			From struct {
				User struct {
					Login string `json:"login"`
				} `json:"user"`
				Organization struct {
					Login string `json:"login"`
				} `json:"organization"`
			} `json:"from"`
		} `json:"owner"`
	} `json:"changes"`
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if no := webhook.Post(w, req); no != nil {
		http.Error(w, no.Msg, no.Status)
		return
	}
	if len(h.secret) == 0 {
		http.Error(w, "webhook secret is not configured (GITHUB_WEBHOOK_SECRET)", http.StatusServiceUnavailable)
		return
	}
	body, no := webhook.ReadBody(w, req, h.MaxBody)
	if no != nil {
		http.Error(w, no.Msg, no.Status)
		return
	}
	if !Verify(h.secret, body, req.Header.Get("X-Hub-Signature-256")) {
		http.Error(w, "bad or missing X-Hub-Signature-256", http.StatusUnauthorized)
		return
	}
	delivery := req.Header.Get("X-GitHub-Delivery")
	event := req.Header.Get("X-GitHub-Event")
	digest := sha256.Sum256(body)
	keys := []string{"github:payload:" + event + ":" + hex.EncodeToString(digest[:])}
	if delivery != "" {
		keys = append([]string{"github:delivery:" + delivery}, keys...)
	}
	var taken []string
	for _, k := range keys {
		first, err := h.Seen.FirstSeen(req.Context(), k, DeliveryTTL)
		if err != nil {
			// The store is down: the repository coalescing and the budget
			// still bound the work, so the delivery is handled.
			h.Log.WarnContext(req.Context(), "webhook dedupe failed; handling the delivery", "delivery", delivery, "err", err)
			continue
		}
		if !first {
			h.Log.InfoContext(req.Context(), "webhook delivery already handled", "event", event, "delivery", delivery,
				"by", strings.SplitN(k, ":", 3)[1])
			writeJSON(w, http.StatusOK, map[string]string{"status": "duplicate delivery ignored"})
			return
		}
		taken = append(taken, k)
	}
	forget := func(ctx context.Context) {
		for _, k := range taken {
			if err := h.Seen.Forget(ctx, k); err != nil {
				h.Log.WarnContext(ctx, "webhook: cannot forget a failed delivery; a redelivery will be ignored", "delivery", delivery, "err", err)
			}
		}
	}
	var ev webhookEvent
	if event != "ping" {
		if err := json.Unmarshal(body, &ev); err != nil {
			forget(req.Context())
			http.Error(w, "payload is not JSON", http.StatusBadRequest)
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), h.Timeout)
	defer cancel()
	status, err := h.handle(ctx, event, ev)
	if errors.Is(err, errBudgetSpent) {
		h.Log.WarnContext(ctx, "webhook refresh budget spent; left to the periodic refresh", "event", event, "delivery", delivery, "repo", ev.Repository.FullName)
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "deferred: too many refreshes at once; the periodic refresh picks the change up"})
		return
	}
	if err != nil {
		h.Log.WarnContext(ctx, "webhook refresh failed", "event", event, "delivery", delivery, "repo", ev.Repository.FullName, "err", err)
		// Forgotten: a redelivery from GitHub retries it. The answer goes
		// to GitHub's delivery log: no error text from inside.
		forget(ctx)
		writeJSON(w, http.StatusBadGateway, map[string]string{"status": "refresh failed; see callboard's log"})
		return
	}
	h.Log.InfoContext(ctx, "webhook handled", "event", event, "delivery", delivery, "repo", ev.Repository.FullName, "status", status)
	writeJSON(w, http.StatusOK, map[string]string{"status": status})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Webhook) handle(ctx context.Context, event string, ev webhookEvent) (string, error) {
	org, name := ev.Repository.owner(), ev.Repository.Name
	r := h.refresher
	switch event {
	case "ping":
		return "pong", nil
	case "push":
		if !r.Watches(org) {
			return "ignored: organisation not watched", nil
		}
		if ev.Repository.DefaultBranch != "" && ev.Ref != "refs/heads/"+ev.Repository.DefaultBranch {
			return "ignored: not the default branch", nil
		}
		var paths []string
		for _, c := range ev.Commits {
			paths = append(paths, c.Added...)
			paths = append(paths, c.Removed...)
			paths = append(paths, c.Modified...)
		}
		if ev.HeadCommit != nil {
			paths = append(paths, ev.HeadCommit.Added...)
			paths = append(paths, ev.HeadCommit.Removed...)
			paths = append(paths, ev.HeadCommit.Modified...)
		}
		// GitHub lists at most 20 commits; with none listed (a forced push,
		// a new branch) the change is unknown, so refresh.
		if len(ev.Commits) > 0 && len(ev.Commits) < 20 && !r.Relevant(org, name, paths) {
			return "ignored: no catalog or docs file changed", nil
		}
		return h.repos.refresh(ctx, org, name)
	case "repository":
		switch ev.Action {
		case "deleted":
			r.RemoveRepo(org, name)
			return "removed " + org + "/" + name, nil
		case "renamed":
			if from := ev.Changes.Repository.Name.From; from != "" {
				r.RemoveRepo(org, from)
			}
			if !r.Watches(org) {
				return "ignored: organisation not watched", nil
			}
			return h.repos.refresh(ctx, org, name)
		case "transferred":
			if from := ev.Changes.Owner.From.Organization.Login; from != "" {
				r.RemoveRepo(from, name)
			}
			if from := ev.Changes.Owner.From.User.Login; from != "" {
				r.RemoveRepo(from, name)
			}
			if !r.Watches(org) {
				return "removed " + name, nil
			}
			return h.repos.refresh(ctx, org, name)
		case "created", "archived", "unarchived", "publicized", "privatized", "edited":
			if !r.Watches(org) {
				return "ignored: organisation not watched", nil
			}
			return h.repos.refresh(ctx, org, name)
		}
		return "ignored: repository " + ev.Action, nil
	case "installation_repositories":
		// A GitHub App gained or lost access to repositories.
		var errs []error
		done := 0
		for _, rp := range ev.ReposRemoved {
			o, n := splitFull(rp, ev.Installation.Account.Login)
			r.RemoveRepo(o, n)
			done++
		}
		for _, rp := range ev.ReposAdded {
			o, n := splitFull(rp, ev.Installation.Account.Login)
			if r.Watches(o) {
				_, err := h.repos.refresh(ctx, o, n)
				errs = append(errs, err)
				done++
			}
		}
		return fmt.Sprintf("%d repositories updated", done), errors.Join(errs...)
	}
	return "ignored: event " + event, nil
}

func splitFull(r webhookRepo, account string) (string, string) {
	if o, n, ok := strings.Cut(r.FullName, "/"); ok {
		return o, n
	}
	return account, r.Name
}
