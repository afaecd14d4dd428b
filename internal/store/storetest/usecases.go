package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// world is a small organisation around one use case, "churn", in team alpha:
//
//	admin     administrator, in no team
//	owner     in alpha, owns churn
//	editor    in alpha
//	member    in alpha, and also holds a viewer grant on churn
//	viewer    in no team, holds a viewer grant on churn
//	reviewer  in beta, which holds a reviewer grant on churn
//	stranger  in no team, no grant
type world struct {
	db                                                       *store.DB
	admin, owner, editor, member, viewer, reviewer, stranger identity.User
	alpha, beta                                              identity.Team
	churn                                                    usecase.UseCase
}

func newWorld(t *testing.T, open Opener) *world {
	t.Helper()
	ctx := t.Context()
	db := open(t)
	w := &world{db: db}
	w.admin = mustUser(t, ctx, db, "admin@example.org", "Admin", true)
	w.owner = mustUser(t, ctx, db, "owner@example.org", "Owner", false)
	w.editor = mustUser(t, ctx, db, "editor@example.org", "Editor", false)
	w.member = mustUser(t, ctx, db, "member@example.org", "Member", false)
	w.viewer = mustUser(t, ctx, db, "viewer@example.org", "Viewer", false)
	w.reviewer = mustUser(t, ctx, db, "reviewer@example.org", "Reviewer", false)
	w.stranger = mustUser(t, ctx, db, "stranger@example.org", "Stranger", false)
	w.alpha = mustTeam(t, ctx, db, "alpha", w.owner, w.editor, w.member)
	w.beta = mustTeam(t, ctx, db, "beta", w.reviewer)
	w.churn = mustUseCase(t, as(ctx, w.owner), db, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"})
	oc := as(ctx, w.owner)
	mustGrant(t, oc, db, "churn", usecase.Grant{UserID: w.viewer.ID, Role: usecase.Viewer})
	mustGrant(t, oc, db, "churn", usecase.Grant{UserID: w.member.ID, Role: usecase.Viewer})
	mustGrant(t, oc, db, "churn", usecase.Grant{TeamSlug: "beta", Role: usecase.Reviewer})
	return w
}

// countUseCases counts every use case, archived included.
func countUseCases(t *testing.T, ctx context.Context, db *store.DB) int {
	t.Helper()
	p, err := db.ListUseCases(ctx, usecase.Filter{IncludeArchived: true, Page: atrium.PageRequest{Size: 1}})
	if err != nil {
		t.Fatalf("ListUseCases: %v", err)
	}
	return p.Total
}

// listSlugs lists every use case matching f, sorted by slug, with the total.
func listSlugs(t *testing.T, ctx context.Context, db *store.DB, f usecase.Filter) ([]string, int) {
	t.Helper()
	f.Page = atrium.PageRequest{Size: atrium.MaxPageSize}
	p, err := db.ListUseCases(ctx, f)
	if err != nil {
		t.Fatalf("ListUseCases(%+v): %v", f, err)
	}
	var out []string
	for _, u := range p.Items {
		out = append(out, u.Slug)
	}
	slices.Sort(out)
	return out, p.Total
}

func testUseCases(t *testing.T, open Opener) {
	t.Run("Create", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		admin := mustUser(t, ctx, db, "admin@example.org", "Admin", true)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		bob := mustUser(t, ctx, db, "bob@example.org", "Bob", false)
		mustTeam(t, ctx, db, "alpha", ada)
		mustTeam(t, ctx, db, "beta", bob)

		u, err := db.CreateUseCase(as(ctx, ada), usecase.UseCase{Name: " Churn Prediction ", Summary: "Who leaves.\nAnd why.", TeamSlug: "alpha"})
		if err != nil {
			t.Fatalf("CreateUseCase: %v", err)
		}
		want := usecase.UseCase{Slug: "churn-prediction", Name: "Churn Prediction", Summary: "Who leaves.\nAnd why.",
			TeamSlug: "alpha", TeamName: "Team alpha", OwnerID: ada.ID, OwnerName: "Ada", Stage: usecase.Scoping, Version: 1, Role: usecase.Owner}
		if got := withoutIDsAndTimes(u); got != want {
			t.Fatalf("CreateUseCase=%+v, want %+v", got, want)
		}
		if u.ID == "" || u.TeamID == "" || u.CreatedAt.IsZero() || !u.UpdatedAt.Equal(u.CreatedAt) {
			t.Errorf("CreateUseCase ID=%q TeamID=%q CreatedAt=%v UpdatedAt=%v, want ids set and equal times", u.ID, u.TeamID, u.CreatedAt, u.UpdatedAt)
		}
		got, err := db.GetUseCase(as(ctx, ada), "churn-prediction")
		if err != nil {
			t.Fatalf("GetUseCase: %v", err)
		}
		if withoutIDsAndTimes(got) != want || got.ID != u.ID {
			t.Errorf("GetUseCase=%+v, want %+v", got, u)
		}

		staged := mustUseCase(t, as(ctx, ada), db, usecase.UseCase{Slug: "staged", Name: "Staged", TeamSlug: "alpha", Stage: usecase.Data})
		if staged.Stage != usecase.Data {
			t.Errorf("Stage=%q, want %q", staged.Stage, usecase.Data)
		}
		// Administrators may create for any team and then own the use case.
		byAdmin := mustUseCase(t, as(ctx, admin), db, usecase.UseCase{Slug: "by-admin", Name: "By admin", TeamSlug: "beta"})
		if byAdmin.OwnerID != admin.ID || byAdmin.Role != usecase.Owner {
			t.Errorf("admin-created OwnerID=%q Role=%q, want %q owner", byAdmin.OwnerID, byAdmin.Role, admin.ID)
		}

		n, audited := countUseCases(t, ctx, db), auditSize(t, ctx, db)
		_, err = db.CreateUseCase(as(ctx, ada), usecase.UseCase{Slug: "not-mine", Name: "Not mine", TeamSlug: "beta"})
		wantKind(t, err, atrium.Forbidden)
		_, err = db.CreateUseCase(as(ctx, ada), usecase.UseCase{Slug: "nowhere", Name: "Nowhere", TeamSlug: "no-such-team"})
		wantKind(t, err, atrium.Invalid)
		_, err = db.CreateUseCase(as(ctx, admin), usecase.UseCase{Slug: "churn-prediction", Name: "Again", TeamSlug: "beta"})
		wantKind(t, err, atrium.Conflict)
		if got := countUseCases(t, ctx, db); got != n {
			t.Errorf("use cases=%d after refused creates, want %d", got, n)
		}
		wantAuditSize(t, ctx, db, audited)
	})

	t.Run("Invalid", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		mustTeam(t, ctx, db, "alpha", ada)
		mustUseCase(t, as(ctx, ada), db, usecase.UseCase{Slug: "kept", Name: "Kept", TeamSlug: "alpha"})
		audited := auditSize(t, ctx, db)
		tests := []struct {
			name string
			uc   usecase.UseCase
		}{
			{"upper-case slug", usecase.UseCase{Slug: "Churn", Name: "Churn"}},
			{"underscore in slug", usecase.UseCase{Slug: "churn_model", Name: "Churn"}},
			{"slug ends in hyphen", usecase.UseCase{Slug: "churn-", Name: "Churn"}},
			{"over-long slug", usecase.UseCase{Slug: strings.Repeat("s", 65), Name: "Churn"}},
			{"no slug derivable", usecase.UseCase{Name: "???"}},
			{"empty name", usecase.UseCase{Slug: "churn"}},
			{"blank name", usecase.UseCase{Slug: "churn", Name: " \t "}},
			{"over-long name", usecase.UseCase{Slug: "churn", Name: strings.Repeat("n", usecase.MaxName+1)}},
			{"newline in name", usecase.UseCase{Slug: "churn", Name: "Churn\nModel"}},
			{"control character in summary", usecase.UseCase{Slug: "churn", Name: "Churn", Summary: "bell\a"}},
			{"over-long summary", usecase.UseCase{Slug: "churn", Name: "Churn", Summary: strings.Repeat("s", usecase.MaxSummary+1)}},
			{"unknown stage", usecase.UseCase{Slug: "churn", Name: "Churn", Stage: "shipping"}},
			{"stage in upper case", usecase.UseCase{Slug: "churn", Name: "Churn", Stage: "Data"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.uc.TeamSlug = "alpha"
				_, err := db.CreateUseCase(as(ctx, ada), tt.uc)
				wantKind(t, err, atrium.Invalid)
				if n := countUseCases(t, ctx, db); n != 1 {
					t.Fatalf("use cases=%d after a refused create, want 1", n)
				}
			})
		}
		wantAuditSize(t, ctx, db, audited)
	})

	t.Run("Visibility", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		_, missing := w.db.GetUseCase(as(ctx, w.stranger), "no-such-use-case")
		wantKind(t, missing, atrium.NotFound)
		tests := []struct {
			name string
			ctx  context.Context
			want usecase.Role // NoRole: the use case must look missing
		}{
			{"system", ctx, usecase.Owner},
			{"admin", as(ctx, w.admin), usecase.Owner},
			{"owner", as(ctx, w.owner), usecase.Owner},
			{"team member", as(ctx, w.editor), usecase.Editor},
			{"team member with a weaker grant", as(ctx, w.member), usecase.Editor},
			{"user grant", as(ctx, w.viewer), usecase.Viewer},
			{"team grant", as(ctx, w.reviewer), usecase.Reviewer},
			{"stranger", as(ctx, w.stranger), usecase.NoRole},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u, err := w.db.GetUseCase(tt.ctx, "churn")
				slugs, _ := listSlugs(t, tt.ctx, w.db, usecase.Filter{})
				if tt.want == usecase.NoRole {
					wantKind(t, err, atrium.NotFound)
					if err.Error() != missing.Error() || atrium.MessageOf(err) != atrium.MessageOf(missing) {
						t.Errorf("hidden use case error=%q, want the same as a missing one, %q", err, missing)
					}
					if u != (usecase.UseCase{}) {
						t.Errorf("hidden use case returned %+v, want the zero value", u)
					}
					if len(slugs) != 0 {
						t.Errorf("ListUseCases=%q, want nothing", slugs)
					}
					_, err = w.db.Grants(tt.ctx, "churn")
					wantKind(t, err, atrium.NotFound)
					_, err = w.db.Transitions(tt.ctx, "churn")
					wantKind(t, err, atrium.NotFound)
					return
				}
				if err != nil {
					t.Fatalf("GetUseCase: %v", err)
				}
				if u.Role != tt.want || u.ID != w.churn.ID {
					t.Errorf("GetUseCase Role=%q ID=%q, want %q %q", u.Role, u.ID, tt.want, w.churn.ID)
				}
				if !slices.Equal(slugs, []string{"churn"}) {
					t.Errorf("ListUseCases=%q, want [churn]", slugs)
				}
			})
		}
		// Leaving the granted team takes the access away with it.
		if err := w.db.RemoveTeamMember(ctx, "beta", w.reviewer.ID); err != nil {
			t.Fatalf("RemoveTeamMember: %v", err)
		}
		_, err := w.db.GetUseCase(as(ctx, w.reviewer), "churn")
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("ListFilters", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		admin := mustUser(t, ctx, db, "admin@example.org", "Admin", true)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		mustTeam(t, ctx, db, "alpha", ada)
		mustTeam(t, ctx, db, "beta")
		actx := as(ctx, admin)
		for _, u := range []usecase.UseCase{
			{Slug: "churn", Name: "Churn Model", TeamSlug: "alpha"},
			{Slug: "recall-100", Name: "100% Recall", TeamSlug: "alpha", Stage: usecase.Data},
			{Slug: "recall-1000", Name: "1000 Recall", TeamSlug: "alpha", Stage: usecase.Data},
			{Slug: "ranker-ab", Name: "a_b Ranker", TeamSlug: "beta", Stage: usecase.Modelling},
			{Slug: "ranker-axb", Name: "axb Ranker", TeamSlug: "beta", Stage: usecase.Modelling},
			{Slug: "back-slash", Name: `Back\slash`, TeamSlug: "beta"},
			{Slug: "old", Name: "Old Ranker", TeamSlug: "beta"},
		} {
			mustUseCase(t, actx, db, u)
		}
		if _, err := db.SetArchived(actx, "old", true); err != nil {
			t.Fatalf("SetArchived: %v", err)
		}
		tests := []struct {
			name string
			ctx  context.Context
			f    usecase.Filter
			want []string
		}{
			{"everything", actx, usecase.Filter{}, []string{"back-slash", "churn", "ranker-ab", "ranker-axb", "recall-100", "recall-1000"}},
			{"with archived", actx, usecase.Filter{IncludeArchived: true}, []string{"back-slash", "churn", "old", "ranker-ab", "ranker-axb", "recall-100", "recall-1000"}},
			{"stage", actx, usecase.Filter{Stage: usecase.Data}, []string{"recall-100", "recall-1000"}},
			{"stage with archived", actx, usecase.Filter{Stage: usecase.Scoping, IncludeArchived: true}, []string{"back-slash", "churn", "old"}},
			{"team", actx, usecase.Filter{Team: "beta"}, []string{"back-slash", "ranker-ab", "ranker-axb"}},
			{"unknown team", actx, usecase.Filter{Team: "gamma"}, nil},
			{"team and stage", actx, usecase.Filter{Team: "beta", Stage: usecase.Modelling}, []string{"ranker-ab", "ranker-axb"}},
			{"query ignores case", actx, usecase.Filter{Query: "RANKER"}, []string{"ranker-ab", "ranker-axb"}},
			{"query with archived", actx, usecase.Filter{Query: "ranker", IncludeArchived: true}, []string{"old", "ranker-ab", "ranker-axb"}},
			{"percent is literal", actx, usecase.Filter{Query: "100%"}, []string{"recall-100"}},
			{"lone percent", actx, usecase.Filter{Query: "%"}, []string{"recall-100"}},
			{"underscore is literal", actx, usecase.Filter{Query: "a_b"}, []string{"ranker-ab"}},
			{"lone underscore", actx, usecase.Filter{Query: "_"}, []string{"ranker-ab"}},
			{"backslash is literal", actx, usecase.Filter{Query: `k\s`}, []string{"back-slash"}},
			{"quote", actx, usecase.Filter{Query: `'`}, nil},
			{"no match", actx, usecase.Filter{Query: "nothing"}, nil},
			{"member sees own team only", as(ctx, ada), usecase.Filter{}, []string{"churn", "recall-100", "recall-1000"}},
			{"member with filter", as(ctx, ada), usecase.Filter{Query: "recall", Stage: usecase.Data}, []string{"recall-100", "recall-1000"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total := listSlugs(t, tt.ctx, db, tt.f)
				if !slices.Equal(got, tt.want) || total != len(tt.want) {
					t.Errorf("ListUseCases(%+v)=%q (Total %d), want %q", tt.f, got, total, tt.want)
				}
			})
		}
	})

	// SQLite's LOWER and LIKE fold ASCII only unless told otherwise;
	// PostgreSQL folds all of Unicode. The search must not depend on which.
	t.Run("QueryFoldsUnicode", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		admin := mustUser(t, ctx, db, "admin@example.org", "Admin", true)
		mustTeam(t, ctx, db, "alpha")
		actx := as(ctx, admin)
		mustUseCase(t, actx, db, usecase.UseCase{Slug: "uber", Name: "Über Forecast", TeamSlug: "alpha"})
		mustUseCase(t, actx, db, usecase.UseCase{Slug: "ecole", Name: "école", TeamSlug: "alpha"})
		for _, q := range []struct{ query, want string }{
			{"Über", "uber"}, {"über", "uber"}, {"ÜBER", "uber"},
			{"école", "ecole"}, {"ÉCOLE", "ecole"},
		} {
			got, _ := listSlugs(t, actx, db, usecase.Filter{Query: q.query})
			if !slices.Equal(got, []string{q.want}) {
				t.Errorf("ListUseCases(Query %q)=%q, want [%s]", q.query, got, q.want)
			}
		}
	})

	t.Run("Pages", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		mustTeam(t, ctx, db, "alpha", ada)
		actx := as(ctx, ada)
		const n = 11
		var want []string
		for i := range n {
			want = append(want, fmt.Sprintf("case-%02d", i))
			j := (i * 7) % n // create out of order
			mustUseCase(t, actx, db, usecase.UseCase{Slug: fmt.Sprintf("case-%02d", j), Name: fmt.Sprintf("case %02d", j), TeamSlug: "alpha"})
		}
		for _, size := range []int{1, 4, n, n + 1} {
			var got []string
			pages := 0
			for p := (atrium.PageRequest{Size: size}); ; pages++ {
				page, err := db.ListUseCases(actx, usecase.Filter{Page: p})
				if err != nil {
					t.Fatalf("ListUseCases: %v", err)
				}
				if page.Total != n {
					t.Fatalf("size %d: Total=%d, want %d", size, page.Total, n)
				}
				for _, u := range page.Items {
					got = append(got, u.Slug)
				}
				if page.NextPageToken == "" {
					break
				}
				if p, err = atrium.ParsePage(fmt.Sprint(size), page.NextPageToken); err != nil {
					t.Fatalf("ParsePage(%q): %v", page.NextPageToken, err)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("size %d: slugs over all pages=%q, want each once in name order %q", size, got, want)
			}
			if wantPages := (n + size - 1) / size; pages+1 != wantPages {
				t.Errorf("size %d: %d pages, want %d", size, pages+1, wantPages)
			}
		}
	})

	testUseCaseChanges(t, open)
}

// withoutIDsAndTimes blanks what a test cannot predict.
func withoutIDsAndTimes(u usecase.UseCase) usecase.UseCase {
	u.ID, u.TeamID = "", ""
	u.CreatedAt, u.UpdatedAt = time.Time{}, time.Time{}
	return u
}
