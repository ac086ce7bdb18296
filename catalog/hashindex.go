package catalog

import (
	"hash/maphash"
	"strings"
	"unicode/utf8"
)

// hashIndex maps keys to the indexes of the entities that have them, in
// the order added, by a 64-bit hash of the key: the map holds no strings,
// so it is a quarter of the size of one keyed by the key itself and the
// garbage collector never scans it. The keys are not stored: is checks an
// entity's own key against one, to tell a hash collision (two keys, one
// hash; almost never) from another entity with the same key. Colliding keys are
// kept by key in other. At 1M entities the string-keyed maps were the
// largest part of Build's time: hashing and comparing three strings a
// lookup in a map too large for any cache, and marking their pointers
// (issue 25).
type hashIndex[K comparable] struct {
	m     map[uint64]int32 // >= 0: the one entity; < 0: -(i+1) indexes many
	many  [][]int32
	other map[K][]int32
	is    func(id int32, k K) bool // whether entity id has key k
	// collide hashes every key to 0, for tests of the collision path.
	collide bool
}

func (x *hashIndex[K]) hash(k K) uint64 {
	if x.collide {
		return 0
	}
	return maphash.Comparable(hashSeed, k)
}

// hashSeed is the process's seed for hashIndex (results never depend on it).
var hashSeed = maphash.MakeSeed()

func newHashIndex[K comparable](size int, is func(int32, K) bool) hashIndex[K] {
	return hashIndex[K]{m: make(map[uint64]int32, size), is: is}
}

// first returns the entity at the head of id's list.
func (x *hashIndex[K]) first(cur int32) int32 {
	if cur >= 0 {
		return cur
	}
	return x.many[-cur-1][0]
}

// add appends id to k's list; with onlyFirst, it adds nothing when k has
// one already and returns that entity (ok false).
func (x *hashIndex[K]) add(k K, id int32, onlyFirst bool) (prev int32, ok bool) {
	h := x.hash(k)
	cur, found := x.m[h]
	if !found {
		x.m[h] = id
		return 0, true
	}
	if !x.is(x.first(cur), k) { // another key with the same hash
		if x.other == nil {
			x.other = map[K][]int32{}
		}
		l := x.other[k]
		if len(l) > 0 && (onlyFirst || l[len(l)-1] == id) {
			return l[0], false
		}
		x.other[k] = append(l, id)
		return 0, true
	}
	if onlyFirst {
		return x.first(cur), false
	}
	if cur >= 0 {
		if cur != id {
			x.many = append(x.many, []int32{cur, id})
			x.m[h] = -int32(len(x.many))
		}
		return 0, true
	}
	if l := x.many[-cur-1]; l[len(l)-1] != id {
		x.many[-cur-1] = append(l, id)
	}
	return 0, true
}

// get returns k's entities: one (>= 0, list nil), or a list (one -1), or
// none (one -1, list nil).
func (x *hashIndex[K]) get(k K) (one int32, list []int32) {
	cur, found := x.m[x.hash(k)]
	if found && x.is(x.first(cur), k) {
		if cur >= 0 {
			return cur, nil
		}
		return -1, x.many[-cur-1]
	}
	if x.other != nil {
		if l := x.other[k]; len(l) > 0 {
			return -1, l
		}
	}
	return -1, nil
}

// index returns the first entity with k.
func (x *hashIndex[K]) index(k K) (int32, bool) {
	one, list := x.get(k)
	switch {
	case one >= 0:
		return one, true
	case len(list) > 0:
		return list[0], true
	}
	return -1, false
}

// lowerEq reports whether strings.ToLower(s) == low, without allocating
// for ASCII s. One pass compares and checks for non-ASCII bytes at once:
// before the first of them, ToLower(s) is s with A-Z lowered byte by
// byte, so a difference there is final (two passes were 1.8 s of a 1M
// build, issue 25).
func lowerEq(s, low string) bool {
	if len(s) != len(low) {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return strings.ToLower(s) == low
			}
		}
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s) == low
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != low[i] {
			return false
		}
	}
	return true
}
