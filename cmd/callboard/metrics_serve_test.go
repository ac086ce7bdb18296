package main

import (
	"errors"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/docs"
)

// Refresh errors are counted per source and repository; successes are not.
func TestSourceRefreshErrorsCountedPerSource(t *testing.T) {
	m := NewMetrics(catalog.NewStore(nil), docs.NewHolder(nil))
	boom := errors.New("boom")
	m.ObserveSourceRefresh("github:acme", "", boom)
	m.ObserveSourceRefresh("github:acme", "acme/ledger", boom)
	m.ObserveSourceRefresh("github:acme", "acme/ledger", boom)
	m.ObserveSourceRefresh("github:acme", "acme/ok", nil)
	tests := []struct {
		source, repo string
		want         float64
	}{
		{"github:acme", "", 1},
		{"github:acme", "acme/ledger", 2},
		{"github:acme", "acme/ok", 0},
	}
	for _, tt := range tests {
		var d dto.Metric
		if err := m.sourceErrors.WithLabelValues(tt.source, tt.repo).Write(&d); err != nil {
			t.Fatal(err)
		}
		if got := d.GetCounter().GetValue(); got != tt.want {
			t.Errorf("%s %s: %v errors; want %v", tt.source, tt.repo, got, tt.want)
		}
	}
}
