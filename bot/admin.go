package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callboard/callboard/catalog"
)

// SourceHealth is how one catalog source (or one repository of it) last
// refreshed, for `catalog status`.
type SourceHealth struct {
	Name        string
	LastSuccess time.Time
	LastError   string
	Entities    int
	Problems    int
	Repos       []SourceHealth
}

// CatalogHealth reports the catalog sources; serve adapts the GitHub
// Refresher's Status to it.
type CatalogHealth interface {
	CatalogHealth() []SourceHealth
}

// AdminOptions configure the admin commands.
type AdminOptions struct {
	Catalog *catalog.Store
	Health  CatalogHealth
	// Admins are Users' entity refs ("user:default/jdoe") allowed to ask.
	Admins []catalog.Ref
}

// RegisterAdmin adds `catalog status`, answered only to the configured
// admins (the chat user mapped to a User entity with FindUser); anyone
// else gets StatusDenied.
func RegisterAdmin(r *Router, o AdminOptions) error {
	return r.Register(Command{
		Name: "catalog status", Summary: "catalog sources' last refresh (admins only)", Usage: "catalog status",
		Handler: HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			snap := o.Catalog.Current()
			u := req.User
			if u.Platform == "" {
				u.Platform = req.Platform
			}
			if !o.isAdmin(snap, u) {
				return &Response{Text: "catalog status is for catalog admins (catalog.admins).", Status: StatusDenied, Ephemeral: true}, nil
			}
			resp := &Response{Status: StatusOK, Ephemeral: true, Text: fmt.Sprintf("%d catalog problems", len(snap.Problems()))}
			if o.Health != nil {
				for _, s := range o.Health.CatalogHealth() {
					resp.Sections = append(resp.Sections, healthSection(s))
					for _, rp := range s.Repos {
						resp.Sections = append(resp.Sections, healthSection(rp))
					}
				}
			}
			return resp, nil
		}),
	})
}

func (o AdminOptions) isAdmin(s *catalog.Snapshot, u User) bool {
	if s == nil {
		return false
	}
	e := FindUser(s, u)
	if e == nil {
		return false
	}
	ref := strings.ToLower(e.Ref().String())
	for _, a := range o.Admins {
		if strings.ToLower(a.String()) == ref {
			return true
		}
	}
	return false
}

func healthSection(s SourceHealth) Section {
	last := "never"
	if !s.LastSuccess.IsZero() {
		last = s.LastSuccess.UTC().Format(time.RFC3339)
	}
	sec := Section{Title: s.Name, Fields: []Field{
		{Name: "Last success", Value: last, Short: true},
		{Name: "Entities", Value: fmt.Sprint(s.Entities), Short: true},
		{Name: "Problems", Value: fmt.Sprint(s.Problems), Short: true},
	}}
	sec.Text = fmt.Sprintf("last success %s, %d entities, %d problems", last, s.Entities, s.Problems)
	if s.LastError != "" {
		sec.Fields = append(sec.Fields, Field{Name: "Last error", Value: s.LastError})
		sec.Text += "; last error: " + s.LastError
	}
	return sec
}
