package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const sectionCols = `s.canvas_id, s.section_id, s.content, COALESCE(s.html, ''), s.status, COALESCE(s.owner_id, ''), COALESCE(o.name, ''), s.version,
	COALESCE(p.name, s.updated_by), s.updated_at`

const sectionFrom = ` FROM canvas_sections s LEFT JOIN users o ON o.id = s.owner_id LEFT JOIN users p ON p.id = s.updated_by`

// loadSections returns the saved sections of the canvases whose id satisfies
// "canvas_id <cond>" (cond uses $1 = arg), by canvas and section id, with
// their comment counts. A section that was never saved but has comments is
// included as empty, so its discussion shows.
func loadSections(q querier, cond string, arg any) (map[string]map[string]canvas.Section, error) {
	out := map[string]map[string]canvas.Section{}
	put := func(canvasID string, s canvas.Section) {
		if out[canvasID] == nil {
			out[canvasID] = map[string]canvas.Section{}
		}
		out[canvasID][s.SectionID] = s
	}
	err := each(q, func(sc scanner) error {
		var canvasID string
		var s canvas.Section
		if err := sc.Scan(&canvasID, &s.SectionID, &s.Content, &s.HTML, &s.Status, &s.OwnerID, &s.OwnerName, &s.Version, &s.UpdatedBy, ts{&s.UpdatedAt}); err != nil {
			return err
		}
		put(canvasID, s)
		return nil
	}, `SELECT `+sectionCols+sectionFrom+` WHERE s.canvas_id `+cond, arg)
	if err != nil {
		return nil, err
	}
	err = each(q, func(sc scanner) error {
		var canvasID, sectionID string
		var n int
		if err := sc.Scan(&canvasID, &sectionID, &n); err != nil {
			return err
		}
		s, ok := out[canvasID][sectionID]
		if !ok {
			s = canvas.Section{SectionID: sectionID, Status: canvas.Empty}
		}
		s.Comments = n
		put(canvasID, s)
		return nil
	}, `SELECT canvas_id, section_id, COUNT(*) FROM canvas_comments WHERE canvas_id `+cond+` GROUP BY canvas_id, section_id`, arg)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// currentSection returns the saved state of a section, or an empty section
// (version 0) if it was never saved.
func currentSection(q querier, canvasID, sectionID string) (canvas.Section, error) {
	var id string
	s := canvas.Section{SectionID: sectionID, Status: canvas.Empty}
	err := q.queryRow(`SELECT `+sectionCols+sectionFrom+` WHERE s.canvas_id = $1 AND s.section_id = $2`, canvasID, sectionID).
		Scan(&id, &s.SectionID, &s.Content, &s.HTML, &s.Status, &s.OwnerID, &s.OwnerName, &s.Version, &s.UpdatedBy, ts{&s.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return canvas.Section{SectionID: sectionID, Status: canvas.Empty}, nil
	}
	return s, err
}

// revision returns one saved revision of a section.
func revision(q querier, canvasID, sectionID string, version int64) (canvas.Section, error) {
	s := canvas.Section{SectionID: sectionID}
	err := q.queryRow(`SELECT r.content, COALESCE(r.html, ''), r.status, COALESCE(r.owner_id, ''), COALESCE(o.name, ''), r.version, COALESCE(p.name, r.author_id), r.created_at
		FROM canvas_section_revisions r LEFT JOIN users o ON o.id = r.owner_id LEFT JOIN users p ON p.id = r.author_id
		WHERE r.canvas_id = $1 AND r.section_id = $2 AND r.version = $3`, canvasID, sectionID, version).
		Scan(&s.Content, &s.HTML, &s.Status, &s.OwnerID, &s.OwnerName, &s.Version, &s.UpdatedBy, ts{&s.UpdatedAt})
	return s, notFound(err, "version %d of section %q not found", version, sectionID)
}

// ErrNoSection is the cause of the Invalid error a change to a section
// returns when the canvas's template has no section of that id. The web
// layer answers it as it answers any address that names nothing: 404.
var ErrNoSection = errors.New("no such section in the canvas's template")

// checkSection refuses a section the template t does not have.
func checkSection(t *canvas.Template, sectionID string) error {
	if _, _, ok := t.Section(sectionID); !ok {
		return &atrium.Error{Kind: atrium.Invalid, Msg: fmt.Sprintf("template %q has no section %q", t.ID, atrium.Truncate(sectionID, 80)), Err: ErrNoSection}
	}
	return nil
}

// SaveSection applies an edit to one section of a canvas, which must be one
// of its template's. Changing the text or the owner needs the editor role;
// changing only the status (a review) needs the reviewer role. An edit made
// from an older version than the current one is refused with a Conflict that
// unwraps to *canvas.EditConflict, and nothing is stored. An edit that
// changes nothing returns the section as it is, without a new version.
func (db *DB) SaveSection(ctx context.Context, slug, canvasID string, e canvas.SectionEdit) (canvas.Section, error) {
	var html string
	if e.Content != nil {
		// Checked and rendered here, before the writer is taken: rendering
		// is the slow part. The rest of the edit is checked against the
		// canvas's template once the store has looked it up.
		c, err := canvas.NormalizeContent(*e.Content)
		if err != nil {
			return canvas.Section{}, err
		}
		if html, err = renderContent("the content", c); err != nil {
			return canvas.Section{}, err
		}
		e.Content = &c
	}
	a := actorOf(ctx)
	var out canvas.Section
	err := db.writeCanvas(ctx, slug, canvasID, usecase.Reviewer, "reviewing a section", func(tx *Tx, u usecase.UseCase, c *canvas.Canvas) error {
		t, err := db.templateOf(*c)
		if err != nil {
			return err
		}
		if err := checkSection(t, e.SectionID); err != nil {
			return err
		}
		if err := e.Normalize(t); err != nil {
			return err
		}
		cur, err := currentSection(tx, c.ID, e.SectionID)
		if err != nil {
			return err
		}
		next := cur
		if e.Content != nil && *e.Content != cur.Content {
			next.Content, next.HTML = *e.Content, html
		}
		if e.OwnerID != nil {
			next.OwnerID = *e.OwnerID
		}
		if next.Content != cur.Content || next.OwnerID != cur.OwnerID {
			if err := u.Role.Require(usecase.Editor, "changing a section's text or owner"); err != nil {
				return err
			}
		}
		if e.BaseVersion != cur.Version {
			return editConflict(tx, c.ID, e.BaseVersion, cur)
		}
		next.Status = canvas.NextStatus(cur, next.Content, e.Status)
		if next.Content == cur.Content && next.Status == cur.Status && next.OwnerID == cur.OwnerID {
			out = cur
			return nil
		}
		if next.OwnerID != cur.OwnerID && next.OwnerID != "" {
			var disabled bool
			if err := tx.queryRow(`SELECT disabled FROM users WHERE id = $1`, next.OwnerID).Scan(&disabled); err != nil || disabled {
				return atrium.Errorf(atrium.Invalid, "section owner %q is not an active user", next.OwnerID)
			}
		}
		next.Version = cur.Version + 1
		if err := tx.putSection(u, c, next, a.UserID); err != nil {
			return err
		}
		if out, err = currentSection(tx, c.ID, e.SectionID); err != nil {
			return err
		}
		return tx.appendAudit("canvas.section.save", "canvas", c.ID, struct {
			CanvasID string         `json:"canvas_id"`
			Section  canvas.Section `json:"section"`
		}{c.ID, out})
	})
	if err != nil {
		return canvas.Section{}, err
	}
	return out, nil
}

// editConflict builds the refusal of an edit made from version base of a
// section that is now at cur.
func editConflict(q querier, canvasID string, base int64, cur canvas.Section) error {
	conflict := &canvas.EditConflict{Base: canvas.Section{SectionID: cur.SectionID, Status: canvas.Empty, Version: base}, Current: cur}
	if base > 0 {
		b, err := revision(q, canvasID, cur.SectionID, base)
		if err != nil && atrium.KindOf(err) != atrium.NotFound {
			return err
		}
		if err == nil {
			conflict.Base = b
		}
	}
	var msg string
	switch {
	case cur.Version == 0:
		msg = fmt.Sprintf("section %q has not been saved yet, but your edit was made from version %d; reload it and try again", cur.SectionID, base)
	case base == 0:
		msg = fmt.Sprintf("section %q was saved by %s (now version %d) after you opened it empty; compare the two and save again", cur.SectionID, cur.UpdatedBy, cur.Version)
	default:
		msg = fmt.Sprintf("section %q was changed by %s since you opened it (you edited version %d, it is now at version %d); compare the two and save again", cur.SectionID, cur.UpdatedBy, base, cur.Version)
	}
	return &atrium.Error{Kind: atrium.Conflict, Msg: msg, Err: conflict}
}

// putSection writes a new version of a section: its current state, the
// revision, the search index entry, and the canvas's modification time.
func (tx *Tx) putSection(u usecase.UseCase, c *canvas.Canvas, s canvas.Section, author string) error {
	at := formatTime(tx.now)
	var owner any
	if s.OwnerID != "" {
		owner = s.OwnerID
	}
	if _, err := tx.exec(`INSERT INTO canvas_sections (canvas_id, section_id, content, html, status, owner_id, version, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (canvas_id, section_id) DO UPDATE SET content = excluded.content, html = excluded.html, status = excluded.status,
			owner_id = excluded.owner_id, version = excluded.version, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		c.ID, s.SectionID, s.Content, s.HTML, s.Status, owner, s.Version, author, at); err != nil {
		return fmt.Errorf("save section: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO canvas_section_revisions (canvas_id, section_id, version, content, html, status, owner_id, author_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, s.SectionID, s.Version, s.Content, s.HTML, s.Status, owner, author, at); err != nil {
		return fmt.Errorf("save section revision: %w", err)
	}
	if _, err := tx.exec(`UPDATE canvases SET updated_at = $1 WHERE id = $2`, at, c.ID); err != nil {
		return err
	}
	return tx.indexSection(u.ID, c.ID, s.SectionID, s.Content)
}

// SectionRevision returns one saved version of a section.
func (db *DB) SectionRevision(ctx context.Context, slug, canvasID, sectionID string, version int64) (canvas.Section, error) {
	r, _, c, err := db.readCanvas(ctx, slug, canvasID)
	if err != nil {
		return canvas.Section{}, err
	}
	s, err := revision(r, c.ID, sectionID, version)
	return s, db.classify(err)
}

// Limits on discussion threads: a person may add at most
// MaxCommentsPerHour comments to one section in any hour, so that nobody can
// flood a thread (every comment is kept, and audited).
const (
	MaxCommentsPerHour = 30
	commentWindow      = time.Hour
)

// AddComment adds a message to a section's discussion (reviewer role).
func (db *DB) AddComment(ctx context.Context, slug, canvasID, sectionID, body string) (canvas.Comment, error) {
	body, err := canvas.NormalizeComment(body)
	if err != nil {
		return canvas.Comment{}, err
	}
	html, err := renderContent("the comment", body)
	if err != nil {
		return canvas.Comment{}, err
	}
	a := actorOf(ctx)
	var out canvas.Comment
	err = db.writeCanvas(ctx, slug, canvasID, usecase.Reviewer, "commenting on a section", func(tx *Tx, u usecase.UseCase, c *canvas.Canvas) error {
		t, err := db.templateOf(*c)
		if err != nil {
			return err
		}
		if err := checkSection(t, sectionID); err != nil {
			return err
		}
		if err := tx.checkCommentRate(c.ID, sectionID, a.UserID); err != nil {
			return err
		}
		out = canvas.Comment{SectionID: sectionID, AuthorID: a.UserID, Body: body, HTML: html, CreatedAt: tx.now}
		if err := tx.queryRow(`INSERT INTO canvas_comments (canvas_id, section_id, author_id, body, html, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			c.ID, sectionID, a.UserID, body, html, formatTime(tx.now)).Scan(&out.ID); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		if out.AuthorName, err = nameOf(tx, a.UserID); err != nil {
			return err
		}
		return tx.appendAudit("canvas.comment.add", "canvas", c.ID, struct {
			CanvasID string         `json:"canvas_id"`
			Comment  canvas.Comment `json:"comment"`
		}{c.ID, out})
	})
	if err != nil {
		return canvas.Comment{}, err
	}
	return out, nil
}

// checkCommentRate refuses a comment when its author has reached the hourly
// cap on this section, saying when the oldest of theirs leaves the window.
func (tx *Tx) checkCommentRate(canvasID, sectionID, authorID string) error {
	var n int
	var oldest sql.NullString
	if err := tx.queryRow(`SELECT COUNT(*), MIN(created_at) FROM canvas_comments
		WHERE canvas_id = $1 AND section_id = $2 AND author_id = $3 AND created_at > $4`,
		canvasID, sectionID, authorID, formatTime(tx.now.Add(-commentWindow))).Scan(&n, &oldest); err != nil {
		return err
	}
	if n < MaxCommentsPerHour {
		return nil
	}
	wait := commentWindow
	if t, err := time.Parse(timeLayout, oldest.String); err == nil {
		wait = t.Add(commentWindow).Sub(tx.now)
	}
	return atrium.Limited(wait, "you have added %d comments to this section in the last hour, the most allowed; try again in %d minutes",
		n, int(wait.Minutes())+1)
}

// Comments returns one page of a section's discussion, oldest first.
func (db *DB) Comments(ctx context.Context, slug, canvasID, sectionID string, p atrium.PageRequest) (atrium.Page[canvas.Comment], error) {
	r, _, c, err := db.readCanvas(ctx, slug, canvasID)
	if err != nil {
		return atrium.Page[canvas.Comment]{Items: []canvas.Comment{}}, err
	}
	return comments(r, c, sectionID, p)
}

func comments(q querier, c canvas.Canvas, sectionID string, p atrium.PageRequest) (atrium.Page[canvas.Comment], error) {
	out := atrium.Page[canvas.Comment]{Items: []canvas.Comment{}}
	if err := q.queryRow(`SELECT COUNT(*) FROM canvas_comments WHERE canvas_id = $1 AND section_id = $2`, c.ID, sectionID).Scan(&out.Total); err != nil {
		return out, q.store().classify(err)
	}
	items, err := collect(q, func(sc scanner) (canvas.Comment, error) {
		var m canvas.Comment
		err := sc.Scan(&m.ID, &m.SectionID, &m.AuthorID, &m.AuthorName, &m.Body, &m.HTML, ts{&m.CreatedAt})
		return m, err
	}, `SELECT m.id, m.section_id, m.author_id, COALESCE(p.name, m.author_id), m.body, COALESCE(m.html, ''), m.created_at
		FROM canvas_comments m LEFT JOIN users p ON p.id = m.author_id
		WHERE m.canvas_id = $1 AND m.section_id = $2 ORDER BY m.id LIMIT $3 OFFSET $4`, c.ID, sectionID, p.Size, p.Offset)
	if err != nil {
		return out, err
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}
