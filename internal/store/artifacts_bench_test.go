package store

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/artifact/blobs"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// BenchmarkArtifactUpload stores artifacts through the real store and the
// local blob driver (temporary key, copy, row, audit entry), 1 and 16
// clients at once, then reads one back; docs/benchmarks.md has the numbers.
func BenchmarkArtifactUpload(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			for _, size := range []int{4 << 10, 1 << 20} {
				for _, clients := range benchClients {
					b.Run(fmt.Sprintf("size=%dKiB/clients=%d", size>>10, clients), func(b *testing.B) {
						db := openBench(b, d.url(b))
						ctx := benchMember(b, db)
						if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "bench-uc", Name: "Bench", TeamSlug: "bench"}); err != nil {
							b.Fatal(err)
						}
						bucket, err := blobs.OpenLocal(b.TempDir())
						if err != nil {
							b.Fatal(err)
						}
						defer bucket.Close()
						body := bytes.Repeat([]byte("a,b,c\n"), size/6+1)[:size]
						b.SetBytes(int64(size))
						var last atomic.Value // the id of an uploaded artifact
						runClients(b, db, clients, "uploads/s", func(_, i int) error {
							a, err := db.CreateArtifact(ctx, bucket, "bench-uc", artifact.Upload{Name: fmt.Sprintf("sample-%d.csv", i), ContentType: "text/csv"},
								bytes.NewReader(body), artifact.DefaultMaxBytes)
							if err == nil {
								last.Store(a.ID)
							}
							return err
						})
						_, rd, err := db.OpenArtifact(ctx, bucket, "bench-uc", last.Load().(string))
						if err != nil {
							b.Fatal(err)
						}
						n, _ := io.Copy(io.Discard, rd)
						rd.Close()
						if n != int64(size) {
							b.Fatalf("read back %d bytes, want %d", n, size)
						}
					})
				}
			}
		})
	}
}
