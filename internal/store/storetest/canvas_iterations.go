package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
)

func testCanvasIterations(t *testing.T, open Opener) {
	hc := template(t, humanCentric)

	t.Run("Publish", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		if _, err := w.db.SaveSection(ec, "churn", c.ID, canvas.SectionEdit{SectionID: "feasibility", OwnerID: ptr(w.member.ID)}); err != nil {
			t.Fatalf("SaveSection: %v", err)
		}
		if _, err := w.db.AddComment(as(ctx, w.reviewer), "churn", c.ID, "users", "Only a comment here."); err != nil {
			t.Fatalf("AddComment: %v", err)
		}
		var texts []string
		for i := range 3 {
			text := fmt.Sprintf("Problem, take %d.", i+1)
			texts = append(texts, text)
			mustSave(t, ec, w.db, c, "problem-definition", text)
			it, err := w.db.PublishIteration(ec, "churn", c.ID, fmt.Sprintf("  Workshop %d  ", i+1))
			if err != nil {
				t.Fatalf("PublishIteration #%d: %v", i+1, err)
			}
			if it.Number != i+1 || it.Message != fmt.Sprintf("Workshop %d", i+1) || it.AuthorID != w.editor.ID || it.AuthorName != "Editor" || it.CreatedAt.IsZero() {
				t.Errorf("PublishIteration #%d=%+v", i+1, it)
			}
		}
		mustSave(t, ec, w.db, c, "problem-definition", "Changed after publishing.")
		if _, err := w.db.UpdateCanvasHeader(ec, "churn", c.ID, ptr("Renamed later"), nil, c.Version); err != nil {
			t.Fatalf("UpdateCanvasHeader: %v", err)
		}

		list, err := w.db.Iterations(as(ctx, w.viewer), "churn", c.ID)
		if err != nil {
			t.Fatalf("Iterations: %v", err)
		}
		var numbers []int
		for _, it := range list {
			numbers = append(numbers, it.Number)
		}
		if !slices.Equal(numbers, []int{3, 2, 1}) || list[2].Message != "Workshop 1" || list[0].AuthorName != "Editor" {
			t.Errorf("Iterations=%v (%+v), want 3, 2, 1 with messages and authors", numbers, list)
		}
		for i, text := range texts {
			it, err := w.db.GetIteration(as(ctx, w.viewer), "churn", c.ID, i+1)
			if err != nil {
				t.Fatalf("GetIteration(%d): %v", i+1, err)
			}
			snap := it.Snapshot
			if got := snap.Sections["problem-definition"]; got.Content != text || got.Status != canvas.Draft {
				t.Errorf("iteration %d problem-definition=%+v, want %q as it was then", i+1, got, text)
			}
			if got := snap.Sections["feasibility"]; got.OwnerName != "Member" || got.Status != canvas.Empty {
				t.Errorf("iteration %d feasibility=%+v, want the owner's name", i+1, got)
			}
			if _, ok := snap.Sections["users"]; ok || len(snap.Sections) != 2 {
				t.Errorf("iteration %d sections=%v, want the two saved ones", i+1, snap.Sections)
			}
			if snap.Title != hc.Name {
				t.Errorf("iteration %d title=%q, want %q as it was then", i+1, snap.Title, hc.Name)
			}
		}
		if got, _, _ := w.db.GetCanvas(ec, "churn", c.ID); got.Iterations != 3 {
			t.Errorf("canvas Iterations=%d, want 3", got.Iterations)
		}

		_, err = w.db.GetIteration(ec, "churn", c.ID, 4)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.GetIteration(as(ctx, w.stranger), "churn", c.ID, 1)
		wantKind(t, err, atrium.NotFound)
		audited := auditSize(t, ctx, w.db)
		_, err = w.db.PublishIteration(as(ctx, w.reviewer), "churn", c.ID, "")
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.PublishIteration(ec, "churn", c.ID, strings.Repeat("m", 2001))
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, audited)
	})

	t.Run("IterationHeader", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		v01 := template(t, mlopsV01)
		c, err := w.db.CreateCanvas(ec, "churn", v01, "", map[string]string{"product-name": "Churn radar", "iteration": "7"})
		if err != nil {
			t.Fatalf("CreateCanvas: %v", err)
		}
		for n := 1; n <= 2; n++ {
			it, err := w.db.PublishIteration(ec, "churn", c.ID, "")
			if err != nil {
				t.Fatalf("PublishIteration: %v", err)
			}
			want := fmt.Sprint(n)
			if it.Snapshot.Header["iteration"] != want || it.Snapshot.Header["product-name"] != "Churn radar" {
				t.Errorf("iteration %d snapshot header=%v, want iteration %s", n, it.Snapshot.Header, want)
			}
			got, _, err := w.db.GetCanvas(ec, "churn", c.ID)
			if err != nil || got.Header["iteration"] != want || got.Version != int64(1+n) {
				t.Errorf("canvas after publishing %d: header %v version %d, %v; want iteration %s at version %d", n, got.Header, got.Version, err, want, 1+n)
			}
		}
		// A template without the field leaves the header alone.
		hcCanvas := mustCanvas(t, ec, w.db, "churn", hc)
		it, err := w.db.PublishIteration(ec, "churn", hcCanvas.ID, "")
		if err != nil || len(it.Snapshot.Header) != 0 {
			t.Errorf("human-centric snapshot header=%v, %v; want none", it.Snapshot.Header, err)
		}
	})

	t.Run("ConcurrentPublish", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", template(t, mlopsV01))
		const n = 8
		for round := range 3 {
			errs := collectErrors(n, func(i int) error {
				_, err := w.db.PublishIteration(ec, "churn", c.ID, fmt.Sprintf("round %d, writer %d", round, i))
				return err
			})
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %s", round, errorSummary(errs))
				}
			}
		}
		list, err := w.db.Iterations(ec, "churn", c.ID)
		if err != nil {
			t.Fatalf("Iterations: %v", err)
		}
		for i, it := range list {
			if want := 3*n - i; it.Number != want {
				t.Fatalf("iteration at %d has number %d, want %d: numbers must run 1..%d without gaps", i, it.Number, want, 3*n)
			}
		}
		if len(list) != 3*n {
			t.Fatalf("%d iterations, want %d", len(list), 3*n)
		}
		got, _, _ := w.db.GetCanvas(ec, "churn", c.ID)
		if got.Header["iteration"] != fmt.Sprint(3*n) {
			t.Errorf("header iteration=%q, want %d", got.Header["iteration"], 3*n)
		}
	})
}
