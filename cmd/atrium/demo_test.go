package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// TestDemoCanvasFromEmptyToAgreed walks the finish line on the real
// demo: its canvas goes from empty to agreed, two iterations are published
// and compared, and the poster prints.
func TestDemoCanvasFromEmptyToAgreed(t *testing.T) {
	data := t.TempDir()
	srv := startCommand(t, "demo", data, "--rate-limit", "0")
	const email = "maria.keller@demo.atrium.localhost"
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", email, "--name", "finish-line"))
	uc := srv.URL + "/api/v1/usecases/credit-risk-scoring"

	var canvases struct {
		Items []struct {
			ID       string `json:"id"`
			Template string `json:"template"`
		}
	}
	if code := call(t, "GET", uc+"/canvases", token, nil, &canvases); code != 200 || len(canvases.Items) != 1 {
		t.Fatalf("demo canvases = %d %+v, want one", code, canvases)
	}
	cv := uc + "/canvases/" + canvases.Items[0].ID
	var tpl struct {
		Phases []struct {
			Sections []struct{ ID string }
		}
	}
	call(t, "GET", srv.URL+"/api/v1/templates/"+canvases.Items[0].Template, token, nil, &tpl)
	var ids []string
	for _, p := range tpl.Phases {
		for _, s := range p.Sections {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) != 25 {
		t.Fatalf("the demo canvas's template has %d sections, want the 25 of the human-centric canvas", len(ids))
	}
	for _, id := range ids {
		body := map[string]any{"content": "Agreed text for " + id + ".", "status": "agreed", "base_version": 0}
		if code := call(t, "PUT", cv+"/sections/"+id, token, body, nil); code != 200 {
			t.Fatalf("agree %s = %d", id, code)
		}
	}
	var done struct {
		Overall struct{ Agreed, Total int }
	}
	call(t, "GET", cv+"/completeness", token, nil, &done)
	if done.Overall.Agreed != 25 || done.Overall.Total != 25 {
		t.Fatalf("completeness = %+v, want 25 of 25 agreed", done.Overall)
	}
	var it struct{ Number int }
	if code := call(t, "POST", cv+"/iterations", token, map[string]string{"message": "All agreed"}, &it); code != 201 || it.Number != 1 {
		t.Fatalf("publish = %d, number %d; want 201 and 1", code, it.Number)
	}
	change := map[string]any{"content": "Agreed text for problem-definition, now with a budget.", "status": "agreed", "base_version": 1}
	if code := call(t, "PUT", cv+"/sections/problem-definition", token, change, nil); code != 200 {
		t.Fatalf("revise = %d", code)
	}
	call(t, "POST", cv+"/iterations", token, map[string]string{"message": "Budget added"}, &it)
	if it.Number != 2 {
		t.Fatalf("second iteration is number %d, want 2", it.Number)
	}
	var diff struct {
		Sections []struct {
			Section string
			Changed bool
			Ops     []struct{ Op, Text string }
		}
	}
	call(t, "GET", cv+"/diff?from=1&to=2", token, nil, &diff)
	var changed []string
	var inserted string
	for _, s := range diff.Sections {
		if s.Changed {
			changed = append(changed, s.Section)
			for _, op := range s.Ops {
				if op.Op == "insert" {
					inserted += op.Text
				}
			}
		}
	}
	if fmt.Sprint(changed) != "[problem-definition]" || !strings.Contains(inserted, "budget") {
		t.Fatalf("diff 1→2 changed %v inserting %q, want problem-definition with the budget words", changed, inserted)
	}

	// The poster prints, for a person logged in through the form.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm(srv.URL+"/login", url.Values{"email": {email}, "password": {srv.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.Get(srv.URL + "/usecases/credit-risk-scoring/canvases/" + canvases.Items[0].ID + "/print")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "now with a budget") || !strings.Contains(string(page), "print") {
		t.Fatalf("print = %d, want the poster with the latest text", resp.StatusCode)
	}
}

// TestDemoRegistry checks what the demo registers: two dataset versions of
// loan applications with schema, a profile computed from their rows and
// sensitivity; two credit-scorer versions with lineage and evaluations, one
// meeting the canvas's evaluation objectives and one not; a champion alias
// that moved once; and a prompt.
func TestDemoRegistry(t *testing.T) {
	ctx, db, _ := seededDemo(t)
	const slug = "credit-risk-scoring"
	data := registry.Ref{Kind: registry.Dataset, Name: "loan-applications"}
	model := registry.Ref{Kind: registry.Model, Name: "credit-scorer"}

	versions, err := db.ListVersions(ctx, slug, data, atrium.PageRequest{})
	if err != nil || versions.Total != 2 {
		t.Fatalf("dataset versions = %+v, %v, want 2", versions, err)
	}
	for _, v := range versions.Items {
		d := v.Dataset
		want := map[int]registry.DatasetRole{1: registry.Training, 2: registry.Reference}[v.Number]
		if d == nil || d.Role != want || len(d.Schema) != 10 || d.Profile == nil {
			t.Fatalf("dataset v%d = %+v, want role %s with a schema and profile", v.Number, d, want)
		}
		p := d.Profile
		if p.Bytes != v.Size || p.Rows < 5000 || len(p.Columns) != len(d.Schema) {
			t.Errorf("v%d profile: %d rows, %d bytes (size %d), %d columns", v.Number, p.Rows, p.Bytes, v.Size, len(p.Columns))
		}
		for _, c := range p.Columns {
			if c.Count+c.Nulls != p.Rows {
				t.Errorf("v%d column %s: %d values and %d nulls, not the %d rows", v.Number, c.Name, c.Count, c.Nulls, p.Rows)
			}
			if c.Type.Numeric() {
				var inBins int64
				for _, b := range c.Histogram {
					inBins += b.Count
				}
				if inBins != c.Count || *c.Min > *c.Mean || *c.Mean > *c.Max || c.Quantiles[2].Value < *c.Min || c.Quantiles[2].Value > *c.Max {
					t.Errorf("v%d column %s: histogram holds %d of %d values, min %v mean %v max %v", v.Number, c.Name, inBins, c.Count, *c.Min, *c.Mean, *c.Max)
				}
			}
		}
		// Regenerating the rows gives the digest the version carries.
		rows := map[int][]loanRow{1: generateLoans(8000, 1, 1.0), 2: generateLoans(6000, 2, 1.06)}[v.Number]
		sum := sha256.Sum256(loansCSV(rows))
		if hex.EncodeToString(sum[:]) != v.Digest {
			t.Errorf("v%d digest does not match its rows", v.Number)
		}
	}
	s1, err := db.GetSensitivity(ctx, slug, data, 1)
	if err != nil || s1.Revision != 1 || s1.Sensitivity.Columns["applicant_email"] != registry.DirectIdentifier || s1.Sensitivity.LegalBasis == "" || len(s1.Proposals) != 0 {
		t.Errorf("v1 sensitivity = %+v, %v, want confirmed columns with a legal basis and nothing left to confirm", s1, err)
	}
	s2, err := db.GetSensitivity(ctx, slug, data, 2)
	if err != nil || len(s2.Sensitivity.Columns) != 2 || len(s2.Proposals) != 2 {
		t.Errorf("v2 sensitivity = %+v, %v, want two confirmed columns and two suggestions to confirm", s2, err)
	}

	g, err := db.VersionLineage(ctx, slug, model, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	rels := map[string]bool{}
	for _, e := range g.Edges {
		rels[string(e.Relation)+" "+e.To.String()] = true
	}
	if !rels["trained_on dataset/loan-applications/1"] || !rels["evaluated_on dataset/loan-applications/2"] {
		t.Errorf("model v2 lineage = %v", rels)
	}
	// Each model version names the training run that produced it; the run
	// logged its parameters, a falling loss curve and the reference AUC.
	for n := 1; n <= 2; n++ {
		v, err := db.GetVersion(ctx, slug, model, n)
		if err != nil || v.Model == nil || v.Model.RunID == "" {
			t.Fatalf("model v%d = %+v, %v, want a run", n, v.Model, err)
		}
		run, err := db.GetRun(ctx, slug, v.Model.RunID)
		if err != nil || run.Status != registry.RunFinished {
			t.Fatalf("run of v%d = %+v, %v, want finished", n, run, err)
		}
		loss, err := db.MetricHistory(ctx, slug, run.ID, "training_log_loss", atrium.PageRequest{Size: 100})
		if err != nil || len(loss.Items) != 20 || loss.Items[len(loss.Items)-1].Value >= loss.Items[0].Value {
			t.Errorf("v%d loss curve = %+v, %v, want 20 falling points", n, loss.Items, err)
		}
		if !rels["produced_by run/"+run.ID] && n == 2 {
			t.Errorf("model v2 lineage lacks its run: %v", rels)
		}
	}
	status, err := db.ObjectiveStatus(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, vo := range status {
		if vo.Version.Kind != registry.Model {
			continue
		}
		got[vo.Version.String()] = fmt.Sprintf("%d met, %d not met, %d not measured", vo.Met, vo.NotMet, vo.NotMeasured)
	}
	if got["model/credit-scorer/2"] != "2 met, 0 not met, 0 not measured" || got["model/credit-scorer/1"] != "0 met, 2 not met, 0 not measured" {
		t.Errorf("objective status = %v, want v2 to meet both objectives and v1 neither", got)
	}
	evals, err := db.Evaluations(ctx, slug, model, 1)
	if err != nil || len(evals) != 3 {
		t.Errorf("v1 evaluations = %+v, %v, want 3", evals, err)
	}

	hist, err := db.AliasHistory(ctx, slug, model, "champion", atrium.PageRequest{})
	if err != nil || hist.Total != 2 || hist.Items[0].From != 1 || hist.Items[0].To != 2 || hist.Items[0].Reason == "" || hist.Items[1].To != 1 {
		t.Errorf("champion history = %+v, %v, want 1 then 2 with reasons", hist, err)
	}
	prompt, err := db.ListVersions(ctx, slug, registry.Ref{Kind: registry.Prompt, Name: "score-explanation"}, atrium.PageRequest{})
	if err != nil || prompt.Total != 1 || prompt.Items[0].Prompt == nil || len(prompt.Items[0].Prompt.Variables) != 3 {
		t.Errorf("prompt = %+v, %v, want one version with three variables", prompt, err)
	}
}

// seededDemo is a fresh database with the demo seeded in it, acting as
// Atrium itself, and what the seed printed.
func seededDemo(t *testing.T) (context.Context, *store.DB, string) {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lib, err := canvas.LoadLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := seedDemo(ctx, db, demoIngester(t, db), &Config{Data: dir, DB: filepath.Join(dir, "atrium.db")}, lib, &out); err != nil {
		t.Fatal(err)
	}
	return ctx, db, out.String()
}

// demoIngester is an ingester for seedDemo, with a fresh pseudonymisation key.
func demoIngester(t *testing.T, db *store.DB) *ingest.Ingester {
	t.Helper()
	ps, err := telemetry.NewPseudonymiser(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(ingest.Options{DB: db, Pseudonymiser: ps})
	t.Cleanup(in.Close)
	return in
}

// TestDemoTelemetry checks the demo's week in production: predictions over
// seven days with the privacy policy applied (the e-mail dropped, the
// postcode hashed, the subject pseudonymised), outcomes folded into the
// aggregates, and feedback in the inbox, partly triaged.
func TestDemoTelemetry(t *testing.T) {
	ctx, db, _ := seededDemo(t)
	const slug = "credit-risk-scoring"
	page, err := db.ListPredictions(ctx, slug, store.PredictionFilter{}, atrium.PageRequest{Size: 500})
	if err != nil || len(page.Items) < 500 {
		t.Fatalf("predictions: %d, %v; want a week's worth", len(page.Items), err)
	}
	for _, p := range page.Items {
		if _, ok := p.Features["applicant_email"]; ok {
			t.Fatalf("prediction %s kept the applicant's e-mail, which the policy drops", p.ID)
		}
		if pc, _ := p.Features["postcode"].(string); !strings.HasPrefix(pc, "h_") {
			t.Fatalf("prediction %s postcode = %v, want the keyed hash", p.ID, p.Features["postcode"])
		}
		if !strings.HasPrefix(p.Subject, "s_") || p.ModelVersion != 2 || p.Alias != "champion" {
			t.Fatalf("prediction %s: subject %q, version %d, alias %q", p.ID, p.Subject, p.ModelVersion, p.Alias)
		}
	}
	all := ""
	rows, err := db.Aggregates(ctx, slug, store.AggFilter{Segment: &all})
	if err != nil {
		t.Fatal(err)
	}
	var preds, labelled int64
	hours := map[time.Time]bool{}
	for _, r := range rows {
		preds += r.Agg.Predictions
		labelled += r.Agg.Outcomes.Labelled
		hours[r.Key.Hour] = true
	}
	if preds < 2000 || labelled < preds/3 || len(hours) < 100 {
		t.Errorf("aggregates: %d predictions, %d with outcomes, over %d hours; want a busy week with outcomes", preds, labelled, len(hours))
	}
	fresh, err := db.ListFeedback(ctx, slug, store.FeedbackFilter{Status: telemetry.New}, atrium.PageRequest{Size: 5})
	if err != nil || len(fresh.Items) == 0 {
		t.Fatalf("new feedback = %v, %v; the inbox should have items to triage", fresh.Items, err)
	}
	done, err := db.ListFeedback(ctx, slug, store.FeedbackFilter{Status: telemetry.Actioned}, atrium.PageRequest{})
	if err != nil || len(done.Items) != 1 || done.Items[0].Note == "" {
		t.Fatalf("actioned feedback = %+v, %v; want one with a note", done.Items, err)
	}
	comments, err := db.ListFeedback(ctx, slug, store.FeedbackFilter{Kind: telemetry.Comment}, atrium.PageRequest{Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range comments.Items {
		if strings.Contains(f.Text, "5550123") {
			t.Errorf("feedback %s kept a phone number: %q", f.ID, f.Text)
		}
	}
	sum, err := db.FeedbackSummary(ctx, slug, time.Now().Add(-8*24*time.Hour))
	if err != nil || sum.Total == 0 || sum.PositiveShare <= 0 || sum.OpenBugs == 0 {
		t.Errorf("feedback summary = %+v, %v", sum, err)
	}
}
