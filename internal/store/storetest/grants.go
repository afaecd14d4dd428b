package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// grantsOf summarises the grants on a use case as principal=role strings.
func grantsOf(t *testing.T, ctx context.Context, db *store.DB, slug string) []string {
	t.Helper()
	gs, err := db.Grants(ctx, slug)
	if err != nil {
		t.Fatalf("Grants(%q): %v", slug, err)
	}
	var out []string
	for _, g := range gs {
		who := "user:" + g.UserName
		if g.TeamSlug != "" {
			who = "team:" + g.TeamSlug
		}
		out = append(out, fmt.Sprintf("%s=%s", who, g.Role))
	}
	return out
}

func testGrants(t *testing.T, open Opener) {
	t.Run("List", func(t *testing.T) {
		w := newWorld(t, open)
		gs, err := w.db.Grants(as(t.Context(), w.viewer), "churn")
		if err != nil {
			t.Fatalf("Grants: %v", err)
		}
		if len(gs) != 3 {
			t.Fatalf("Grants=%+v, want 3", gs)
		}
		v, m, team := gs[0], gs[1], gs[2]
		if v.ID <= 0 || v.UserID != w.viewer.ID || v.UserEmail != w.viewer.Email || v.UserName != "Viewer" || v.TeamID != "" || v.Role != usecase.Viewer || v.UseCaseID != w.churn.ID {
			t.Errorf("user grant=%+v, want viewer's, with e-mail and name", v)
		}
		if m.UserID != w.member.ID || m.ID <= v.ID {
			t.Errorf("second grant=%+v, want member's, in creation order", m)
		}
		if team.TeamID != w.beta.ID || team.TeamSlug != "beta" || team.TeamName != w.beta.Name || team.UserID != "" || team.Role != usecase.Reviewer {
			t.Errorf("team grant=%+v, want beta as reviewer", team)
		}
		_, err = w.db.Grants(t.Context(), "no-such-use-case")
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("PutAndDelete", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		oc := as(ctx, w.owner)
		first, _ := w.db.Grants(ctx, "churn")
		g := mustGrant(t, oc, w.db, "churn", usecase.Grant{UserID: w.viewer.ID, Role: usecase.Editor})
		if g.ID != first[0].ID || g.Role != usecase.Editor {
			t.Errorf("putting again=%+v, want the same grant (ID %d) with the new role", g, first[0].ID)
		}
		want := []string{"user:Viewer=editor", "user:Member=viewer", "team:beta=reviewer"}
		if got := grantsOf(t, ctx, w.db, "churn"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("grants=%q, want %q", got, want)
		}
		if _, err := w.db.UpdateUseCase(as(ctx, w.viewer), "churn", usecase.Patch{Summary: ptr("now an editor")}); err != nil {
			t.Errorf("edit with an editor grant: %v", err)
		}
		mustGrant(t, oc, w.db, "churn", usecase.Grant{TeamSlug: "beta", Role: usecase.Viewer})
		if u, _ := w.db.GetUseCase(as(ctx, w.reviewer), "churn"); u.Role != usecase.Viewer {
			t.Errorf("beta member's role after lowering the team grant=%q, want viewer", u.Role)
		}

		s := mustGrant(t, oc, w.db, "churn", usecase.Grant{UserID: w.stranger.ID, Role: usecase.Owner})
		sc := as(ctx, w.stranger)
		if u, err := w.db.GetUseCase(sc, "churn"); err != nil || u.Role != usecase.Owner {
			t.Fatalf("granted owner: role %q, %v; want owner", u.Role, err)
		}
		// An owner by grant may manage access too.
		mustGrant(t, sc, w.db, "churn", usecase.Grant{UserID: w.admin.ID, Role: usecase.Viewer})
		if err := w.db.DeleteGrant(oc, "churn", s.ID); err != nil {
			t.Fatalf("DeleteGrant: %v", err)
		}
		_, err := w.db.GetUseCase(sc, "churn")
		wantKind(t, err, atrium.NotFound)
		wantKind(t, w.db.DeleteGrant(oc, "churn", s.ID), atrium.NotFound)

		// A grant id belongs to its use case.
		mustUseCase(t, oc, w.db, usecase.UseCase{Slug: "other", Name: "Other", TeamSlug: "alpha"})
		o := mustGrant(t, oc, w.db, "other", usecase.Grant{UserID: w.stranger.ID, Role: usecase.Viewer})
		wantKind(t, w.db.DeleteGrant(oc, "churn", o.ID), atrium.NotFound)
		if got := grantsOf(t, ctx, w.db, "other"); len(got) != 1 {
			t.Errorf("grants on other=%q, want the stranger's still there", got)
		}
	})

	t.Run("ByEmail", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		g, err := w.db.PutGrant(as(ctx, w.owner), "churn", usecase.Grant{UserEmail: strings.ToUpper(w.stranger.Email), Role: usecase.Reviewer})
		if err != nil {
			t.Fatalf("PutGrant by e-mail: %v", err)
		}
		if g.UserID != w.stranger.ID || g.UserEmail != w.stranger.Email {
			t.Fatalf("grant by e-mail = %+v, want the stranger's id and address", g)
		}
		if u, err := w.db.GetUseCase(as(ctx, w.stranger), "churn"); err != nil || u.Role != usecase.Reviewer {
			t.Fatalf("stranger after the grant: role %q, %v; want reviewer", u.Role, err)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		oc := as(ctx, w.owner)
		before, audited := grantsOf(t, ctx, w.db, "churn"), auditSize(t, ctx, w.db)
		grants, _ := w.db.Grants(ctx, "churn")
		tests := []struct {
			name string
			ctx  context.Context
			g    usecase.Grant
			want atrium.Kind
		}{
			{"editor", as(ctx, w.editor), usecase.Grant{UserID: w.stranger.ID, Role: usecase.Viewer}, atrium.Forbidden},
			{"reviewer", as(ctx, w.reviewer), usecase.Grant{UserID: w.stranger.ID, Role: usecase.Viewer}, atrium.Forbidden},
			{"viewer raising itself", as(ctx, w.viewer), usecase.Grant{UserID: w.viewer.ID, Role: usecase.Owner}, atrium.Forbidden},
			{"stranger", as(ctx, w.stranger), usecase.Grant{UserID: w.stranger.ID, Role: usecase.Owner}, atrium.NotFound},
			{"unknown role", oc, usecase.Grant{UserID: w.stranger.ID, Role: "boss"}, atrium.Invalid},
			{"empty role", oc, usecase.Grant{UserID: w.stranger.ID}, atrium.Invalid},
			{"role in upper case", oc, usecase.Grant{UserID: w.stranger.ID, Role: "Viewer"}, atrium.Invalid},
			{"user and team", oc, usecase.Grant{UserID: w.stranger.ID, TeamSlug: "beta", Role: usecase.Viewer}, atrium.Invalid},
			{"neither user nor team", oc, usecase.Grant{Role: usecase.Viewer}, atrium.Invalid},
			{"unknown user", oc, usecase.Grant{UserID: "no-such-user", Role: usecase.Viewer}, atrium.Invalid},
			{"unknown team", oc, usecase.Grant{TeamSlug: "gamma", Role: usecase.Viewer}, atrium.Invalid},
			{"unknown e-mail", oc, usecase.Grant{UserEmail: "nobody@example.org", Role: usecase.Viewer}, atrium.Invalid},
			{"malformed e-mail", oc, usecase.Grant{UserEmail: "not an address", Role: usecase.Viewer}, atrium.Invalid},
			{"e-mail and id", oc, usecase.Grant{UserEmail: w.stranger.Email, UserID: w.stranger.ID, Role: usecase.Viewer}, atrium.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.db.PutGrant(tt.ctx, "churn", tt.g)
				wantKind(t, err, tt.want)
			})
		}
		for _, tt := range []struct {
			name string
			ctx  context.Context
			want atrium.Kind
		}{
			{"editor deletes", as(ctx, w.editor), atrium.Forbidden},
			{"viewer deletes", as(ctx, w.viewer), atrium.Forbidden},
			{"stranger deletes", as(ctx, w.stranger), atrium.NotFound},
		} {
			wantKind(t, w.db.DeleteGrant(tt.ctx, "churn", grants[0].ID), tt.want)
		}
		if got := grantsOf(t, ctx, w.db, "churn"); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("grants after refused changes=%q, want %q", got, before)
		}
		wantAuditSize(t, ctx, w.db, audited)
	})
}
