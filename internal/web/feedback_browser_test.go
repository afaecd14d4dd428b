package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/identity"
	ingestion "github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// feedbackSite serves Atrium with an ingester on a loopback port, with
// Grace (administrator) owning the credit-risk use case, whose model has
// answered three loan applications, and a host application on another
// port that embeds the feedback widget. It returns Atrium's address, the
// host's, and the link's secret.
func feedbackSite(t *testing.T) (base, host, secret string, db *store.DB) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db = testDB(t)
	grace, err := db.CreateUser(ctx, identity.User{Email: "grace@example.org", Name: "Grace Hopper", Admin: true}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "forecasting", Name: "Forecasting"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeamMember(ctx, "forecasting", grace.ID); err != nil {
		t.Fatal(err)
	}
	ps, err := telemetry.NewPseudonymiser([]byte("pseudonym test key, 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	in := ingestion.New(ingestion.Options{DB: db, Pseudonymiser: ps, Linger: time.Millisecond})
	t.Cleanup(in.Close)
	srv, err := New(Options{DB: db, Version: "browser-test", Artifacts: testBlobs(t), Ingester: in})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	seedCreditRisk(t, db)
	g, _ := asGrace(t, db)
	ref := registry.Ref{Kind: registry.Model, Name: "credit-score"}
	if _, err := db.CreateAsset(g, "credit-risk", registry.Asset{Kind: registry.Model, Name: "credit-score"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateVersion(g, "credit-risk", ref, registry.Version{URI: "s3://models/credit-score/1", Digest: testDigest}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateDecision(g, "credit-risk", decision.Decision{Title: "Read revenue from the new ledger field", Status: decision.Accepted}); err != nil {
		t.Fatal(err)
	}
	_, key, err := db.CreateIngestKey(g, "credit-risk", "loan portal", "credit-score")
	if err != nil {
		t.Fatal(err)
	}
	scope, err := db.IngestKeyScope(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var preds []telemetry.Prediction
	for i, score := range []float64{0.81, 0.34, 0.57} {
		s := score
		preds = append(preds, telemetry.Prediction{ID: fmt.Sprintf("loan-%d", 4100+i), Model: "credit-score", Time: time.Now().UTC().Add(-time.Hour), Output: telemetry.Output{Score: &s}})
	}
	if res, err := in.Submit(ctx, scope, &ingestion.Request{Kind: ingestion.Kind("predictions"), Predictions: preds, Index: []int{0, 1, 2}}); err != nil || res[2].Status != telemetry.Accepted {
		t.Fatalf("predictions: %v %+v", err, res)
	}
	hostSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loan portal</title>
<script src="%[1]s/static/feedback.js" defer></script></head><body><main>
<h1>Application 4101</h1><p>Score: 0.34. Refer to an officer.</p>
<div data-atrium-feedback="%[1]s/f/%[2]s" data-prediction="loan-4101">
  <form method="get" action="%[1]s/f/%[2]s"><input type="hidden" name="prediction" value="loan-4101">
  <button type="submit">Give feedback on this answer</button></form>
</div></main></body></html>`, ts.URL, r.URL.Query().Get("secret"))
	}))
	t.Cleanup(hostSrv.Close)
	_, secret, err = db.CreateFeedbackLink(g, "credit-risk", "Loan portal", []string{hostSrv.URL}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ts.URL, hostSrv.URL + "/?secret=" + secret, secret, db
}

// TestBrowserFeedback gives feedback as someone without an account: with
// JavaScript through the widget a host application embeds, and on the
// public page; without JavaScript through the host's plain form. Then Grace
// triages it in the inbox, and the note appears on the receipt page.
func TestBrowserFeedback(t *testing.T) {
	base, host, secret, db := feedbackSite(t)
	_, graceID := asGrace(t, db)
	b := startBrowser(t, 120*time.Second)

	// 1. JavaScript on: the host's page gets the widget; one click sends.
	b.open(host)
	if _, err := chromedp.Run(b.ctx, chromedp.WaitVisible(chromedp.CSS(`iframe[src*="/embed?prediction=loan-4101"]`))); err != nil {
		t.Fatalf("the widget was not mounted: %v", err)
	}
	frames, err := chromedp.Run(b.ctx, chromedp.Nodes(chromedp.CSS("iframe")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("iframes: %d (%v)", len(frames), err)
	}
	in := chromedp.FromNode(frames[0])
	if _, err := chromedp.Run(b.ctx, chromedp.WaitVisible(chromedp.CSS(`button[value="down"]`), in)); err != nil {
		t.Fatalf("the widget did not load inside the host's page: %v", err)
	}
	b.screenshot("feedback-widget.png")
	b.do(chromedp.Click(chromedp.CSS(`button[value="down"]`), in))
	// The widget's answer replaced its document; wait for the thumbs to be
	// stored, then read the new document through the frame's own tree.
	g, _ := asGrace(t, db)
	for i := 0; ; i++ {
		got, err := db.ListFeedback(g, "credit-risk", store.FeedbackFilter{Kind: telemetry.Thumbs}, atrium.PageRequest{Size: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Items) == 1 && got.Items[0].Value == "down" && got.Items[0].PredictionID == "loan-4101" {
			break
		}
		if i == 200 {
			t.Fatalf("the widget's thumbs down did not arrive: %+v", got.Items)
		}
		time.Sleep(25 * time.Millisecond)
	}
	tree, err := chromedp.Call(b.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil || len(tree.FrameTree.ChildFrames) != 1 || !strings.HasSuffix(tree.FrameTree.ChildFrames[0].Frame.URL, "/f/"+secret+"/embed") {
		t.Fatalf("after sending, the widget's frame is not Atrium's answer: %+v (%v)", tree, err)
	}

	// 2. JavaScript on, the public page: rate an answer in three clicks.
	b.open(base + "/f/" + secret + "?prediction=loan-4100")
	b.wantText(chromedp.CSS("main"), "Was this answer helpful?")
	b.do(chromedp.Click(chromedp.CSS(`details.fb-option:nth-of-type(1) summary`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name="value"][value="4"]`), chromedp.NodeVisible))
	b.screenshot("feedback-public.png")
	b.submit(chromedp.CSS(`details[open] button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Your feedback has arrived")

	// 3. JavaScript off: the host's plain form opens the public page, where
	// a problem report needs no script either.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	b.openNoScript(host)
	b.submitNoScript(chromedp.CSS(`form button[type="submit"]`))
	b.wantPath("/f/" + secret)
	b.do(chromedp.Click(chromedp.CSS(`details.fb-option:nth-of-type(3) summary`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("text-bug"), "Revenue shows as zero for my business."),
		chromedp.SendKeys(chromedp.ID("contact-bug"), "owner@bakery.example"))
	b.submitNoScript(chromedp.CSS(`details[open] button[type="submit"]`))
	b.wantText(chromedp.CSS("main"), "Received. Nobody has looked at it yet.")
	receipt, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	receipt = strings.TrimSuffix(receipt, "?sent=1")
	b.screenshot("feedback-receipt.png")
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}

	// 4. Grace triages the report in the inbox.
	b.login(base, "/usecases/credit-risk")
	b.submit(chromedp.CSS(`#canvases a[href="/usecases/credit-risk/feedback"]`))
	b.wantText(chromedp.CSS(".fb-list"), "Revenue shows as zero for my business.")
	b.wantText(chromedp.CSS(".fb-list"), "owner@bakery.example")
	b.open(base + "/usecases/credit-risk/feedback?kind=bug")
	b.do(chromedp.Click(chromedp.CSS(`.fb-triage summary`), chromedp.NodeVisible))
	b.screenshot("feedback-inbox.png")
	b.do(chromedp.SetValue(chromedp.CSS(`.fb-triage select[name="assignee"]`), graceID))
	b.submit(chromedp.CSS(`.fb-triage form:nth-of-type(1) button[type="submit"]`))
	b.wantText(chromedp.CSS(".notice"), "Feedback updated.")
	b.wantText(chromedp.CSS(".fb-list"), "assigned to Grace Hopper")
	b.do(chromedp.Click(chromedp.CSS(`.fb-triage summary`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`.fb-close textarea`), "Fixed: the model now reads revenue from the new ledger field."))
	b.submit(chromedp.CSS(`.fb-close button[value="actioned"]`))
	b.wantText(chromedp.CSS(".fb-list"), "Actioned")

	// 5. The person sees what became of it.
	b.open(receipt)
	b.wantText(chromedp.CSS("main"), "The team acted on it.")
	b.wantText(chromedp.CSS("main"), "Fixed: the model now reads revenue from the new ledger field.")
	b.screenshot("feedback-receipt-actioned.png")
}

// openNoScript loads a page with scripts disabled: the CSP watcher cannot
// run there, so only the status is checked.
func (b *browser) openNoScript(url string) {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	if err != nil || resp.Status >= 400 {
		b.t.Fatalf("browser: %s: %v %v", url, resp, err)
	}
}

// submitNoScript clicks and waits for the next page, scripts disabled.
func (b *browser) submitNoScript(sel chromedp.CSS) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel, chromedp.NodeVisible))
	if err != nil || resp.Status >= 400 {
		b.t.Fatalf("browser: %s: %v %v", sel, resp, err)
	}
}

// TestAccessibilityFeedback runs axe-core on the public page (with and
// without a prediction, and with a form error), the widget, the receipt
// page and the inbox, and wants no violation.
func TestAccessibilityFeedback(t *testing.T) {
	axe := axeSource(t)
	base, _, secret, db := feedbackSite(t)
	b := startBrowser(t, 120*time.Second)
	b.open(base + "/f/" + secret + "?prediction=loan-4102")
	b.do(chromedp.Click(chromedp.CSS(`details.fb-option:nth-of-type(4) summary`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("text-comment"), "Why was I referred?"))
	b.submit(chromedp.CSS(`details[open] button[type="submit"]`))
	receipt := b.path()
	_ = db
	b.login(base, "/usecases/credit-risk/feedback")
	for _, tc := range []struct{ name, path string }{
		{"public page with a prediction", "/f/" + secret + "?prediction=loan-4101"},
		{"public page without one", "/f/" + secret},
		{"public page, unknown id", "/f/" + secret + "?prediction=nope"},
		{"widget", "/f/" + secret + "/embed?prediction=loan-4101"},
		{"widget without a prediction", "/f/" + secret + "/embed"},
		{"receipt", receipt},
		{"closed link", "/f/atrf_nothing-here"},
		{"inbox", "/usecases/credit-risk/feedback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			if strings.HasPrefix(tc.path, "/f/atrf_nothing") {
				if _, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(base+tc.path)); err != nil {
					t.Fatal(err)
				}
			} else {
				b.open(base + tc.path)
			}
			if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`)); err != nil {
				t.Fatal(err)
			}
			if got := runAxe(t, b, axe); len(got) > 0 {
				t.Fatalf("axe found %d violation(s) on %s:\n%s", len(got), tc.path, describeViolations(got))
			}
		})
	}
}
