package store

import (
	"strconv"
	"strings"
)

// scanner is one row to read: a *sql.Row or the current row of *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect runs a query through q and reads every row with scan. Its errors —
// the one rows.Err reports when the connection drops half-way included — go
// through classify, so a list cut short by a lost database is Unavailable,
// never a short list or an internal error.
func collect[T any](q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	out := []T{}
	err := each(q, func(sc scanner) error {
		v, err := scan(sc)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// each is collect for results too long to hold at once: it hands every row
// to fn as it comes, and stops at the first error fn returns.
func each(q querier, fn func(scanner) error, query string, args ...any) error {
	db := q.store()
	rows, err := q.query(query, args...)
	if err != nil {
		return db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return db.classify(err)
		}
	}
	if err := rows.Err(); err != nil {
		return db.classify(err)
	}
	return db.classify(rows.Close())
}

// scanOne reads a single column.
func scanOne[T any](sc scanner) (T, error) {
	var v T
	err := sc.Scan(&v)
	return v, err
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
