package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRegistry walks the registry of the credit-risk use case in a
// real Chromium: from the use case's page to the registry, a model with
// its alias timeline, a point-in-time question, an alias move, a dataset
// version with its profile, and a prompt rendered through its form. It
// saves a screenshot of each page.
func TestBrowserRegistry(t *testing.T) {
	base, db := browserSite(t)
	seedCreditRisk(t, db)
	ctx, _ := asGrace(t, db)
	seedRegistryData(t, db, ctx, "credit-risk")
	seedLineageData(t, db, ctx, "credit-risk")
	seedRuns(t, db, ctx, "credit-risk")
	b := startBrowser(t, 120*time.Second)
	b.login(base, "/usecases/credit-risk")

	b.submit(chromedp.CSS(`#canvases a[href="/usecases/credit-risk/registry"]`))
	b.wantPath("/usecases/credit-risk/registry")
	b.wantText(chromedp.CSS("main"), "champion → v2")
	b.screenshot("registry.png")

	b.submit(chromedp.CSS(`a[href="/usecases/credit-risk/registry/model/credit-score"]`))
	b.wantText(chromedp.CSS("#timeline"), "Beat version 1 on recall")
	spans, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline .chart-timeline .chart-span").length`))
	if err != nil || spans != 3 {
		t.Fatalf("alias timeline spans: %d (%v), want 3 (champion v1, v2; staging v2)", spans, err)
	}
	b.wantText(chromedp.CSS("#aliases"), "champion")
	b.screenshot("registry-asset.png")

	// Which version was champion on 9 November at noon?
	b.do(chromedp.SendKeys(chromedp.ID("at-alias"), "champion"),
		chromedp.SetValue(chromedp.ID("at-time"), "2026-11-09T12:00"))
	b.submit(chromedp.CSS(`#as-of button[type="submit"]`))
	b.wantText(chromedp.CSS("#as-of .result"), "pointed at v1")

	// Promote v2 to production with a reason.
	b.do(chromedp.SendKeys(chromedp.ID("alias"), "production"),
		chromedp.SetValue(chromedp.ID("alias-version"), "2"),
		chromedp.SendKeys(chromedp.ID("alias-reason"), "Approved by the credit committee."))
	b.submit(chromedp.CSS(`#move-alias button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Alias moved.")
	b.wantText(chromedp.CSS("#timeline"), "Approved by the credit committee.")
	b.open(base + "/usecases/credit-risk/registry/model/credit-score#timeline")
	b.do(chromedp.Click(chromedp.CSS("#timeline summary"), chromedp.NodeVisible))
	b.screenshot("registry-alias-timeline.png")

	b.open(base + "/usecases/credit-risk/registry/dataset/applications/1")
	b.wantText(chromedp.CSS("#columns"), "direct-identifier")
	b.wantText(chromedp.CSS("#profile"), "Bins of monthly_revenue as a table")
	bars, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#profile .chart-histogram .chart-bar").length`))
	if err != nil || bars != 6 {
		t.Fatalf("histogram bars: %d (%v), want 6", bars, err)
	}
	b.screenshot("registry-dataset-version.png")

	b.open(base + "/usecases/credit-risk/registry/model/credit-score/2")
	b.wantText(chromedp.CSS("#model"), "applications v1")
	b.screenshot("registry-model-version.png")

	b.open(base + "/usecases/credit-risk/registry/prompt/decision-letter/1")
	b.do(chromedp.SendKeys(chromedp.ID("var-applicant"), "Ms Okafor"),
		chromedp.SendKeys(chromedp.ID("var-decision"), "approved"),
		chromedp.SendKeys(chromedp.ID("var-reasons"), "steady revenue over three years"))
	b.submit(chromedp.CSS(`#render button[type="submit"]`))
	if got := b.text(chromedp.CSS("#render pre")); !strings.Contains(got, "Dear Ms Okafor,") {
		t.Fatalf("rendered prompt %q", got)
	}
	b.screenshot("registry-prompt.png")

	// The lineage graph, from the registry page.
	b.open(base + "/usecases/credit-risk/registry")
	b.submit(chromedp.CSS(`a[href="/usecases/credit-risk/lineage"]`))
	nodes, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chart-lineage .chart-node").length`))
	if err != nil || nodes < 5 {
		t.Fatalf("lineage nodes: %d (%v), want the 5 versions with edges", nodes, err)
	}
	b.wantText(chromedp.CSS("main table"), "derived from")
	b.screenshot("registry-lineage.png")
	b.open(base + "/usecases/credit-risk/registry/model/credit-score/2#evaluations")
	b.wantText(chromedp.CSS("#evaluations"), "met")
	b.screenshot("registry-model-evaluations.png")

	// Confirm a classification the profile only suggested.
	b.open(base + "/usecases/credit-risk/registry/dataset/applications/2")
	b.do(chromedp.SetValue(chromedp.ID("class-3"), "none"), chromedp.SendKeys(chromedp.ID("consent"), "Not needed: contract."))
	b.submit(chromedp.CSS(`.sensitivity-form button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Sensitivity saved")
	b.wantText(chromedp.CSS("#sensitivity"), "Revision 2")
	b.screenshot("registry-sensitivity.png")

	// Runs, and one run's metric charts.
	b.open(base + "/usecases/credit-risk/registry")
	b.submit(chromedp.CSS(`a[href="/usecases/credit-risk/runs"]`))
	b.submit(chromedp.CSS(`main table a.strong-link`))
	b.wantText(chromedp.CSS("h1"), "gbm-depth-5")
	lines, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#metrics .chart-line").length`))
	if err != nil || lines != 2 {
		t.Fatalf("metric charts: %d (%v), want 2 (auc, loss)", lines, err)
	}
	b.screenshot("registry-run.png")

	b.do(chromedp.EmulateViewport(390, 844))
	b.open(base + "/usecases/credit-risk/registry/model/credit-score")
	b.screenshot("registry-asset-phone.png")
}

// TestAccessibilityRegistry runs axe-core on every registry page, with
// content in every part of them, and wants no violation.
func TestAccessibilityRegistry(t *testing.T) {
	axe := axeSource(t)
	base, db := browserSite(t)
	seedCreditRisk(t, db)
	ctx, _ := asGrace(t, db)
	seedRegistryData(t, db, ctx, "credit-risk")
	seedLineageData(t, db, ctx, "credit-risk")
	run := seedRuns(t, db, ctx, "credit-risk")
	b := startBrowser(t, 120*time.Second)
	b.login(base, "/usecases/credit-risk/registry")
	reg := "/usecases/credit-risk/registry"
	for _, tc := range []struct{ name, path string }{
		{"registry", reg},
		{"registry of one kind", reg + "?kind=dataset"},
		{"model", reg + "/model/credit-score"},
		{"model at a time", reg + "/model/credit-score?alias=champion&at=2026-11-09T12:00"},
		{"dataset version", reg + "/dataset/applications/1"},
		{"model version", reg + "/model/credit-score/1"},
		{"prompt version", reg + "/prompt/decision-letter/1"},
		{"prompt", reg + "/prompt/decision-letter"},
		{"lineage", "/usecases/credit-risk/lineage"},
		{"runs", "/usecases/credit-risk/runs"},
		{"run", "/usecases/credit-risk/runs/" + run},
		{"model version with evaluations", reg + "/model/credit-score/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			b.open(base + tc.path)
			// Open every disclosure so that what is inside is checked too.
			if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`)); err != nil {
				t.Fatal(err)
			}
			if got := runAxe(t, b, axe); len(got) > 0 {
				t.Fatalf("axe found %d violation(s) on %s:\n%s", len(got), tc.path, describeViolations(got))
			}
		})
	}
}
