package web

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// seedRegistryData registers what a credit-risk team would have, as the
// actor in ctx, in use case slug: two application datasets (one the
// reference) with schema, profile and sensitivity, two model versions
// trained on them with the alias champion moved once, and a prompt. The
// moves happen at fixed times a day apart, so pages and screenshots read
// the same every run; the store's clock is put back afterwards.
func seedRegistryData(t testing.TB, db *store.DB, ctx context.Context, slug string) {
	t.Helper()
	day := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return day })
	defer db.SetClock(func() time.Time { return time.Now().UTC() })
	next := func() { day = day.Add(24 * time.Hour) }
	for _, a := range []registry.Asset{
		{Kind: registry.Dataset, Name: "applications", Description: "Small-business loan applications with their outcome after 12 months.", Tags: map[string]string{"owner": "credit-ops"}},
		{Kind: registry.Model, Name: "credit-score", Description: "Gradient-boosted trees that rank applications by risk of default.", Tags: map[string]string{"team": "lending-analytics"}},
		{Kind: registry.Prompt, Name: "decision-letter", Description: "Explains a decision to the applicant in plain words."},
	} {
		if _, err := db.CreateAsset(ctx, slug, a); err != nil {
			t.Fatal(err)
		}
	}
	f := func(v float64) *float64 { return &v }
	schema := []registry.Column{{Name: "applicant_email", Type: registry.String}, {Name: "monthly_revenue", Type: registry.Number}, {Name: "sector", Type: registry.Categorical},
		{Name: "defaulted", Type: registry.Boolean}}
	profile := func(rows int64, shift float64) *registry.Profile {
		return &registry.Profile{Rows: rows, Bytes: rows * 180, Format: "parquet", Columns: []registry.ColumnProfile{
			{Name: "applicant_email", Type: registry.String, Count: rows, Distinct: rows - 12,
				Suggested: &registry.Suggestion{Classification: registry.DirectIdentifier, Reason: "values look like e-mail addresses", Detector: "email"}},
			{Name: "monthly_revenue", Type: registry.Number, Count: rows - 40, Nulls: 40, Distinct: rows / 2, Min: f(0), Max: f(412000), Mean: f(38250 + shift), Std: f(27100),
				Quantiles: []registry.Quantile{{Q: 0.25, Value: 14800}, {Q: 0.5, Value: 31200 + shift}, {Q: 0.75, Value: 52900}},
				Histogram: []registry.Bin{{Low: 0, High: 20000, Count: 1410}, {Low: 20000, High: 40000, Count: 2200}, {Low: 40000, High: 60000, Count: 1630},
					{Low: 60000, High: 80000, Count: 720}, {Low: 80000, High: 100000, Count: 310}, {Low: 100000, High: 412000, Count: 190}}},
			{Name: "sector", Type: registry.Categorical, Count: rows, Distinct: 14,
				Top: []registry.TopValue{{Value: "retail", Count: 1840}, {Value: "construction", Count: 1210}, {Value: "hospitality", Count: 960}}},
			{Name: "defaulted", Type: registry.Boolean, Count: rows, Distinct: 2, Top: []registry.TopValue{{Value: "false", Count: rows - 410}, {Value: "true", Count: 410}}},
		}}
	}
	sens := &registry.Sensitivity{Columns: map[string]registry.Classification{"applicant_email": registry.DirectIdentifier, "sector": registry.QuasiIdentifier,
		"monthly_revenue": registry.NotPersonal, "defaulted": registry.NotPersonal}, LegalBasis: "Contract (GDPR art. 6(1)(b))", Retention: "6 years after the loan ends"}
	digest := "9f2c4e1ab07d5c3e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcd"
	versions := []struct {
		ref registry.Ref
		v   registry.Version
	}{
		{registry.Ref{Kind: registry.Dataset, Name: "applications"}, registry.Version{URI: "s3://lending-data/applications/2021-2025.parquet", Digest: digest, Size: 6_480_000,
			Description: "Five years of applications, the last six months held back.",
			Dataset:     &registry.DatasetInfo{Role: registry.Training, Schema: schema, Profile: profile(6460, 0), Source: "Loan system export", Owner: "Credit operations", Sensitivity: sens}}},
		{registry.Ref{Kind: registry.Dataset, Name: "applications"}, registry.Version{URI: "s3://lending-data/applications/2025-h2.parquet", Digest: digest[1:] + "0", Size: 1_120_000,
			Description: "The held-back six months: the reference for drift.",
			Dataset:     &registry.DatasetInfo{Role: registry.Reference, Schema: schema, Profile: profile(1120, 2400), Source: "Loan system export", Owner: "Credit operations", Sensitivity: sens}}},
		{registry.Ref{Kind: registry.Model, Name: "credit-score"}, registry.Version{URI: "s3://lending-models/credit-score/1/model.onnx", Digest: digest[2:] + "00", Size: 2_400_000,
			Metadata: json.RawMessage(`{"auc": 0.781, "trained_rows": 6460}`),
			Model: &registry.ModelInfo{Framework: "xgboost", Task: "classification", Parameters: map[string]string{"max_depth": "6", "eta": "0.1", "n_estimators": "400"},
				TrainingData: []registry.VersionRef{{Name: "applications", Version: 1}}, Code: &registry.CodeRef{Repository: "https://git.example.org/lending/credit-score", Commit: "4be1c0d9a7"},
				Signature: &registry.Signature{Inputs: schema[1:3], Outputs: []registry.Column{{Name: "risk", Type: registry.Number}}}, ReleaseNotes: "First model for the Leeds-North pilot."}}},
		{registry.Ref{Kind: registry.Model, Name: "credit-score"}, registry.Version{URI: "s3://lending-models/credit-score/2/model.onnx", Digest: digest[3:] + "000", Size: 2_650_000,
			Model: &registry.ModelInfo{Framework: "xgboost", Task: "classification", Parameters: map[string]string{"max_depth": "5", "eta": "0.05", "n_estimators": "900"},
				TrainingData: []registry.VersionRef{{Name: "applications", Version: 1}}, EvaluationData: []registry.VersionRef{{Name: "applications", Version: 2}},
				Code: &registry.CodeRef{Repository: "https://git.example.org/lending/credit-score", Commit: "a93f27e610"}, ReleaseNotes: "Slower learning rate, more trees; better recall of defaults."}}},
		{registry.Ref{Kind: registry.Prompt, Name: "decision-letter"}, registry.Version{URI: "https://prompts.example.org/decision-letter/1", Digest: digest[4:] + "0000", Size: 412,
			Prompt: &registry.PromptInfo{Form: registry.Text, ModelConfig: json.RawMessage(`{"model": "small-llm", "temperature": 0.2}`),
				Template: "Dear {{ applicant }},\n\nYour application was {{ decision }}. The main reasons: {{ reasons }}.\n\nYour loan officer"}}},
	}
	for _, x := range versions {
		next()
		if _, err := db.CreateVersion(ctx, slug, x.ref, x.v); err != nil {
			t.Fatal(err)
		}
	}
	model := registry.Ref{Kind: registry.Model, Name: "credit-score"}
	for _, m := range []struct {
		alias  string
		n      int
		reason string
	}{
		{"champion", 1, "First model through validation."},
		{"staging", 2, "Candidate: better recall on the reference set."},
		{"champion", 2, "Beat version 1 on recall at the same approval rate."},
	} {
		next()
		if _, err := db.SetAlias(ctx, slug, model, m.alias, m.n, m.reason); err != nil {
			t.Fatal(err)
		}
	}
	next()
	if _, err := db.SetAlias(ctx, slug, registry.Ref{Kind: registry.Prompt, Name: "decision-letter"}, "production", 1, "Approved by the complaints team."); err != nil {
		t.Fatal(err)
	}
}
