package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const objectiveCols = `id, canvas_id, section_id, metric, comparator, target, unit, measured_at, time_window, min_samples, notes, created_at, updated_at`

func scanObjective(sc scanner) (canvas.Objective, error) {
	var o canvas.Objective
	err := sc.Scan(&o.ID, &o.CanvasID, &o.SectionID, &o.Metric, &o.Comparator, &o.Target, &o.Unit, &o.MeasuredAt, &o.Window,
		&o.MinSamples, &o.Notes, ts{&o.CreatedAt}, ts{&o.UpdatedAt})
	return o, err
}

func getObjective(q querier, canvasID string, id int64) (canvas.Objective, error) {
	o, err := scanObjective(q.queryRow(`SELECT `+objectiveCols+` FROM objectives WHERE id = $1 AND canvas_id = $2`, id, canvasID))
	return o, notFound(err, "objective %d not found", id)
}

// Objectives lists the measurable objectives of a canvas, by section and
// then in the order they were added.
func (db *DB) Objectives(ctx context.Context, slug, canvasID string) ([]canvas.Objective, error) {
	r, _, c, err := db.readCanvas(ctx, slug, canvasID)
	if err != nil {
		return nil, err
	}
	return objectives(r, c)
}

func objectives(q querier, c canvas.Canvas) ([]canvas.Objective, error) {
	return collect(q, scanObjective, `SELECT `+objectiveCols+` FROM objectives WHERE canvas_id = $1 ORDER BY section_id, id`, c.ID)
}

// CreateObjective adds a measurable objective to an objective section of a
// canvas (editor role): the section must be one of the canvas's template's
// sections that hold objectives.
func (db *DB) CreateObjective(ctx context.Context, slug, canvasID string, o canvas.Objective) (canvas.Objective, error) {
	if err := o.Normalize(); err != nil {
		return o, err
	}
	var out canvas.Objective
	err := db.writeCanvas(ctx, slug, canvasID, usecase.Editor, "adding an objective", func(tx *Tx, _ usecase.UseCase, c *canvas.Canvas) error {
		t, err := db.templateOf(*c)
		if err != nil {
			return err
		}
		if def, _, ok := t.Section(o.SectionID); !ok || !def.Objectives {
			return atrium.Errorf(atrium.Invalid, "section %q of template %q does not hold objectives", o.SectionID, t.ID)
		}
		var id int64
		if err := tx.queryRow(`INSERT INTO objectives (canvas_id, section_id, metric, comparator, target, unit, measured_at, time_window, min_samples, notes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			c.ID, o.SectionID, o.Metric, o.Comparator, o.Target, o.Unit, o.MeasuredAt, o.Window, o.MinSamples, o.Notes, formatTime(tx.now)).Scan(&id); err != nil {
			return fmt.Errorf("insert objective: %w", err)
		}
		if out, err = getObjective(tx, c.ID, id); err != nil {
			return err
		}
		return tx.appendAudit("objective.create", "objective", strconv.FormatInt(id, 10), out)
	})
	return out, err
}

// UpdateObjective replaces the measurable parts of objective o.ID (editor
// role); the canvas and section it belongs to stay as they are.
func (db *DB) UpdateObjective(ctx context.Context, slug, canvasID string, o canvas.Objective) (canvas.Objective, error) {
	var out canvas.Objective
	err := db.writeCanvas(ctx, slug, canvasID, usecase.Editor, "changing an objective", func(tx *Tx, _ usecase.UseCase, c *canvas.Canvas) error {
		cur, err := getObjective(tx, c.ID, o.ID)
		if err != nil {
			return err
		}
		o.CanvasID, o.SectionID = cur.CanvasID, cur.SectionID
		if err := o.Normalize(); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE objectives SET metric = $1, comparator = $2, target = $3, unit = $4, measured_at = $5, time_window = $6,
			min_samples = $7, notes = $8, updated_at = $9 WHERE id = $10`,
			o.Metric, o.Comparator, o.Target, o.Unit, o.MeasuredAt, o.Window, o.MinSamples, o.Notes, formatTime(tx.now), cur.ID); err != nil {
			return err
		}
		if out, err = getObjective(tx, c.ID, cur.ID); err != nil {
			return err
		}
		return tx.appendAudit("objective.update", "objective", strconv.FormatInt(cur.ID, 10), out)
	})
	return out, err
}

// DeleteObjective removes an objective from a canvas (editor role).
func (db *DB) DeleteObjective(ctx context.Context, slug, canvasID string, id int64) error {
	return db.writeCanvas(ctx, slug, canvasID, usecase.Editor, "removing an objective", func(tx *Tx, _ usecase.UseCase, c *canvas.Canvas) error {
		res, err := tx.exec(`DELETE FROM objectives WHERE id = $1 AND canvas_id = $2`, id, c.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return atrium.Errorf(atrium.NotFound, "objective %d not found", id)
		}
		return tx.appendAudit("objective.delete", "objective", strconv.FormatInt(id, 10), map[string]any{"canvas_id": c.ID, "id": id, "deleted": true})
	})
}
