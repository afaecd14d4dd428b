package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// SearchHit is one result of the full-text search.
type SearchHit struct {
	Kind        string `json:"kind"` // "section" or "decision"
	UseCaseSlug string `json:"usecase"`
	UseCaseName string `json:"usecase_name"`
	CanvasID    string `json:"canvas_id,omitempty"`
	CanvasTitle string `json:"canvas_title,omitempty"`
	TemplateID  string `json:"template,omitempty"`
	SectionID   string `json:"section,omitempty"`
	Decision    int    `json:"decision,omitempty"`
	// Title is the decision's title, or for a section its id: the store
	// does not know templates, so callers put the section's title in its place.
	Title string `json:"title"`
	// Snippet is plain text around the matches, each matched word between
	// SnippetMarkStart and SnippetMarkEnd.
	Snippet string `json:"snippet"`
}

// The marks around matched words in SearchHit.Snippet. Stored text never
// contains them (control characters are refused on input), so a page can
// escape a snippet first and then turn the marks into <mark> tags, and an
// API can strip them.
const (
	SnippetMarkStart = "\x02"
	SnippetMarkEnd   = "\x03"
)

// Limits on a search query.
const (
	maxSearchQuery = 200
	maxSearchTerms = 32
)

// searchDoc is one row of the search index: a saved section's text or a
// decision's.
type searchDoc struct {
	kind, ref, useCaseID, canvasID, sectionID string
	decision                                  int
	title, body                               string
}

// putSearchDoc adds or replaces an entry of the search index. In SQLite,
// triggers on search_docs keep the FTS5 table in step; in PostgreSQL the
// tsvector column is generated from the row.
func (tx *Tx) putSearchDoc(d searchDoc) error {
	var canvasID any
	if d.canvasID != "" {
		canvasID = d.canvasID
	}
	_, err := tx.exec(`INSERT INTO search_docs (kind, ref, usecase_id, canvas_id, section_id, decision, title, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (kind, ref) DO UPDATE SET decision = excluded.decision, title = excluded.title, body = excluded.body`,
		d.kind, d.ref, d.useCaseID, canvasID, d.sectionID, d.decision, d.title, d.body)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// indexSection keeps a section's entry in the search index equal to its
// content; a section with no text has none.
func (tx *Tx) indexSection(useCaseID, canvasID, sectionID, content string) error {
	ref := canvasID + "/" + sectionID
	if strings.TrimSpace(content) == "" {
		_, err := tx.exec(`DELETE FROM search_docs WHERE kind = 'section' AND ref = $1`, ref)
		return err
	}
	return tx.putSearchDoc(searchDoc{kind: "section", ref: ref, useCaseID: useCaseID, canvasID: canvasID, sectionID: sectionID, title: sectionID, body: content})
}

// searchTerms splits a query into words — runs of letters, digits and
// combining marks — so that nothing a person types is ever read as query
// syntax by either database.
func searchTerms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
			continue // marks alone make no word
		}
		out = append(out, w)
		if len(out) == maxSearchTerms {
			break
		}
	}
	return out
}

// Search finds sections and decisions containing every word of query, in
// the active use cases the actor can see (administrators see all), best
// matches first. Punctuation and operators in the query are ignored; a
// query with no words finds nothing.
func (db *DB) Search(ctx context.Context, query string, p atrium.PageRequest) (atrium.Page[SearchHit], error) {
	page := atrium.Page[SearchHit]{Items: []SearchHit{}}
	query, err := atrium.CheckText("the search query", query, maxSearchQuery, true, false)
	if err != nil {
		return page, err
	}
	terms := searchTerms(query)
	if len(terms) == 0 {
		return page, nil
	}
	if p.Size <= 0 || p.Size > atrium.MaxPageSize {
		p.Size = atrium.DefaultPageSize
	}
	a := actorOf(ctx)
	user := a.UserID
	if a.Admin || a.IsSystem() {
		user = "" // see everything
	}
	const cols = `d.kind, u.slug, u.name, COALESCE(c.id, ''), COALESCE(c.title, ''), COALESCE(c.template_id, ''), d.section_id, d.decision, d.title`
	const where = ` AND u.archived = FALSE AND ($1 = '' OR ` + visibleTo + `)`
	var q string
	var args []any
	switch db.dialect.name {
	case "sqlite":
		// Each word is quoted as an FTS5 string, so it can never be an
		// operator (OR, NEAR, *, -, ^); words side by side must all match.
		quoted := make([]string, len(terms))
		for i, t := range terms {
			quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		}
		// FTS5's ranking and snippet functions cannot run in a query with
		// a window function, so the matches are materialised first.
		q = `WITH m (kind, slug, name, canvas_id, canvas_title, template_id, section_id, decision, title, snip, rank, doc) AS MATERIALIZED (
				SELECT ` + cols + `, snippet(search_fts, 1, $3, $4, '…', 24), bm25(search_fts, 4.0, 1.0), d.id
				FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
				JOIN usecases u ON u.id = d.usecase_id LEFT JOIN canvases c ON c.id = d.canvas_id
				WHERE search_fts MATCH $2` + where + `)
			SELECT kind, slug, name, canvas_id, canvas_title, template_id, section_id, decision, title, snip, COUNT(*) OVER()
			FROM m ORDER BY rank, doc LIMIT $5 OFFSET $6`
		args = []any{user, strings.Join(quoted, " "), SnippetMarkStart, SnippetMarkEnd, p.Size, p.Offset}
	case "postgres":
		// plainto_tsquery reads its text as plain words joined by AND and
		// never fails on syntax; the words are the same as SQLite gets.
		q = `SELECT ` + cols + `, ts_headline('simple', d.body, tq, $3), COUNT(*) OVER()
			FROM search_docs d CROSS JOIN plainto_tsquery('simple', $2) AS tq
			JOIN usecases u ON u.id = d.usecase_id LEFT JOIN canvases c ON c.id = d.canvas_id
			WHERE d.doc @@ tq` + where + `
			ORDER BY ts_rank(d.doc, tq) DESC, d.id LIMIT $4 OFFSET $5`
		opts := `StartSel=` + SnippetMarkStart + `, StopSel=` + SnippetMarkEnd + `, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`
		args = []any{user, strings.Join(terms, " "), opts, p.Size, p.Offset}
	}
	rows, err := db.reader(ctx).query(q, args...)
	if err != nil {
		return page, db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var h SearchHit
		if err := rows.Scan(&h.Kind, &h.UseCaseSlug, &h.UseCaseName, &h.CanvasID, &h.CanvasTitle, &h.TemplateID, &h.SectionID, &h.Decision, &h.Title, &h.Snippet, &page.Total); err != nil {
			return page, err
		}
		page.Items = append(page.Items, h)
	}
	if err := rows.Err(); err != nil {
		return page, db.classify(err)
	}
	page.NextPageToken = p.NextToken(page.Total)
	return page, nil
}
