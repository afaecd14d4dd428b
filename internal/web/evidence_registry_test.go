package web

import (
	"context"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// seedRegistry registers, in the fixture's use case, a dataset with two
// versions (one with a profile and part of its sensitivity confirmed), a
// model with two versions evaluated against the fixture's AUC objective,
// and a champion alias that moved once.
func (f *fixture) seedRegistry() {
	t := f.t
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	data := registry.Ref{Kind: registry.Dataset, Name: "loans"}
	model := registry.Ref{Kind: registry.Model, Name: "scorer"}
	for _, ref := range []registry.Ref{data, model} {
		_, err := f.db.CreateAsset(ctx, "alpha", registry.Asset{Kind: ref.Kind, Name: ref.Name})
		must(err)
	}
	digest := strings.Repeat("b", 64)
	schema := []registry.Column{{Name: "email", Type: registry.String}, {Name: "age", Type: registry.Integer}, {Name: "health", Type: registry.String}, {Name: "amount", Type: registry.Number}}
	_, err := f.db.CreateVersion(ctx, "alpha", data, registry.Version{URI: "s3://data/loans/1", Digest: digest, Dataset: &registry.DatasetInfo{
		Role: registry.Training, Schema: schema,
		Profile: &registry.Profile{Rows: 1200, Columns: []registry.ColumnProfile{
			{Name: "email", Type: registry.String, Count: 1200, Suggested: &registry.Suggestion{Classification: registry.DirectIdentifier, Detector: "email"}},
			{Name: "age", Type: registry.Integer, Count: 1200},
			{Name: "health", Type: registry.String, Count: 1200, Suggested: &registry.Suggestion{Classification: registry.SpecialCategory, Detector: "name"}},
			{Name: "amount", Type: registry.Number, Count: 1200},
		}},
		Sensitivity: &registry.Sensitivity{Columns: map[string]registry.Classification{"email": registry.DirectIdentifier, "age": registry.QuasiIdentifier}},
	}})
	must(err)
	_, err = f.db.CreateVersion(ctx, "alpha", data, registry.Version{URI: "s3://data/loans/2", Digest: digest, Dataset: &registry.DatasetInfo{Role: registry.Reference}})
	must(err)
	for i, auc := range []float64{0.74, 0.81} {
		_, err := f.db.CreateVersion(ctx, "alpha", model, registry.Version{URI: "s3://models/scorer/" + itoa(int64(i+1)), Digest: digest,
			Model: &registry.ModelInfo{Framework: "xgboost", TrainingData: []registry.VersionRef{{Name: "loans", Version: 1}}}})
		must(err)
		_, err = f.db.AddEvaluation(ctx, "alpha", model, i+1, registry.Evaluation{Dataset: registry.VersionRef{Name: "loans", Version: 2}, Metric: "AUC", Value: auc, Samples: 6000})
		must(err)
	}
	_, err = f.db.SetAlias(ctx, "alpha", model, "champion", 1, "First candidate.")
	must(err)
	_, err = f.db.SetAlias(ctx, "alpha", model, "champion", 2, "Better AUC on the reference set.")
	must(err)
}

func TestRegistryPanels(t *testing.T) {
	f := newFixture(t)
	// Before anything is registered, each view says so.
	for _, section := range []string{"data-preparation", "model-selection-evaluation", "existing-solutions"} {
		if p := f.panelsOf(section)["registry"]; p.Kind != "registry" || len(p.Items) != 0 || p.Empty == "" {
			t.Errorf("%s: empty registry panel = %+v", section, p)
		}
	}
	f.seedRegistry()

	data := f.panelsOf("data-acquisition")["registry"]
	if data.Title != "Datasets" || len(data.Items) != 2 || data.Href != "/usecases/alpha/registry" {
		t.Fatalf("data panel = %+v, want the two dataset versions", data)
	}
	v2, v1 := data.Items[0], data.Items[1]
	if v1.Label != "loans v1" || v1.Value != "training" || v1.Tone != "warn" || v1.Href != "/usecases/alpha/registry/dataset/loans/1" {
		t.Errorf("v1 = %+v", v1)
	}
	for _, want := range []string{"1200 rows", "4 columns", "identifying columns: 1 direct, 1 quasi", "1 suggested classification to confirm"} {
		if !strings.Contains(v1.Detail, want) {
			t.Errorf("v1 detail %q lacks %q", v1.Detail, want)
		}
	}
	if v2.Label != "loans v2" || v2.Value != "reference" || v2.Detail != "sensitivity not recorded" || v2.Tone != "warn" {
		t.Errorf("v2 = %+v", v2)
	}

	// Confirming the special-category column without a legal basis is called out.
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID})
	if _, err := f.db.SetSensitivity(ctx, "alpha", registry.Ref{Kind: registry.Dataset, Name: "loans"}, 1, registry.Sensitivity{Columns: map[string]registry.Classification{
		"email": registry.DirectIdentifier, "age": registry.QuasiIdentifier, "health": registry.SpecialCategory}}); err != nil {
		t.Fatal(err)
	}
	v1 = f.panelsOf("data-management")["registry"].Items[1]
	if !strings.Contains(v1.Detail, "1 special") || !strings.Contains(v1.Detail, "without a legal basis") || strings.Contains(v1.Detail, "to confirm") || v1.Tone != "bad" {
		t.Errorf("v1 after confirming = %+v", v1)
	}

	eval := f.panelsOf("model-selection-evaluation")["registry"]
	var got []string
	for _, it := range eval.Items {
		got = append(got, it.Label+" "+it.Value+" "+it.Tone)
	}
	if strings.Join(got, "|") != "scorer v2: AUC met good|scorer v1: AUC not met bad" {
		t.Errorf("evaluation panel = %q", got)
	}
	if !strings.Contains(eval.Items[0].Detail, "0.81") || eval.Items[0].Href != "/usecases/alpha/registry/model/scorer/2" {
		t.Errorf("evaluation item = %+v", eval.Items[0])
	}

	models := f.panelsOf("existing-solutions")["registry"]
	if models.Title != "Models and prompts" || len(models.Items) != 3 {
		t.Fatalf("models panel = %+v, want the alias and two versions", models)
	}
	if a := models.Items[0]; a.Label != "scorer champion" || a.Value != "v2" || !strings.Contains(a.Detail, "moved from v1 to v2") ||
		!strings.Contains(a.Detail, "Better AUC on the reference set.") || !strings.Contains(a.Detail, "2 moves") {
		t.Errorf("alias item = %+v", a)
	}
	if m := models.Items[1]; m.Label != "model scorer v2" || m.Value != "ready" || !strings.Contains(m.Detail, "xgboost") || !strings.Contains(m.Detail, "alias champion") {
		t.Errorf("version item = %+v", m)
	}
}

// TestRegistryPanelAccess: the panel reads as the person asking, so someone
// without access to the use case sees nothing of its registry.
func TestRegistryPanelAccess(t *testing.T) {
	f := newFixture(t)
	f.seedRegistry()
	if rec := f.do("stranger", "GET", f.canvasURL()+"/sections/data-preparation/evidence", "", nil); rec.Code != 404 {
		t.Errorf("stranger evidence = %d, want 404", rec.Code)
	}
}
