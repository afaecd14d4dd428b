package store

// Evaluations: metric results of model and prompt versions on dataset
// versions of the same use case, and how each version stands against the
// use case's measurable objectives.
//
//	AddEvaluation(ctx, slug string, ref registry.Ref, n int, e registry.Evaluation) (registry.Evaluation, error)
//	    editor; ref a model or prompt; e.Dataset a dataset version of the
//	    same use case (Invalid otherwise, whether it is missing or belongs
//	    to another use case); value finite; audited as
//	    registry.evaluation.add. Also records the evaluated_on lineage edge
//	    if it is not there yet. Evaluations never change (a trigger refuses
//	    updates); a version keeps at most registry.MaxEvaluations.
//	Evaluations(ctx, slug string, ref registry.Ref, n int) ([]registry.Evaluation, error)
//	    viewer; the version's evaluations, oldest first.
//	ObjectiveStatus(ctx, slug string) ([]registry.VersionObjectives, error)
//	    viewer; every model and prompt version (newest first per asset, at
//	    most maxStatusVersions) against every objective of the use case's
//	    canvases measured at evaluation: met, not met or not measured, by
//	    the rule of registry.CheckObjectives.

import (
	"time"

	"context"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// maxStatusVersions bounds the versions ObjectiveStatus compares.
const maxStatusVersions = 500

func requireEvaluated(ref registry.Ref) error {
	if err := ref.Check(); err != nil {
		return err
	}
	if ref.Kind == registry.Dataset {
		return atrium.Errorf(atrium.Invalid, "only model and prompt versions are evaluated (got a dataset)")
	}
	return nil
}

// AddEvaluation records an evaluation of version n of a model or prompt.
func (db *DB) AddEvaluation(ctx context.Context, slug string, ref registry.Ref, n int, e registry.Evaluation) (registry.Evaluation, error) {
	if err := requireEvaluated(ref); err != nil {
		return registry.Evaluation{}, err
	}
	if err := e.Validate(); err != nil {
		return registry.Evaluation{}, err
	}
	err := db.writeAsset(ctx, slug, ref, "recording an evaluation", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		if _, err := versionOf(tx, a, n); err != nil {
			return err
		}
		ds, err := resolveNode(tx, u, registry.Node{Kind: registry.Dataset, Name: e.Dataset.Name, Version: e.Dataset.Version})
		if atrium.KindOf(err) == atrium.NotFound {
			return atrium.Errorf(atrium.Invalid, "dataset %q has no version %d in this use case", e.Dataset.Name, e.Dataset.Version)
		}
		if err != nil {
			return err
		}
		var count int
		if err := tx.queryRow(`SELECT COUNT(*) FROM registry_evaluations WHERE asset_id = $1 AND version = $2`, a.ID, n).Scan(&count); err != nil {
			return err
		}
		if count >= registry.MaxEvaluations {
			return atrium.Errorf(atrium.Conflict, "version %d of %s %q already has %d evaluations, the most one version keeps", n, a.Kind, a.Name, count)
		}
		e.ID, e.Version, e.CreatedBy, e.CreatedAt = atrium.NewID(), registry.VersionNode(a.Ref(), n), actorOf(ctx).UserID, tx.now
		if _, err := tx.exec(`INSERT INTO registry_evaluations (id, usecase_id, asset_id, version, dataset_asset, dataset_version,
				metric, metric_key, value, slice, samples, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			e.ID, u.ID, a.ID, n, ds.assetID, e.Dataset.Version, e.Metric, registry.MetricKey(e.Metric), e.Value, e.Slice, e.Samples, e.Note,
			e.CreatedBy, formatTime(tx.now)); err != nil {
			return err
		}
		// No cycle check is needed: nothing leads from a dataset back to a
		// model or prompt (datasets only derive from datasets).
		self := endpoint{node: e.Version, key: versionKey(a.ID, n), assetID: a.ID}
		if err := tx.insertEdge(u, self, ds, registry.EvaluatedOn, true); err != nil {
			return err
		}
		return tx.appendAudit("registry.evaluation.add", "registry_asset", a.ID, e)
	})
	if err != nil {
		return registry.Evaluation{}, err
	}
	return e, nil
}

const evaluationCols = `e.id, a.kind, a.name, e.version, d.name, e.dataset_version, e.metric, e.value, e.slice, e.samples, e.note, e.created_by, e.created_at`

const evaluationFrom = ` FROM registry_evaluations e JOIN registry_assets a ON a.id = e.asset_id JOIN registry_assets d ON d.id = e.dataset_asset`

func scanEvaluation(sc scanner) (registry.Evaluation, error) {
	var e registry.Evaluation
	err := sc.Scan(&e.ID, &e.Version.Kind, &e.Version.Name, &e.Version.Version, &e.Dataset.Name, &e.Dataset.Version,
		&e.Metric, &e.Value, &e.Slice, &e.Samples, &e.Note, &e.CreatedBy, ts{&e.CreatedAt})
	return e, err
}

// Evaluations lists the evaluations of version n of a model or prompt,
// oldest first.
func (db *DB) Evaluations(ctx context.Context, slug string, ref registry.Ref, n int) ([]registry.Evaluation, error) {
	if err := requireEvaluated(ref); err != nil {
		return nil, err
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return nil, db.classify(err)
	}
	if _, err := versionOf(r, a, n); err != nil {
		return nil, db.classify(err)
	}
	out, err := collect(r, scanEvaluation, `SELECT `+evaluationCols+evaluationFrom+`
		WHERE e.asset_id = $1 AND e.version = $2 ORDER BY e.created_at, e.id`, a.ID, n)
	return out, db.classify(err)
}

// ObjectiveStatus compares the use case's model and prompt versions with
// its evaluation objectives.
func (db *DB) ObjectiveStatus(ctx context.Context, slug string) ([]registry.VersionObjectives, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	out, err := objectiveStatus(r, u)
	return out, db.classify(err)
}

func objectiveStatus(q querier, u usecase.UseCase) ([]registry.VersionObjectives, error) {
	objs, err := collect(q, scanObjective, `SELECT `+objectiveCols+` FROM objectives
		WHERE canvas_id IN (SELECT id FROM canvases WHERE usecase_id = $1) AND measured_at = $2 ORDER BY canvas_id, section_id, id`,
		u.ID, canvas.AtEvaluation)
	if err != nil {
		return nil, err
	}
	versions, err := collect(q, func(sc scanner) (registry.Node, error) {
		var n registry.Node
		return n, sc.Scan(&n.Kind, &n.Name, &n.Version)
	}, `SELECT a.kind, a.name, v.number FROM registry_versions v JOIN registry_assets a ON a.id = v.asset_id
		WHERE a.usecase_id = $1 AND a.kind <> $2 ORDER BY a.kind, a.name, v.number DESC LIMIT $3`, u.ID, string(registry.Dataset), maxStatusVersions)
	if err != nil {
		return nil, err
	}
	// Only the evaluations an objective can use are read: one query per
	// distinct metric and slice the objectives name.
	var evals []registry.Evaluation
	asked := map[[2]string]bool{}
	for _, o := range objs {
		name, slice := registry.ObjectiveTarget(o.Metric)
		k := [2]string{registry.MetricKey(name), slice}
		if asked[k] {
			continue
		}
		asked[k] = true
		list, err := collect(q, scanEvaluation, `SELECT `+evaluationCols+evaluationFrom+`
			WHERE e.usecase_id = $1 AND e.metric_key = $2 AND e.slice = $3 ORDER BY e.created_at, e.id`, u.ID, k[0], k[1])
		if err != nil {
			return nil, err
		}
		evals = append(evals, list...)
	}
	runs, err := runEvidence(q, u, asked)
	if err != nil {
		return nil, err
	}
	return registry.CheckObjectives(versions, objs, append(evals, runs...)), nil
}

// runEvidence turns what the training runs of u's versions logged into
// evaluations the objectives can use: for each version produced_by a run,
// the run's latest value of each metric an objective on the whole dataset
// asks for (names matched as registry.MetricKey matches them). A value
// recorded as an evaluation later than the run logged its metric takes
// precedence, as any later evaluation does. NaN values are not evidence.
func runEvidence(q querier, u usecase.UseCase, asked map[[2]string]bool) ([]registry.Evaluation, error) {
	if len(asked) == 0 {
		return nil, nil
	}
	type row struct {
		node      registry.Node
		run, key  string
		value     float64
		nan       bool
		timestamp int64
	}
	rows, err := collect(q, func(sc scanner) (row, error) {
		var r row
		err := sc.Scan(&r.node.Kind, &r.node.Name, &r.node.Version, &r.run, &r.key, &r.value, &r.nan, &r.timestamp)
		return r, err
	}, `SELECT a.kind, a.name, e.from_version, e.to_run, m.key, m.value, m.is_nan, m.timestamp
		FROM registry_lineage_edges e JOIN registry_assets a ON a.id = e.from_asset
		JOIN tracking_latest_metrics m ON m.run_id = e.to_run
		WHERE e.usecase_id = $1 AND e.relation = $2
		ORDER BY a.kind, a.name, e.from_version, m.key LIMIT $3`, u.ID, string(registry.ProducedBy), maxRunEvidence)
	if err != nil {
		return nil, err
	}
	var out []registry.Evaluation
	for _, r := range rows {
		if r.nan || !asked[[2]string{registry.MetricKey(r.key), ""}] {
			continue
		}
		out = append(out, registry.Evaluation{ID: "run/" + r.run + "/" + r.key, Version: r.node, Metric: r.key, Value: r.value,
			Note: "the latest value its training run logged", Run: r.run, CreatedAt: time.UnixMilli(r.timestamp).UTC()})
	}
	return out, nil
}

// maxRunEvidence bounds the run metrics one objective status reads.
const maxRunEvidence = 10_000
