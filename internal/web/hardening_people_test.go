package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

// withTeammate adds "mate", a second member of team-a, to the fixture: a
// person the owner shares a team with.
func withTeammate(t *testing.T, f *fixture) identity.User {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	u, err := f.db.CreateUser(ctx, identity.User{Email: "mate@example.org", Name: "Mate Teammate"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddTeamMember(ctx, "team-a", u.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAuthzGrantAnswersAlikeForUnknownAndHidden checks that granting cannot
// tell an owner who has an account or which teams exist: a grant to someone
// they share no team with and one to an address nobody has get the same
// status and the same body but for the address typed, naming neither id nor
// name. People and teams the owner shares a team with, and everyone for an
// administrator, are still named.
func TestAuthzGrantAnswersAlikeForUnknownAndHidden(t *testing.T) {
	f := newFixture(t)
	mate := withTeammate(t, f)
	stranger := f.users["stranger"]
	for _, tc := range []struct {
		name           string
		known, unknown map[string]string
		typedKnown     string // what the owner typed for the known one
		typedUnknown   string
	}{
		{"e-mail", map[string]string{"email": "Stranger@Example.org", "role": "viewer"}, map[string]string{"email": "Nobody@Example.org", "role": "viewer"},
			"stranger@example.org", "nobody@example.org"},
		{"team", map[string]string{"team": "team-b", "role": "reviewer"}, map[string]string{"team": "team-z", "role": "reviewer"},
			"team-b", "team-z"},
		{"user id", map[string]string{"user_id": stranger.ID, "role": "viewer"}, map[string]string{"user_id": strings.Repeat("0", 32), "role": "viewer"},
			stranger.ID, strings.Repeat("0", 32)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			known := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/grants", tc.known)
			unknown := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/grants", tc.unknown)
			if known.Code != unknown.Code || known.Code != http.StatusOK {
				t.Fatalf("known = %d, unknown = %d; want 200 for both (bodies %s / %s)", known.Code, unknown.Code, known.Body, unknown.Body)
			}
			if got, want := strings.ReplaceAll(known.Body.String(), tc.typedKnown, "X"), strings.ReplaceAll(unknown.Body.String(), tc.typedUnknown, "X"); got != want {
				t.Fatalf("answers differ but for what was typed:\nknown:   %s\nunknown: %s", known.Body, unknown.Body)
			}
			body := known.Body.String()
			secrets := []string{`"id"`, "user_name", "team_name", "team_id"}
			if !strings.Contains(tc.typedKnown, stranger.Name) { // the fixture's names are in their addresses
				secrets = append(secrets, stranger.Name)
			}
			for _, secret := range secrets {
				if strings.Contains(body, secret) {
					t.Errorf("the answer %s gives away %q", body, secret)
				}
			}
			if tc.name != "user id" && strings.Contains(body, stranger.ID) {
				t.Errorf("the answer %s gives away the stranger's id", body)
			}
			if !strings.Contains(body, "now ha") || !strings.Contains(body, "If ") {
				t.Errorf("the answer %s does not say the access holds only if the grantee exists", body)
			}
		})
	}
	// The grant to the hidden person and team did happen.
	if rec := f.doJSON("stranger", "GET", "/api/v1/usecases/alpha", nil); rec.Code != http.StatusOK {
		t.Fatalf("stranger after the grants = %d, want 200", rec.Code)
	}

	// Whom the grantor may see is named, with the grant's id.
	for _, tc := range []struct {
		who, name string
		body      map[string]string
		want      []string
	}{
		{"same team", "owner", map[string]string{"email": mate.Email, "role": "editor"}, []string{`"id":`, mate.ID, "Mate Teammate now has editor access."}},
		{"own team", "owner", map[string]string{"team": "team-a", "role": "viewer"}, []string{`"id":`, `"team_name":"team-a"`, "Team team-a now has viewer access."}},
		{"admin", "admin", map[string]string{"email": stranger.Email, "role": "reviewer"}, []string{`"id":`, stranger.ID, "stranger now has reviewer access."}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			rec := f.doJSON(tc.name, "POST", "/api/v1/usecases/alpha/grants", tc.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
			}
			for _, w := range tc.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("answer %s does not contain %q", rec.Body, w)
				}
			}
		})
	}

	// Refusals that do not depend on who exists stay refusals.
	for _, body := range []map[string]string{
		{"email": "not an address", "role": "viewer"},
		{"user_id": "no-such-user", "role": "viewer"},
		{"team": "team-b", "role": "boss"},
	} {
		if rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/grants", body); rec.Code != http.StatusBadRequest {
			t.Errorf("grant %v = %d, want 400 (body %s)", body, rec.Code, rec.Body)
		}
	}
}

// grantItems lists alpha's grants as who sees them, by grant id.
func grantItems(t *testing.T, f *fixture, who string) []map[string]any {
	t.Helper()
	rec := f.doJSON(who, "GET", "/api/v1/usecases/alpha/grants", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s lists grants = %d, want 200 (body %s)", who, rec.Code, rec.Body)
	}
	var list struct{ Items []map[string]any }
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// TestAuthzGrantListNamesOnlyWhomTheReaderMaySee checks the list of a use
// case's grants: names and ids only of people and teams the reader shares a
// team with (or their own), the e-mail address or slug for owners, who manage
// access, and only the role for anyone else; administrators see everyone.
func TestAuthzGrantListNamesOnlyWhomTheReaderMaySee(t *testing.T) {
	f := newFixture(t)
	mate := withTeammate(t, f)
	stranger := f.users["stranger"]
	for _, body := range []map[string]string{
		{"email": stranger.Email, "role": "viewer"},
		{"team": "team-b", "role": "viewer"},
		{"email": mate.Email, "role": "viewer"},
	} {
		if rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/grants", body); rec.Code != http.StatusOK {
			t.Fatalf("grant %v = %d (body %s)", body, rec.Code, rec.Body)
		}
	}
	find := func(items []map[string]any, key, want string) map[string]any {
		t.Helper()
		for _, it := range items {
			if it[key] == want {
				return it
			}
		}
		return nil
	}
	// The owner: the stranger by the address, team-b by its slug, the teammate in full.
	owner := grantItems(t, f, "owner")
	if len(owner) != 4 {
		t.Fatalf("owner sees %d grants, want 4: %v", len(owner), owner)
	}
	if g := find(owner, "user_email", stranger.Email); g == nil || g["user_name"] != nil || g["user_id"] != nil {
		t.Errorf("owner's row for the stranger = %v, want the address without name or id", g)
	}
	if g := find(owner, "team", "team-b"); g == nil || g["team_name"] != nil || g["team_id"] != nil {
		t.Errorf("owner's row for team-b = %v, want the slug without name or id", g)
	}
	if g := find(owner, "user_email", mate.Email); g == nil || g["user_name"] != mate.Name || g["user_id"] != mate.ID {
		t.Errorf("owner's row for the teammate = %v, want name and id", g)
	}
	// The viewer shares no team with anyone: their own grant in full, the
	// others as roles only.
	viewer := grantItems(t, f, "viewer")
	if g := find(viewer, "user_id", f.users["viewer"].ID); g == nil || g["user_name"] != "viewer" {
		t.Errorf("viewer's own row = %v, want their name", g)
	}
	for _, it := range viewer {
		if it["user_id"] == f.users["viewer"].ID {
			continue
		}
		for _, k := range []string{"user_id", "user_email", "user_name", "team", "team_id", "team_name"} {
			if it[k] != nil {
				t.Errorf("viewer sees %s in %v, want only the role", k, it)
			}
		}
	}
	// The administrator sees everyone by name.
	admin := grantItems(t, f, "admin")
	if g := find(admin, "user_id", stranger.ID); g == nil || g["user_name"] != stranger.Name {
		t.Errorf("admin's row for the stranger = %v, want the name", g)
	}
	if g := find(admin, "team", "team-b"); g == nil || g["team_name"] != "team-b" {
		t.Errorf("admin's row for team-b = %v, want the name", g)
	}
}

// TestAuthzGrantFormAnswersAlikeForUnknownAndHidden is the page's side: the
// grant form redirects alike for a person or team the owner shares no team
// with and for an address or slug nobody has, and the use case's page names
// people only for those who may see them.
func TestAuthzGrantFormAnswersAlikeForUnknownAndHidden(t *testing.T) {
	s := newSite(t)
	ctx := atrium.WithActor(context.Background(), atrium.System)
	if _, err := s.db.CreateTeam(ctx, identity.Team{Slug: "risk-office", Name: "Risk Office"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, known, unknown string }{
		{"e-mail", "bob@example.org", "zed@example.org"},
		{"team", "risk-office", "no-such-team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			known := s.post(s.ada, "/usecases/churn/grants", url.Values{"who": {tc.known}, "role": {"editor"}})
			unknown := s.post(s.ada, "/usecases/churn/grants", url.Values{"who": {tc.unknown}, "role": {"editor"}})
			if known.Code != unknown.Code || known.Header().Get("Location") != unknown.Header().Get("Location") || known.Body.String() != unknown.Body.String() {
				t.Fatalf("known: %d %q %q\nunknown: %d %q %q\nwant the same answer",
					known.Code, known.Header().Get("Location"), known.Body, unknown.Code, unknown.Header().Get("Location"), unknown.Body)
			}
			expectRedirect(t, known, "/usecases/churn?notice=granted")
		})
	}
	// Ada shares no team with Bob: his address, not his name.
	page := s.get(s.ada, "/usecases/churn")
	expect(t, page, http.StatusOK, "bob@example.org", "Team risk-office")
	for _, hidden := range []string{"Bob Builder", "Risk Office"} {
		if strings.Contains(page.Body.String(), hidden) {
			t.Errorf("ada's page shows %q, whom she shares no team with", hidden)
		}
	}
	// Grace administers: everyone by name. Bob sees himself.
	expect(t, s.get(s.grace, "/usecases/churn"), http.StatusOK, "Bob Builder", "Team Risk Office")
	bob := s.get(s.bob, "/usecases/churn")
	expect(t, bob, http.StatusOK, "Bob Builder", "Someone outside your teams")
	if strings.Contains(bob.Body.String(), "risk-office") {
		t.Errorf("bob, an editor, sees the slug of a team he is not in")
	}
}
