package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// AggFilter selects a use case's aggregates; zero fields select all.
type AggFilter struct {
	From, To time.Time // hours in [From, To)
	Model    string    // model asset name
	Version  int
	// Segment, when set, selects one segment ("" is every prediction).
	Segment *string
}

// AggRow is one stored aggregate, with its model's name ("" for feedback
// that named no prediction).
type AggRow struct {
	Key   telemetry.AggKey
	Model string
	Agg   *telemetry.Aggregate
}

// maxAggRows bounds what one Aggregates call returns.
const maxAggRows = 50_000

var (
	aggEnsure = newBulk(`INSERT INTO telemetry_aggregates (usecase_id, asset_id, version, hour, segment, data) VALUES `,
		"(?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING`)
	aggUpsert = newBulk(`INSERT INTO telemetry_aggregates (usecase_id, asset_id, version, hour, segment, data) VALUES `,
		"(?, ?, ?, ?, ?, ?)", ` ON CONFLICT (usecase_id, hour, asset_id, version, segment) DO UPDATE SET data = excluded.data`)
	aggRead = newBulk(`SELECT usecase_id, asset_id, version, hour, segment, data FROM telemetry_aggregates
	WHERE (usecase_id, asset_id, version, hour, segment) IN (VALUES `, "(?, ?, CAST(? AS INTEGER), ?, ?)", `)`)
	// On PostgreSQL the rows are locked in key order, byte-wise like the
	// order they were created in, so that two replicas never wait for each
	// other in a circle.
	aggReadLocked = newBulk(aggRead.head, "(?, ?, CAST(? AS INTEGER), ?, ?)",
		`) ORDER BY usecase_id COLLATE "C", hour COLLATE "C", asset_id COLLATE "C", version, segment COLLATE "C" FOR UPDATE`)
)

// aggRow is one aggregate to merge into the stored one.
type aggRow struct {
	uc, asset, hour, segment string
	version                  int
	key                      telemetry.AggKey
	agg                      *telemetry.Aggregate
}

// mergeAggregates adds the in-memory aggregates of one write (by use case)
// to the stored ones: one read and one write per key, in a fixed key order.
func (tx *Tx) mergeAggregates(byUC map[string]telemetry.Aggregates) error {
	var rows []*aggRow
	for uc, as := range byUC {
		for k, a := range as {
			rows = append(rows, &aggRow{uc: uc, asset: k.ModelAssetID, version: k.ModelVersion, hour: formatTime(k.Hour), segment: k.Segment, key: k, agg: a})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b *aggRow) int {
		return cmp.Or(strings.Compare(a.uc, b.uc), strings.Compare(a.hour, b.hour), strings.Compare(a.asset, b.asset),
			cmp.Compare(a.version, b.version), strings.Compare(a.segment, b.segment))
	})
	pg := tx.db.dialect.name == "postgres"
	args := make([]any, 0, 6*maxTelemetryChunk)
	if pg {
		// Rows that do not exist yet are made empty first, so that every
		// key has a row to lock; they are filled below, in this transaction.
		err := chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
			args = args[:0]
			for _, r := range rows[lo:hi] {
				args = append(args, r.uc, r.asset, r.version, r.hour, r.segment, []byte{})
			}
			_, err := tx.exec(aggEnsure.text(hi-lo), args...)
			return err
		})
		if err != nil {
			return err
		}
	}
	read := aggRead
	if pg {
		read = aggReadLocked
	}
	type rowKey struct {
		uc, asset, hour, segment string
		version                  int
	}
	at := make(map[rowKey]*aggRow, len(rows))
	for _, r := range rows {
		at[rowKey{r.uc, r.asset, r.hour, r.segment, r.version}] = r
	}
	err := chunkDown(len(rows), maxTelemetryChunk/2, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			args = append(args, r.uc, r.asset, r.version, r.hour, r.segment)
		}
		return each(tx, func(sc scanner) error {
			var k rowKey
			var data []byte
			if err := sc.Scan(&k.uc, &k.asset, &k.version, &k.hour, &k.segment, &data); err != nil {
				return err
			}
			r := at[k]
			if r == nil || len(data) == 0 {
				return nil
			}
			stored := &telemetry.Aggregate{}
			if err := stored.UnmarshalBinary(data); err != nil {
				return fmt.Errorf("stored aggregate %s/%d %s %q: %w", k.asset, k.version, k.hour, k.segment, err)
			}
			stored.Merge(r.agg)
			r.agg = stored
			return nil
		}, read.text(hi-lo), args...)
	})
	if err != nil {
		return err
	}
	return chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			data, err := r.agg.MarshalBinary()
			if err != nil {
				return err
			}
			args = append(args, r.uc, r.asset, r.version, r.hour, r.segment, data)
		}
		_, err := tx.exec(aggUpsert.text(hi-lo), args...)
		return err
	})
}

// Aggregates returns a use case's stored aggregates (viewer role), by hour,
// model, version and segment.
func (db *DB) Aggregates(ctx context.Context, slug string, f AggFilter) ([]AggRow, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	args := []any{u.ID}
	where := []string{"t.usecase_id = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !f.From.IsZero() {
		add("t.hour >= $%d", formatTime(f.From))
	}
	if !f.To.IsZero() {
		add("t.hour < $%d", formatTime(f.To))
	}
	if f.Model != "" {
		add("a.name = $%d", f.Model)
	}
	if f.Version != 0 {
		add("t.version = $%d", f.Version)
	}
	if f.Segment != nil {
		add("t.segment = $%d", *f.Segment)
	}
	args = append(args, maxAggRows+1)
	out := []AggRow{}
	err = each(r, func(sc scanner) error {
		var row AggRow
		var data []byte
		if err := sc.Scan(&row.Key.ModelAssetID, &row.Key.ModelVersion, ts{&row.Key.Hour}, &row.Key.Segment, &data, &row.Model); err != nil {
			return err
		}
		if len(out) == maxAggRows {
			return atrium.Errorf(atrium.Invalid, "more than %d aggregates match; ask for a shorter time range or one model", maxAggRows)
		}
		row.Agg = &telemetry.Aggregate{}
		if err := row.Agg.UnmarshalBinary(data); err != nil {
			return fmt.Errorf("stored aggregate %s/%d %s: %w", row.Key.ModelAssetID, row.Key.ModelVersion, row.Key.Hour, err)
		}
		out = append(out, row)
		return nil
	}, `SELECT t.asset_id, t.version, t.hour, t.segment, t.data, COALESCE(a.name, '') FROM telemetry_aggregates t
		LEFT JOIN registry_assets a ON a.id = t.asset_id WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY t.hour, t.asset_id, t.version, t.segment LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, db.classify(err)
	}
	return out, nil
}

// RecountAggregates computes a use case's aggregates anew from its stored
// predictions, outcomes and feedback (viewer role), with the functions
// ingestion uses: they must equal the stored ones. Once retention has
// removed payloads the raw rows no longer hold what was counted, and it
// refuses (Invalid).
func (db *DB) RecountAggregates(ctx context.Context, slug string) (telemetry.Aggregates, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	var swept *time.Time
	err = r.queryRow(`SELECT swept_before FROM telemetry_policies WHERE usecase_id = $1`, u.ID).Scan(nullTS{&swept})
	if err != nil && atrium.KindOf(db.classify(err)) != atrium.NotFound {
		return nil, db.classify(err)
	}
	if swept != nil {
		return nil, atrium.Errorf(atrium.Invalid, "retention removed the payloads of predictions made before %s, so the aggregates can no longer be recounted from raw rows",
			swept.Format(time.RFC3339))
	}
	as := telemetry.Aggregates{}
	err = each(r, func(sc scanner) error {
		p, err := scanPrediction(sc)
		if err != nil {
			return err
		}
		ref, err := db.Reference(ctx, p.ModelAssetID, p.ModelVersion)
		if err != nil && atrium.KindOf(err) != atrium.NotFound {
			return err
		}
		as.AddPrediction(&p, ref)
		return nil
	}, `SELECT `+db.predictionCols()+db.predictionFrom()+` WHERE p.usecase_id = $1`, u.ID)
	if err != nil {
		return nil, db.classify(err)
	}
	err = each(r, func(sc scanner) error {
		var id string
		var s telemetry.PredictionSummary
		var o telemetry.Outcome
		if err := scanSummary(sc, &id, &s, &o.Label, &o.Value, ts{&o.Time}); err != nil {
			return err
		}
		o.PredictionID = id
		as.AddOutcome(s, &o)
		return nil
	}, `SELECT `+summaryCols+`, o.label, o.value, o.ts FROM outcomes o JOIN predictions p ON p.usecase_id = o.usecase_id AND p.id = o.prediction_id
		WHERE o.usecase_id = $1`, u.ID)
	if err != nil {
		return nil, db.classify(err)
	}
	// Feedback about no prediction, then about one.
	err = each(r, func(sc scanner) error {
		var f telemetry.Feedback
		if err := sc.Scan(&f.ID, &f.Kind, &f.Value, &f.Text, ts{&f.Time}); err != nil {
			return err
		}
		as.AddFeedback(nil, &f)
		return nil
	}, `SELECT id, kind, value, text, ts FROM feedback WHERE usecase_id = $1 AND prediction_id = ''`, u.ID)
	if err != nil {
		return nil, db.classify(err)
	}
	err = each(r, func(sc scanner) error {
		var s telemetry.PredictionSummary
		var f telemetry.Feedback
		if err := scanSummary(sc, &f.PredictionID, &s, &f.ID, &f.Kind, &f.Value, &f.Text, ts{&f.Time}); err != nil {
			return err
		}
		as.AddFeedback(&s, &f)
		return nil
	}, `SELECT `+summaryCols+`, f.id, f.kind, f.value, f.text, f.ts FROM feedback f JOIN predictions p ON p.usecase_id = f.usecase_id AND p.id = f.prediction_id
		WHERE f.usecase_id = $1`, u.ID)
	if err != nil {
		return nil, db.classify(err)
	}
	return as, nil
}
