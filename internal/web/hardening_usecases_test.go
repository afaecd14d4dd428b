package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// TestAuthzMoveUseCaseToForeignTeam checks that an owner cannot move a use
// case into a team they do not belong to, as they could not create one
// there: 403, the use case unchanged, nothing audited. A member of both
// teams and an administrator may.
func TestAuthzMoveUseCaseToForeignTeam(t *testing.T) {
	f := newFixture(t)
	read := func() usecase.UseCase {
		t.Helper()
		u, err := f.db.GetUseCase(atrium.WithActor(context.Background(), atrium.System), "alpha")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	before, audited := read(), f.auditSize()
	for _, body := range []map[string]any{
		{"team": "team-b"},
		{"team": "team-b", "summary": "moved along"},
		{"team": "team-b", "name": ""}, // refused as a move first, not as a bad name
	} {
		rec := f.doJSON("owner", "PATCH", "/api/v1/usecases/alpha", body)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("owner moves alpha to team-b with %v = %d, want 403 (body %s)", body, rec.Code, rec.Body)
		}
		if p := problem(t, rec); p.Detail != "you can only move a use case to a team you belong to" {
			t.Errorf("detail = %q, want the rule create uses, for moves", p.Detail)
		}
	}
	if got := read(); got != before {
		t.Fatalf("after refused moves: %+v, want unchanged %+v", got, before)
	}
	if f.auditSize() != audited {
		t.Fatal("a refused move changed the audit log")
	}
	// Create refuses the same place, with the same status.
	if rec := f.doJSON("owner", "POST", "/api/v1/usecases", map[string]string{"name": "Elsewhere", "team": "team-b"}); rec.Code != http.StatusForbidden {
		t.Fatalf("owner creates in team-b = %d, want 403", rec.Code)
	}

	// Someone in both teams may move it; so may an administrator.
	ctx := atrium.WithActor(context.Background(), atrium.System)
	if err := f.db.AddTeamMember(ctx, "team-b", f.users["owner"].ID); err != nil {
		t.Fatal(err)
	}
	if rec := f.doJSON("owner", "PATCH", "/api/v1/usecases/alpha", map[string]any{"team": "team-b"}); rec.Code != http.StatusOK {
		t.Fatalf("owner in both teams moves alpha = %d, want 200 (body %s)", rec.Code, rec.Body)
	}
	if rec := f.doJSON("admin", "PATCH", "/api/v1/usecases/alpha", map[string]any{"team": "team-a"}); rec.Code != http.StatusOK {
		t.Fatalf("admin moves alpha back = %d, want 200 (body %s)", rec.Code, rec.Body)
	}
	if got := read(); got.TeamSlug != "team-a" {
		t.Fatalf("team = %q, want team-a", got.TeamSlug)
	}
}

// TestAuthzEditFormMovesNothing checks the page side of moving a use case:
// the edit form has no team field, and one added to the post is ignored.
func TestAuthzEditFormMovesNothing(t *testing.T) {
	s := newSite(t)
	ctx := atrium.WithActor(context.Background(), atrium.System)
	if _, err := s.db.CreateTeam(ctx, identity.Team{Slug: "elsewhere", Name: "Elsewhere"}); err != nil {
		t.Fatal(err)
	}
	rec := s.post(s.ada, "/usecases/churn/edit", url.Values{"name": {"Churn forecast"}, "summary": {"s"}, "version": {"1"}, "team": {"elsewhere"}})
	expectRedirect(t, rec, "/usecases/churn?notice=saved")
	u, err := s.db.GetUseCase(s.as(s.grace), "churn")
	if err != nil || u.TeamSlug != "forecasting" {
		t.Fatalf("team after the edit form = %q (%v), want forecasting", u.TeamSlug, err)
	}
}

// TestAuthzViewerFormErrorsAre403 posts, as a viewer, forms that are also
// wrong in themselves: each is refused for the role (403), not for the input
// (422 or 404), and nothing is stored.
func TestAuthzViewerFormErrorsAre403(t *testing.T) {
	s := newSite(t)
	ctx := atrium.WithActor(context.Background(), atrium.System)
	if _, err := s.db.PutGrant(ctx, "churn", usecase.Grant{UserID: s.bob.ID, Role: usecase.Viewer}); err != nil {
		t.Fatal(err)
	}
	cs := &canvasSite{site: s}
	cv := cs.newCanvas(humanCentric, "Plan")
	s.session(s.bob) // signing in is audited; the forms must not be
	before, err := s.db.AuditHeadSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		form       url.Values
	}{
		{"edit without a version", "/usecases/churn/edit", url.Values{"name": {"x"}, "summary": {"y"}}},
		{"edit with a bad version", "/usecases/churn/edit", url.Values{"name": {"x"}, "version": {"seven"}}},
		{"edit with an empty name", "/usecases/churn/edit", url.Values{"name": {""}, "version": {"1"}}},
		{"grant to nobody", "/usecases/churn/grants", url.Values{"who": {""}, "role": {"viewer"}}},
		{"grant a bad role", "/usecases/churn/grants", url.Values{"who": {"ada@example.org"}, "role": {"boss"}}},
		{"revoke a bad grant id", "/usecases/churn/grants/abc/delete", url.Values{}},
		{"stakeholder without a name", "/usecases/churn/stakeholders", url.Values{"kind": {"user"}, "name": {""}}},
		{"stakeholder of a bad kind", "/usecases/churn/stakeholders", url.Values{"kind": {"alien"}, "name": {"x"}}},
		{"stakeholder edit with a bad version", "/usecases/churn/stakeholders/1", url.Values{"kind": {"user"}, "name": {"x"}, "version": {"-1"}}},
		{"stakeholder edit of a bad id", "/usecases/churn/stakeholders/abc", url.Values{"kind": {"user"}, "name": {"x"}, "version": {"1"}}},
		{"stakeholder delete of a bad id", "/usecases/churn/stakeholders/abc/delete", url.Values{}},
		{"canvas of no template", "/usecases/churn/canvases", url.Values{"template": {"nope"}}},
		{"import of nothing", "/usecases/churn/canvases/import", url.Values{"markdown": {""}}},
		{"header with a bad date", cv + "/header", url.Values{"date": {"yesterday"}, "version": {"x"}}},
		{"publish with a control character", cv + "/publish", url.Values{"message": {"bell\a"}}},
		{"section of no such id", cv + "/sections/no-such-section", url.Values{"content": {"x"}}},
		{"section with a bad version", cv + "/sections/value-impact", url.Values{"content": {"x"}, "base_version": {"x"}}},
		{"status of no kind", cv + "/sections/value-impact/status", url.Values{"status": {"done"}}},
		{"empty comment", cv + "/sections/value-impact/comments", url.Values{"body": {""}}},
		{"objective without a metric", cv + "/objectives", url.Values{"section": {"objectives"}}},
		{"objective delete of a bad id", cv + "/objectives/abc/delete", url.Values{}},
		{"decision without a title", "/usecases/churn/decisions/new", url.Values{"title": {""}}},
		{"decision edit of no record", "/usecases/churn/decisions/999/edit", url.Values{"title": {""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, s.post(s.bob, tc.path, tc.form), http.StatusForbidden)
		})
	}
	if after, _ := s.db.AuditHeadSize(ctx); after != before {
		t.Fatalf("audit size %d after refused forms, want %d", after, before)
	}
	// Someone who cannot see the use case still finds nothing there.
	expect(t, s.post(s.grace, "/usecases/churn/edit", url.Values{"name": {"ok"}, "version": {"1"}}), http.StatusSeeOther)
	outsider := s.user(ctx, "out@example.org", "Out Sider", false)
	expect(t, s.post(outsider, "/usecases/churn/edit", url.Values{"name": {""}}), http.StatusNotFound)
}

// TestAuthzCreateFormForForeignTeamIs403 checks the new-use-case form: a
// person who may not create a use case for the team is told so even when the
// form is also wrong.
func TestAuthzCreateFormForForeignTeamIs403(t *testing.T) {
	s := newSite(t)
	ctx := atrium.WithActor(context.Background(), atrium.System)
	if _, err := s.db.CreateTeam(ctx, identity.Team{Slug: "elsewhere", Name: "Elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.AddTeamMember(ctx, "elsewhere", s.bob.ID); err != nil {
		t.Fatal(err)
	}
	for _, form := range []url.Values{
		{"name": {""}, "team": {"forecasting"}},
		{"name": {"x"}, "slug": {"new"}, "team": {"forecasting"}},
		{"name": {"x"}, "stage": {"someday"}, "team": {"forecasting"}},
	} {
		expect(t, s.post(s.bob, "/usecases/new", form), http.StatusForbidden, "team you belong to")
	}
}
