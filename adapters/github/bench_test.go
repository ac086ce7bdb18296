package github

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/scaffold"
)

// BenchmarkPublish measures one publish:github run (create repository, set
// topics, commit the tree) and reports the API calls it makes.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			srv := githubtest.New(b)
			srv.AddOrg("acme")
			// Fast runs make more calls than GitHub's 5,000 an hour: the
			// benchmark measures calls, not the fake's rate limit.
			srv.SetRateLimit(1<<30, time.Hour)
			pub := NewPublisher(newTestClient(b, srv))
			files := tree(n)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				name := fmt.Sprintf("svc-%d", i)
				if _, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: name, Topics: []string{"go"}}, "m"); err != nil {
					b.Fatal(err)
				}
				if _, err := pub.Commit(ctx, "", "acme", name, "main", "", files, "Scaffold", "m"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(srv.Requests())/float64(b.N), "calls/op")
		})
	}
}

// BenchmarkRefreshUnchanged measures a full refresh of 500 unchanged repositories (all 304s).
func BenchmarkRefreshUnchanged(b *testing.B) {
	srv := githubtest.New(b)
	for i := range 500 {
		srv.AddRepo("acme", fmt.Sprintf("r%d", i), map[string]string{"catalog-info.yaml": component(fmt.Sprintf("c%d", i), "team-a")})
	}
	src := NewOrgSource(newTestClient(b, srv), "acme", OrgOptions{})
	ctx := context.Background()
	if _, err := src.Load(ctx); err != nil {
		b.Fatal(err)
	}
	srv.ResetCalls()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := src.Load(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(srv.NotModified())/float64(srv.Requests())*100, "%304")
}
