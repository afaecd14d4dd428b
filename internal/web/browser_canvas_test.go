package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// TestBrowserCanvasFlow takes a canvas from empty to published twice in a
// real Chromium: fill a section, comment on it, publish, change it,
// publish again, read the diff, add a stakeholder and a decision, and find
// both on the poster. It saves a screenshot of each page.
func TestBrowserCanvasFlow(t *testing.T) {
	base, db := browserSite(t)
	seedCreditRisk(t, db)
	b := startBrowser(t, 120*time.Second)
	b.login(base, "/usecases/credit-risk")

	// Start a human-centric canvas from the use case's page.
	b.wantText(chromedp.CSS("#canvases"), "No canvas yet")
	b.submit(chromedp.CSS(`#canvases a[href="/usecases/credit-risk/canvases"]`))
	b.do(chromedp.Click(chromedp.ID("tpl-human-centric-mlops"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("title"), "Loan decisions"))
	b.submit(chromedp.CSS(`form[action="/usecases/credit-risk/canvases"] button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Canvas created.")
	poster := b.path()
	b.wantText(chromedp.CSS("#s-problem-definition"), "Which challenge or opportunity")

	// Write the problem definition, then discuss it.
	b.submit(chromedp.CSS(`#s-problem-definition h3 a`))
	b.do(chromedp.SendKeys(chromedp.ID("content"), "Loan officers spend **two days** on each small-business application."))
	b.submit(chromedp.CSS(`form.editor-form button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Section saved.")
	b.do(chromedp.SendKeys(chromedp.ID("body"), "Do we have the numbers for *rejected* applications too?"))
	b.submit(chromedp.CSS(`form.comment-form button[type="submit"]`))
	b.wantText(chromedp.CSS(".thread"), "applications too?")
	b.screenshot("section.png")

	// Publish iteration 1, change the text, publish iteration 2.
	b.open(base + poster)
	b.do(chromedp.SendKeys(chromedp.ID("message"), "After the kick-off workshop"))
	b.submit(chromedp.CSS(`form.publish-form button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Iteration published.")
	b.open(base + poster + "/sections/problem-definition")
	b.do(chromedp.SetValue(chromedp.ID("content"), "Loan officers spend two days on each small-business application, and half of that is spent retyping bank statements."))
	b.submit(chromedp.CSS(`form.editor-form button[type="submit"]`))
	b.open(base + poster)
	b.do(chromedp.SendKeys(chromedp.ID("message"), "Sharper problem statement"))
	b.submit(chromedp.CSS(`form.publish-form button[type="submit"]`))

	// The diff from 1 to 2 shows the inserted words.
	b.open(base + poster + "/diff")
	b.do(chromedp.SetValue(chromedp.ID("from"), "1"), chromedp.SetValue(chromedp.ID("to"), "2"))
	b.submit(chromedp.CSS(`form.filters button[type="submit"]`))
	inserted, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#d-problem-definition ins")).map(e => e.textContent).join(" | ")`))
	if err != nil || !strings.Contains(inserted, "retyping bank statements") {
		t.Fatalf("inserted words in the diff: %q (%v), want them to hold \"retyping bank statements\"", inserted, err)
	}
	b.screenshot("diff.png")

	// A decision-maker joins the register.
	b.open(base + "/usecases/credit-risk/stakeholders")
	b.do(chromedp.SetValue(chromedp.ID("new-kind"), "decision-maker"),
		chromedp.SendKeys(chromedp.ID("new-name"), "Head of lending"),
		chromedp.SendKeys(chromedp.ID("new-role"), "Owns the credit policy"),
		chromedp.SendKeys(chromedp.ID("new-before"), "Wants decisions in one day without more defaults."),
		chromedp.SendKeys(chromedp.ID("new-after"), "Reviews the default rate every quarter."))
	b.submit(chromedp.CSS(`#add button[type="submit"]`))
	b.wantText(chromedp.CSS("#decision-maker"), "Head of lending")
	seedPeople(t, db)
	b.open(base + "/usecases/credit-risk/stakeholders")
	b.screenshot("stakeholders.png")

	// A decision linked to the problem definition.
	b.open(base + "/usecases/credit-risk/decisions/new")
	b.do(chromedp.SendKeys(chromedp.ID("title"), "Officers keep the final say on every rejection"),
		chromedp.SetValue(chromedp.ID("status"), "accepted"),
		chromedp.SendKeys(chromedp.ID("decided_by"), "Credit committee"),
		chromedp.SendKeys(chromedp.ID("context"), "The score will rank applications; a wrong rejection costs a customer."),
		chromedp.SendKeys(chromedp.ID("decision"), "The model **recommends**; a loan officer decides."),
		chromedp.SendKeys(chromedp.ID("rationale"), "Keeps a person accountable and satisfies the lending policy."),
		chromedp.SendKeys(chromedp.ID("links"), "section: problem-definition"))
	b.submit(chromedp.CSS(`form.decision-form button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Decision recorded.")
	b.wantText(chromedp.CSS(".link-list"), "Problem definition")
	b.screenshot("decision.png")

	// Both show on the poster: the note in the people grid, the decision
	// in the problem definition's card.
	b.open(base + poster)
	b.wantText(chromedp.CSS("#s-decision-makers"), "Wants decisions in one day")
	b.wantText(chromedp.CSS("#s-problem-definition"), "Officers keep the final say")
	fillPoster(t, db, poster)
	b.do(chromedp.EmulateViewport(1720, 1100))
	b.open(base + poster)
	b.screenshot("canvas.png")
	b.open(base + poster + "/print")
	b.screenshot("print.png")
	b.open(base + seedMLOpsCanvas(t, db))
	b.screenshot("canvas-mlops.png")
	b.do(chromedp.EmulateViewport(1280, 900))
	b.open(base + "/usecases/credit-risk/canvases")
	b.screenshot("canvases.png")
	b.open(base + "/usecases/credit-risk")
	b.screenshot("usecase-canvases.png")
	b.open(base + poster + "/iterations")
	b.screenshot("iterations.png")
	b.open(base + poster)
	b.screenshot("canvas-laptop.png")
	b.do(chromedp.EmulateViewport(390, 844))
	b.open(base + poster)
	b.screenshot("canvas-phone.png")
}

// login signs Grace in through the form and lands on next.
func (b *browser) login(base, next string) {
	b.t.Helper()
	b.open(base + next)
	b.wantPath("/login")
	b.do(chromedp.SendKeys(chromedp.ID("email"), "grace@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submit(chromedp.CSS(`form[action="/login"] button[type="submit"]`))
	b.wantPath(next)
}

// path is the current page's path.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	_, rest, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(loc, "http://"), "https://"), "/")
	p, _, _ := strings.Cut("/"+rest, "?")
	return p
}

// seedCreditRisk adds the use case the canvas flow works on.
func seedCreditRisk(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	grace, err := db.GetUserByEmail(ctx, "grace@example.org")
	if err != nil {
		t.Fatal(err)
	}
	u := usecase.UseCase{Slug: "credit-risk", Name: "Small-business credit risk", TeamSlug: "forecasting", OwnerID: grace.ID,
		Summary: "Score small-business loan applications so officers can decide faster without taking on more bad loans."}
	if _, err := db.CreateUseCase(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// asGrace is a context acting as the browser test's administrator.
func asGrace(t *testing.T, db *store.DB) (context.Context, string) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	grace, err := db.GetUserByEmail(ctx, "grace@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return atrium.WithActor(ctx, atrium.Actor{UserID: grace.ID, Email: grace.Email, Name: grace.Name, Admin: true}), grace.ID
}

// seedPeople fills the register beyond the one entry typed in the browser,
// so the screenshots show a register in use.
func seedPeople(t *testing.T, db *store.DB) {
	t.Helper()
	ctx, _ := asGrace(t, db)
	for _, sh := range []people.Stakeholder{
		{Kind: people.User, Name: "Loan officers", Role: "12 people in three branches", Concerns: "Being blamed for the model's mistakes.",
			Before: "Retype bank statements by hand; most of the day goes on paperwork.", During: "Half-day training with their own past cases.", After: "Ask whether the score saved them time."},
		{Kind: people.PersonAffected, Name: "Small-business applicants", Concerns: "A rejection nobody can explain.",
			Before: "Wait up to two weeks for an answer.", During: "Are told a model helps assess their application.", After: "Can ask for the reasons behind a rejection."},
		{Kind: people.TestPilot, Name: "Branch Leeds-North", Role: "first branch on the new process", Subjects: []string{"officer-104", "officer-117", "officer-121"}},
	} {
		if _, err := db.CreateStakeholder(ctx, "credit-risk", sh); err != nil {
			t.Fatal(err)
		}
	}
}

// fillPoster writes more of the canvas, in different states, so the
// poster screenshot shows a canvas half-way through planning.
func fillPoster(t *testing.T, db *store.DB, poster string) {
	t.Helper()
	ctx, graceID := asGrace(t, db)
	id := poster[strings.LastIndex(poster, "/")+1:]
	c, _, err := db.GetCanvas(ctx, "credit-risk", id)
	if err != nil {
		t.Fatal(err)
	}
	header := map[string]string{"user-name": "Grace Hopper", "team-name": "Lending analytics", "use-case-name": "Small-business credit risk", "canvas-date": "2026-11-27"}
	if _, err := db.UpdateCanvasHeader(ctx, "credit-risk", id, nil, header, c.Version); err != nil {
		t.Fatal(err)
	}
	agreed, review, draft := canvas.Agreed, canvas.InReview, canvas.Draft
	for _, s := range []struct {
		id, text string
		status   *canvas.Status
	}{
		{"objective-setting", "- Decide **80 %** of applications within one working day.\n- Keep the default rate at or below today's 2.1 %.\n- Officers rate the tool useful after three months.", &agreed},
		{"feasibility", "Five years of applications with outcomes are in the loan system. Bank statements arrive as PDFs; extracting them is the hard part.", &review},
		{"stakeholder-engagement", "Monthly demo for the credit committee; officers join every second sprint review.", &draft},
		{"data-acquisition", "Loan system export (owner: credit operations), bank statements (owner: the applicant, with consent), public company register.", &review},
		{"data-preparation", "Statements parsed into monthly cash-flow features. The last six months are held back as the reference set.", &draft},
		{"requirements", "Every score comes with its three strongest reasons. A false approval costs roughly ten times a false rejection.", &agreed},
		{"model-selection-evaluation", "Gradient-boosted trees against a logistic baseline; judged on recall of defaults at a fixed approval rate.", &draft},
		{"integration", "A scoring call from the loan system when an application is complete; the score and reasons appear in the officer's queue.", &draft},
		{"rollout-strategy", "Leeds-North first for six weeks, then three more branches if decision time halves and defaults do not rise.", &review},
	} {
		text := s.text
		if _, err := db.SaveSection(ctx, "credit-risk", id, canvas.SectionEdit{SectionID: s.id, Content: &text, Status: s.status, OwnerID: &graceID}); err != nil {
			t.Fatal(err)
		}
	}
}

// seedMLOpsCanvas adds a partly written Machine Learning Operations Canvas
// and returns its address.
func seedMLOpsCanvas(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx, _ := asGrace(t, db)
	lib, _ := canvas.LoadLibrary("")
	tpl, _ := lib.Get("mlops-canvas-v0.1")
	header := map[string]string{"product-name": "Credit score service", "designed-by": "Lending analytics", "date": "2026-11-27", "iteration": "2"}
	c, err := db.CreateCanvas(ctx, "credit-risk", tpl, "Running the credit score", header)
	if err != nil {
		t.Fatal(err)
	}
	agreed, draft := canvas.Agreed, canvas.Draft
	for _, s := range []struct {
		id, text string
		status   *canvas.Status
	}{
		{"background", "Small-business loans take two days to decide; competitors answer within hours.", &agreed},
		{"value-proposition", "Faster answers for applicants, less paperwork for officers, no rise in defaults.", &agreed},
		{"data-collection", "Nightly export from the loan system; bank statements on upload. About 900 applications a month.", &draft},
		{"inference", "A small HTTP service next to the loan system; one score per completed application.", &draft},
	} {
		text := s.text
		if _, err := db.SaveSection(ctx, "credit-risk", c.ID, canvas.SectionEdit{SectionID: s.id, Content: &text, Status: s.status}); err != nil {
			t.Fatal(err)
		}
	}
	return render.CanvasPath("credit-risk", c.ID)
}
