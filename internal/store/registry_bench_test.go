package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkCreateVersion drives the registry's version creates through the
// real store: 1 and 16 clients creating versions of one model at once,
// through the group-commit writer the store uses ("clients=N"), the same
// without its linger, and with a transaction per create as before the
// writer ("direct"). Each run ends by checking the audit log (runClients)
// and that the numbers are 1…N without gaps. Results: docs/benchmarks.md.
func BenchmarkCreateVersion(b *testing.B) {
	writers := []struct {
		name string
		opts []Option
	}{
		{"", nil},
		{"linger=0/", []Option{withLinger(0)}},
		{"direct/", []Option{withWrites(directWrites)}},
	}
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			for _, w := range writers {
				for _, clients := range benchClients {
					if w.name == "linger=0/" && clients == 1 {
						continue // one client never lingers
					}
					b.Run(fmt.Sprintf("%sclients=%d", w.name, clients), func(b *testing.B) {
						benchCreateVersion(b, d.url(b), clients, w.opts)
					})
				}
			}
		})
	}
}

func benchCreateVersion(b *testing.B, url string, clients int, opts []Option) {
	db := openBench(b, url, opts...)
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
	var n, hi int
	if err := db.read.QueryRow(`SELECT COUNT(*), COALESCE(MAX(number), 0) FROM registry_versions`).Scan(&n, &hi); err != nil {
		b.Fatal(err)
	}
	if n != b.N || hi != b.N {
		b.Fatalf("%d versions numbered up to %d, want 1…%d", n, hi, b.N)
	}
}

// BenchmarkReadVersions measures the registry's reads through the real
// store, as a team member (so every read runs the use-case access check a
// person's would): getting one version of a model with 200 versions, and
// listing a page of 100 of them. Results: docs/benchmarks.md.
func BenchmarkReadVersions(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			db := openBench(b, d.url(b))
			ctx := benchMember(b, db)
			if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"}); err != nil {
				b.Fatal(err)
			}
			a, err := db.CreateAsset(ctx, "bench-uc", registry.Asset{Kind: registry.Model, Name: "m"})
			if err != nil {
				b.Fatal(err)
			}
			const versions = 200
			for i := range versions {
				sum := sha256.Sum256([]byte(fmt.Sprint(i)))
				if _, err := db.CreateVersion(ctx, "bench-uc", a.Ref(), registry.Version{URI: fmt.Sprintf("s3://models/m/%d", i),
					Digest: hex.EncodeToString(sum[:]), Model: &registry.ModelInfo{Framework: "xgboost", Parameters: map[string]string{"depth": "6"}}}); err != nil {
					b.Fatal(err)
				}
			}
			for _, clients := range benchClients {
				b.Run(fmt.Sprintf("get/clients=%d", clients), func(b *testing.B) {
					runClients(b, db, clients, "gets/s", func(_, i int) error {
						_, err := db.GetVersion(ctx, "bench-uc", a.Ref(), 1+i%versions)
						return err
					})
				})
				b.Run(fmt.Sprintf("list100/clients=%d", clients), func(b *testing.B) {
					runClients(b, db, clients, "pages/s", func(_, i int) error {
						p, err := db.ListVersions(ctx, "bench-uc", a.Ref(), atrium.PageRequest{Size: 100, Offset: (i % 2) * 100})
						if err == nil && len(p.Items) != 100 {
							err = fmt.Errorf("page of %d versions", len(p.Items))
						}
						return err
					})
				})
			}
		})
	}
}
