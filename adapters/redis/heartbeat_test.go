package redis

import (
	"context"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/redis/redistest"
)

func TestReplicaHeartbeatsListWhatEachServesAndForgetTheSilent(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	p := prefix()
	long := &Replicas{C: c, Prefix: p, TTL: time.Minute}
	short := &Replicas{C: c, Prefix: p, TTL: 300 * time.Millisecond}
	ctx := context.Background()
	if err := long.Beat(ctx, ReplicaBeat{ID: "web-1", Version: 7, Entities: 78, Leader: true}); err != nil {
		t.Fatal(err)
	}
	if err := short.Beat(ctx, ReplicaBeat{ID: "web-0", Version: 6, Entities: 70}); err != nil {
		t.Fatal(err)
	}
	got, err := long.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "web-0" || got[0].Version != 6 || got[1].ID != "web-1" || !got[1].Leader || got[1].Entities != 78 || got[1].Seen.IsZero() {
		t.Fatalf("List = %+v", got)
	}
	// web-0 stops beating: once its record expires it is no longer listed.
	deadline := time.Now().Add(time.Minute)
	for {
		got, err = long.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 && got[0].ID == "web-1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a silent replica is still listed: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := long.Beat(ctx, ReplicaBeat{}); err == nil {
		t.Error("a beat without an id was accepted")
	}
}
