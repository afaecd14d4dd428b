// Package store keeps everything Atrium knows in SQLite or PostgreSQL. Each
// query is written once, with $N placeholders, and rewritten for the dialect;
// every mutation appends its audit entry in the same transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"
	"github.com/ncruces/go-sqlite3/ext/unicode"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
)

// DB is a handle on the database. For SQLite it holds one connection for
// writes (SQLite allows a single writer; queueing in Go beats busy-waiting in
// SQLite) and a pool for reads. For PostgreSQL both point at one pool.
type DB struct {
	write   *sql.DB
	read    *sql.DB
	dialect dialect
	url     string
	now     func() time.Time
	// templates are the canvas templates the server offers; every change to
	// a canvas is checked against the canvas's own.
	templates *canvas.Library
	// accessCount, when set, counts the use-case access checks (see
	// CountAccess).
	accessCount *atomic.Int64
	// writes is how db.update runs (writer.go); writer is the group-commit
	// writer when writes is groupCommit.
	writes writeMode
	linger time.Duration
	queued int // capacity of the writer's queue
	writer *groupWriter
	// reads keeps the read pool's statements prepared (SQLite only).
	reads *readStmts
	// versions caches registry versions' immutable content.
	versions versionCache
	// tokens caches what API tokens resolve to (authcache.go).
	tokens tokenCache
	// telemetry caches what ingestion asks on every request
	// (telemetry_cache.go).
	telemetry telemetryCaches
}

// writeMode is how db.update commits.
type writeMode int

const (
	// groupCommit queues every update for the one writer goroutine, which
	// commits concurrent updates together (writer.go). Both dialects use
	// it: measured in docs/benchmarks.md, "Registry: group commit".
	groupCommit writeMode = iota
	// directWrites gives every update a transaction and a commit of its
	// own, as before the writer; kept for the benchmarks that compare.
	directWrites
)

// Option configures a DB when it is opened.
type Option func(*DB)

// WithTemplates gives the store the canvas templates the server offers: the
// built-in ones and a team's own. Without it the store knows the built-in
// ones only, and refuses changes to a canvas made from any other.
func WithTemplates(lib *canvas.Library) Option {
	return func(db *DB) {
		if lib != nil {
			db.templates = lib
		}
	}
}

// CountAccess makes the store add one to n each time it works out an actor's
// role on a use case, so that a test can check how often one request does.
func CountAccess(n *atomic.Int64) Option { return func(db *DB) { db.accessCount = n } }

// Open connects to the database named by url — a postgres:// URL, or a path
// to an SQLite file (created if missing) — and applies pending migrations.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	db, err := open(url, true)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(db)
	}
	db.startWriter()
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.renderStored(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenNoMigrate connects to an existing database without migrating, for
// tools that must look at a database as it is. A missing SQLite file is an
// error, not a new empty database.
func OpenNoMigrate(url string, opts ...Option) (*DB, error) {
	db, err := open(url, false)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(db)
	}
	db.startWriter()
	return db, nil
}

func (db *DB) startWriter() {
	if db.dialect.name == "sqlite" {
		db.reads = newReadStmts(db.read, db.dialect)
	}
	if db.writes == groupCommit {
		db.writer = newGroupWriter(db, db.linger, db.queued)
	}
}

func open(url string, create bool) (*DB, error) {
	builtin, err := canvas.NewLibrary(canvas.Builtin()...)
	if err != nil {
		return nil, err
	}
	db := &DB{url: url, now: func() time.Time { return time.Now().UTC() }, templates: builtin, linger: maxLinger, queued: maxQueued}
	if IsPostgres(url) {
		pool, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(20)
		pool.SetMaxIdleConns(10)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read, db.dialect = pool, pool, postgres
		return db, nil
	}
	mode := "rwc"
	if !create {
		if _, err := os.Stat(url); err != nil {
			return nil, fmt.Errorf("no database at %s: %w", url, err)
		}
		mode = "rw"
	} else if err := os.MkdirAll(filepath.Dir(url), 0o700); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	// synchronous=FULL: an acknowledged write survives power loss, which the
	// audit trail promises. busy_timeout covers other processes (the CLI).
	dsn := "file:" + url + "?mode=" + mode + "&_txlock=immediate&_timefmt=rfc3339" +
		"&_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(full)&_pragma=foreign_keys(on)"
	// temp_store=memory on the writer: the journal of a savepoint (every
	// request of a group commit runs in one) stays in memory instead of a
	// temporary file; it was a quarter of ingestion's CPU in system calls.
	w, err := driver.Open(dsn+"&_pragma=temp_store(memory)", sqliteExtensions)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := driver.Open(dsn, sqliteExtensions)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// Keep every read connection open: database/sql keeps only 2 idle by
	// default, and each reopened SQLite connection runs its pragmas, reads
	// the schema and prepares its statements again (11% of a registry
	// read's CPU at 16 clients before this).
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.write, db.read, db.dialect = w, r, sqlite
	if err := w.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", url, err)
	}
	return db, nil
}

// sqliteExtensions registers what each SQLite connection needs beyond the
// core: Unicode-aware functions, and FTS5 for full-text search. (driver.Open
// takes one callback for opening a connection; a second would run on close.)
func sqliteExtensions(c *sqlite3.Conn) error {
	return errors.Join(unicode.Register(c), fts5.Register(c))
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Templates returns the canvas templates the store was opened with.
func (db *DB) Templates() *canvas.Library { return db.templates }

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// Close finishes the writes already queued, then releases every connection.
// Writes asked for after Close are refused (Unavailable).
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.close()
	}
	db.reads.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return atrium.Wrap(atrium.Unavailable, err, "database unavailable")
	}
	return nil
}

// Stats reports connection-pool statistics for /metrics.
func (db *DB) Stats() (write, read sql.DBStats) { return db.write.Stats(), db.read.Stats() }

// SetClock replaces the clock, for tests.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Tx is a write transaction, or one request's part of the writer's
// transaction: its statements see what earlier requests of the same batch
// wrote. now is the request's own time, taken when the writer starts it, so
// within a batch it increases in the order requests ran. Its helpers rebind
// placeholders for the dialect.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	ctx context.Context
	now time.Time
	// audit holds the entries the request asked for, until the writer
	// appends them (appendAudit).
	audit []auditItem
	// stmts, when set, keeps the statements tx runs prepared.
	stmts *stmtCache
}

// update runs fn in a write transaction and commits it if fn succeeds. fn
// may run in one transaction with other callers' functions, each in a
// savepoint of its own (writer.go): an error fn returns undoes fn's writes
// only, and update returns once the commit holding fn's writes is durable.
// A caller whose ctx ends while fn is still queued gets the context's
// error and fn never runs; once fn has started, update waits for the
// outcome.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	if db.writer == nil {
		return db.direct(ctx, fn)
	}
	return db.writer.do(ctx, fn)
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	if st := tx.prepared(q); st != nil {
		return st.ExecContext(tx.ctx, args...)
	}
	return tx.tx.ExecContext(tx.ctx, tx.db.dialect.rebind(q), args...)
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	if st := tx.prepared(q); st != nil {
		return st.QueryContext(tx.ctx, args...)
	}
	return tx.tx.QueryContext(tx.ctx, tx.db.dialect.rebind(q), args...)
}

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	if st := tx.prepared(q); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, tx.db.dialect.rebind(q), args...)
}

// prepared returns q prepared on tx's connection if the writer keeps it
// prepared (stmtCache), or nil.
func (tx *Tx) prepared(q string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	st := tx.stmts.get(q)
	if st == nil {
		return nil
	}
	return tx.tx.StmtContext(tx.ctx, st)
}

// querier is what read helpers need: either the read pool or a Tx.
type querier interface {
	query(q string, args ...any) (*sql.Rows, error)
	queryRow(q string, args ...any) *sql.Row
	// store is the DB the queries go to, for classify.
	store() *DB
}

func (tx *Tx) store() *DB { return tx.db }

// reader runs queries on the read pool.
type reader struct {
	db  *DB
	ctx context.Context
}

func (db *DB) reader(ctx context.Context) reader { return reader{db, ctx} }

func (r reader) query(q string, args ...any) (*sql.Rows, error) {
	if st := r.db.reads.get(q); st != nil {
		return st.QueryContext(r.ctx, args...)
	}
	return r.db.read.QueryContext(r.ctx, r.db.dialect.rebind(q), args...)
}

func (r reader) queryRow(q string, args ...any) *sql.Row {
	if st := r.db.reads.get(q); st != nil {
		return st.QueryRowContext(r.ctx, args...)
	}
	return r.db.read.QueryRowContext(r.ctx, r.db.dialect.rebind(q), args...)
}

func (r reader) store() *DB { return r.db }

// classify turns driver errors into typed ones: no rows → NotFound, unique
// violations → Conflict, a dead connection → Unavailable.
func (db *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *atrium.Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return atrium.Wrap(atrium.NotFound, err, "not found")
	case db.dialect.isUnique(err):
		return atrium.Wrap(atrium.Conflict, err, "already exists")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return atrium.Wrap(atrium.Unavailable, err, "the request was cancelled or timed out")
	case db.dialect.isUnavailable(err):
		return atrium.Wrap(atrium.Unavailable, err, "database unavailable")
	}
	return err
}

// notFound maps sql.ErrNoRows to a NotFound error with a helpful message.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return atrium.Errorf(atrium.NotFound, format, args...)
	}
	return err
}

// uniqueAs maps a unique violation to a Conflict error with a helpful message.
func (tx *Tx) uniqueAs(err error, format string, args ...any) error {
	if err != nil && tx.db.dialect.isUnique(err) {
		return atrium.Wrap(atrium.Conflict, err, fmt.Sprintf(format, args...))
	}
	return err
}
