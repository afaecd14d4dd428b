package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// CanvasSummary is a canvas with the counts of its saved section statuses,
// for completeness in lists without loading content.
type CanvasSummary struct {
	ID, UseCaseID, TemplateID, Title string
	Iterations                       int
	Counts                           map[canvas.Status]int // saved sections by status
}

const canvasCols = `c.id, c.usecase_id, c.template_id, c.title, c.header, c.version, c.created_at, c.updated_at,
	(SELECT COUNT(*) FROM canvas_iterations i WHERE i.canvas_id = c.id)`

func scanCanvas(sc scanner) (canvas.Canvas, error) {
	var c canvas.Canvas
	var header string
	if err := sc.Scan(&c.ID, &c.UseCaseID, &c.TemplateID, &c.Title, &header, &c.Version, ts{&c.CreatedAt}, ts{&c.UpdatedAt}, &c.Iterations); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(header), &c.Header); err != nil {
		return c, fmt.Errorf("canvas %s: stored header: %w", c.ID, err)
	}
	if c.Header == nil {
		c.Header = map[string]string{}
	}
	c.Sections = map[string]canvas.Section{}
	return c, nil
}

// canvasOf loads a canvas of the use case u. A canvas of another use case is
// reported as missing, so canvas ids cannot be used to reach across use cases.
func canvasOf(q querier, u usecase.UseCase, id string) (canvas.Canvas, error) {
	c, err := scanCanvas(q.queryRow(`SELECT `+canvasCols+` FROM canvases c WHERE c.id = $1 AND c.usecase_id = $2`, id, u.ID))
	if err != nil {
		return c, notFound(err, "canvas not found")
	}
	c.UseCaseSlug = u.Slug
	return c, nil
}

// lockCanvas loads a canvas of u for a change. In PostgreSQL it takes the
// canvas row's lock, so writers to one canvas queue there: a version check or
// an iteration number computed after the lock sees every earlier commit.
func (tx *Tx) lockCanvas(u usecase.UseCase, id string) (canvas.Canvas, error) {
	q := `SELECT c.id FROM canvases c WHERE c.id = $1 AND c.usecase_id = $2`
	switch tx.db.dialect.name {
	case "postgres":
		q += ` FOR UPDATE`
	case "sqlite":
		// The transaction began IMMEDIATE, so it already holds the
		// database's only write lock.
	}
	var got string
	if err := tx.queryRow(q, id, u.ID).Scan(&got); err != nil {
		return canvas.Canvas{}, notFound(err, "canvas not found")
	}
	return canvasOf(tx, u, id)
}

// lockUseCase takes the use case row's lock in PostgreSQL, for numbering
// decisions without gaps; SQLite's single writer needs nothing.
func (tx *Tx) lockUseCase(u usecase.UseCase) error {
	switch tx.db.dialect.name {
	case "postgres":
		var id string
		return tx.queryRow(`SELECT id FROM usecases WHERE id = $1 FOR UPDATE`, u.ID).Scan(&id)
	case "sqlite":
		// BEGIN IMMEDIATE: the write lock is already held.
	}
	return nil
}

// writeUseCase runs fn in a write transaction on the use case named by slug,
// after checking the actor holds at least min on it and it is not archived.
func (db *DB) writeUseCase(ctx context.Context, slug string, min usecase.Role, what string, fn func(tx *Tx, u usecase.UseCase) error) error {
	return db.update(ctx, func(tx *Tx) error {
		u, err := getUseCase(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := u.Role.Require(min, what); err != nil {
			return err
		}
		if u.Archived {
			return atrium.Errorf(atrium.Conflict, "use case %q is archived; restore it before editing", slug)
		}
		return fn(tx, u)
	})
}

// writeCanvas is writeUseCase for a change to one canvas: fn gets the canvas,
// locked.
func (db *DB) writeCanvas(ctx context.Context, slug, canvasID string, min usecase.Role, what string, fn func(tx *Tx, u usecase.UseCase, c *canvas.Canvas) error) error {
	return db.writeUseCase(ctx, slug, min, what, func(tx *Tx, u usecase.UseCase) error {
		c, err := tx.lockCanvas(u, canvasID)
		if err != nil {
			return err
		}
		return fn(tx, u, &c)
	})
}

// templateOf returns the template canvas c is made from. A canvas whose
// template the server no longer offers (a team's template removed from
// --templates) cannot be changed until it is offered again.
func (db *DB) templateOf(c canvas.Canvas) (*canvas.Template, error) {
	t, ok := db.templates.Get(c.TemplateID)
	if !ok {
		return nil, atrium.Errorf(atrium.Unavailable,
			"this canvas uses the template %q, which this server does not offer; start it with --templates naming the folder that holds it", c.TemplateID)
	}
	return t, nil
}

// offered returns the library's template with t's id, refusing one the
// server does not offer.
func (db *DB) offered(t *canvas.Template) (*canvas.Template, error) {
	if t == nil {
		return nil, atrium.Errorf(atrium.Invalid, "a canvas needs a template")
	}
	lib, ok := db.templates.Get(t.ID)
	if !ok {
		return nil, atrium.Errorf(atrium.Invalid, "template %q is not offered on this server", t.ID)
	}
	return lib, nil
}

// readCanvas resolves the use case and one of its canvases for a read.
func (db *DB) readCanvas(ctx context.Context, slug, canvasID string) (reader, usecase.UseCase, canvas.Canvas, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return r, u, canvas.Canvas{}, db.classify(err)
	}
	c, err := canvasOf(r, u, canvasID)
	return r, u, c, db.classify(err)
}

func encodeHeader(h map[string]string) (string, error) {
	if h == nil {
		h = map[string]string{}
	}
	b, err := json.Marshal(h)
	return string(b), err
}

// CreateCanvas adds an empty canvas made from template t to a use case
// (editor role). The title defaults to the template's name.
func (db *DB) CreateCanvas(ctx context.Context, slug string, t *canvas.Template, title string, header map[string]string) (canvas.Canvas, error) {
	return db.ImportCanvas(ctx, slug, t, title, header, nil)
}

// ImportCanvas adds a canvas with its sections already written (editor
// role), all in one transaction: an import that fails half-way leaves
// nothing behind. Sections not in the template are refused.
func (db *DB) ImportCanvas(ctx context.Context, slug string, t *canvas.Template, title string, header map[string]string, sections map[string]canvas.SnapshotItem) (canvas.Canvas, error) {
	t, err := db.offered(t)
	if err != nil {
		return canvas.Canvas{}, err
	}
	if strings.TrimSpace(title) == "" {
		title = t.Name
	}
	title, err = canvas.NormalizeTitle(title)
	if err != nil {
		return canvas.Canvas{}, err
	}
	if header, err = canvas.NormalizeHeader(t, header); err != nil {
		return canvas.Canvas{}, err
	}
	hdr, err := encodeHeader(header)
	if err != nil {
		return canvas.Canvas{}, err
	}
	initial, err := initialSections(t, sections)
	if err != nil {
		return canvas.Canvas{}, err
	}
	author := actorOf(ctx).UserID
	var c canvas.Canvas
	err = db.writeUseCase(ctx, slug, usecase.Editor, "creating a canvas", func(tx *Tx, u usecase.UseCase) error {
		id := atrium.NewID()
		if _, err := tx.exec(`INSERT INTO canvases (id, usecase_id, template_id, title, header, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $6)`, id, u.ID, t.ID, title, hdr, formatTime(tx.now)); err != nil {
			return fmt.Errorf("insert canvas: %w", err)
		}
		var err error
		if c, err = canvasOf(tx, u, id); err != nil {
			return err
		}
		if err := tx.appendAudit("canvas.create", "canvas", c.ID, c); err != nil {
			return err
		}
		for _, sec := range initial {
			if err := tx.putSection(u, &c, sec, author); err != nil {
				return err
			}
			if err := tx.appendAudit("canvas.section.save", "canvas", c.ID, struct {
				CanvasID string         `json:"canvas_id"`
				Section  canvas.Section `json:"section"`
			}{c.ID, sec}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(initial) == 0 {
		return c, err
	}
	c, _, err = db.GetCanvas(ctx, slug, c.ID)
	return c, err
}

// initialSections validates imported sections and returns, in template
// order, those with something in them, each at version 1.
func initialSections(t *canvas.Template, in map[string]canvas.SnapshotItem) ([]canvas.Section, error) {
	for id := range in {
		if _, _, ok := t.Section(id); !ok {
			return nil, atrium.Errorf(atrium.Invalid, "template %q has no section %q", t.ID, id)
		}
	}
	var out []canvas.Section
	for _, id := range t.SectionIDs() {
		item, ok := in[id]
		if !ok {
			continue
		}
		content, err := canvas.NormalizeContent(item.Content)
		if err != nil {
			return nil, err
		}
		html, err := renderContent(fmt.Sprintf("section %q", id), content)
		if err != nil {
			return nil, err
		}
		status := item.Status
		if status == "" {
			status = canvas.Empty
		}
		if status, err = canvas.ParseStatus(string(status)); err != nil {
			return nil, err
		}
		if content == "" && status == canvas.Empty {
			continue
		}
		if content != "" && status == canvas.Empty {
			status = canvas.Draft
		}
		out = append(out, canvas.Section{SectionID: id, Content: content, HTML: html, Status: status, Version: 1})
	}
	return out, nil
}

// ListCanvases returns the canvases of a use case, oldest first, with their
// sections and the number of published iterations.
func (db *DB) ListCanvases(ctx context.Context, slug string) ([]canvas.Canvas, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return nil, db.classify(err)
	}
	return listCanvases(r, u)
}

func listCanvases(q querier, u usecase.UseCase) ([]canvas.Canvas, error) {
	out, err := collect(q, func(sc scanner) (canvas.Canvas, error) {
		c, err := scanCanvas(sc)
		c.UseCaseSlug = u.Slug
		return c, err
	}, `SELECT `+canvasCols+` FROM canvases c WHERE c.usecase_id = $1 ORDER BY c.created_at, c.id`, u.ID)
	if err != nil {
		return nil, err
	}
	sections, err := loadSections(q, `IN (SELECT id FROM canvases WHERE usecase_id = $1)`, u.ID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if s := sections[out[i].ID]; s != nil {
			out[i].Sections = s
		}
	}
	return out, nil
}

// CanvasSummaries returns, for each of the given use cases, its canvases with
// their section status counts, in two queries. Callers pass ids of use cases
// the actor can already see; nothing here checks visibility again.
func (db *DB) CanvasSummaries(ctx context.Context, useCaseIDs []string) (map[string][]CanvasSummary, error) {
	out := map[string][]CanvasSummary{}
	if len(useCaseIDs) == 0 {
		return out, nil
	}
	marks := make([]string, len(useCaseIDs))
	args := make([]any, len(useCaseIDs))
	for i, id := range useCaseIDs {
		marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	in := `(` + strings.Join(marks, ", ") + `)`
	r := db.reader(ctx)
	pos := map[string]int{} // canvas id → its index in out[use case id]
	err := each(r, func(sc scanner) error {
		s := CanvasSummary{Counts: map[canvas.Status]int{}}
		if err := sc.Scan(&s.ID, &s.UseCaseID, &s.TemplateID, &s.Title, &s.Iterations); err != nil {
			return err
		}
		out[s.UseCaseID] = append(out[s.UseCaseID], s)
		pos[s.ID] = len(out[s.UseCaseID]) - 1
		return nil
	}, `SELECT c.id, c.usecase_id, c.template_id, c.title,
			(SELECT COUNT(*) FROM canvas_iterations i WHERE i.canvas_id = c.id)
		FROM canvases c WHERE c.usecase_id IN `+in+` ORDER BY c.created_at, c.id`, args...)
	if err != nil {
		return nil, err
	}
	err = each(r, func(sc scanner) error {
		var id, uc string
		var st canvas.Status
		var n int
		if err := sc.Scan(&id, &uc, &st, &n); err != nil {
			return err
		}
		if i, ok := pos[id]; ok {
			out[uc][i].Counts[st] = n
		}
		return nil
	}, `SELECT c.id, c.usecase_id, s.status, COUNT(*) FROM canvas_sections s JOIN canvases c ON c.id = s.canvas_id
		WHERE c.usecase_id IN `+in+` GROUP BY c.id, c.usecase_id, s.status`, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetCanvas returns a canvas with every saved section, and the use case it
// belongs to with the actor's role on it.
func (db *DB) GetCanvas(ctx context.Context, slug, canvasID string) (canvas.Canvas, usecase.UseCase, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return canvas.Canvas{}, usecase.UseCase{}, db.classify(err)
	}
	c, err := getCanvas(r, u, canvasID)
	if err != nil {
		return canvas.Canvas{}, usecase.UseCase{}, db.classify(err)
	}
	return c, u, nil
}

// getCanvas loads a canvas of u with every saved section.
func getCanvas(q querier, u usecase.UseCase, id string) (canvas.Canvas, error) {
	c, err := canvasOf(q, u, id)
	if err != nil {
		return c, err
	}
	sections, err := loadSections(q, `= $1`, c.ID)
	if err != nil {
		return canvas.Canvas{}, err
	}
	if s := sections[c.ID]; s != nil {
		c.Sections = s
	}
	return c, nil
}

// UpdateCanvasHeader changes a canvas's title (nil keeps it) and header
// fields (merged into the current ones; nil keeps them all) for an editor,
// checked against the canvas's template. version must be the canvas version
// the change was made from.
func (db *DB) UpdateCanvasHeader(ctx context.Context, slug, canvasID string, title *string, header map[string]string, version int64) (canvas.Canvas, error) {
	var newTitle string
	if title != nil {
		var err error
		if newTitle, err = canvas.NormalizeTitle(*title); err != nil {
			return canvas.Canvas{}, err
		}
	}
	var out canvas.Canvas
	err := db.writeCanvas(ctx, slug, canvasID, usecase.Editor, "changing a canvas header", func(tx *Tx, u usecase.UseCase, c *canvas.Canvas) error {
		t, err := db.templateOf(*c)
		if err != nil {
			return err
		}
		if version != c.Version {
			return atrium.Errorf(atrium.Conflict, "the canvas header was changed by someone else (now version %d, you edited version %d); reload and try again", c.Version, version)
		}
		next := maps.Clone(c.Header)
		maps.Copy(next, header)
		next, err = canvas.NormalizeHeader(t, next)
		if err != nil {
			return err
		}
		nextTitle := c.Title
		if title != nil {
			nextTitle = newTitle
		}
		if nextTitle == c.Title && maps.Equal(next, c.Header) {
			out = *c
			return nil
		}
		hdr, err := encodeHeader(next)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE canvases SET title = $1, header = $2, version = version + 1, updated_at = $3 WHERE id = $4`,
			nextTitle, hdr, formatTime(tx.now), c.ID); err != nil {
			return err
		}
		if out, err = canvasOf(tx, u, c.ID); err != nil {
			return err
		}
		return tx.appendAudit("canvas.update", "canvas", c.ID, out)
	})
	if err != nil {
		return canvas.Canvas{}, err
	}
	// The sections are untouched by a header change; fill them for callers
	// that render the whole canvas from the result.
	sections, err := loadSections(db.reader(ctx), `= $1`, out.ID)
	if err != nil {
		return out, db.classify(err)
	}
	if s := sections[out.ID]; s != nil {
		out.Sections = s
	}
	return out, nil
}
