package store

import (
	"fmt"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkLineage measures the lineage graph's worst case: a chain of
// chainLength dataset versions, each derived from the one before. Refusing
// the edge that would close the chain into a cycle walks all of it; the
// traversal reads ten hops; the whole graph reads every edge.
func BenchmarkLineage(b *testing.B) {
	const chainLength = 500
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			db := openBench(b, d.url(b))
			ctx := benchMember(b, db)
			if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"}); err != nil {
				b.Fatal(err)
			}
			ref := registry.Ref{Kind: registry.Dataset, Name: "d"}
			if _, err := db.CreateAsset(ctx, "bench-uc", registry.Asset{Kind: ref.Kind, Name: ref.Name}); err != nil {
				b.Fatal(err)
			}
			for i := 1; i <= chainLength; i++ {
				if _, err := db.CreateVersion(ctx, "bench-uc", ref, registry.Version{URI: fmt.Sprintf("s3://b/d/%d", i), Digest: fmt.Sprintf("%064x", i)}); err != nil {
					b.Fatal(err)
				}
				if i > 1 {
					if _, err := db.AddEdge(ctx, "bench-uc", registry.Edge{From: registry.VersionNode(ref, i), To: registry.VersionNode(ref, i-1), Relation: registry.DerivedFrom}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("refuse-cycle", func(b *testing.B) {
				for b.Loop() {
					_, err := db.AddEdge(ctx, "bench-uc", registry.Edge{From: registry.VersionNode(ref, 1), To: registry.VersionNode(ref, chainLength), Relation: registry.DerivedFrom})
					if atrium.KindOf(err) != atrium.Invalid {
						b.Fatalf("AddEdge closing the chain = %v, want invalid", err)
					}
				}
			})
			b.Run("version-depth-10", func(b *testing.B) {
				for b.Loop() {
					g, err := db.VersionLineage(ctx, "bench-uc", ref, chainLength/2, registry.MaxDepth)
					if err != nil || len(g.Edges) != 2*registry.MaxDepth {
						b.Fatalf("VersionLineage = %d edges, %v", len(g.Edges), err)
					}
				}
			})
			b.Run("whole-graph", func(b *testing.B) {
				for b.Loop() {
					g, err := db.Lineage(ctx, "bench-uc")
					if err != nil || len(g.Edges) != chainLength-1 {
						b.Fatalf("Lineage = %d edges, %v", len(g.Edges), err)
					}
				}
			})
		})
	}
}
