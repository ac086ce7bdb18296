package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/statuspage"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/scaffold"
)

// statusServer is serve (not listening) of cfgText with env, behind an
// httptest server of its handler.
func statusServer(t *testing.T, cfgText string, env map[string]string) (*Main, string) {
	t.Helper()
	cfg, err := LoadConfig(writeConfig(t, cfgText), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openMain(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func getWith(t *testing.T, u, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The page is off unless a token is configured; status.token_file turns it
// on like CALLBOARD_STATUS_TOKEN.
func TestStatusPageIsOffWithoutAToken(t *testing.T) {
	_, base := statusServer(t, "server:\n  addr: 127.0.0.1:0\n", nil)
	for _, p := range []string{statuspage.PathPage, statuspage.PathJSON} {
		if code, _ := getWith(t, base+p, "anything"); code != http.StatusNotFound {
			t.Errorf("%s without a configured token: %d, want 404", p, code)
		}
	}
	file := filepath.Join(t.TempDir(), "status-token")
	if err := os.WriteFile(file, []byte("from-a-file-token-42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, base := statusServer(t, "server:\n  addr: 127.0.0.1:0\nstatus:\n  token_file: "+file+"\n", nil)
	if code, _ := getWith(t, base+statuspage.PathJSON, ""); code != http.StatusUnauthorized {
		t.Errorf("no bearer: %d", code)
	}
	// A failed job's error that echoes the token is redacted.
	job := &scaffold.Job{ID: "j1", Template: "template:default/x", State: scaffold.JobFailed, Error: "push refused for from-a-file-token-42"}
	if _, _, err := s.app.Scaffold.Store.Create(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	code, body := getWith(t, base+statuspage.PathJSON, "from-a-file-token-42")
	if code != http.StatusOK {
		t.Fatalf("with the file's token: %d %s", code, body)
	}
	var rep statuspage.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources) != 1 || rep.Sources[0].Name != "examples (embedded)" || !rep.Sources[0].OK || rep.Sources[0].Duration <= 0 || rep.Entities == 0 {
		t.Errorf("sources: %+v", rep.Sources)
	}
	if len(rep.Replicas) != 1 || !rep.Replicas[0].Self || rep.LeaderNote == "" || rep.Redis != "" || rep.GitHub != nil {
		t.Errorf("one process, no Redis, no GitHub: %+v", rep)
	}
	if rep.Jobs.ByState["failed"] != 1 || strings.Contains(body, "from-a-file-token-42") || !strings.Contains(body, "push refused for [redacted]") {
		t.Errorf("jobs: %+v", rep.Jobs)
	}
}

// `me` in serve reads the app's own job store.
func TestMeInServeListsTheAskersJobs(t *testing.T) {
	s, _ := statusServer(t, "server:\n  addr: 127.0.0.1:0\n", nil)
	job := &scaffold.Job{ID: "j-priya", Template: "template:default/go-service", Values: map[string]any{"name": "fx-rates"}, State: scaffold.JobRunning, Requester: "slack:U05PRIYA04"}
	if _, _, err := s.app.Scaffold.Store.Create(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	resp, err := s.app.Router.Handle(t.Context(), &chat.Request{Text: "me", Platform: chat.PlatformSlack, User: chat.User{Platform: chat.PlatformSlack, ID: "U05PRIYA04"}})
	if err != nil {
		t.Fatal(err)
	}
	var jobs string
	for _, sec := range resp.Sections {
		if sec.Title == "Your recent scaffold jobs" {
			for _, it := range sec.Items {
				jobs += it.Text + " " + it.Detail + "\n"
			}
		}
	}
	if !strings.HasPrefix(resp.Title, "You are Priya Raman") || !strings.Contains(jobs, "go-service → fx-rates") || !strings.Contains(jobs, "running") {
		t.Errorf("me: %q, jobs %q", resp.Title, jobs)
	}
}

// Files read from a GitHub Enterprise host (GITHUB_API_URL) are linked on
// the page as github.com's are; github.com itself needs no host named.
func TestStatusLinksGitHubEnterpriseFiles(t *testing.T) {
	for _, tc := range []struct{ api, want string }{
		{"https://ghe.acme.example/api/v3", "https://ghe.acme.example/acme/ledger/blob/HEAD/catalog-info.yaml"},
		{"", ""},
		{"https://api.github.com/", ""},
	} {
		s := &Main{cfg: &Config{GitHub: GitHubConfig{APIURL: tc.api}}}
		got := statuspage.GroupProblems([]statuspage.RawProblem{{File: "ghe.acme.example/acme/ledger/catalog-info.yaml", Line: 3}}, s.gitHubHosts()...)
		if len(got) != 1 || got[0].URL != tc.want {
			t.Errorf("api %q: %+v, want the file linked as %q", tc.api, got, tc.want)
		}
	}
}
