package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// accessCast is a small world for the access tests: ada and mate in team alpha,
// bob in beta, vic in no team with a viewer grant on alpha's use case
// "churn", and an administrator.
type accessCast struct {
	db                    *store.DB
	admin, ada, mate, bob identity.User
	vic                   identity.User
}

func newAccessCast(t *testing.T, url string) *accessCast {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	c := &accessCast{db: open(t, url)}
	user := func(email, name string, admin bool) identity.User {
		u, err := c.db.CreateUser(ctx, identity.User{Email: email, Name: name, Admin: admin}, "")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	c.admin = user("admin@example.org", "Admin", true)
	c.ada, c.mate = user("ada@example.org", "Ada", false), user("mate@example.org", "Mate", false)
	c.bob, c.vic = user("bob@example.org", "Bob", false), user("vic@example.org", "Vic", false)
	for team, members := range map[string][]identity.User{"alpha": {c.ada, c.mate}, "beta": {c.bob}} {
		if _, err := c.db.CreateTeam(ctx, identity.Team{Slug: team, Name: "Team " + team}); err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if err := c.db.AddTeamMember(ctx, team, m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.db.CreateUseCase(c.as(c.ada), usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.PutGrant(c.as(c.ada), "churn", usecase.Grant{UserID: c.vic.ID, Role: usecase.Viewer}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *accessCast) as(u identity.User) context.Context {
	return atrium.WithActor(context.Background(), atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin})
}

func (c *accessCast) audited(t *testing.T) int64 {
	t.Helper()
	n, err := c.db.AuditHeadSize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantKindOf(t *testing.T, what string, err error, want atrium.Kind) {
	t.Helper()
	if got := atrium.KindOf(err); err == nil || got != want {
		t.Fatalf("%s: err = %v (kind %s), want kind %s", what, err, got, want)
	}
}

// TestMoveUseCaseNeedsTeamMembership checks UpdateUseCase applies the rule
// CreateUseCase does: an owner may move a use case only into a team they
// belong to, administrators anywhere; a refused move changes and audits
// nothing, and is refused before the rest of the patch is validated.
func TestMoveUseCaseNeedsTeamMembership(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			c := newAccessCast(t, d.url(t))
			before, audited := c.get(t, "churn"), c.audited(t)
			for _, p := range []usecase.Patch{
				{Team: ref("beta")},
				{Team: ref("beta"), Name: ref("")},
				{Team: ref("beta"), Summary: ref("moved"), Version: before.Version},
			} {
				_, err := c.db.UpdateUseCase(c.as(c.ada), "churn", p)
				wantKindOf(t, "owner moves to beta", err, atrium.Forbidden)
			}
			_, err := c.db.CreateUseCase(c.as(c.ada), usecase.UseCase{Name: "Elsewhere", TeamSlug: "beta"})
			wantKindOf(t, "owner creates in beta", err, atrium.Forbidden)
			if got := c.get(t, "churn"); got != before {
				t.Fatalf("after refused moves %+v, want unchanged %+v", got, before)
			}
			if got := c.audited(t); got != audited {
				t.Fatalf("audit size %d after refused moves, want %d", got, audited)
			}
			if u, err := c.db.UpdateUseCase(c.as(c.admin), "churn", usecase.Patch{Team: ref("beta")}); err != nil || u.TeamSlug != "beta" {
				t.Fatalf("admin moves to beta: team %q, %v; want beta", u.TeamSlug, err)
			}
			ctx := atrium.WithActor(context.Background(), atrium.System)
			if err := c.db.AddTeamMember(ctx, "alpha", c.bob.ID); err != nil {
				t.Fatal(err)
			}
			// Bob, beta's member and now alpha's too, edits by membership but
			// may not move: that needs the owner role, whatever the teams.
			_, err = c.db.UpdateUseCase(c.as(c.bob), "churn", usecase.Patch{Team: ref("alpha")})
			wantKindOf(t, "editor moves", err, atrium.Forbidden)
			if u, err := c.db.UpdateUseCase(c.as(c.ada), "churn", usecase.Patch{OwnerID: &c.bob.ID}); err != nil || u.OwnerID != c.bob.ID {
				t.Fatalf("hand over to bob: %v", err)
			}
			if u, err := c.db.UpdateUseCase(c.as(c.bob), "churn", usecase.Patch{Team: ref("alpha")}); err != nil || u.TeamSlug != "alpha" {
				t.Fatalf("owner in both teams moves back: team %q, %v; want alpha", u.TeamSlug, err)
			}
		})
	}
}

func (c *accessCast) get(t *testing.T, slug string) usecase.UseCase {
	t.Helper()
	u, err := c.db.GetUseCase(atrium.WithActor(context.Background(), atrium.System), slug)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func ref[T any](v T) *T { return &v }

// TestWritesAuthoriseBeforeValidating checks that someone whose role does
// not allow a change is told so even when the change is also invalid, for
// grants, stakeholders and new use cases.
func TestWritesAuthoriseBeforeValidating(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			c := newAccessCast(t, d.url(t))
			vic, audited := c.as(c.vic), c.audited(t)
			_, err := c.db.PutGrant(vic, "churn", usecase.Grant{UserID: c.vic.ID, Role: "boss"})
			wantKindOf(t, "viewer grants a bad role", err, atrium.Forbidden)
			_, err = c.db.PutGrant(vic, "churn", usecase.Grant{Role: usecase.Owner})
			wantKindOf(t, "viewer grants to nobody", err, atrium.Forbidden)
			_, err = c.db.CreateStakeholder(vic, "churn", people.Stakeholder{Kind: "alien"})
			wantKindOf(t, "viewer adds a bad stakeholder", err, atrium.Forbidden)
			_, err = c.db.UpdateStakeholder(vic, "churn", people.Stakeholder{ID: 1, Kind: "alien"})
			wantKindOf(t, "viewer changes a stakeholder badly", err, atrium.Forbidden)
			_, err = c.db.CreateUseCase(c.as(c.bob), usecase.UseCase{Name: "", TeamSlug: "alpha"})
			wantKindOf(t, "non-member creates a nameless use case", err, atrium.Forbidden)
			_, err = c.db.PutGrant(c.as(c.bob), "churn", usecase.Grant{Role: "boss"})
			wantKindOf(t, "stranger grants", err, atrium.NotFound)
			if got := c.audited(t); got != audited {
				t.Fatalf("audit size %d after refused writes, want %d", got, audited)
			}
			// The owner still hears what is wrong.
			_, err = c.db.CreateStakeholder(c.as(c.ada), "churn", people.Stakeholder{Kind: "alien"})
			wantKindOf(t, "owner adds a bad stakeholder", err, atrium.Invalid)
		})
	}
}

// TestGrantsSayWhomTheReaderMaySee checks the Visible mark on grants and
// ErrNoGrantee: a reader may see their own grant, people they share a team
// with and teams they belong to; administrators everyone. A grantee that
// does not exist is ErrNoGrantee, input that is wrong in itself is not.
func TestGrantsSayWhomTheReaderMaySee(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			c := newAccessCast(t, d.url(t))
			ada := c.as(c.ada)
			for _, g := range []usecase.Grant{
				{UserID: c.mate.ID, Role: usecase.Reviewer},
				{UserEmail: "BOB@example.org", Role: usecase.Viewer},
				{TeamSlug: "beta", Role: usecase.Viewer},
				{TeamSlug: "alpha", Role: usecase.Viewer},
			} {
				if _, err := c.db.PutGrant(ada, "churn", g); err != nil {
					t.Fatalf("PutGrant(%+v): %v", g, err)
				}
			}
			visible := func(ctx context.Context) map[string]bool {
				gs, err := c.db.Grants(ctx, "churn")
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]bool{}
				for _, g := range gs {
					out[g.UserName+g.TeamSlug] = g.Visible
				}
				return out
			}
			for _, tc := range []struct {
				name string
				ctx  context.Context
				want map[string]bool
			}{
				{"ada", ada, map[string]bool{"Vic": false, "Mate": true, "Bob": false, "beta": false, "alpha": true}},
				{"vic", c.as(c.vic), map[string]bool{"Vic": true, "Mate": false, "Bob": false, "beta": false, "alpha": false}},
				{"admin", c.as(c.admin), map[string]bool{"Vic": true, "Mate": true, "Bob": true, "beta": true, "alpha": true}},
			} {
				if got := visible(tc.ctx); len(got) != len(tc.want) {
					t.Errorf("%s: Visible = %v, want %v", tc.name, got, tc.want)
				} else {
					for k, v := range tc.want {
						if got[k] != v {
							t.Errorf("%s: Visible[%s] = %v, want %v", tc.name, k, got[k], v)
						}
					}
				}
			}
			if g, err := c.db.PutGrant(ada, "churn", usecase.Grant{UserEmail: "bob@example.org", Role: usecase.Editor}); err != nil || g.Visible || g.UserID != c.bob.ID {
				t.Errorf("PutGrant to bob = %+v, %v; want his grant, not Visible to ada", g, err)
			}
			for _, g := range []usecase.Grant{
				{UserEmail: "nobody@example.org", Role: usecase.Viewer},
				{UserID: "0123456789abcdef0123456789abcdef", Role: usecase.Viewer},
				{TeamSlug: "gamma", Role: usecase.Viewer},
			} {
				_, err := c.db.PutGrant(ada, "churn", g)
				if !errors.Is(err, store.ErrNoGrantee) || atrium.KindOf(err) != atrium.Invalid {
					t.Errorf("PutGrant(%+v) = %v, want an Invalid ErrNoGrantee", g, err)
				}
			}
			for _, g := range []usecase.Grant{
				{UserEmail: "not an address", Role: usecase.Viewer},
				{UserID: "no-such-user", Role: usecase.Viewer},
				{TeamSlug: "beta", Role: "boss"},
			} {
				_, err := c.db.PutGrant(ada, "churn", g)
				if errors.Is(err, store.ErrNoGrantee) || atrium.KindOf(err) != atrium.Invalid {
					t.Errorf("PutGrant(%+v) = %v, want Invalid, not ErrNoGrantee", g, err)
				}
			}
		})
	}
}
