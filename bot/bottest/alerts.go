package bottest

import (
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/bot"
)

// RunAlertStoreSuite checks an AlertStore: one holder of a group's lock
// among concurrent callers, release only by the holder's token, expiry of a
// lock whose holder vanished, state kept and read back, groups apart.
// newStore returns a fresh, empty store for each subtest.
func RunAlertStoreSuite(t *testing.T, newStore func(t *testing.T) bot.AlertStore) {
	t.Run("OneHolderAmongConcurrentCallers", func(t *testing.T) {
		s := newStore(t)
		c := ctx(t)
		var mu sync.Mutex
		var wg sync.WaitGroup
		won := 0
		for range 20 {
			wg.Go(func() {
				_, ok, err := s.Lock(c, "g1", time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d callers hold the lock, want 1", won)
		}
		if _, ok, _ := s.Lock(c, "g2", time.Minute); !ok {
			t.Fatal("another group's lock is refused")
		}
	})
	t.Run("OnlyTheHolderUnlocks", func(t *testing.T) {
		s := newStore(t)
		c := ctx(t)
		tok, ok, err := s.Lock(c, "g", time.Minute)
		if err != nil || !ok {
			t.Fatalf("lock: %v %v", ok, err)
		}
		if err := s.Unlock(c, "g", "not-the-token"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Lock(c, "g", time.Minute); ok {
			t.Fatal("a wrong token released the lock")
		}
		if err := s.Unlock(c, "g", tok); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Lock(c, "g", time.Minute); !ok {
			t.Fatal("the holder's unlock did not release the lock")
		}
	})
	t.Run("AbandonedLockExpires", func(t *testing.T) {
		s := newStore(t)
		c := ctx(t)
		if _, ok, _ := s.Lock(c, "g", 50*time.Millisecond); !ok {
			t.Fatal("lock refused")
		}
		deadline := time.Now().Add(time.Minute)
		for {
			if _, ok, err := s.Lock(c, "g", time.Minute); err != nil {
				t.Fatal(err)
			} else if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a lock with a 50 ms ttl was still held a minute later")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("StateIsKeptPerGroup", func(t *testing.T) {
		s := newStore(t)
		c := ctx(t)
		if st, err := s.Get(c, "g"); err != nil || st != nil {
			t.Fatalf("empty store: %+v, %v", st, err)
		}
		at := time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)
		want := &bot.AlertState{Card: 2, Channel: "C0LEDGER1", Message: "1700000000.000100", Status: bot.AlertFiring,
			Seen: []string{"a", "b"}, LastStart: at, Entity: "component:default/ledger", TakenBy: []string{"[](@U1)"}, Updated: at}
		if err := s.Put(c, "g", want, time.Hour); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(c, "g")
		if err != nil || got == nil {
			t.Fatalf("get: %+v, %v", got, err)
		}
		if got.Card != 2 || got.Channel != want.Channel || got.Message != want.Message || got.Status != want.Status ||
			len(got.Seen) != 2 || !got.LastStart.Equal(at) || got.Entity != want.Entity || len(got.TakenBy) != 1 {
			t.Fatalf("read back %+v, want %+v", got, want)
		}
		if other, _ := s.Get(c, "other"); other != nil {
			t.Fatalf("another group has state %+v", other)
		}
		got.Status = bot.AlertResolved
		if again, _ := s.Get(c, "g"); again.Status != bot.AlertFiring {
			t.Fatal("changing a read state changed the kept one")
		}
	})
}
