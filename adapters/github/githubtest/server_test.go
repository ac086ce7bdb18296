package githubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func do(t *testing.T, s *Server, method, path, body string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp, m
}

func TestErrorsAreShapedLikeGitHubs(t *testing.T) {
	s := New(t)
	s.AddRepo("acme", "full", map[string]string{"a.txt": "a"})
	s.AddRepo("acme", "empty", nil)
	tests := []struct {
		name, method, path, body string
		token                    string
		status                   int
		message                  string
	}{
		{"missing repository", "GET", "/repos/acme/nope", "", "", 404, "Not Found"},
		{"bad token", "GET", "/repos/acme/full", "", "bad", 401, "Bad credentials"},
		{"name taken", "POST", "/orgs/acme/repos", `{"name":"full"}`, "", 422, "Repository creation failed."},
		{"tree in an empty repository", "POST", "/repos/acme/empty/git/trees", `{"tree":[]}`, "", 409, "Git Repository is empty."},
		{"contents of an empty repository", "GET", "/repos/acme/empty/contents/a.txt", "", "", 404, "This repository is empty."},
		{"missing file", "GET", "/repos/acme/full/contents/nope.txt", "", "", 404, "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.token != "" {
				h["Authorization"] = "Bearer " + tc.token
			}
			resp, m := do(t, s, tc.method, tc.path, tc.body, h)
			if resp.StatusCode != tc.status || m["message"] != tc.message || m["documentation_url"] == nil {
				t.Fatalf("%d %v, want %d %q with documentation_url", resp.StatusCode, m, tc.status, tc.message)
			}
			if resp.Header.Get("X-RateLimit-Limit") == "" || resp.Header.Get("X-RateLimit-Resource") != "core" {
				t.Fatalf("rate-limit headers missing: %v", resp.Header)
			}
		})
	}
}

func TestConditionalRequestsCostNothing(t *testing.T) {
	s := New(t)
	s.AddRepo("acme", "svc", map[string]string{"catalog-info.yaml": "kind: Component\n"})
	resp, m := do(t, s, "GET", "/repos/acme/svc/contents/catalog-info.yaml", "", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || m["encoding"] != "base64" {
		t.Fatalf("%d %v etag=%q", resp.StatusCode, m, etag)
	}
	before, _ := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	resp, _ = do(t, s, "GET", "/repos/acme/svc/contents/catalog-info.yaml", "", map[string]string{"If-None-Match": etag})
	after, _ := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	if resp.StatusCode != 304 || after != before {
		t.Fatalf("status %d, remaining %d -> %d; want a free 304", resp.StatusCode, before, after)
	}
	s.Push("acme", "svc", "", map[string]string{"catalog-info.yaml": "kind: API\n"}, nil)
	resp, _ = do(t, s, "GET", "/repos/acme/svc/contents/catalog-info.yaml", "", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 200 {
		t.Fatalf("changed file answered %d", resp.StatusCode)
	}
	if s.NotModified() != 1 {
		t.Fatalf("NotModified = %d", s.NotModified())
	}
}

func TestListingIsPaginatedWithLinkHeaders(t *testing.T) {
	s := New(t)
	for i := range 25 {
		s.AddRepo("acme", "r"+strconv.Itoa(i), map[string]string{"a": "b"})
	}
	var seen int
	next := "/orgs/acme/repos?per_page=10"
	pages := 0
	for next != "" {
		resp, err := func() (*http.Response, error) {
			u := next
			if !strings.HasPrefix(u, "http") {
				u = s.URL + u
			}
			r, _ := http.NewRequest("GET", u, nil)
			r.Header.Set("Authorization", "token "+DefaultToken)
			return s.Client().Do(r)
		}()
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		seen += len(list)
		pages++
		next = ""
		for _, part := range strings.Split(resp.Header.Get("Link"), ",") {
			if strings.Contains(part, `rel="next"`) {
				next = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			}
		}
	}
	if seen != 25 || pages != 3 {
		t.Fatalf("%d repositories over %d pages, want 25 over 3", seen, pages)
	}
}

func TestFaultsAreInjectedThenCleared(t *testing.T) {
	s := New(t)
	s.AddRepo("acme", "svc", map[string]string{"a": "b"})
	s.Fail("GET", "/repos/{owner}/{repo}", 2, SecondaryRateLimit(3e9))
	for i, want := range []int{403, 403, 200} {
		resp, m := do(t, s, "GET", "/repos/acme/svc", "", nil)
		if resp.StatusCode != want {
			t.Fatalf("call %d: %d %v, want %d", i, resp.StatusCode, m, want)
		}
		if want == 403 && resp.Header.Get("Retry-After") != "3" {
			t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
		}
	}
	if s.Calls()["GET /repos/{owner}/{repo}"] != 3 {
		t.Fatalf("calls = %v", s.Calls())
	}
}
