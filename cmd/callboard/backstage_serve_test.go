package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/backstage/backstagetest"
	"github.com/callboard/callboard/bot/chat"
)

const backstageToken = "bs-static-token-5e1f0a2b"

// backstageOrg is a small Backstage catalog as its API serves it: a team
// owning a service, and a member whose membership only Backstage's
// relations record (an org provider wrote no spec.memberOf).
func backstageOrg() []backstagetest.Entity {
	team := backstagetest.Group("team-ledger")
	team["relations"] = []any{map[string]any{"type": "hasMember", "targetRef": "user:default/ana"}}
	ana := backstagetest.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "User",
		"metadata": map[string]any{"name": "ana", "namespace": "default"}, "spec": map[string]any{},
		"relations": []any{map[string]any{"type": "memberOf", "targetRef": "group:default/team-ledger"}}}
	svc := backstagetest.Component("ledger-api", "team-ledger")
	svc["metadata"].(map[string]any)["annotations"] = map[string]any{"backstage.io/techdocs-ref": "dir:."}
	return []backstagetest.Entity{team, ana, svc}
}

// serveBackstage starts serve reading only backstage:URL, with env, and
// returns it with its base URL and logs.
func serveBackstage(t *testing.T, backstageURL string, env map[string]string, extra string) (*Main, string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	cfg, err := LoadConfig(writeConfig(t, fmt.Sprintf("server:\n  addr: %s\n  shutdown_timeout: 2s\ncatalog:\n  sources: [\"backstage:%s\"]\n%s", addr, backstageURL, extra)), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	s, err := openMain(t.Context(), cfg, newLogger(&logs, LogConfig{Level: "debug", Format: "json"}, cfg.secrets.values()))
	if err != nil {
		t.Fatal(err)
	}
	// Retries start at 100 ms here (1 s by default) to keep the test short.
	s.refresh.RetryMin, s.refresh.RetryMax = 100*time.Millisecond, 400*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(5 * time.Second)
	for {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start listening")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s, base, &logs
}

func ask(t *testing.T, s *Main, text string) *chat.Response {
	t.Helper()
	resp, err := s.app.Router.Handle(t.Context(), &chat.Request{Text: text, Platform: chat.PlatformSlack, User: chat.User{ID: "U1"}})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func status(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Backstage unreachable at start and up 2 s later: serve keeps retrying
// the first load within seconds, says "still loading" meanwhile (never
// "nothing is called"), and is ready soon after Backstage is.
func TestServeLoadsABackstageThatComesUpLate(t *testing.T) {
	bsAddr := freeAddr(t)
	s, base, logs := serveBackstage(t, "http://"+bsAddr, map[string]string{"BACKSTAGE_TOKEN": backstageToken},
		"backstage:\n  ui_url: https://portal.example.com\n")

	time.Sleep(300 * time.Millisecond)
	if code, body := status(t, base+"/readyz"); code != 503 || !strings.Contains(body, "catalog not loaded yet") {
		t.Fatalf("/readyz before Backstage: %d %s", code, body)
	}
	if r := ask(t, s, "who owns ledger-api"); !strings.Contains(r.Title, "still loading") {
		t.Fatalf("before the first load the bot says %q", r.Title)
	} else if !strings.Contains(r.Text, "So far: the Backstage catalog: no answer yet (retrying)") || strings.Contains(r.Text, bsAddr) {
		t.Errorf("the answer should say how far the load is, without Backstage's address: %q", r.Text)
	}

	time.Sleep(1700 * time.Millisecond)
	fake, err := backstagetest.NewAt(bsAddr, backstageToken, backstageOrg()...)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	up := time.Now()
	waitReady(t, base, 5*time.Second)
	t.Logf("ready %s after Backstage came up", time.Since(up).Round(time.Millisecond))

	r := ask(t, s, "who owns ledger-api")
	if !strings.Contains(r.Title, "ledger-api is owned by team-ledger") {
		t.Fatalf("after the load: %q", r.Title)
	}
	info, _ := json.Marshal(ask(t, s, "info ledger-api"))
	for _, w := range []string{"https://portal.example.com/catalog/default/component/ledger-api", "https://portal.example.com/docs/default/component/ledger-api"} {
		if !strings.Contains(string(info), w) {
			t.Errorf("info lacks %s: %s", w, info)
		}
	}
	// A membership only Backstage's relations hold.
	if team, _ := json.Marshal(ask(t, s, "team team-ledger")); !strings.Contains(string(team), "ana") {
		t.Errorf("team answer lacks the member Backstage relates: %s", team)
	}

	out := logs.String()
	for _, w := range []string{"catalog source not loaded yet; retrying soon", `"msg":"catalog source loaded"`, `"entities":3`} {
		if !strings.Contains(out, w) {
			t.Errorf("logs lack %s", w)
		}
	}
	if strings.Contains(out, backstageToken) {
		t.Error("the token reached the logs")
	}
	_, metrics := status(t, base+"/metrics")
	sum := regexp.MustCompile(`(?m)^callboard_catalog_refresh_duration_seconds_sum (\S+)$`).FindStringSubmatch(metrics)
	if sum == nil {
		t.Fatalf("no refresh duration in /metrics:\n%s", metrics)
	}
	if v, _ := strconv.ParseFloat(sum[1], 64); !(v > 0) {
		t.Errorf("refresh duration sum %s: remote refreshes recorded as 0 s", sum[1])
	}
}

// A Backstage with its default auth policy and no token configured: the
// log and `catalog status` say which setting to fill and what grants it;
// a wrong token is never repeated.
func TestServeSaysWhatARefusingBackstageNeeds(t *testing.T) {
	fake := backstagetest.New(backstageToken, backstageOrg()...)
	defer fake.Close()
	tests := []struct {
		name  string
		env   map[string]string
		wants []string
	}{
		{"no token", nil, []string{"401 Missing credentials", "set BACKSTAGE_TOKEN (or backstage.token_file)", "backend.auth.externalAccess", "plugin: catalog"}},
		{"a wrong token", map[string]string{"BACKSTAGE_TOKEN": "wrong-token-c0ffee42"}, []string{"401 Illegal token", "does not accept the token in BACKSTAGE_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base, logs := serveBackstage(t, fake.URL, tt.env, "")
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(logs.String(), "catalog source refresh failed") {
				if time.Now().After(deadline) {
					t.Fatal("no failed refresh logged")
				}
				time.Sleep(20 * time.Millisecond)
			}
			out := logs.String()
			for _, w := range tt.wants {
				if !strings.Contains(out, w) {
					t.Errorf("logs lack %q", w)
				}
			}
			if v := tt.env["BACKSTAGE_TOKEN"]; v != "" && strings.Contains(out, v) {
				t.Error("the token reached the logs")
			}
			if code, _ := status(t, base+"/readyz"); code != 503 {
				t.Errorf("/readyz %d with Backstage refusing", code)
			}
		})
	}
}

func TestServeRefusesCredentialsInABackstageURL(t *testing.T) {
	const secret = "pa55-in-url-9911"
	for _, spec := range []string{"backstage:https://callboard:" + secret + "@backstage.example.com", "backstage:https://backstage.example.com/?token=" + secret} {
		var out, errb bytes.Buffer
		code := Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(nil)}, []string{"serve", "--addr", "127.0.0.1:0", "--catalog", spec})
		if code != 1 || !strings.Contains(errb.String(), "[redacted]") || strings.Contains(errb.String(), secret) {
			t.Errorf("%s: exit %d, stderr %s", spec, code, errb.String())
		}
		p := writeConfig(t, "catalog:\n  sources: [\""+spec+"\"]\n")
		code = Run(t.Context(), &Env{Stdout: &out, Stderr: &errb, Getenv: envOf(nil)}, []string{"config", "check", "--config", p})
		if code != 1 || !strings.Contains(errb.String(), "catalog.sources[0]") || strings.Contains(errb.String(), secret) {
			t.Errorf("config check %s: exit %d, stderr %s", spec, code, errb.String())
		}
	}
}

// ask, chat and validate read backstage:URL with the same token as serve.
func TestCommandLineReadsBackstage(t *testing.T) {
	fake := backstagetest.New(backstageToken, backstageOrg()...)
	defer fake.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(backstageToken+"\n"), 0o600)
	cfgFile := writeConfig(t, "catalog:\n  sources: [\"backstage:"+fake.URL+"\"]\nbackstage:\n  token_file: "+tokenFile+"\n  ui_url: https://portal.example.com\n")
	withToken := map[string]string{"BACKSTAGE_TOKEN": backstageToken}
	tests := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		code  int
		out   []string
		err   []string
	}{
		{"ask", withToken, "", []string{"ask", "--catalog", "backstage:" + fake.URL, "who owns ledger-api"}, 0, []string{"ledger-api is owned by team-ledger"}, nil},
		{"ask with the config's token file and ui_url", nil, "", []string{"ask", "--config", cfgFile, "--json", "info ledger-api"}, 0, []string{"https://portal.example.com/catalog/default/component/ledger-api"}, nil},
		{"ask without a token", nil, "", []string{"ask", "--catalog", "backstage:" + fake.URL, "who owns ledger-api"}, 1, nil, []string{"401 Missing credentials", "BACKSTAGE_TOKEN", "backend.auth.externalAccess"}},
		{"chat", withToken, "who owns ledger-api\nteam team-ledger\n", []string{"chat", "--catalog", "backstage:" + fake.URL}, 0, []string{"ledger-api is owned by team-ledger", "ana"}, nil},
		{"validate", withToken, "", []string{"validate", "--json", "backstage:" + fake.URL}, 0, []string{`"name":"ledger-api"`, `"valid":true`}, nil},
		{"validate refuses a token in the URL", nil, "", []string{"validate", "backstage:https://x:" + backstageToken + "@h.example.com"}, 2, nil, []string{"[redacted]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(t.Context(), &Env{Stdin: strings.NewReader(tt.stdin), Stdout: &out, Stderr: &errb, Getenv: envOf(tt.env)}, tt.args)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, out.String(), errb.String())
			}
			for _, w := range tt.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q: %s", w, out.String())
				}
			}
			for _, w := range tt.err {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q: %s", w, errb.String())
				}
			}
			if strings.Contains(out.String()+errb.String(), backstageToken) {
				t.Error("the token was printed")
			}
		})
	}
}

func TestConfigReadsTheBackstageKeys(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(backstageToken+"\n"), 0o600)
	tests := []struct {
		name, text string
		env        map[string]string
		token      string
		docsBase   string
		err        string
	}{
		{"token file and ui_url", "backstage:\n  token_file: " + tokenFile + "\n  ui_url: https://portal.example.com/\n", nil,
			backstageToken, "https://portal.example.com/docs/{namespace}/{kind}/{name}/{path}", ""},
		{"the environment wins over the file", "backstage:\n  token_file: " + tokenFile + "\n", map[string]string{"BACKSTAGE_TOKEN": "from-env-123456"}, "from-env-123456", "", ""},
		{"docs.base_url set stays", "backstage:\n  ui_url: https://portal.example.com\ndocs:\n  base_url: https://docs.example.com/{name}\n", nil, "", "https://docs.example.com/{name}", ""},
		{"missing token file", "backstage:\n  token_file: /nonexistent/token\n", nil, "", "", "backstage.token_file: cannot read the secret file"},
		{"ui_url not a URL", "backstage:\n  ui_url: portal.example.com\n", nil, "", "", "backstage.ui_url: must be the Backstage UI's http(s) base URL"},
		{"unknown key", "backstage:\n  token: x\n", nil, "", "", "backstage.token: unknown key; known keys here: token_file, ui_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, tt.text), envOf(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.secrets.BackstageToken != tt.token || cfg.Docs.BaseURL != tt.docsBase {
				t.Errorf("token %q, docs.base_url %q", cfg.secrets.BackstageToken, cfg.Docs.BaseURL)
			}
			if strings.Contains(cfg.secrets.String(), backstageToken) {
				t.Error("Secrets.String shows the token")
			}
		})
	}
}
