package ingesttest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/catalog/ingest"
)

// within is the generous guard against a hang; nothing here is timed.
const within = time.Minute

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), within)
	t.Cleanup(cancel)
	return c
}

// RunRegistrationsSuite checks Registrations: what one replica puts every
// replica reads, deletes are seen by all, data is copied, and each
// registration is announced to the other replicas, never to its maker.
// newStore returns, for each subtest, a fresh empty store shared by the
// replicas its function makes (one per name).
func RunRegistrationsSuite(t *testing.T, newStore func(t *testing.T) func(self string) ingest.Registrations) {
	t.Run("PutIsReadByEveryReplica", func(t *testing.T) {
		replica := newStore(t)
		a, b := replica("a"), replica("b")
		data := []byte("kind: Component\n")
		if err := a.Put(ctx(t), "https://example.test/a.yaml", data); err != nil {
			t.Fatal(err)
		}
		data[0] = 'X' // the store holds its own copy
		all, err := b.All(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(all["https://example.test/a.yaml"]); got != "kind: Component\n" || len(all) != 1 {
			t.Fatalf("b reads %q (%d registrations); want a's one descriptor", got, len(all))
		}
	})
	t.Run("DeleteIsSeenByEveryReplica", func(t *testing.T) {
		replica := newStore(t)
		a, b := replica("a"), replica("b")
		for _, l := range []string{"x", "y"} {
			if err := a.Put(ctx(t), l, []byte(l)); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Delete(ctx(t), "x"); err != nil {
			t.Fatal(err)
		}
		all, err := a.All(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := all["x"]; ok || string(all["y"]) != "y" {
			t.Fatalf("after b deleted x, a reads %q", all)
		}
	})
	t.Run("AnnouncedToOthersNotToItsMaker", func(t *testing.T) {
		replica := newStore(t)
		a, b := replica("a"), replica("b")
		var mu sync.Mutex
		heard := map[string][]string{}
		fctx, cancel := context.WithCancel(ctx(t))
		var wg sync.WaitGroup
		for name, r := range map[string]ingest.Registrations{"a": a, "b": b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = r.Follow(fctx, func(loc string) { mu.Lock(); heard[name] = append(heard[name], loc); mu.Unlock() })
			}()
		}
		defer func() { cancel(); wg.Wait() }()
		// Followers subscribe asynchronously: put until b hears one.
		deadline := time.Now().Add(within)
		for i := 0; ; i++ {
			if err := a.Put(ctx(t), fmt.Sprint("loc-", i), []byte("d")); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			n := len(heard["b"])
			mu.Unlock()
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("b was told of none of a's registrations")
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(heard["a"]) > 0 {
			t.Fatalf("a was told of its own registrations: %q", heard["a"])
		}
	})
	t.Run("FollowStopsWithItsContext", func(t *testing.T) {
		r := newStore(t)("a")
		fctx, cancel := context.WithCancel(ctx(t))
		done := make(chan error, 1)
		go func() { done <- r.Follow(fctx, func(string) {}) }()
		cancel()
		select {
		case <-done:
		case <-time.After(within):
			t.Fatal("Follow did not return after its context was cancelled")
		}
	})
}

// RunHandOverSuite checks a HandOver: a Send nobody receives says so (0),
// one a receiver listens to arrives whole, and Receive stops with its
// context. newHandOver returns a fresh channel for each subtest.
func RunHandOverSuite(t *testing.T, newHandOver func(t *testing.T) ingest.HandOver) {
	t.Run("NobodyListening", func(t *testing.T) {
		h := newHandOver(t)
		n, err := h.Send(ctx(t), ingest.Op{Op: "refresh", Org: "acme", Repo: "svc"})
		if err != nil || n != 0 {
			t.Fatalf("Send with no receiver = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("ReceiverGetsTheOp", func(t *testing.T) {
		h := newHandOver(t)
		got := make(chan ingest.Op, 16)
		rctx, cancel := context.WithCancel(ctx(t))
		done := make(chan error, 1)
		go func() { done <- h.Receive(rctx, func(op ingest.Op) { got <- op }) }()
		want := ingest.Op{Op: "remove", Org: "acme", Repo: "old-svc"}
		deadline := time.Now().Add(within)
		for {
			n, err := h.Send(ctx(t), want)
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if n > 1 || time.Now().After(deadline) {
				t.Fatalf("Send reached %d receivers; want 1", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		select {
		case op := <-got:
			if op != want {
				t.Fatalf("received %+v; want %+v", op, want)
			}
		case <-time.After(within):
			t.Fatal("the op sent never arrived")
		}
		cancel()
		select {
		case <-done:
		case <-time.After(within):
			t.Fatal("Receive did not return after its context was cancelled")
		}
	})
}
