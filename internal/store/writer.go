package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// The group-commit writer. Every db.update goes through it: callers queue
// their function, one goroutine owns the write connection, takes what is
// queued (up to maxBatch, FIFO), runs each function in a savepoint of one
// shared transaction, appends the audit entries all of them asked for in one
// go, commits once, and only then answers each caller. A commit costs about
// the same for one request as for sixty, so concurrent writers share it
// instead of queueing for it one by one. docs/architecture.md, "Write paths",
// has the design and the measurements behind it.

const (
	// maxBatch bounds the requests that share one transaction: a batch
	// holds the write lock (and on PostgreSQL the audit_head row lock) for
	// as long as its requests take together.
	maxBatch = 64
	// maxLinger bounds how long the writer waits for more requests when it
	// expects them (see groupWriter.fill).
	maxLinger = time.Millisecond
	// maxQueued bounds the requests waiting for the writer. A full queue
	// refuses a write (Unavailable, answered 503) rather than buffering
	// without limit.
	maxQueued = 4096
	// savepoint names the savepoint each request of a batch runs in.
	savepoint = "atrium_request"
	// maxPrepared bounds the statements the SQLite writer keeps prepared.
	maxPrepared = 512
)

// Request states: a caller may withdraw a request only while it is queued;
// once the writer has taken it, the caller waits for its outcome, so that no
// one is told "cancelled" about a write that then commits.
const (
	reqQueued int32 = iota
	reqTaken
	reqWithdrawn
)

// writeReq is one db.update waiting for the writer.
type writeReq struct {
	ctx   context.Context
	fn    func(*Tx) error
	state atomic.Int32
	done  chan writeResult
}

// writeResult is a request's outcome: its error, or the panic its function
// raised (re-raised in the caller's goroutine, where it would have happened
// before the writer existed).
type writeResult struct {
	err      error
	panicked bool
	value    any
	stack    []byte
}

// WriterPanic is what a caller of a store method panics with when the
// function it gave the writer panicked there. It carries the writer's stack,
// since the caller's own stack would not show where the panic happened.
type WriterPanic struct {
	Value any
	Stack []byte
}

func (p *WriterPanic) Error() string {
	return fmt.Sprintf("panic in a store write: %v\n\n%s", p.Value, p.Stack)
}

// groupWriter owns the write connection for db.update.
type groupWriter struct {
	db     *DB
	queue  chan *writeReq
	linger time.Duration

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	done   chan struct{}

	// expect is how many requests the next batch can count on: the last
	// batch's size plus what queued while it ran. Only the writer
	// goroutine touches it.
	expect int
	// stmts are the statements kept prepared on the SQLite write
	// connection; nil on PostgreSQL, whose driver keeps its own per
	// connection.
	stmts *stmtCache

	batches  atomic.Int64
	requests atomic.Int64
}

func newGroupWriter(db *DB, linger time.Duration, queued int) *groupWriter {
	w := &groupWriter{db: db, queue: make(chan *writeReq, queued), linger: linger, done: make(chan struct{})}
	if db.dialect.name == "sqlite" {
		w.stmts = &stmtCache{db: db, ready: map[string]*sql.Stmt{}, seen: map[string]bool{}}
	}
	go w.run()
	return w
}

// do queues fn and waits for its outcome.
func (w *groupWriter) do(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return w.db.classify(err)
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return atrium.Errorf(atrium.Unavailable, "the database is closed")
	}
	select {
	case w.queue <- r:
	default:
		w.mu.RUnlock()
		return atrium.Busy(time.Second, "too many writes are waiting for the database; try again shortly")
	}
	w.mu.RUnlock()
	var res writeResult
	select {
	case res = <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqWithdrawn) {
			return w.db.classify(ctx.Err())
		}
		res = <-r.done
	}
	if res.panicked {
		panic(&WriterPanic{Value: res.value, Stack: res.stack})
	}
	return res.err
}

// close stops taking requests, lets the writer finish every queued one and
// waits for it to stop.
func (w *groupWriter) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *groupWriter) run() {
	defer close(w.done)
	defer w.stmts.close()
	batch := make([]*writeReq, 0, maxBatch)
	for first := range w.queue {
		if !first.state.CompareAndSwap(reqQueued, reqTaken) {
			continue // withdrawn; its caller has gone
		}
		batch = w.fill(append(batch[:0], first))
		results := w.commit(batch)
		// Before the answers, so that the writer is idle when a caller
		// returns (unless others queued): a statement is prepared once in
		// the life of the process.
		w.stmts.prepareSeen()
		w.batches.Add(1)
		w.requests.Add(int64(len(batch)))
		w.expect = len(batch) + len(w.queue)
		for i, r := range batch {
			r.done <- results[i]
		}
		clear(batch) // drop the references to answered requests
	}
}

// fill adds to batch what is already queued, and then, if the last round
// suggests more requests are about to arrive (their callers were answered a
// moment ago and are sending the next), waits up to the linger for them. A
// lone client is never kept waiting: after a batch of one with nothing
// queued, the writer expects one.
func (w *groupWriter) fill(batch []*writeReq) []*writeReq {
	take := func(r *writeReq) {
		if r.state.CompareAndSwap(reqQueued, reqTaken) {
			batch = append(batch, r)
		}
	}
drain:
	for len(batch) < maxBatch {
		select {
		case r, ok := <-w.queue:
			if !ok {
				return batch
			}
			take(r)
		default:
			break drain
		}
	}
	want := min(w.expect, maxBatch)
	if w.linger <= 0 || len(batch) >= want {
		return batch
	}
	timer := time.NewTimer(w.linger)
	defer timer.Stop()
	for len(batch) < want {
		select {
		case r, ok := <-w.queue:
			if !ok {
				return batch
			}
			take(r)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// commit runs batch in one transaction and returns each request's outcome.
func (w *groupWriter) commit(batch []*writeReq) []writeResult {
	db := w.db
	results := make([]writeResult, len(batch))
	// fail gives every request that had not failed on its own the error
	// that ended the whole transaction.
	fail := func(err error) []writeResult {
		err = db.classify(err)
		for i := range results {
			if results[i].err == nil && !results[i].panicked {
				results[i] = writeResult{err: err}
			}
		}
		return results
	}
	// The transaction is the writer's, not any one caller's: a caller that
	// goes away must not roll back the others' work. Each request's
	// statements run with its own context's values (actor, request id) but
	// without its cancellation, for the same reason — cancelling a statement
	// can abort the whole transaction (SQLite rolls back an interrupted
	// write; pgx closes the connection).
	ctx := context.Background()
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	single := len(batch) == 1
	var items []auditItem
	for i, r := range batch {
		tx := &Tx{tx: sqltx, db: db, ctx: context.WithoutCancel(r.ctx), now: db.clock(), stmts: w.stmts}
		if !single {
			if _, err := tx.exec(`SAVEPOINT ` + savepoint); err != nil {
				sqltx.Rollback()
				return fail(fmt.Errorf("open a savepoint: %w", err))
			}
		}
		results[i] = runRequest(tx, r.fn)
		if results[i].err != nil || results[i].panicked {
			if single {
				sqltx.Rollback()
				return results
			}
			if _, err := tx.exec(`ROLLBACK TO SAVEPOINT ` + savepoint); err != nil {
				sqltx.Rollback()
				return fail(fmt.Errorf("roll back a failed request: %w", err))
			}
		} else {
			items = append(items, tx.audit...)
		}
		if !single {
			if _, err := tx.exec(`RELEASE SAVEPOINT ` + savepoint); err != nil {
				sqltx.Rollback()
				return fail(fmt.Errorf("release a savepoint: %w", err))
			}
		}
	}
	batchTx := &Tx{tx: sqltx, db: db, ctx: ctx, stmts: w.stmts}
	if err := batchTx.appendAuditBatch(items); err != nil {
		sqltx.Rollback()
		return fail(err)
	}
	if err := sqltx.Commit(); err != nil {
		return fail(err)
	}
	return results
}

// stmtCache keeps the writer's statements prepared on the SQLite write
// connection: database/sql otherwise parses every statement anew on each
// call, which was a third of the writer's time. A statement cannot be
// prepared while a batch holds the only connection, so one the writer has
// not prepared yet runs as before and is prepared after the batch, once the
// connection is free. Only the writer goroutine uses it.
type stmtCache struct {
	db    *DB
	ready map[string]*sql.Stmt // by the query as written, before rebind
	seen  map[string]bool      // run unprepared in the current batch
}

// get returns q prepared, or nil after noting it for prepareSeen.
func (c *stmtCache) get(q string) *sql.Stmt {
	if st, ok := c.ready[q]; ok {
		return st
	}
	if len(c.ready)+len(c.seen) < maxPrepared {
		c.seen[q] = true
	}
	return nil
}

// prepareSeen prepares the statements the last batch ran unprepared. One
// that fails to prepare (a migration's, say, that will not run again) is
// left out.
func (c *stmtCache) prepareSeen() {
	if c == nil {
		return
	}
	for q := range c.seen {
		if st, err := c.db.write.Prepare(c.db.dialect.rebind(q)); err == nil {
			c.ready[q] = st
		}
	}
	clear(c.seen)
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	for _, st := range c.ready {
		st.Close()
	}
}

// runRequest runs one request's function, turning a panic into its result
// so that the writer carries on with the rest of the batch.
func runRequest(tx *Tx, fn func(*Tx) error) (res writeResult) {
	defer func() {
		if v := recover(); v != nil {
			res = writeResult{panicked: true, value: v, stack: debug.Stack()}
		}
	}()
	if err := fn(tx); err != nil {
		return writeResult{err: tx.db.classify(err)}
	}
	return writeResult{}
}

// direct runs fn in a transaction of its own on the write pool, bypassing
// the writer: one commit per call. The benchmarks measure the ceiling under
// the writer with it; a DB opened with directWrites uses it for every update.
func (db *DB) direct(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.classify(err)
	}
	tx := &Tx{tx: sqltx, db: db, ctx: ctx, now: db.clock()}
	if err := fn(tx); err != nil {
		sqltx.Rollback()
		return db.classify(err)
	}
	if err := tx.appendAuditBatch(tx.audit); err != nil {
		sqltx.Rollback()
		return db.classify(err)
	}
	if err := sqltx.Commit(); err != nil {
		return db.classify(err)
	}
	return nil
}

// clock is the time a write transaction records: db.now, in UTC, at the
// microsecond precision both databases keep.
func (db *DB) clock() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// WriterStats counts the writer's batches and the requests they held; the
// benchmarks report their ratio as requests per commit.
type WriterStats struct {
	Batches, Requests int64
}

// WriterStats reports how many batches the writer committed (or failed) and
// how many requests they held; both are zero when writes go direct.
func (db *DB) WriterStats() WriterStats {
	if db.writer == nil {
		return WriterStats{}
	}
	return WriterStats{Batches: db.writer.batches.Load(), Requests: db.writer.requests.Load()}
}
