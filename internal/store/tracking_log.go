package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// LogBatch records metrics, params and tags on a run (editor role) in one
// transaction with one audit entry, whatever the batch holds: the entry
// commits to the counts and a digest of the rows, so per-metric entries do
// not cap logging at the audit rate. A param already logged with another
// value refuses the whole batch; logging the same value again is allowed.
func (db *DB) LogBatch(ctx context.Context, slug, runID string, b registry.Batch) error {
	if err := b.Check(); err != nil {
		return err
	}
	if len(b.Metrics)+len(b.Params)+len(b.Tags) == 0 {
		return nil
	}
	digest := batchDigest(b)
	return db.writeUseCase(ctx, slug, usecase.Editor, "logging to a run", func(tx *Tx, u usecase.UseCase) error {
		r, err := runOf(tx, u, runID)
		if err != nil {
			return err
		}
		if r.LifecycleStage != registry.Active {
			return atrium.Errorf(atrium.Invalid, "run %q is deleted; restore it before logging to it", runID)
		}
		if err := tx.insertParams(r.ID, b.Params); err != nil {
			return err
		}
		if err := tx.insertMetrics(r.ID, b.Metrics); err != nil {
			return err
		}
		if err := tx.upsertTags(r.ID, b.Tags); err != nil {
			return err
		}
		for _, t := range b.Tags {
			if t.Key == "mlflow.runName" {
				if _, err := tx.exec(`UPDATE tracking_runs SET name = $1 WHERE id = $2`, t.Value, r.ID); err != nil {
					return err
				}
			}
		}
		return tx.appendAudit("tracking.run.log", "tracking_run", r.ID, struct {
			Metrics int    `json:"metrics"`
			Params  int    `json:"params"`
			Tags    int    `json:"tags"`
			Digest  string `json:"digest"`
		}{len(b.Metrics), len(b.Params), len(b.Tags), digest})
	})
}

// batchDigest is a SHA-256 over the batch's rows in their order.
func batchDigest(b registry.Batch) string {
	h := sha256.New()
	var n [8]byte
	for _, m := range b.Metrics {
		h.Write([]byte(m.Key))
		h.Write([]byte{0})
		binary.BigEndian.PutUint64(n[:], math.Float64bits(m.Value))
		h.Write(n[:])
		binary.BigEndian.PutUint64(n[:], uint64(m.Timestamp))
		h.Write(n[:])
		binary.BigEndian.PutUint64(n[:], uint64(m.Step))
		h.Write(n[:])
	}
	for _, p := range b.Params {
		fmt.Fprintf(h, "p%d:%s%d:%s", len(p.Key), p.Key, len(p.Value), p.Value)
	}
	for _, t := range b.Tags {
		fmt.Fprintf(h, "t%d:%s%d:%s", len(t.Key), t.Key, len(t.Value), t.Value)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// insertParams adds params that are new, after checking that none already
// holds another value. It reads the run's params once.
func (tx *Tx) insertParams(runID string, params []registry.Param) error {
	if len(params) == 0 {
		return nil
	}
	have := map[string]string{}
	err := each(tx, func(sc scanner) error {
		var k, v string
		if err := sc.Scan(&k, &v); err != nil {
			return err
		}
		have[k] = v
		return nil
	}, `SELECT key, value FROM tracking_params WHERE run_id = $1`, runID)
	if err != nil {
		return err
	}
	var b strings.Builder
	var args []any
	for _, p := range params {
		if v, ok := have[p.Key]; ok {
			if v != p.Value {
				return atrium.Errorf(atrium.Invalid, "param %q was already logged with value %q for run %q; params cannot change (new value %q)",
					atrium.Truncate(p.Key, 40), atrium.Truncate(v, 60), runID, atrium.Truncate(p.Value, 60))
			}
			continue
		}
		have[p.Key] = p.Value
		if len(args) == 0 {
			b.WriteString(`INSERT INTO tracking_params (run_id, key, value) VALUES `)
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3)
		args = append(args, runID, p.Key, p.Value)
	}
	if len(have) > registry.MaxParamsPerRun {
		return atrium.Errorf(atrium.Invalid, "a run may hold at most %d params", registry.MaxParamsPerRun)
	}
	if len(args) == 0 {
		return nil
	}
	_, err = tx.exec(b.String(), args...)
	return err
}

// insertMetrics appends metric values with one multi-row insert and moves
// each key's latest value with one upsert.
func (tx *Tx) insertMetrics(runID string, metrics []registry.Metric) error {
	if len(metrics) == 0 {
		return nil
	}
	latest := map[string]registry.Metric{}
	for _, m := range metrics {
		if cur, ok := latest[m.Key]; !ok || m.Later(cur) {
			latest[m.Key] = m
		}
	}
	if err := tx.appendMetrics(runID, metrics); err != nil {
		return err
	}
	var b strings.Builder
	var args []any
	keys := make([]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString(`INSERT INTO tracking_latest_metrics (run_id, key, value, is_nan, timestamp, step) VALUES `)
	for i, k := range keys {
		m := latest[k]
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d)", 6*i+1, 6*i+2, 6*i+3, 6*i+4, 6*i+5, 6*i+6)
		v, nan := metricValue(m.Value)
		args = append(args, runID, m.Key, v, nan, m.Timestamp, m.Step)
	}
	// A stored latest value stays when it is later (step, then timestamp).
	b.WriteString(` ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step
		WHERE excluded.step > tracking_latest_metrics.step
			OR (excluded.step = tracking_latest_metrics.step AND excluded.timestamp >= tracking_latest_metrics.timestamp)`)
	_, err := tx.exec(b.String(), args...)
	return err
}

// appendMetrics inserts metric values in one statement. SQLite gets them as
// one JSON argument read by json_each: the statement is the same short text
// for every batch, where 1,000 rows of placeholders cost a fifth of the
// writer's time in parsing alone. JSON has no infinities, so a batch holding
// one takes the VALUES form, which PostgreSQL always uses (one round trip
// either way).
func (tx *Tx) appendMetrics(runID string, metrics []registry.Metric) error {
	finite := true
	for _, m := range metrics {
		finite = finite && !math.IsInf(m.Value, 0)
	}
	if tx.db.dialect.name == "sqlite" && finite {
		rows := make([][5]any, len(metrics))
		for i, m := range metrics {
			v, nan := metricValue(m.Value)
			rows[i] = [5]any{m.Key, m.Step, m.Timestamp, v, nan}
		}
		data, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO tracking_metrics (run_id, key, step, timestamp, value, is_nan)
			SELECT $1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4 FROM json_each($2) j WHERE true
			ON CONFLICT DO NOTHING`, runID, string(data))
		return err
	}
	var b strings.Builder
	b.Grow(40 + 32*len(metrics))
	b.WriteString(`INSERT INTO tracking_metrics (run_id, key, step, timestamp, value, is_nan) VALUES `)
	args := make([]any, 0, 5*len(metrics)+1)
	args = append(args, runID)
	for i, m := range metrics {
		if i > 0 {
			b.WriteString(", ")
		}
		// The run id is bound once, as $1, for every row.
		n := 5*i + 2
		b.WriteString("($1, $")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(", $")
		b.WriteString(strconv.Itoa(n + 1))
		b.WriteString(", $")
		b.WriteString(strconv.Itoa(n + 2))
		b.WriteString(", $")
		b.WriteString(strconv.Itoa(n + 3))
		b.WriteString(", $")
		b.WriteString(strconv.Itoa(n + 4))
		b.WriteString(")")
		v, nan := metricValue(m.Value)
		args = append(args, m.Key, m.Step, m.Timestamp, v, nan)
	}
	b.WriteString(` ON CONFLICT DO NOTHING`)
	_, err := tx.exec(b.String(), args...)
	return err
}

// MetricHistory returns one page of every value logged for a metric of a
// run, by step and timestamp.
func (db *DB) MetricHistory(ctx context.Context, slug, runID, key string, p atrium.PageRequest) (atrium.Page[registry.Metric], error) {
	out := atrium.Page[registry.Metric]{Items: []registry.Metric{}}
	if err := registry.CheckTrackingKey("metric", key); err != nil {
		return out, err
	}
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	r, err := runOf(q, u, runID)
	if err != nil {
		return out, db.classify(err)
	}
	if err := q.queryRow(`SELECT COUNT(*) FROM tracking_metrics WHERE run_id = $1 AND key = $2`, r.ID, key).Scan(&out.Total); err != nil {
		return out, db.classify(err)
	}
	items, err := collect(q, scanMetric, `SELECT key, value, is_nan, timestamp, step FROM tracking_metrics WHERE run_id = $1 AND key = $2
		ORDER BY step, timestamp LIMIT $3 OFFSET $4`, r.ID, key, p.Size, p.Offset)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}
