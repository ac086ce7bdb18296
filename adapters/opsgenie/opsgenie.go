package opsgenie

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
)

// DefaultAPIURL is Opsgenie's API (the EU instance is https://api.eu.opsgenie.com).
const DefaultAPIURL = "https://api.opsgenie.com"

// Options configure a Client.
type Options struct {
	// APIKey is an API integration's key (OPSGENIE_API_KEY).
	APIKey string
	// APIURL is the API root (OPSGENIE_API_URL, tests); "" is DefaultAPIURL.
	APIURL     string
	HTTPClient *http.Client
	// MaxPages bounds how many pages of one list are read (default 10).
	MaxPages int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Client reads on-call facts from Opsgenie.
type Client struct {
	key, base string
	hc        *http.Client
	maxPages  int
	now       func() time.Time
}

// New returns a Client; it is an error to give no key or a bad URL.
func New(opts Options) (*Client, error) {
	if strings.TrimSpace(opts.APIKey) == "" {
		return nil, errors.New("opsgenie: no API key (set OPSGENIE_API_KEY)")
	}
	base := strings.TrimRight(opts.APIURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("opsgenie: API URL %q is not an absolute URL", base)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	c := &Client{key: opts.APIKey, base: base, hc: hc, maxPages: opts.MaxPages, now: opts.Now}
	if c.maxPages <= 0 {
		c.maxPages = 10
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

type schedule struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Enabled   bool   `json:"enabled"`
	OwnerTeam *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"ownerTeam"`
}

// OnCallNow implements bot.OnCall.
func (c *Client) OnCallNow(ctx context.Context, annotations map[string]string) (*bot.Rota, error) {
	team := strings.TrimSpace(annotations[catalog.AnnotationOpsgenieTeam])
	if team == "" {
		return nil, nil
	}
	var scheds []schedule
	next := c.base + "/v2/schedules?expand=rotation"
	for page := 0; next != "" && page < c.maxPages; page++ {
		var res struct {
			Data   []schedule `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.get(ctx, next, &res); err != nil {
			return nil, err
		}
		for _, s := range res.Data {
			if s.Enabled && s.OwnerTeam != nil && strings.EqualFold(s.OwnerTeam.Name, team) {
				scheds = append(scheds, s)
			}
		}
		next = res.Paging.Next
	}
	r := &bot.Rota{Source: "Opsgenie", Target: "team " + team}
	if len(scheds) == 0 {
		return r, nil
	}
	now := c.now()
	for _, s := range scheds {
		id := url.PathEscape(s.ID)
		var cur struct {
			Data struct {
				Recipients []string `json:"onCallRecipients"`
			} `json:"data"`
		}
		if err := c.get(ctx, c.base+"/v2/schedules/"+id+"/on-calls?flat=true", &cur); err != nil {
			return nil, err
		}
		ends := c.shiftEnds(ctx, id, now)
		for _, who := range cur.Data.Recipients {
			r.Shifts = append(r.Shifts, bot.Shift{Level: 1, Name: who, Email: emailOf(who), Schedule: s.Name, End: ends[strings.ToLower(who)]})
		}
		var nxt struct {
			Data struct {
				Recipients      []string `json:"nextOnCallRecipients"`
				ExactRecipients []string `json:"exactNextOnCallRecipients"`
			} `json:"data"`
		}
		if err := c.get(ctx, c.base+"/v2/schedules/"+id+"/next-on-calls?flat=true", &nxt); err == nil {
			ws := nxt.Data.ExactRecipients
			if len(ws) == 0 {
				ws = nxt.Data.Recipients
			}
			for _, who := range ws {
				sh := bot.Shift{Level: 1, Name: who, Email: emailOf(who), Schedule: s.Name, Next: true}
				for _, e := range ends {
					if sh.Start.IsZero() || e.Before(sh.Start) {
						sh.Start = e
					}
				}
				r.Shifts = append(r.Shifts, sh)
			}
		}
	}
	return r, nil
}

// shiftEnds reads a schedule's timeline and returns, per recipient on call
// now, when their period ends. Failures leave it empty (the end is extra).
func (c *Client) shiftEnds(ctx context.Context, id string, now time.Time) map[string]time.Time {
	var tl struct {
		Data struct {
			FinalTimeline struct {
				Rotations []struct {
					Periods []struct {
						StartDate time.Time `json:"startDate"`
						EndDate   time.Time `json:"endDate"`
						Recipient struct {
							Name string `json:"name"`
						} `json:"recipient"`
					} `json:"periods"`
				} `json:"rotations"`
			} `json:"finalTimeline"`
		} `json:"data"`
	}
	out := map[string]time.Time{}
	if err := c.get(ctx, c.base+"/v2/schedules/"+id+"/timeline?interval=2&intervalUnit=weeks", &tl); err != nil {
		return out
	}
	for _, rot := range tl.Data.FinalTimeline.Rotations {
		for _, p := range rot.Periods {
			if !now.Before(p.StartDate) && now.Before(p.EndDate) {
				out[strings.ToLower(p.Recipient.Name)] = p.EndDate
			}
		}
	}
	return out
}

// emailOf is an Opsgenie username, which is the user's email.
func emailOf(name string) string {
	if strings.Contains(name, "@") {
		return name
	}
	return ""
}

// get GETs u into v, turning failures into a *bot.PagingError.
func (c *Client) get(ctx context.Context, u string, v any) error {
	if !strings.HasPrefix(u, c.base+"/") {
		return &bot.PagingError{Source: "Opsgenie", Reason: "sent a next page outside its API", Err: fmt.Errorf("paging.next %q", u)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &bot.PagingError{Source: "Opsgenie", Reason: "could not be asked", Err: err}
	}
	req.Header.Set("Authorization", "GenieKey "+c.key)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		pe := &bot.PagingError{Source: "Opsgenie", Reason: "is unreachable", Err: errors.New(strings.ReplaceAll(err.Error(), c.key, "…"))}
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			pe.Reason = "did not answer in time"
		}
		return pe
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &bot.PagingError{Source: "Opsgenie", Reason: "is unreachable", Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait := retryAfter(resp.Header, time.Now())
		if wait <= 0 {
			wait = time.Minute
		}
		return &bot.PagingError{Source: "Opsgenie", Reason: "is rate limiting us", RetryAfter: wait, Err: fmt.Errorf("HTTP 429 %s", message(body))}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return &bot.PagingError{Source: "Opsgenie", Reason: fmt.Sprintf("refused our API key (HTTP %d)", resp.StatusCode), Err: errors.New(message(body))}
	case resp.StatusCode >= 300:
		return &bot.PagingError{Source: "Opsgenie", Reason: fmt.Sprintf("answered HTTP %d", resp.StatusCode), Err: errors.New(message(body))}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &bot.PagingError{Source: "Opsgenie", Reason: "sent an answer we could not read", Err: err}
	}
	return nil
}

func message(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return strings.TrimSpace(string(body[:min(len(body), 200)]))
}

func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
