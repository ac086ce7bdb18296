package rota_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/examples"
)

const file = `
example: true
rotas:
  - schedule: Primary
    match: {pagerduty.com/service-id: P1}
    start: 2026-01-05T09:00:00Z
    shift: 168h
    people: [{name: A, email: a@x}, {name: B, email: b@x}, {name: C, email: c@x}]
  - schedule: Managers
    match: {pagerduty.com/service-id: P1}
    level: 2
    start: 2026-01-05T09:00:00Z
    shift: 168h
    people: [{name: M, email: m@x}]
`

func TestRotationTurnsWeekByWeek(t *testing.T) {
	r, err := rota.Parse([]byte(file), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		at        time.Time
		now, next string
		end       time.Time
	}{
		{start, "A", "B", start.Add(168 * time.Hour)},
		{start.Add(168*time.Hour - time.Second), "A", "B", start.Add(168 * time.Hour)},
		{start.Add(3 * 168 * time.Hour), "A", "B", start.Add(4 * 168 * time.Hour)},
		{start.Add(8 * 168 * time.Hour), "C", "A", start.Add(9 * 168 * time.Hour)},
		{start.Add(-time.Hour), "C", "A", start},
	} {
		got, err := r.WithClock(func() time.Time { return tt.at }).OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "P1"})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Example || len(got.Shifts) != 3 {
			t.Fatalf("%v: %+v", tt.at, got)
		}
		now, mgr, next := got.Shifts[0], got.Shifts[1], got.Shifts[2]
		if now.Name != tt.now || !now.End.Equal(tt.end) || mgr.Level != 2 || mgr.Name != "M" || !next.Next || next.Name != tt.next || !next.Start.Equal(tt.end) {
			t.Errorf("%v: now %+v, level 2 %+v, next %+v; want %s until %v then %s", tt.at, now, mgr, next, tt.now, tt.end, tt.next)
		}
	}
	if got, err := r.OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "P2"}); got != nil || err != nil {
		t.Errorf("another service: %+v, %v", got, err)
	}
}

func TestParseSaysWhatIsWrongAndWhere(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"rotas: [{match: {a: b}, start: 2026-01-05T09:00:00Z, people: [{email: a@x}]}]", "rotas[0]: shift must be a positive duration"},
		{"rotas: [{shift: 1h, start: 2026-01-05T09:00:00Z, people: [{email: a@x}]}]", "rotas[0]: match is empty"},
		{"rotas: [{match: {a: b}, shift: 1h, people: [{email: a@x}]}]", "rotas[0]: start is missing"},
		{"rotas: [{match: {a: b}, shift: 1h, start: 2026-01-05T09:00:00Z, people: [{name: x}]}]", "rotas[0].people[0]: email is missing"},
		{"rota: []", "field rota not found"},
	} {
		_, err := rota.Parse([]byte(tt.in), "f.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "f.yaml") {
			t.Errorf("Parse(%q) = %v, want an error naming f.yaml with %q", tt.in, err, tt.want)
		}
	}
}

func TestTheExampleRotaLoads(t *testing.T) {
	r, err := rota.Load(examples.FS, examples.Rota)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.OnCallNow(context.Background(), map[string]string{"pagerduty.com/service-id": "PLDG4RM"})
	if err != nil || got == nil || !got.Example || len(got.Shifts) == 0 {
		t.Fatalf("ledger's example rota: %+v, %v", got, err)
	}
}
