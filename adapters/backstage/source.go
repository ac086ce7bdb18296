package backstage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/catalog"
)

// Source reads every entity of a Backstage instance.
type Source struct {
	base string
	// tokenFile, when set, is read before every load (see Options.TokenFile).
	tokenFile string
	mu        sync.Mutex // guards token
	token     string
	// UIURL is the Backstage UI's base URL, for links to entity pages
	// ({UIURL}/catalog/{namespace}/{kind}/{name}) and TechDocs
	// ({UIURL}/docs/{namespace}/{kind}/{name}). Empty: the backend's URL,
	// which serves the UI only where both are one process.
	UIURL string
	// HTTP is the client used (default: one with a 30s timeout).
	HTTP *http.Client
	// PageSize is the number of entities asked for per request (default 500).
	PageSize int
	// Filter is passed as Backstage's filter parameter, e.g. "kind=component" ("" for everything).
	Filter string
}

// Options are what FromSpec needs beside the URL.
type Options struct {
	// Token is sent as "Authorization: Bearer …": a static token of the
	// Backstage's backend.auth.externalAccess (or one its JWKS entry
	// verifies). Empty: no Authorization header (a Backstage with auth off).
	Token string
	// TokenFile, when set, names a file read before every load for the
	// token, so one that is renewed there (a JWKS-verified token a sidecar
	// refreshes, a rotated static one) is picked up without a restart.
	// Token is used while the file cannot be read.
	TokenFile string
	// UIURL is Source.UIURL.
	UIURL string
}

// New returns a source for the Backstage backend at baseURL (e.g.
// https://backstage.example.com, without credentials: use FromSpec for
// values from people), authenticating with a bearer token when token is
// not empty.
func New(baseURL, token string) *Source {
	return &Source{base: strings.TrimRight(baseURL, "/"), token: token,
		HTTP: &http.Client{Timeout: 30 * time.Second}, PageSize: 500}
}

// Name is "backstage:URL".
func (s *Source) Name() string { return "backstage:" + s.base }

type wireEntity struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Title       string            `json:"title"`
		Description string            `json:"description"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		Tags        []string          `json:"tags"`
		Links       []catalog.Link    `json:"links"`
	} `json:"metadata"`
	Spec      map[string]any `json:"spec"`
	Relations []struct {
		Type      string `json:"type"`
		TargetRef string `json:"targetRef"`
	} `json:"relations"`
}

var known = map[string]bool{
	catalog.KindComponent: true, catalog.KindAPI: true, catalog.KindResource: true, catalog.KindSystem: true,
	catalog.KindDomain: true, catalog.KindGroup: true, catalog.KindUser: true, catalog.KindLocation: true, catalog.KindTemplate: true,
}

// errNotFound marks an endpoint this Backstage does not have.
var errNotFound = errors.New("endpoint not found")

// Load reads every entity (implements catalog.Source). An entity that cannot
// be read is a problem naming it; the others are kept.
func (s *Source) Load(ctx context.Context) (*catalog.Result, error) {
	res := &catalog.Result{}
	if err := s.readTokenFile(); err != nil {
		return res, err
	}
	items, err := s.byQuery(ctx)
	if errors.Is(err, errNotFound) {
		items, err = s.byOffset(ctx)
	}
	if err != nil {
		return res, err
	}
	for i, raw := range items {
		s.convert(i, raw, res)
	}
	return res, nil
}

// maxAnswerBytes bounds one answer of the catalog API: a page of 500
// entities is a few MB, so this leaves room for large entities while a
// runaway or hostile answer cannot take the replica's memory.
const maxAnswerBytes = 64 << 20

func (s *Source) pageSize() int {
	if s.PageSize <= 0 {
		return 500
	}
	return s.PageSize
}

func (s *Source) byQuery(ctx context.Context) ([]json.RawMessage, error) {
	var all []json.RawMessage
	seen := map[string]bool{}
	cursor := ""
	for {
		q := url.Values{}
		if cursor != "" {
			q.Set("cursor", cursor)
		} else if s.Filter != "" {
			q.Set("filter", s.Filter)
		}
		q.Set("limit", strconv.Itoa(s.pageSize()))
		var page struct {
			Items    []json.RawMessage `json:"items"`
			PageInfo struct {
				NextCursor string `json:"nextCursor"`
			} `json:"pageInfo"`
		}
		if err := s.getJSON(ctx, "/api/catalog/entities/by-query", q, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		cursor = page.PageInfo.NextCursor
		if cursor == "" || len(page.Items) == 0 {
			return all, nil
		}
		if seen[cursor] {
			return nil, fmt.Errorf("backstage %s: pagination cursor repeats; stopped after %d entities", s.base, len(all))
		}
		seen[cursor] = true
	}
}

func (s *Source) byOffset(ctx context.Context) ([]json.RawMessage, error) {
	var all []json.RawMessage
	for offset := 0; ; {
		q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(s.pageSize())}}
		if s.Filter != "" {
			q.Set("filter", s.Filter)
		}
		var page []json.RawMessage
		if err := s.getJSON(ctx, "/api/catalog/entities", q, &page); err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < s.pageSize() {
			return all, nil
		}
		offset += len(page)
	}
}

func (s *Source) getJSON(ctx context.Context, p string, q url.Values, v any) error {
	u := s.base + p + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("backstage %s: %w", s.base, err)
	}
	req.Header.Set("Accept", "application/json")
	token := s.currentToken()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("backstage %s: cannot reach it: %w", s.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return fmt.Errorf("backstage %s: reading %s: %w", s.base, p, err)
	}
	if len(body) > maxAnswerBytes {
		return fmt.Errorf("backstage %s: GET %s answered more than %d MiB in one page; lower the page size (a page holds %d entities)", s.base, p, maxAnswerBytes>>20, s.pageSize())
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound && p == "/api/catalog/entities/by-query":
		return errNotFound
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return &AuthError{Backend: s.base, Status: resp.StatusCode, Message: s.scrub(message(body)), TokenSent: token != ""}
	default:
		return fmt.Errorf("backstage %s: GET %s: %d %s", s.base, p, resp.StatusCode, s.scrub(message(body)))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("backstage %s: GET %s: the answer is not the catalog API's JSON: %w", s.base, p, err)
	}
	return nil
}

// scrub removes the token from text an answer may have echoed.
func (s *Source) scrub(text string) string {
	token := s.currentToken()
	if token == "" {
		return text
	}
	return strings.ReplaceAll(text, token, "[redacted]")
}

func (s *Source) currentToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// readTokenFile takes the token from the token file, when there is one. A
// file that cannot be read fails the load only when no token is known.
func (s *Source) readTokenFile() error {
	if s.tokenFile == "" {
		return nil
	}
	b, err := os.ReadFile(s.tokenFile)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.token != "" {
			return nil
		}
		return fmt.Errorf("backstage %s: cannot read the token file (backstage.token_file): %w", s.base, err)
	}
	s.token = strings.TrimSpace(string(b))
	return nil
}

// AuthError is Backstage refusing callboard's credentials (401) or their
// access to the catalog (403). Its message says which callboard setting to
// fill in and what in Backstage's app-config grants access.
type AuthError struct {
	Backend   string // the backend's base URL
	Status    int
	Message   string // Backstage's own, e.g. "Missing credentials"
	TokenSent bool
}

// grant is the app-config entry that lets callboard read the catalog.
const grant = "backend.auth.externalAccess: [{type: static, options: {token: <the same token>, subject: callboard}, accessRestrictions: [{plugin: catalog}]}]"

func (e *AuthError) Error() string {
	head := fmt.Sprintf("backstage %s refused the request (%d %s)", e.Backend, e.Status, e.Message)
	switch {
	case e.Status == http.StatusForbidden:
		return head + ": the token is accepted but may not read the catalog; in Backstage's app-config, the token's backend.auth.externalAccess entry needs accessRestrictions that include {plugin: catalog} (and, with the permission framework on, a policy that lets its subject read catalog entities)"
	case !e.TokenSent:
		return head + ": no token was sent; set BACKSTAGE_TOKEN (or backstage.token_file) to a token Backstage accepts, granted in its app-config as " + grant
	default:
		return head + ": Backstage does not accept the token in BACKSTAGE_TOKEN (or backstage.token_file); add it to its app-config as " + grant + ", or fix the token"
	}
}

// message extracts Backstage's error message ({"error":{"message":...}}).
func message(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (s *Source) convert(i int, raw json.RawMessage, res *catalog.Result) {
	var w wireEntity
	where := catalog.Position{File: fmt.Sprintf("%s/api/catalog/entities (item %d)", s.base, i+1)}
	if err := json.Unmarshal(raw, &w); err != nil {
		res.Problems = append(res.Problems, catalog.Problem{Pos: where, Message: "entity is not valid JSON: " + err.Error()})
		return
	}
	if w.Kind == "" || w.Metadata.Name == "" {
		res.Problems = append(res.Problems, catalog.Problem{Pos: where, Message: "entity has no kind or metadata.name"})
		return
	}
	ns := w.Metadata.Namespace
	if ns == "" {
		ns = catalog.DefaultNamespace
	}
	e := &catalog.Entity{
		APIVersion: w.APIVersion, Kind: w.Kind, Spec: w.Spec,
		Metadata: catalog.Metadata{Name: w.Metadata.Name, Namespace: ns, Title: w.Metadata.Title, Description: w.Metadata.Description,
			Labels: w.Metadata.Labels, Annotations: w.Metadata.Annotations, Tags: w.Metadata.Tags, Links: w.Metadata.Links},
		Known: known[strings.ToLower(w.Kind)],
	}
	if strings.EqualFold(w.Kind, catalog.KindTemplate) {
		e.ParamOrder = catalog.TemplateParamOrder(raw) // the form's order, which a map loses
	}
	// Backstage's own relations, from its processors and providers: kept,
	// and merged with those of spec by catalog.Build.
	for _, r := range w.Relations {
		if t, err := catalog.ParseRef(r.TargetRef, "", ""); err == nil && t.Kind != "" && r.Type != "" {
			e.SourceRelations = append(e.SourceRelations, catalog.Relation{Type: r.Type, Target: t})
		}
	}
	page := s.entityURL("catalog", ns, w.Kind, w.Metadata.Name)
	if s.UIURL != "" && e.Metadata.Annotations[catalog.AnnotationTechDocsRef] != "" {
		// The entity's TechDocs as Backstage renders them.
		e.Metadata.Links = append(e.Metadata.Links[:len(e.Metadata.Links):len(e.Metadata.Links)],
			catalog.Link{URL: s.entityURL("docs", ns, w.Kind, w.Metadata.Name), Title: "TechDocs", Icon: "docs"})
	}
	e.Origin = catalog.Origin{Pos: catalog.Position{File: page}, Doc: i, Path: page, Source: s.Name()}
	res.Entities = append(res.Entities, e)
	res.Documents = append(res.Documents, catalog.DocResult{File: page, Doc: i, Kind: w.Kind, Namespace: ns, Name: w.Metadata.Name, Valid: true, Errors: []string{}})
}

// entityURL is the UI page of an entity under section ("catalog" or
// "docs"), with Backstage's entity route parameters: kind and namespace
// lower-cased, the name as it is.
func (s *Source) entityURL(section, ns, kind, name string) string {
	base := s.base
	if s.UIURL != "" {
		base = strings.TrimRight(s.UIURL, "/")
	}
	return base + "/" + section + "/" + url.PathEscape(strings.ToLower(ns)) + "/" + url.PathEscape(strings.ToLower(kind)) + "/" + url.PathEscape(name)
}

// IsSpec reports whether a --catalog value names a Backstage instance.
func IsSpec(spec string) bool { return strings.HasPrefix(spec, "backstage:") }

// FromSpec builds the source a --catalog value names ("backstage:URL"). A
// URL carrying credentials (user:password@, a token as user name) or a
// query is refused: Backstage takes a bearer token, which comes from
// Options, and a secret in a source's name would reach logs and status
// pages. Errors show the URL with such parts redacted.
func FromSpec(spec string, o Options) (*Source, error) {
	raw, ok := strings.CutPrefix(spec, "backstage:")
	if !ok {
		return nil, fmt.Errorf("catalog source %q does not start with backstage:", RedactSpec(spec))
	}
	p, err := url.Parse(raw)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return nil, fmt.Errorf("catalog source %q: write backstage:https://HOST (the Backstage backend's base URL)", RedactSpec(spec))
	}
	if p.User != nil {
		return nil, fmt.Errorf("catalog source %q: credentials in the URL are not used (Backstage takes a bearer token): remove them and set BACKSTAGE_TOKEN or backstage.token_file", RedactSpec(spec))
	}
	if p.RawQuery != "" || p.Fragment != "" || p.ForceQuery {
		return nil, fmt.Errorf("catalog source %q: the Backstage base URL takes no query or fragment (a token goes in BACKSTAGE_TOKEN or backstage.token_file)", RedactSpec(spec))
	}
	if o.UIURL != "" {
		u, err := url.Parse(o.UIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			return nil, fmt.Errorf("backstage.ui_url %q: write the Backstage UI's base URL, https://HOST (no credentials or query)", RedactURL(o.UIURL))
		}
	}
	s := New(p.Scheme+"://"+p.Host+p.EscapedPath(), o.Token)
	s.UIURL = strings.TrimRight(o.UIURL, "/")
	s.tokenFile = o.TokenFile
	return s, nil
}

// RedactSpec is RedactURL for a "backstage:URL" value (others are returned
// unchanged).
func RedactSpec(spec string) string {
	raw, ok := strings.CutPrefix(spec, "backstage:")
	if !ok {
		return spec
	}
	return "backstage:" + RedactURL(raw)
}

// RedactURL hides what may hold a secret in a URL: the user information
// (user:password@, or a token as user name), the query and the fragment.
func RedactURL(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		// Unparseable: keep the scheme and what could be a host, up to
		// the first character that may start a path, user or query.
		scheme, rest, ok := strings.Cut(raw, "://")
		if !ok {
			scheme, rest = "", raw
		} else {
			scheme += "://"
		}
		if i := strings.IndexAny(rest, "/@?#:"); i >= 0 {
			return scheme + rest[:i] + "[redacted]"
		}
		return raw
	}
	out := ""
	if p.Scheme != "" {
		out = p.Scheme + "://"
	}
	if p.User != nil {
		out += "[redacted]@"
	}
	out += p.Host + p.EscapedPath()
	if p.RawQuery != "" || p.ForceQuery {
		out += "?[redacted]"
	}
	if p.Fragment != "" {
		out += "#[redacted]"
	}
	if p.Opaque != "" {
		// scheme:opaque (no //): nothing to show safely but the scheme.
		out = p.Scheme + ":[redacted]"
	}
	return out
}
