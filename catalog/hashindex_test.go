package catalog

import (
	"fmt"
	"reflect"
	"testing"
)

// The hash index must answer as a map keyed by the key itself, also when
// keys share a hash (forced here: every key hashes to 0).
func TestHashIndexAnswersAsAKeyedMap(t *testing.T) {
	for _, collide := range []bool{false, true} {
		keys := make([]string, 300)
		for i := range keys {
			keys[i] = fmt.Sprintf("k%d", i%97) // repeated keys
		}
		x := newHashIndex(0, func(id int32, k string) bool { return keys[id] == k })
		x.collide = collide
		first := newHashIndex(0, func(id int32, k string) bool { return keys[id] == k })
		first.collide = collide
		want := map[string][]int32{}
		for i, k := range keys {
			x.add(k, int32(i), false)
			x.add(k, int32(i), false) // the same entity again is kept once
			prev, ok := first.add(k, int32(i), true)
			if had := want[k]; len(had) > 0 {
				if ok || prev != had[0] {
					t.Fatalf("collide=%v: onlyFirst add of %s gave %d, %v; want %d, false", collide, k, prev, ok, had[0])
				}
			} else if !ok {
				t.Fatalf("collide=%v: first add of %s refused", collide, k)
			}
			want[k] = append(want[k], int32(i))
		}
		for k, ids := range want {
			one, list := x.get(k)
			got := list
			if one >= 0 {
				got = []int32{one}
			}
			if !reflect.DeepEqual(got, ids) {
				t.Errorf("collide=%v: get(%s) = %v, want %v", collide, k, got, ids)
			}
			if i, ok := first.index(k); !ok || i != ids[0] {
				t.Errorf("collide=%v: index(%s) = %d, %v, want %d", collide, k, i, ok, ids[0])
			}
		}
		for _, k := range []string{"nope", "k97", ""} {
			if one, list := x.get(k); one >= 0 || list != nil {
				t.Errorf("collide=%v: get(%q) = %d, %v for a missing key", collide, k, one, list)
			}
		}
	}
}

func TestLowerEqIsToLowerEquality(t *testing.T) {
	for _, c := range []struct {
		s, low string
		want   bool
	}{
		{"Payments-API", "payments-api", true},
		{"payments-api", "payments-api", true},
		{"payments-api", "payments-apj", false},
		{"payments", "payments-api", false},
		{"KELVIN-\u212a", "kelvin-k", true}, // the Kelvin sign lowers to k
		{"Ünïcode", "ünïcode", true},
		{"Ünïcode", "Ünïcode", false},
		{"", "", true},
		{"\u212a", "k", true},           // lengths differ, yet equal once lowered
		{"Xb\u00e9", "ab\u00e9", false}, // differs before the first non-ASCII byte
		{"Ab\u00c9", "ab\u00e9", true},  // equal only after it
		{"ABC", "ab", false},
	} {
		if got := lowerEq(c.s, c.low); got != c.want {
			t.Errorf("lowerEq(%q, %q) = %v, want %v", c.s, c.low, got, c.want)
		}
	}
}
