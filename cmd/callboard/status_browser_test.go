package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/callboard/callboard/adapters/github/githubtest"
	"github.com/callboard/callboard/adapters/redis/redistest"
	"github.com/callboard/callboard/adapters/statuspage"
	"github.com/callboard/callboard/scaffold"
)

// brokenDescriptor depends on a component no one defines: a load problem
// at line 10 of github.com/acme/broken/catalog-info.yaml.
const brokenDescriptor = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: broken-thing
spec:
  type: service
  lifecycle: production
  owner: group:default/team-payments
  dependsOn:
    - component:default/ghost-service
`

const statusToken = "status-token-for-the-browser-7f3a"

// chromium is the browser binary, or the test ends: it fails with a clear
// message when CI is set (CI installs it), else it skips.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed: the status page's browser test needs it (Debian: apt-get install -y chromium; or set CHROMIUM_PATH)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifactDir is where the test keeps its screenshots:
// $CALLBOARD_TEST_ARTIFACTS when set, else a temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("CALLBOARD_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browser starts headless Chromium with a fresh profile and collects what
// its console reports as errors.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
	}
	// Generous: the machine is shared by several builds.
	ctx, cancelTime := context.WithTimeout(context.Background(), 3*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelTime() })
	b := &browser{ctx: bctx}
	if err := chromedp.Listen(bctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				msg = "console." + string(ev.Type)
				for _, a := range ev.Args {
					msg += " " + string(a.Value)
				}
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				msg = fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errors = append(b.errors, msg)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("chromium did not start (%s): %v", bin, err)
	}
	if _, err := chromedp.Call(bctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("chromium: Log.enable: %v", err)
	}
	return b
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// The status page in a real browser: two replicas of serve over a fake
// GitHub organisation and one Redis; a person logs in through the form
// and sees the sources, the load problem linked to its file on GitHub, the
// replicas with the leader, the failed job's error and the rate limit, with
// no console error; the page also fits a phone. Screenshots are kept in
// $CALLBOARD_TEST_ARTIFACTS (default: a temporary directory).
func TestStatusPageInABrowser(t *testing.T) {
	b := startBrowser(t)
	rs := redistest.Start(t, redistest.Config{})
	gh := githubtest.New(t)
	gh.AddOrg("acme")
	gh.AddToken("marker-status-gh-token-91ab")
	gh.AddRepo("acme", "ledger", map[string]string{"catalog-info.yaml": ledgerDescriptor})
	gh.AddRepo("acme", "broken", map[string]string{"catalog-info.yaml": brokenDescriptor})
	addr, otherAddr := freeAddr(t), freeAddr(t)
	cfgText := func(addr string) string {
		return fmt.Sprintf("server:\n  addr: %s\n  shutdown_timeout: 2s\ncatalog:\n  sources: [\"github:acme\"]\n  refresh_interval: 1h\ngithub:\n  api_url: %s\nredis:\n  url: %s\n", addr, gh.URL, rs.URL)
	}
	env := map[string]string{"GITHUB_TOKEN": "marker-status-gh-token-91ab", "CALLBOARD_STATUS_TOKEN": statusToken}
	a := startReplica(t, cfgText(addr), env, "a", nil).s
	other := startReplica(t, cfgText(otherAddr), env, "b", nil).s
	// Both replicas' heartbeats say they serve the leader's snapshot (the
	// follower beats again as soon as it swaps the published one in).
	waitFor(t, "both replicas to beat the same snapshot version", time.Minute, func() bool {
		beats, err := a.redis.Replicas.List(t.Context())
		return err == nil && len(beats) == 2 && beats[0].Version > 0 && beats[0].Version == beats[1].Version &&
			beats[0].Entities == 2 && beats[1].Entities == 2 && servesComponent(other, "broken-thing")
	})
	job := &scaffold.Job{ID: "job-status-1", Key: "k1", Template: "template:default/tiny-service", State: scaffold.JobFailed,
		Error: "publish:github: repository acme/ledger-export already exists", Created: time.Now().Add(-time.Hour), Requester: "slack:U1"}
	ok := &scaffold.Job{ID: "job-status-2", Key: "k2", Template: "template:default/tiny-service", State: scaffold.JobSucceeded, Created: time.Now()}
	for _, j := range []*scaffold.Job{job, ok} {
		if _, _, err := a.redis.Jobs.Create(t.Context(), j); err != nil {
			t.Fatal(err)
		}
	}
	// The page is read on the leader, whichever of the two won: it is the
	// one that knows the source's refresh and GitHub's rate limit.
	if !a.ingest.Leading() {
		a, other, addr = other, a, otherAddr
	}
	base := "http://" + addr
	dir := artifactDir(t)

	// Logged out: the login form, nothing else.
	if err := chromedp.Do(b.ctx, chromedp.Navigate(base+statuspage.PathPage), chromedp.WaitVisible(chromedp.CSS("#token"))); err != nil {
		t.Fatalf("login form: %v", err)
	}
	text, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "broken-thing") || strings.Contains(text, "acme") {
		t.Fatalf("the login form shows the report:\n%s", text)
	}
	// Log in as a person would.
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS("#token"), statusToken),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#sources")),
	); err != nil {
		t.Fatalf("login: %v", err)
	}
	text, err = chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Catalog sources", "github:acme", "ok",
		"Load problems", "github.com/acme/broken/catalog-info.yaml", "catalog-info.yaml:10", "ghost-service",
		"Ingest leader", "leader", "follower", "(this one)",
		"1 succeeded", "1 failed", "job-status-1", "repository acme/ledger-export already exists",
		"GitHub rate limit", "left", "Redis", "reachable", "Docs index",
	} {
		// Card titles are upper-cased by CSS, and innerText says so.
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("the page does not show %q", want)
		}
	}
	if strings.Contains(text, statusToken) || strings.Contains(text, "marker-status-gh-token-91ab") {
		t.Error("the page shows a secret")
	}
	links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a")).map(a => a.href)`))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(links, "\n")
	for _, want := range []string{
		"https://github.com/acme/broken/blob/HEAD/catalog-info.yaml",
		"https://github.com/acme/broken/blob/HEAD/catalog-info.yaml#L10",
		base + "/status.json",
	} {
		if !strings.Contains(joined+"\n", want+"\n") {
			t.Errorf("no link to %s; links:\n%s", want, joined)
		}
	}
	// The session is an HttpOnly cookie: scripts cannot read it.
	if c, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || c != "" {
		t.Errorf("document.cookie = %q, %v", c, err)
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "status-laptop.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// A phone: nothing wider than the screen, tables stacked as cards.
	if err := chromedp.Do(b.ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#sources")),
	); err != nil {
		t.Fatalf("phone: %v", err)
	}
	fit, err := chromedp.Run(b.ctx, chromedp.Evaluate[map[string]any](`({
		scroll: document.documentElement.scrollWidth, width: window.innerWidth,
		header: getComputedStyle(document.querySelector("table.stack thead")).display,
		cell: getComputedStyle(document.querySelector("table.stack td")).display })`))
	if err != nil {
		t.Fatal(err)
	}
	if fit["scroll"].(float64) > fit["width"].(float64) || fit["header"] != "none" || fit["cell"] != "block" {
		t.Errorf("the page does not fit a 390px phone: %v", fit)
	}
	shot, err = chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "status-phone.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(errs, "\n"))
	}
	t.Logf("screenshots in %s", dir)

	// /status.json: the same data, for the bearer token only.
	req, _ := http.NewRequest(http.MethodGet, base+statuspage.PathJSON, nil)
	req.Header.Set("Authorization", "Bearer "+statusToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep statuspage.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	leaders := 0
	for _, r := range rep.Replicas {
		if r.Leader {
			leaders++
			if r.ID != rep.Leader {
				t.Errorf("leader %q but replica %q says it leads", rep.Leader, r.ID)
			}
		}
		if r.Version == 0 {
			t.Errorf("replica %s serves no snapshot version", r.ID)
		}
	}
	if len(rep.Replicas) != 2 || leaders != 1 || rep.Jobs.ByState["failed"] != 1 || rep.GitHub == nil || rep.GitHub.Limit == 0 || rep.Redis != "ok" {
		t.Errorf("status.json: %+v", rep)
	}
	if r, _ := http.Get(base + statuspage.PathJSON); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("status.json without a token: %d", r.StatusCode)
	}
}
