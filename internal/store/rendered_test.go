package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// renderedWorld opens a database on each dialect with one use case, one
// canvas and a saved section, acting as its owner.
func renderedWorld(t *testing.T, url string) (context.Context, *DB, canvas.Canvas) {
	t.Helper()
	ctx := t.Context()
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	u, err := db.CreateUser(ctx, identity.User{Email: "ada@example.org", Name: "Ada", Admin: true}, "")
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	ctx = atrium.WithActor(ctx, atrium.Actor{UserID: u.ID, Email: u.Email, Admin: true})
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "risk", Name: "Risk"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "credit", Name: "Credit", TeamSlug: "risk"}); err != nil {
		t.Fatalf("CreateUseCase: %v", err)
	}
	tpl := canvas.Builtin()[0]
	c, err := db.CreateCanvas(ctx, "credit", tpl, "", nil)
	if err != nil {
		t.Fatalf("CreateCanvas: %v", err)
	}
	id := tpl.SectionIDs()[0]
	text := "Score **loan** applications."
	if _, err := db.SaveSection(ctx, "credit", c.ID, canvas.SectionEdit{SectionID: id, Content: &text}); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	if _, err := db.AddComment(ctx, "credit", c.ID, id, "Which *loans*?"); err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	if _, err := db.PublishIteration(ctx, "credit", c.ID, "first"); err != nil {
		t.Fatalf("PublishIteration: %v", err)
	}
	return ctx, db, c
}

var renderedDialects = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "atrium.db") },
	"postgres": func(t *testing.T) string { return pgtest.URL(t) },
}

// TestReadsServeStoredHTML proves that reads never render: HTML changed in
// the database behind the store's back is what every read returns.
func TestReadsServeStoredHTML(t *testing.T) {
	for name, url := range renderedDialects {
		t.Run(name, func(t *testing.T) {
			ctx, db, c := renderedWorld(t, url(t))
			const marker = "<p>stored, not rendered</p>"
			for _, table := range []string{"canvas_sections", "canvas_section_revisions", "canvas_comments"} {
				if _, err := db.write.ExecContext(ctx, `UPDATE `+table+` SET html = '`+marker+`'`); err != nil {
					t.Fatalf("update %s: %v", table, err)
				}
			}
			if _, err := db.write.ExecContext(ctx, `UPDATE canvas_iteration_html SET html = '`+marker+`'`); err != nil {
				t.Fatalf("update iterations: %v", err)
			}
			id := canvas.Builtin()[0].SectionIDs()[0]
			got, _, err := db.GetCanvas(ctx, "credit", c.ID)
			if err != nil || got.Sections[id].HTML != marker {
				t.Errorf("GetCanvas section HTML = %q, %v; want the stored HTML", got.Sections[id].HTML, err)
			}
			rev, err := db.SectionRevision(ctx, "credit", c.ID, id, 1)
			if err != nil || rev.HTML != marker {
				t.Errorf("SectionRevision HTML = %q, %v; want the stored HTML", rev.HTML, err)
			}
			comments, err := db.Comments(ctx, "credit", c.ID, id, atrium.PageRequest{Size: 10})
			if err != nil || len(comments.Items) != 1 || comments.Items[0].HTML != marker {
				t.Errorf("Comments = %+v, %v; want the stored HTML", comments.Items, err)
			}
			it, err := db.GetRenderedIteration(ctx, "credit", c.ID, 1)
			if err != nil || it.Snapshot.Sections[id].HTML != marker {
				t.Errorf("GetIteration HTML = %q, %v; want the stored HTML", it.Snapshot.Sections[id].HTML, err)
			}
		})
	}
}

// TestRenderStored fills in HTML for rows saved before it was stored, and
// shows text past today's limits as plain text instead of refusing it.
func TestRenderStored(t *testing.T) {
	for name, url := range renderedDialects {
		t.Run(name, func(t *testing.T) {
			ctx, db, c := renderedWorld(t, url(t))
			hostile := strings.Repeat("_a*", 16_666)
			for _, q := range []string{
				`UPDATE canvas_sections SET html = NULL, content = '` + hostile + `'`,
				`UPDATE canvas_section_revisions SET html = NULL`,
				`UPDATE canvas_comments SET html = NULL`,
				`DELETE FROM canvas_iteration_html`,
				`UPDATE canvas_iterations SET rendered = FALSE`,
			} {
				if _, err := db.write.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := db.renderStored(ctx); err != nil {
				t.Fatalf("renderStored: %v", err)
			}
			id := canvas.Builtin()[0].SectionIDs()[0]
			got, _, err := db.GetCanvas(ctx, "credit", c.ID)
			if err != nil || !strings.HasPrefix(got.Sections[id].HTML, `<pre class="md-plain">_a*_a*`) {
				t.Errorf("section HTML = %.60q, %v; want the plain-text form", got.Sections[id].HTML, err)
			}
			rev, _ := db.SectionRevision(ctx, "credit", c.ID, id, 1)
			comments, _ := db.Comments(ctx, "credit", c.ID, id, atrium.PageRequest{Size: 10})
			it, _ := db.GetRenderedIteration(ctx, "credit", c.ID, 1)
			for what, html := range map[string]string{
				"revision": rev.HTML, "comment": comments.Items[0].HTML, "iteration": it.Snapshot.Sections[id].HTML,
			} {
				if !strings.Contains(html, "<strong>loan</strong>") && !strings.Contains(html, "<em>loans</em>") {
					t.Errorf("%s HTML = %q, want it rendered again", what, html)
				}
			}
			var left int
			if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM canvas_sections WHERE html IS NULL`).Scan(&left); err != nil || left != 0 {
				t.Errorf("%d sections left unrendered (%v)", left, err)
			}
		})
	}
}
