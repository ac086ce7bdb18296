package github

import (
	"container/list"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RepoRefresher is what a Webhook drives: *Refresher, or a stand-in on a
// replica that is not the ingest leader and hands the work to the one that is.
type RepoRefresher interface {
	// Watches reports whether some catalog source reads org.
	Watches(org string) bool
	// Relevant reports whether a push touching paths of org/repo can change the catalog.
	Relevant(org, repo string, paths []string) bool
	RefreshRepo(ctx context.Context, org, repo string) error
	RemoveRepo(org, repo string)
}

// Webhook is the http.Handler for POST /github/webhook. It verifies
// X-Hub-Signature-256, ignores redelivered X-GitHub-Delivery ids it has
// already handled, and turns push and repository events into repository
// refreshes on its RepoRefresher. The refresh runs before the answer (a few
// API calls for one repository), bounded by Timeout.
type Webhook struct {
	secret    []byte
	refresher RepoRefresher
	// MaxBody bounds a payload (default 25 MiB, GitHub's own cap).
	MaxBody int64
	// Timeout bounds the refresh one delivery triggers (default 9s: GitHub
	// gives up on a delivery after 10).
	Timeout time.Duration
	Log     *slog.Logger

	seen *deliveries
}

// NewWebhook returns the handler. secret is the webhook secret configured on GitHub.
func NewWebhook(secret string, r RepoRefresher) *Webhook {
	return &Webhook{secret: []byte(secret), refresher: r, MaxBody: 25 << 20, Timeout: 9 * time.Second,
		Log: slog.New(slog.DiscardHandler), seen: newDeliveries(10000)}
}

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
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	if len(h.secret) == 0 {
		http.Error(w, "webhook secret is not configured (GITHUB_WEBHOOK_SECRET)", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, h.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the payload", http.StatusBadRequest)
		return
	}
	if !Verify(h.secret, body, req.Header.Get("X-Hub-Signature-256")) {
		http.Error(w, "bad or missing X-Hub-Signature-256", http.StatusUnauthorized)
		return
	}
	delivery := req.Header.Get("X-GitHub-Delivery")
	if delivery != "" && h.seen.has(delivery) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "duplicate delivery ignored"})
		return
	}
	event := req.Header.Get("X-GitHub-Event")
	var ev webhookEvent
	if event != "ping" {
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "payload is not JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), h.Timeout)
	defer cancel()
	status, err := h.handle(ctx, event, ev)
	if err != nil {
		h.Log.WarnContext(ctx, "webhook refresh failed", "event", event, "delivery", delivery, "repo", ev.Repository.FullName, "err", err)
		// Not marked as seen: a redelivery from GitHub retries it.
		writeJSON(w, http.StatusBadGateway, map[string]string{"status": "refresh failed", "error": err.Error()})
		return
	}
	if delivery != "" {
		h.seen.add(delivery)
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
		return "refreshed " + org + "/" + name, r.RefreshRepo(ctx, org, name)
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
			return "refreshed " + org + "/" + name, r.RefreshRepo(ctx, org, name)
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
			return "refreshed " + org + "/" + name, r.RefreshRepo(ctx, org, name)
		case "created", "archived", "unarchived", "publicized", "privatized", "edited":
			if !r.Watches(org) {
				return "ignored: organisation not watched", nil
			}
			return "refreshed " + org + "/" + name, r.RefreshRepo(ctx, org, name)
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
				errs = append(errs, r.RefreshRepo(ctx, o, n))
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

// deliveries is a bounded LRU set of delivery ids.
type deliveries struct {
	mu    sync.Mutex
	max   int
	order *list.List
	ids   map[string]*list.Element
}

func newDeliveries(max int) *deliveries {
	return &deliveries{max: max, order: list.New(), ids: map[string]*list.Element{}}
}

func (d *deliveries) has(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.ids[id]; ok {
		d.order.MoveToFront(e)
		return true
	}
	return false
}

func (d *deliveries) add(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.ids[id]; ok {
		d.order.MoveToFront(e)
		return
	}
	d.ids[id] = d.order.PushFront(id)
	for d.order.Len() > d.max {
		old := d.order.Back()
		d.order.Remove(old)
		delete(d.ids, old.Value.(string))
	}
}
