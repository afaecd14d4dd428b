package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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
	// maxSearchQuery is the longest query, in characters.
	maxSearchQuery = 200
	// maxSearchTerms is how many distinct words of a query are searched
	// for; words after them are ignored. Every word is one more posting
	// list for the database to intersect and one more to weigh in a
	// snippet, and eight words pin a text down well enough.
	maxSearchTerms = 8
)

// The snippet builder keeps one bit per term in a uint8; this stops the
// build if maxSearchTerms outgrows it.
const _ = uint8(1 << (maxSearchTerms - 1))

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
// syntax by either database. The words come back in lower case, each once
// (a repeated word adds nothing to "every word must match" but would
// multiply the work), and at most maxSearchTerms of them.
func searchTerms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !isWordRune(r) }) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
			continue // marks alone make no word
		}
		if w = strings.ToLower(w); slices.Contains(out, w) {
			continue
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
// matches first. Punctuation and operators in the query are ignored, as
// are repeated words and words past the first maxSearchTerms; a query with
// no words finds nothing.
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
	// $6: a token bound to one use case searches that one only.
	const where = ` AND u.archived = FALSE AND ($1 = '' OR ` + visibleTo + `) AND ($6 = '' OR u.id = $6)`
	// m is every visible match with its rank, lower first; only the page's
	// rows are then joined to (the start of) their text. Nothing per match
	// costs more than the rank: snippets are cut afterwards, in Go, for the
	// page alone (see snippet.go for why not by the databases).
	var m, match string
	switch db.dialect.name {
	case "sqlite":
		// Each word is quoted as an FTS5 string, so it can never be an
		// operator (OR, NEAR, *, -, ^); words side by side must all match.
		quoted := make([]string, len(terms))
		for i, t := range terms {
			quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		}
		match = strings.Join(quoted, " ")
		m = `SELECT d.id, bm25(search_fts, 4.0, 1.0)
			FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid JOIN usecases u ON u.id = d.usecase_id
			WHERE search_fts MATCH $2` + where
	case "postgres":
		// plainto_tsquery reads its text as plain words joined by AND and
		// never fails on syntax; the words are the same as SQLite gets.
		match = strings.Join(terms, " ")
		m = `SELECT d.id, -ts_rank(d.doc, tq)
			FROM search_docs d CROSS JOIN plainto_tsquery('simple', $2) AS tq JOIN usecases u ON u.id = d.usecase_id
			WHERE d.doc @@ tq` + where
	}
	// FTS5's ranking function cannot run in a query with a window
	// function, so the matches are materialised first.
	q := `WITH m (doc, rank) AS MATERIALIZED (` + m + `),
		hits (doc, rank, total) AS (SELECT doc, rank, COUNT(*) OVER() FROM m ORDER BY rank, doc LIMIT $3 OFFSET $4)
		SELECT d.kind, u.slug, u.name, COALESCE(c.id, ''), COALESCE(c.title, ''), COALESCE(c.template_id, ''), d.section_id, d.decision, d.title,
			substr(d.body, 1, $5), hits.total
		FROM hits JOIN search_docs d ON d.id = hits.doc JOIN usecases u ON u.id = d.usecase_id LEFT JOIN canvases c ON c.id = d.canvas_id
		ORDER BY hits.rank, hits.doc`
	// One character more than a snippet can use tells whether the text
	// goes on.
	folded := make([]string, len(terms))
	for i, t := range terms {
		folded[i] = foldWord(t)
	}
	items, err := collect(db.reader(ctx), func(sc scanner) (SearchHit, error) {
		var h SearchHit
		var body string
		if err := sc.Scan(&h.Kind, &h.UseCaseSlug, &h.UseCaseName, &h.CanvasID, &h.CanvasTitle, &h.TemplateID, &h.SectionID, &h.Decision, &h.Title, &body, &page.Total); err != nil {
			return h, err
		}
		h.Snippet, _ = snippet(body, folded, utf8.RuneCountInString(body) > snippetFetch)
		return h, nil
	}, q, user, match, p.Size, p.Offset, snippetFetch+1, a.UseCaseID)
	if err != nil {
		return page, err
	}
	page.Items, page.NextPageToken = items, p.NextToken(page.Total)
	return page, nil
}
