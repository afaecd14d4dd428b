package storetest

import (
	"fmt"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// These tests are where the dialects differ most: SQLite has one writer, so
// transactions never overlap; PostgreSQL runs them side by side and relies on
// row locks.
func testConcurrency(t *testing.T, open Opener) {
	t.Run("ParallelCreates", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		admin := mustUser(t, ctx, db, "admin@example.org", "Admin", true)
		mustTeam(t, ctx, db, "alpha")
		actx := as(ctx, admin)
		const workers, each = 8, 25
		errs := collectErrors(workers, func(w int) error {
			for i := range each {
				slug := fmt.Sprintf("w%d-uc%02d", w, i)
				if _, err := db.CreateUseCase(actx, usecase.UseCase{Slug: slug, Name: slug, TeamSlug: "alpha"}); err != nil {
					return fmt.Errorf("%s: %w", slug, err)
				}
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Errorf("create: %v", err)
			}
		}
		if n := countUseCases(t, actx, db); n != workers*each {
			t.Errorf("use cases=%d, want %d", n, workers*each)
		}
		rep := checkChain(t, ctx, db)
		if want := int64(2 + workers*each); rep.Entries != want {
			t.Errorf("audit entries=%d, want %d", rep.Entries, want)
		}
		creates, err := db.AuditEntries(ctx, audit.Filter{ObjectType: "usecase", Page: atrium.PageRequest{Size: 1}})
		if err != nil || creates.Total != workers*each {
			t.Errorf("usecase audit entries=%d, %v, want %d", creates.Total, err, workers*each)
		}
	})

	// Optimistic locking must hold when the edits really overlap: of
	// several edits of the same version exactly one may win. Several rounds,
	// because the first also opens the connections the later ones reuse.
	t.Run("SameVersionEdits", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		const n = 8
		for round := range 5 {
			version := int64(1 + round)
			errs := collectErrors(n, func(i int) error {
				_, err := w.db.UpdateUseCase(as(ctx, w.owner), "churn", usecase.Patch{Name: ptr(fmt.Sprintf("edit %d.%d", round, i)), Version: version})
				return err
			})
			won := -1
			for i, err := range errs {
				switch {
				case err == nil && won < 0:
					won = i
				case err == nil:
					t.Errorf("round %d: edits %d and %d of version %d both succeeded; one overwrote the other", round, won, i, version)
				case atrium.KindOf(err) != atrium.Conflict:
					t.Errorf("round %d: edit %d: %v, want success or Conflict", round, i, err)
				}
			}
			if won < 0 {
				t.Fatalf("round %d: no edit succeeded: %s", round, errorSummary(errs))
			}
			u := w.mustGet(t, ctx, "churn")
			if want := fmt.Sprintf("edit %d.%d", round, won); u.Name != want || u.Version != version+1 {
				t.Fatalf("round %d: Name=%q Version=%d, want %q %d", round, u.Name, u.Version, want, version+1)
			}
		}
	})

	// Stage moves that overlap must leave a history in which each move
	// starts where the previous one ended.
	t.Run("OverlappingTransitions", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ok := 0
		for range 3 {
			errs := collectErrors(len(usecase.Stages), func(i int) error {
				_, err := w.db.Transition(as(ctx, w.editor), "churn", usecase.Stages[i], "", nil)
				return err
			})
			for i, err := range errs {
				if err == nil {
					ok++
				} else if k := atrium.KindOf(err); k != atrium.Conflict {
					t.Errorf("move to %s: %v, want success or Conflict", usecase.Stages[i], err)
				}
			}
		}
		hist, err := w.db.Transitions(ctx, "churn")
		if err != nil {
			t.Fatalf("Transitions: %v", err)
		}
		if len(hist) != ok {
			t.Errorf("%d transitions recorded, want one per successful move (%d)", len(hist), ok)
		}
		stage := usecase.Scoping
		for _, h := range hist {
			if h.From != stage {
				t.Errorf("history %s→%s starts at %s, but the use case was in %s", h.From, h.To, h.From, stage)
			}
			stage = h.To
		}
		u := w.mustGet(t, ctx, "churn")
		if u.Stage != stage || u.Version != int64(1+ok) {
			t.Errorf("Stage=%q Version=%d, want %q (the last move) and %d", u.Stage, u.Version, stage, 1+ok)
		}
	})

	// Two administrators demoting each other at once must not leave the
	// installation without one.
	t.Run("LastAdmin", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		a := mustUser(t, ctx, db, "a@example.org", "A", true)
		b := mustUser(t, ctx, db, "b@example.org", "B", true)
		ids := []string{a.ID, b.ID}
		for round := range 20 {
			for _, id := range ids {
				if _, err := db.UpdateUser(ctx, id, store.UserPatch{Admin: ptr(true)}); err != nil {
					t.Fatalf("round %d: promote: %v", round, err)
				}
			}
			errs := collectErrors(2, func(i int) error {
				_, err := db.UpdateUser(ctx, ids[i], store.UserPatch{Admin: ptr(false)})
				return err
			})
			admins := 0
			for _, id := range ids {
				if u, _ := db.GetUser(ctx, id); u.Admin {
					admins++
				}
			}
			if admins != 1 {
				t.Fatalf("round %d: %d administrators left after both demoted each other (%s), want 1", round, admins, errorSummary(errs))
			}
		}
	})
}
