package bot

import (
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Questions arrive as sentences typed in a hurry: "who is on call for the
// checkout service right now?", "is card gateway down? who owns it". The
// Router finds the intent; what is left names the entity, wrapped in filler
// that cleanQuery removes before resolution tries again.

// leadFiller are words dropped from the front of an entity's name.
var leadFiller = map[string]bool{
	"the": true, "a": true, "an": true, "our": true, "my": true, "your": true, "for": true, "of": true,
	"on": true, "about": true, "is": true, "are": true, "was": true, "to": true, "in": true, "at": true,
	"with": true, "that": true, "this": true, "from": true, "whole": true, "entire": true, "whoever": true,
	"and": true, "so": true, "any": true, "ok": true, "okay": true, "hey": true, "please": true, "pls": true, "urgent": true,
	"urgently": true, "quick": true, "quickly": true, "currently": true, "now": true, "if": true, "when": true,
}

// trailFiller are phrases dropped from the end, longest first.
var trailFiller = [][]string{
	{"at", "the", "moment"}, {"this", "week"}, {"this", "weekend"}, {"next", "week"}, {"this", "morning"}, {"this", "evening"},
	{"at", "night"}, {"rn"}, {"atm"}, {"urgent"}, {"help"}, {"thank", "you"}, {"thx"}, {"please", "help"}, {"on", "prod"}, {"in", "prod"}, {"in", "production"}, {"is", "on", "fire"}, {"having", "issues"}, {"has", "issues"}, {"is", "having", "issues"},
	{"right", "now"}, {"goes", "down"}, {"go", "down"}, {"went", "down"}, {"is", "down"}, {"are", "down"},
	{"is", "broken"}, {"is", "failing"}, {"is", "dead"}, {"is", "slow"}, {"is", "erroring"}, {"on", "fire"},
	{"is", "out"}, {"stops", "working"}, {"stopped", "working"}, {"is", "alerting"}, {"is", "paging"}, {"fell", "over"},
	{"down"}, {"broken"}, {"failing"}, {"fails"}, {"dies"}, {"died"}, {"dead"}, {"slow"}, {"erroring"}, {"errors"},
	{"outage"}, {"incident"}, {"alerting"}, {"paging"}, {"now"}, {"asap"}, {"currently"}, {"today"}, {"tonight"},
	{"please"}, {"pls"}, {"thanks"}, {"again"}, {"it"}, {"urgently"}, {"quickly"}, {"is"}, {"are"}, {"up"}, {"ok"},
	{"goes"}, {"went"}, {"right"}, {"5xx"}, {"500s"}, {"timeouts"}, {"timing", "out"}, {"for"}, {"of"}, {"here"}, {"there"}, {"anyway"},
}

// kindSuffix are words that, at the end of a name ("the ledger service"),
// say which kind is meant and are not part of the name.
var kindSuffix = map[string]string{
	"service": catalog.KindComponent, "svc": catalog.KindComponent, "component": catalog.KindComponent,
	"app": catalog.KindComponent, "application": catalog.KindComponent, "website": catalog.KindComponent,
	"library": catalog.KindComponent, "lib": catalog.KindComponent,
	"api": catalog.KindAPI, "db": catalog.KindResource, "database": catalog.KindResource,
	"system": catalog.KindSystem, "team": catalog.KindGroup, "squad": catalog.KindGroup, "group": catalog.KindGroup,
	"domain": catalog.KindDomain,
}

// cleanQuery strips the filler around an entity's name. base is q without
// filler; name is base without a trailing kind word ("ledger service" →
// "ledger"), and kind the kind that word asked for ("" when none). Both
// are q unchanged when stripping would leave nothing.
func cleanQuery(q string) (base, name, kind string) {
	words := strings.Fields(q)
	for i, w := range words {
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		words[i] = strings.Trim(w, "?!.,;:")
	}
	words = stripFiller(words)
	base = strings.Join(words, " ")
	for len(words) > 1 {
		k, ok := kindSuffix[strings.ToLower(words[len(words)-1])]
		if !ok {
			break
		}
		words = stripFiller(words[:len(words)-1])
		if kind == "" {
			kind = k
		}
	}
	name = strings.Join(words, " ")
	if base == "" {
		base = q
	}
	if name == "" {
		name, kind = base, ""
	}
	return base, name, kind
}

// stripFiller drops filler words from both ends, and pronouns anywhere.
func stripFiller(words []string) []string {
	for changed := true; changed && len(words) > 0; {
		changed = false
		for len(words) > 1 && leadFiller[strings.ToLower(words[0])] {
			words, changed = words[1:], true
		}
		for _, ph := range trailFiller {
			if len(words) > len(ph) && hasSuffixWords(words, ph) {
				words, changed = words[:len(words)-len(ph)], true
				break
			}
		}
		if len(words) > 1 {
			kept := make([]string, 0, len(words))
			for _, w := range words {
				switch strings.ToLower(w) {
				case "it", "its", "please", "pls", "the":
					continue
				}
				kept = append(kept, w)
			}
			if len(kept) > 0 && len(kept) < len(words) {
				words, changed = kept, true
			}
		}
	}
	return words
}

func hasSuffixWords(words, suffix []string) bool {
	off := len(words) - len(suffix)
	for i, s := range suffix {
		if strings.ToLower(words[off+i]) != s {
			return false
		}
	}
	return true
}

// wordKinds orders the kinds a word match is taken from, per intent: for
// "who owns" a component before its API, never a Template.
var (
	wordsOwned = Preference{{catalog.KindComponent}, {catalog.KindResource}, {catalog.KindAPI}, {catalog.KindSystem}, {catalog.KindDomain}, {catalog.KindGroup}, {catalog.KindUser}}
	wordsTeam  = Preference{{catalog.KindGroup}, {catalog.KindUser}}
	wordsAny   = Preference{{catalog.KindComponent}, {catalog.KindResource}, {catalog.KindAPI}, {catalog.KindSystem}, {catalog.KindDomain}, {catalog.KindGroup}, {catalog.KindUser}, {catalog.KindTemplate}}
)

// wordPreference is the word-match order for a resolution preference.
func wordPreference(p Preference) Preference {
	switch {
	case len(p) > 0 && len(p[0]) == 1 && p[0][0] == catalog.KindGroup:
		return wordsTeam
	case len(p) > 0 && len(p[0]) == 1:
		return append(Preference{p[0]}, wordsAny...)
	case p == nil:
		return wordsAny
	}
	return wordsOwned
}

// maxWordMatches bounds the entities one word may name before it is too
// common to pick from.
const maxWordMatches = 500

// wordMatches returns the entities whose name or title contains every word
// of q as a whole word ("kyc" in kyc-service), of the kinds pref ranks,
// best first: preferred kind, then the fewest extra words.
func wordMatches(l *lookup, q string, pref Preference) []*catalog.Entity {
	ws := strings.Fields(fold(q))
	if len(ws) == 0 || len(ws) > 6 {
		return nil
	}
	for i, w := range ws {
		// "notifications" for notification-service.
		if len(l.byWord[w]) == 0 && len(w) > 3 && strings.HasSuffix(w, "s") && len(l.byWord[w[:len(w)-1]]) > 0 {
			ws[i] = w[:len(w)-1]
		}
	}
	q = strings.Join(ws, " ")
	// Start from the rarest word's entities and keep those having every
	// other word: no maps on the request path. A word shared by hundreds of
	// entities names none of them.
	rare := l.byWord[ws[0]]
	for _, w := range ws[1:] {
		if es := l.byWord[w]; len(es) < len(rare) {
			rare = es
		}
	}
	if len(rare) > maxWordMatches {
		return nil
	}
	var cands []*catalog.Entity
	for _, e := range rare {
		have := strings.Fields(fold(e.Metadata.Name) + " " + fold(e.Metadata.Title))
		if containsWords(have, ws) {
			cands = append(cands, e)
		}
	}
	cands = dedupe(cands)
	kept := cands[:0]
	for _, e := range cands {
		if pref.rank(kindOf(e)) < len(pref) {
			kept = append(kept, e)
		}
	}
	cands = kept
	extra := func(e *catalog.Entity) int {
		n := len(strings.Fields(fold(e.Metadata.Name)))
		if t := len(strings.Fields(fold(e.Metadata.Title))); t > 0 && t < n {
			n = t
		}
		return n - len(ws)
	}
	sortEntities(cands, func(a, b *catalog.Entity) bool {
		ra, rb := pref.rank(kindOf(a)), pref.rank(kindOf(b))
		if ra != rb {
			return ra < rb
		}
		if ea, eb := extra(a), extra(b); ea != eb {
			return ea < eb
		}
		return a.Ref().Key() < b.Ref().Key()
	})
	return cands
}

// standout is the one word match that stands out: the only one of the
// preferred kind that exists among the matches, or the only one with the
// fewest extra words within it.
func standout(cands []*catalog.Entity, pref Preference) *catalog.Entity {
	if len(cands) == 0 {
		return nil
	}
	if len(cands) == 1 {
		return cands[0]
	}
	top := pref.rank(kindOf(cands[0]))
	var tier []*catalog.Entity
	for _, e := range cands {
		if pref.rank(kindOf(e)) == top {
			tier = append(tier, e)
		}
	}
	if len(tier) == 1 {
		return tier[0]
	}
	return nil
}

// closest is the one match of the preferred kind whose name has the fewest
// words besides the query's ("kafka" → kafka-cluster, not the
// "payment-events Kafka topic"), or nil on a tie.
func closest(cands []*catalog.Entity, q string, pref Preference) *catalog.Entity {
	top := pref.rank(kindOf(cands[0]))
	n := len(strings.Fields(fold(q)))
	best, bestExtra, tie := (*catalog.Entity)(nil), 1<<30, false
	for _, e := range cands {
		if pref.rank(kindOf(e)) != top {
			continue
		}
		// Words besides the query's, a kind word ("billing-svc" for
		// "billing") not counted; a match in the title only counts least.
		extra := 1 << 20
		for _, field := range []string{e.Metadata.Name, e.Metadata.Title} {
			words := strings.Fields(fold(field))
			if len(words) == 0 || !containsWords(words, strings.Fields(fold(q))) {
				continue
			}
			x := len(words) - n
			for _, w := range words {
				if _, ok := kindSuffix[w]; ok {
					x--
				}
			}
			extra = min(extra, x)
		}
		switch {
		case extra < bestExtra:
			best, bestExtra, tie = e, extra, false
		case extra == bestExtra:
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

func containsWords(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sharedOwner returns the one owner all of es have, if they have one.
func sharedOwner(s *catalog.Snapshot, es []*catalog.Entity) (catalog.Ref, bool) {
	var owner catalog.Ref
	for i, e := range es {
		o, ok := ownerRef(s, e)
		if !ok {
			return catalog.Ref{}, false
		}
		if i == 0 {
			owner = o
			continue
		}
		if o.Key() != owner.Key() {
			return catalog.Ref{}, false
		}
	}
	return owner, len(es) > 0
}

// spanStop are words that alone never name an entity in a question.
var spanStop = map[string]bool{
	"can": true, "you": true, "tell": true, "me": true, "what": true, "who": true, "any": true, "there": true,
	"do": true, "does": true, "i": true, "we": true, "call": true, "should": true, "page": true, "status": true,
	"know": true, "need": true, "help": true, "with": true, "returning": true, "throwing": true, "giving": true,
	"has": true, "have": true, "had": true, "be": true, "been": true, "being": true, "not": true, "no": true,
	"working": true, "work": true, "keeps": true, "seems": true, "looks": true, "like": true, "why": true, "how": true,
	"where": true, "which": true, "when": true, "team": true, "service": true, "api": true, "db": true, "system": true,
	"errors": true, "error": true, "high": true, "latency": true, "again": true, "up": true, "out": true, "all": true,
	"someone": true, "anyone": true, "person": true, "engineer": true, "owner": true, "owns": true, "owned": true, "by": true,
}

// resolveSpan finds an entity named by a run of q's words, longest run
// first: exactly, then by the words of a name. Runs of stop words alone
// are skipped.
func resolveSpan(s *catalog.Snapshot, l *lookup, q string, prefer, wp Preference) (Resolution, bool) {
	words := strings.Fields(q)
	if len(words) < 2 || len(words) > 16 {
		return Resolution{}, false
	}
	for _, exact := range []bool{true, false} {
		for n := len(words) - 1; n >= 1; n-- {
			for i := 0; i+n <= len(words); i++ {
				span := words[i : i+n]
				if allStop(span) {
					continue
				}
				_, name, kind := cleanQuery(strings.Join(span, " "))
				if exact {
					if res, ok := resolveExact(s, l, strings.Join(span, " "), prefer, ""); ok {
						return res, true
					}
					if res, ok := resolveExact(s, l, name, prefer, kind); ok {
						return res, true
					}
					continue
				}
				p := wp
				if kind != "" {
					p = append(Preference{{kind}}, wp...)
				}
				if ws := wordMatches(l, name, p); len(ws) > 0 {
					if one := standout(ws, p); one != nil {
						return Resolution{Entity: one, By: "word", Candidates: ws, Query: name}, true
					}
					if _, shared := sharedOwner(s, ws); shared {
						return Resolution{Candidates: ws, By: "word", Query: name}, true
					}
					if one := closest(ws, name, p); one != nil {
						return Resolution{Entity: one, By: "word", Candidates: ws, Query: name}, true
					}
				}
			}
		}
	}
	return Resolution{}, false
}

func allStop(ws []string) bool {
	for _, w := range ws {
		lw := strings.ToLower(strings.Trim(w, "?!.,;:"))
		if !spanStop[lw] && !leadFiller[lw] && !isTrailWord(lw) {
			return false
		}
	}
	return true
}

func isTrailWord(w string) bool {
	for _, ph := range trailFiller {
		if len(ph) == 1 && ph[0] == w {
			return true
		}
	}
	return false
}

// topTier are the matches of the best-ranked kind among cands.
func topTier(cands []*catalog.Entity, pref Preference) []*catalog.Entity {
	if len(cands) == 0 {
		return nil
	}
	top := pref.rank(kindOf(cands[0]))
	var out []*catalog.Entity
	for _, e := range cands {
		if pref.rank(kindOf(e)) == top {
			out = append(out, e)
		}
	}
	return out
}
