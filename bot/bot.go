package bot

import (
	"log/slog"
	"time"

	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
)

// The core of the bot (requests, answers, the Router, middleware and the
// state interfaces) is package bot/chat. These aliases are the features'
// shorthand for it (their code says Response, not chat.Response) and keep
// bot's tests as they were; code outside bot names the core chat.X.

// Platform names.
const (
	PlatformSlack   = chat.PlatformSlack
	PlatformDiscord = chat.PlatformDiscord
	PlatformConsole = chat.PlatformConsole
)

type (
	User           = chat.User
	Request        = chat.Request
	Response       = chat.Response
	EntityData     = chat.EntityData
	EntityRef      = chat.EntityRef
	EntityRelation = chat.EntityRelation
	EntityLink     = chat.EntityLink
	OnCallData     = chat.OnCallData
	OnCallPerson   = chat.OnCallPerson
	Status         = chat.Status
	Field          = chat.Field
	Section        = chat.Section
	Item           = chat.Item
	Link           = chat.Link
	Action         = chat.Action
	Page           = chat.Page
	Suggestion     = chat.Suggestion
	DocHit         = chat.DocHit
	Modal          = chat.Modal
	ModalInput     = chat.ModalInput
	Handler        = chat.Handler
	HandlerFunc    = chat.HandlerFunc
	Middleware     = chat.Middleware
	Command        = chat.Command
	RouterOptions  = chat.RouterOptions
	Router         = chat.Router
	Invocation     = chat.Invocation

	Dedupe      = chat.Dedupe
	RateLimiter = chat.RateLimiter
	AuditEntry  = chat.AuditEntry
	Audit       = chat.Audit
	Locker      = chat.Locker
	Lease       = chat.Lease
	Stash       = chat.Stash

	MemoryDedupe      = chat.MemoryDedupe
	MemoryRateLimiter = chat.MemoryRateLimiter
	MemoryAudit       = chat.MemoryAudit
	SlogAudit         = chat.SlogAudit
	MemoryLocker      = chat.MemoryLocker
	MemoryStash       = chat.MemoryStash
	AsyncAudit        = chat.AsyncAudit

	UserError = chat.UserError
	Redactor  = chat.Redactor
)

// Cache is chat.Cache.
type Cache[V any] = chat.Cache[V]

// NewCache is chat.NewCache.
func NewCache[V any](max int, now func() time.Time) *Cache[V] { return chat.NewCache[V](max, now) }

const (
	StatusOK        = chat.StatusOK
	StatusNotFound  = chat.StatusNotFound
	StatusAmbiguous = chat.StatusAmbiguous
	StatusUsage     = chat.StatusUsage
	StatusDenied    = chat.StatusDenied
	StatusError     = chat.StatusError

	DefaultStateBudget = chat.DefaultStateBudget
	DefaultDedupeMax   = chat.DefaultDedupeMax
	MaxTextBytes       = chat.MaxTextBytes
)

var (
	NewRouter            = chat.NewRouter
	WithInvocation       = chat.WithInvocation
	Args                 = chat.Args
	Parsed               = chat.Parsed
	ErrDuplicate         = chat.ErrDuplicate
	ErrNotLeader         = chat.ErrNotLeader
	Deduplicated         = chat.Deduplicated
	RateLimited          = chat.RateLimited
	Audited              = chat.Audited
	Recovered            = chat.Recovered
	Redacting            = chat.Redacting
	NewUserError         = chat.NewUserError
	PublicMessage        = chat.PublicMessage
	PublicText           = chat.PublicText
	ErrorResponse        = chat.ErrorResponse
	FollowUpFailed       = chat.FollowUpFailed
	WithStateBudget      = chat.WithStateBudget
	StateContext         = chat.StateContext
	CarryStateBudget     = chat.CarryStateBudget
	TextTooLong          = chat.TextTooLong
	NewMemoryDedupe      = chat.NewMemoryDedupe
	NewMemoryRateLimiter = chat.NewMemoryRateLimiter
	NewMemoryLocker      = chat.NewMemoryLocker
	NewMemoryStash       = chat.NewMemoryStash
	NewAsyncAudit        = chat.NewAsyncAudit
)

// logger returns l or the default logger.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// refData is r as answer data.
func refData(r catalog.Ref) chat.EntityRef {
	return chat.EntityRef{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

// entityData is e as data (s resolves its owner).
func entityData(s *catalog.Snapshot, e *catalog.Entity) *EntityData {
	return entityDataIn(nil, s, e)
}

// sharedRelations is how many relations an entity has for entityDataIn to
// keep its EntityData.Relations for the snapshot's other answers: a team's
// hundreds were most of the bytes a `team` answer allocated.
const sharedRelations = 16

// entityDataIn is entityData, with the relations of an entity that has many
// taken from (or stored in) l, the lookup of s (nil: none).
func entityDataIn(l *lookup, s *catalog.Snapshot, e *catalog.Entity) *EntityData {
	d := &EntityData{Ref: refData(e.Ref()), Title: e.Metadata.Title}
	if len(e.Relations) > 0 {
		shared := l != nil && len(e.Relations) >= sharedRelations
		if shared {
			if v, ok := l.relations.Load(e); ok {
				d.Relations = v.([]chat.EntityRelation)
			}
		}
		if d.Relations == nil {
			d.Relations = make([]chat.EntityRelation, len(e.Relations))
			for i, r := range e.Relations {
				d.Relations[i] = chat.EntityRelation{Type: r.Type, Target: refData(r.Target)}
			}
			if shared {
				l.relations.Store(e, d.Relations)
			}
		}
	}
	if len(e.Metadata.Links) > 0 {
		d.Links = make([]chat.EntityLink, len(e.Metadata.Links))
		for i, l := range e.Metadata.Links {
			d.Links[i] = chat.EntityLink(l)
		}
	}
	if s != nil {
		if o, ok := ownerRef(s, e); ok {
			or := refData(o)
			d.Owner = &or
		}
	}
	return d
}

// RefsOf lists the entities resp names in its items and choices, each once,
// in order (for Response.Refs).
func RefsOf(resp *Response) []EntityRef {
	var out []EntityRef
	seen := map[string]bool{}
	add := func(s string) {
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		if r, err := catalog.ParseRef(s, "", catalog.DefaultNamespace); err == nil {
			out = append(out, refData(r))
		}
	}
	for _, sec := range resp.Sections {
		for _, it := range sec.Items {
			add(it.Ref)
		}
	}
	for _, sg := range resp.Suggestions {
		add(sg.Ref)
	}
	return out
}
