package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// TelemetryBatch is one request's events for one use case, as ingestion
// hands them over: resolved, checked and with the privacy policy applied.
// One of the three lists is set; KeyID is the ingestion key they came with
// ("" for feedback through a link).
type TelemetryBatch struct {
	UseCaseID, KeyID string
	Predictions      []telemetry.Prediction
	Outcomes         []telemetry.Outcome
	Feedback         []telemetry.Feedback
}

// WriteTelemetry stores batches of events in one write, durably, and folds
// the events it accepts into the hourly aggregates. results[i] answers for
// batches[i], item by item: its predictions, then its outcomes, then its
// feedback, each ItemResult's Index being the item's position in its list.
//
// Events are idempotent by id: one stored before (or earlier in the same
// call) is a Duplicate and changes nothing, so a client may retry freely.
// An outcome for a prediction the use case does not have, and one that
// contradicts the outcome already stored, are refused; so is feedback
// about a prediction the use case does not have. The aggregates count each
// accepted event once, whichever replica stores it. Each use case that
// accepted events gets one audit entry with the counts.
//
// The error is for the call as a whole (the database is unavailable); the
// events' own problems are in their results.
func (db *DB) WriteTelemetry(ctx context.Context, batches []TelemetryBatch) ([][]telemetry.ItemResult, error) {
	w := &telemetryWrite{db: db, batches: batches, results: make([][]telemetry.ItemResult, len(batches)),
		refs: map[refKey]refResult{}}
	for i, b := range batches {
		rs := make([]telemetry.ItemResult, 0, len(b.Predictions)+len(b.Outcomes)+len(b.Feedback))
		for j, p := range b.Predictions {
			rs = append(rs, telemetry.ItemResult{Index: j, ID: p.ID})
		}
		for j, o := range b.Outcomes {
			rs = append(rs, telemetry.ItemResult{Index: j, ID: o.PredictionID})
		}
		for j, f := range b.Feedback {
			rs = append(rs, telemetry.ItemResult{Index: j, ID: f.ID})
		}
		w.results[i] = rs
	}
	// The reference bins are read before the write, through the read pool,
	// so the writer does not wait for them (they are cached after the first
	// time anyway).
	if err := w.resolveRefs(ctx); err != nil {
		return nil, err
	}
	w.preparePredictions()
	err := db.update(ctx, w.run)
	if err != nil {
		var pg *pgconn.PgError
		if errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001") {
			// Another replica's write met ours; the client's retry is safe.
			return nil, atrium.Busy(time.Second, "the database was busy with a concurrent write; try again")
		}
		return nil, err
	}
	return w.results, nil
}

type refKey struct {
	assetID string
	version int
}

type refResult struct {
	ref       telemetry.Reference
	useCaseID string
	err       error
}

// telemetryWrite is one WriteTelemetry call.
type telemetryWrite struct {
	db      *DB
	batches []TelemetryBatch
	results [][]telemetry.ItemResult
	refs    map[refKey]refResult

	preds   []*predRow
	preAggs map[string]telemetry.Aggregates // of every prediction in preds, by use case

	tx   *Tx
	aggs map[string]telemetry.Aggregates // by use case
	// cutoffs are the retention cutoffs of the use cases that have one: a
	// prediction made before is stored without its payload.
	cutoffs map[string]time.Time
	// counts by use case, for the audit entries.
	counts map[string]*telemetryCounts
}

// telemetryCounts is the content of a "telemetry.batch" audit entry.
type telemetryCounts struct {
	Predictions kindCounts `json:"predictions"`
	Outcomes    kindCounts `json:"outcomes"`
	Feedback    kindCounts `json:"feedback"`
}

type kindCounts struct {
	Accepted  int `json:"accepted"`
	Duplicate int `json:"duplicate"`
	Refused   int `json:"refused"`
}

func (c *kindCounts) add(s telemetry.ItemStatus) {
	switch s {
	case telemetry.Accepted:
		c.Accepted++
	case telemetry.Duplicate:
		c.Duplicate++
	default:
		c.Refused++
	}
}

func (w *telemetryWrite) resolveRefs(ctx context.Context) error {
	for _, b := range w.batches {
		for i := range b.Predictions {
			k := refKey{b.Predictions[i].ModelAssetID, b.Predictions[i].ModelVersion}
			if _, ok := w.refs[k]; ok || k.assetID == "" {
				continue
			}
			ref, uc, err := w.db.reference(ctx, k.assetID, k.version)
			if err != nil && atrium.KindOf(err) != atrium.NotFound {
				return err
			}
			w.refs[k] = refResult{ref, uc, err}
		}
	}
	return nil
}

func refuse(r *telemetry.ItemResult, kind atrium.Kind, format string, args ...any) {
	r.Status, r.Code, r.Error = telemetry.Refused, string(kind), fmt.Sprintf(format, args...)
}

// telemetryLockID names the PostgreSQL advisory lock that telemetry writes
// hold until they commit. Replicas writing events take it in turn: two
// writes holding some of the same ids or aggregate rows, each waiting for
// the other, would otherwise deadlock as soon as a writer's transaction holds
// more than one request (the rows of each are sorted, not those of all).
// Every write updates the current hour's aggregate rows anyway, so they
// could not have run side by side for long.
const telemetryLockID = 0x74656c_6577 // "telew"

func (w *telemetryWrite) run(tx *Tx) error {
	w.tx = tx
	w.aggs = map[string]telemetry.Aggregates{}
	w.counts = map[string]*telemetryCounts{}
	if tx.db.dialect.name == "postgres" {
		if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1)`, int64(telemetryLockID)); err != nil {
			return err
		}
	}
	live, err := w.checkUseCases()
	if err != nil {
		return err
	}
	if err := w.writePredictions(live); err != nil {
		return err
	}
	if err := w.writeOutcomes(live); err != nil {
		return err
	}
	if err := w.writeFeedback(live); err != nil {
		return err
	}
	if err := tx.mergeAggregates(w.aggs); err != nil {
		return err
	}
	ucs := make([]string, 0, len(w.counts))
	for i, b := range w.batches {
		c := w.counts[b.UseCaseID]
		if c == nil {
			c = &telemetryCounts{}
			w.counts[b.UseCaseID] = c
			ucs = append(ucs, b.UseCaseID)
		}
		rs := w.results[i]
		np, no := len(b.Predictions), len(b.Outcomes)
		for j, r := range rs {
			switch {
			case j < np:
				c.Predictions.add(r.Status)
			case j < np+no:
				c.Outcomes.add(r.Status)
			default:
				c.Feedback.add(r.Status)
			}
		}
	}
	for _, uc := range ucs {
		c := w.counts[uc]
		if c.Predictions.Accepted+c.Outcomes.Accepted+c.Feedback.Accepted == 0 {
			continue // nothing changed
		}
		if err := tx.appendAudit("telemetry.batch", "usecase", uc, c); err != nil {
			return err
		}
	}
	return nil
}

// checkUseCases returns the batches' use cases that exist and are not
// archived, and refuses the events of the others.
func (w *telemetryWrite) checkUseCases() (map[string]bool, error) {
	var ids []string
	for _, b := range w.batches {
		if !slices.Contains(ids, b.UseCaseID) {
			ids = append(ids, b.UseCaseID)
		}
	}
	live := map[string]bool{}
	archived := map[string]bool{}
	w.cutoffs = map[string]time.Time{}
	err := chunkUp(len(ids), 64, func(lo, hi, size int) error {
		return each(w.tx, func(sc scanner) error {
			var id string
			var a bool
			var days int
			if err := sc.Scan(&id, &a, &days); err != nil {
				return err
			}
			live[id], archived[id] = !a, a
			if days > 0 {
				w.cutoffs[id] = w.tx.now.Add(-time.Duration(days) * 24 * time.Hour)
			}
			return nil
		}, inQuery(`SELECT u.id, u.archived, COALESCE(p.retention_days, 0) FROM usecases u LEFT JOIN telemetry_policies p ON p.usecase_id = u.id
			WHERE u.id IN `, 0, size), padArgs(nil, ids[lo:hi], size)...)
	})
	if err != nil {
		return nil, err
	}
	for i, b := range w.batches {
		if live[b.UseCaseID] {
			continue
		}
		for j := range w.results[i] {
			if archived[b.UseCaseID] {
				refuse(&w.results[i][j], atrium.Conflict, "the use case is archived; restore it to report events")
			} else {
				refuse(&w.results[i][j], atrium.NotFound, "no such use case")
			}
		}
	}
	return live, nil
}

// inQuery is head followed by "($k+1, …, $k+size)": an IN list of size
// placeholders after the query's own k.
func inQuery(head string, k, size int) string {
	key := head + "\x00" + itoa(k)
	inListsMu.Lock()
	b := inLists[key]
	if b == nil {
		b = &bulkSQL{head: head + "(", tail: ")", row: []string{"", ""}, offset: k}
		inLists[key] = b
	}
	inListsMu.Unlock()
	return b.text(size)
}

var (
	inListsMu sync.Mutex
	inLists   = map[string]*bulkSQL{}
)

// padArgs appends vals to args, repeating the last one up to size values.
func padArgs(args []any, vals []string, size int) []any {
	for _, v := range vals {
		args = append(args, v)
	}
	for range size - len(vals) {
		args = append(args, vals[len(vals)-1])
	}
	return args
}

// predRow is one prediction to insert.
type predRow struct {
	uc  string
	p   *telemetry.Prediction
	res *telemetry.ItemResult
	ref telemetry.Reference
	// stored is the prediction as stored: time in UTC at microseconds.
	stored                          telemetry.Prediction
	segments, features, explanation any // JSON text, or nil for no payload
	// slim is the row's values from id to source, boxed before the write
	// (on every core) so that the writer only binds them.
	slim [slimCols]any
}

// slimCols is the number of predictions columns from id to source.
const slimCols = 13

// predKey is a prediction's, outcome's or feedback item's identity.
type predKey struct{ uc, id string }

var (
	// On SQLite a statement's rows are of one use case and key, bound once
	// as $1 and $2: every value bound costs the driver a call into SQLite.
	predictionInsertSQLite = &bulkSQL{head: `INSERT INTO predictions (usecase_id, id, asset_id, version, alias, ts, subject, segments,
	out_label, out_score, out_value, latency, error, source, key_id, features, explanation) VALUES `,
		row: strings.Split("($1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, $2, ?, ?)", "?"), tail: ` ON CONFLICT DO NOTHING`, offset: 2}
	predictionInsertPostgres = newBulk(`INSERT INTO predictions (usecase_id, id, asset_id, version, alias, ts, subject, segments,
	out_label, out_score, out_value, latency, error, source, key_id) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, id`)
	payloadInsert = newBulk(`INSERT INTO prediction_payloads (usecase_id, ts, id, features, explanation) VALUES `, "(?, ?, ?, ?, ?)", ``)
)

// preparePredictions does what the predictions need before the write, so
// that the writer does not: it answers for ids given twice and for model
// versions of other use cases, encodes the payloads, and counts every
// prediction in the aggregates, expecting all of them to be new (the
// writer counts again, from those stored, when some were not).
func (w *telemetryWrite) preparePredictions() {
	seen := map[predKey]bool{}
	for i, b := range w.batches {
		for j := range b.Predictions {
			p, res := &b.Predictions[j], &w.results[i][j]
			if p.ID == "" {
				refuse(res, atrium.Invalid, "the prediction has no id")
				continue
			}
			k := predKey{b.UseCaseID, p.ID}
			if seen[k] {
				res.Status = telemetry.Duplicate // the first of the same id wins
				continue
			}
			ref, ok := w.refs[refKey{p.ModelAssetID, p.ModelVersion}]
			if !ok || ref.err != nil || ref.useCaseID != b.UseCaseID {
				refuse(res, atrium.NotFound, "version %d of the prediction's model is not in this use case", p.ModelVersion)
				continue
			}
			seen[k] = true
			r := &predRow{uc: b.UseCaseID, p: p, res: res, ref: ref.ref, stored: *p}
			r.stored.Time = p.Time.UTC().Truncate(time.Microsecond)
			w.preds = append(w.preds, r)
		}
	}
	// Encoding and counting are most of a prediction's cost; the parts go
	// to the cores at once (the aggregates merge in any order).
	parts := 1
	if len(w.preds) >= 2*minPreparePart {
		parts = min(runtime.GOMAXPROCS(0), len(w.preds)/minPreparePart)
	}
	partAggs := make([]map[string]telemetry.Aggregates, parts)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := i*len(w.preds)/parts, (i+1)*len(w.preds)/parts
		wg.Go(func() { partAggs[i] = prepareRows(w.preds[lo:hi]) })
	}
	wg.Wait()
	w.preAggs = partAggs[0]
	for _, more := range partAggs[1:] {
		for uc, as := range more {
			if w.preAggs[uc] == nil {
				w.preAggs[uc] = as
			} else {
				w.preAggs[uc].Merge(as)
			}
		}
	}
	kept := w.preds[:0]
	for _, r := range w.preds {
		if r.res.Status != telemetry.Refused {
			kept = append(kept, r)
		}
	}
	w.preds = kept
	// Sorted by key, so that two replicas writing the same ids take their
	// locks in the same order.
	slices.SortFunc(w.preds, func(a, b *predRow) int { return cmp.Or(strings.Compare(a.uc, b.uc), strings.Compare(a.p.ID, b.p.ID)) })
}

// minPreparePart is the fewest predictions worth a goroutine of their own.
const minPreparePart = 256

// prepareRows encodes the payloads of rows and counts them in aggregates by
// use case; a row whose payload cannot be encoded is refused instead.
func prepareRows(rows []*predRow) map[string]telemetry.Aggregates {
	out := map[string]telemetry.Aggregates{}
	var j jsonBuf
	// Values that repeat from one event to the next (one model, alias and
	// source per client) are boxed once.
	var asset, alias, errs, source boxed[string]
	var version boxed[int]
	for _, r := range rows {
		p := r.p
		r.segments = "{}"
		if len(p.Segments) > 0 {
			r.segments = j.internedStrings(p.Segments)
		}
		var err error
		if len(p.Features) > 0 {
			if r.features, err = j.flat(p.Features); err != nil {
				refuse(r.res, atrium.Invalid, "the prediction's features cannot be stored: %v", err)
				continue
			}
		}
		if len(p.Explanation) > 0 {
			if r.explanation, err = j.floatMap(p.Explanation); err != nil {
				refuse(r.res, atrium.Invalid, "the prediction's explanation cannot be stored: %v", err)
				continue
			}
		}
		sp := &r.stored
		r.slim = [slimCols]any{sp.ID, asset.of(sp.ModelAssetID), version.of(sp.ModelVersion), alias.of(sp.Alias), formatTime(sp.Time), sp.Subject, r.segments,
			optString(sp.Output.Label), optFloat(sp.Output.Score), optFloat(sp.Output.Value), optFloat(sp.LatencyMS), errs.of(sp.Error), source.of(sp.Source)}
		as := out[r.uc]
		if as == nil {
			as = telemetry.Aggregates{}
			out[r.uc] = as
		}
		as.AddPrediction(sp, r.ref)
	}
	return out
}

// boxed is the last value of a column boxed for binding, reused while the
// next row has the same.
type boxed[T comparable] struct {
	v   T
	box any
}

func (b *boxed[T]) of(v T) any {
	if b.box == nil || b.v != v {
		b.v, b.box = v, v
	}
	return b.box
}

func (w *telemetryWrite) writePredictions(live map[string]bool) error {
	rows := make([]*predRow, 0, len(w.preds))
	for _, r := range w.preds {
		if live[r.uc] {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	swept := map[string]bool{}
	for _, r := range rows {
		if c, ok := w.cutoffs[r.uc]; ok && r.stored.Time.Before(c) && (r.features != nil || r.explanation != nil) {
			r.features, r.explanation = nil, nil
			swept[r.uc] = true
		}
	}
	for uc := range swept {
		if err := w.tx.markSwept(uc, w.cutoffs[uc]); err != nil {
			return err
		}
	}
	pg := w.db.dialect.name == "postgres"
	var inserted map[predKey]bool
	var err error
	if pg {
		inserted, err = w.insertPredictionsReturning(rows)
	} else {
		inserted, err = w.insertNewPredictions(rows)
	}
	if err != nil {
		return err
	}
	var payloads []*predRow
	fresh := map[string]bool{} // use cases all of whose predictions are new
	for _, r := range rows {
		if _, ok := fresh[r.uc]; !ok {
			fresh[r.uc] = true
		}
		if !inserted[predKey{r.uc, r.p.ID}] {
			r.res.Status = telemetry.Duplicate
			fresh[r.uc] = false
			continue
		}
		r.res.Status = telemetry.Accepted
		if r.features != nil || r.explanation != nil {
			payloads = append(payloads, r)
		}
	}
	for uc, all := range fresh {
		if all {
			w.aggs[uc] = w.preAggs[uc]
		}
	}
	for _, r := range rows {
		if !fresh[r.uc] && r.res.Status == telemetry.Accepted {
			w.aggsOf(r.uc).AddPrediction(&r.stored, r.ref)
		}
	}
	if !pg || len(payloads) == 0 {
		return nil
	}
	args := make([]any, 0, payloadInsert.cols()*min(len(payloads), maxTelemetryChunk))
	return chunkDown(len(payloads), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range payloads[lo:hi] {
			args = append(args, r.uc, formatTime(r.stored.Time), r.p.ID, r.features, r.explanation)
		}
		_, err := w.tx.exec(payloadInsert.text(hi-lo), args...)
		return err
	})
}

// predictionArgs appends the values of r for predictionInsertPostgres.
func (w *telemetryWrite) predictionArgs(args []any, r *predRow) []any {
	args = append(args, r.uc)
	args = append(args, r.slim[:]...)
	return append(args, w.keyOf(r.uc))
}

// insertSQLite inserts rows (sorted by use case) on SQLite, each statement
// holding rows of one use case, and reports whether every row was new; with
// stopShort it stops at the first statement that inserted fewer rows than
// it carried.
func (w *telemetryWrite) insertSQLite(rows []*predRow, stopShort bool) (bool, error) {
	all := true
	args := make([]any, 0, 2+predictionInsertSQLite.cols()*min(len(rows), maxTelemetryChunk))
	for lo := 0; lo < len(rows); {
		hi := lo
		for hi < len(rows) && rows[hi].uc == rows[lo].uc {
			hi++
		}
		group := rows[lo:hi]
		lo = hi
		err := chunkDown(len(group), maxTelemetryChunk, func(lo, hi int) error {
			if !all && stopShort {
				return nil
			}
			args = append(args[:0], group[0].uc, w.keyOf(group[0].uc))
			for _, r := range group[lo:hi] {
				args = append(args, r.slim[:]...)
				args = append(args, r.features, r.explanation)
			}
			res, err := w.tx.exec(predictionInsertSQLite.text(hi-lo), args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			all = all && n == int64(hi-lo)
			return nil
		})
		if err != nil || (!all && stopShort) {
			return all, err
		}
	}
	return all, nil
}

// insertPredictionsReturning inserts rows on PostgreSQL and returns those
// that were new: a replica writing the same ids at once waits for the other
// to commit, and RETURNING then leaves them out.
func (w *telemetryWrite) insertPredictionsReturning(rows []*predRow) (map[predKey]bool, error) {
	inserted := make(map[predKey]bool, len(rows))
	args := make([]any, 0, predictionInsertPostgres.cols()*min(len(rows), maxTelemetryChunk))
	err := chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			args = w.predictionArgs(args, r)
		}
		return each(w.tx, func(sc scanner) error {
			var k predKey
			if err := sc.Scan(&k.uc, &k.id); err != nil {
				return err
			}
			inserted[k] = true
			return nil
		}, predictionInsertPostgres.text(hi-lo), args...)
	})
	return inserted, err
}

// insertNewPredictions inserts rows on SQLite, whose one writer lets it do
// without RETURNING (which cost SQLite as much as the inserts themselves):
// the rows go in with ON CONFLICT DO NOTHING inside a savepoint, and when
// every row was inserted — the common case — every one is new. When some
// were not, the savepoint is rolled back and the ids stored already are
// looked up, the others inserted. (Rows hold no id twice: preparePredictions
// answered for those.)
func (w *telemetryWrite) insertNewPredictions(rows []*predRow) (map[predKey]bool, error) {
	if _, err := w.tx.exec(`SAVEPOINT ` + predictionSavepoint); err != nil {
		return nil, err
	}
	all, err := w.insertSQLite(rows, true)
	if err != nil {
		return nil, err
	}
	if all {
		if _, err := w.tx.exec(`RELEASE SAVEPOINT ` + predictionSavepoint); err != nil {
			return nil, err
		}
		inserted := make(map[predKey]bool, len(rows))
		for _, r := range rows {
			inserted[predKey{r.uc, r.p.ID}] = true
		}
		return inserted, nil
	}
	if _, err := w.tx.exec(`ROLLBACK TO SAVEPOINT ` + predictionSavepoint); err != nil {
		return nil, err
	}
	if _, err := w.tx.exec(`RELEASE SAVEPOINT ` + predictionSavepoint); err != nil {
		return nil, err
	}
	return w.insertUnstored(rows)
}

// predictionSavepoint names the savepoint insertNewPredictions runs in,
// inside the writer's own per-request one.
const predictionSavepoint = "atrium_predictions"

// insertUnstored looks up which ids of rows are stored already and inserts
// the others.
func (w *telemetryWrite) insertUnstored(rows []*predRow) (map[predKey]bool, error) {
	stored := map[predKey]bool{}
	for lo := 0; lo < len(rows); {
		hi := lo
		for hi < len(rows) && rows[hi].uc == rows[lo].uc {
			hi++
		}
		ids := make([]string, 0, hi-lo)
		for _, r := range rows[lo:hi] {
			ids = append(ids, r.p.ID)
		}
		have, err := w.tx.storedIDs(`SELECT id FROM predictions WHERE usecase_id = $1 AND id IN `, rows[lo].uc, ids)
		if err != nil {
			return nil, err
		}
		for id := range have {
			stored[predKey{rows[lo].uc, id}] = true
		}
		lo = hi
	}
	fresh := make([]*predRow, 0, len(rows))
	for _, r := range rows {
		if !stored[predKey{r.uc, r.p.ID}] {
			fresh = append(fresh, r)
		}
	}
	all, err := w.insertSQLite(fresh, false)
	if err == nil && !all {
		err = fmt.Errorf("telemetry: a prediction checked to be new was stored already")
	}
	if err != nil {
		return nil, err
	}
	inserted := make(map[predKey]bool, len(fresh))
	for _, r := range fresh {
		inserted[predKey{r.uc, r.p.ID}] = true
	}
	return inserted, nil
}

// execAll runs an insert of n rows that must all be new.
// insertChunk runs the multi-row insert of n rows and records in inserted
// the keys it stored: on SQLite, where the writer has already left out what
// was stored before, every key of the chunk (keyOf gives the i-th); on
// PostgreSQL, the keys its RETURNING clause names.
func (w *telemetryWrite) insertChunk(sqlite, pg *bulkSQL, n int, args []any, inserted map[predKey]bool, keyOf func(i int) predKey) error {
	if w.db.dialect.name != "postgres" {
		for i := range n {
			inserted[keyOf(i)] = true
		}
		return execAll(w.tx, sqlite.text(n), n, args)
	}
	return each(w.tx, func(sc scanner) error {
		var k predKey
		if err := sc.Scan(&k.uc, &k.id); err != nil {
			return err
		}
		inserted[k] = true
		return nil
	}, pg.text(n), args...)
}

func execAll(tx *Tx, q string, n int, args []any) error {
	res, err := tx.exec(q, args...)
	if err != nil {
		return err
	}
	if got, err := res.RowsAffected(); err != nil || got != int64(n) {
		return fmt.Errorf("telemetry: inserted %d of %d rows checked to be new (%v)", got, n, err)
	}
	return nil
}

// storedIDs returns which of ids the query (head, then an IN list; $1 is
// the use case) finds.
func (tx *Tx) storedIDs(head, uc string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := chunkUp(len(ids), 512, func(lo, hi, size int) error {
		return each(tx, func(sc scanner) error {
			var id string
			if err := sc.Scan(&id); err != nil {
				return err
			}
			out[id] = true
			return nil
		}, inQuery(head, 1, size), padArgs([]any{uc}, ids[lo:hi], size)...)
	})
	return out, err
}

// keyOf is the ingestion key of the batches of use case uc. Batches of one
// use case in one call may come through different keys; the first one's
// is kept on each event (it says which client reported it).
func (w *telemetryWrite) keyOf(uc string) string {
	for _, b := range w.batches {
		if b.UseCaseID == uc {
			return b.KeyID
		}
	}
	return ""
}

func (w *telemetryWrite) aggsOf(uc string) telemetry.Aggregates {
	as := w.aggs[uc]
	if as == nil {
		as = telemetry.Aggregates{}
		w.aggs[uc] = as
	}
	return as
}

func optString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func optFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// lookupPredictions reads what outcomes and feedback need of the given
// predictions of use case uc; ids missing from the result are not there.
func (tx *Tx) lookupPredictions(uc string, ids []string) (map[string]telemetry.PredictionSummary, error) {
	out := make(map[string]telemetry.PredictionSummary, len(ids))
	err := chunkUp(len(ids), 512, func(lo, hi, size int) error {
		return each(tx, func(sc scanner) error {
			var id string
			var s telemetry.PredictionSummary
			if err := scanSummary(sc, &id, &s); err != nil {
				return err
			}
			out[id] = s
			return nil
		}, inQuery(`SELECT `+summaryCols+` FROM predictions p WHERE p.usecase_id = $1 AND p.id IN `, 1, size), padArgs([]any{uc}, ids[lo:hi], size)...)
	})
	return out, err
}

// outRow is one outcome to store; followers are later outcomes of the same
// call for the same prediction.
type outRow struct {
	uc        string
	o         *telemetry.Outcome
	res       *telemetry.ItemResult
	stored    telemetry.Outcome
	followers []*outRow
}

var (
	outcomeInsert = newBulk(`INSERT INTO outcomes (usecase_id, prediction_id, label, value, ts, key_id) VALUES `,
		"(?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, prediction_id`)
	// SQLite's one writer has checked which are stored (see
	// insertNewPredictions).
	outcomeInsertSQLite = newBulk(outcomeInsert.head, "(?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING`)
)

func sameOutcome(a, b *telemetry.Outcome) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqf := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eq(a.Label, b.Label) && eqf(a.Value, b.Value)
}

func describeOutcome(o *telemetry.Outcome) string {
	switch {
	case o.Label != nil && o.Value != nil:
		return fmt.Sprintf("label %q, value %g", atrium.Truncate(*o.Label, 40), *o.Value)
	case o.Label != nil:
		return fmt.Sprintf("label %q", atrium.Truncate(*o.Label, 40))
	case o.Value != nil:
		return fmt.Sprintf("value %g", *o.Value)
	}
	return "no label or value"
}

func (w *telemetryWrite) writeOutcomes(live map[string]bool) error {
	first := map[predKey]*outRow{}
	byUC := map[string][]*outRow{}
	var ucs []string
	for i, b := range w.batches {
		if !live[b.UseCaseID] {
			continue
		}
		off := len(b.Predictions)
		for j := range b.Outcomes {
			o, res := &b.Outcomes[j], &w.results[i][off+j]
			if o.PredictionID == "" {
				refuse(res, atrium.Invalid, "the outcome names no prediction")
				continue
			}
			r := &outRow{uc: b.UseCaseID, o: o, res: res, stored: *o}
			r.stored.Time = o.Time.UTC().Truncate(time.Microsecond)
			k := predKey{b.UseCaseID, o.PredictionID}
			if f := first[k]; f != nil {
				f.followers = append(f.followers, r)
				continue
			}
			first[k] = r
			if byUC[b.UseCaseID] == nil {
				ucs = append(ucs, b.UseCaseID)
			}
			byUC[b.UseCaseID] = append(byUC[b.UseCaseID], r)
		}
	}
	slices.Sort(ucs)
	var rows []*outRow
	summaries := map[predKey]telemetry.PredictionSummary{}
	for _, uc := range ucs {
		rs := byUC[uc]
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.o.PredictionID
		}
		sums, err := w.tx.lookupPredictions(uc, ids)
		if err != nil {
			return err
		}
		have, err := w.tx.storedOutcomes(uc, ids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			s, ok := sums[r.o.PredictionID]
			if !ok {
				refuse(r.res, atrium.NotFound, "no prediction %q in this use case", atrium.Truncate(r.o.PredictionID, 40))
				continue
			}
			if old, ok := have[r.o.PredictionID]; ok {
				r.judgeAgainst(&old)
				continue
			}
			summaries[predKey{uc, r.o.PredictionID}] = s
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *outRow) int {
		return cmp.Or(strings.Compare(a.uc, b.uc), strings.Compare(a.o.PredictionID, b.o.PredictionID))
	})
	inserted := map[predKey]bool{}
	args := make([]any, 0, outcomeInsert.cols()*min(len(rows), maxTelemetryChunk))
	err := chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			o := &r.stored
			args = append(args, r.uc, o.PredictionID, optString(o.Label), optFloat(o.Value), formatTime(o.Time), w.keyOf(r.uc))
		}
		return w.insertChunk(outcomeInsertSQLite, outcomeInsert, hi-lo, args, inserted,
			func(i int) predKey { return predKey{rows[lo+i].uc, rows[lo+i].o.PredictionID} })
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		k := predKey{r.uc, r.o.PredictionID}
		if inserted[k] {
			r.res.Status = telemetry.Accepted
			w.aggsOf(r.uc).AddOutcome(summaries[k], &r.stored)
			continue
		}
		// Another replica stored one for the same prediction meanwhile.
		have, err := w.tx.storedOutcomes(r.uc, []string{r.o.PredictionID})
		if err != nil {
			return err
		}
		old := have[r.o.PredictionID]
		r.judgeAgainst(&old)
	}
	for _, f := range first {
		for _, r := range f.followers {
			switch {
			case f.res.Status == telemetry.Refused:
				*r.res = telemetry.ItemResult{Index: r.res.Index, ID: r.res.ID, Status: f.res.Status, Code: f.res.Code, Error: f.res.Error}
			case sameOutcome(&f.stored, &r.stored):
				r.res.Status = telemetry.Duplicate
			default:
				r.judgeAgainst(&f.stored)
			}
		}
	}
	return nil
}

// judgeAgainst answers for an outcome whose prediction has one stored: the
// same is a duplicate, another is refused.
func (r *outRow) judgeAgainst(old *telemetry.Outcome) {
	if sameOutcome(old, &r.stored) {
		r.res.Status = telemetry.Duplicate
		return
	}
	refuse(r.res, atrium.Conflict, "prediction %q already has an outcome (%s); an outcome cannot change", atrium.Truncate(r.o.PredictionID, 40), describeOutcome(old))
}

// storedOutcomes reads the outcomes stored for the given predictions.
func (tx *Tx) storedOutcomes(uc string, ids []string) (map[string]telemetry.Outcome, error) {
	out := map[string]telemetry.Outcome{}
	err := chunkUp(len(ids), 512, func(lo, hi, size int) error {
		return each(tx, func(sc scanner) error {
			var o telemetry.Outcome
			if err := sc.Scan(&o.PredictionID, &o.Label, &o.Value, ts{&o.Time}); err != nil {
				return err
			}
			out[o.PredictionID] = o
			return nil
		}, inQuery(`SELECT prediction_id, label, value, ts FROM outcomes WHERE usecase_id = $1 AND prediction_id IN `, 1, size), padArgs([]any{uc}, ids[lo:hi], size)...)
	})
	return out, err
}

// fbRow is one feedback item to store.
type fbRow struct {
	uc        string
	f         *telemetry.Feedback
	res       *telemetry.ItemResult
	stored    telemetry.Feedback
	sum       *telemetry.PredictionSummary
	keyID     string
	followers []*telemetry.ItemResult
}

var (
	feedbackInsert = newBulk(`INSERT INTO feedback (usecase_id, id, prediction_id, model_version, kind, value, text, contact, ts,
	author_id, link_id, key_id, status, assignee_id, note, receipt_hash, updated_at) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, id`)
	feedbackInsertSQLite = newBulk(feedbackInsert.head, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING`)
)

func (w *telemetryWrite) writeFeedback(live map[string]bool) error {
	first := map[predKey]*fbRow{}
	var all []*fbRow
	named := map[string][]string{} // prediction ids by use case
	for i, b := range w.batches {
		if !live[b.UseCaseID] {
			continue
		}
		off := len(b.Predictions) + len(b.Outcomes)
		for j := range b.Feedback {
			f, res := &b.Feedback[j], &w.results[i][off+j]
			if f.ID == "" {
				refuse(res, atrium.Invalid, "the feedback has no id")
				continue
			}
			k := predKey{b.UseCaseID, f.ID}
			if r := first[k]; r != nil {
				r.followers = append(r.followers, res)
				continue
			}
			r := &fbRow{uc: b.UseCaseID, f: f, res: res, stored: *f, keyID: b.KeyID}
			r.stored.Time = f.Time.UTC().Truncate(time.Microsecond)
			first[k] = r
			all = append(all, r)
			if f.PredictionID != "" {
				named[b.UseCaseID] = append(named[b.UseCaseID], f.PredictionID)
			}
		}
	}
	sums := map[predKey]telemetry.PredictionSummary{}
	for uc, ids := range named {
		got, err := w.tx.lookupPredictions(uc, ids)
		if err != nil {
			return err
		}
		for id, s := range got {
			sums[predKey{uc, id}] = s
		}
	}
	var rows []*fbRow
	for _, r := range all {
		if r.f.PredictionID != "" {
			s, ok := sums[predKey{r.uc, r.f.PredictionID}]
			if !ok {
				refuse(r.res, atrium.NotFound, "no prediction %q in this use case", atrium.Truncate(r.f.PredictionID, 40))
				continue
			}
			r.sum = &s
			r.stored.ModelVersion = s.ModelVersion
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *fbRow) int { return cmp.Or(strings.Compare(a.uc, b.uc), strings.Compare(a.f.ID, b.f.ID)) })
	inserted := map[predKey]bool{}
	pg := w.db.dialect.name == "postgres"
	if !pg && len(rows) > 0 {
		// SQLite: the ids stored already are duplicates, the rest go in.
		byUC := map[string][]string{}
		for _, r := range rows {
			byUC[r.uc] = append(byUC[r.uc], r.f.ID)
		}
		stored := map[predKey]bool{}
		for uc, ids := range byUC {
			have, err := w.tx.storedIDs(`SELECT id FROM feedback WHERE usecase_id = $1 AND id IN `, uc, ids)
			if err != nil {
				return err
			}
			for id := range have {
				stored[predKey{uc, id}] = true
			}
		}
		fresh := rows[:0:0]
		for _, r := range rows {
			if !stored[predKey{r.uc, r.f.ID}] {
				fresh = append(fresh, r)
			}
		}
		for _, r := range rows {
			if stored[predKey{r.uc, r.f.ID}] {
				r.res.Status = telemetry.Duplicate
			}
		}
		rows = fresh
	}
	now := formatTime(w.tx.now)
	args := make([]any, 0, feedbackInsert.cols()*min(len(rows), maxTelemetryChunk))
	err := chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			f := &r.stored
			key := r.keyID
			if key == "" {
				key = f.KeyID
			}
			var receipt any
			if f.Receipt != "" {
				receipt = identity.Digest(f.Receipt)
			}
			args = append(args, r.uc, f.ID, f.PredictionID, f.ModelVersion, string(f.Kind), f.Value, f.Text, f.Contact, formatTime(f.Time),
				f.AuthorID, f.LinkID, key, string(telemetry.New), "", "", receipt, now)
		}
		return w.insertChunk(feedbackInsertSQLite, feedbackInsert, hi-lo, args, inserted,
			func(i int) predKey { return predKey{rows[lo+i].uc, rows[lo+i].f.ID} })
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if !inserted[predKey{r.uc, r.f.ID}] {
			r.res.Status = telemetry.Duplicate
			continue
		}
		r.res.Status = telemetry.Accepted
		w.aggsOf(r.uc).AddFeedback(r.sum, &r.stored)
	}
	for _, r := range all {
		for _, res := range r.followers {
			if r.res.Status == telemetry.Refused {
				*res = telemetry.ItemResult{Index: res.Index, ID: res.ID, Status: r.res.Status, Code: r.res.Code, Error: r.res.Error}
			} else {
				res.Status = telemetry.Duplicate
			}
		}
	}
	return nil
}
