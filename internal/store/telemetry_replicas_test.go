package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// TestTelemetryReplicas has two replicas (two store handles on one
// PostgreSQL database) write overlapping events at once, each from 8
// goroutines, in orders of their own: every event is stored once, and the
// aggregates merged by both equal a recount. Neither waits for the other in
// a circle (a deadlock would be reported as Busy and fail the test): each
// replica's writer holds several of the writes in one transaction.
func TestTelemetryReplicas(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	a, b := open(t, url), open(t, url)
	ac, u, m := churnScorer(t, a)
	at := time.Date(2031, 3, 14, 10, 0, 0, 0, time.UTC)
	// 300 predictions over 3 hours and 4 segments; writer i sends a
	// window of 200 of them, starting at 50*(i%3), in an order of its own.
	all := make([]telemetry.Prediction, 300)
	for i := range all {
		label, score := []string{"a", "b"}[i%2], float64(i%10)/10
		all[i] = telemetry.Prediction{ID: fmt.Sprintf("p%03d", i), ModelAssetID: m.ID, ModelVersion: 1, Time: at.Add(time.Duration(i) * 36 * time.Second),
			Segments: map[string]string{"region": fmt.Sprint(i % 4)}, Features: map[string]any{"x": float64(i)}, Output: telemetry.Output{Label: &label, Score: &score}}
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	accepted := make([]int, 16)
	for i := range 16 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Go(func() {
			mine := make([]telemetry.Prediction, 0, 200)
			start := 50 * (i % 3)
			for j := range 200 {
				mine = append(mine, all[start+(j*(i+1)*7)%200])
			}
			for round := range 3 {
				lo := round * len(mine) / 3
				res, err := db.WriteTelemetry(ctx, []store.TelemetryBatch{{UseCaseID: u.ID, Predictions: mine[lo : lo+len(mine)/3]}})
				if err != nil {
					errs[i] = err
					return
				}
				for _, r := range res[0] {
					if r.Status == telemetry.Accepted {
						accepted[i]++
					}
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		total += accepted[i]
	}
	page, err := a.ListPredictions(ac, "churn", store.PredictionFilter{}, atrium.PageRequest{Size: 500})
	if err != nil {
		t.Fatal(err)
	}
	stored := len(page.Items)
	if total != stored {
		t.Fatalf("%d predictions accepted, %d stored: each must be accepted exactly once", total, stored)
	}
	rows, err := a.Aggregates(ac, "churn", store.AggFilter{})
	if err != nil {
		t.Fatal(err)
	}
	aggs := telemetry.Aggregates{}
	var n int64
	for _, r := range rows {
		aggs[r.Key] = r.Agg
		if r.Key.Segment == "" {
			n += r.Agg.Count()
		}
	}
	if n != int64(stored) {
		t.Fatalf("aggregates count %d predictions, %d stored", n, stored)
	}
	again, err := b.RecountAggregates(ac, "churn")
	if err != nil {
		t.Fatal(err)
	}
	if !aggs.Equal(again) {
		t.Fatal("aggregates merged by two replicas differ from a recount")
	}
}
