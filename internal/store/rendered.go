package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/markdown"
)

// Markdown is rendered once, when it is saved, and the HTML is stored beside
// it: reading a canvas, its poster or its print view then costs no
// rendering, however intricate the text. Rendering happens before a write
// transaction starts, so the single writer never waits on it.

// renderContent renders Markdown for storage; text past the renderer's
// limits is refused with the reason, naming the text as what. Empty text has
// no HTML.
func renderContent(what, src string) (string, error) {
	if strings.TrimSpace(src) == "" {
		return "", nil
	}
	h, err := markdown.RenderChecked(what, src)
	return string(h), err
}

// renderBatch is how many rows one pass of renderStored fills in.
const renderBatch = 200

// renderStored fills in the HTML of rows saved before it was stored. Rows
// whose text is past today's limits get the plain-text form, so nothing
// stored is ever lost or refused. It runs at start, after the migrations;
// several replicas may run it at once, as each UPDATE only fills a NULL.
func (db *DB) renderStored(ctx context.Context) error {
	for _, t := range []struct {
		table string
		key   []string
		src   string
	}{
		{"canvas_sections", []string{"canvas_id", "section_id"}, "content"},
		{"canvas_section_revisions", []string{"canvas_id", "section_id", "version"}, "content"},
		{"canvas_comments", []string{"id"}, "body"},
	} {
		for {
			n, err := db.renderRows(ctx, t.table, t.key, t.src)
			if err != nil {
				return fmt.Errorf("render stored %s: %w", t.table, err)
			}
			if n < renderBatch {
				break
			}
		}
	}
	return db.renderIterations(ctx)
}

// renderRows renders one batch of rows of table whose html is NULL; key
// names the primary key's columns.
func (db *DB) renderRows(ctx context.Context, table string, key []string, src string) (int, error) {
	// Each row holds the html, then the key's values. All are read, and
	// the rows closed, before the writer is taken.
	unrendered, err := collect(db.reader(ctx), func(sc scanner) ([]any, error) {
		vals := make([]any, len(key)+1)
		dest := make([]any, len(vals))
		var text string
		for i := range key {
			dest[i] = &vals[i+1]
		}
		dest[len(key)] = &text
		if err := sc.Scan(dest...); err != nil {
			return nil, err
		}
		vals[0] = ""
		if strings.TrimSpace(text) != "" {
			vals[0] = string(markdown.Render(text))
		}
		return vals, nil
	}, fmt.Sprintf(`SELECT %s, %s FROM %s WHERE html IS NULL LIMIT %d`, strings.Join(key, ", "), src, table, renderBatch))
	if err != nil {
		return 0, err
	}
	if len(unrendered) == 0 {
		return 0, nil
	}
	where := make([]string, len(key))
	for i, k := range key {
		where[i] = fmt.Sprintf("%s = $%d", k, i+2)
	}
	q := fmt.Sprintf(`UPDATE %s SET html = $1 WHERE %s AND html IS NULL`, table, strings.Join(where, " AND "))
	return len(unrendered), db.update(ctx, func(tx *Tx) error {
		for _, vals := range unrendered {
			if _, err := tx.exec(q, vals...); err != nil {
				return err
			}
		}
		return nil
	})
}

// renderIterations fills in the rendered sections of iterations published
// before they were stored.
func (db *DB) renderIterations(ctx context.Context) error {
	for {
		type row struct {
			canvasID string
			number   int
			html     map[string]string
		}
		unrendered, err := collect(db.reader(ctx), func(sc scanner) (row, error) {
			r := row{html: map[string]string{}}
			var snap string
			if err := sc.Scan(&r.canvasID, &r.number, &snap); err != nil {
				return r, err
			}
			var sn canvas.Snapshot
			if err := json.Unmarshal([]byte(snap), &sn); err != nil {
				return r, fmt.Errorf("iteration %d of canvas %s: stored snapshot: %w", r.number, r.canvasID, err)
			}
			for id, s := range sn.Sections {
				if strings.TrimSpace(s.Content) != "" {
					r.html[id] = string(markdown.Render(s.Content))
				}
			}
			return r, nil
		}, fmt.Sprintf(`SELECT canvas_id, number, snapshot FROM canvas_iterations WHERE NOT rendered LIMIT %d`, renderBatch/10))
		if err != nil {
			return err
		}
		if len(unrendered) == 0 {
			return nil
		}
		if err := db.update(ctx, func(tx *Tx) error {
			for _, r := range unrendered {
				if err := tx.putIterationHTML(r.canvasID, r.number, r.html); err != nil {
					return err
				}
				if _, err := tx.exec(`UPDATE canvas_iterations SET rendered = TRUE WHERE canvas_id = $1 AND number = $2`, r.canvasID, r.number); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
}
