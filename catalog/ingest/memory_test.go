package ingest_test

import (
	"testing"

	"github.com/callboard/callboard/catalog/ingest"
	"github.com/callboard/callboard/catalog/ingest/ingesttest"
)

func TestMemoryRegistrationsSuite(t *testing.T) {
	ingesttest.RunRegistrationsSuite(t, func(t *testing.T) func(string) ingest.Registrations {
		return ingest.NewMemoryRegistrations().View
	})
}

func TestMemoryHandOverSuite(t *testing.T) {
	ingesttest.RunHandOverSuite(t, func(t *testing.T) ingest.HandOver { return ingest.NewMemoryHandOver() })
}
