package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// The demo's week in production: the loan-origination service has reported
// every score the champion credit scorer gave for seven days, the repayment
// signals that came back for the older applications, and what loan officers
// and applicants said. Everything goes through the ingestion path a real
// client uses (Ingester.Submit with the service's ingestion key, privacy
// policy applied, aggregates folded at write time); the applicants are drawn
// from the same generator as the training data, the scores are the fitted
// model's and the repayments follow the generator's own default model.

// demoFeedbackText are things loan officers wrote, in the tool beside a score.
var demoOfficerNotes = []struct {
	kind  telemetry.FeedbackKind
	value string
	text  string
}{
	{telemetry.Bug, "", "The factors panel stays empty when the applicant has a co-applicant; the score itself looks right."},
	{telemetry.Bug, "", "Score shown twice after I reopened the application, with different values (0.31 and 0.29)."},
	{telemetry.Correction, "0", "Long-standing customer with savings at our bank; the model cannot see that. Approved after review."},
	{telemetry.Correction, "1", "Income on the payslip is half of what was entered; with the right figure the risk is much higher."},
	{telemetry.Comment, "", "Scores for self-employed applicants feel high this week. Could someone look at the last tax year's incomes?"},
	{telemetry.Comment, "", "The explanation in plain words helps when I talk to the applicant. Please keep it short like this."},
}

// demoApplicantNotes are what applicants wrote through the portal's link.
var demoApplicantNotes = []struct {
	kind telemetry.FeedbackKind
	text string
}{
	{telemetry.Comment, "I was told my application needs a manual check but not why. Please call me on +49 40 5550123."},
	{telemetry.Bug, "The page said my answer would come in minutes; it has been two days."},
}

// seedTelemetry reports the demo week for the credit scorer of use case slug.
func seedTelemetry(ctx context.Context, db *store.DB, in *ingest.Ingester, slug string, reg *demoRegistry, now time.Time) error {
	var m logisticModel
	if err := json.Unmarshal(reg.Models[len(reg.Models)-1].Metadata, &m); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	// The policy first: the applicant's e-mail never reaches the database,
	// the postcode is kept only as a keyed hash, free text is masked, and raw
	// payloads are kept for a year — creditworthiness scoring is a
	// high-risk use under the EU AI Act, so no less than six months.
	pol, err := db.TelemetryPolicy(ctx, slug)
	if err != nil {
		return err
	}
	pol.Drop, pol.Hash, pol.MaskText, pol.RetentionDays = []string{"applicant_email"}, []string{"postcode"}, true, 365
	if _, err := db.SetTelemetryPolicy(ctx, slug, pol); err != nil {
		return fmt.Errorf("demo privacy policy: %w", err)
	}
	if _, err := db.SetHighRisk(ctx, slug, true); err != nil {
		return fmt.Errorf("demo risk: %w", err)
	}
	_, secret, err := db.CreateIngestKey(ctx, slug, "loan-origination-service", demoModel+"@champion")
	if err != nil {
		return err
	}
	scope, err := db.IngestKeyScope(ctx, secret)
	if err != nil {
		return err
	}

	r := rand.New(rand.NewPCG(2026, 12))
	start := now.Add(-7 * 24 * time.Hour).Truncate(time.Hour)
	loans := generateLoans(6000, 7, 1.02)
	var preds []telemetry.Prediction
	var outcomes []telemetry.Outcome
	var feedback []telemetry.Feedback
	next := 0
	for h := start; h.Before(now) && next < len(loans); h = h.Add(time.Hour) {
		for range applicationsIn(h, r) {
			if next == len(loans) {
				break
			}
			row := loans[next]
			next++
			at := h.Add(time.Duration(r.Int64N(int64(time.Hour))))
			if !at.Before(now) {
				continue
			}
			p := demoPrediction(row, m, at, next, r)
			preds = append(preds, p)
			if p.Error != "" {
				continue
			}
			// Early-repayment signals for applications older than two
			// days: most of them by now.
			if now.Sub(at) > 48*time.Hour && r.Float64() < 0.7 {
				label := "0"
				if row.defaulted {
					label = "1"
				}
				outcomes = append(outcomes, telemetry.Outcome{PredictionID: p.ID, Label: &label,
					Time: at.Add(time.Duration(24+r.IntN(24)) * time.Hour)})
			}
			if r.Float64() < 0.04 {
				up := "up"
				// Officers disagree more often with high scores.
				if r.Float64() < 0.12 || (*p.Output.Score > 0.3 && r.Float64() < 0.5) {
					up = "down"
				}
				feedback = append(feedback, telemetry.Feedback{ID: "officer-" + p.ID, PredictionID: p.ID, Kind: telemetry.Thumbs,
					Value: up, Time: at.Add(2 * time.Minute)})
			}
		}
	}
	for i, n := range demoOfficerNotes {
		p := preds[len(preds)/2+i*37]
		feedback = append(feedback, telemetry.Feedback{ID: fmt.Sprintf("officer-note-%d", i+1), PredictionID: p.ID,
			Kind: n.kind, Value: n.value, Text: n.text, Time: p.Time.Add(5 * time.Minute)})
	}
	for _, batch := range []*ingest.Request{
		{Kind: ingest.Predictions, Predictions: preds},
		{Kind: ingest.Outcomes, Outcomes: outcomes},
		{Kind: ingest.Feedback, Feedback: feedback},
	} {
		if err := submitDemo(ctx, in, scope, batch); err != nil {
			return err
		}
	}

	link, _, err := db.CreateFeedbackLink(ctx, slug, "Applicant portal", []string{"https://portal.demo.atrium.localhost"}, 0)
	if err != nil {
		return err
	}
	for i, n := range demoApplicantNotes {
		p := preds[len(preds)-20-i*11]
		if _, _, err := in.SubmitFeedback(ctx, scope.UseCaseID, link.ID, telemetry.Feedback{PredictionID: p.ID, Kind: n.kind,
			Text: n.text, Time: now.Add(-time.Duration(30+i*90) * time.Minute)}); err != nil {
			return fmt.Errorf("demo applicant feedback: %w", err)
		}
	}
	return triageDemo(ctx, db, slug)
}

// applicationsIn is how many applications arrive in hour h: a working day
// shape, quieter at weekends.
func applicationsIn(h time.Time, r *rand.Rand) int {
	base := []float64{1, 0, 0, 0, 0, 1, 3, 8, 22, 38, 44, 41, 33, 36, 42, 40, 34, 26, 18, 14, 11, 8, 5, 2}[h.Hour()]
	if wd := h.Weekday(); wd == time.Saturday || wd == time.Sunday {
		base *= 0.35
	}
	return int(math.Round(base * (0.8 + 0.4*r.Float64())))
}

// demoPrediction is the service's report of one score.
func demoPrediction(row loanRow, m logisticModel, at time.Time, n int, r *rand.Rand) telemetry.Prediction {
	applicant := "returning"
	if row.firstTime {
		applicant = "first-time"
	}
	latency := math.Round(18*math.Exp(0.35*r.NormFloat64())*10) / 10
	p := telemetry.Prediction{
		ID:      fmt.Sprintf("app-%06d", 400000+n),
		Time:    at,
		Subject: row.email,
		Segments: map[string]string{
			"applicant":  applicant,
			"employment": row.employment,
		},
		Features: map[string]any{
			"applicant_email":     row.email,
			"postcode":            row.postcode,
			"annual_income":       row.income,
			"loan_amount":         row.amount,
			"debt_to_income":      math.Round(row.amount/row.income*1000) / 1000,
			"term_months":         float64(row.term),
			"age":                 float64(2025 - row.birthYear),
			"employment":          row.employment,
			"first_time_borrower": row.firstTime,
		},
		LatencyMS: &latency,
	}
	if r.Float64() < 0.003 {
		p.Error = "timeout"
		slow := 2000.0
		p.LatencyMS = &slow
		return p
	}
	score := math.Round(m.predict(row)*10000) / 10000
	p.Output.Score = &score
	return p
}

// submitDemo sends one kind of event in batches of 1,000, as a client
// would, and fails on any refusal: the demo's data must all be accepted.
func submitDemo(ctx context.Context, in *ingest.Ingester, scope telemetry.KeyScope, all *ingest.Request) error {
	n := max(len(all.Predictions), len(all.Outcomes), len(all.Feedback))
	for lo := 0; lo < n; lo += 1000 {
		hi := min(n, lo+1000)
		req := &ingest.Request{Kind: all.Kind}
		switch all.Kind {
		case ingest.Predictions:
			req.Predictions = all.Predictions[lo:hi]
		case ingest.Outcomes:
			req.Outcomes = all.Outcomes[lo:hi]
		case ingest.Feedback:
			req.Feedback = all.Feedback[lo:hi]
		}
		res, err := in.Submit(ctx, scope, req)
		if err != nil {
			return fmt.Errorf("demo %s: %w", all.Kind, err)
		}
		for _, it := range res {
			if it.Status == telemetry.Refused {
				return fmt.Errorf("demo %s: item %d refused: %s", all.Kind, it.Index, it.Error)
			}
		}
	}
	return nil
}

// triageDemo works through part of the inbox, as the team would have: the
// bug reports assigned, one correction actioned with a note, a comment
// dismissed; the rest is new, for the visitor to triage.
func triageDemo(ctx context.Context, db *store.DB, slug string) error {
	u, err := db.GetUserByEmail(ctx, "jonas.weber@demo.atrium.localhost")
	if err != nil {
		return err
	}
	jonas := u.ID
	status := func(s telemetry.FeedbackStatus) *telemetry.FeedbackStatus { return &s }
	text := func(s string) *string { return &s }
	for id, c := range map[string]store.FeedbackChange{
		"officer-note-1": {Status: status(telemetry.Triaged), AssigneeID: text(jonas)},
		"officer-note-3": {Status: status(telemetry.Actioned), AssigneeID: text(jonas),
			Note: text("Savings held with the bank are a candidate feature for version 3; the manual review stays until then.")},
		"officer-note-6": {Status: status(telemetry.Dismissed), Note: text("Thanks — the explanation prompt stays as it is.")},
	} {
		if _, err := db.UpdateFeedback(ctx, slug, id, c); err != nil {
			return fmt.Errorf("demo triage of %s: %w", id, err)
		}
	}
	return nil
}

// seedExampleModel registers the early-warning model of use case slug, still
// without any production data, and returns an ingestion key for it: the one
// the demo's banner offers to the Python client's example script.
func seedExampleModel(ctx context.Context, db *store.DB, slug string) (string, error) {
	ref := registry.Ref{Kind: registry.Model, Name: "arrears-warning"}
	if _, err := db.CreateAsset(ctx, slug, registry.Asset{Kind: ref.Kind, Name: ref.Name,
		Description: "Probability that a borrower misses a repayment in the next three months."}); err != nil {
		return "", err
	}
	body := []byte(`{"kind":"gradient boosting","status":"candidate for the pilot"}`)
	sum := sha256.Sum256(body)
	if _, err := db.CreateVersion(ctx, slug, ref, registry.Version{URI: "s3://credit-risk-demo/models/arrears-warning/1/model.json",
		Digest: hex.EncodeToString(sum[:]), Size: int64(len(body)), Metadata: body,
		Model: &registry.ModelInfo{Framework: "gradient boosting", Task: "binary classification"}}); err != nil {
		return "", err
	}
	_, secret, err := db.CreateIngestKey(ctx, slug, "python-example", ref.Name)
	return secret, err
}
