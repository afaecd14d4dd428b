package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const loggedModelCols = `m.id, m.experiment_id, COALESCE(m.run_id, ''), m.name, m.model_type, m.status, m.artifact_uri, m.tags, m.params,
	m.created_by, m.creation_time, m.last_update_time`

func scanLoggedModel(sc scanner) (registry.LoggedModel, error) {
	var m registry.LoggedModel
	var tags, params string
	if err := sc.Scan(&m.ID, &m.ExperimentID, &m.RunID, &m.Name, &m.ModelType, &m.Status, &m.ArtifactURI, &tags, &params,
		&m.CreatedBy, &m.CreationTime, &m.LastUpdateTime); err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(tags), &m.Tags); err != nil {
		return m, fmt.Errorf("logged model %s: stored tags: %w", m.ID, err)
	}
	if err := json.Unmarshal([]byte(params), &m.Params); err != nil {
		return m, fmt.Errorf("logged model %s: stored params: %w", m.ID, err)
	}
	return m, nil
}

func loggedModelOf(q querier, u usecase.UseCase, id string) (registry.LoggedModel, error) {
	m, err := scanLoggedModel(q.queryRow(`SELECT `+loggedModelCols+` FROM tracking_logged_models m
		JOIN tracking_experiments e ON e.id = m.experiment_id WHERE m.id = $1 AND e.usecase_id = $2`, id, u.ID))
	return m, notFound(err, "logged model %q not found", atrium.Truncate(id, 40))
}

// checkKV validates the tags or params of a logged model.
func checkKV(what string, kv map[string]string) error {
	if len(kv) > registry.MaxBatchTags {
		return atrium.Errorf(atrium.Invalid, "a logged model may have at most %d %s", registry.MaxBatchTags, what)
	}
	for k, v := range kv {
		if err := (registry.Tag{Key: k, Value: v}).Check(); err != nil {
			return err
		}
	}
	return nil
}

// CreateLoggedModel records a model logged in an experiment (editor role),
// pending until finalised. Its files go to the experiment's artifact
// location; Atrium keeps only this record.
func (db *DB) CreateLoggedModel(ctx context.Context, slug string, m registry.LoggedModel, root string) (registry.LoggedModel, error) {
	var err error
	if m.Name == "" {
		m.Name = "model"
	}
	if m.Name, err = atrium.CheckText("name", m.Name, registry.MaxRunName, true, false); err != nil {
		return m, err
	}
	if m.ModelType, err = atrium.CheckText("model_type", m.ModelType, 100, false, false); err != nil {
		return m, err
	}
	if m.Tags == nil {
		m.Tags = map[string]string{}
	}
	if m.Params == nil {
		m.Params = map[string]string{}
	}
	if err := checkKV("tags", m.Tags); err != nil {
		return m, err
	}
	if err := checkKV("params", m.Params); err != nil {
		return m, err
	}
	err = db.writeUseCase(ctx, slug, usecase.Editor, "logging a model", func(tx *Tx, u usecase.UseCase) error {
		var e registry.Experiment
		if m.ExperimentID == "0" {
			e, err = tx.defaultExperiment(ctx, u, root)
		} else {
			e, err = experimentOf(tx, u, m.ExperimentID)
		}
		if err != nil {
			return err
		}
		if m.RunID != "" {
			r, err := runOf(tx, u, m.RunID)
			if err != nil {
				return err
			}
			if r.ExperimentID != e.ID {
				return atrium.Errorf(atrium.Invalid, "run %q is not in experiment %q", m.RunID, m.ExperimentID)
			}
		}
		id := "m-" + atrium.NewID()
		m.ID, m.ExperimentID, m.Status, m.CreatedBy = id, e.ID, registry.ModelPending, actorOf(ctx).UserID
		m.ArtifactURI = strings.TrimRight(e.ArtifactLocation, "/") + "/models/" + id + "/artifacts"
		m.CreationTime, m.LastUpdateTime = tx.millis(), tx.millis()
		tags, _ := json.Marshal(m.Tags)
		params, _ := json.Marshal(m.Params)
		if _, err := tx.exec(`INSERT INTO tracking_logged_models (id, experiment_id, run_id, name, model_type, status, artifact_uri, tags, params,
				created_by, creation_time, last_update_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			m.ID, m.ExperimentID, sql.NullString{String: m.RunID, Valid: m.RunID != ""}, m.Name, m.ModelType, m.Status, m.ArtifactURI,
			string(tags), string(params), m.CreatedBy, m.CreationTime); err != nil {
			return err
		}
		return tx.appendAudit("tracking.model.create", "tracking_logged_model", m.ID, m)
	})
	return m, err
}

// GetLoggedModel returns a logged model of a use case.
func (db *DB) GetLoggedModel(ctx context.Context, slug, id string) (registry.LoggedModel, error) {
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.LoggedModel{}, err
	}
	m, err := loggedModelOf(q, u, id)
	return m, db.classify(err)
}

// LoggedModelChange is one change to a logged model: a status, tags to set,
// or a tag to remove.
type LoggedModelChange struct {
	Status    string
	SetTags   map[string]string
	DeleteTag string
}

// UpdateLoggedModel changes a logged model (editor role), audited.
func (db *DB) UpdateLoggedModel(ctx context.Context, slug, id string, c LoggedModelChange) (registry.LoggedModel, error) {
	if c.Status != "" {
		if err := registry.CheckModelStatus(c.Status); err != nil {
			return registry.LoggedModel{}, err
		}
	}
	if err := checkKV("tags", c.SetTags); err != nil {
		return registry.LoggedModel{}, err
	}
	var m registry.LoggedModel
	err := db.writeUseCase(ctx, slug, usecase.Editor, "changing a logged model", func(tx *Tx, u usecase.UseCase) error {
		var err error
		if m, err = loggedModelOf(tx, u, id); err != nil {
			return err
		}
		if c.Status != "" {
			m.Status = c.Status
		}
		for k, v := range c.SetTags {
			m.Tags[k] = v
		}
		if c.DeleteTag != "" {
			if _, ok := m.Tags[c.DeleteTag]; !ok {
				return atrium.Errorf(atrium.NotFound, "logged model %q has no tag %q", id, atrium.Truncate(c.DeleteTag, 40))
			}
			delete(m.Tags, c.DeleteTag)
		}
		if len(m.Tags) > registry.MaxBatchTags {
			return atrium.Errorf(atrium.Invalid, "a logged model may have at most %d tags", registry.MaxBatchTags)
		}
		tags, _ := json.Marshal(m.Tags)
		m.LastUpdateTime = tx.millis()
		if _, err := tx.exec(`UPDATE tracking_logged_models SET status = $1, tags = $2, last_update_time = $3 WHERE id = $4`,
			m.Status, string(tags), m.LastUpdateTime, m.ID); err != nil {
			return err
		}
		return tx.appendAudit("tracking.model.update", "tracking_logged_model", m.ID, m)
	})
	return m, err
}

// LoggedModels returns the models logged in some experiments of a use case,
// newest first, at most MaxModelsScanned.
func (db *DB) LoggedModels(ctx context.Context, slug string, experimentIDs []string) ([]registry.LoggedModel, error) {
	if len(experimentIDs) == 0 || len(experimentIDs) > 100 {
		return nil, atrium.Errorf(atrium.Invalid, "experiment_ids must name 1 to 100 experiments")
	}
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	var out []registry.LoggedModel
	for _, id := range experimentIDs {
		e, err := experimentOf(q, u, id)
		if atrium.KindOf(err) == atrium.NotFound && id == "0" {
			continue
		}
		if err != nil {
			return nil, db.classify(err)
		}
		ms, err := collect(q, scanLoggedModel, `SELECT `+loggedModelCols+` FROM tracking_logged_models m WHERE m.experiment_id = $1
			ORDER BY m.creation_time DESC, m.id LIMIT $2`, e.ID, MaxModelsScanned)
		if err != nil {
			return nil, db.classify(err)
		}
		out = append(out, ms...)
	}
	return out, nil
}
