package chat_test

import (
	"testing"
	"time"

	"github.com/callboard/callboard/bot/chat"
)

// A full Cache drops the entry stored first; an entry whose time is up is
// gone; Add stores only what is not held; a value re-set keeps its place.
func TestCacheIsBoundedExpiresAndAddsOnce(t *testing.T) {
	now := time.Unix(0, 0)
	c := chat.NewCache[string](2, func() time.Time { return now })
	c.Set("a", "1", time.Minute)
	c.Set("b", "2", time.Minute)
	c.Set("a", "1b", time.Minute) // a keeps its place: first stored
	c.Set("c", "3", time.Minute)
	if _, ok := c.Get("a"); ok {
		t.Fatal("the entry stored first survived a third key in a cache of 2")
	}
	if v, ok := c.Get("b"); !ok || v != "2" {
		t.Fatalf("b = %q, %v", v, ok)
	}
	if c.Add("b", "x", time.Minute) {
		t.Fatal("Add replaced a value whose time is not up")
	}
	if !c.Replace("b", "2b") {
		t.Fatal("Replace did not find b")
	}
	now = now.Add(time.Minute)
	if _, ok := c.Get("c"); ok {
		t.Fatal("an entry was returned when its time was up")
	}
	if !c.Add("b", "new", time.Minute) {
		t.Fatal("Add refused a key whose time was up")
	}
	if v, _ := c.Get("b"); v != "new" {
		t.Fatalf("b = %q after Add", v)
	}
	if n := c.Len(); n > 2 {
		t.Fatalf("%d entries held, bound is 2", n)
	}
}
