package store

// Write throughput through the real store: clients creating use cases or
// saving canvas sections at once, on SQLite always and on PostgreSQL when
// ATRIUM_TEST_POSTGRES_URL is set. Every write in the system passes the one
// SQLite write connection and the one audit_head row, so this is where the
// ceiling of the whole write path shows. Results, the exact commands and what
// follows from them: docs/benchmarks.md, "Write throughput".

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// benchDialects are the databases the write benchmarks run on. PostgreSQL is
// skipped unless pgtest finds a server; each run gets a schema of its own,
// dropped when the run ends.
var benchDialects = []struct {
	name string
	url  func(b *testing.B) string
}{
	{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "atrium.db") }},
	{"postgres", func(b *testing.B) string { return pgtest.URL(b) }},
}

// benchClients are the numbers of concurrent writers compared.
var benchClients = []int{1, 16}

// openBench opens a fresh, migrated database at url for one benchmark run.
// It is closed before pgtest drops the schema (cleanups run last-in first-out).
func openBench(b *testing.B, url string, opts ...Option) *DB {
	b.Helper()
	db, err := Open(context.Background(), url, opts...)
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchMember creates a team "bench" and a user who belongs to it (not an
// administrator, so every create runs the membership check a person's
// would), and returns a context acting as that user.
func benchMember(b testing.TB, db *DB) context.Context {
	b.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, identity.User{Email: "bench@example.org", Name: "Bench"}, "")
	if err != nil {
		b.Fatalf("CreateUser: %v", err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "bench", Name: "Bench"}); err != nil {
		b.Fatalf("CreateTeam: %v", err)
	}
	if err := db.AddTeamMember(ctx, "bench", u.ID); err != nil {
		b.Fatalf("AddTeamMember: %v", err)
	}
	return atrium.WithActor(ctx, atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name})
}

// setSynchronous changes synchronous on the SQLite write connection (there
// is exactly one, kept open), to show what the fsync at each commit costs.
// It is a measurement aid; the product always runs with FULL.
func setSynchronous(b *testing.B, db *DB, mode string) {
	b.Helper()
	if _, err := db.write.Exec("PRAGMA synchronous=" + mode); err != nil {
		b.Fatalf("PRAGMA synchronous=%s: %v", mode, err)
	}
}

// BenchmarkStoreWrites measures writes per second and latency per write for
// db.CreateUseCase and db.SaveSection with 1 and 16 concurrent clients. On
// SQLite the "sync=normal" variants drop the fsync at commit (WAL then syncs
// only at checkpoints), which isolates the cost of the fsync.
func BenchmarkStoreWrites(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			syncs := []string{""}
			if d.name == "sqlite" {
				syncs = []string{"full", "normal"}
			}
			for _, sync := range syncs {
				for _, clients := range benchClients {
					name := fmt.Sprintf("clients=%d", clients)
					if sync != "" {
						name += "/sync=" + sync
					}
					b.Run("CreateUseCase/"+name, func(b *testing.B) {
						db := openBench(b, d.url(b))
						ctx := benchMember(b, db)
						if sync != "" {
							setSynchronous(b, db, sync)
						}
						runClients(b, db, clients, "writes/s", func(_, i int) error {
							slug := fmt.Sprintf("uc-%07d", i)
							_, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: slug, Name: "Use case " + slug, TeamSlug: "bench"})
							return err
						})
					})
					b.Run("SaveSection/"+name, func(b *testing.B) {
						db := openBench(b, d.url(b))
						ctx := benchMember(b, db)
						if sync != "" {
							setSynchronous(b, db, sync)
						}
						save := sectionSaver(b, db, ctx, clients)
						runClients(b, db, clients, "writes/s", save)
					})
				}
			}
		})
	}
}

// sectionSaver gives each client a use case and canvas of its own and
// returns an operation that saves the client's sections in turn, each from
// the version it last saved, so that no two clients ever conflict.
func sectionSaver(b *testing.B, db *DB, ctx context.Context, clients int) func(client, i int) error {
	b.Helper()
	tpl := canvas.Builtin()[0]
	var sections []string
	for _, p := range tpl.Phases {
		for _, s := range p.Sections {
			sections = append(sections, s.ID)
		}
	}
	type state struct {
		slug, canvasID string
		n              int
		version        map[string]int64
	}
	states := make([]*state, clients)
	for c := range clients {
		slug := fmt.Sprintf("canvas-%02d", c)
		if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: slug, Name: "Canvas " + slug, TeamSlug: "bench"}); err != nil {
			b.Fatalf("CreateUseCase(%q): %v", slug, err)
		}
		cv, err := db.CreateCanvas(ctx, slug, tpl, "", nil)
		if err != nil {
			b.Fatalf("CreateCanvas(%q): %v", slug, err)
		}
		states[c] = &state{slug: slug, canvasID: cv.ID, version: map[string]int64{}}
	}
	return func(client, _ int) error {
		st := states[client] // only this client's goroutine touches it
		sec := sections[st.n%len(sections)]
		st.n++
		content := fmt.Sprintf("Revision %d of **%s**: who decides, who uses it, who is affected.\n\n- a measurable objective\n- a named owner\n", st.n, sec)
		s, err := db.SaveSection(ctx, st.slug, st.canvasID, canvas.SectionEdit{SectionID: sec, Content: &content, BaseVersion: st.version[sec]})
		if err != nil {
			return err
		}
		st.version[sec] = s.Version
		return nil
	}
}

// runClients runs b.N calls of op spread over the given number of
// goroutines, each taking the next call as soon as its last one returned (a
// closed loop, like clients waiting for their answer), and reports calls per
// second (as unit), latency percentiles and the mean time spent queueing for
// a write connection (database/sql's WaitDuration; on SQLite, time waiting
// for the single writer). It then checks the audit log the run produced.
func runClients(b *testing.B, db *DB, clients int, unit string, op func(client, i int) error) {
	b.Helper()
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	warmPool(b, db, clients)
	before, warm := db.write.Stats(), db.WriterStats()
	b.ResetTimer()
	for c := range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				start := time.Now()
				if err := op(c, int(i)); err != nil {
					errs[c] = err
					return
				}
				lat[c] = append(lat[c], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	for c, err := range errs {
		if err != nil {
			b.Fatalf("client %d: %v", c, err)
		}
	}
	after := db.write.Stats()
	reportLatency(b, slices.Concat(lat...), unit)
	b.ReportMetric(ms(after.WaitDuration-before.WaitDuration)/float64(b.N), "queue-ms")
	if ws := db.WriterStats(); ws.Batches > warm.Batches {
		b.ReportMetric(float64(ws.Requests-warm.Requests)/float64(ws.Batches-warm.Batches), "reqs/batch")
	}
	verifyAudit(b, db)
}

// warmPool opens the connections the clients will use before the clock
// starts, so that a short run does not measure PostgreSQL's connection
// set-up. (On SQLite there is one write connection, already open.)
func warmPool(b *testing.B, db *DB, clients int) {
	b.Helper()
	n := min(clients, db.write.Stats().MaxOpenConnections)
	conns := make([]*sql.Conn, 0, n)
	for range n {
		c, err := db.write.Conn(context.Background())
		if err != nil {
			b.Fatalf("warm the pool: %v", err)
		}
		if err := c.PingContext(context.Background()); err != nil {
			b.Fatalf("warm the pool: %v", err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}

// reportLatency reports the rate of calls per second under unit, and the
// median, 99th percentile and mean of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration, unit string) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), unit)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
	b.ReportMetric(ms(sum)/float64(len(lat)), "mean-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// verifyAudit checks, outside the timed part, that the audit log the run
// produced is whole: positions contiguous, chain and hashes intact, head
// counter equal to the entries, stored Merkle root equal to the recomputed
// one. A benchmark that broke the log would measure something else.
func verifyAudit(b testing.TB, db *DB) (entries []audit.Entry) {
	b.Helper()
	ctx := context.Background()
	if err := db.AllAuditEntries(ctx, func(e audit.Entry) error {
		entries = append(entries, e)
		return nil
	}); err != nil {
		b.Fatalf("AllAuditEntries: %v", err)
	}
	head, err := db.AuditHeadSize(ctx)
	if err != nil {
		b.Fatalf("AuditHeadSize: %v", err)
	}
	rep, err := audit.Verify(entries, nil, nil, "", head)
	if err != nil {
		b.Fatalf("audit.Verify over %d entries: %v", len(entries), err)
	}
	size, root, err := db.AuditTreeHead(ctx)
	if err != nil {
		b.Fatalf("AuditTreeHead: %v", err)
	}
	if size != int64(len(entries)) || (size > 0 && root != rep.Root) {
		b.Fatalf("AuditTreeHead size=%d root=%x, want %d %x", size, root, len(entries), rep.Root)
	}
	return entries
}
