package bot_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/catalogtest"
)

// ownerKey is the owner an entity is grouped under in a dependents answer.
func ownerKey(e *catalog.Entity) string {
	for _, r := range e.Relations {
		if r.Type == catalog.RelOwnedBy {
			return r.Target.Key()
		}
	}
	return ""
}

func nextPage(resp *bot.Response) (int, bool) {
	for _, a := range resp.Actions {
		if strings.HasPrefix(a.Label, "next page") {
			return a.Page, true
		}
	}
	return 0, false
}

// A blast radius of hundreds, five to a page: every page says how many there
// are in all, every entity appears on exactly one page under its owner's
// section with that team's full count and its own depth, and teams come
// nearest first.
func TestDependentsPagesCoverEveryHitGroupedByTeam(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 3000, Seed: 7, HubDependents: 400})
	r := newRouter(t, s, nil)
	hub, ok := s.Get(catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: catalogtest.HubName})
	if !ok {
		t.Fatal("no hub")
	}
	want := map[string]bot.Affected{}
	perOwner := map[string]int{}
	for _, h := range bot.BlastRadius(s, hub, 0) {
		want[h.Entity.Ref().String()] = h
		perOwner[ownerKey(h.Entity)]++
	}
	if len(want) < 400 {
		t.Fatalf("blast radius of %d, want at least the 400 generated dependents", len(want))
	}
	text := "dependents " + hub.Ref().String()
	seen := map[string]bool{}
	done := map[string]bool{} // teams whose section has ended
	lastTeam, lastNearest := "", 0
	for page, n := 0, 0; ; n++ {
		if n > len(want) {
			t.Fatal("more pages than entities")
		}
		resp := askAs(t, r, text, bot.User{Platform: bot.PlatformSlack, ID: "u"}, page)
		if resp.Status != bot.StatusOK || !strings.HasPrefix(resp.Title, strconv.Itoa(len(want))+" entities affected") {
			t.Fatalf("page %d: %s", page, resp.Title)
		}
		if resp.Page == nil || resp.Page.Items != len(want) || resp.Page.Index != page {
			t.Fatalf("page %d: %+v", page, resp.Page)
		}
		for _, sec := range resp.Sections {
			if len(sec.Items) == 0 {
				t.Fatalf("page %d: empty section %q", page, sec.Title)
			}
			team := ownerKey(want[sec.Items[0].Ref].Entity)
			if !strings.HasSuffix(sec.Title, fmt.Sprintf(" — %d", perOwner[team])) {
				t.Errorf("section %q: team %q has %d entities in all", sec.Title, team, perOwner[team])
			}
			if team != lastTeam {
				if done[team] {
					t.Errorf("team %q split into two runs (page %d)", team, page)
				}
				done[lastTeam] = true
				nearest := want[sec.Items[0].Ref].Depth
				if nearest < lastNearest {
					t.Errorf("team %q (nearest depth %d) after one at depth %d", team, nearest, lastNearest)
				}
				lastTeam, lastNearest = team, nearest
			}
			for _, it := range sec.Items {
				h, ok := want[it.Ref]
				if !ok {
					t.Fatalf("%s is not in the blast radius", it.Ref)
				}
				if seen[it.Ref] {
					t.Errorf("%s on two pages", it.Ref)
				}
				seen[it.Ref] = true
				if got := ownerKey(h.Entity); got != team {
					t.Errorf("%s (owner %q) in the section of %q", it.Ref, got, team)
				}
				if wantDetail := fmt.Sprintf("depth %d · %s ", h.Depth, h.How); !strings.HasPrefix(it.Detail, wantDetail) {
					t.Errorf("%s: detail %q, want it to start %q", it.Ref, it.Detail, wantDetail)
				}
			}
		}
		next, ok := nextPage(resp)
		if !ok {
			break
		}
		page = next
	}
	if len(seen) != len(want) {
		t.Errorf("saw %d of %d dependents across the pages", len(seen), len(want))
	}
}

// Dependents answers reuse buffers between requests: answers given at the
// same time, for roots of every size, must equal those given one by one.
func TestDependentsAnswersAtTheSameTimeMatchOneByOne(t *testing.T) {
	s := catalogtest.Snapshot(catalogtest.Options{N: 2000, Seed: 3, HubDependents: 300})
	r := newRouter(t, s, nil)
	texts := []string{"dependents component:default/" + catalogtest.HubName, "impact component:default/" + catalogtest.HubName + " depth 2"}
	for i := 0; i < s.Len(); i += 83 {
		texts = append(texts, "dependents "+s.Entities()[i].Ref().String())
	}
	type query struct {
		text string
		page int
	}
	want := map[query]string{}
	for _, text := range texts {
		for _, page := range []int{0, 1, 7} {
			want[query{text, page}] = flat(askAs(t, r, text, bot.User{Platform: bot.PlatformConsole, ID: "u"}, page))
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 3; round++ {
				for q, exp := range want {
					resp, err := r.Handle(context.Background(), &bot.Request{Text: q.text, Page: q.page, Platform: bot.PlatformConsole, User: bot.User{Platform: bot.PlatformConsole, ID: "u"}})
					if err != nil {
						t.Errorf("%q: %v", q.text, err)
						return
					}
					if got := flat(resp); got != exp {
						t.Errorf("%q page %d differs when asked concurrently:\n%s\nwant:\n%s", q.text, q.page, got, exp)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
