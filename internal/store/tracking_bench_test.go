package store

import (
	"fmt"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkLogBatch drives MLflow's log-batch through the real store: 1 and
// 16 clients, each logging to a run of its own (as training scripts do),
// batches of 100 and of 1,000 metrics (MLflow's limit; its client splits
// larger logs into such batches). One transaction and one audit entry per
// batch. The target is 100,000 metrics/s at 16 clients on SQLite
// (docs/benchmarks.md, "MLflow log-batch").
func BenchmarkLogBatch(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			for _, size := range []int{100, 1000} {
				for _, clients := range benchClients {
					b.Run(fmt.Sprintf("metrics=%d/clients=%d", size, clients), func(b *testing.B) {
						db := openBench(b, d.url(b))
						ctx := benchMember(b, db)
						if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"}); err != nil {
							b.Fatal(err)
						}
						runs := make([]string, clients)
						for c := range runs {
							r, err := db.CreateRun(ctx, "bench-uc", NewRun{ExperimentID: "0"}, "s3://bench")
							if err != nil {
								b.Fatal(err)
							}
							runs[c] = r.ID
						}
						// Ten metric keys, as a training loop logs loss,
						// accuracy and the like at every step.
						batch := func(i int) registry.Batch {
							m := make([]registry.Metric, size)
							for j := range m {
								m[j] = registry.Metric{Key: fmt.Sprintf("metric_%d", j%10), Value: float64(i*size + j), Timestamp: 1_700_000_000_000 + int64(i), Step: int64(i*size/10 + j/10)}
							}
							return registry.Batch{Metrics: m}
						}
						runClients(b, db, clients, "batches/s", func(c, i int) error {
							return db.LogBatch(ctx, "bench-uc", runs[c], batch(i))
						})
						b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "metrics/s")
					})
				}
			}
		})
	}
}
