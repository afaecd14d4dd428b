package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// The built-in templates the canvas tests use.
const (
	humanCentric = "human-centric-mlops"
	mlopsV01     = "mlops-canvas-v0.1"
)

func template(t *testing.T, id string) *canvas.Template {
	t.Helper()
	for _, tpl := range canvas.Builtin() {
		if tpl.ID == id {
			return tpl
		}
	}
	t.Fatalf("no built-in template %q", id)
	return nil
}

func mustCanvas(t *testing.T, ctx context.Context, db *store.DB, slug string, tpl *canvas.Template) canvas.Canvas {
	t.Helper()
	c, err := db.CreateCanvas(ctx, slug, tpl, "", nil)
	if err != nil {
		t.Fatalf("CreateCanvas(%q, %q): %v", slug, tpl.ID, err)
	}
	return c
}

// mustSave saves content into a section from whatever version it is at.
func mustSave(t *testing.T, ctx context.Context, db *store.DB, c canvas.Canvas, section, content string) canvas.Section {
	t.Helper()
	got, _, err := db.GetCanvas(ctx, c.UseCaseSlug, c.ID)
	if err != nil {
		t.Fatalf("GetCanvas: %v", err)
	}
	s, err := db.SaveSection(ctx, c.UseCaseSlug, c.ID, canvas.SectionEdit{SectionID: section, Content: &content, BaseVersion: got.Sections[section].Version})
	if err != nil {
		t.Fatalf("SaveSection(%q): %v", section, err)
	}
	return s
}

func section(t *testing.T, ctx context.Context, db *store.DB, c canvas.Canvas, id string) canvas.Section {
	t.Helper()
	got, _, err := db.GetCanvas(ctx, c.UseCaseSlug, c.ID)
	if err != nil {
		t.Fatalf("GetCanvas: %v", err)
	}
	return got.Sections[id]
}

func testCanvases(t *testing.T, open Opener) {
	hc := template(t, humanCentric)

	t.Run("CreateListGet", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c, err := w.db.CreateCanvas(ec, "churn", hc, "  ", map[string]string{"team-name": " Alpha "})
		if err != nil {
			t.Fatalf("CreateCanvas: %v", err)
		}
		if c.ID == "" || c.UseCaseID != w.churn.ID || c.UseCaseSlug != "churn" || c.TemplateID != humanCentric || c.Version != 1 || c.CreatedAt.IsZero() {
			t.Errorf("CreateCanvas=%+v, want ids, template, version 1 and a time", c)
		}
		if c.Title != hc.Name || c.Header["team-name"] != "Alpha" {
			t.Errorf("Title=%q Header=%v, want the template name and the trimmed team", c.Title, c.Header)
		}
		named, err := w.db.CreateCanvas(ec, "churn", template(t, mlopsV01), "Second look", nil)
		if err != nil || named.Title != "Second look" {
			t.Fatalf("CreateCanvas with a title=%q, %v", named.Title, err)
		}
		mustSave(t, ec, w.db, c, "problem-definition", "Customers leave.")

		list, err := w.db.ListCanvases(as(ctx, w.viewer), "churn")
		if err != nil {
			t.Fatalf("ListCanvases: %v", err)
		}
		if len(list) != 2 || list[0].ID != c.ID || list[1].ID != named.ID {
			t.Fatalf("ListCanvases=%d canvases, want %s then %s", len(list), c.ID, named.ID)
		}
		if s := list[0].Sections["problem-definition"]; s.Content != "Customers leave." || s.Status != canvas.Draft || len(list[1].Sections) != 0 {
			t.Errorf("listed sections=%+v / %+v, want the saved draft on the first only", list[0].Sections, list[1].Sections)
		}

		got, u, err := w.db.GetCanvas(as(ctx, w.reviewer), "churn", c.ID)
		if err != nil {
			t.Fatalf("GetCanvas: %v", err)
		}
		if u.ID != w.churn.ID || u.Role != usecase.Reviewer || got.Title != c.Title || got.Sections["problem-definition"].Version != 1 {
			t.Errorf("GetCanvas=%+v role %q, want the canvas with its section and role reviewer", got, u.Role)
		}

		sums, err := w.db.CanvasSummaries(ctx, []string{w.churn.ID, "no-such-usecase"})
		if err != nil {
			t.Fatalf("CanvasSummaries: %v", err)
		}
		if s := sums[w.churn.ID]; len(s) != 2 || s[0].ID != c.ID || s[0].Counts[canvas.Draft] != 1 || len(s[1].Counts) != 0 || s[1].Title != "Second look" {
			t.Errorf("CanvasSummaries=%+v, want two canvases, one draft section on the first", s)
		}
		if empty, err := w.db.CanvasSummaries(ctx, nil); err != nil || len(empty) != 0 {
			t.Errorf("CanvasSummaries(nil)=%v, %v, want empty", empty, err)
		}

		// Strangers see no use case; a canvas id of another use case is not found.
		_, _, err = w.db.GetCanvas(as(ctx, w.stranger), "churn", c.ID)
		wantKind(t, err, atrium.NotFound)
		if err.Error() != "use case not found" {
			t.Errorf("stranger's error=%q, want the message of a missing use case", err)
		}
		_, err = w.db.ListCanvases(as(ctx, w.stranger), "churn")
		wantKind(t, err, atrium.NotFound)
		other := mustUseCase(t, as(ctx, w.owner), w.db, usecase.UseCase{Slug: "other", Name: "Other", TeamSlug: "alpha"})
		_, _, err = w.db.GetCanvas(ec, other.Slug, c.ID)
		wantKind(t, err, atrium.NotFound)
		_, _, err = w.db.GetCanvas(ec, "churn", "no-such-canvas")
		wantKind(t, err, atrium.NotFound)

		audited := auditSize(t, ctx, w.db)
		_, err = w.db.CreateCanvas(as(ctx, w.reviewer), "churn", hc, "", nil)
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.CreateCanvas(as(ctx, w.stranger), "churn", hc, "", nil)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.CreateCanvas(ec, "churn", hc, "", map[string]string{"no-such-field": "x"})
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, audited)
	})

	t.Run("Header", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		got, err := w.db.UpdateCanvasHeader(ec, "churn", c.ID, ptr("Churn, first pass"), map[string]string{"canvas-date": "2026-11-27"}, 1)
		if err != nil {
			t.Fatalf("UpdateCanvasHeader: %v", err)
		}
		if got.Title != "Churn, first pass" || got.Header["canvas-date"] != "2026-11-27" || got.Version != 2 {
			t.Errorf("UpdateCanvasHeader=%+v, want the new title and date at version 2", got)
		}
		got, err = w.db.UpdateCanvasHeader(ec, "churn", c.ID, nil, map[string]string{"team-name": "Alpha"}, 2)
		if err != nil || got.Title != "Churn, first pass" || got.Header["canvas-date"] != "2026-11-27" || got.Header["team-name"] != "Alpha" || got.Version != 3 {
			t.Fatalf("merging a field=%+v, %v; want title and date kept, team added, version 3", got, err)
		}
		audited := auditSize(t, ctx, w.db)
		_, err = w.db.UpdateCanvasHeader(as(ctx, w.owner), "churn", c.ID, ptr("Stale"), nil, 2)
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.UpdateCanvasHeader(as(ctx, w.reviewer), "churn", c.ID, ptr("Reviewer"), nil, 3)
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.UpdateCanvasHeader(ec, "churn", c.ID, ptr(strings.Repeat("t", 201)), nil, 3)
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.UpdateCanvasHeader(ec, "churn", c.ID, nil, map[string]string{"canvas-date": "yesterday"}, 3)
		wantKind(t, err, atrium.Invalid)
		// The header is checked against the canvas's own template, so
		// another template's field is refused.
		_, err = w.db.UpdateCanvasHeader(ec, "churn", c.ID, nil, map[string]string{"product-name": "Churn radar"}, 3)
		wantKind(t, err, atrium.Invalid)
		same, err := w.db.UpdateCanvasHeader(ec, "churn", c.ID, ptr("Churn, first pass"), nil, 3)
		if err != nil || same.Version != 3 {
			t.Errorf("unchanged header: version %d, %v; want 3 and no new version", same.Version, err)
		}
		wantAuditSize(t, ctx, w.db, audited)
	})

	t.Run("SaveSection", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec, rc := as(ctx, w.editor), as(ctx, w.reviewer)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		save := func(ctx context.Context, e canvas.SectionEdit) (canvas.Section, error) {
			e.SectionID = "problem-definition"
			return w.db.SaveSection(ctx, "churn", c.ID, e)
		}
		s, err := save(ec, canvas.SectionEdit{Content: ptr("Customers leave\r\nwithout warning."), BaseVersion: 0})
		if err != nil {
			t.Fatalf("SaveSection: %v", err)
		}
		if s.Content != "Customers leave\nwithout warning." || s.Status != canvas.Draft || s.Version != 1 || s.UpdatedBy != "Editor" || s.UpdatedAt.IsZero() {
			t.Errorf("first save=%+v, want normalised content, draft, version 1, by Editor", s)
		}

		// A reviewer may move the status, and only the status.
		s, err = save(rc, canvas.SectionEdit{Status: ptr(canvas.Status("In_Review")), Content: ptr(s.Content), BaseVersion: 1})
		if err != nil || s.Status != canvas.InReview || s.Version != 2 || s.UpdatedBy != "Reviewer" {
			t.Fatalf("reviewer status change=%+v, %v; want in review at version 2", s, err)
		}
		audited := auditSize(t, ctx, w.db)
		_, err = save(rc, canvas.SectionEdit{Content: ptr("Reviewer text"), BaseVersion: 2})
		wantKind(t, err, atrium.Forbidden)
		_, err = save(rc, canvas.SectionEdit{OwnerID: ptr(w.reviewer.ID), BaseVersion: 2})
		wantKind(t, err, atrium.Forbidden)
		_, err = save(as(ctx, w.viewer), canvas.SectionEdit{Status: ptr(canvas.Agreed), BaseVersion: 2})
		wantKind(t, err, atrium.Forbidden)
		_, err = save(as(ctx, w.stranger), canvas.SectionEdit{Status: ptr(canvas.Agreed), BaseVersion: 2})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.SaveSection(ec, "churn", c.ID, canvas.SectionEdit{SectionID: "no-such-section", Content: ptr("x")})
		wantKind(t, err, atrium.Invalid)
		_, err = save(ec, canvas.SectionEdit{Status: ptr(canvas.Status("finished")), BaseVersion: 2})
		wantKind(t, err, atrium.Invalid)
		_, err = save(ec, canvas.SectionEdit{OwnerID: ptr("no-such-user"), BaseVersion: 2})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.SaveSection(ec, "churn", "no-such-canvas", canvas.SectionEdit{SectionID: "problem-definition", Content: ptr("x")})
		wantKind(t, err, atrium.NotFound)

		// Saving what is already there changes nothing.
		same, err := save(ec, canvas.SectionEdit{Content: ptr(s.Content), Status: ptr(canvas.InReview), BaseVersion: 2})
		if err != nil || same.Version != 2 {
			t.Errorf("no-op save: version %d, %v; want 2", same.Version, err)
		}
		wantAuditSize(t, ctx, w.db, audited)

		s, err = save(ec, canvas.SectionEdit{OwnerID: ptr(w.member.ID), Status: ptr(canvas.Agreed), BaseVersion: 2})
		if err != nil || s.OwnerID != w.member.ID || s.OwnerName != "Member" || s.Status != canvas.Agreed || s.Content == "" {
			t.Fatalf("owner and status=%+v, %v; want Member, agreed, content kept", s, err)
		}
		s, err = save(ec, canvas.SectionEdit{OwnerID: ptr(""), BaseVersion: 3})
		if err != nil || s.OwnerID != "" || s.OwnerName != "" || s.Version != 4 {
			t.Fatalf("clearing the owner=%+v, %v", s, err)
		}
		if got := section(t, ctx, w.db, c, "problem-definition"); got != s {
			t.Errorf("GetCanvas section=%+v, want %+v", got, s)
		}
	})

	t.Run("EditConflict", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec, oc := as(ctx, w.editor), as(ctx, w.owner)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		base := mustSave(t, ec, w.db, c, "feasibility", "We have two years of data.")
		if _, err := w.db.SaveSection(ec, "churn", c.ID, canvas.SectionEdit{SectionID: "feasibility", Content: ptr("Editor's version."), BaseVersion: base.Version}); err != nil {
			t.Fatalf("first edit: %v", err)
		}
		audited := auditSize(t, ctx, w.db)
		_, err := w.db.SaveSection(oc, "churn", c.ID, canvas.SectionEdit{SectionID: "feasibility", Content: ptr("Owner's version."), BaseVersion: base.Version})
		wantKind(t, err, atrium.Conflict)
		var conflict *canvas.EditConflict
		if !errors.As(err, &conflict) {
			t.Fatalf("conflict error %v does not unwrap to *canvas.EditConflict", err)
		}
		if conflict.Base.Content != "We have two years of data." || conflict.Base.Version != 1 {
			t.Errorf("Base=%+v, want version 1 as the owner saw it", conflict.Base)
		}
		if conflict.Current.Content != "Editor's version." || conflict.Current.Version != 2 || conflict.Current.UpdatedBy != "Editor" {
			t.Errorf("Current=%+v, want the editor's version 2", conflict.Current)
		}
		if msg := atrium.MessageOf(err); !strings.Contains(msg, "Editor") || !strings.Contains(msg, "1") || !strings.Contains(msg, "2") {
			t.Errorf("message=%q, want who changed it and both versions", msg)
		}
		if got := section(t, ctx, w.db, c, "feasibility"); got.Content != "Editor's version." || got.Version != 2 {
			t.Errorf("after the refused edit: %+v, want the editor's version 2 kept", got)
		}
		wantAuditSize(t, ctx, w.db, audited)

		// Two people filling the same empty section: the second sees an empty base.
		mustSave(t, ec, w.db, c, "integration", "Through the CRM.")
		_, err = w.db.SaveSection(oc, "churn", c.ID, canvas.SectionEdit{SectionID: "integration", Content: ptr("Batch export."), BaseVersion: 0})
		if !errors.As(err, &conflict) || conflict.Base.Content != "" || conflict.Base.Version != 0 || conflict.Current.Content != "Through the CRM." {
			t.Errorf("conflict on an empty base=%v %+v, want an empty base and the saved text", err, conflict)
		}
	})

	// Edits that really overlap: of several saves from one version exactly
	// one wins, and every other is told what it collided with.
	t.Run("ConcurrentEdits", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		const n = 8
		for round := range 3 {
			base := int64(round)
			errs := collectErrors(n, func(i int) error {
				_, err := w.db.SaveSection(ec, "churn", c.ID, canvas.SectionEdit{SectionID: "integration", Content: ptr(fmt.Sprintf("edit %d.%d", round, i)), BaseVersion: base})
				return err
			})
			won := -1
			for i, err := range errs {
				var conflict *canvas.EditConflict
				switch {
				case err == nil && won < 0:
					won = i
				case err == nil:
					t.Errorf("round %d: saves %d and %d from version %d both succeeded", round, won, i, base)
				case !errors.As(err, &conflict):
					t.Errorf("round %d: save %d: %v, want success or an edit conflict", round, i, err)
				}
			}
			if won < 0 {
				t.Fatalf("round %d: no save succeeded: %s", round, errorSummary(errs))
			}
			if got := section(t, ctx, w.db, c, "integration"); got.Content != fmt.Sprintf("edit %d.%d", round, won) || got.Version != base+1 {
				t.Fatalf("round %d: section=%+v, want the winner's text at version %d", round, got, base+1)
			}
		}
	})

	t.Run("Revisions", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		for _, text := range []string{"one", "two", "three"} {
			mustSave(t, ec, w.db, c, "requirements", text)
		}
		for v, want := range map[int64]string{1: "one", 2: "two", 3: "three"} {
			r, err := w.db.SectionRevision(as(ctx, w.viewer), "churn", c.ID, "requirements", v)
			if err != nil || r.Content != want || r.Version != v || r.UpdatedBy != "Editor" {
				t.Errorf("SectionRevision(%d)=%+v, %v; want %q", v, r, err, want)
			}
		}
		_, err := w.db.SectionRevision(ec, "churn", c.ID, "requirements", 4)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.SectionRevision(as(ctx, w.stranger), "churn", c.ID, "requirements", 1)
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("Comments", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		c := mustCanvas(t, as(ctx, w.editor), w.db, "churn", hc)
		first, err := w.db.AddComment(as(ctx, w.reviewer), "churn", c.ID, "value-impact", "  Which KPI?  ")
		if err != nil {
			t.Fatalf("AddComment: %v", err)
		}
		if first.ID == 0 || first.Body != "Which KPI?" || first.AuthorID != w.reviewer.ID || first.AuthorName != "Reviewer" || first.SectionID != "value-impact" {
			t.Errorf("AddComment=%+v", first)
		}
		if _, err := w.db.AddComment(as(ctx, w.editor), "churn", c.ID, "value-impact", "Retention rate."); err != nil {
			t.Fatalf("AddComment: %v", err)
		}
		audited := auditSize(t, ctx, w.db)
		_, err = w.db.AddComment(as(ctx, w.viewer), "churn", c.ID, "value-impact", "Viewer")
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.AddComment(as(ctx, w.editor), "churn", c.ID, "no-such-section", "Where?")
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddComment(as(ctx, w.editor), "churn", c.ID, "value-impact", "   ")
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddComment(as(ctx, w.editor), "churn", c.ID, "value-impact", "bell\a")
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, audited)

		page, err := w.db.Comments(as(ctx, w.viewer), "churn", c.ID, "value-impact", atrium.PageRequest{Size: 50})
		if err != nil {
			t.Fatalf("Comments: %v", err)
		}
		got := page.Items
		if len(got) != 2 || got[0].Body != "Which KPI?" || got[1].AuthorName != "Editor" || got[0].ID >= got[1].ID {
			t.Errorf("Comments=%+v, want both, oldest first, with names", got)
		}
		// A section with a discussion but no text yet still shows its count.
		if s := section(t, ctx, w.db, c, "value-impact"); s.Comments != 2 || s.Status != canvas.Empty || s.Version != 0 {
			t.Errorf("section with comments=%+v, want 2 comments on an empty section", s)
		}
		_, err = w.db.Comments(as(ctx, w.stranger), "churn", c.ID, "value-impact", atrium.PageRequest{Size: 50})
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("Archived", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		c := mustCanvas(t, as(ctx, w.editor), w.db, "churn", hc)
		if _, err := w.db.SetArchived(as(ctx, w.owner), "churn", true); err != nil {
			t.Fatalf("SetArchived: %v", err)
		}
		audited := auditSize(t, ctx, w.db)
		_, err := w.db.SaveSection(as(ctx, w.owner), "churn", c.ID, canvas.SectionEdit{SectionID: "feasibility", Content: ptr("x")})
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.CreateCanvas(as(ctx, w.owner), "churn", hc, "", nil)
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.AddComment(as(ctx, w.owner), "churn", c.ID, "feasibility", "x")
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.CreateDecision(as(ctx, w.owner), "churn", decision.Decision{Title: "x"})
		wantKind(t, err, atrium.Conflict)
		wantAuditSize(t, ctx, w.db, audited)
		if _, _, err := w.db.GetCanvas(as(ctx, w.viewer), "churn", c.ID); err != nil {
			t.Errorf("reading an archived use case's canvas: %v", err)
		}
	})

	t.Run("Import", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c, err := w.db.ImportCanvas(ec, "churn", hc, "Imported", nil, map[string]canvas.SnapshotItem{
			"problem-definition": {Content: "Customers leave.", Status: canvas.Agreed},
			"feasibility":        {Content: "Data exists."},
			"users":              {},
		})
		if err != nil {
			t.Fatalf("ImportCanvas: %v", err)
		}
		if got := c.Sections["problem-definition"]; got.Content != "Customers leave." || got.Status != canvas.Agreed || got.Version != 1 {
			t.Errorf("imported problem-definition=%+v, want the agreed text at version 1", got)
		}
		if got := c.Sections["feasibility"]; got.Status != canvas.Draft {
			t.Errorf("imported text without a status has status %q, want draft", got.Status)
		}
		if _, ok := c.Sections["users"]; ok {
			t.Errorf("an empty imported section was stored")
		}
		// A bad section anywhere refuses the whole import: no canvas, no audit.
		before, audited := len(mustList(t, ec, w.db, "churn")), auditSize(t, ctx, w.db)
		for name, secs := range map[string]map[string]canvas.SnapshotItem{
			"unknown section": {"problem-definition": {Content: "ok"}, "no-such-section": {Content: "x"}},
			"bad content":     {"problem-definition": {Content: "ok"}, "users": {Content: "a\x00b"}},
			"bad status":      {"problem-definition": {Content: "ok", Status: "done"}},
		} {
			if _, err := w.db.ImportCanvas(ec, "churn", hc, "Broken", nil, secs); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("%s: err=%v, want Invalid", name, err)
			}
		}
		if after := len(mustList(t, ec, w.db, "churn")); after != before || auditSize(t, ctx, w.db) != audited {
			t.Fatalf("refused imports left %d canvases (want %d) or audit entries behind", after, before)
		}
	})

	t.Run("HostileInput", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		audited := auditSize(t, ctx, w.db)
		for name, e := range map[string]canvas.SectionEdit{
			"over-long content":  {Content: ptr(strings.Repeat("a", canvas.MaxContent+1))},
			"NUL in content":     {Content: ptr("a\x00b")},
			"escape in content":  {Content: ptr("a\x1b[2Jb")},
			"invalid UTF-8":      {Content: ptr(string([]byte{0xff, 0xfe}))},
			"status injection":   {Status: ptr(canvas.Status("agreed'; DROP TABLE canvases; --"))},
			"section id as path": {SectionID: "../problem-definition", Content: ptr("x")},
		} {
			if e.SectionID == "" {
				e.SectionID = "problem-definition"
			}
			_, err := w.db.SaveSection(ec, "churn", c.ID, e)
			if atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("%s: err=%v, want Invalid", name, err)
			}
		}
		for name, title := range map[string]string{
			"over-long title": strings.Repeat("t", canvas.MaxTitle+1),
			"newline title":   "a\nb",
			"control title":   "a\x07b",
		} {
			_, err := w.db.CreateCanvas(ec, "churn", hc, title, nil)
			if atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("%s: err=%v, want Invalid", name, err)
			}
		}
		_, err := w.db.CreateCanvas(ec, "churn", hc, "", map[string]string{"team-name": "a\x00"})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddComment(ec, "churn", c.ID, "problem-definition", strings.Repeat("c", canvas.MaxComment+1))
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.PublishIteration(ec, "churn", c.ID, strings.Repeat("m", 2001))
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateDecision(ec, "churn", decision.Decision{Title: "x", Rationale: "bad\x00"})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.User, Name: strings.Repeat("n", 201)})
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, audited)
		if got := section(t, ctx, w.db, c, "problem-definition"); got.Version != 0 {
			t.Errorf("after refused edits the section is at version %d, want never saved", got.Version)
		}
	})
}

func mustList(t *testing.T, ctx context.Context, db *store.DB, slug string) []canvas.Canvas {
	t.Helper()
	list, err := db.ListCanvases(ctx, slug)
	if err != nil {
		t.Fatalf("ListCanvases: %v", err)
	}
	return list
}
