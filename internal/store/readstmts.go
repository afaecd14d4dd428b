package store

import (
	"database/sql"
	"sync"
)

// maxReadStmts bounds the statements the read pool keeps prepared. Queries
// built at run time (IN lists of varying length) would otherwise grow the
// cache without end; past the bound a query runs unprepared, as before.
const maxReadStmts = 512

// readStmts keeps the read pool's statements prepared. Parsing SQL was half
// of a registry read's CPU time on SQLite (docs/benchmarks.md, "Registry:
// reads"): database/sql prepares, runs and closes every statement it is
// given as text. A pool-level *sql.Stmt is prepared once per connection, on
// first use there, and reused after. PostgreSQL's driver caches prepared
// statements itself, so only SQLite uses this.
type readStmts struct {
	pool *sql.DB
	d    dialect

	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	failed map[string]bool // would not prepare: run as text
	closed bool
}

func newReadStmts(pool *sql.DB, d dialect) *readStmts {
	return &readStmts{pool: pool, d: d, stmts: map[string]*sql.Stmt{}, failed: map[string]bool{}}
}

// get returns q prepared on the read pool, or nil when q should run as
// text (the cache is off, full, closed, or q did not prepare).
func (c *readStmts) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st, ok := c.stmts[q]
	skip := c.closed || c.failed[q] || len(c.stmts)+len(c.failed) >= maxReadStmts
	c.mu.RUnlock()
	if ok || skip {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[q]; ok || c.closed {
		return st
	}
	st, err := c.pool.Prepare(c.d.rebind(q))
	if err != nil {
		// A statement that does not prepare fails the same way as text,
		// with the driver's own error for the caller.
		c.failed[q] = true
		return nil
	}
	c.stmts[q] = st
	return st
}

// close closes every prepared statement; later reads run as text.
func (c *readStmts) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	clear(c.stmts)
	c.closed = true
}
