package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// axeRules are the rule sets the pages must pass: WCAG 2.0 and 2.1, levels
// A and AA, and axe's best practices.
const axeRules = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']`

// axeViolation is one failed rule as axe reports it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// TestAccessibility runs axe-core inside Chromium on the canvas pages, with
// content in every part of them, and on the API reference, and wants no
// violation at all. The script
// is evaluated through the DevTools protocol, which the pages' CSP (no
// inline or foreign script) does not govern.
func TestAccessibility(t *testing.T) {
	axe := axeSource(t)
	base, db := browserSite(t)
	seedCreditRisk(t, db)
	seedPeople(t, db)
	poster := seedCanvasForA11y(t, db)
	seedTelemetryForA11y(t, db)
	b := startBrowser(t, 120*time.Second)
	b.login(base, poster)

	// The harness itself: a planted image without a text alternative must
	// be reported, or a clean result would prove nothing.
	b.open(base + poster)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("main").append(Object.assign(document.createElement("img"), {src: "data:image/gif;base64,R0lGODlhAQABAAAAACw="}))`)); err != nil {
		t.Fatalf("plant a violation: %v", err)
	}
	if got := runAxe(t, b, axe); len(got) == 0 || !strings.Contains(describeViolations(got), "image-alt") {
		t.Fatalf("axe did not report the planted image without alt text; it said:\n%s", describeViolations(got))
	}

	for _, tc := range []struct{ name, path string }{
		{"poster", poster},
		{"section editor", poster + "/sections/problem-definition"},
		{"objective section", poster + "/sections/objective-setting"},
		{"diff", poster + "/diff?from=1&to=2"},
		{"decision", "/usecases/credit-risk/decisions/1"},
		{"stakeholders", "/usecases/credit-risk/stakeholders"},
		{"files", "/usecases/credit-risk/artifacts"},
		{"telemetry", "/usecases/credit-risk/telemetry"},
		{"iteration", poster + "/iterations/1"},
		{"print", poster + "/print"},
		{"account", "/account"},
		{"use case", "/usecases/credit-risk"},
		{"use-case list", "/usecases"},
		{"API reference", "/docs/api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			b.open(base + tc.path)
			if tc.name == "telemetry" {
				// The page in use: keys and predictions, not an empty state.
				text, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
				if err != nil || !strings.Contains(text, "loan service") || !strings.Contains(text, "scorer v1") {
					t.Fatalf("the telemetry page shows no keys or predictions (%v):\n%s", err, text)
				}
			}
			if got := runAxe(t, b, axe); len(got) > 0 {
				t.Fatalf("axe found %d violation(s) on %s:\n%s", len(got), tc.path, describeViolations(got))
			}
		})
	}
}

// axeSource reads axe-core from tools/node_modules. Without it the test is
// skipped on a workstation and fails in CI, where .ci/run installs it.
func axeSource(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(wd, "..", "..", "tools", "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but axe-core is missing (%v); run npm ci in tools/", err)
		}
		t.Skipf("axe-core is not installed (%v); run: cd tools && npm ci", err)
	}
	return string(src)
}

// runAxe injects axe into the open page, unless it is already there, and
// returns the violations.
func runAxe(t *testing.T, b *browser, axe string) []axeViolation {
	t.Helper()
	loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("look for axe: %v", err)
	}
	if !loaded {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	script := `axe.run(document, {runOnly: {type: 'tag', values: ` + axeRules + `}, resultTypes: ['violations']})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target, html: n.html}))})))`
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe: %v", err)
	}
	return got
}

// describeViolations prints each violation with its first offending node.
func describeViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "- %s (%s): %s", v.ID, v.Impact, v.Help)
		if len(v.Nodes) > 0 {
			fmt.Fprintf(&b, "\n    at %v: %.200s", v.Nodes[0].Target, v.Nodes[0].HTML)
			if len(v.Nodes) > 1 {
				fmt.Fprintf(&b, " (and %d more)", len(v.Nodes)-1)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// seedCanvasForA11y builds a canvas with every kind of content the pages
// render: text in several states, a comment, an objective, two iterations
// with a change between them and a decision linked to a section. It
// returns the canvas's address.
func seedCanvasForA11y(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx, _ := asGrace(t, db)
	lib, err := canvas.LoadLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, _ := lib.Get("human-centric-mlops")
	c, err := db.CreateCanvas(ctx, "credit-risk", tpl, "Loan decisions", nil)
	if err != nil {
		t.Fatal(err)
	}
	poster := render.CanvasPath("credit-risk", c.ID)
	text := "Officers spend two days on each application."
	if _, err := db.SaveSection(ctx, "credit-risk", c.ID, canvas.SectionEdit{SectionID: "problem-definition", Content: &text}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddComment(ctx, "credit-risk", c.ID, "problem-definition", "Is that the **median**?"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishIteration(ctx, "credit-risk", c.ID, "First workshop"); err != nil {
		t.Fatal(err)
	}
	fillPoster(t, db, poster)
	text += " Half of it is retyping bank statements."
	if _, err := db.SaveSection(ctx, "credit-risk", c.ID, canvas.SectionEdit{SectionID: "problem-definition", Content: &text, BaseVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishIteration(ctx, "credit-risk", c.ID, "Second workshop"); err != nil {
		t.Fatal(err)
	}
	o := canvas.Objective{SectionID: "objective-setting", Metric: "applications decided within a day", Comparator: ">=", Target: 0.8, MeasuredAt: canvas.AtBusiness, Window: "30d"}
	if _, err := db.CreateObjective(ctx, "credit-risk", c.ID, o); err != nil {
		t.Fatal(err)
	}
	d := decision.Decision{Title: "Officers keep the final say", Context: "A wrong rejection costs a customer.", Decision: "The model *recommends*.",
		Status: decision.Accepted, DecidedBy: "Credit committee", DecidedAt: "2026-11-20",
		Links: []decision.Link{{Kind: "section", Target: "problem-definition"}, {Kind: "url", Target: "https://example.org/policy"}, {Kind: "version", Target: "model credit-risk v7"}}}
	if _, err := db.CreateDecision(ctx, "credit-risk", d); err != nil {
		t.Fatal(err)
	}
	return poster
}

// seedTelemetryForA11y gives the credit-risk use case what its Telemetry
// page shows when in use: a model version, an ingestion key, a revoked one,
// and a day of predictions with features, so the accessibility check sees
// the keys table, the predictions table and the hourly counts.
func seedTelemetryForA11y(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	ref := registry.Ref{Kind: registry.Model, Name: "scorer"}
	if _, err := db.CreateAsset(ctx, "credit-risk", registry.Asset{Kind: ref.Kind, Name: ref.Name}); err != nil {
		t.Fatal(err)
	}
	v, err := db.CreateVersion(ctx, "credit-risk", ref, registry.Version{URI: "s3://models/scorer/1", Digest: strings.Repeat("ab", 32), Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateIngestKey(ctx, "credit-risk", "loan service", "scorer"); err != nil {
		t.Fatal(err)
	}
	old, _, err := db.CreateIngestKey(ctx, "credit-risk", "old pipeline", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RevokeIngestKey(ctx, "credit-risk", old.ID); err != nil {
		t.Fatal(err)
	}
	u, err := db.GetUseCase(ctx, "credit-risk")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var preds []telemetry.Prediction
	for i := range 48 {
		score, latency := float64(i%10)/10, float64(10+i%7)
		label := "approve"
		if score >= 0.5 {
			label = "refer"
		}
		preds = append(preds, telemetry.Prediction{ID: fmt.Sprintf("a11y-%02d", i), Model: "scorer", Version: "1",
			ModelAssetID: v.AssetID, ModelVersion: v.Number, Time: now.Add(-time.Duration(i) * 30 * time.Minute),
			Segments: map[string]string{"region": "north"}, Features: map[string]any{"income": 40000.0 + float64(i)*500, "sector": "retail"},
			Output: telemetry.Output{Label: &label, Score: &score}, LatencyMS: &latency, Source: "api"})
	}
	if _, err := db.WriteTelemetry(ctx, []store.TelemetryBatch{{UseCaseID: u.ID, Predictions: preds}}); err != nil {
		t.Fatal(err)
	}
}
