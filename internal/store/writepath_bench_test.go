package store

// The ceiling under every write, and what sharing it buys: transactions per
// second through the write connection with one commit (one fsync) each
// (db.direct, bypassing the writer), batched inserts, audit entries appended
// one per call or as a batch, and the group-commit writer (writer.go) folding
// concurrent requests into one transaction. Every run is checked by
// audit.Verify afterwards.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// benchTables are scratch tables shaped like what the high-rate paths will
// write: a one-row transaction, telemetry events (integer key and one
// secondary index, as an events table would have), and registry versions
// numbered per model from a counter row.
var benchTables = []string{
	`CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, at TEXT NOT NULL, v TEXT NOT NULL)`,
	`CREATE TABLE bench_events (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, usecase_id TEXT NOT NULL, kind TEXT NOT NULL,
		value DOUBLE PRECISION NOT NULL, payload TEXT NOT NULL)`,
	`CREATE INDEX bench_events_usecase ON bench_events (usecase_id, at)`,
	`CREATE TABLE bench_models (id TEXT PRIMARY KEY, next_number BIGINT NOT NULL)`,
	`CREATE TABLE bench_versions (id TEXT PRIMARY KEY, model_id TEXT NOT NULL, number BIGINT NOT NULL, uri TEXT NOT NULL,
		created_at TEXT NOT NULL, UNIQUE (model_id, number))`,
	`INSERT INTO bench_models (id, next_number) VALUES ('churn', 1)`,
}

// benchPayload is a prediction event's body, about the size the gateway
// will record.
const benchPayload = `{"prediction_id":"5f0c9a3e1b7d4e2a","model_version":"churn@7","features":{"tenure":14,"plan":"pro","region":"eu"},"score":0.83,"latency_ms":12}`

func openWritePath(b *testing.B, url string, opts ...Option) (*DB, context.Context) {
	b.Helper()
	db := openBench(b, url, opts...)
	for _, q := range benchTables {
		if _, err := db.write.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return db, atrium.WithActor(context.Background(), atrium.Actor{UserID: "bench"})
}

// BenchmarkFsync is the floor under every durable commit on this disk: write
// 4 KiB into a file of b.TempDir() and fsync it.
func BenchmarkFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	if err := f.Truncate(1 << 20); err != nil {
		b.Fatal(err)
	}
	f.Sync()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := f.WriteAt(buf, int64(i%256)*4096); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, lat, "fsyncs/s")
}

// BenchmarkWriteCeiling measures, per dialect:
//
//   - tx=1row, tx=audit1: transactions per second that insert one row, or
//     append one audit entry, each with its own commit — with and without
//     the wait for the disk (SQLite synchronous=NORMAL; PostgreSQL
//     synchronous_commit=off for the transaction);
//   - batch/events=N/values|prepared|noindex: N telemetry events per
//     transaction, with one audit entry for the batch, through multi-row
//     INSERTs parsed for every batch, prepared once, or parsed for every
//     batch into the table without its secondary index;
//   - audit=N/each and audit=N/batched: N audit entries in one transaction,
//     appended by appendAuditBatch one entry per call (what N transactions
//     of one entry cost, less their commits) or all N at once;
//   - versions/…: registry-like version creates (counter row, insert, audit
//     entry) on scratch tables from 1 and 16 clients, each in its own
//     transaction ("direct") or through the group-commit writer, with and
//     without its linger.
//
// Everything but versions/group runs through db.direct: one transaction and
// one commit per call, the ceiling the writer shares out.
func BenchmarkWriteCeiling(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			benchOneRow(b, d.name, d.url)
			benchEventBatches(b, d.url)
			benchAuditBatches(b, d.url)
			benchVersions(b, d.url)
		})
	}
}

func benchOneRow(b *testing.B, dialect string, url func(*testing.B) string) {
	durable, relaxed := "full", "normal"
	if dialect == "postgres" {
		durable, relaxed = "on", "off"
	}
	for _, kind := range []string{"1row", "audit1"} {
		for _, sync := range []string{durable, relaxed} {
			for _, clients := range benchClients {
				b.Run(fmt.Sprintf("tx=%s/sync=%s/clients=%d", kind, sync, clients), func(b *testing.B) {
					db, ctx := openWritePath(b, url(b))
					if dialect == "sqlite" {
						setSynchronous(b, db, sync)
					}
					runClients(b, db, clients, "tx/s", func(_, i int) error {
						return db.direct(ctx, func(tx *Tx) error {
							if sync == "off" {
								if _, err := tx.exec(`SET LOCAL synchronous_commit = off`); err != nil {
									return err
								}
							}
							if kind == "1row" {
								_, err := tx.exec(`INSERT INTO bench_rows (id, at, v) VALUES ($1, $2, $3)`, i, formatTime(tx.now), "x")
								return err
							}
							return tx.appendAudit("bench.write", "bench", strconv.Itoa(i), struct{ N int }{i})
						})
					})
				})
			}
		}
	}
}

func benchEventBatches(b *testing.B, url func(*testing.B) string) {
	for _, mode := range []string{"values", "prepared", "noindex"} {
		for _, n := range []int{1, 10, 100, 1000, 10000} {
			if mode == "noindex" && n < 1000 {
				continue
			}
			b.Run(fmt.Sprintf("batch/events=%d/%s", n, mode), func(b *testing.B) {
				db, ctx := openWritePath(b, url(b))
				if mode == "noindex" {
					// What the secondary index costs: the same rows with
					// only the primary key.
					if _, err := db.write.Exec(`DROP INDEX bench_events_usecase`); err != nil {
						b.Fatal(err)
					}
				}
				insert := func(tx *Tx, first int64) error { return insertEvents(tx, first, n) }
				if mode == "prepared" {
					// One statement of up to 1,000 rows, parsed once and
					// reused by every transaction, as a long-lived writer
					// would keep it.
					per := min(n, 1000)
					stmt, err := db.write.Prepare(db.dialect.rebind(valuesSQL(eventsInsert, 6, per)))
					if err != nil {
						b.Fatal(err)
					}
					defer stmt.Close()
					insert = func(tx *Tx, first int64) error {
						s := tx.tx.StmtContext(tx.ctx, stmt)
						at := formatTime(tx.now)
						args := make([]any, 0, per*6)
						for start := 0; start < n; start += per {
							args = args[:0]
							for i := start; i < start+per; i++ {
								args = append(args, first+int64(i), at, "uc-churn", "prediction", float64(i%100)/100, benchPayload)
							}
							if _, err := s.Exec(args...); err != nil {
								return err
							}
						}
						return nil
					}
				}
				runClients(b, db, 1, "tx/s", func(_, i int) error {
					return db.direct(ctx, func(tx *Tx) error {
						if err := insert(tx, int64(i)*int64(n)); err != nil {
							return err
						}
						return tx.appendAudit("telemetry.batch", "usecase", "uc-churn", struct{ First, Count int }{i * n, n})
					})
				})
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

const eventsInsert = `INSERT INTO bench_events (seq, at, usecase_id, kind, value, payload) VALUES `

func insertEvents(tx *Tx, first int64, n int) error {
	at := formatTime(tx.now)
	return tx.insertRows(eventsInsert, 6, n, func(i int) []any {
		return []any{first + int64(i), at, "uc-churn", "prediction", float64(i%100) / 100, benchPayload}
	})
}

func benchAuditBatches(b *testing.B, url func(*testing.B) string) {
	for _, mode := range []string{"each", "batched"} {
		for _, n := range []int{16, 256, 1000} {
			b.Run(fmt.Sprintf("audit=%d/%s", n, mode), func(b *testing.B) {
				db, ctx := openWritePath(b, url(b))
				runClients(b, db, 1, "tx/s", func(_, i int) error {
					return db.direct(ctx, func(tx *Tx) error {
						items := make([]auditItem, n)
						for j := range items {
							items[j] = auditItem{At: tx.now, ActorID: "bench", Action: "bench.write", ObjectType: "bench",
								ObjectID: strconv.Itoa(i*n + j), Body: []byte(`{"N":` + strconv.Itoa(j) + `}`)}
						}
						if mode == "batched" {
							return tx.appendAuditBatch(items)
						}
						for _, it := range items {
							if err := tx.appendAuditBatch([]auditItem{it}); err != nil {
								return err
							}
						}
						return nil
					})
				})
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "entries/s")
			})
		}
	}
}

func benchVersions(b *testing.B, url func(*testing.B) string) {
	writers := []struct {
		name string
		opts []Option
	}{
		{"direct", []Option{withWrites(directWrites)}},
		{"group", nil},
		{"group/linger=0", []Option{withLinger(0)}},
	}
	for _, w := range writers {
		for _, clients := range benchClients {
			b.Run(fmt.Sprintf("versions/%s/clients=%d", w.name, clients), func(b *testing.B) {
				db, ctx := openWritePath(b, url(b), w.opts...)
				runClients(b, db, clients, "versions/s", func(_, _ int) error {
					return db.update(ctx, func(tx *Tx) error {
						id, number, err := createVersion(tx, "churn", formatTime(tx.now))
						if err != nil {
							return err
						}
						return tx.appendAudit("version.create", "version", id, struct{ Number int64 }{number})
					})
				})
				checkVersions(b, db, b.N)
			})
		}
	}
}

// createVersion gives model the next version number and inserts the
// version: the write a registry version create makes besides its audit entry.
func createVersion(tx *Tx, model, at string) (string, int64, error) {
	var number int64
	if err := tx.queryRow(`UPDATE bench_models SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number - 1`, model).Scan(&number); err != nil {
		return "", 0, err
	}
	id := atrium.NewID()
	_, err := tx.exec(`INSERT INTO bench_versions (id, model_id, number, uri, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, model, number, "s3://models/"+model+"/"+strconv.FormatInt(number, 10), at)
	return id, number, err
}

// checkVersions fails unless exactly n versions were created, numbered 1…n.
func checkVersions(b *testing.B, db *DB, n int) {
	b.Helper()
	var count, lo, hi int64
	if err := db.read.QueryRow(`SELECT COUNT(*), COALESCE(MIN(number), 0), COALESCE(MAX(number), 0) FROM bench_versions`).Scan(&count, &lo, &hi); err != nil {
		b.Fatal(err)
	}
	if count != int64(n) || (n > 0 && (lo != 1 || hi != int64(n))) {
		b.Fatalf("versions: count=%d numbers %d…%d, want %d numbered 1…%d", count, lo, hi, n, n)
	}
}

// withWrites and withLinger open a DB whose updates commit one by one, or
// whose writer waits up to d for more requests, for the benchmarks that
// compare.
func withWrites(m writeMode) Option     { return func(db *DB) { db.writes = m } }
func withLinger(d time.Duration) Option { return func(db *DB) { db.linger = d } }
