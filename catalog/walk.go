package catalog

// Incoming returns the entities that have a relation of type typ pointing at
// r, in O(edges of r). r need not exist (dangling references are indexed too).
func (s *Snapshot) Incoming(r Ref, typ string) []*Entity {
	var out []*Entity
	lr := lowerRef(r)
	if j, ok := s.byRef.index(lr); ok {
		if code := relTypeCodes[typ]; code != 0 {
			for _, a := range s.in[j] {
				if a.typ == code {
					out = append(out, s.entities[a.to])
				}
			}
			return out
		}
	}
	for _, e := range s.extraIn[lr] {
		if e.typ == typ {
			out = append(out, s.entities[e.from])
		}
	}
	return out
}

// Reached is one entity found by Walk.
type Reached struct {
	Entity *Entity
	Depth  int    // 1 for a direct neighbour
	Via    string // the relation type it was reached through
	From   *Entity
}

// Walk follows relations of the given types from the entity at from, breadth
// first, to at most maxDepth steps (0 or less: no limit), and returns every
// entity reached once, nearest first; from itself is not included. For the
// transitive dependents of a component use
// []string{RelDependencyOf, RelProvidesAPI, RelAPIConsumedBy}.
// WalkSteps gives the same walk without a pointer per entity reached.
func (s *Snapshot) Walk(from Ref, relTypes []string, maxDepth int) []Reached {
	steps := s.WalkSteps(from, relTypes, maxDepth, nil)
	if len(steps) == 0 {
		return nil
	}
	out := make([]Reached, len(steps))
	for i, st := range steps {
		out[i] = Reached{Entity: s.entities[st.ID], Depth: int(st.Depth), Via: relTypeNames[st.via], From: s.entities[st.From]}
	}
	return out
}

// Step is one entity reached by WalkSteps, named by its index in Entities().
type Step struct {
	ID    int32 // the entity reached: Entities()[ID]
	From  int32 // the entity it was reached from (the start for Depth 1)
	Depth int32 // 1 for a direct neighbour
	via   uint8
}

// Via is the relation type the step followed (from From to ID).
func (st Step) Via() string { return relTypeNames[st.via] }

// Index returns the position of the entity with reference r in Entities()
// (compared case-insensitively).
func (s *Snapshot) Index(r Ref) (int32, bool) {
	return s.byRef.index(lowerRef(r))
}

// WalkSteps is Walk with compact results, appended to buf (which may be nil,
// or a previous result to reuse): the same entities in the same order, with
// the same depth, relation and predecessor. It is the one to use for large
// blast radii: a walk reaching 10,000 entities allocates one slice and a
// bitmap, and does no hashing or case folding after finding from. A walk
// over dependencyOf, providesApi, apiConsumedBy and hasPart (or some of
// them) reads only edges of those types.
func (s *Snapshot) WalkSteps(from Ref, relTypes []string, maxDepth int, buf []Step) []Step {
	buf = buf[:0]
	start, ok := s.byRef.index(lowerRef(from))
	if !ok {
		return buf
	}
	var want [16]bool
	for _, t := range relTypes {
		want[relTypeCodes[t]] = true
	}
	want[0] = false
	return s.walk.steps(start, &want, maxDepth, buf)
}

// walkIndex is the outgoing adjacency of every entity in compressed sparse
// row form, twice: all holds every relation of a known type, down only the
// downstream ones (downstreamCodes), the types a blast-radius walk follows,
// which are about one edge in eight. A walk over a subset of the downstream
// types reads down and skips the rest unread; since both keep each entity's
// relations in their order, it finds exactly what a walk over all would.
type walkIndex struct {
	all, down csr
}

// csr: the edges of entity i are edges[off[i]:off[i+1]], in the order of its
// Relations, each the target index shifted left by 4 with the relation code
// in the low 4 bits. Plain uint32 arrays: a walk reads memory in order and
// the garbage collector has no pointers to scan.
type csr struct {
	off   []uint32 // len(entities)+1
	edges []uint32 // target<<4 | code
}

// downstreamCodes marks dependencyOf, providesApi, apiConsumedBy and hasPart:
// to what depends on an entity, the APIs it provides and their consumers, and
// the parts of a system or domain.
var downstreamCodes = func() (m [16]bool) {
	for _, t := range []string{RelDependencyOf, RelProvidesAPI, RelAPIConsumedBy, RelHasPart} {
		m[relTypeCodes[t]] = true
	}
	return m
}()

// newWalkIndex packs the per-entity adjacency lists NewSnapshot built.
func newWalkIndex(out [][]adj) walkIndex {
	if len(out) >= 1<<28 {
		panic("catalog: more than 2^28 entities do not fit the walk index")
	}
	all := csr{off: make([]uint32, len(out)+1)}
	down := csr{off: make([]uint32, len(out)+1)}
	total, nDown := 0, 0
	for i, as := range out {
		total += len(as)
		for _, a := range as {
			if downstreamCodes[a.typ&15] {
				nDown++
			}
		}
		all.off[i+1], down.off[i+1] = uint32(total), uint32(nDown)
	}
	all.edges, down.edges = make([]uint32, 0, total), make([]uint32, 0, nDown)
	for _, as := range out {
		for _, a := range as {
			e := uint32(a.to)<<4 | uint32(a.typ&15)
			all.edges = append(all.edges, e)
			if downstreamCodes[a.typ&15] {
				down.edges = append(down.edges, e)
			}
		}
	}
	return walkIndex{all: all, down: down}
}

// steps is the breadth-first walk itself. The result doubles as the queue:
// the entities at depth d are buf[lo:hi] while depth d+1 is appended.
func (w *walkIndex) steps(start int32, want *[16]bool, maxDepth int, buf []Step) []Step {
	g := &w.down
	for code, ok := range want {
		if ok && !downstreamCodes[code] {
			g = &w.all
			break
		}
	}
	n := len(g.off) - 1
	if start < 0 || int(start) >= n {
		return buf
	}
	seen := make([]uint64, (n+63)/64)
	seen[start>>6] |= 1 << (start & 63)
	buf = g.visit(buf, seen, want, start, 1)
	lo := 0
	for depth := int32(2); lo < len(buf) && (maxDepth <= 0 || int(depth) <= maxDepth); depth++ {
		hi := len(buf)
		for i := lo; i < hi; i++ {
			buf = g.visit(buf, seen, want, buf[i].ID, depth)
		}
		lo = hi
	}
	return buf
}

// visit appends the unseen neighbours of from over wanted relations.
func (g *csr) visit(buf []Step, seen []uint64, want *[16]bool, from, depth int32) []Step {
	for _, e := range g.edges[g.off[from]:g.off[from+1]] {
		code := e & 15
		if !want[code] {
			continue
		}
		to := int32(e >> 4)
		word, bit := to>>6, uint64(1)<<(to&63)
		if seen[word]&bit != 0 {
			continue
		}
		seen[word] |= bit
		buf = append(buf, Step{ID: to, From: from, Depth: depth, via: uint8(code)})
	}
	return buf
}

var relTypeNames = func() [16]string {
	var out [16]string
	for name, code := range relTypeCodes {
		out[code] = name
	}
	return out
}()
