package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
)

// dialect holds the few things that differ between SQLite and PostgreSQL.
type dialect struct {
	name   string
	rebind func(string) string
}

var (
	sqlite = dialect{name: "sqlite", rebind: rebindSQLite}
	// PostgreSQL takes $N as written.
	postgres = dialect{name: "postgres", rebind: func(q string) string { return q }}
)

// rebindSQLite rewrites $N to ?N. SQLite also understands $N, but binds bare
// $-parameters in order of first appearance, so "$2 … $1" would swap values.
func rebindSQLite(q string) string {
	if !strings.Contains(q, "$") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inString = !inString
		}
		if c == '$' && !inString && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (d dialect) isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode() == sqlite3.CONSTRAINT_UNIQUE || se.ExtendedCode() == sqlite3.CONSTRAINT_PRIMARYKEY
	}
	return false
}

func (d dialect) isUnavailable(err error) bool {
	// A connection that died under an open transaction: the transaction's
	// next statement hears of it only as a bad or finished connection.
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	// A server that goes away while rows are still arriving: the read ends
	// early, before the message that would have closed it.
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P: operator intervention.
		return strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "57P")
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.BUSY, sqlite3.LOCKED, sqlite3.IOERR, sqlite3.CANTOPEN, sqlite3.FULL:
			return true
		}
	}
	return false
}
