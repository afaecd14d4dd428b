package store

import (
	"context"
	"fmt"
	"time"
)

// sweepChunk bounds the payloads one statement of SweepPayloads removes, so
// that other writes are never kept waiting long.
const sweepChunk = 5000

// SweepResult is what one SweepPayloads removed.
type SweepResult struct {
	// UseCases counts the use cases with a retention period.
	UseCases int `json:"usecases"`
	// Payloads counts payloads removed row by row.
	Payloads int64 `json:"payloads"`
	// Partitions names the daily payload partitions dropped (PostgreSQL).
	Partitions []string `json:"partitions,omitempty"`
}

type retention struct {
	useCaseID string
	cutoff    time.Time
}

// SweepPayloads removes the payloads (features, explanations) of predictions
// older than their use case's retention period: on PostgreSQL first every
// daily partition older than the cutoff of each use case with payloads in it,
// then the rest row by row; on SQLite row by row. Rows go in chunks of
// sweepChunk, each its own write. A use case with retention 0 keeps its
// payloads, and a partition holding any of them stays. Aggregates, the
// predictions themselves, outcomes and feedback are never touched.
func (db *DB) SweepPayloads(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	var rs []retention
	err := each(db.reader(ctx), func(sc scanner) error {
		var r retention
		var days int
		if err := sc.Scan(&r.useCaseID, &days); err != nil {
			return err
		}
		r.cutoff = now.UTC().Add(-time.Duration(days) * 24 * time.Hour).Truncate(time.Microsecond)
		rs = append(rs, r)
		return nil
	}, `SELECT usecase_id, retention_days FROM telemetry_policies WHERE retention_days > 0 ORDER BY usecase_id`)
	if err != nil {
		return res, err
	}
	res.UseCases = len(rs)
	if len(rs) == 0 {
		return res, nil
	}
	if db.dialect.name == "postgres" {
		if res.Partitions, err = db.dropPartitions(ctx, rs); err != nil {
			return res, err
		}
	}
	for _, r := range rs {
		var n int64
		var err error
		if db.dialect.name == "postgres" {
			n, err = db.deletePayloads(ctx, r)
		} else {
			n, err = db.clearPayloads(ctx, r)
		}
		res.Payloads += n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// deletePayloads deletes the payloads of r's use case older than its cutoff
// (PostgreSQL), sweepChunk rows a write.
func (db *DB) deletePayloads(ctx context.Context, r retention) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, db.classify(err)
		}
		var n int64
		err := db.update(ctx, func(tx *Tx) error {
			out, err := tx.exec(`DELETE FROM prediction_payloads WHERE (usecase_id, ts, id) IN (SELECT usecase_id, ts, id FROM prediction_payloads
				WHERE usecase_id = $1 AND ts < $2 LIMIT $3)`, r.useCaseID, formatTime(r.cutoff), sweepChunk)
			if err != nil {
				return err
			}
			if n, err = out.RowsAffected(); err != nil || n == 0 {
				return err
			}
			return tx.markSwept(r.useCaseID, r.cutoff)
		})
		total += n
		if err != nil || n < sweepChunk {
			return total, err
		}
	}
}

// clearPayloads sets the payload columns of r's use case's predictions
// older than its cutoff to NULL (SQLite). It walks the predictions in time
// order from the use case's payload_floor, sweepChunk rows a write, and
// moves the floor along, so no sweep reads a cleared row twice.
func (db *DB) clearPayloads(ctx context.Context, r retention) (int64, error) {
	var floor *time.Time
	err := db.reader(ctx).queryRow(`SELECT payload_floor FROM telemetry_policies WHERE usecase_id = $1`, r.useCaseID).Scan(nullTS{&floor})
	if err != nil {
		return 0, db.classify(err)
	}
	from := ""
	if floor != nil {
		from = formatTime(*floor)
	}
	// The walk's position: rows after (ts, rowid) are left.
	at, after := from, int64(-1)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, db.classify(err)
		}
		var seen, n int64
		err := db.update(ctx, func(tx *Tx) error {
			seen, n = 0, 0
			var clear []int64
			var last string
			var lastID int64
			err := each(tx, func(sc scanner) error {
				var id int64
				var payload bool
				if err := sc.Scan(&id, &last, &payload); err != nil {
					return err
				}
				seen, lastID = seen+1, id
				if payload {
					clear = append(clear, id)
				}
				return nil
			}, `SELECT rowid, ts, features IS NOT NULL OR explanation IS NOT NULL FROM predictions
				WHERE usecase_id = $1 AND ts >= $3 AND ts < $2 AND (ts > $3 OR rowid > $4) ORDER BY ts, rowid LIMIT $5`,
				r.useCaseID, formatTime(r.cutoff), at, after, sweepChunk)
			if err != nil {
				return err
			}
			err = chunkUp(len(clear), 1024, func(lo, hi, size int) error {
				args := make([]any, 0, size)
				for _, id := range clear[lo:hi] {
					args = append(args, id)
				}
				for range size - (hi - lo) {
					args = append(args, clear[hi-1])
				}
				_, err := tx.exec(inQuery(`UPDATE predictions SET features = NULL, explanation = NULL WHERE rowid IN `, 0, size), args...)
				return err
			})
			if err != nil {
				return err
			}
			n = int64(len(clear))
			if n > 0 {
				if err := tx.markSwept(r.useCaseID, r.cutoff); err != nil {
					return err
				}
			}
			// Rows at the last time seen may be left (a chunk can end
			// among rows of one time), so the floor stays at that time.
			next := formatTime(r.cutoff)
			if seen == sweepChunk {
				next = last
			}
			_, err = tx.exec(`UPDATE telemetry_policies SET payload_floor = $1 WHERE usecase_id = $2`, next, r.useCaseID)
			if err == nil && seen > 0 {
				at, after = last, lastID
			}
			return err
		})
		total += n
		if err != nil || seen < sweepChunk {
			return total, err
		}
	}
}

// markSwept records that payloads of use case uc before cutoff are gone.
func (tx *Tx) markSwept(uc string, cutoff time.Time) error {
	_, err := tx.exec(`UPDATE telemetry_policies SET swept_before = $1 WHERE usecase_id = $2 AND (swept_before IS NULL OR swept_before < $1)`,
		formatTime(cutoff), uc)
	return err
}

// dropPartitions drops each daily payload partition whose day ended before
// the cutoff of every use case with payloads in it.
func (db *DB) dropPartitions(ctx context.Context, rs []retention) ([]string, error) {
	cutoffs := map[string]time.Time{}
	for _, r := range rs {
		cutoffs[r.useCaseID] = r.cutoff
	}
	names, err := db.payloadPartitions(ctx)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, name := range names {
		day, _ := partitionDay(name)
		end := day.AddDate(0, 0, 1)
		// Partitions are listed oldest first: once one is too recent for
		// every retention, so are the rest.
		old := false
		for _, c := range cutoffs {
			old = old || !end.After(c)
		}
		if !old {
			break
		}
		var drop bool
		err := db.update(ctx, func(tx *Tx) error {
			drop = false
			if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1)`, int64(partitionLockID)); err != nil {
				return err
			}
			var exists bool
			if err := tx.queryRow(`SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil || !exists {
				return err
			}
			// Locked first, so that no payload lands in it between the
			// look and the drop. The name is one of ours (partitionDay).
			if _, err := tx.exec(`LOCK TABLE ` + name + ` IN ACCESS EXCLUSIVE MODE`); err != nil {
				return err
			}
			// The use cases with payloads in it, one index probe each.
			ucs, err := collect(tx, scanOne[string], `WITH RECURSIVE u(id) AS (
					(SELECT usecase_id FROM `+name+` ORDER BY usecase_id LIMIT 1)
					UNION ALL
					SELECT (SELECT usecase_id FROM `+name+` WHERE usecase_id > u.id ORDER BY usecase_id LIMIT 1) FROM u WHERE u.id IS NOT NULL)
				SELECT id FROM u WHERE id IS NOT NULL`)
			if err != nil {
				return err
			}
			for _, uc := range ucs {
				c, ok := cutoffs[uc]
				if !ok || end.After(c) {
					return nil // kept for this use case
				}
			}
			if _, err := tx.exec(`DROP TABLE ` + name); err != nil {
				return fmt.Errorf("drop payload partition %s: %w", name, err)
			}
			for _, uc := range ucs {
				if err := tx.markSwept(uc, end); err != nil {
					return err
				}
			}
			drop = true
			return nil
		})
		if err != nil {
			return dropped, err
		}
		if drop {
			dropped = append(dropped, name)
		}
	}
	return dropped, nil
}
