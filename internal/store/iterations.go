package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// maxIterationMessage bounds the note published with an iteration.
const maxIterationMessage = 2000

// iterationField is the header field that, when a template has it, counts
// the canvas's published iterations (the MLOps canvas v0.1 has one).
const iterationField = "iteration"

// nameOf returns a user's display name, or the id itself for actors that are
// not users (the system).
func nameOf(q querier, userID string) (string, error) {
	var name string
	err := q.queryRow(`SELECT COALESCE((SELECT name FROM users WHERE id = $1), $1)`, userID).Scan(&name)
	return name, err
}

// PublishIteration freezes the canvas — title, header and every saved
// section — as the next numbered iteration (editor role). Numbers start at 1
// and have no gaps, also when several people publish at once: each is
// computed under the canvas lock. If the template has an "iteration" header
// field, the snapshot and the live canvas carry the new number in it.
func (db *DB) PublishIteration(ctx context.Context, slug, canvasID string, message string) (canvas.Iteration, error) {
	message, err := atrium.CheckText("message", message, maxIterationMessage, false, true)
	if err != nil {
		return canvas.Iteration{}, err
	}
	a := actorOf(ctx)
	var it canvas.Iteration
	err = db.writeCanvas(ctx, slug, canvasID, usecase.Editor, "publishing an iteration", func(tx *Tx, u usecase.UseCase, c *canvas.Canvas) error {
		t, err := db.templateOf(*c)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COALESCE(MAX(number), 0) + 1 FROM canvas_iterations WHERE canvas_id = $1`, c.ID).Scan(&n); err != nil {
			return err
		}
		sections, err := loadSections(tx, `= $1`, c.ID)
		if err != nil {
			return err
		}
		snap := canvas.Snapshot{Title: c.Title, Header: maps.Clone(c.Header), Sections: map[string]canvas.SnapshotItem{}}
		html := map[string]string{}
		for id, s := range sections[c.ID] {
			if s.Version > 0 { // comments alone do not make a section part of the canvas
				snap.Sections[id] = canvas.SnapshotItem{Content: s.Content, HTML: s.HTML, Status: s.Status, OwnerName: s.OwnerName}
				html[id] = s.HTML
			}
		}
		if _, ok := t.Field(iterationField); ok {
			if err := tx.setIterationHeader(c, n); err != nil {
				return err
			}
			snap.Header[iterationField] = strconv.Itoa(n)
		}
		body, err := json.Marshal(snap)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO canvas_iterations (canvas_id, number, message, author_id, snapshot, rendered, created_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6)`,
			c.ID, n, message, a.UserID, string(body), formatTime(tx.now)); err != nil {
			return fmt.Errorf("insert iteration: %w", err)
		}
		if err := tx.putIterationHTML(c.ID, n, html); err != nil {
			return err
		}
		name, err := nameOf(tx, a.UserID)
		if err != nil {
			return err
		}
		it = canvas.Iteration{Number: n, Message: message, AuthorID: a.UserID, AuthorName: name, CreatedAt: tx.now, Snapshot: snap}
		return tx.appendAudit("canvas.iteration.publish", "canvas", c.ID, struct {
			CanvasID  string           `json:"canvas_id"`
			Iteration canvas.Iteration `json:"iteration"`
		}{c.ID, it})
	})
	if err != nil {
		return canvas.Iteration{}, err
	}
	return it, nil
}

// setIterationHeader writes iteration number n into the canvas's header,
// as a header change (a new canvas version).
func (tx *Tx) setIterationHeader(c *canvas.Canvas, n int) error {
	v := strconv.Itoa(n)
	if c.Header[iterationField] == v {
		return nil
	}
	h := maps.Clone(c.Header)
	h[iterationField] = v
	hdr, err := encodeHeader(h)
	if err != nil {
		return err
	}
	_, err = tx.exec(`UPDATE canvases SET header = $1, version = version + 1, updated_at = $2 WHERE id = $3`, hdr, formatTime(tx.now), c.ID)
	return err
}

// Iterations lists a canvas's published iterations, newest first. The
// snapshots are left out; GetIteration returns one with its snapshot.
func (db *DB) Iterations(ctx context.Context, slug, canvasID string) ([]canvas.Iteration, error) {
	r, _, c, err := db.readCanvas(ctx, slug, canvasID)
	if err != nil {
		return nil, err
	}
	return iterations(r, c)
}

func iterations(q querier, c canvas.Canvas) ([]canvas.Iteration, error) {
	return collect(q, func(sc scanner) (canvas.Iteration, error) {
		var it canvas.Iteration
		err := sc.Scan(&it.Number, &it.Message, &it.AuthorID, &it.AuthorName, ts{&it.CreatedAt})
		return it, err
	}, `SELECT i.number, i.message, i.author_id, COALESCE(p.name, i.author_id), i.created_at
		FROM canvas_iterations i LEFT JOIN users p ON p.id = i.author_id WHERE i.canvas_id = $1 ORDER BY i.number DESC`, c.ID)
}

// GetIteration returns published iteration n of a canvas with its snapshot,
// without the rendered HTML (see GetRenderedIteration).
func (db *DB) GetIteration(ctx context.Context, slug, canvasID string, n int) (canvas.Iteration, error) {
	return db.getIteration(ctx, slug, canvasID, n, false)
}

// GetRenderedIteration is GetIteration with each section's HTML, as
// rendered when the iteration was published, for showing it as a poster.
func (db *DB) GetRenderedIteration(ctx context.Context, slug, canvasID string, n int) (canvas.Iteration, error) {
	return db.getIteration(ctx, slug, canvasID, n, true)
}

func (db *DB) getIteration(ctx context.Context, slug, canvasID string, n int, rendered bool) (canvas.Iteration, error) {
	r, _, c, err := db.readCanvas(ctx, slug, canvasID)
	if err != nil {
		return canvas.Iteration{}, err
	}
	var it canvas.Iteration
	var snap string
	err = r.queryRow(`SELECT i.number, i.message, i.author_id, COALESCE(p.name, i.author_id), i.created_at, i.snapshot
		FROM canvas_iterations i LEFT JOIN users p ON p.id = i.author_id WHERE i.canvas_id = $1 AND i.number = $2`, c.ID, n).
		Scan(&it.Number, &it.Message, &it.AuthorID, &it.AuthorName, ts{&it.CreatedAt}, &snap)
	if err != nil {
		return canvas.Iteration{}, db.classify(notFound(err, "iteration %d not found", n))
	}
	if err := json.Unmarshal([]byte(snap), &it.Snapshot); err != nil {
		return canvas.Iteration{}, fmt.Errorf("iteration %d of canvas %s: stored snapshot: %w", n, c.ID, err)
	}
	if !rendered {
		return it, nil
	}
	err = each(r, func(sc scanner) error {
		var id, html string
		if err := sc.Scan(&id, &html); err != nil {
			return err
		}
		if item, ok := it.Snapshot.Sections[id]; ok {
			item.HTML = html
			it.Snapshot.Sections[id] = item
		}
		return nil
	}, `SELECT section_id, html FROM canvas_iteration_html WHERE canvas_id = $1 AND number = $2`, c.ID, n)
	if err != nil {
		return canvas.Iteration{}, err
	}
	return it, nil
}

// putIterationHTML stores the rendered sections of iteration n.
func (tx *Tx) putIterationHTML(canvasID string, n int, sections map[string]string) error {
	for id, html := range sections {
		if _, err := tx.exec(`INSERT INTO canvas_iteration_html (canvas_id, number, section_id, html) VALUES ($1, $2, $3, $4)
			ON CONFLICT (canvas_id, number, section_id) DO NOTHING`, canvasID, n, id, html); err != nil {
			return fmt.Errorf("store iteration html: %w", err)
		}
	}
	return nil
}
