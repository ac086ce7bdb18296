package discord

import (
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
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
// the shelf, a bounded in-memory map, under a short key: such buttons (and the
// parts of a long answer) work only on the replica that rendered them and only
// until the entry is evicted or expires (the interaction token's 15 minutes
// by default, after which the message cannot be edited anyway).
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
// custom_id. When full, the least recently stored entry is dropped.
type shelf struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	salt  string
	next  uint64
	order *list.List // of *shelfEntry, oldest first
	byKey map[string]*list.Element
}

type shelfEntry struct {
	key     string
	value   any
	expires time.Time
}

func newShelf(max int, ttl time.Duration, now func() time.Time) *shelf {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return &shelf{max: max, ttl: ttl, now: now, salt: hex.EncodeToString(b[:]), order: list.New(), byKey: map[string]*list.Element{}}
}

// put stores v and returns its key (at most 20 characters).
func (s *shelf) put(v any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	key := s.salt + strconv.FormatUint(s.next, 36)
	s.byKey[key] = s.order.PushBack(&shelfEntry{key: key, value: v, expires: s.now().Add(s.ttl)})
	for s.order.Len() > s.max {
		oldest := s.order.Front()
		s.order.Remove(oldest)
		delete(s.byKey, oldest.Value.(*shelfEntry).key)
	}
	return key
}

func (s *shelf) get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*shelfEntry)
	if s.now().After(e.expires) {
		s.order.Remove(el)
		delete(s.byKey, key)
		return nil, false
	}
	return e.value, true
}

func (s *shelf) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// set replaces the value of a stored key (used once the parts it names are built).
func (s *shelf) set(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byKey[key]; ok {
		el.Value.(*shelfEntry).value = v
	}
}
