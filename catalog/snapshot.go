package catalog

import (
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Snapshot is an immutable, indexed view of the whole catalog. Build one with
// NewSnapshot; never modify it or the entities in it afterwards. Readers hold a
// *Snapshot for the duration of one request; refreshes build a new one and
// swap it in a Store.
type Snapshot struct {
	entities []*Entity
	byRef    map[string]*Entity   // Ref.Key()
	byName   map[string][]*Entity // lower-case name
	byOwner  map[string][]*Entity // owner Ref.Key()
	byAnno   map[string][]*Entity // annotation key + "\x00" + lower-case value
	inverse  map[string][]edge    // target Ref.Key() -> incoming edges
	problems []Problem
	version  uint64
	built    time.Time
}

type edge struct {
	typ  string
	from *Entity
}

// Match is a ranked result of a fuzzy lookup.
type Match struct {
	Entity *Entity
	Score  float64 // higher is better; 1 is an exact name match
}

// NewSnapshot indexes entities (whose Relations are already filled) and keeps
// the problems found while loading them.
func NewSnapshot(entities []*Entity, problems []Problem) *Snapshot {
	s := &Snapshot{
		entities: entities,
		byRef:    make(map[string]*Entity, len(entities)),
		byName:   make(map[string][]*Entity, len(entities)),
		byOwner:  make(map[string][]*Entity),
		byAnno:   make(map[string][]*Entity),
		inverse:  make(map[string][]edge),
		problems: problems,
		built:    time.Now(),
	}
	for _, e := range entities {
		s.byRef[e.Ref().Key()] = e
		n := strings.ToLower(e.Metadata.Name)
		s.byName[n] = append(s.byName[n], e)
		for k, v := range e.Metadata.Annotations {
			key := k + "\x00" + strings.ToLower(v)
			s.byAnno[key] = append(s.byAnno[key], e)
		}
		for _, r := range e.Relations {
			if r.Type == RelOwnedBy {
				s.byOwner[r.Target.Key()] = append(s.byOwner[r.Target.Key()], e)
			}
			s.inverse[r.Target.Key()] = append(s.inverse[r.Target.Key()], edge{typ: r.Type, from: e})
		}
	}
	return s
}

// Len is the number of entities.
func (s *Snapshot) Len() int { return len(s.entities) }

// Entities returns every entity, in load order. The slice must not be modified.
func (s *Snapshot) Entities() []*Entity { return s.entities }

// Problems returns the errors and warnings found while loading.
func (s *Snapshot) Problems() []Problem { return s.problems }

// Version is the snapshot's sequence number in its Store (0 before it is stored).
func (s *Snapshot) Version() uint64 { return s.version }

// Built is when the snapshot was made.
func (s *Snapshot) Built() time.Time { return s.built }

// Get returns the entity with exactly this reference (compared case-insensitively).
func (s *Snapshot) Get(r Ref) (*Entity, bool) {
	e, ok := s.byRef[r.Key()]
	return e, ok
}

// ByName returns the entities of any kind and namespace with this name.
func (s *Snapshot) ByName(name string) []*Entity { return s.byName[strings.ToLower(name)] }

// OwnedBy returns the entities whose owner is r.
func (s *Snapshot) OwnedBy(r Ref) []*Entity { return s.byOwner[r.Key()] }

// ByAnnotation returns the entities carrying annotation key with this value
// (compared case-insensitively).
func (s *Snapshot) ByAnnotation(key, value string) []*Entity {
	return s.byAnno[key+"\x00"+strings.ToLower(value)]
}

// Incoming returns the entities that have a relation of type typ pointing at r.
func (s *Snapshot) Incoming(r Ref, typ string) []*Entity {
	var out []*Entity
	for _, e := range s.inverse[r.Key()] {
		if e.typ == typ {
			out = append(out, e.from)
		}
	}
	return out
}

// Fuzzy returns up to limit entities whose name or title is close to q, best first.
func (s *Snapshot) Fuzzy(q string, limit int) []Match {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit <= 0 {
		return nil
	}
	var out []Match
	for _, e := range s.entities {
		best := 0.0
		for _, c := range []string{strings.ToLower(e.Metadata.Name), strings.ToLower(e.Metadata.Title)} {
			if c == "" {
				continue
			}
			if sc := similarity(q, c); sc > best {
				best = sc
			}
		}
		if best >= 0.5 {
			out = append(out, Match{Entity: e, Score: best})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// similarity scores two lower-case strings in [0,1]: 1 equal, high for a
// prefix or substring, else one minus the normalised edit distance.
func similarity(q, c string) float64 {
	if q == c {
		return 1
	}
	if strings.HasPrefix(c, q) {
		return 0.9 * (0.5 + 0.5*float64(len(q))/float64(len(c)))
	}
	if strings.Contains(c, q) {
		return 0.8 * (0.5 + 0.5*float64(len(q))/float64(len(c)))
	}
	d := levenshtein(q, c)
	m := len(q)
	if len(c) > m {
		m = len(c)
	}
	return 1 - float64(d)/float64(m)
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Store holds the current Snapshot and swaps it atomically.
type Store struct {
	cur     atomic.Pointer[Snapshot]
	version atomic.Uint64
}

// NewStore returns a Store holding s (which may be nil).
func NewStore(s *Snapshot) *Store {
	st := &Store{}
	if s != nil {
		st.Swap(s)
	}
	return st
}

// Current returns the snapshot in force, or nil before the first load.
func (st *Store) Current() *Snapshot { return st.cur.Load() }

// Swap installs s as the current snapshot and gives it the next version.
func (st *Store) Swap(s *Snapshot) {
	s.version = st.version.Add(1)
	st.cur.Store(s)
}
