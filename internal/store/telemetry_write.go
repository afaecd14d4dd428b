package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	tx   *Tx
	aggs map[string]telemetry.Aggregates // by use case
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

func (w *telemetryWrite) run(tx *Tx) error {
	w.tx = tx
	w.aggs = map[string]telemetry.Aggregates{}
	w.counts = map[string]*telemetryCounts{}
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
	err := chunkUp(len(ids), 64, func(lo, hi, size int) error {
		return each(w.tx, func(sc scanner) error {
			var id string
			var a bool
			if err := sc.Scan(&id, &a); err != nil {
				return err
			}
			live[id], archived[id] = !a, a
			return nil
		}, inQuery(`SELECT id, archived FROM usecases WHERE id IN `, 0, size), padArgs(nil, ids[lo:hi], size)...)
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
	stored                telemetry.Prediction
	features, explanation any // JSON text or nil
}

// predKey is a prediction's, outcome's or feedback item's identity.
type predKey struct{ uc, id string }

var (
	predictionInsertSQLite = newBulk(`INSERT INTO predictions (usecase_id, id, asset_id, version, alias, ts, subject, segments,
	out_label, out_score, out_value, latency, error, source, key_id, features, explanation) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, id`)
	predictionInsertPostgres = newBulk(`INSERT INTO predictions (usecase_id, id, asset_id, version, alias, ts, subject, segments,
	out_label, out_score, out_value, latency, error, source, key_id) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, id`)
	payloadInsert = newBulk(`INSERT INTO prediction_payloads (usecase_id, ts, id, features, explanation) VALUES `, "(?, ?, ?, ?, ?)", ``)
)

func (w *telemetryWrite) writePredictions(live map[string]bool) error {
	var rows []*predRow
	seen := map[predKey]bool{}
	for i, b := range w.batches {
		if !live[b.UseCaseID] {
			continue
		}
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
			var err error
			if r.features, err = jsonOrNil(len(p.Features) > 0, p.Features); err != nil {
				refuse(res, atrium.Invalid, "the prediction's features cannot be stored: %v", err)
				continue
			}
			if r.explanation, err = jsonOrNil(len(p.Explanation) > 0, p.Explanation); err != nil {
				refuse(res, atrium.Invalid, "the prediction's explanation cannot be stored: %v", err)
				continue
			}
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Sorted by key, so that two replicas writing the same ids take their
	// locks in the same order.
	slices.SortFunc(rows, func(a, b *predRow) int { return cmp.Or(strings.Compare(a.uc, b.uc), strings.Compare(a.p.ID, b.p.ID)) })
	pg := w.db.dialect.name == "postgres"
	stmt := predictionInsertSQLite
	if pg {
		stmt = predictionInsertPostgres
	}
	inserted := make(map[predKey]bool, len(rows))
	args := make([]any, 0, stmt.cols()*maxTelemetryChunk)
	err := chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			p := &r.stored
			args = append(args, r.uc, p.ID, p.ModelAssetID, p.ModelVersion, p.Alias, formatTime(p.Time), p.Subject, segmentsJSON(p.Segments),
				optString(p.Output.Label), optFloat(p.Output.Score), optFloat(p.Output.Value), optFloat(p.LatencyMS), p.Error, p.Source, w.keyOf(r.uc))
			if !pg {
				args = append(args, r.features, r.explanation)
			}
		}
		return each(w.tx, func(sc scanner) error {
			var k predKey
			if err := sc.Scan(&k.uc, &k.id); err != nil {
				return err
			}
			inserted[k] = true
			return nil
		}, stmt.text(hi-lo), args...)
	})
	if err != nil {
		return err
	}
	var payloads []*predRow
	for _, r := range rows {
		if !inserted[predKey{r.uc, r.p.ID}] {
			r.res.Status = telemetry.Duplicate
			continue
		}
		r.res.Status = telemetry.Accepted
		w.aggsOf(r.uc).AddPrediction(&r.stored, r.ref)
		if r.features != nil || r.explanation != nil {
			payloads = append(payloads, r)
		}
	}
	if !pg || len(payloads) == 0 {
		return nil
	}
	return chunkDown(len(payloads), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range payloads[lo:hi] {
			args = append(args, r.uc, formatTime(r.stored.Time), r.p.ID, r.features, r.explanation)
		}
		_, err := w.tx.exec(payloadInsert.text(hi-lo), args...)
		return err
	})
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

func jsonOrNil(set bool, v any) (any, error) {
	if !set {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func segmentsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}" // a map of strings always encodes
	}
	return string(b)
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

var outcomeInsert = newBulk(`INSERT INTO outcomes (usecase_id, prediction_id, label, value, ts, key_id) VALUES `,
	"(?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, prediction_id`)

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
	args := make([]any, 0, outcomeInsert.cols()*maxTelemetryChunk)
	err := chunkDown(len(rows), maxTelemetryChunk, func(lo, hi int) error {
		args = args[:0]
		for _, r := range rows[lo:hi] {
			o := &r.stored
			args = append(args, r.uc, o.PredictionID, optString(o.Label), optFloat(o.Value), formatTime(o.Time), w.keyOf(r.uc))
		}
		return each(w.tx, func(sc scanner) error {
			var k predKey
			if err := sc.Scan(&k.uc, &k.id); err != nil {
				return err
			}
			inserted[k] = true
			return nil
		}, outcomeInsert.text(hi-lo), args...)
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

var feedbackInsert = newBulk(`INSERT INTO feedback (usecase_id, id, prediction_id, model_version, kind, value, text, contact, ts,
	author_id, link_id, key_id, status, assignee_id, note, receipt_hash, updated_at) VALUES `,
	"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT DO NOTHING RETURNING usecase_id, id`)

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
	now := formatTime(w.tx.now)
	args := make([]any, 0, feedbackInsert.cols()*maxTelemetryChunk)
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
		return each(w.tx, func(sc scanner) error {
			var k predKey
			if err := sc.Scan(&k.uc, &k.id); err != nil {
				return err
			}
			inserted[k] = true
			return nil
		}, feedbackInsert.text(hi-lo), args...)
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
