package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkRegistryHTTP measures the registry API through real HTTP on
// loopback, a token on every request, SQLite: get one version, list a page
// of 100, and register a version, with 1 and 16 clients. It reports
// requests per second and the median and 99th-percentile latency.
func BenchmarkRegistryHTTP(b *testing.B) {
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db := testDB(b)
	u, err := db.CreateUser(ctx, identity.User{Email: "bench@example.org", Name: "Bench"}, "")
	if err != nil {
		b.Fatal(err)
	}
	_, token, err := db.CreateToken(ctx, u.ID, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "t", Name: "T"}); err != nil {
		b.Fatal(err)
	}
	if err := db.AddTeamMember(ctx, "t", u.ID); err != nil {
		b.Fatal(err)
	}
	as := atrium.WithActor(ctx, atrium.Actor{UserID: u.ID})
	if _, err := db.CreateUseCase(as, usecase.UseCase{Slug: "b", Name: "B", TeamSlug: "t"}); err != nil {
		b.Fatal(err)
	}
	ref := registry.Ref{Kind: registry.Model, Name: "m"}
	if _, err := db.CreateAsset(as, "b", registry.Asset{Kind: ref.Kind, Name: ref.Name}); err != nil {
		b.Fatal(err)
	}
	for range 200 {
		if _, err := db.CreateVersion(as, "b", ref, registry.Version{URI: "s3://bench/m/model.onnx", Digest: testDigest, Size: 1,
			Model: &registry.ModelInfo{Framework: "xgboost", Parameters: map[string]string{"depth": "6"}}}); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(testServer(b, db))
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	api := srv.URL + "/api/v1/usecases/b/assets/model/m"
	create, _ := json.Marshal(map[string]any{"uri": "s3://bench/m/model.onnx", "digest": testDigest, "size": 1,
		"model": map[string]any{"framework": "xgboost", "parameters": map[string]string{"depth": "6"}}})
	for _, tc := range []struct {
		name, method, path string
		body               []byte
		want               int
	}{
		{"get-version", "GET", api + "/versions/100", nil, 200},
		{"list-100", "GET", api + "/versions?page_size=100", nil, 200},
		{"create-version", "POST", api + "/versions", create, 201},
	} {
		for _, clients := range []int{1, 16} {
			b.Run(tc.name+"/clients="+itoa(int64(clients)), func(b *testing.B) {
				var mu sync.Mutex
				var lat []time.Duration
				b.SetParallelism((clients + 1) / 2) // GOMAXPROCS is 2 on the benchmark machine
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						req, _ := http.NewRequest(tc.method, tc.path, bytes.NewReader(tc.body))
						req.Header.Set("Authorization", "Bearer "+token)
						req.Header.Set("Content-Type", "application/json")
						start := time.Now()
						resp, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						mine = append(mine, time.Since(start))
						if resp.StatusCode != tc.want {
							b.Errorf("status %d, want %d", resp.StatusCode, tc.want)
							return
						}
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
				b.StopTimer()
				if len(lat) == 0 {
					return
				}
				slices.Sort(lat)
				b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
