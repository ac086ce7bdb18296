package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// A button's custom_id carries what to do when it is clicked, so a click goes
// back through the normal command path:
//
//	cb1:r:PAGE:COMMAND   run COMMAND (Request.Page = PAGE), answer with a new message (type 4)
//	cb1:u:PAGE:COMMAND   run COMMAND, replace the clicked message (type 7)
//	cb1:R:PAGE:KEY       as r, with the command kept in the shelf under KEY
//	cb1:U:PAGE:KEY       as u, with the command kept in the shelf under KEY
//	cb1:p:KEY:PART       show part PART of a long answer kept in the shelf (type 7)
//	cb1:f:COMMAND        a modal: run COMMAND with the submitted values appended
//	cb1:F:KEY            as f, with the command kept in the shelf under KEY
//
// custom_id is at most 100 characters. A command too long to fit is kept in
// the shelf under a short key, as are the parts of a long answer. The shelf
// is a bounded in-memory map written through to Config.Stash when one is set
// (Redis with several replicas), so such buttons work on any replica, until
// the entry expires (the interaction token's 15 minutes by default, after
// which the message cannot be edited anyway). Without a stash they work only
// on the replica that rendered them.
const idPrefix = "cb1:"

// clickKind says how a clicked button is answered.
type clickKind byte

const (
	clickReply  clickKind = 'r' // a new message
	clickUpdate clickKind = 'u' // update the clicked message
	clickPart   clickKind = 'p' // another part of a long answer
	clickForm   clickKind = 'f' // a modal submission
)

// click is a decoded custom_id.
type click struct {
	kind    clickKind
	page    int
	command string
	key     string // shelf key (parts, forms)
	part    int
}

var errExpired = errors.New("this button has expired: ask again")

// encodeCommand returns the custom_id for a button running command.
func (r *renderer) encodeCommand(kind clickKind, page int, command string) string {
	id := fmt.Sprintf("%s%c:%d:%s", idPrefix, kind, page, command)
	if runeLen(id) <= maxCustomID {
		return id
	}
	key := r.shelf.put(command)
	return fmt.Sprintf("%s%c:%d:%s", idPrefix, kind-'a'+'A', page, key)
}

// decodeClick parses a custom_id made by the renderer.
func (r *renderer) decodeClick(id string) (click, error) {
	rest, ok := strings.CutPrefix(id, idPrefix)
	if !ok || len(rest) < 2 || rest[1] != ':' {
		return click{}, fmt.Errorf("custom_id %q was not made by callboard", id)
	}
	kind, body := rest[0], rest[2:]
	switch kind {
	case 'r', 'u', 'R', 'U':
		pageText, cmd, ok := strings.Cut(body, ":")
		page, err := strconv.Atoi(pageText)
		if !ok || err != nil || page < 0 {
			return click{}, fmt.Errorf("custom_id %q: bad page", id)
		}
		c := click{kind: clickKind(kind), page: page, command: cmd}
		if kind == 'R' || kind == 'U' {
			c.kind = clickKind(kind - 'A' + 'a')
			v, ok := r.shelf.get(cmd)
			s, isString := v.(string)
			if !ok || !isString {
				return click{}, errExpired
			}
			c.command = s
		}
		return c, nil
	case 'p':
		key, partText, ok := strings.Cut(body, ":")
		part, err := strconv.Atoi(partText)
		if !ok || err != nil || part < 0 {
			return click{}, fmt.Errorf("custom_id %q: bad part", id)
		}
		return click{kind: clickPart, key: key, part: part}, nil
	case 'f', 'F':
		cmd, err := r.formCommand(kind, body)
		if err != nil {
			return click{}, err
		}
		return click{kind: clickForm, command: cmd}, nil
	}
	return click{}, fmt.Errorf("custom_id %q: unknown kind %q", id, kind)
}

// shelf is a bounded, expiring in-memory map for what does not fit in a
// custom_id. When full, the least recently stored entry is dropped. With a
// remote chat.Stash (Redis) every entry is written through and a key this
// replica does not hold is read from it, so a button works on whichever
// replica Discord delivers the click to.
type shelf struct {
	ttl    time.Duration
	local  *chat.Cache[any]
	remote chat.Stash
	mu     sync.Mutex // guards next
	salt   string
	next   uint64
}

func newShelf(max int, ttl time.Duration, now func() time.Time) *shelf {
	// Ten hex characters of salt keep keys of replicas apart; with the
	// counter a key stays within 20 characters.
	var b [5]byte
	_, _ = rand.Read(b[:])
	return &shelf{ttl: ttl, local: chat.NewCache[any](max, now), salt: hex.EncodeToString(b[:])}
}

// put stores v and returns its key (at most 20 characters).
func (s *shelf) put(v any) string {
	s.mu.Lock()
	s.next++
	key := s.salt + strconv.FormatUint(s.next, 36)
	s.mu.Unlock()
	s.local.Set(key, v, s.ttl)
	s.write(key, v)
	return key
}

// stashed is a shelf value as the remote stash holds it: a command, or the
// parts of a long answer.
type stashed struct {
	Command *string          `json:"c,omitempty"`
	Parts   []stashedMessage `json:"p,omitempty"`
}

type stashedMessage struct {
	Content    string                    `json:"content,omitempty"`
	Embeds     []*discordgo.MessageEmbed `json:"embeds,omitempty"`
	Components []discordgo.ActionsRow    `json:"components,omitempty"`
	Ephemeral  bool                      `json:"ephemeral,omitempty"`
}

// write copies v to the remote stash; what cannot be encoded (the nil a
// long answer's key holds until its parts are built) stays local.
func (s *shelf) write(key string, v any) {
	if s.remote == nil {
		return
	}
	var st stashed
	switch v := v.(type) {
	case string:
		st.Command = &v
	case []Message:
		for _, m := range v {
			sm := stashedMessage{Content: m.Content, Embeds: m.Embeds, Ephemeral: m.Ephemeral}
			for _, c := range m.Components {
				row, ok := c.(discordgo.ActionsRow)
				if !ok {
					return // only rows of buttons are rendered; anything else stays local
				}
				sm.Components = append(sm.Components, row)
			}
			st.Parts = append(st.Parts, sm)
		}
	default:
		return
	}
	data, err := json.Marshal(st)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stashTimeout)
	defer cancel()
	// A failed write leaves the entry on this replica only: the button still
	// works here, as it did without a stash.
	_ = s.remote.Put(ctx, key, data, s.ttl)
}

// read fetches a key this replica does not hold from the remote stash.
func (s *shelf) read(key string) (any, bool) {
	if s.remote == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), stashTimeout)
	defer cancel()
	data, ok, err := s.remote.Get(ctx, key)
	if err != nil || !ok {
		return nil, false
	}
	var st stashed
	if json.Unmarshal(data, &st) != nil {
		return nil, false
	}
	var v any
	switch {
	case st.Command != nil:
		v = *st.Command
	case len(st.Parts) > 0:
		msgs := make([]Message, len(st.Parts))
		for i, sm := range st.Parts {
			msgs[i] = Message{Content: sm.Content, Embeds: sm.Embeds, Ephemeral: sm.Ephemeral}
			for _, row := range sm.Components {
				msgs[i].Components = append(msgs[i].Components, row)
			}
		}
		v = msgs
	default:
		return nil, false
	}
	s.local.Set(key, v, s.ttl)
	return v, true
}

func (s *shelf) get(key string) (any, bool) {
	if v, ok := s.local.Get(key); ok {
		return v, true
	}
	return s.read(key)
}

func (s *shelf) len() int { return s.local.Len() }

// set replaces the value of a stored key (used once the parts it names are built).
func (s *shelf) set(key string, v any) {
	if s.local.Replace(key, v) {
		s.write(key, v)
	}
}

// stashTimeout bounds a call to the shared stash: it is on the way to an
// answer the platform wants within 3 seconds, and a slow Redis only costs
// the button working on other replicas.
const stashTimeout = 500 * time.Millisecond
