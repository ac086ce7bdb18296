package bot

import (
	"strings"

	"github.com/callboard/callboard/catalog"
)

// The built-in commands' examples are written with the names of Backstage's
// demo catalog. help and usage answers show them with names from the
// catalog being served instead, so every example button answers.

// exampleNames maps each demo name to the kind of entity it stands for.
var exampleNames = map[string]string{
	"artist-lookup": "component", "www-artist": "component2", "artists-db": "resource", "team-a": catalog.KindGroup,
	"spotify": catalog.KindAPI, "artist-engagement-portal": catalog.KindSystem, "artists": catalog.KindDomain,
	"artist": "word",
}

// pickExamples chooses, per kind, the entity of s that best shows a command
// off: a component with an owner, docs, links and dependents; the resource
// most depended on; the team owning most.
func pickExamples(s *catalog.Snapshot) map[string]string {
	best := map[string]int{}
	out := map[string]string{}
	second := ""
	secondScore := -1
	for _, e := range s.Entities() {
		k := kindOf(e)
		score := 0
		for _, r := range e.Relations {
			switch r.Type {
			case catalog.RelOwnedBy:
				score += 4
			case catalog.RelDependencyOf, catalog.RelAPIConsumedBy, catalog.RelHasPart, catalog.RelOwnerOf:
				score++
			case catalog.RelProvidesAPI, catalog.RelConsumesAPI, catalog.RelDependsOn:
				score++
			}
		}
		switch k {
		case catalog.KindComponent:
			if e.SpecString("lifecycle") == "production" {
				score += 3
			}
			if e.Annotation(catalog.AnnotationTechDocsRef) != "" {
				score += 2
			}
			score += min(len(e.Metadata.Links), 3)
		case catalog.KindGroup:
			if e.SpecString("type") != "team" {
				score -= 5
			}
		case catalog.KindTemplate, catalog.KindUser, catalog.KindLocation:
			continue
		}
		if e.Ref().Namespace != catalog.DefaultNamespace {
			score -= 10
		}
		name := e.Metadata.Name
		if old, ok := out[k]; !ok || score > best[k] || (score == best[k] && name < old) {
			if k == catalog.KindComponent && ok && (best[k] > secondScore || (best[k] == secondScore && old < second)) {
				second, secondScore = old, best[k]
			}
			out[k], best[k] = name, score
		} else if k == catalog.KindComponent && (score > secondScore || (score == secondScore && name < second)) {
			second, secondScore = name, score
		}
	}
	if c, ok := out[catalog.KindComponent]; ok {
		out["component2"] = c
		if second != "" {
			out["component2"] = second
		}
		out["word"] = strings.SplitN(c, "-", 2)[0]
	}
	return out
}

// exampleLine rewrites one example command line with the catalog's names;
// a demo name the catalog really has is kept.
func (l *lookup) exampleLine(s *catalog.Snapshot, line string) string {
	words := strings.Fields(line)
	changed := false
	for i, w := range words {
		core := strings.TrimRight(w, "?!.,")
		kind, ok := exampleNames[core]
		if !ok || len(s.ByName(core)) > 0 {
			continue
		}
		l.examplesOnce.Do(func() { l.examples = pickExamples(s) })
		if name := l.examples[kind]; name != "" {
			words[i] = name + w[len(core):]
			changed = true
		}
	}
	if !changed {
		return line
	}
	return strings.Join(words, " ")
}
