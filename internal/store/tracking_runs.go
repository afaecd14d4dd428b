package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const runCols = `r.id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri, r.user_name, r.created_by`

func scanRun(sc scanner) (registry.Run, error) {
	var r registry.Run
	var end sql.NullInt64
	err := sc.Scan(&r.ID, &r.ExperimentID, &r.Name, &r.Status, &r.StartTime, &end, &r.LifecycleStage, &r.ArtifactURI, &r.User, &r.CreatedBy)
	if end.Valid {
		r.EndTime = &end.Int64
	}
	return r, err
}

// runOf loads a run of use case u without its data.
func runOf(q querier, u usecase.UseCase, id string) (registry.Run, error) {
	if err := registry.CheckRunID(id); err != nil {
		return registry.Run{}, atrium.Errorf(atrium.NotFound, "run %q not found", atrium.Truncate(id, 40))
	}
	r, err := scanRun(q.queryRow(`SELECT `+runCols+` FROM tracking_runs r JOIN tracking_experiments e ON e.id = r.experiment_id
		WHERE r.id = $1 AND e.usecase_id = $2`, id, u.ID))
	return r, notFound(err, "run %q not found", id)
}

// runData fills a run's params, tags and latest metrics.
func runData(q querier, r *registry.Run) error {
	r.Params, r.Tags, r.Metrics = map[string]string{}, map[string]string{}, []registry.Metric{}
	err := each(q, func(sc scanner) error {
		var kind, k, v string
		if err := sc.Scan(&kind, &k, &v); err != nil {
			return err
		}
		if kind == "p" {
			r.Params[k] = v
		} else {
			r.Tags[k] = v
		}
		return nil
	}, `SELECT 'p', key, value FROM tracking_params WHERE run_id = $1 UNION ALL SELECT 't', key, value FROM tracking_tags WHERE run_id = $1`, r.ID)
	if err != nil {
		return err
	}
	if r.Metrics, err = collect(q, scanMetric, `SELECT key, value, is_nan, timestamp, step FROM tracking_latest_metrics WHERE run_id = $1 ORDER BY key`, r.ID); err != nil {
		return err
	}
	r.Inputs, err = runInputs(q, r.ID)
	return err
}

// NewRun is what a client gives to start a run.
type NewRun struct {
	ExperimentID string
	Name         string
	User         string
	StartTime    int64
	Tags         []registry.Tag
}

// CreateRun starts a run in an experiment of a use case (editor role).
// Experiment "0" is the use case's default one, created on first use; root
// is where it keeps artifacts then (see CreateExperiment).
func (db *DB) CreateRun(ctx context.Context, slug string, in NewRun, root string) (registry.Run, error) {
	var err error
	if in.Name, err = registry.CheckRunName(in.Name); err != nil {
		return registry.Run{}, err
	}
	if in.User, err = atrium.CheckText("user_id", in.User, 256, false, false); err != nil {
		return registry.Run{}, err
	}
	if len(in.Tags) > registry.MaxBatchTags {
		return registry.Run{}, atrium.Errorf(atrium.Invalid, "a run may start with at most %d tags", registry.MaxBatchTags)
	}
	for _, t := range in.Tags {
		if err := t.Check(); err != nil {
			return registry.Run{}, err
		}
	}
	var run registry.Run
	err = db.writeUseCase(ctx, slug, usecase.Editor, "starting a run", func(tx *Tx, u usecase.UseCase) error {
		var e registry.Experiment
		if in.ExperimentID == "0" {
			e, err = tx.defaultExperiment(ctx, u, root)
		} else {
			e, err = experimentOf(tx, u, in.ExperimentID)
		}
		if err != nil {
			return err
		}
		if e.LifecycleStage != registry.Active {
			return atrium.Errorf(atrium.Invalid, "experiment %q is deleted; restore it before starting runs in it", e.ID)
		}
		tags := map[string]string{}
		for _, t := range in.Tags {
			tags[t.Key] = t.Value
		}
		if in.Name == "" {
			in.Name = tags["mlflow.runName"]
		}
		id := atrium.NewID()
		if in.Name == "" {
			in.Name = "run-" + id[:8]
		}
		tags["mlflow.runName"] = in.Name
		if in.User == "" {
			in.User = actorOf(ctx).Email
		}
		if in.StartTime <= 0 {
			in.StartTime = tx.millis()
		}
		run = registry.Run{ID: id, ExperimentID: e.ID, Name: in.Name, Status: registry.RunRunning, StartTime: in.StartTime,
			LifecycleStage: registry.Active, ArtifactURI: strings.TrimRight(e.ArtifactLocation, "/") + "/" + id + "/artifacts",
			User: in.User, CreatedBy: actorOf(ctx).UserID, Params: map[string]string{}, Tags: tags, Metrics: []registry.Metric{}}
		if _, err := tx.exec(`INSERT INTO tracking_runs (id, experiment_id, name, status, start_time, lifecycle_stage, artifact_uri, user_name, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, run.ID, run.ExperimentID, run.Name, string(run.Status), run.StartTime,
			run.LifecycleStage, run.ArtifactURI, run.User, run.CreatedBy, formatTime(tx.now)); err != nil {
			return err
		}
		list := make([]registry.Tag, 0, len(tags))
		for k, v := range tags {
			list = append(list, registry.Tag{Key: k, Value: v})
		}
		if err := tx.upsertTags(run.ID, list); err != nil {
			return err
		}
		return tx.appendAudit("tracking.run.create", "tracking_run", run.ID, run)
	})
	return run, err
}

// GetRun returns a run of a use case with its params, tags and the latest
// value of each metric.
func (db *DB) GetRun(ctx context.Context, slug, id string) (registry.Run, error) {
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Run{}, err
	}
	r, err := runOf(q, u, id)
	if err == nil {
		err = runData(q, &r)
	}
	return r, db.classify(err)
}

// RunChange is an update of a run: any of status, end time, name and
// lifecycle stage.
type RunChange struct {
	Status  registry.RunStatus
	EndTime *int64
	Name    string
	Stage   string
}

// UpdateRun changes a run (editor role), audited.
func (db *DB) UpdateRun(ctx context.Context, slug, id string, c RunChange) (registry.Run, error) {
	if c.Status != "" {
		if err := c.Status.Check(); err != nil {
			return registry.Run{}, err
		}
	}
	var err error
	if c.Name, err = registry.CheckRunName(c.Name); err != nil {
		return registry.Run{}, err
	}
	var r registry.Run
	err = db.writeUseCase(ctx, slug, usecase.Editor, "changing a run", func(tx *Tx, u usecase.UseCase) error {
		if r, err = runOf(tx, u, id); err != nil {
			return err
		}
		if c.Stage != "" {
			if r.LifecycleStage == c.Stage {
				return atrium.Errorf(atrium.Invalid, "run %q is already %s", id, c.Stage)
			}
			r.LifecycleStage = c.Stage
		}
		if c.Status != "" {
			r.Status = c.Status
		}
		if c.EndTime != nil {
			r.EndTime = c.EndTime
		}
		if c.Name != "" {
			r.Name = c.Name
			if err := tx.upsertTags(r.ID, []registry.Tag{{Key: "mlflow.runName", Value: c.Name}}); err != nil {
				return err
			}
		}
		var end sql.NullInt64
		if r.EndTime != nil {
			end = sql.NullInt64{Int64: *r.EndTime, Valid: true}
		}
		if _, err := tx.exec(`UPDATE tracking_runs SET status = $1, end_time = $2, name = $3, lifecycle_stage = $4 WHERE id = $5`,
			string(r.Status), end, r.Name, r.LifecycleStage, r.ID); err != nil {
			return err
		}
		return tx.appendAudit("tracking.run.update", "tracking_run", r.ID, r)
	})
	return r, err
}

// upsertTags sets run tags with one statement.
func (tx *Tx) upsertTags(runID string, tags []registry.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	last := map[string]string{}
	order := []string{}
	for _, t := range tags {
		if _, ok := last[t.Key]; !ok {
			order = append(order, t.Key)
		}
		last[t.Key] = t.Value
	}
	var b strings.Builder
	args := make([]any, 0, 3*len(order))
	b.WriteString(`INSERT INTO tracking_tags (run_id, key, value) VALUES `)
	for i, k := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		args = append(args, runID, k, last[k])
	}
	b.WriteString(` ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`)
	_, err := tx.exec(b.String(), args...)
	return err
}

// DeleteRunTag removes a tag from a run (editor role).
func (db *DB) DeleteRunTag(ctx context.Context, slug, id, key string) error {
	if err := registry.CheckTrackingKey("tag", key); err != nil {
		return err
	}
	return db.writeUseCase(ctx, slug, usecase.Editor, "deleting a run tag", func(tx *Tx, u usecase.UseCase) error {
		r, err := runOf(tx, u, id)
		if err != nil {
			return err
		}
		if r.LifecycleStage != registry.Active {
			return atrium.Errorf(atrium.Invalid, "run %q is deleted; restore it before changing it", id)
		}
		res, err := tx.exec(`DELETE FROM tracking_tags WHERE run_id = $1 AND key = $2`, r.ID, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return atrium.Errorf(atrium.NotFound, "run %q has no tag %q", id, atrium.Truncate(key, 40))
		}
		return tx.appendAudit("tracking.run.tag.delete", "tracking_run", r.ID, map[string]string{"key": key})
	})
}
