package store

// The ceiling under every write, and what sharing it buys: transactions per
// second through the write connection with one commit (one fsync) each,
// batched inserts, audit entries appended one by one or as a batch, and a
// group-commit writer that folds concurrent requests into one transaction.
// The batched audit append and the group-commit writer here are measurement
// prototypes for docs/architecture.md, "Write paths", not product code; the
// batched append is checked by audit.Verify after every run, like the rest.

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
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

func openWritePath(b *testing.B, url string) (*DB, context.Context) {
	b.Helper()
	db := openBench(b, url)
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
//     appended by appendAudit one by one or by appendAuditBatch at once;
//   - versions/…: registry version creates (counter row, insert, audit entry)
//     from 16 clients, each in its own transaction ("direct") or through a
//     group-commit writer.
func BenchmarkWriteCeiling(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			benchOneRow(b, d.name, d.url)
			benchEventBatches(b, d.url)
			benchAuditBatches(b, d.url)
			benchVersions(b, d.name, d.url)
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
						return db.update(ctx, func(tx *Tx) error {
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
					return db.update(ctx, func(tx *Tx) error {
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
					return db.update(ctx, func(tx *Tx) error {
						items := make([]auditItem, n)
						for j := range items {
							items[j] = auditItem{ActorID: "bench", Action: "bench.write", ObjectType: "bench", ObjectID: strconv.Itoa(i*n + j), Content: struct{ N int }{j}}
						}
						if mode == "batched" {
							return tx.appendAuditBatch(items)
						}
						for _, it := range items {
							if err := tx.appendAudit(it.Action, it.ObjectType, it.ObjectID, it.Content); err != nil {
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

func benchVersions(b *testing.B, dialect string, url func(*testing.B) string) {
	for _, clients := range benchClients {
		b.Run(fmt.Sprintf("versions/direct/clients=%d", clients), func(b *testing.B) {
			db, ctx := openWritePath(b, url(b))
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
	groups := []struct {
		mode groupMode
		wait time.Duration
	}{{perRequest, 0}, {batchedAudit, 0}, {batchedAudit, time.Millisecond}, {setBased, 0}, {batchedPrepared, 0}}
	for _, gc := range groups {
		if gc.mode == batchedPrepared && dialect != "sqlite" {
			continue // pgx caches prepared statements per connection already
		}
		b.Run(fmt.Sprintf("versions/group/%s/wait=%s/clients=16", gc.mode, gc.wait), func(b *testing.B) {
			db, ctx := openWritePath(b, url(b))
			g := &groupWriter{db: db, in: make(chan *versionReq), max: 64, wait: gc.wait, mode: gc.mode}
			if gc.mode == batchedPrepared {
				g.stmts = map[string]*sql.Stmt{}
				for _, q := range []string{sqlSavepoint, sqlRelease, sqlRollbackTo, sqlNextNumber, sqlInsertVersion} {
					st, err := db.write.Prepare(db.dialect.rebind(q))
					if err != nil {
						b.Fatalf("prepare %s: %v", q, err)
					}
					defer st.Close()
					g.stmts[q] = st
				}
			}
			var wg sync.WaitGroup
			wg.Go(func() { g.run(ctx) })
			runClients(b, db, 16, "versions/s", func(_, _ int) error {
				r := &versionReq{actorID: "bench", done: make(chan error, 1)}
				g.in <- r
				return <-r.done
			})
			close(g.in)
			wg.Wait()
			if n := g.batches.Load(); n > 0 {
				b.ReportMetric(float64(g.reqs.Load())/float64(n), "reqs/batch")
			}
			checkVersions(b, db, b.N)
		})
	}
}

// The statements of one version create inside a group-commit batch.
const (
	sqlSavepoint     = `SAVEPOINT req`
	sqlRelease       = `RELEASE SAVEPOINT req`
	sqlRollbackTo    = `ROLLBACK TO SAVEPOINT req`
	sqlNextNumber    = `UPDATE bench_models SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number - 1`
	sqlInsertVersion = `INSERT INTO bench_versions (id, model_id, number, uri, created_at) VALUES ($1, $2, $3, $4, $5)`
)

// txRunner is what createVersion needs: a *Tx, or a preparedTx.
type txRunner interface {
	exec(q string, args ...any) (sql.Result, error)
	queryRow(q string, args ...any) *sql.Row
}

// preparedTx runs a transaction's statements through statements prepared
// once on the write connection, so that SQLite parses each of them once
// rather than once per call.
type preparedTx struct {
	*Tx
	stmts map[string]*sql.Stmt
}

func (p preparedTx) stmt(q string) *sql.Stmt { return p.tx.StmtContext(p.ctx, p.stmts[q]) }

func (p preparedTx) exec(q string, args ...any) (sql.Result, error) {
	return p.stmt(q).ExecContext(p.ctx, args...)
}

func (p preparedTx) queryRow(q string, args ...any) *sql.Row {
	return p.stmt(q).QueryRowContext(p.ctx, args...)
}

// createVersion gives model the next version number and inserts the
// version: the write a registry version create makes besides its audit entry.
func createVersion(tx txRunner, model, at string) (string, int64, error) {
	var number int64
	if err := tx.queryRow(sqlNextNumber, model).Scan(&number); err != nil {
		return "", 0, err
	}
	id := atrium.NewID()
	_, err := tx.exec(sqlInsertVersion, id, model, number, "s3://models/"+model+"/"+strconv.FormatInt(number, 10), at)
	return id, number, err
}

// createVersions is createVersion for k versions at once: one counter update
// claims k consecutive numbers, one multi-row insert adds the versions. It
// returns their ids and the first number.
func createVersions(tx *Tx, model string, k int) ([]string, int64, error) {
	var first int64
	if err := tx.queryRow(`UPDATE bench_models SET next_number = next_number + $2 WHERE id = $1 RETURNING next_number - $2`, model, k).Scan(&first); err != nil {
		return nil, 0, err
	}
	ids := make([]string, k)
	for i := range ids {
		ids[i] = atrium.NewID()
	}
	at := formatTime(tx.now)
	err := tx.insertRows(`INSERT INTO bench_versions (id, model_id, number, uri, created_at) VALUES `, 5, k, func(i int) []any {
		n := first + int64(i)
		return []any{ids[i], model, n, "s3://models/" + model + "/" + strconv.FormatInt(n, 10), at}
	})
	return ids, first, err
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

// versionReq is one client's request to the group-commit writer. done gets
// the outcome once the transaction holding it has committed (or failed).
type versionReq struct {
	actorID string
	done    chan error
}

// groupWriter is the group-commit prototype: one goroutine owns the writer;
// it takes the first waiting request, adds whatever else is already queued,
// then waits up to wait for more while the batch is smaller than max, runs
// the batch in one transaction (see groupMode), appends its audit entries,
// commits once, and only then answers each request.
type groupWriter struct {
	db      *DB
	in      chan *versionReq
	max     int
	wait    time.Duration
	mode    groupMode
	stmts   map[string]*sql.Stmt // prepared statements, for batchedPrepared
	batches atomic.Int64
	reqs    atomic.Int64
}

// groupMode is how a groupWriter writes a batch.
type groupMode string

const (
	// perRequest: a savepoint per request, so that one bad request does not
	// fail the others, each with its own audit entry appended by appendAudit.
	perRequest groupMode = "savepoint+audit=each"
	// batchedAudit: a savepoint per request, then one appendAuditBatch for
	// the requests that succeeded.
	batchedAudit groupMode = "savepoint+audit=batched"
	// setBased: one counter update claiming every number, one multi-row
	// insert, one appendAuditBatch; no savepoints (a failed batch would be
	// retried request by request, which the prototype does not do).
	setBased groupMode = "set+audit=batched"
	// batchedPrepared is batchedAudit with each request's statements
	// prepared once on the write connection instead of parsed per call.
	batchedPrepared groupMode = "savepoint+audit=batched+prepared"
)

func (g *groupWriter) run(ctx context.Context) {
	batch := make([]*versionReq, 0, g.max)
	errs := make([]error, g.max)
	for first := range g.in {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < g.max {
			select {
			case r, ok := <-g.in:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		if g.wait > 0 && len(batch) < g.max {
			timer := time.NewTimer(g.wait)
		linger:
			for len(batch) < g.max {
				select {
				case r, ok := <-g.in:
					if !ok {
						break linger
					}
					batch = append(batch, r)
				case <-timer.C:
					break linger
				}
			}
			timer.Stop()
		}
		clear(errs)
		err := g.db.update(ctx, func(tx *Tx) error { return g.apply(tx, batch, errs) })
		for i, r := range batch {
			if err != nil {
				r.done <- err
			} else {
				r.done <- errs[i]
			}
		}
		g.batches.Add(1)
		g.reqs.Add(int64(len(batch)))
	}
}

func (g *groupWriter) apply(tx *Tx, batch []*versionReq, errs []error) error {
	items := make([]auditItem, 0, len(batch))
	if g.mode == setBased {
		ids, first, err := createVersions(tx, "churn", len(batch))
		if err != nil {
			return err
		}
		for i, r := range batch {
			items = append(items, auditItem{ActorID: r.actorID, Action: "version.create", ObjectType: "version", ObjectID: ids[i], Content: struct{ Number int64 }{first + int64(i)}})
		}
		return tx.appendAuditBatch(items)
	}
	var run txRunner = tx
	if g.stmts != nil {
		run = preparedTx{tx, g.stmts}
	}
	for i, r := range batch {
		if _, err := run.exec(sqlSavepoint); err != nil {
			return err
		}
		id, number, err := createVersion(run, "churn", formatTime(tx.now))
		it := auditItem{ActorID: r.actorID, Action: "version.create", ObjectType: "version", ObjectID: id, Content: struct{ Number int64 }{number}}
		if err == nil && g.mode == perRequest {
			err = tx.appendAudit(it.Action, it.ObjectType, it.ObjectID, it.Content)
		}
		if err != nil {
			errs[i] = err
			if _, err := run.exec(sqlRollbackTo); err != nil {
				return err
			}
		}
		if _, err := run.exec(sqlRelease); err != nil {
			return err
		}
		if errs[i] == nil {
			items = append(items, it)
		}
	}
	if g.mode == batchedAudit || g.mode == batchedPrepared {
		return tx.appendAuditBatch(items)
	}
	return nil
}

// auditItem is one entry for appendAuditBatch.
type auditItem struct {
	ActorID, RequestID, Action, ObjectType, ObjectID string
	Content                                          any
}

// appendAuditBatch appends entries for a whole batch in one go: one update
// of audit_head claims all positions, the chain and the Merkle leaves are
// computed in memory (a leaf reads the inner hashes that earlier leaves of
// the same batch made from memory, older ones from the table), and entries,
// salts and tree hashes go in with multi-row inserts. It produces exactly
// the rows len(items) calls of appendAudit would.
func (tx *Tx) appendAuditBatch(items []auditItem) error {
	if len(items) == 0 {
		return nil
	}
	n := int64(len(items))
	var size int64
	var prev string
	if err := tx.queryRow(`UPDATE audit_head SET size = size + $1 WHERE id = 1 RETURNING size - $1, last_hash`, n).Scan(&size, &prev); err != nil {
		return fmt.Errorf("audit: claim positions: %w", err)
	}
	entries := make([]audit.Entry, n)
	salts := make([]string, n)
	for i, it := range items {
		body, err := json.Marshal(it.Content)
		if err != nil {
			return fmt.Errorf("audit: encode content: %w", err)
		}
		salt := audit.NewSalt()
		e := audit.Entry{Seq: size + int64(i), At: tx.now, ActorID: it.ActorID, Action: it.Action, ObjectType: it.ObjectType,
			ObjectID: it.ObjectID, RequestID: it.RequestID, Commitment: audit.Commit(salt, body), PrevHash: prev}
		e.Seal()
		prev = e.Hash
		entries[i], salts[i] = e, hex.EncodeToString(salt)
	}
	fresh := map[int64]tlog.Hash{}
	var idxs []int64
	var hashes []tlog.Hash
	stored := tx.hashReader()
	read := tlog.HashReaderFunc(func(want []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(want))
		for i, x := range want {
			if h, ok := fresh[x]; ok {
				out[i] = h
				continue
			}
			h, err := stored([]int64{x})
			if err != nil {
				return nil, err
			}
			out[i] = h[0]
		}
		return out, nil
	})
	for _, e := range entries {
		hs, err := tlog.StoredHashes(e.Seq, e.Canonical(), read)
		if err != nil {
			return fmt.Errorf("audit: tree hashes: %w", err)
		}
		base := tlog.StoredHashIndex(0, e.Seq)
		for i, h := range hs {
			fresh[base+int64(i)] = h
			idxs = append(idxs, base+int64(i))
			hashes = append(hashes, h)
		}
	}
	if err := tx.insertRows(`INSERT INTO audit_entries (seq, at, actor_id, action, object_type, object_id, request_id, commitment, prev_hash, hash) VALUES `, 10, len(entries), func(i int) []any {
		e := entries[i]
		return []any{e.Seq, formatTime(e.At), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Commitment, e.PrevHash, e.Hash}
	}); err != nil {
		return fmt.Errorf("audit: insert entries: %w", err)
	}
	if err := tx.insertRows(`INSERT INTO audit_salts (seq, salt) VALUES `, 2, len(salts), func(i int) []any {
		return []any{entries[i].Seq, salts[i]}
	}); err != nil {
		return fmt.Errorf("audit: insert salts: %w", err)
	}
	if err := tx.insertRows(`INSERT INTO audit_hashes (idx, hash) VALUES `, 2, len(idxs), func(i int) []any {
		return []any{idxs[i], hex.EncodeToString(hashes[i][:])}
	}); err != nil {
		return fmt.Errorf("audit: insert tree hashes: %w", err)
	}
	_, err := tx.exec(`UPDATE audit_head SET last_hash = $1 WHERE id = 1`, prev)
	return err
}

// insertRows inserts n rows with multi-row INSERT … VALUES statements of at
// most 1,000 rows; prefix ends in "VALUES ", row(i) gives row i's cols values.
func (tx *Tx) insertRows(prefix string, cols, n int, row func(i int) []any) error {
	const perStatement = 1000
	for start := 0; start < n; start += perStatement {
		end := min(n, start+perStatement)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		if _, err := tx.exec(valuesSQL(prefix, cols, end-start), args...); err != nil {
			return err
		}
	}
	return nil
}

// valuesSQL returns prefix followed by rows groups of cols placeholders.
func valuesSQL(prefix string, cols, rows int) string {
	var q strings.Builder
	q.WriteString(prefix)
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range cols {
			if c > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('$')
			q.WriteString(strconv.Itoa(i*cols + c + 1))
		}
		q.WriteByte(')')
	}
	return q.String()
}
