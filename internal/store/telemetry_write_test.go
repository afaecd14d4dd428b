package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// TestTelemetryPartlyStored writes calls in which some ids were stored by an
// earlier call, in the first statement's rows, in the last one's only, and
// throughout: the stored ones are duplicates, the others accepted, and
// the aggregates count every prediction once (they equal a recount).
func TestTelemetryPartlyStored(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := open(t, d.url(t))
			ctx := context.Background()
			ac, u, m := churnScorer(t, db)
			at := time.Date(2031, 3, 14, 10, 0, 0, 0, time.UTC)
			all := make([]telemetry.Prediction, 3000)
			for i := range all {
				label, score := []string{"a", "b"}[i%2], float64(i%10)/10
				all[i] = telemetry.Prediction{ID: fmt.Sprintf("p%04d", i), ModelAssetID: m.ID, ModelVersion: 1, Time: at.Add(time.Duration(i) * time.Second),
					Segments: map[string]string{"region": fmt.Sprint(i % 4)}, Features: map[string]any{"x": float64(i), "plan": []string{"basic", "pro"}[i%3%2]},
					Output: telemetry.Output{Label: &label, Score: &score}}
			}
			pick := func(ids ...int) []telemetry.Prediction {
				out := make([]telemetry.Prediction, len(ids))
				for i, id := range ids {
					out[i] = all[id]
				}
				return out
			}
			span := func(lo, hi int) []int {
				var ids []int
				for i := lo; i < hi; i++ {
					ids = append(ids, i)
				}
				return ids
			}
			stored := map[int]bool{}
			for _, call := range []struct {
				name string
				ids  []int
			}{
				{"new", span(0, 100)},
				// Sorted by id, the stored ones come first (in the first
				// statement of 512 rows) or last (in the last statement).
				{"stored first", span(50, 1050)},
				{"stored last", span(1600, 2600)},
				{"stored last only", append(span(2700, 2999), 2000)},
				{"every other one stored", func() []int {
					var ids []int
					for i := 0; i < 2000; i += 2 {
						ids = append(ids, i+1)
					}
					return ids
				}()},
				{"all stored", span(0, 1000)},
			} {
				res, err := db.WriteTelemetry(ctx, []store.TelemetryBatch{{UseCaseID: u.ID, Predictions: pick(call.ids...)}})
				if err != nil {
					t.Fatalf("%s: %v", call.name, err)
				}
				for j, r := range res[0] {
					id := call.ids[j]
					want := telemetry.Accepted
					if stored[id] {
						want = telemetry.Duplicate
					}
					if r.Status != want || r.ID != all[id].ID {
						t.Fatalf("%s: result %d = %+v, want %s for %s", call.name, j, r, want, all[id].ID)
					}
				}
				for _, id := range call.ids {
					stored[id] = true
				}
			}
			rows, err := db.Aggregates(ac, "churn", store.AggFilter{})
			if err != nil {
				t.Fatal(err)
			}
			got := telemetry.Aggregates{}
			var n int64
			for _, r := range rows {
				got[r.Key] = r.Agg
				if r.Key.Segment == "" {
					n += r.Agg.Count()
				}
			}
			if n != int64(len(stored)) {
				t.Fatalf("aggregates count %d predictions, want %d", n, len(stored))
			}
			again, err := db.RecountAggregates(ac, "churn")
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(again) {
				t.Fatal("stored aggregates differ from a recount")
			}
		})
	}
}

// churnScorer gives db an administrator, team alpha, use case churn and its
// model scorer with one version, and returns the administrator's context,
// the use case and the model.
func churnScorer(t *testing.T, db *store.DB) (context.Context, usecase.UseCase, registry.Asset) {
	t.Helper()
	ctx := context.Background()
	admin, err := db.CreateUser(ctx, identity.User{Email: "admin@example.org", Name: "Admin", Admin: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	ac := atrium.WithActor(ctx, atrium.Actor{UserID: admin.ID, Admin: true})
	if _, err := db.CreateTeam(ac, identity.Team{Slug: "alpha", Name: "Alpha"}); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUseCase(ac, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.CreateAsset(ac, "churn", registry.Asset{Kind: registry.Model, Name: "scorer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateVersion(ac, "churn", m.Ref(), registry.Version{URI: "s3://m/1", Digest: fmt.Sprintf("%064x", 1), Model: &registry.ModelInfo{}}); err != nil {
		t.Fatal(err)
	}
	return ac, u, m
}
