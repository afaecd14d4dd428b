package web

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// seedRuns gives slug an experiment "training" with one run that logged a
// loss over five steps (one of them NaN, as MLflow allows), an AUC and two
// params, made by the actor in ctx. It returns the run's id.
func seedRuns(t testing.TB, db *store.DB, ctx context.Context, slug string) string {
	t.Helper()
	e, err := db.CreateExperiment(ctx, slug, registry.Experiment{Name: "training"}, "file:///tmp/atrium-test-artifacts")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC).UnixMilli()
	run, err := db.CreateRun(ctx, slug, store.NewRun{ExperimentID: e.ID, Name: "gbm-depth-5", User: "grace", StartTime: start}, "")
	if err != nil {
		t.Fatal(err)
	}
	var b registry.Batch
	for i, loss := range []float64{0.69, 0.52, math.NaN(), 0.41, 0.38} {
		b.Metrics = append(b.Metrics, registry.Metric{Key: "loss", Value: loss, Step: int64(i), Timestamp: start + int64(i)*1000})
	}
	b.Metrics = append(b.Metrics, registry.Metric{Key: "auc", Value: 0.806, Step: 4, Timestamp: start + 5000})
	b.Params = []registry.Param{{Key: "max_depth", Value: "5"}, {Key: "eta", Value: "0.05"}}
	b.Tags = []registry.Tag{{Key: "team", Value: "lending"}}
	if err := db.LogBatch(ctx, slug, run.ID, b); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// seedFixtureRuns is seedRuns in the fixture's use case, as its owner.
func (f *fixture) seedFixtureRuns() string {
	f.t.Helper()
	return seedRuns(f.t, f.db, atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"}), "alpha")
}
