package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// mustGet reads a use case as the system, failing the test on error.
func (w *world) mustGet(t *testing.T, ctx context.Context, slug string) usecase.UseCase {
	t.Helper()
	u, err := w.db.GetUseCase(ctx, slug)
	if err != nil {
		t.Fatalf("GetUseCase(%q): %v", slug, err)
	}
	return u
}

func testUseCaseChanges(t *testing.T, open Opener) {
	t.Run("Update", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		oc := as(ctx, w.owner)

		u, err := w.db.UpdateUseCase(oc, "churn", usecase.Patch{Name: ptr(" Churn v2 "), Summary: ptr("new"), Version: 1})
		if err != nil {
			t.Fatalf("UpdateUseCase: %v", err)
		}
		if u.Name != "Churn v2" || u.Summary != "new" || u.Version != 2 || u.Role != usecase.Owner || u.UpdatedAt.Before(u.CreatedAt) {
			t.Fatalf("UpdateUseCase=%+v, want name Churn v2, summary new, version 2, owner role", u)
		}
		if got := w.mustGet(t, ctx, "churn"); got.Name != "Churn v2" || got.Version != 2 {
			t.Fatalf("GetUseCase after update: name %q version %d, want Churn v2 2", got.Name, got.Version)
		}

		before, audited := w.mustGet(t, ctx, "churn"), auditSize(t, ctx, w.db)
		tests := []struct {
			name  string
			ctx   context.Context
			patch usecase.Patch
			want  atrium.Kind
		}{
			{"stale version", oc, usecase.Patch{Name: ptr("lost"), Version: 1}, atrium.Conflict},
			{"future version", oc, usecase.Patch{Name: ptr("lost"), Version: 3}, atrium.Conflict},
			{"editor moves team", as(ctx, w.editor), usecase.Patch{Team: ptr("beta")}, atrium.Forbidden},
			{"editor changes owner", as(ctx, w.editor), usecase.Patch{OwnerID: ptr(w.editor.ID)}, atrium.Forbidden},
			{"reviewer edits", as(ctx, w.reviewer), usecase.Patch{Name: ptr("lost")}, atrium.Forbidden},
			{"viewer edits", as(ctx, w.viewer), usecase.Patch{Summary: ptr("lost")}, atrium.Forbidden},
			{"stranger edits", as(ctx, w.stranger), usecase.Patch{Name: ptr("lost")}, atrium.NotFound},
			{"empty name", oc, usecase.Patch{Name: ptr("")}, atrium.Invalid},
			{"control character", oc, usecase.Patch{Summary: ptr("\x00")}, atrium.Invalid},
			{"unknown team", oc, usecase.Patch{Team: ptr("gamma")}, atrium.Invalid},
			{"unknown owner", oc, usecase.Patch{OwnerID: ptr("no-such-user")}, atrium.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.db.UpdateUseCase(tt.ctx, "churn", tt.patch)
				wantKind(t, err, tt.want)
				if got := w.mustGet(t, ctx, "churn"); got != before {
					t.Fatalf("after a refused update=%+v, want unchanged %+v", got, before)
				}
			})
		}
		wantAuditSize(t, ctx, w.db, audited)
		_, err = w.db.UpdateUseCase(oc, "no-such-use-case", usecase.Patch{Name: ptr("x")})
		wantKind(t, err, atrium.NotFound)

		// An editor may change the text.
		u, err = w.db.UpdateUseCase(as(ctx, w.editor), "churn", usecase.Patch{Summary: ptr("by the editor"), Version: 2})
		if err != nil {
			t.Fatalf("editor edits text: %v", err)
		}
		if u.Summary != "by the editor" || u.Version != 3 || u.Role != usecase.Editor {
			t.Errorf("editor's update=%+v, want the summary, version 3, editor role", u)
		}
	})

	t.Run("MoveAndHandOver", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		// Only a member of beta (or an administrator) may move a use case
		// there, as only they may create one there.
		u, err := w.db.UpdateUseCase(as(ctx, w.admin), "churn", usecase.Patch{Team: ptr("beta")})
		if err != nil {
			t.Fatalf("administrator moves team: %v", err)
		}
		if u.TeamSlug != "beta" || u.TeamID != w.beta.ID || u.TeamName != w.beta.Name {
			t.Fatalf("after moving: team %q %q %q, want beta", u.TeamSlug, u.TeamID, u.TeamName)
		}
		// Roles follow the team: alpha's editor loses access, beta's
		// reviewer becomes an editor by membership.
		_, err = w.db.GetUseCase(as(ctx, w.editor), "churn")
		wantKind(t, err, atrium.NotFound)
		if got, _ := w.db.GetUseCase(as(ctx, w.reviewer), "churn"); got.Role != usecase.Editor {
			t.Errorf("beta member's role after the move=%q, want editor", got.Role)
		}

		// Handing the use case to someone else leaves the old owner, who is
		// in neither team nor holds a grant, without access — but the
		// call still tells them how it went.
		u, err = w.db.UpdateUseCase(as(ctx, w.owner), "churn", usecase.Patch{OwnerID: ptr(w.stranger.ID)})
		if err != nil {
			t.Fatalf("hand over: %v", err)
		}
		if u.Slug != "churn" || u.OwnerID != w.stranger.ID || u.OwnerName != "Stranger" || u.Version != 3 {
			t.Errorf("handing over returned Slug=%q OwnerID=%q OwnerName=%q Version=%d, want churn, the stranger, version 3", u.Slug, u.OwnerID, u.OwnerName, u.Version)
		}
		_, err = w.db.GetUseCase(as(ctx, w.owner), "churn")
		wantKind(t, err, atrium.NotFound)
		if got, _ := w.db.GetUseCase(as(ctx, w.stranger), "churn"); got.Role != usecase.Owner {
			t.Errorf("new owner's role=%q, want owner", got.Role)
		}

		if _, err := w.db.UpdateUser(ctx, w.viewer.ID, store.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatalf("disable: %v", err)
		}
		_, err = w.db.UpdateUseCase(as(ctx, w.stranger), "churn", usecase.Patch{OwnerID: ptr(w.viewer.ID)})
		wantKind(t, err, atrium.Invalid) // a disabled user cannot own
	})

	t.Run("Archive", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		oc := as(ctx, w.owner)
		_, err := w.db.SetArchived(as(ctx, w.editor), "churn", true)
		wantKind(t, err, atrium.Forbidden)
		u, err := w.db.SetArchived(oc, "churn", true)
		if err != nil {
			t.Fatalf("SetArchived: %v", err)
		}
		if !u.Archived || u.Version != 2 {
			t.Fatalf("after archiving Archived=%v Version=%d, want true 2", u.Archived, u.Version)
		}
		audited := auditSize(t, ctx, w.db)
		_, err = w.db.SetArchived(oc, "churn", true)
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.UpdateUseCase(oc, "churn", usecase.Patch{Name: ptr("x")})
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.Transition(oc, "churn", usecase.Data, "", nil)
		wantKind(t, err, atrium.Conflict)
		wantAuditSize(t, ctx, w.db, audited)
		if got := w.mustGet(t, ctx, "churn"); got.Version != 2 || !got.Archived {
			t.Errorf("after refused changes Version=%d Archived=%v, want 2 true", got.Version, got.Archived)
		}
		if slugs, _ := listSlugs(t, oc, w.db, usecase.Filter{}); len(slugs) != 0 {
			t.Errorf("ListUseCases=%q, want archived use cases hidden", slugs)
		}
		// Archived use cases stay readable.
		if _, err := w.db.GetUseCase(as(ctx, w.viewer), "churn"); err != nil {
			t.Errorf("GetUseCase of an archived use case: %v", err)
		}

		u, err = w.db.SetArchived(oc, "churn", false)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		if u.Archived || u.Version != 3 {
			t.Errorf("after restoring Archived=%v Version=%d, want false 3", u.Archived, u.Version)
		}
		_, err = w.db.SetArchived(oc, "churn", false)
		wantKind(t, err, atrium.Conflict)
	})

	t.Run("Transition", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		u, err := w.db.Transition(ec, "churn", usecase.Data, " scoping signed off ", nil)
		if err != nil {
			t.Fatalf("Transition: %v", err)
		}
		if u.Stage != usecase.Data || u.Version != 2 {
			t.Fatalf("after Transition Stage=%q Version=%d, want data 2", u.Stage, u.Version)
		}
		hist, err := w.db.Transitions(as(ctx, w.viewer), "churn")
		if err != nil {
			t.Fatalf("Transitions: %v", err)
		}
		if len(hist) != 1 {
			t.Fatalf("Transitions=%+v, want one", hist)
		}
		h := hist[0]
		if h.From != usecase.Scoping || h.To != usecase.Data || h.Note != "scoping signed off" || h.ActorID != w.editor.ID || h.ActorName != "Editor" || h.At.IsZero() {
			t.Errorf("transition=%+v, want scoping→data by Editor with the trimmed note", h)
		}

		before, audited := w.mustGet(t, ctx, "churn"), auditSize(t, ctx, w.db)
		var gateCalls []string
		errGate := atrium.Errorf(atrium.Conflict, "the data review is not signed")
		gate := func(u usecase.UseCase, to usecase.Stage) error {
			gateCalls = append(gateCalls, string(u.Stage)+"→"+string(to))
			return errGate
		}
		tests := []struct {
			name string
			ctx  context.Context
			to   usecase.Stage
			note string
			gate usecase.Gate
			want atrium.Kind
		}{
			{"same stage", ec, usecase.Data, "", nil, atrium.Conflict},
			{"unknown stage", ec, "shipping", "", nil, atrium.Invalid},
			{"over-long note", ec, usecase.Modelling, strings.Repeat("n", usecase.MaxNote+1), nil, atrium.Invalid},
			{"reviewer", as(ctx, w.reviewer), usecase.Modelling, "", nil, atrium.Forbidden},
			{"viewer", as(ctx, w.viewer), usecase.Modelling, "", nil, atrium.Forbidden},
			{"stranger", as(ctx, w.stranger), usecase.Modelling, "", nil, atrium.NotFound},
			{"gate refuses", ec, usecase.Modelling, "", gate, atrium.Conflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.db.Transition(tt.ctx, "churn", tt.to, tt.note, tt.gate)
				wantKind(t, err, tt.want)
				if got := w.mustGet(t, ctx, "churn"); got != before {
					t.Fatalf("after a refused transition=%+v, want unchanged %+v", got, before)
				}
				if hist, _ := w.db.Transitions(ctx, "churn"); len(hist) != 1 {
					t.Fatalf("Transitions=%d after a refused transition, want 1", len(hist))
				}
			})
		}
		_, err = w.db.Transition(ec, "churn", usecase.Modelling, "", gate)
		if !errors.Is(err, errGate) {
			t.Errorf("Transition error=%v, want the gate's own error", err)
		}
		if strings.Join(gateCalls, ",") != "data→modelling,data→modelling" {
			t.Errorf("gate calls=%q, want data→modelling twice", gateCalls)
		}
		wantAuditSize(t, ctx, w.db, audited)

		allow := func(usecase.UseCase, usecase.Stage) error { return nil }
		if _, err := w.db.Transition(ec, "churn", usecase.Modelling, "", allow); err != nil {
			t.Fatalf("Transition through an open gate: %v", err)
		}
		hist, _ = w.db.Transitions(ctx, "churn")
		var path []string
		for _, h := range hist {
			path = append(path, string(h.From)+"→"+string(h.To))
		}
		if strings.Join(path, ",") != "scoping→data,data→modelling" {
			t.Errorf("history=%q, want scoping→data,data→modelling, oldest first", path)
		}
		if got := w.mustGet(t, ctx, "churn"); got.Version != 3 || got.Stage != usecase.Modelling {
			t.Errorf("Version=%d Stage=%q, want 3 modelling", got.Version, got.Stage)
		}
	})
}
