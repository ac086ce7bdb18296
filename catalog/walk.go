package catalog

// Incoming returns the entities that have a relation of type typ pointing at
// r, in O(edges of r). r need not exist (dangling references are indexed too).
func (s *Snapshot) Incoming(r Ref, typ string) []*Entity {
	var out []*Entity
	lr := lowerRef(r)
	if j, ok := s.byRef[lr]; ok {
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
func (s *Snapshot) Walk(from Ref, relTypes []string, maxDepth int) []Reached {
	start, ok := s.byRef[lowerRef(from)]
	if !ok {
		return nil
	}
	var want [16]bool
	for _, t := range relTypes {
		want[relTypeCodes[t]] = true
	}
	want[0] = false
	seen := make([]bool, len(s.entities))
	seen[start] = true
	var out []Reached
	frontier := []int32{start}
	for depth := 1; len(frontier) > 0 && (maxDepth <= 0 || depth <= maxDepth); depth++ {
		var next []int32
		for _, id := range frontier {
			for _, a := range s.out[id] {
				if !want[a.typ] || seen[a.to] {
					continue
				}
				seen[a.to] = true
				next = append(next, a.to)
				out = append(out, Reached{Entity: s.entities[a.to], Depth: depth, Via: relTypeNames[a.typ], From: s.entities[id]})
			}
		}
		frontier = next
	}
	return out
}

var relTypeNames = func() [16]string {
	var out [16]string
	for name, code := range relTypeCodes {
		out[code] = name
	}
	return out
}()
