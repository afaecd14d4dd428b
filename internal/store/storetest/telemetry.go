package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// telemetryWorld is the world plus what ingestion needs: in churn, a
// dataset "loans" with a profile and a model "scorer" whose version 1 was
// trained on it (alias champion) and version 2; a second use case, fraud,
// with a model "detector" version 1.
type telemetryWorld struct {
	*world
	fraud            usecase.UseCase
	scorer, detector string // model asset ids
	now              time.Time
	incomeEdges      []float64
}

func newTelemetryWorld(t *testing.T, open Opener) *telemetryWorld {
	t.Helper()
	w := &telemetryWorld{world: newWorld(t, open), now: t0}
	ctx := t.Context()
	now := &w.now
	w.db.SetClock(func() time.Time { return *now })
	oc, ec := as(ctx, w.owner), as(ctx, w.editor)
	loans := mustAsset(t, w.world, registry.Dataset, "loans").Ref()
	w.incomeEdges = []float64{20000, 40000, 60000}
	mustVersion(t, w.world, loans, registry.Version{URI: "gs://d/1", Digest: digestA, Dataset: &registry.DatasetInfo{
		Schema: []registry.Column{{Name: "income", Type: registry.Number}},
		Profile: &registry.Profile{Rows: 100, Columns: []registry.ColumnProfile{{Name: "income", Type: registry.Number, Count: 100,
			Quantiles: []registry.Quantile{{Q: 0, Value: 0}, {Q: 0.25, Value: 20000}, {Q: 0.5, Value: 40000}, {Q: 0.75, Value: 60000}, {Q: 1, Value: 90000}}}}}}})
	scorer := mustAsset(t, w.world, registry.Model, "scorer")
	w.scorer = scorer.ID
	mustVersion(t, w.world, scorer.Ref(), registry.Version{URI: "gs://m/1", Digest: digestA, Model: &registry.ModelInfo{TrainingData: []registry.VersionRef{{Name: "loans", Version: 1}}}})
	mustVersion(t, w.world, scorer.Ref(), registry.Version{URI: "gs://m/2", Digest: digestA, Model: &registry.ModelInfo{}})
	if _, err := w.db.SetAlias(ec, "churn", scorer.Ref(), "champion", 1, "first release"); err != nil {
		t.Fatalf("SetAlias: %v", err)
	}
	w.fraud = mustUseCase(t, oc, w.db, usecase.UseCase{Slug: "fraud", Name: "Fraud", TeamSlug: "alpha"})
	det, err := w.db.CreateAsset(ec, "fraud", registry.Asset{Kind: registry.Model, Name: "detector"})
	if err != nil {
		t.Fatalf("CreateAsset(detector): %v", err)
	}
	w.detector = det.ID
	if _, err := w.db.CreateVersion(ec, "fraud", det.Ref(), registry.Version{URI: "gs://f/1", Digest: digestA, Model: &registry.ModelInfo{}}); err != nil {
		t.Fatalf("CreateVersion(detector): %v", err)
	}
	return w
}

// prediction is a resolved prediction of scorer version v, i minutes after
// at, with features, a segment and an output.
func prediction(assetID string, v int, id string, at time.Time, i int) telemetry.Prediction {
	label := []string{"churn", "stay"}[i%2]
	score := float64(i%10) / 10
	latency := float64(5 + i%50)
	return telemetry.Prediction{ID: id, Model: "scorer", ModelAssetID: assetID, ModelVersion: v, Time: at.Add(time.Duration(i) * time.Minute),
		Subject:  fmt.Sprintf("s_%032d", i%7),
		Segments: map[string]string{"region": []string{"north", "south", "east"}[i%3]},
		Features: map[string]any{"income": float64(10000 * (i % 9)), "plan": []string{"basic", "pro"}[i%2], "tenure": float64(i % 24), "active": i%3 == 0},
		Output:   telemetry.Output{Label: &label, Score: &score}, LatencyMS: &latency, Source: "api",
		Explanation: map[string]float64{"income": 0.25, "tenure": -0.1}}
}

func predictions(assetID string, v int, prefix string, at time.Time, n int) []telemetry.Prediction {
	out := make([]telemetry.Prediction, n)
	for i := range out {
		out[i] = prediction(assetID, v, fmt.Sprintf("%s-%d", prefix, i), at, i)
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }

// write calls WriteTelemetry and fails the test on an error of the call.
func write(t *testing.T, db *store.DB, batches ...store.TelemetryBatch) [][]telemetry.ItemResult {
	t.Helper()
	res, err := db.WriteTelemetry(t.Context(), batches)
	if err != nil {
		t.Fatalf("WriteTelemetry: %v", err)
	}
	if len(res) != len(batches) {
		t.Fatalf("WriteTelemetry returned %d results for %d batches", len(res), len(batches))
	}
	for i, b := range batches {
		if n := len(b.Predictions) + len(b.Outcomes) + len(b.Feedback); len(res[i]) != n {
			t.Fatalf("batch %d: %d results for %d items", i, len(res[i]), n)
		}
	}
	return res
}

// statuses summarises results as "accepted:3 duplicate:1".
func statuses(rs []telemetry.ItemResult) map[telemetry.ItemStatus]int {
	out := map[telemetry.ItemStatus]int{}
	for _, r := range rs {
		out[r.Status]++
	}
	return out
}

func wantStatuses(t *testing.T, what string, rs []telemetry.ItemResult, want map[telemetry.ItemStatus]int) {
	t.Helper()
	got := statuses(rs)
	for _, s := range []telemetry.ItemStatus{telemetry.Accepted, telemetry.Duplicate, telemetry.Refused} {
		if got[s] != want[s] {
			t.Fatalf("%s: statuses %v, want %v (results %+v)", what, got, want, rs[:min(len(rs), 5)])
		}
	}
}

// wantRecount fails unless slug's stored aggregates equal a recount from
// its raw rows.
func wantRecount(t *testing.T, db *store.DB, ctx context.Context, slug string) telemetry.Aggregates {
	t.Helper()
	rows, err := db.Aggregates(ctx, slug, store.AggFilter{})
	if err != nil {
		t.Fatalf("Aggregates: %v", err)
	}
	stored := telemetry.Aggregates{}
	for _, r := range rows {
		stored[r.Key] = r.Agg
	}
	again, err := db.RecountAggregates(ctx, slug)
	if err != nil {
		t.Fatalf("RecountAggregates: %v", err)
	}
	if !stored.Equal(again) {
		var keys []string
		for k, a := range stored {
			b := again[k]
			if b == nil || !a.Equal(b) {
				keys = append(keys, fmt.Sprintf("%s/%d %s %q", k.ModelAssetID, k.ModelVersion, k.Hour.Format(time.RFC3339), k.Segment))
			}
		}
		for k := range again {
			if stored[k] == nil {
				keys = append(keys, fmt.Sprintf("missing %s/%d %s %q", k.ModelAssetID, k.ModelVersion, k.Hour.Format(time.RFC3339), k.Segment))
			}
		}
		slices.Sort(keys)
		t.Fatalf("stored aggregates (%d keys) differ from a recount (%d keys) at %v", len(stored), len(again), keys)
	}
	return stored
}

// wantCode fails unless r was refused with kind k.
func wantCode(t *testing.T, what string, r telemetry.ItemResult, k atrium.Kind) {
	t.Helper()
	if r.Status != telemetry.Refused || r.Code != string(k) || r.Error == "" {
		t.Fatalf("%s: %+v, want refused %s with a reason", what, r, k)
	}
}
