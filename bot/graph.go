package bot

import (
	"strings"

	"github.com/callboard/callboard/catalog"
)

// Catalog gives the snapshot in force; *catalog.Store is one. Current must
// not block: a request is answered from the snapshot it gets.
type Catalog interface {
	Current() *catalog.Snapshot
}

// relatedRefs returns the references e points at with relations of typ:
// its own Relations (catalog.Build fills both directions) or, when it has
// none of that type, the inverse edges others hold to it (Snapshot.Incoming),
// for snapshots made with NewSnapshot from one-way relations. Duplicates are
// dropped; dangling refs are kept.
func relatedRefs(s *catalog.Snapshot, e *catalog.Entity, typ string) []catalog.Ref {
	var out []catalog.Ref
	for _, r := range e.Relations {
		if r.Type == typ && !hasRef(out, r.Target) {
			out = append(out, r.Target)
		}
	}
	if len(out) > 0 || s == nil {
		return out
	}
	if inv := catalog.Inverse(typ); inv != "" {
		for _, from := range s.Incoming(e.Ref(), inv) {
			if r := from.Ref(); !hasRef(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// hasRef reports whether refs holds r (names compare case-insensitively).
func hasRef(refs []catalog.Ref, r catalog.Ref) bool {
	for _, x := range refs {
		if x.Kind == r.Kind && x.Namespace == r.Namespace && strings.EqualFold(x.Name, r.Name) {
			return true
		}
	}
	return false
}

// related is relatedRefs resolved to entities (dangling refs dropped).
func related(s *catalog.Snapshot, e *catalog.Entity, typ string) []*catalog.Entity {
	refs := relatedRefs(s, e, typ)
	out := make([]*catalog.Entity, 0, len(refs))
	for _, r := range refs {
		if t, ok := s.Get(r); ok {
			out = append(out, t)
		}
	}
	return out
}

// owner returns the entity's owner ref (a group's owner is its parent group).
func ownerRef(s *catalog.Snapshot, e *catalog.Entity) (catalog.Ref, bool) {
	typ := catalog.RelOwnedBy
	if strings.EqualFold(e.Kind, catalog.KindGroup) {
		typ = catalog.RelChildOf
	}
	// Fast path without allocating: the first own relation of typ is the
	// answer relatedRefs would give first.
	for _, r := range e.Relations {
		if r.Type == typ {
			return r.Target, true
		}
	}
	refs := relatedRefs(s, e, typ)
	if len(refs) == 0 {
		return catalog.Ref{}, false
	}
	return refs[0], true
}

func kindOf(e *catalog.Entity) string { return strings.ToLower(e.Kind) }

// profile returns spec.profile.<key> of a Group or User.
func profile(e *catalog.Entity, key string) string {
	if p := e.SpecMap("profile"); p != nil {
		if v, ok := p[key].(string); ok {
			return v
		}
	}
	return ""
}

// displayName is catalog's Entity.DisplayName (profile.displayName, then
// title, then name), the one every answer uses.
func displayName(e *catalog.Entity) string { return e.DisplayName() }

// Backstage's own Slack channel annotations (its Slack notifications
// module); catalog.AnnotationSlackChannel is the older key some catalogs use.
const (
	AnnotationSlackChannelID   = "slack.com/channel-id"
	AnnotationSlackChannelName = "slack.com/channel-name"
)

// channelOf returns the chat channel of an entity as the platform shows it
// (any platform when ""): a Slack channel id as a channel mention (<#C…>) on
// Slack, a Discord channel id as <#…> on Discord, a name as written.
func channelOf(e *catalog.Entity, platform string) string {
	id, name, legacy := e.Annotation(AnnotationSlackChannelID), e.Annotation(AnnotationSlackChannelName), e.Annotation(catalog.AnnotationSlackChannel)
	discord := e.Annotation(catalog.AnnotationDiscordChannel)
	slackName := func() string {
		switch {
		case name != "":
			return "#" + strings.TrimPrefix(name, "#")
		case legacy != "" && !IsSlackChannelID(strings.TrimPrefix(legacy, "#")):
			return legacy
		}
		return ""
	}
	switch platform {
	case PlatformDiscord:
		if discord != "" {
			if isSnowflake(discord) {
				return "<#" + discord + ">"
			}
			return discord
		}
	case PlatformSlack:
		if id == "" && IsSlackChannelID(strings.TrimPrefix(legacy, "#")) {
			id = strings.TrimPrefix(legacy, "#")
		}
		if id != "" {
			return slackMention("#" + id)
		}
	}
	if n := slackName(); n != "" {
		return n
	}
	if id != "" {
		return "Slack channel " + id
	}
	if legacy != "" {
		return "Slack channel " + strings.TrimPrefix(legacy, "#")
	}
	return discord
}

// IsSlackChannelID reports whether s looks like a Slack channel id (C… or G…).
// The Slack adapter uses it too, to decide between <#id> and #name.
func IsSlackChannelID(s string) bool {
	if len(s) < 9 || (s[0] != 'C' && s[0] != 'G') {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// isSnowflake reports whether s is a Discord id (digits only).
func isSnowflake(s string) bool {
	if len(s) < 15 || len(s) > 21 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// slackMention writes a Slack mention (target "#C123" or "@U123") in the
// bot's light Markdown as a link with no text, which the Slack renderer
// turns into <#C123>: raw "<…>" in text is escaped there, so catalog text
// cannot ping anyone.
func slackMention(target string) string { return "[](" + target + ")" }

// userMention is how the platform mentions a catalog User: <@U…> on Slack
// (slack.com/user-id), <@id> on Discord (discord.com/user-id); "" when the
// User has no id for it.
func userMention(u *catalog.Entity, platform string) string {
	switch platform {
	case PlatformSlack:
		if id := u.Annotation(catalog.AnnotationSlackUserID); id != "" {
			return slackMention("@" + id)
		}
	case PlatformDiscord:
		if id := u.Annotation(catalog.AnnotationDiscordUserID); isSnowflake(id) {
			return "<@" + id + ">"
		}
	}
	return ""
}

// shortRef renders a ref without the default namespace ("component:payments").
func shortRef(r catalog.Ref) string {
	if r.Namespace == catalog.DefaultNamespace {
		return r.Kind + ":" + r.Name
	}
	return r.String()
}
