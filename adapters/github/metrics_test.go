package github

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/catalog/ingest"
)

func TestCollectorReportsAPIUsageAndFailingRepos(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "ok", map[string]string{"catalog-info.yaml": component("ok", "team-a")})
	srv.AddRepo("acme", "broken", map[string]string{"catalog-info.yaml": component("broken", "team-a")})
	srv.Fail("GET", "/repos/acme/broken/contents/catalog-info.yaml", 100, githubtest.ServerError())
	c := newTestClient(t, srv)
	ref := ingest.NewRefresher(catalog.NewStore(nil), time.Hour, nil, NewOrgSource(c, "acme", OrgOptions{}))
	_ = ref.Refresh(context.Background())
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(c, ref))
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			got[f.GetName()] = v
		}
	}
	want := map[string]float64{
		"callboard_catalog_source_failing_repos": 1,
		"callboard_catalog_source_entities":      1,
		"callboard_catalog_source_up":            1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	st := c.Stats()
	if got["callboard_github_api_calls_total"] != float64(st.Calls) || st.Retries == 0 || got["callboard_github_api_retries_total"] != float64(st.Retries) {
		t.Errorf("calls metric %v retries %v, stats %+v", got["callboard_github_api_calls_total"], got["callboard_github_api_retries_total"], st)
	}
	if got["callboard_github_rate_limit_remaining"] <= 0 {
		t.Errorf("rate limit remaining = %v", got["callboard_github_rate_limit_remaining"])
	}
}
