package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkWriteTelemetry stores predictions the way the ingester hands
// them over: one WriteTelemetry call per commit, 1,000 predictions a call,
// each with ten features (seven numbers binned against the training data's
// profile, three strings), two segment attributes, a label with a score, a
// latency and a subject. Ids are sequential, except in ids=random, where
// they are spread like clients' UUIDs. The ingestion target is 100,000
// events/s through HTTP on SQLite with 2 cores, so the store alone must do
// well above it.
func BenchmarkWriteTelemetry(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			db := openBench(b, d.url(b))
			ctx := benchMember(b, db)
			u, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			var cols []registry.ColumnProfile
			for f := range 7 {
				cols = append(cols, registry.ColumnProfile{Name: fmt.Sprintf("x%d", f), Type: registry.Number, Count: 100,
					Quantiles: []registry.Quantile{{Q: 0.1, Value: 10}, {Q: 0.25, Value: 25}, {Q: 0.5, Value: 50}, {Q: 0.75, Value: 75}, {Q: 0.9, Value: 90}}})
			}
			ds, err := db.CreateAsset(ctx, "bench-uc", registry.Asset{Kind: registry.Dataset, Name: "train"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.CreateVersion(ctx, "bench-uc", ds.Ref(), registry.Version{URI: "s3://b/d", Digest: fmt.Sprintf("%064x", 1),
				Dataset: &registry.DatasetInfo{Profile: &registry.Profile{Rows: 100, Columns: cols}}}); err != nil {
				b.Fatal(err)
			}
			m, err := db.CreateAsset(ctx, "bench-uc", registry.Asset{Kind: registry.Model, Name: "scorer"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.CreateVersion(ctx, "bench-uc", m.Ref(), registry.Version{URI: "s3://b/m", Digest: fmt.Sprintf("%064x", 2),
				Model: &registry.ModelInfo{TrainingData: []registry.VersionRef{{Name: "train", Version: 1}}}}); err != nil {
				b.Fatal(err)
			}
			const size = 1000
			start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
			batch := func(i int, random bool) []TelemetryBatch {
				ps := make([]telemetry.Prediction, size)
				for j := range ps {
					n := i*size + j
					label, score, latency := []string{"yes", "no"}[n%2], float64(n%100)/100, float64(3+n%40)
					f := map[string]any{"plan": []string{"basic", "pro", "team"}[n%3], "country": []string{"de", "fr", "nl", "es"}[n%4], "device": []string{"ios", "android", "web"}[n%3]}
					for x := range 7 {
						f[fmt.Sprintf("x%d", x)] = float64((n*(x+3))%100) + 0.5
					}
					id := fmt.Sprintf("p%09d", n)
					if random {
						// Ids as clients make them (UUIDs, telemetry.NewID):
						// each lands somewhere else in the primary key.
						id = fmt.Sprintf("%016x%016x", uint64(n)*0x9e3779b97f4a7c15, uint64(n)*0xbf58476d1ce4e5b9)
					}
					ps[j] = telemetry.Prediction{ID: id, ModelAssetID: m.ID, ModelVersion: 1, Alias: "champion",
						Time:     start.Add(time.Duration(n) * 10 * time.Millisecond),
						Subject:  fmt.Sprintf("s_%032x", n%5000),
						Segments: map[string]string{"region": []string{"north", "south", "east", "west"}[n%4], "channel": []string{"app", "web", "partner"}[n%3]},
						Features: f, Output: telemetry.Output{Label: &label, Score: &score}, LatencyMS: &latency, Source: "api"}
				}
				return []TelemetryBatch{{UseCaseID: u.ID, KeyID: "bench-key", Predictions: ps}}
			}
			seq := 0
			for _, run := range []struct {
				clients int
				random  bool
			}{{1, false}, {4, false}, {4, true}} {
				clients := run.clients
				name := fmt.Sprintf("clients=%d", clients)
				if run.random {
					name += "/ids=random"
				}
				b.Run(name, func(b *testing.B) {
					batches := make([][]TelemetryBatch, b.N)
					for i := range batches {
						batches[i] = batch(seq, run.random) // ids new to every run
						seq++
					}
					var next atomic.Int64
					errs := make([]error, clients)
					var wg sync.WaitGroup
					cpu0 := processCPU()
					b.ResetTimer()
					for c := range clients {
						wg.Go(func() {
							for {
								i := int(next.Add(1) - 1)
								if i >= b.N {
									return
								}
								res, err := db.WriteTelemetry(ctx, batches[i])
								if err == nil && res[0][size-1].Status != telemetry.Accepted {
									err = fmt.Errorf("result %+v", res[0][size-1])
								}
								if err != nil {
									errs[c] = err
									return
								}
							}
						})
					}
					wg.Wait()
					b.StopTimer()
					for _, err := range errs {
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
					// CPU time of the whole process per event: what the
					// events cost on a machine others share, where wall
					// time varies.
					b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N*size), "cpu-µs/event")
				})
			}
		})
	}
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
