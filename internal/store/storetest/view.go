package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// testUseCaseView checks the one-use-case handle: it shows what the
// separate reads show, to whoever may see the use case, as of the moment it
// was opened, and a view handed on through the context stays open until its
// opener closes it.
func testUseCaseView(t *testing.T, open Opener) {
	t.Run("SameAsTheReads", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", template(t, humanCentric))
		mustSave(t, ec, w.db, c, "problem-definition", "Customers leave without warning.")
		if _, err := w.db.CreateObjective(ec, "churn", c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "recall", Comparator: ">=", Target: 0.8, MeasuredAt: canvas.AtEvaluation}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.AddComment(ec, "churn", c.ID, "problem-definition", "Which customers?"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.PublishIteration(ec, "churn", c.ID, "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.User, Name: "Call centre"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "Weekly scores", Status: decision.Accepted}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Transition(ec, "churn", usecase.Data, "", nil); err != nil {
			t.Fatal(err)
		}
		for name, who := range map[string]identity.User{"editor": w.editor, "viewer": w.viewer} {
			t.Run(name, func(t *testing.T) {
				uctx := as(ctx, who)
				v, err := w.db.UseCase(uctx, "churn")
				if err != nil {
					t.Fatalf("UseCase: %v", err)
				}
				defer v.Close()
				u, err := w.db.GetUseCase(uctx, "churn")
				if err != nil || !reflect.DeepEqual(v.UseCase(), u) {
					t.Fatalf("UseCase()=%+v, want %+v (%v)", v.UseCase(), u, err)
				}
				page := atrium.PageRequest{Size: 10}
				type read func() (any, error)
				for what, r := range map[string][2]read{
					"Transitions": {func() (any, error) { return v.Transitions() }, func() (any, error) { return w.db.Transitions(uctx, "churn") }},
					"Grants":      {func() (any, error) { return v.Grants() }, func() (any, error) { return w.db.Grants(uctx, "churn") }},
					"Canvases":    {func() (any, error) { return v.Canvases() }, func() (any, error) { return w.db.ListCanvases(uctx, "churn") }},
					"Canvas": {func() (any, error) { return v.Canvas(c.ID) }, func() (any, error) {
						c, _, err := w.db.GetCanvas(uctx, "churn", c.ID)
						return c, err
					}},
					"Iterations": {func() (any, error) { return v.Iterations(c.ID) }, func() (any, error) { return w.db.Iterations(uctx, "churn", c.ID) }},
					"Objectives": {func() (any, error) { return v.Objectives(c.ID) }, func() (any, error) { return w.db.Objectives(uctx, "churn", c.ID) }},
					"Comments": {func() (any, error) { return v.Comments(c.ID, "problem-definition", page) },
						func() (any, error) { return w.db.Comments(uctx, "churn", c.ID, "problem-definition", page) }},
					"Stakeholders": {func() (any, error) { return v.Stakeholders() }, func() (any, error) { return w.db.Stakeholders(uctx, "churn") }},
					"Decisions":    {func() (any, error) { return v.Decisions() }, func() (any, error) { return w.db.Decisions(uctx, "churn") }},
					"Audit": {func() (any, error) { return v.Audit(page) }, func() (any, error) {
						return w.db.AuditEntries(uctx, audit.Filter{ObjectType: "usecase", ObjectID: u.ID, Page: page})
					}},
				} {
					got, gotErr := r[0]()
					want, wantErr := r[1]()
					if gotErr != nil || wantErr != nil {
						t.Fatalf("%s: view err=%v, read err=%v", what, gotErr, wantErr)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s from the view=%+v, want %+v as read on its own", what, got, want)
					}
				}
				if audit, err := v.Audit(page); err != nil || len(audit.Items) == 0 {
					t.Errorf("Audit=%d entries, %v; want the use case's", len(audit.Items), err)
				}
			})
		}
	})

	t.Run("Access", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", template(t, humanCentric))
		_, err := w.db.UseCase(as(ctx, w.stranger), "churn")
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.UseCase(ec, "no-such-use-case")
		wantKind(t, err, atrium.NotFound)
		v, err := w.db.UseCase(as(ctx, w.viewer), "churn")
		if err != nil {
			t.Fatalf("UseCase as a viewer: %v", err)
		}
		defer v.Close()
		if got := v.UseCase().Role; got != usecase.Viewer {
			t.Errorf("Role=%q, want %q", got, usecase.Viewer)
		}
		// A canvas of another use case is not reached through this one.
		mustUseCase(t, as(ctx, w.owner), w.db, usecase.UseCase{Slug: "other", Name: "Other", TeamSlug: "alpha"})
		elsewhere := mustCanvas(t, ec, w.db, "other", template(t, humanCentric))
		_, err = v.Canvas(elsewhere.ID)
		wantKind(t, err, atrium.NotFound)
		_, err = v.Objectives(elsewhere.ID)
		wantKind(t, err, atrium.NotFound)
		_, err = v.Iterations(elsewhere.ID)
		wantKind(t, err, atrium.NotFound)
		_, err = v.Comments(elsewhere.ID, "problem-definition", atrium.PageRequest{Size: 10})
		wantKind(t, err, atrium.NotFound)
		if _, err := v.Canvas(c.ID); err != nil {
			t.Errorf("Canvas of the use case: %v", err)
		}
	})

	t.Run("OneSnapshot", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		v, err := w.db.UseCase(ec, "churn")
		if err != nil {
			t.Fatalf("UseCase: %v", err)
		}
		defer v.Close()
		// Committed after the view was opened: the view does not see it,
		// a new view does.
		if _, err := w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.User, Name: "Call centre"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Transition(ec, "churn", usecase.Data, "", nil); err != nil {
			t.Fatal(err)
		}
		if people, err := v.Stakeholders(); err != nil || len(people) != 0 {
			t.Errorf("Stakeholders=%d, %v; want none, as when the view was opened", len(people), err)
		}
		if h, err := v.Transitions(); err != nil || len(h) != 0 || v.UseCase().Stage != usecase.Scoping {
			t.Errorf("Transitions=%d, stage %q, %v; want none at %q", len(h), v.UseCase().Stage, err, usecase.Scoping)
		}
		if err := v.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		again, err := w.db.UseCase(ec, "churn")
		if err != nil {
			t.Fatalf("UseCase: %v", err)
		}
		defer again.Close()
		if people, err := again.Stakeholders(); err != nil || len(people) != 1 {
			t.Errorf("Stakeholders in a new view=%d, %v; want 1", len(people), err)
		}
	})

	t.Run("HandedOn", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := as(t.Context(), w.editor)
		v, err := w.db.UseCase(ctx, "churn")
		if err != nil {
			t.Fatalf("UseCase: %v", err)
		}
		vctx := store.WithView(ctx, v)
		inner, err := w.db.UseCase(vctx, "churn")
		if err != nil || inner != v {
			t.Fatalf("UseCase with the view in the context=%p, %v; want the same view %p", inner, err, v)
		}
		if err := inner.Close(); err != nil {
			t.Fatalf("inner Close: %v", err)
		}
		if _, err := v.Stakeholders(); err != nil {
			t.Fatalf("read after the inner Close: %v; want the view still open", err)
		}
		// Another use case, or another person, gets a view of their own.
		mustUseCase(t, as(t.Context(), w.owner), w.db, usecase.UseCase{Slug: "other", Name: "Other", TeamSlug: "alpha"})
		for name, c := range map[string]struct {
			ctx  context.Context
			slug string
		}{
			"other use case": {vctx, "other"},
			"other person":   {as(vctx, w.viewer), "churn"},
		} {
			other, err := w.db.UseCase(c.ctx, c.slug)
			if err != nil {
				t.Fatalf("%s: UseCase: %v", name, err)
			}
			if other == v {
				t.Errorf("%s: got the context's view, want one of its own", name)
			}
			other.Close()
		}
		if err := v.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := v.Close(); err != nil {
			t.Errorf("second Close: %v, want nothing to do", err)
		}
		// A closed view in the context is not handed out again.
		fresh, err := w.db.UseCase(vctx, "churn")
		if err != nil || fresh == v {
			t.Fatalf("UseCase with a closed view in the context=%p (%v), want a new view", fresh, err)
		}
		fresh.Close()
	})
}
