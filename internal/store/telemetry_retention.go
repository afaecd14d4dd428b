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
		for {
			if err := ctx.Err(); err != nil {
				return res, db.classify(err)
			}
			var n int64
			err := db.update(ctx, func(tx *Tx) error {
				q := `UPDATE predictions SET features = NULL, explanation = NULL WHERE rowid IN (SELECT rowid FROM predictions
					WHERE usecase_id = $1 AND ts < $2 AND (features IS NOT NULL OR explanation IS NOT NULL) LIMIT $3)`
				if tx.db.dialect.name == "postgres" {
					q = `DELETE FROM prediction_payloads WHERE (usecase_id, ts, id) IN (SELECT usecase_id, ts, id FROM prediction_payloads
						WHERE usecase_id = $1 AND ts < $2 LIMIT $3)`
				}
				out, err := tx.exec(q, r.useCaseID, formatTime(r.cutoff), sweepChunk)
				if err != nil {
					return err
				}
				if n, err = out.RowsAffected(); err != nil || n == 0 {
					return err
				}
				return tx.markSwept(r.useCaseID, r.cutoff)
			})
			if err != nil {
				return res, err
			}
			res.Payloads += n
			if n < sweepChunk {
				break
			}
		}
	}
	return res, nil
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
