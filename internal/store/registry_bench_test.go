package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkCreateVersion drives the registry's version creates through the
// real store: 1 and 16 clients creating versions of one model at once. It
// is the baseline for the registry's targets (docs/benchmarks.md).
func BenchmarkCreateVersion(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			for _, clients := range benchClients {
				b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
					db := openBench(b, d.url(b))
					ctx := benchMember(b, db)
					if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"}); err != nil {
						b.Fatal(err)
					}
					a, err := db.CreateAsset(ctx, "bench-uc", registry.Asset{Kind: registry.Model, Name: "m"})
					if err != nil {
						b.Fatal(err)
					}
					runClients(b, db, clients, "versions/s", func(_, i int) error {
						sum := sha256.Sum256([]byte(fmt.Sprint(i)))
						_, err := db.CreateVersion(ctx, "bench-uc", a.Ref(), registry.Version{URI: fmt.Sprintf("s3://models/m/%d", i), Digest: hex.EncodeToString(sum[:])})
						return err
					})
				})
			}
		})
	}
}
