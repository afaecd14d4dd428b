package web

import (
	"context"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// seedLineageData adds to seedRegistryData's registry what the lineage
// store records: the reference dataset derived from the training one,
// evaluations of both models on the reference set, a canvas objective
// measured at evaluation (AUC ≥ 0.78) and a second sensitivity revision.
func seedLineageData(t testing.TB, db *store.DB, ctx context.Context, slug string) {
	t.Helper()
	lib, err := canvas.LoadLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, _ := lib.Get("human-centric-mlops")
	c, err := db.CreateCanvas(ctx, slug, tpl, "Credit scoring plan", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateObjective(ctx, slug, c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "AUC", Comparator: ">=", Target: 0.78,
		MeasuredAt: canvas.AtEvaluation, MinSamples: 1000}); err != nil {
		t.Fatal(err)
	}
	data := registry.Ref{Kind: registry.Dataset, Name: "applications"}
	if _, err := db.AddEdge(ctx, slug, registry.Edge{From: registry.VersionNode(data, 2), To: registry.VersionNode(data, 1), Relation: registry.DerivedFrom}); err != nil {
		t.Fatal(err)
	}
	model := registry.Ref{Kind: registry.Model, Name: "credit-score"}
	for n, auc := range map[int]float64{1: 0.762, 2: 0.806} {
		if _, err := db.AddEvaluation(ctx, slug, model, n, registry.Evaluation{Dataset: registry.VersionRef{Name: "applications", Version: 2},
			Metric: "AUC", Value: auc, Samples: 1120}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddEvaluation(ctx, slug, model, n, registry.Evaluation{Dataset: registry.VersionRef{Name: "applications", Version: 2},
			Metric: "recall", Value: auc - 0.1, Slice: "sector=retail", Samples: 310}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetSensitivity(ctx, slug, data, 1, registry.Sensitivity{Columns: map[string]registry.Classification{
		"applicant_email": registry.DirectIdentifier, "sector": registry.QuasiIdentifier, "monthly_revenue": registry.NotPersonal},
		LegalBasis: "Contract (GDPR art. 6(1)(b))", Consent: "Not needed: contract.", Retention: "6 years after the loan ends"}); err != nil {
		t.Fatal(err)
	}
}
