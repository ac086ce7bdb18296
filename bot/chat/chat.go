package chat

import (
	"context"
	"time"
)

// Platform names.
const (
	PlatformSlack   = "slack"
	PlatformDiscord = "discord"
	PlatformConsole = "console"
)

// User is the person asking, as the chat platform knows them.
type User struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`             // platform user id (Slack "U…", Discord snowflake)
	Name     string `json:"name,omitempty"` // display or handle
	Email    string `json:"email,omitempty"`
	// Team is the workspace / guild id, when the platform has one.
	Team string `json:"team,omitempty"`
}

// Request is one command from a person, platform-neutral.
type Request struct {
	// Text is what the person typed, without the bot mention, slash command or prefix.
	Text string `json:"text"`
	User User   `json:"user"`
	// Platform is one of the Platform* constants.
	Platform string `json:"platform"`
	// Channel and Thread say where the request was made (empty on the console).
	Channel string `json:"channel,omitempty"`
	Thread  string `json:"thread,omitempty"`
	// DeliveryID identifies this delivery for dedupe (Slack event_id, Discord
	// interaction id). Empty: never deduplicated.
	DeliveryID string `json:"deliveryId,omitempty"`
	// Page is the 0-based page asked for (buttons such as "next page" set it).
	Page int `json:"page,omitempty"`
	// Received is when the adapter received the request.
	Received time.Time `json:"received"`
	// ReplyTo is the platform's address for updating the answer later, in
	// the adapter's own form (Slack: the response_url; Discord: application
	// id "/" interaction token), when it gave one. It is a short-lived
	// credential: never shown or logged, hence not in JSON.
	ReplyTo string `json:"-"`

	// parsed is set by the Router (see Parsed and Args).
	parsed *Invocation
}

// Response is a platform-neutral answer. Adapters render it within their
// platform's limits, paginating rather than truncating.
type Response struct {
	// Title is a short heading ("payments-api is owned by Team Payments").
	Title string `json:"title,omitempty"`
	// Text is the main body, in a light Markdown: **bold**, _italic_, `code`, [text](url).
	Text string `json:"text,omitempty"`
	// Fields are short name/value facts shown side by side.
	Fields []Field `json:"fields,omitempty"`
	// Sections are titled groups (e.g. a team in an impact answer).
	Sections []Section `json:"sections,omitempty"`
	// Links are related URLs (runbooks, dashboards, docs).
	Links []Link `json:"links,omitempty"`
	// Actions are buttons; each carries a command that goes back through the router.
	Actions []Action `json:"actions,omitempty"`
	// Docs are documentation search hits, when the answer is one.
	Docs []DocHit `json:"docs,omitempty"`
	// Page describes pagination of a long answer.
	Page *Page `json:"page,omitempty"`
	// Ephemeral answers are shown only to the asker where the platform can.
	Ephemeral bool `json:"ephemeral"`
	// Status classifies the answer for exit codes and metrics.
	Status Status `json:"status"`
	// Suggestions are "did you mean" choices when Status is StatusNotFound or StatusAmbiguous.
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	// Follow, when set, is slow work to finish after the adapter has
	// acknowledged the request with this response: it calls update with each
	// new version of the message (progress, then the result). Adapters run it
	// off the acknowledgement path and stop it when ctx is done.
	Follow func(ctx context.Context, update func(*Response) error) error `json:"-"`
	// Modal, when set, asks the adapter to collect values in a form (Slack
	// modal) where it can; elsewhere the Text already says what to supply.
	Modal *Modal `json:"modal,omitempty"`

	// The answer as data, for scripts (--json); adapters do not show it.
	// Query is the command line asked (set by the console).
	Query string `json:"query,omitempty"`
	// Entity is the entity the answer is about, when it is about one.
	Entity *EntityData `json:"entity,omitempty"`
	// Refs are the entities the answer lists (items, choices), in order.
	Refs []EntityRef `json:"refs,omitempty"`
	// OnCall is who is on call now (owner and on-call answers).
	OnCall *OnCallData `json:"onCall,omitempty"`
}

// EntityData is an entity as data: its ref, owner, relations and links.
// Its JSON is that of the catalog's own types (the features fill it in from
// catalog.Entity), so scripts reading --json see the catalog's shapes.
type EntityData struct {
	Ref       EntityRef        `json:"ref"`
	Title     string           `json:"title,omitempty"`
	Owner     *EntityRef       `json:"owner,omitempty"`
	Relations []EntityRelation `json:"relations,omitempty"`
	Links     []EntityLink     `json:"links,omitempty"`
}

// EntityRef names a catalog entity, as data (catalog.Ref's JSON).
type EntityRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String renders the full reference, e.g. "component:default/payments-api".
func (r EntityRef) String() string { return r.Kind + ":" + r.Namespace + "/" + r.Name }

// EntityRelation is a relation of an entity, as data (catalog.Relation's JSON).
type EntityRelation struct {
	Type   string    `json:"type"`
	Target EntityRef `json:"target"`
}

// EntityLink is a link in an entity's metadata, as data (catalog.Link's JSON).
type EntityLink struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// OnCallData is who is on call, as data for scripts (Response.OnCall).
type OnCallData struct {
	// Source names the paging tool ("PagerDuty", "Opsgenie", "example rota").
	Source string `json:"source,omitempty"`
	// Target is what was looked up there: "service PCHK2ZB".
	Target string `json:"target,omitempty"`
	URL    string `json:"url,omitempty"`
	// From is the entity whose annotations named the target (the entity
	// asked about, its system or an owning team).
	From *EntityRef `json:"from,omitempty"`
	// Example marks made-up data (the example organisation's rota).
	Example bool `json:"example,omitempty"`
	// People are on call now, by escalation level, then the next shifts.
	People []OnCallPerson `json:"people"`
	// Unavailable says why nobody can be named (a tool not configured or
	// down); People is empty then.
	Unavailable string `json:"unavailable,omitempty"`
}

// OnCallPerson is one shift's person, matched to the catalog by email.
type OnCallPerson struct {
	Level    int       `json:"level"`
	Name     string    `json:"name"`
	Email    string    `json:"email,omitempty"`
	Schedule string    `json:"schedule,omitempty"`
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	// Next marks the shift after the current one at this level.
	Next bool `json:"next,omitempty"`
	// Ref is the catalog User with that email, when there is one.
	Ref *EntityRef `json:"ref,omitempty"`
	// SlackUserID and DiscordUserID are the User's chat ids
	// (slack.com/user-id, discord.com/user-id); Mention is the mention in
	// the wire form of the platform asked from ("<@U0123>").
	SlackUserID   string `json:"slackUserId,omitempty"`
	DiscordUserID string `json:"discordUserId,omitempty"`
	Mention       string `json:"mention,omitempty"`
}

// Status of an answer.
type Status string

const (
	StatusOK        Status = "ok"
	StatusNotFound  Status = "not_found"
	StatusAmbiguous Status = "ambiguous"
	StatusUsage     Status = "usage"
	StatusDenied    Status = "denied"
	StatusError     Status = "error"
)

// Field is a name/value fact.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Short bool   `json:"short,omitempty"`
}

// Section is a titled group of facts and items.
type Section struct {
	Title  string  `json:"title,omitempty"`
	Text   string  `json:"text,omitempty"`
	Fields []Field `json:"fields,omitempty"`
	Items  []Item  `json:"items,omitempty"`
}

// Item is one entry of a list (an entity in an impact answer, a search hit).
type Item struct {
	Text   string `json:"text"`
	Detail string `json:"detail,omitempty"`
	URL    string `json:"url,omitempty"`
	// Ref is the catalog entity the item names, when it names one.
	Ref string `json:"ref,omitempty"`
}

// Link is a titled URL.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Action is a button. Command is a command line run through the router when clicked.
type Action struct {
	Label   string `json:"label"`
	Command string `json:"command"`
	// Page, when >0, is carried to Request.Page on click.
	Page  int    `json:"page,omitempty"`
	Style string `json:"style,omitempty"` // "", "primary", "danger"
}

// Page describes where this answer sits in a paginated whole.
type Page struct {
	Index int `json:"index"` // 0-based
	Total int `json:"total"` // number of pages
	Items int `json:"items"` // items in the whole answer
}

// Suggestion is a "did you mean" choice.
type Suggestion struct {
	Label   string `json:"label"`
	Command string `json:"command"`
	Ref     string `json:"ref,omitempty"`
}

// DocHit is one documentation search result (the `docs` contract of design.md).
type DocHit struct {
	Page    string  `json:"page"`
	Anchor  string  `json:"anchor"`
	Title   string  `json:"title"`
	Heading string  `json:"heading"`
	Snippet string  `json:"snippet"`
	URL     string  `json:"url"`
	Score   float64 `json:"score"`
	Entity  string  `json:"entity,omitempty"`
}

// Modal is a form to collect values (scaffold parameters).
type Modal struct {
	Title string `json:"title"`
	// Command is run with the submitted values appended as key=value.
	Command string `json:"command"`
	// Inputs are the required fields, then the optional ones (Required
	// false), each in the template's order.
	Inputs []ModalInput `json:"inputs"`
	// More, when set, is run instead of Command by a platform that shows
	// only the required inputs (Discord's form holds five fields): its
	// answer offers to run Command or to set the optional ones first.
	More string `json:"more,omitempty"`
}

// ModalInput is one field of a Modal.
type ModalInput struct {
	Name        string   `json:"name"`
	Label       string   `json:"label"`
	Hint        string   `json:"hint,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Default     string   `json:"default,omitempty"`
	Options     []string `json:"options,omitempty"` // a fixed choice (enum)
	Multiline   bool     `json:"multiline,omitempty"`
	Placeholder string   `json:"placeholder,omitempty"`
}

// Handler answers a request, like http.Handler.
type Handler interface {
	Handle(ctx context.Context, req *Request) (*Response, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (*Response, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, req *Request) (*Response, error) { return f(ctx, req) }

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// Dedupe remembers deliveries so a retried or duplicated one is processed once.
type Dedupe interface {
	// FirstSeen records key and reports whether this is the first time it was
	// seen within ttl.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// RateLimiter limits requests per key (a user).
type RateLimiter interface {
	// Allow takes one token for key; when none is left it reports false and
	// how long until one is.
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// AuditEntry records who asked what.
type AuditEntry struct {
	Time     time.Time     `json:"time"`
	Platform string        `json:"platform"`
	UserID   string        `json:"userId"`
	Channel  string        `json:"channel,omitempty"`
	Text     string        `json:"text"`
	Command  string        `json:"command"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"duration"`
}

// Audit keeps the record of requests.
type Audit interface {
	Record(ctx context.Context, e AuditEntry) error
}
