package catalog

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Snapshot is an immutable, indexed view of the whole catalog. Build one with
// Build (or NewSnapshot); never modify it or the entities in it afterwards.
// Readers hold a *Snapshot for the duration of one request; refreshes build
// a new one and swap it in a Store. All methods are safe for concurrent use.
type Snapshot struct {
	entities []*Entity
	byRef    hashIndex[Ref]     // lowerRef(ref) -> index (the first)
	byName   hashIndex[string]  // lower-case name
	byOwner  map[Ref][]int32    // lowerRef(owner)
	byAnno   hashIndex[annoKey] // annotation key and lower-case value
	in       [][]adj            // per entity: incoming relations of known types
	extraIn  map[Ref][]edge     // incoming relations to missing targets or of other types
	out      [][]adj            // per entity: relations resolved to indexes
	walk     walkIndex          // out packed for Walk (walk.go)
	fuzzy    fuzzyIndex
	problems []Problem
	version  uint64
	built    time.Time
}

// hasRef reports whether e's reference, case-folded, is k (lowerRef(e.Ref()) == k).
func hasRef(e *Entity, k Ref) bool { return refIs(e.Ref(), k) }

// refIs reports whether lowerRef(r) == k.
func refIs(r, k Ref) bool {
	return lowerEq(r.Kind, k.Kind) && lowerEq(r.Namespace, k.Namespace) && lowerEq(r.Name, k.Name)
}

// newRefIndex is the index of entities by lowerRef; entities is read when
// it is used, so it may still grow.
func newRefIndex(n int, entities *[]*Entity) hashIndex[Ref] {
	return newHashIndex(n, func(id int32, k Ref) bool { return hasRef((*entities)[id], k) })
}

// lowerRef folds a reference's case for lookups (no allocation when it is
// already lower case).
func lowerRef(r Ref) Ref {
	return Ref{Kind: strings.ToLower(r.Kind), Namespace: strings.ToLower(r.Namespace), Name: strings.ToLower(r.Name)}
}

// annoKey indexes an annotation by key and lower-case value.
type annoKey struct{ key, value string }

type edge struct {
	typ  string
	from int32
}

type adj struct {
	typ uint8 // index in relTypeCodes
	to  int32
}

// relTypeCodes numbers the relation types for compact adjacency; types
// outside the list share code 0.
var relTypeCodes = map[string]uint8{
	RelOwnedBy: 1, RelOwnerOf: 2, RelPartOf: 3, RelHasPart: 4, RelDependsOn: 5, RelDependencyOf: 6,
	RelProvidesAPI: 7, RelAPIProvidedBy: 8, RelConsumesAPI: 9, RelAPIConsumedBy: 10,
	RelMemberOf: 11, RelHasMember: 12, RelParentOf: 13, RelChildOf: 14,
}

// Match is a ranked result of a fuzzy lookup.
type Match struct {
	Entity *Entity
	Score  float64 // higher is better; 1 is an exact name match
}

// NewSnapshot indexes entities (whose Relations are already filled) and keeps
// the problems found while loading them. Entities with the same reference
// (compared case-insensitively) after the first are ignored by Get.
func NewSnapshot(entities []*Entity, problems []Problem) *Snapshot {
	return newSnapshot(entities, problems, nil, nil, nil)
}

// entityIndexes are the indexes made from the entities alone (not their
// relations), being built in goroutines of their own.
type entityIndexes struct {
	fuzzy chan fuzzyIndex
	names chan nameIndexes
}

type nameIndexes struct {
	byName hashIndex[string]
	byAnno hashIndex[annoKey]
}

// startEntityIndexes starts building the fuzzy, name and annotation
// indexes of entities. Build starts them as soon as it knows its entities,
// so that they run beside the resolution of relations too: at 1M entities
// they were the last to finish (issue 25).
func startEntityIndexes(entities []*Entity) *entityIndexes {
	x := &entityIndexes{fuzzy: make(chan fuzzyIndex, 1), names: make(chan nameIndexes, 1)}
	go func() { x.fuzzy <- newFuzzyIndex(entities) }()
	go func() {
		annos := 0
		for _, e := range entities {
			annos += len(e.Metadata.Annotations)
		}
		ix := nameIndexes{
			byName: newHashIndex(len(entities), func(id int32, k string) bool { return lowerEq(entities[id].Metadata.Name, k) }),
			byAnno: newHashIndex(annos, func(id int32, k annoKey) bool {
				v, ok := entities[id].Metadata.Annotations[k.key]
				return ok && lowerEq(v, k.value)
			}),
		}
		for i, e := range entities {
			ix.byName.add(strings.ToLower(e.Metadata.Name), int32(i), false)
			for ak, av := range e.Metadata.Annotations {
				ix.byAnno.add(annoKey{ak, strings.ToLower(av)}, int32(i), false)
			}
		}
		x.names <- ix
	}()
	return x
}

// newSnapshot is NewSnapshot for a caller (Build) that has already indexed
// the references (byRef: lowerRef -> index, first one kept) and resolved
// each relation's target: tos holds, for the entities' relations in order,
// the target's index or -1, and may have started the entity indexes. Any
// may be nil, to be computed here.
func newSnapshot(entities []*Entity, problems []Problem, byRef *hashIndex[Ref], tos []int32, pending *entityIndexes) *Snapshot {
	n := len(entities)
	s := &Snapshot{
		entities: entities,
		byOwner:  make(map[Ref][]int32),
		in:       make([][]adj, n),
		extraIn:  make(map[Ref][]edge),
		out:      make([][]adj, n),
		problems: problems,
		built:    time.Now(),
	}
	if byRef != nil {
		s.byRef = *byRef
	} else {
		s.byRef = newRefIndex(n, &s.entities)
		for i, e := range entities {
			s.byRef.add(lowerRef(e.Ref()), int32(i), true)
		}
	}
	// The fuzzy index and the name and annotation indexes are built beside
	// the relation indexes: they read only the entities.
	if pending == nil {
		pending = startEntityIndexes(entities)
	}
	total := 0
	for _, e := range entities {
		total += len(e.Relations)
	}
	if tos == nil {
		tos = make([]int32, 0, total)
		for _, e := range entities {
			for _, r := range e.Relations {
				j, _ := s.byRef.index(lowerRef(r.Target))
				tos = append(tos, j)
			}
		}
	}
	// Count the edges per entity so that every adjacency list is cut from
	// one allocation with its exact size.
	outN := make([]int32, n)
	inN := make([]int32, n)
	edges := 0
	t := 0
	for i, e := range entities {
		for _, r := range e.Relations {
			if j := tos[t]; j >= 0 && relTypeCodes[r.Type] != 0 {
				outN[i]++
				inN[j]++
				edges++
			}
			t++
		}
	}
	outSlab := make([]adj, edges)
	inSlab := make([]adj, edges)
	o, in := 0, 0
	for i := range entities {
		if c := int(outN[i]); c > 0 {
			s.out[i] = outSlab[o : o : o+c]
			o += c
		}
		if c := int(inN[i]); c > 0 {
			s.in[i] = inSlab[in : in : in+c]
			in += c
		}
	}
	// The incoming lists are filled in a goroutine of their own, beside the
	// rest: this was a serial second of a 1M build (issue 25). Each side
	// reads the relations in order, so every list is in the same order.
	inDone := make(chan struct{})
	go func() {
		defer close(inDone)
		t := 0
		for i, e := range entities {
			for _, r := range e.Relations {
				if j := tos[t]; j >= 0 {
					if code := relTypeCodes[r.Type]; code != 0 {
						s.in[j] = append(s.in[j], adj{typ: code, to: int32(i)})
					}
				}
				t++
			}
		}
	}()
	t = 0
	for i, e := range entities {
		for _, r := range e.Relations {
			j := tos[t]
			t++
			if r.Type == RelOwnedBy {
				tk := lowerRef(r.Target)
				s.byOwner[tk] = append(s.byOwner[tk], int32(i))
			}
			code := relTypeCodes[r.Type]
			if j >= 0 && code != 0 {
				s.out[i] = append(s.out[i], adj{typ: code, to: j})
			} else {
				lr := lowerRef(r.Target)
				s.extraIn[lr] = append(s.extraIn[lr], edge{typ: r.Type, from: int32(i)})
			}
		}
	}
	s.walk = newWalkIndex(s.out)
	<-inDone
	names := <-pending.names
	s.byName, s.byAnno = names.byName, names.byAnno
	s.fuzzy = <-pending.fuzzy
	return s
}

// Len is the number of entities.
func (s *Snapshot) Len() int { return len(s.entities) }

// Entities returns every entity, in load order. The slice must not be modified.
func (s *Snapshot) Entities() []*Entity { return s.entities }

// Problems returns the errors and warnings found while loading and building.
func (s *Snapshot) Problems() []Problem { return s.problems }

// Version is the snapshot's sequence number in its Store (0 before it is stored).
func (s *Snapshot) Version() uint64 { return s.version }

// Built is when the snapshot was made.
func (s *Snapshot) Built() time.Time { return s.built }

// listOf is list for what a hashIndex returns.
func (s *Snapshot) listOf(one int32, ids []int32) []*Entity {
	if one >= 0 {
		return []*Entity{s.entities[one]}
	}
	return s.list(ids)
}

func (s *Snapshot) list(ids []int32) []*Entity {
	if len(ids) == 0 {
		return nil
	}
	out := make([]*Entity, len(ids))
	for i, id := range ids {
		out[i] = s.entities[id]
	}
	return out
}

// Get returns the entity with exactly this reference (compared case-insensitively).
func (s *Snapshot) Get(r Ref) (*Entity, bool) {
	i, ok := s.byRef.index(lowerRef(r))
	if !ok {
		return nil, false
	}
	return s.entities[i], true
}

// ByName returns the entities of any kind and namespace with this name.
func (s *Snapshot) ByName(name string) []*Entity {
	return s.listOf(s.byName.get(strings.ToLower(name)))
}

// OwnedBy returns the entities whose owner is r.
func (s *Snapshot) OwnedBy(r Ref) []*Entity { return s.list(s.byOwner[lowerRef(r)]) }

// ByAnnotation returns the entities carrying annotation key with this value
// (the value compared case-insensitively).
func (s *Snapshot) ByAnnotation(key, value string) []*Entity {
	return s.listOf(s.byAnno.get(annoKey{key, strings.ToLower(value)}))
}

// Fuzzy returns up to limit entities whose name or title is close to q (a
// typo, a partial name, a title), best first; an exact name scores 1.
// Candidates come from a trigram and prefix index, so it does not scan.
func (s *Snapshot) Fuzzy(q string, limit int) []Match {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit <= 0 {
		return nil
	}
	scores := map[int32]float64{}
	if one, ids := s.byName.get(q); one >= 0 {
		scores[one] = 1
	} else {
		for _, id := range ids {
			scores[id] = 1
		}
	}
	for _, id := range s.fuzzy.candidates(q) {
		if _, done := scores[id]; done {
			continue
		}
		best := 0.0
		for _, c := range s.fuzzy.lower[id] {
			if c == "" {
				continue
			}
			if sc := similarity(q, c); sc > best {
				best = sc
			}
		}
		if best >= 0.5 {
			scores[id] = best
		}
	}
	type scored struct {
		id    int32
		score float64
	}
	ranked := make([]scored, 0, len(scores))
	for id, sc := range scores {
		ranked = append(ranked, scored{id, sc})
	}
	sort.Slice(ranked, func(i, j int) bool {
		if ranked[i].score != ranked[j].score {
			return ranked[i].score > ranked[j].score
		}
		return ranked[i].id < ranked[j].id // ties in load order
	})
	if len(ranked) > limit {
		ranked = ranked[:limit]
	}
	out := make([]Match, len(ranked))
	for i, r := range ranked {
		out[i] = Match{Entity: s.entities[r.id], Score: r.score}
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
	m := max(len(q), len(c))
	if diff := len(q) - len(c); diff*2 > m || -diff*2 > m {
		return 1 - float64(max(diff, -diff))/float64(m) // the distance is at least the length difference
	}
	d := levenshtein(q, c)
	return 1 - float64(d)/float64(m)
}

func levenshtein(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return levenshteinBytes(a, b)
	}
	ra, rb := []rune(a), []rune(b)
	var buf [2 * 64]int
	var prev, cur []int
	if len(rb)+1 <= 64 {
		prev, cur = buf[:len(rb)+1], buf[64:64+len(rb)+1]
	} else {
		prev, cur = make([]int, len(rb)+1), make([]int, len(rb)+1)
	}
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

	mu    sync.Mutex
	hooks []func(*Snapshot)
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
// Hooks registered with OnSwap run before it returns, in the swapping
// goroutine (a refresh, never a request).
func (st *Store) Swap(s *Snapshot) {
	s.version = st.version.Add(1)
	st.cur.Store(s)
	st.mu.Lock()
	hooks := st.hooks
	st.mu.Unlock()
	for _, h := range hooks {
		h(s)
	}
}

// CompareAndSwap installs s only if old is still the current snapshot, and
// reports whether it did: a writer that built s from old does not overwrite
// a newer snapshot someone else swapped in meanwhile.
func (st *Store) CompareAndSwap(old, s *Snapshot) bool {
	s.version = st.version.Add(1)
	if !st.cur.CompareAndSwap(old, s) {
		return false
	}
	st.mu.Lock()
	hooks := st.hooks
	st.mu.Unlock()
	for _, h := range hooks {
		h(s)
	}
	return true
}

// OnSwap registers f to run on every snapshot swapped in from now on, and at
// once on the current one. Readers use it to build their own per-snapshot
// indexes off the request path, so the first request after a refresh does
// not pay for them.
func (st *Store) OnSwap(f func(*Snapshot)) {
	st.mu.Lock()
	st.hooks = append(st.hooks[:len(st.hooks):len(st.hooks)], f)
	st.mu.Unlock()
	if cur := st.Current(); cur != nil {
		f(cur)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// levenshteinBytes is levenshtein for ASCII strings, without allocating for
// names up to 63 bytes.
func levenshteinBytes(a, b string) int {
	var buf [2 * 64]int
	var prev, cur []int
	if len(b)+1 <= 64 {
		prev, cur = buf[:len(b)+1], buf[64:64+len(b)+1]
	} else {
		prev, cur = make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		ai := a[i-1]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if ai == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
