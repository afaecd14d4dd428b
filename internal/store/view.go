package store

import (
	"context"
	"database/sql"
)

// view runs fn in a read-only transaction that sees one snapshot of the
// database from its first query to its last, whatever commits meanwhile.
func (db *DB) view(ctx context.Context, fn func(tx *Tx) error) error {
	var opts sql.TxOptions
	switch db.dialect.name {
	case "postgres":
		// READ COMMITTED, PostgreSQL's default, takes a fresh snapshot for
		// every statement; REPEATABLE READ keeps the first one.
		opts = sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	default:
		// A read-only SQLite transaction is deferred: in WAL mode its first
		// read fixes the snapshot, and writers carry on beside it. (The
		// driver refuses an explicit REPEATABLE READ.)
		opts = sql.TxOptions{ReadOnly: true}
	}
	sqltx, err := db.read.BeginTx(ctx, &opts)
	if err != nil {
		return db.classify(err)
	}
	// Nothing is written, so there is nothing to commit.
	defer sqltx.Rollback()
	return db.classify(fn(&Tx{tx: sqltx, db: db, ctx: ctx}))
}
