package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/callboard/callboard/catalog"
)

// exactEntity resolves q without fuzzy matching (so ordinary words of a
// question are not taken for entities); nil unless one entity fits.
func exactEntity(s *catalog.Snapshot, l *lookup, q string) *catalog.Entity {
	res := resolveWith(s, l, q, preferOwned)
	if res.Entity == nil || res.By == "fuzzy" {
		return nil
	}
	return res.Entity
}

// docsQuery splits the words of `docs …` into the question and the entity
// it is about: "Q in X", "X Q", or just "Q".
func docsQuery(s *catalog.Snapshot, l *lookup, words []string) (string, *catalog.Entity) {
	for i := len(words) - 2; i >= 1; i-- {
		if strings.EqualFold(words[i], "in") || strings.EqualFold(words[i], "for") {
			if e := exactEntity(s, l, strings.Join(words[i+1:], " ")); e != nil {
				return strings.Join(words[:i], " "), e
			}
		}
	}
	if len(words) >= 1 {
		if e := exactEntity(s, l, words[0]); e != nil {
			return strings.Join(words[1:], " "), e
		}
	}
	return strings.Join(words, " "), nil
}

func (a *answers) docs(ctx context.Context, req *Request) (*Response, error) {
	s, l, bad := a.snapshot()
	if bad != nil {
		return bad, nil
	}
	inv := Parsed(req)
	if len(inv.Words) == 0 {
		return a.usage("docs"), nil
	}
	q, e := docsQuery(s, l, inv.Words)
	var ref *catalog.Ref
	where := ""
	if e != nil {
		r := e.Ref()
		ref = &r
		where = " in " + e.DisplayName() + "'s docs"
		if q == "" {
			q = e.Metadata.Name
		}
	}
	page := max(req.Page, 0)
	hits, total, err := a.Docs.SearchDocs(ctx, q, ref, a.PageSize, page*a.PageSize)
	if err != nil {
		slog.ErrorContext(ctx, "docs search failed", "query", q, "err", err)
		return &Response{Title: "The documentation search failed", Text: "Try again in a moment.", Status: StatusError, Ephemeral: true}, nil
	}
	if total == 0 {
		resp := &Response{Title: fmt.Sprintf("No documentation matches %q%s", q, where), Status: StatusNotFound, Ephemeral: true,
			Text: "Try other words, or fewer of them."}
		if e != nil {
			resp.Actions = []Action{{Label: "search all docs", Command: "docs " + q}}
		}
		return resp, nil
	}
	pages := (total + a.PageSize - 1) / a.PageSize
	if len(hits) == 0 {
		// A page past the end (the docs changed since the last page was shown).
		return &Response{Title: fmt.Sprintf("Page %d is past the end: %d documentation %s for %q%s fill %d %s", page+1, total,
			plural(total, "match", "matches"), q, where, pages, plural(pages, "page", "pages")), Status: StatusNotFound, Ephemeral: true,
			Actions: []Action{{Label: fmt.Sprintf("last page (%d/%d)", pages, pages), Command: strings.TrimSpace(req.Text), Page: pages - 1}}}, nil
	}
	resp := &Response{Title: fmt.Sprintf("%d documentation %s for %q%s", total, plural(total, "match", "matches"), q, where), Docs: hits}
	if pages > 1 {
		resp.Page = &Page{Index: page, Total: pages, Items: total}
		if page+1 < pages {
			resp.Actions = append(resp.Actions, Action{Label: fmt.Sprintf("next page (%d/%d)", page+2, pages), Command: strings.TrimSpace(req.Text), Page: page + 1})
		}
		if page > 0 {
			resp.Actions = append(resp.Actions, Action{Label: "previous page", Command: strings.TrimSpace(req.Text), Page: page - 1})
		}
	}
	return a.okFor(req, resp), nil
}
