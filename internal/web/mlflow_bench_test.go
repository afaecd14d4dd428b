package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkMLflowLogBatchHTTP is BenchmarkLogBatch (internal/store) through
// the whole server on SQLite: authentication by a bound token, the route
// guard, JSON decoding of 1,000 metrics, the store call and the answer. 16
// clients, each on a run of its own, as training scripts are. The
// difference to the store benchmark is the cost of HTTP and JSON.
func BenchmarkMLflowLogBatchHTTP(b *testing.B) {
	const clients, size = 16, 1000
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db := testDB(b)
	srv := testServer(b, db)
	u, err := db.CreateUser(ctx, identity.User{Email: "bench@example.org", Name: "Bench"}, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "bench", Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	if err := db.AddTeamMember(ctx, "bench", u.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateUseCase(atrium.WithActor(ctx, atrium.Actor{UserID: u.ID}), usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"}); err != nil {
		b.Fatal(err)
	}
	_, token, err := db.CreateScopedToken(ctx, u.ID, "bench", 0, "bench-uc")
	if err != nil {
		b.Fatal(err)
	}
	call := func(path string, body any) []byte {
		raw, _ := json.Marshal(body)
		req := httptest.NewRequest("POST", path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	runs := make([]string, clients)
	for c := range runs {
		var out struct {
			Run struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"run"`
		}
		json.Unmarshal(call("/api/2.0/mlflow/runs/create", map[string]any{"experiment_id": "0"}), &out)
		runs[c] = out.Run.Info.RunID
	}
	bodies := make([][]byte, clients)
	for c := range bodies {
		m := make([]map[string]any, size)
		for j := range m {
			m[j] = map[string]any{"key": fmt.Sprintf("metric_%d", j%10), "value": float64(j) / 7, "timestamp": 1_700_000_000_000 + j, "step": j / 10}
		}
		bodies[c], _ = json.Marshal(map[string]any{"run_id": runs[c], "metrics": m})
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				req := httptest.NewRequest("POST", "/api/2.0/mlflow/runs/log-batch", bytes.NewReader(bodies[c]))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Errorf("log-batch: %d %s", rec.Code, rec.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "metrics/s")
}
