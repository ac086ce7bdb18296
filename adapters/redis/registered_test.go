package redis

import (
	"testing"

	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/catalog/ingest/ingesttest"
)

func TestRegistrationsSuite(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	ingesttest.RunRegistrationsSuite(t, func(t *testing.T) func(string) ingest.Registrations {
		p := prefix()
		return func(self string) ingest.Registrations {
			return &Registrations{C: c, Jobs: &JobStore{C: c, Prefix: p}, Prefix: p, Self: self}
		}
	})
}

func TestHandOverSuite(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	ingesttest.RunHandOverSuite(t, func(t *testing.T) ingest.HandOver { return HandOver{C: c, Prefix: prefix()} })
}
