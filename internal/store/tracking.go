package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// DefaultExperiment is the name of the experiment MLflow clients reach as
// experiment "0" when they name none; each use case gets its own on first use.
const DefaultExperiment = "Default"

const experimentCols = `e.id, e.usecase_id, e.name, e.artifact_location, e.lifecycle_stage, e.tags, e.created_by, e.creation_time, e.last_update_time`

func scanExperiment(sc scanner) (registry.Experiment, error) {
	var e registry.Experiment
	var tags string
	if err := sc.Scan(&e.ID, &e.UseCaseID, &e.Name, &e.ArtifactLocation, &e.LifecycleStage, &tags, &e.CreatedBy, &e.CreationTime, &e.LastUpdateTime); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(tags), &e.Tags); err != nil {
		return e, fmt.Errorf("experiment %s: stored tags: %w", e.ID, err)
	}
	if e.Tags == nil {
		e.Tags = map[string]string{}
	}
	return e, nil
}

// millis is the transaction's time in MLflow's unit.
func (tx *Tx) millis() int64 { return tx.now.UnixMilli() }

// experimentOf loads an experiment of use case u by id; "0" is the use
// case's default experiment.
func experimentOf(q querier, u usecase.UseCase, id string) (registry.Experiment, error) {
	if id == "0" {
		e, err := scanExperiment(q.queryRow(`SELECT `+experimentCols+` FROM tracking_experiments e WHERE e.usecase_id = $1 AND e.name = $2`, u.ID, DefaultExperiment))
		return e, notFound(err, "experiment %q not found", id)
	}
	e, err := scanExperiment(q.queryRow(`SELECT `+experimentCols+` FROM tracking_experiments e WHERE e.usecase_id = $1 AND e.id = $2`, u.ID, id))
	return e, notFound(err, "experiment %q not found", atrium.Truncate(id, 40))
}

// createExperiment inserts an experiment into u. An empty artifact location
// becomes root + "/" + id, so every run gets a distinct place.
func (tx *Tx) createExperiment(ctx context.Context, u usecase.UseCase, e registry.Experiment, root string) (registry.Experiment, error) {
	tags, err := json.Marshal(e.Tags)
	if err != nil {
		return e, err
	}
	e.ID, e.UseCaseID, e.LifecycleStage, e.CreatedBy = atrium.NewID(), u.ID, registry.Active, actorOf(ctx).UserID
	e.CreationTime, e.LastUpdateTime = tx.millis(), tx.millis()
	if e.ArtifactLocation == "" {
		e.ArtifactLocation = strings.TrimRight(root, "/") + "/" + e.ID
	}
	if _, err := tx.exec(`INSERT INTO tracking_experiments (id, usecase_id, name, artifact_location, lifecycle_stage, tags, created_by, creation_time, last_update_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, e.ID, u.ID, e.Name, e.ArtifactLocation, e.LifecycleStage, string(tags), e.CreatedBy, e.CreationTime); err != nil {
		return e, tx.uniqueAs(err, "an experiment named %q already exists", e.Name)
	}
	return e, tx.appendAudit("tracking.experiment.create", "tracking_experiment", e.ID, e)
}

// checkExperimentTags validates experiment tags.
func checkExperimentTags(tags map[string]string) error {
	if len(tags) > registry.MaxExperimentTags {
		return atrium.Errorf(atrium.Invalid, "an experiment may have at most %d tags", registry.MaxExperimentTags)
	}
	for k, v := range tags {
		if err := (registry.Tag{Key: k, Value: v}).Check(); err != nil {
			return err
		}
	}
	return nil
}

// CreateExperiment adds an experiment to a use case (editor role). An empty
// artifact location puts its runs under root (see RunArtifactRoot).
func (db *DB) CreateExperiment(ctx context.Context, slug string, e registry.Experiment, root string) (registry.Experiment, error) {
	var err error
	if e.Name, err = registry.CheckExperimentName(e.Name); err != nil {
		return e, err
	}
	if e.ArtifactLocation, err = registry.CheckArtifactLocation(e.ArtifactLocation); err != nil {
		return e, err
	}
	if e.Tags == nil {
		e.Tags = map[string]string{}
	}
	if err := checkExperimentTags(e.Tags); err != nil {
		return e, err
	}
	err = db.writeUseCase(ctx, slug, usecase.Editor, "creating an experiment", func(tx *Tx, u usecase.UseCase) error {
		e, err = tx.createExperiment(ctx, u, e, root)
		return err
	})
	return e, err
}

// defaultExperiment returns u's default experiment, creating it if needed.
func (tx *Tx) defaultExperiment(ctx context.Context, u usecase.UseCase, root string) (registry.Experiment, error) {
	e, err := experimentOf(tx, u, "0")
	if atrium.KindOf(err) == atrium.NotFound {
		return tx.createExperiment(ctx, u, registry.Experiment{Name: DefaultExperiment, Tags: map[string]string{}}, root)
	}
	return e, err
}

// GetExperiment returns an experiment of a use case by id ("0": the default
// one, created on first use).
func (db *DB) GetExperiment(ctx context.Context, slug, id, root string) (registry.Experiment, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Experiment{}, err
	}
	e, err := experimentOf(r, u, id)
	if id == "0" && atrium.KindOf(err) == atrium.NotFound && u.Role.AtLeast(usecase.Editor) {
		err = db.writeUseCase(ctx, slug, usecase.Editor, "creating the default experiment", func(tx *Tx, u usecase.UseCase) error {
			e, err = tx.defaultExperiment(ctx, u, root)
			return err
		})
	}
	return e, db.classify(err)
}

// GetExperimentByName returns an experiment of a use case by name.
func (db *DB) GetExperimentByName(ctx context.Context, slug, name string) (registry.Experiment, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Experiment{}, err
	}
	e, err := scanExperiment(r.queryRow(`SELECT `+experimentCols+` FROM tracking_experiments e WHERE e.usecase_id = $1 AND e.name = $2`, u.ID, name))
	return e, db.classify(notFound(err, "experiment %q not found", atrium.Truncate(name, 60)))
}

// ExperimentFilter selects experiments: by lifecycle stage ("" for all) and
// a name pattern in SQL LIKE form ("" for any).
type ExperimentFilter struct {
	Stage    string
	NameLike string
	NameCI   bool // the pattern ignores case
	OrderBy  string
	Desc     bool
	Page     atrium.PageRequest
}

// ListExperiments returns a page of a use case's experiments.
func (db *DB) ListExperiments(ctx context.Context, slug string, f ExperimentFilter) (atrium.Page[registry.Experiment], error) {
	out := atrium.Page[registry.Experiment]{Items: []registry.Experiment{}}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	order := map[string]string{"name": "e.name", "creation_time": "e.creation_time", "last_update_time": "e.last_update_time", "experiment_id": "e.id"}[f.OrderBy]
	if order == "" {
		order = "e.creation_time"
		f.Desc = true
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	nameCol := "e.name"
	if f.NameCI {
		nameCol, f.NameLike = "LOWER(e.name)", strings.ToLower(f.NameLike)
	}
	p := f.Page
	where := ` FROM tracking_experiments e WHERE e.usecase_id = $1 AND ($2 = '' OR e.lifecycle_stage = $2) AND ($3 = '' OR ` + nameCol + ` LIKE $3 ESCAPE '\')`
	if err := r.queryRow(`SELECT COUNT(*)`+where, u.ID, f.Stage, f.NameLike).Scan(&out.Total); err != nil {
		return out, db.classify(err)
	}
	items, err := collect(r, scanExperiment, `SELECT `+experimentCols+where+` ORDER BY `+order+dir+`, e.id LIMIT $4 OFFSET $5`, u.ID, f.Stage, f.NameLike, p.Size, p.Offset)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// ExperimentChange is one change to an experiment: a new name, a lifecycle
// stage, a tag set (Value != nil) or a tag removed (Value == nil).
type ExperimentChange struct {
	Name     string
	Stage    string
	TagKey   string
	TagValue *string
}

// UpdateExperiment applies a change to an experiment (editor role), audited.
func (db *DB) UpdateExperiment(ctx context.Context, slug, id string, c ExperimentChange) (registry.Experiment, error) {
	var err error
	if c.Name != "" {
		if c.Name, err = registry.CheckExperimentName(c.Name); err != nil {
			return registry.Experiment{}, err
		}
	}
	if c.TagKey != "" && c.TagValue != nil {
		if err := (registry.Tag{Key: c.TagKey, Value: *c.TagValue}).Check(); err != nil {
			return registry.Experiment{}, err
		}
	}
	var e registry.Experiment
	err = db.writeUseCase(ctx, slug, usecase.Editor, "changing an experiment", func(tx *Tx, u usecase.UseCase) error {
		if e, err = experimentOf(tx, u, id); err != nil {
			return err
		}
		switch {
		case c.Name != "":
			if e.Name == DefaultExperiment {
				return atrium.Errorf(atrium.Invalid, "the default experiment cannot be renamed")
			}
			e.Name = c.Name
		case c.Stage != "":
			if e.Name == DefaultExperiment && c.Stage == registry.Deleted {
				return atrium.Errorf(atrium.Invalid, "the default experiment cannot be deleted")
			}
			if e.LifecycleStage == c.Stage {
				return atrium.Errorf(atrium.Invalid, "experiment %q is already %s", id, c.Stage)
			}
			e.LifecycleStage = c.Stage
		case c.TagKey != "" && c.TagValue != nil:
			if _, ok := e.Tags[c.TagKey]; !ok && len(e.Tags) >= registry.MaxExperimentTags {
				return atrium.Errorf(atrium.Invalid, "an experiment may have at most %d tags", registry.MaxExperimentTags)
			}
			e.Tags[c.TagKey] = *c.TagValue
		case c.TagKey != "":
			if _, ok := e.Tags[c.TagKey]; !ok {
				return atrium.Errorf(atrium.NotFound, "experiment %q has no tag %q", id, atrium.Truncate(c.TagKey, 40))
			}
			delete(e.Tags, c.TagKey)
		default:
			return atrium.Errorf(atrium.Invalid, "nothing to change")
		}
		tags, err := json.Marshal(e.Tags)
		if err != nil {
			return err
		}
		e.LastUpdateTime = tx.millis()
		if _, err := tx.exec(`UPDATE tracking_experiments SET name = $1, lifecycle_stage = $2, tags = $3, last_update_time = $4 WHERE id = $5`,
			e.Name, e.LifecycleStage, string(tags), e.LastUpdateTime, e.ID); err != nil {
			return tx.uniqueAs(err, "an experiment named %q already exists", e.Name)
		}
		return tx.appendAudit("tracking.experiment.update", "tracking_experiment", e.ID, e)
	})
	return e, err
}

// metricValue splits a value into what is stored: 0 and true for NaN, which
// SQLite cannot store.
func metricValue(v float64) (float64, bool) {
	if math.IsNaN(v) {
		return 0, true
	}
	return v, false
}

// scanMetric reads a metric stored by metricValue.
func scanMetric(sc scanner) (registry.Metric, error) {
	var m registry.Metric
	var nan bool
	err := sc.Scan(&m.Key, &m.Value, &nan, &m.Timestamp, &m.Step)
	if nan {
		m.Value = math.NaN()
	}
	return m, err
}
