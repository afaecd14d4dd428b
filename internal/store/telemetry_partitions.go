package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// partitionLockID names the PostgreSQL advisory lock under which payload
// partitions are made and dropped, so replicas doing it at once queue.
const partitionLockID = 0x74656c_656d // "telem"

// partitionPrefix begins the name of each daily payload partition,
// prediction_payloads_YYYYMMDD.
const partitionPrefix = "prediction_payloads_"

// partitionDays is how far ahead of today MaintainPartitions makes daily
// partitions; it also makes yesterday's, for events reported late.
const partitionDays = 7

func partitionName(day time.Time) string { return partitionPrefix + day.Format("20060102") }

// partitionDay parses a daily partition's name; ok is false for any other
// table (the default partition).
func partitionDay(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, partitionPrefix)
	if !ok || len(s) != 8 {
		return time.Time{}, false
	}
	d, err := time.Parse("20060102", s)
	return d, err == nil
}

// MaintainPartitions makes sure PostgreSQL has a payload partition for each
// day from yesterday to partitionDays ahead; payloads of other days go to the
// default partition. A day whose payloads already sit in the default
// partition gets no partition of its own (they stay there and are removed
// row by row). SQLite keeps payloads inline: nothing to do.
func (db *DB) MaintainPartitions(ctx context.Context, now time.Time) error {
	if db.dialect.name != "postgres" {
		return nil
	}
	today := now.UTC().Truncate(24 * time.Hour)
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1)`, int64(partitionLockID)); err != nil {
			return err
		}
		for i := -1; i <= partitionDays; i++ {
			day := today.AddDate(0, 0, i)
			name := partitionName(day)
			var exists bool
			if err := tx.queryRow(`SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
				return err
			}
			if exists {
				continue
			}
			lo, hi := formatTime(day), formatTime(day.AddDate(0, 0, 1))
			var strays bool
			if err := tx.queryRow(`SELECT EXISTS (SELECT 1 FROM prediction_payloads_default WHERE ts >= $1 AND ts < $2)`, lo, hi).Scan(&strays); err != nil {
				return err
			}
			if strays {
				continue
			}
			// The name and bounds are made here from a date, not given:
			// nothing in them needs quoting.
			if _, err := tx.exec(fmt.Sprintf(`CREATE TABLE %s PARTITION OF prediction_payloads FOR VALUES FROM ('%s') TO ('%s')`, name, lo, hi)); err != nil {
				return fmt.Errorf("create payload partition %s: %w", name, err)
			}
		}
		return nil
	})
}

// payloadPartitions lists the daily payload partitions, oldest first.
func (db *DB) payloadPartitions(ctx context.Context) ([]string, error) {
	names, err := collect(db.reader(ctx), scanOne[string], `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass('prediction_payloads') ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if _, ok := partitionDay(n); ok {
			out = append(out, n)
		}
	}
	return out, nil
}
