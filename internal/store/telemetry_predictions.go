package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// PredictionFilter selects a use case's predictions; zero fields select all.
type PredictionFilter struct {
	Model    string // model asset name
	Version  int
	From, To time.Time // ts in [From, To)
	// Errors selects failed predictions only.
	Errors bool
}

// predictionCols reads a prediction with its model's name; the payload
// columns come from the row itself on SQLite and from prediction_payloads
// on PostgreSQL (predictionFrom).
func (db *DB) predictionCols() string {
	return `p.id, COALESCE(a.name, ''), p.asset_id, p.version, p.alias, p.ts, p.subject, p.segments,
	p.out_label, p.out_score, p.out_value, p.latency, p.error, p.source, ` + db.payloadCols()
}

func (db *DB) payloadCols() string {
	if db.dialect.name == "postgres" {
		return `pp.features, pp.explanation`
	}
	return `p.features, p.explanation`
}

func (db *DB) predictionFrom() string {
	from := ` FROM predictions p LEFT JOIN registry_assets a ON a.id = p.asset_id`
	if db.dialect.name == "postgres" {
		from += ` LEFT JOIN prediction_payloads pp ON pp.usecase_id = p.usecase_id AND pp.ts = p.ts AND pp.id = p.id`
	}
	return from
}

func scanPrediction(sc scanner, extra ...any) (telemetry.Prediction, error) {
	var p telemetry.Prediction
	var segments string
	var features, explanation sql.NullString
	dest := append([]any{&p.ID, &p.Model, &p.ModelAssetID, &p.ModelVersion, &p.Alias, ts{&p.Time}, &p.Subject, &segments,
		&p.Output.Label, &p.Output.Score, &p.Output.Value, &p.LatencyMS, &p.Error, &p.Source, &features, &explanation}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return p, err
	}
	p.Version = p.Alias
	if p.Version == "" {
		p.Version = strconv.Itoa(p.ModelVersion)
	}
	if err := decodeSegments(segments, &p.Segments); err != nil {
		return p, fmt.Errorf("prediction %s: %w", p.ID, err)
	}
	if features.Valid {
		if err := json.Unmarshal([]byte(features.String), &p.Features); err != nil {
			return p, fmt.Errorf("prediction %s: stored features: %w", p.ID, err)
		}
	}
	if explanation.Valid {
		if err := json.Unmarshal([]byte(explanation.String), &p.Explanation); err != nil {
			return p, fmt.Errorf("prediction %s: stored explanation: %w", p.ID, err)
		}
	}
	return p, nil
}

func decodeSegments(s string, into *map[string]string) error {
	if s == "{}" || s == "" {
		*into = nil
		return nil
	}
	if err := json.Unmarshal([]byte(s), into); err != nil {
		return fmt.Errorf("stored segments: %w", err)
	}
	return nil
}

// GetPrediction returns one prediction of a use case (viewer role), with
// its features and explanation while retention keeps them.
func (db *DB) GetPrediction(ctx context.Context, slug, id string) (telemetry.Prediction, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return telemetry.Prediction{}, err
	}
	p, err := scanPrediction(r.queryRow(`SELECT `+db.predictionCols()+db.predictionFrom()+` WHERE p.usecase_id = $1 AND p.id = $2`, u.ID, id))
	return p, db.classify(notFound(err, "no prediction %q in this use case", atrium.Truncate(id, 40)))
}

// ListPredictions returns one page of a use case's predictions, newest first
// (viewer role). Counting every prediction of a busy use case would cost
// more than the page, so Total counts those up to the end of this page, plus
// one when more follow: enough for the next-page token, not a total.
func (db *DB) ListPredictions(ctx context.Context, slug string, f PredictionFilter, p atrium.PageRequest) (atrium.Page[telemetry.Prediction], error) {
	out := atrium.Page[telemetry.Prediction]{Items: []telemetry.Prediction{}}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	p = pageOf(p)
	args := []any{u.ID}
	where := []string{"p.usecase_id = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Model != "" {
		add("a.name = $%d", f.Model)
	}
	if f.Version != 0 {
		add("p.version = $%d", f.Version)
	}
	if !f.From.IsZero() {
		add("p.ts >= $%d", formatTime(f.From))
	}
	if !f.To.IsZero() {
		add("p.ts < $%d", formatTime(f.To))
	}
	if f.Errors {
		where = append(where, "p.error <> ''")
	}
	args = append(args, p.Size+1, p.Offset)
	items, err := collect(r, func(sc scanner) (telemetry.Prediction, error) { return scanPrediction(sc) },
		`SELECT `+db.predictionCols()+db.predictionFrom()+` WHERE `+strings.Join(where, " AND ")+
			fmt.Sprintf(` ORDER BY p.ts DESC, p.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return out, db.classify(err)
	}
	out.Total = p.Offset + len(items)
	if len(items) > p.Size {
		items = items[:p.Size]
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// summaryCols read what outcomes and feedback need of a prediction.
const summaryCols = `p.id, p.asset_id, p.version, p.ts, p.segments, p.out_label, p.out_score, p.out_value, p.error`

func scanSummary(sc scanner, id *string, s *telemetry.PredictionSummary, extra ...any) error {
	var segments string
	dest := append([]any{id, &s.ModelAssetID, &s.ModelVersion, ts{&s.Time}, &segments, &s.Output.Label, &s.Output.Score, &s.Output.Value, &s.Error}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	return decodeSegments(segments, &s.Segments)
}

// ResolveModel says which model version an event is about, for ingestion
// (no actor): model is the model asset's name in the use case, version a
// version number, an alias, or "" for the alias "champion" when it is set
// and the latest version otherwise. alias is the alias used, if any.
func (db *DB) ResolveModel(ctx context.Context, useCaseID, model, version string) (assetID string, number int, alias string, err error) {
	r := db.reader(ctx)
	if model == "" {
		return "", 0, "", atrium.Errorf(atrium.Invalid, "the event names no model, and its ingestion key has no default model")
	}
	err = r.queryRow(`SELECT id FROM registry_assets WHERE usecase_id = $1 AND kind = $2 AND name = $3`, useCaseID, string(registry.Model), model).Scan(&assetID)
	if err != nil {
		return "", 0, "", db.classify(notFound(err, "this use case has no model %q", atrium.Truncate(model, 100)))
	}
	aliasVersion := func(name string) (int, error) {
		var n int
		err := r.queryRow(`SELECT version FROM registry_aliases WHERE asset_id = $1 AND alias = $2`, assetID, name).Scan(&n)
		return n, err
	}
	switch n, convErr := strconv.Atoi(version); {
	case version == "":
		n, err := aliasVersion("champion")
		if err == nil {
			return assetID, n, "champion", nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", 0, "", db.classify(err)
		}
		var latest sql.NullInt64
		if err := r.queryRow(`SELECT MAX(number) FROM registry_versions WHERE asset_id = $1`, assetID).Scan(&latest); err != nil {
			return "", 0, "", db.classify(err)
		}
		if !latest.Valid {
			return "", 0, "", atrium.Errorf(atrium.NotFound, "model %q has no versions yet", model)
		}
		return assetID, int(latest.Int64), "", nil
	case convErr == nil:
		var found int
		if err := r.queryRow(`SELECT COUNT(*) FROM registry_versions WHERE asset_id = $1 AND number = $2`, assetID, n).Scan(&found); err != nil {
			return "", 0, "", db.classify(err)
		}
		if found == 0 {
			return "", 0, "", atrium.Errorf(atrium.NotFound, "model %q has no version %d", model, n)
		}
		return assetID, n, "", nil
	default:
		n, err := aliasVersion(version)
		if err != nil {
			return "", 0, "", db.classify(notFound(err, "model %q has no alias %q", model, atrium.Truncate(version, 64)))
		}
		return assetID, n, version, nil
	}
}

// Reference returns the reference bins for version number of model asset
// assetID: from the profile of the first training dataset version it names
// (empty when it names none, or that version has no profile). Cached, as
// neither can change.
func (db *DB) Reference(ctx context.Context, assetID string, number int) (telemetry.Reference, error) {
	ref, _, err := db.reference(ctx, assetID, number)
	return ref, err
}

// reference is Reference with the use case the model belongs to, which
// ingestion checks events against.
func (db *DB) reference(ctx context.Context, assetID string, number int) (telemetry.Reference, string, error) {
	if e, ok := db.telemetry.refs.get(assetID, number); ok {
		return e.ref, e.useCaseID, nil
	}
	r := db.reader(ctx)
	var a registry.Asset
	err := r.queryRow(`SELECT id, usecase_id, kind, name FROM registry_assets WHERE id = $1`, assetID).Scan(&a.ID, &a.UseCaseID, &a.Kind, &a.Name)
	if err != nil || a.Kind != registry.Model {
		return telemetry.Reference{}, "", db.classify(notFound(orNoRows(err), "no model with id %q", atrium.Truncate(assetID, 40)))
	}
	v, err := db.cachedVersion(r, a, number)
	if err != nil {
		return telemetry.Reference{}, "", db.classify(err)
	}
	var ref telemetry.Reference
	if v.Model != nil && len(v.Model.TrainingData) > 0 {
		td := v.Model.TrainingData[0]
		var ds registry.Asset
		err := r.queryRow(`SELECT id, usecase_id, kind, name FROM registry_assets WHERE usecase_id = $1 AND kind = $2 AND name = $3`,
			a.UseCaseID, string(registry.Dataset), td.Name).Scan(&ds.ID, &ds.UseCaseID, &ds.Kind, &ds.Name)
		switch {
		case err == nil:
			dv, err := db.cachedVersion(r, ds, td.Version)
			if err != nil && atrium.KindOf(db.classify(err)) != atrium.NotFound {
				return telemetry.Reference{}, "", db.classify(err)
			}
			if err == nil && dv.Dataset != nil && dv.Dataset.Profile != nil {
				ref = telemetry.ReferenceFromProfile(dv.Dataset.Profile.Columns)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return telemetry.Reference{}, "", db.classify(err)
		}
	}
	db.telemetry.refs.put(assetID, number, refEntry{ref, a.UseCaseID})
	return ref, a.UseCaseID, nil
}

// orNoRows turns a nil error into sql.ErrNoRows, for a row found but not
// the kind asked for.
func orNoRows(err error) error {
	if err == nil {
		return sql.ErrNoRows
	}
	return err
}
