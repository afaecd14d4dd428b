package web

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const chromiumPath = "/usr/bin/chromium"

// cspWatch runs in every page before its own scripts and records anything
// the Content-Security-Policy blocked, such as an inline style.
const cspWatch = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});`

// TestBrowserFlow drives a real Chromium through the pages: log in, create
// a use case, move it to the next stage, find it in the list with its new
// stage and find the move in the audit trail. It saves a screenshot of each
// page for people to look at.
func TestBrowserFlow(t *testing.T) {
	b := startBrowser(t, 60*time.Second)
	base, db := browserSite(t)

	// A page that needs a login sends the browser to the form, and back.
	b.open(base + "/usecases")
	b.wantPath("/login")
	b.screenshot("login.png")
	b.do(chromedp.SendKeys(chromedp.ID("email"), "grace@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submit(chromedp.CSS(`form[action="/login"] button[type="submit"]`))
	b.wantPath("/usecases")
	b.wantText(chromedp.CSS("main"), "No use cases yet")
	b.screenshot("empty.png")

	// Create a use case through the form.
	b.submit(chromedp.CSS(`main a[href="/usecases/new"]`))
	b.do(chromedp.SendKeys(chromedp.ID("name"), "Churn forecast"),
		chromedp.SendKeys(chromedp.ID("summary"), "Which subscribers are about to leave, so the retention team can call them first?"))
	b.screenshot("new.png")
	b.submit(chromedp.CSS(`form[action="/usecases/new"] button[type="submit"]`))
	b.wantPath("/usecases/churn-forecast")
	b.wantText(chromedp.CSS(".notice"), "Use case created.")
	b.wantText(chromedp.CSS(`.step[aria-current="step"]`), "Scoping")

	// Move it to the next stage, which the form offers first.
	if to := b.value(chromedp.ID("to")); to != "data" {
		t.Fatalf("the stage form offers %q first, want data", to)
	}
	b.do(chromedp.SendKeys(chromedp.ID("note"), "The scoping workshop signed off the objectives."))
	b.submit(chromedp.CSS(`form.move-form button[type="submit"]`))
	b.wantPath("/usecases/churn-forecast")
	b.wantText(chromedp.CSS(".notice"), "Stage changed.")
	b.wantText(chromedp.CSS(`.step[aria-current="step"]`), "Data")
	b.wantText(chromedp.CSS(".timeline"), "The scoping workshop signed off the objectives.")
	b.screenshot("usecase.png")

	// The list shows it with its new stage, among a few others.
	seedNeighbours(t, db)
	b.open(base + "/usecases")
	row := b.text(chromedp.CSS(`tbody tr:has(a[href="/usecases/churn-forecast"])`))
	if !strings.Contains(row, "Churn forecast") || !strings.Contains(row, "Data") {
		t.Fatalf("list row %q, want the use case in stage Data", row)
	}
	b.screenshot("list.png")

	// The audit trail has the move.
	b.open(base + "/audit")
	b.wantText(chromedp.CSS("tbody"), "usecase.transition")
	b.screenshot("audit.png")

	// The other pages, for the eye.
	b.open(base + "/tokens")
	b.do(chromedp.SendKeys(chromedp.ID("name"), "nightly training job"))
	b.submit(chromedp.CSS(`form[action="/tokens"] button[type="submit"]`))
	b.wantText(chromedp.CSS("#secret-h"), "copy it now")
	b.screenshot("tokens.png")
	b.open(base + "/admin/users")
	b.screenshot("users.png")
	b.open(base + "/admin/teams/forecasting")
	b.screenshot("team.png")
	b.open(base + "/usecases/no-such-thing")
	b.screenshot("error.png")

	// A phone-sized screen.
	b.do(chromedp.EmulateViewport(375, 812))
	b.open(base + "/usecases/churn-forecast")
	b.screenshot("usecase-phone.png")
}

// browserSite serves Atrium on a loopback port over a fresh database with
// one administrator in one team.
func browserSite(t *testing.T) (string, *store.DB) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db := testDB(t)
	grace, err := db.CreateUser(ctx, identity.User{Email: "grace@example.org", Name: "Grace Hopper", Admin: true}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, identity.User{Email: "ada@example.org", Name: "Ada Lovelace"}, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "forecasting", Name: "Forecasting"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeamMember(ctx, "forecasting", grace.ID); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{DB: db, Version: "browser-test", Artifacts: testBlobs(t)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL, db
}

// seedNeighbours adds use cases in other stages, so the list looks like a
// list.
func seedNeighbours(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	ada, err := db.GetUserByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []usecase.UseCase{
		{Name: "Invoice fraud screening", Summary: "Flag invoices that look like known fraud patterns before payment.", Stage: usecase.Deployment},
		{Name: "Support ticket routing", Summary: "Send each ticket to the team that can solve it.", Stage: usecase.Usage},
		{Name: "Energy demand forecast", Stage: usecase.Modelling},
		{Name: "Legacy price model", Summary: "Replaced by the pricing service.", Stage: usecase.Retired},
	} {
		u.TeamSlug, u.OwnerID = "forecasting", ada.ID
		if _, err := db.CreateUseCase(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

// artifactDir is where screenshots go: $ATRIUM_TEST_ARTIFACTS, or
// test-artifacts/ at the root of the repository (ignored by git).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ATRIUM_TEST_ARTIFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for root := wd; ; root = filepath.Dir(root) {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				dir = filepath.Join(root, "test-artifacts")
				break
			}
			if filepath.Dir(root) == root {
				t.Fatalf("no go.mod above %s", wd)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser wraps a chromedp tab with steps that fail the test on error.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open loads a page and checks it loaded with a status below 400, except
// the error pages, which are expected to say so.
func (b *browser) open(url string) {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	b.checkLoad(url, resp, err)
}

// submit clicks a button or link and waits for the page it leads to.
func (b *browser) submit(sel chromedp.CSS) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel, chromedp.NodeVisible))
	b.checkLoad(string(sel), resp, err)
}

func (b *browser) checkLoad(what string, resp *network.Response, err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	if resp.Status >= 400 && !strings.Contains(what, "no-such-thing") {
		b.t.Fatalf("browser: %s answered %d %s", what, resp.Status, resp.StatusText)
	}
	violations, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.isArray(window.__csp) ? window.__csp : ["nothing: the watcher did not run"]`))
	if err != nil {
		b.t.Fatalf("browser: read CSP report: %v", err)
	}
	if len(violations) > 0 {
		b.t.Fatalf("browser: %s: the Content-Security-Policy blocked %v", what, violations)
	}
}

func (b *browser) text(sel chromedp.CSS) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(sel, chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) value(sel chromedp.ID) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(sel))
	if err != nil {
		b.t.Fatalf("browser: value of %s: %v", sel, err)
	}
	return s
}

func (b *browser) wantText(sel chromedp.CSS, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("browser: %s says %q, want %q in it", sel, got, want)
	}
}

func (b *browser) wantPath(want string) {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	_, rest, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(loc, "http://"), "https://"), "/")
	path, _, _ := strings.Cut("/"+rest, "?")
	if path != want {
		b.t.Fatalf("browser: at %s, want path %s", loc, want)
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(b.shots, name), png, 0o644)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
}

// startBrowser starts a headless Chromium with the flags this machine needs
// (no sandbox as root, no background traffic) and the CSP watcher, or skips the test when Chromium is missing (fails
// under CI=true).
func startBrowser(t *testing.T, timeout time.Duration) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but Chromium is missing at %s: %v", chromiumPath, err)
		}
		t.Skipf("Chromium is not installed at %s", chromiumPath)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{t: t, ctx: tab, shots: artifactDir(t)}
}
