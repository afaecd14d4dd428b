package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// LogInputs records the datasets a run used (editor role), one audit entry
// for the call. Logging a dataset again (same name and digest) replaces its
// tags.
func (db *DB) LogInputs(ctx context.Context, slug, runID string, inputs []registry.Input) error {
	if len(inputs) > registry.MaxInputsPerCall {
		return atrium.Errorf(atrium.Invalid, "at most %d datasets per call", registry.MaxInputsPerCall)
	}
	for _, in := range inputs {
		if err := in.Check(); err != nil {
			return err
		}
	}
	if len(inputs) == 0 {
		return nil
	}
	return db.writeUseCase(ctx, slug, usecase.Editor, "logging a run's inputs", func(tx *Tx, u usecase.UseCase) error {
		r, err := runOf(tx, u, runID)
		if err != nil {
			return err
		}
		if r.LifecycleStage != registry.Active {
			return atrium.Errorf(atrium.Invalid, "run %q is deleted; restore it before logging to it", runID)
		}
		for _, in := range inputs {
			if in.Tags == nil {
				in.Tags = map[string]string{}
			}
			ds, _ := json.Marshal(in.Dataset)
			tags, _ := json.Marshal(in.Tags)
			if _, err := tx.exec(`INSERT INTO tracking_inputs (run_id, name, digest, dataset, tags, logged_at) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (run_id, name, digest) DO UPDATE SET dataset = excluded.dataset, tags = excluded.tags`,
				r.ID, in.Dataset.Name, in.Dataset.Digest, string(ds), string(tags), tx.millis()); err != nil {
				return err
			}
		}
		return tx.appendAudit("tracking.run.inputs", "tracking_run", r.ID, inputs)
	})
}

// runInputs lists a run's inputs in the order they were first logged.
func runInputs(q querier, runID string) ([]registry.Input, error) {
	return collect(q, func(sc scanner) (registry.Input, error) {
		var in registry.Input
		var ds, tags string
		if err := sc.Scan(&ds, &tags); err != nil {
			return in, err
		}
		if err := json.Unmarshal([]byte(ds), &in.Dataset); err != nil {
			return in, fmt.Errorf("run %s: stored input: %w", runID, err)
		}
		if err := json.Unmarshal([]byte(tags), &in.Tags); err != nil {
			return in, fmt.Errorf("run %s: stored input tags: %w", runID, err)
		}
		return in, nil
	}, `SELECT dataset, tags FROM tracking_inputs WHERE run_id = $1 ORDER BY logged_at, name, digest`, runID)
}
