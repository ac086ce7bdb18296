package backstage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/catalog"
)

// Source reads every entity of a Backstage instance.
type Source struct {
	base  string
	token string
	// HTTP is the client used (default: one with a 30s timeout).
	HTTP *http.Client
	// PageSize is the number of entities asked for per request (default 500).
	PageSize int
	// Filter is passed as Backstage's filter parameter, e.g. "kind=component" ("" for everything).
	Filter string
}

// New returns a source for the Backstage at baseURL (e.g.
// https://backstage.example.com), authenticating with a bearer token when
// token is not empty.
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
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("backstage %s: %w", s.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("backstage %s: reading %s: %w", s.base, p, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound && p == "/api/catalog/entities/by-query":
		return errNotFound
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("backstage %s refused the request (%d %s): check the token", s.base, resp.StatusCode, message(body))
	default:
		return fmt.Errorf("backstage %s: GET %s: %d %s", s.base, p, resp.StatusCode, message(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("backstage %s: GET %s: the answer is not the catalog API's JSON: %w", s.base, p, err)
	}
	return nil
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
	for _, r := range w.Relations {
		if t, err := catalog.ParseRef(r.TargetRef, "", ""); err == nil && t.Kind != "" {
			e.Relations = append(e.Relations, catalog.Relation{Type: r.Type, Target: t})
		}
	}
	page := s.base + "/catalog/" + strings.ToLower(ns) + "/" + strings.ToLower(w.Kind) + "/" + w.Metadata.Name
	e.Origin = catalog.Origin{Pos: catalog.Position{File: page}, Doc: i, Path: page, Source: s.Name()}
	res.Entities = append(res.Entities, e)
	res.Documents = append(res.Documents, catalog.DocResult{File: page, Doc: i, Kind: w.Kind, Namespace: ns, Name: w.Metadata.Name, Valid: true, Errors: []string{}})
}

// FromSpec builds the source a --catalog value names ("backstage:URL").
func FromSpec(spec, token string) (*Source, error) {
	u, ok := strings.CutPrefix(spec, "backstage:")
	if !ok {
		return nil, fmt.Errorf("catalog source %q does not start with backstage:", spec)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return nil, fmt.Errorf("catalog source %q: write backstage:https://HOST (the Backstage base URL)", spec)
	}
	return New(u, token), nil
}
