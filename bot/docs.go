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

// docsPageSize is the number of documentation hits an answer shows: the
// best few, with a "next page" action for more.
const docsPageSize = 5

// docsQuery splits the words of `docs …` into the question and the entity
// it is about: "Q in X", "X Q", or just "Q". leading is true for "X Q",
// where X may as well be the first word of a question ("docs ledger is
// slow"): X is a scope only when it is an entity with docs and the rest
// still holds a word to search for.
func docsQuery(s *catalog.Snapshot, l *lookup, words []string) (q string, e *catalog.Entity, leading bool) {
	for i := len(words) - 2; i >= 1; i-- {
		if strings.EqualFold(words[i], "in") || strings.EqualFold(words[i], "for") {
			if e := exactEntity(s, l, strings.Join(words[i+1:], " ")); e != nil {
				return strings.Join(words[:i], " "), e, false
			}
		}
	}
	if len(words) >= 2 {
		if e := exactEntity(s, l, words[0]); e != nil && e.Annotation(catalog.AnnotationTechDocsRef) != "" && hasContentWord(words[1:]) {
			return strings.Join(words[1:], " "), e, true
		}
	}
	return strings.Join(words, " "), nil, false
}

// hasContentWord reports whether words hold one that is not a function
// word of a question ("is", "how", "the", …).
func hasContentWord(words []string) bool {
	for _, w := range words {
		w = strings.ToLower(strings.Trim(w, "?!.,;:'\"`"))
		if len(w) >= 2 && !questionWords[w] {
			return true
		}
	}
	return false
}

var questionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the is are was were be been am do does did doing can could should would will
	shall may might must how what why when where which who whom whose this that these those it its of to in on at by for
	with from about as and or but not no if so i me my we our you your they them he she there here any some`) {
		m[w] = true
	}
	return m
}()

func (a *answers) docs(ctx context.Context, req *Request) (*Response, error) {
	s, l, bad := a.snapshot()
	if bad != nil {
		return bad, nil
	}
	inv := Parsed(req)
	if len(inv.Words) == 0 {
		return a.usage("docs"), nil
	}
	q, e, leading := docsQuery(s, l, inv.Words)
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
	size := min(a.PageSize, docsPageSize)
	hits, total, err := a.Docs.SearchDocs(ctx, q, ref, size, page*size)
	if err == nil && total == 0 && leading {
		// "docs ledger is slow": nothing in Ledger's docs about "is slow";
		// the entity's name was part of the question.
		q, ref, e, where = strings.Join(inv.Words, " "), nil, nil, ""
		hits, total, err = a.Docs.SearchDocs(ctx, q, ref, size, page*size)
	}
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
	pages := (total + size - 1) / size
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
