package web

import (
	"context"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// testDigest is a well-formed SHA-256 digest.
var testDigest = strings.Repeat("ab", 32)

// seedAssets gives alpha a dataset "loans" with one version, a model
// "scorer" with two versions trained on it and the alias champion at
// version 1, and a prompt "explainer" with one version, made by the owner.
// The registry's API tests, the authorisation matrix and the hostile-input
// targets start from it.
func (f *fixture) seedAssets() {
	f.t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"})
	for _, a := range []registry.Asset{{Kind: registry.Dataset, Name: "loans"}, {Kind: registry.Model, Name: "scorer"}, {Kind: registry.Prompt, Name: "explainer"}} {
		if _, err := f.db.CreateAsset(ctx, "alpha", a); err != nil {
			f.t.Fatal(err)
		}
	}
	versions := []struct {
		ref registry.Ref
		v   registry.Version
	}{
		{registry.Ref{Kind: registry.Dataset, Name: "loans"}, registry.Version{URI: "s3://data/loans/2026-11.parquet", Digest: testDigest, Size: 1 << 20,
			Dataset: &registry.DatasetInfo{Role: registry.Training, Schema: []registry.Column{{Name: "income", Type: registry.Number}}}}},
		{registry.Ref{Kind: registry.Model, Name: "scorer"}, registry.Version{URI: "s3://models/scorer/1/model.onnx", Digest: testDigest,
			Model: &registry.ModelInfo{Framework: "xgboost", TrainingData: []registry.VersionRef{{Name: "loans", Version: 1}}}}},
		{registry.Ref{Kind: registry.Model, Name: "scorer"}, registry.Version{URI: "s3://models/scorer/2/model.onnx", Digest: testDigest}},
		{registry.Ref{Kind: registry.Prompt, Name: "explainer"}, registry.Version{URI: "https://prompts.example.org/explainer/1", Digest: testDigest,
			Prompt: &registry.PromptInfo{Template: "Explain the score of {{ applicant }} in two sentences."}}},
	}
	for _, x := range versions {
		if _, err := f.db.CreateVersion(ctx, "alpha", x.ref, x.v); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.db.SetAlias(ctx, "alpha", registry.Ref{Kind: registry.Model, Name: "scorer"}, "champion", 1, "first model"); err != nil {
		f.t.Fatal(err)
	}
}
