package github

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/scaffold"
)

// fastRetry keeps retry tests quick while exercising the same code paths.
var fastRetry = Retry{Attempts: 5, MaxWait: 10 * time.Second, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

func newTestClient(t testing.TB, srv *githubtest.Server) *Client {
	t.Helper()
	c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: srv.URL, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tree(n int) []scaffold.File {
	files := make([]scaffold.File, n)
	for i := range files {
		files[i] = scaffold.File{Path: fmt.Sprintf("dir%d/file%03d.txt", i%7, i), Data: []byte(fmt.Sprintf("content %d\n", i))}
	}
	return files
}

func TestPublishIsOneCommitWithACallCountIndependentOfFiles(t *testing.T) {
	calls := map[int]int{}
	for _, n := range []int{3, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv := githubtest.New(t)
			srv.AddOrg("acme")
			pub := NewPublisher(newTestClient(t, srv))
			ctx := context.Background()
			repo, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: "ledger", Description: "Ledger", Visibility: "private", Topics: []string{"go", "payments"}}, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if !repo.Created || repo.DefaultBranch != "main" || repo.HTMLURL != "https://github.com/acme/ledger" {
				t.Fatalf("repo = %+v", repo)
			}
			files := tree(n)
			sha, err := pub.Commit(ctx, "github.com", "acme", "ledger", repo.DefaultBranch, "", files, "Scaffold ledger", "job-1")
			if err != nil {
				t.Fatal(err)
			}
			v := srv.Repo("acme", "ledger")
			commits := v.Commits("main")
			if len(commits) != 1 || commits[0].SHA != sha || !strings.Contains(commits[0].Message, "job-1") {
				t.Fatalf("history = %+v, want one commit %s carrying the marker", commits, sha)
			}
			got := v.Files("main")
			if len(got) != n {
				t.Fatalf("%d files at main, want %d", len(got), n)
			}
			for _, f := range files {
				if got[f.Path] != string(f.Data) {
					t.Fatalf("%s = %q, want %q", f.Path, got[f.Path], f.Data)
				}
			}
			if v.Visibility() != "private" || v.Description() != "Ledger" || strings.Join(v.Topics(), ",") != "go,payments" {
				t.Fatalf("settings: %s %q %v", v.Visibility(), v.Description(), v.Topics())
			}
			calls[n] = srv.Requests()
		})
	}
	if calls[3] != calls[300] || calls[3] == 0 {
		t.Fatalf("API calls: 3 files %d, 300 files %d; want equal", calls[3], calls[300])
	}
	t.Logf("API calls for one publish (create, topics, commit): %d", calls[3])
}

func TestCommitRetriedAfterItFinishedWritesNothing(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"README.md": "hi\n"})
	pub := NewPublisher(newTestClient(t, srv))
	ctx := context.Background()
	first, err := pub.Commit(ctx, "", "acme", "svc", "main", "", tree(5), "Add files", "job-7")
	if err != nil {
		t.Fatal(err)
	}
	again, err := pub.Commit(ctx, "", "acme", "svc", "main", "", tree(5), "Add files", "job-7")
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatalf("retry returned %s, want %s", again, first)
	}
	if n := len(srv.Repo("acme", "svc").Commits("main")); n != 2 {
		t.Fatalf("%d commits, want the seed and one more", n)
	}
}

func TestCommitKeepsBinaryAndExecutableFiles(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddOrg("acme")
	pub := NewPublisher(newTestClient(t, srv))
	ctx := context.Background()
	if _, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: "bin"}, "m"); err != nil {
		t.Fatal(err)
	}
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe}
	files := []scaffold.File{
		{Path: "run.sh", Data: []byte("#!/bin/sh\necho hi\n"), Executable: true},
		{Path: "logo.png", Data: png},
	}
	if _, err := pub.Commit(ctx, "", "acme", "bin", "main", "", files, "Add", "m"); err != nil {
		t.Fatal(err)
	}
	v := srv.Repo("acme", "bin")
	if got := v.Files("main")["logo.png"]; got != string(png) {
		t.Fatalf("logo.png = %q", got)
	}
	if m := v.Modes("main"); m["run.sh"] != "100755" || m["logo.png"] != "100644" {
		t.Fatalf("modes = %v", m)
	}
	if srv.Calls()["POST /repos/{owner}/{repo}/git/blobs"] != 1 {
		t.Fatalf("calls = %v, want one blob upload for the binary file", srv.Calls())
	}
}

func TestCommitRejectsPathsLeavingTheTree(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"README.md": "hi\n"})
	pub := NewPublisher(newTestClient(t, srv))
	for _, p := range []string{"../x", "/etc/passwd", "a/../../b", "a//b", ""} {
		_, err := pub.Commit(context.Background(), "", "acme", "svc", "main", "", []scaffold.File{{Path: p, Data: []byte("x")}}, "m", "k")
		if err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	if srv.Requests() != 0 {
		t.Fatalf("%d API calls made for rejected input", srv.Requests())
	}
}

func TestEnsureRepositoryWhenTheNameIsTaken(t *testing.T) {
	tests := []struct {
		name    string
		seed    func(srv *githubtest.Server)
		wantErr error
	}{
		{"empty repository is taken over", func(srv *githubtest.Server) { srv.AddRepo("acme", "svc", nil) }, nil},
		{"repository written by this job is returned", func(srv *githubtest.Server) {
			srv.AddRepo("acme", "svc", nil)
			srv.PushCommit("acme", "svc", "main", "Scaffold svc\n\njob-42", map[string]string{"a": "b"}, nil)
		}, nil},
		{"repository initialised by an interrupted try is taken over", func(srv *githubtest.Server) {
			srv.AddRepo("acme", "svc", nil)
			srv.PushCommit("acme", "svc", "main", initMessage, map[string]string{"a": "b"}, nil)
		}, nil},
		{"repository whose head names another job is refused", func(srv *githubtest.Server) {
			srv.AddRepo("acme", "svc", nil)
			srv.PushCommit("acme", "svc", "main", "Scaffold svc\n\njob-41", map[string]string{"a": "b"}, nil)
		}, scaffold.ErrRepoExists},
		{"someone else's repository is refused", func(srv *githubtest.Server) {
			srv.AddRepo("acme", "svc", map[string]string{"README.md": "theirs"})
		}, scaffold.ErrRepoExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.New(t)
			tc.seed(srv)
			pub := NewPublisher(newTestClient(t, srv))
			repo, err := pub.EnsureRepository(context.Background(), scaffold.RepoSpec{Owner: "acme", Name: "svc"}, "job-42")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && (repo.Created || repo.Name != "svc") {
				t.Fatalf("repo = %+v, want the existing one", repo)
			}
		})
	}
}

func TestEnsureRepositoryResumesAJobThatCommitted(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddOrg("acme")
	pub := NewPublisher(newTestClient(t, srv))
	ctx := context.Background()
	spec := scaffold.RepoSpec{Owner: "acme", Name: "svc", Topics: []string{"go"}}
	if _, err := pub.EnsureRepository(ctx, spec, "job-9"); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Commit(ctx, "", "acme", "svc", "main", "", tree(2), "Scaffold", "job-9"); err != nil {
		t.Fatal(err)
	}
	repo, err := pub.EnsureRepository(ctx, spec, "job-9")
	if err != nil || repo.Created {
		t.Fatalf("retry: %+v, %v; want the existing repository", repo, err)
	}
	if _, err := pub.EnsureRepository(ctx, spec, "job-10"); !errors.Is(err, scaffold.ErrRepoExists) {
		t.Fatalf("another job: err = %v, want ErrRepoExists", err)
	}
}

func TestEnsureRepositoryForTheAuthenticatedUser(t *testing.T) {
	srv := githubtest.New(t)
	pub := NewPublisher(newTestClient(t, srv))
	repo, err := pub.EnsureRepository(context.Background(), scaffold.RepoSpec{Owner: githubtest.DefaultUser, Name: "mine"}, "m")
	if err != nil || !repo.Created {
		t.Fatalf("%+v %v", repo, err)
	}
	if srv.Calls()["POST /user/repos"] != 1 {
		t.Fatalf("calls = %v, want POST /user/repos", srv.Calls())
	}
}

func TestEnsureRepositoryRejectsBadNamesBeforeAnyCall(t *testing.T) {
	srv := githubtest.New(t)
	pub := NewPublisher(newTestClient(t, srv))
	for _, n := range []string{"", "has space", "ünïcode", "..", strings.Repeat("a", 101), "a/b"} {
		if _, err := pub.EnsureRepository(context.Background(), scaffold.RepoSpec{Owner: "acme", Name: n}, "m"); err == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	if srv.Requests() != 0 {
		t.Fatalf("%d calls", srv.Requests())
	}
}

func TestPullRequestFlow(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "infra", map[string]string{"README.md": "infra\n", "services/old.yaml": "x"})
	pub := NewPublisher(newTestClient(t, srv))
	ctx := context.Background()
	files := []scaffold.File{{Path: "services/ledger/catalog-info.yaml", Data: []byte("kind: Component\n")}}
	sha, err := pub.Commit(ctx, "", "acme", "infra", "scaffold/ledger", "main", files, "Add ledger", "job-3")
	if err != nil {
		t.Fatal(err)
	}
	spec := scaffold.PullRequestSpec{Owner: "acme", Repo: "infra", Branch: "scaffold/ledger", Title: "Add ledger", Body: "From callboard"}
	pr, err := pub.EnsurePullRequest(ctx, spec)
	if err != nil || !pr.Created || pr.Number != 1 || pr.HTMLURL != "https://github.com/acme/infra/pull/1" {
		t.Fatalf("first: %+v %v", pr, err)
	}
	again, err := pub.EnsurePullRequest(ctx, spec)
	if err != nil || again.Created || again.Number != 1 {
		t.Fatalf("second: %+v %v; want the same pull request", again, err)
	}
	v := srv.Repo("acme", "infra")
	prs := v.PullRequests()
	if len(prs) != 1 || prs[0].Base != "main" || prs[0].Head != "scaffold/ledger" {
		t.Fatalf("pull requests = %+v", prs)
	}
	branch := v.Files("scaffold/ledger")
	if branch["README.md"] != "infra\n" || branch["services/ledger/catalog-info.yaml"] != "kind: Component\n" {
		t.Fatalf("branch files = %v, want main's files plus the new one", branch)
	}
	hist := v.Commits("scaffold/ledger")
	if len(hist) != 2 || hist[0].SHA != sha {
		t.Fatalf("branch history = %+v, want one commit on top of main", hist)
	}
	if _, ok := v.Files("main")["services/ledger/catalog-info.yaml"]; ok {
		t.Fatal("main was changed")
	}
}

func TestPublishSurvivesServerErrorsAndRateLimits(t *testing.T) {
	tests := []struct {
		name  string
		fault githubtest.Fault
		times int
		path  string
	}{
		{"500 on the tree", githubtest.ServerError(), 2, "/repos/{owner}/{repo}/git/trees"},
		{"502 on repository creation", githubtest.BadGateway(), 1, "/orgs/{org}/repos"},
		{"secondary rate limit with Retry-After", githubtest.SecondaryRateLimit(time.Second), 1, "/repos/{owner}/{repo}/git/commits"},
		{"429 with Retry-After", githubtest.TooManyRequests(0), 2, "/repos/{owner}/{repo}/git/trees"},
		{"primary rate limit until reset", githubtest.PrimaryRateLimit(time.Second), 1, "/repos/{owner}/{repo}/contents/{path}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.New(t)
			srv.AddOrg("acme")
			srv.Fail("", tc.path, tc.times, tc.fault)
			c := newTestClient(t, srv)
			pub := NewPublisher(c)
			ctx := context.Background()
			if _, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: "r"}, "m"); err != nil {
				t.Fatal(err)
			}
			if _, err := pub.Commit(ctx, "", "acme", "r", "main", "", tree(4), "Add", "m"); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Repo("acme", "r").Files("main")); n != 4 {
				t.Fatalf("%d files", n)
			}
			if st := c.Stats(); st.Retries != int64(tc.times) {
				t.Fatalf("retries = %d, want %d", st.Retries, tc.times)
			}
		})
	}
}

func TestRetryGivesUpWhenTheWaitIsTooLong(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"a": "b"})
	srv.Fail("GET", "/repos/{owner}/{repo}", 1, githubtest.SecondaryRateLimit(time.Hour))
	c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: srv.URL, Retry: Retry{MaxWait: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = c.GitHub.Repositories.Get(context.Background(), "acme", "svc")
	if err == nil || !strings.Contains(err.Error(), "secondary rate limit") {
		t.Fatalf("err = %v, want the rate-limit error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestRetryWaitStopsWhenTheContextIsCancelled(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"a": "b"})
	srv.Fail("GET", "", 1, githubtest.SecondaryRateLimit(30*time.Second))
	c, err := NewClient(Config{Token: githubtest.DefaultToken, BaseURL: srv.URL, Retry: Retry{MaxWait: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = c.GitHub.Repositories.Get(ctx, "acme", "svc")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestStatsRecordRateLimitHeaders(t *testing.T) {
	srv := githubtest.New(t)
	srv.SetRateLimit(100, time.Hour)
	srv.AddRepo("acme", "svc", map[string]string{"a": "b"})
	c := newTestClient(t, srv)
	for range 3 {
		if _, _, err := c.GitHub.Repositories.Get(context.Background(), "acme", "svc"); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	if st.Calls != 3 || st.Limit != 100 || st.Remaining != 97 || st.Resource != "core" || time.Until(st.Reset) < 50*time.Minute {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBadTokenIsRefused(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRepo("acme", "svc", map[string]string{"a": "b"})
	c, err := NewClient(Config{Token: "wrong", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.GitHub.Repositories.Get(context.Background(), "acme", "svc")
	if err == nil || resp.StatusCode != 401 || !strings.Contains(err.Error(), "Bad credentials") {
		t.Fatalf("err = %v", err)
	}
}

func TestCommitAfterAnInterruptedInitialisationLeavesOneCommit(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddOrg("acme")
	pub := NewPublisher(newTestClient(t, srv))
	ctx := context.Background()
	if _, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: "svc"}, "job-5"); err != nil {
		t.Fatal(err)
	}
	// A first try initialised the empty repository, then crashed.
	srv.PushCommit("acme", "svc", "main", initMessage, map[string]string{"dir0/file000.txt": "content 0\n"}, nil)
	repo, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: "svc"}, "job-5")
	if err != nil || repo.Created {
		t.Fatalf("resume: %+v %v", repo, err)
	}
	sha, err := pub.Commit(ctx, "", "acme", "svc", "main", "", tree(3), "Scaffold", "job-5")
	if err != nil {
		t.Fatal(err)
	}
	v := srv.Repo("acme", "svc")
	if h := v.Commits("main"); len(h) != 1 || h[0].SHA != sha || len(h[0].Parents) != 0 {
		t.Fatalf("history = %+v, want one root commit", h)
	}
	if n := len(v.Files("main")); n != 3 {
		t.Fatalf("%d files", n)
	}
}

func TestPublishAsAGitHubAppCreatesInTheOrganisation(t *testing.T) {
	key, keyPEM := rsaKey(t)
	srv := githubtest.New(t)
	srv.AddOrg("acme")
	srv.EnableApp(1, 2, &key.PublicKey, time.Hour)
	c, err := NewClient(Config{AppID: 1, InstallationID: 2, PrivateKey: keyPEM, BaseURL: srv.URL, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	pub := NewPublisher(c)
	ctx := context.Background()
	if _, err := pub.EnsureRepository(ctx, scaffold.RepoSpec{Owner: "acme", Name: "app-made"}, "m"); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Commit(ctx, "", "acme", "app-made", "main", "", tree(2), "Scaffold", "m"); err != nil {
		t.Fatal(err)
	}
	if srv.Calls()["POST /orgs/{org}/repos"] != 1 || len(srv.Repo("acme", "app-made").Files("main")) != 2 {
		t.Fatalf("calls = %v", srv.Calls())
	}
}
