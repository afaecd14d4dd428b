package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/identity"
)

func TestTokenSecretIsShownOnce(t *testing.T) {
	s := newSite(t)
	rec := s.post(s.ada, "/tokens", url.Values{"name": {"nightly job"}, "expires": {"30d"}})
	expect(t, rec, http.StatusOK, "copy it now", "nightly job")
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control=%q, want no-store on the page with the secret", cc)
	}
	secret := between(rec.Body.String(), `id="secret" class="secret" value="`, `"`)
	if !strings.HasPrefix(secret, identity.TokenPrefix) {
		t.Fatalf("secret %q does not look like a token", secret)
	}
	// The secret works, and is never shown again.
	req, _ := http.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	expect(t, serve(s.srv, req), http.StatusOK, "ada@example.org")
	list := s.get(s.ada, "/tokens")
	expect(t, list, http.StatusOK, "nightly job", "Active")
	if strings.Contains(list.Body.String(), secret) {
		t.Fatal("the token list shows the secret again")
	}
}

func TestTokenFormErrorsAndRevoke(t *testing.T) {
	s := newSite(t)
	expect(t, s.post(s.ada, "/tokens", url.Values{"name": {""}, "expires": {"never"}}), http.StatusUnprocessableEntity,
		"Name is required.", `<option value="never" selected>`)
	expect(t, s.post(s.ada, "/tokens", url.Values{"name": {"x"}, "expires": {"5y"}}), http.StatusUnprocessableEntity, "Choose when the token expires")

	tok, _, err := s.db.CreateToken(s.as(s.ada), s.ada.ID, "laptop", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Someone else's token looks missing; one's own is revoked.
	expect(t, s.post(s.bob, "/tokens/"+tok.ID+"/revoke", nil), http.StatusNotFound)
	expectRedirect(t, s.post(s.ada, "/tokens/"+tok.ID+"/revoke", nil), "/tokens?notice=token-gone")
	expect(t, s.get(s.ada, "/tokens"), http.StatusOK, "Revoked")
}

func TestAdminPagesAreForAdministrators(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/admin/users"},
		{"POST", "/admin/users"},
		{"POST", "/admin/users/" + "x"},
		{"GET", "/admin/teams"},
		{"POST", "/admin/teams"},
		{"GET", "/admin/teams/forecasting"},
		{"POST", "/admin/teams/forecasting/members"},
		{"POST", "/admin/teams/forecasting/members/x/delete"},
		{"GET", "/audit"},
	} {
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{"email": {"new@example.org"}, "name": {"New"}}
		}
		rec := s.do(s.ada, tc.method, tc.path, form)
		expect(t, rec, http.StatusForbidden, "Only administrators can do this.")
	}
}

func TestUsersThroughTheForms(t *testing.T) {
	s := newSite(t)
	expect(t, s.post(s.grace, "/admin/users", url.Values{"email": {"lin@example.org"}, "name": {"Lin"}, "password": {"short"}}),
		http.StatusUnprocessableEntity, "Password must be 12 to 256 characters", `value="lin@example.org"`)
	expect(t, s.post(s.grace, "/admin/users", url.Values{"email": {"ada@example.org"}, "password": {testPassword}}),
		http.StatusConflict, "already exists")
	expectRedirect(t, s.post(s.grace, "/admin/users", url.Values{"email": {"lin@example.org"}, "name": {"Lin"}, "password": {testPassword}}),
		"/admin/users?notice=user-created")
	lin, err := s.db.GetUserByEmail(s.as(s.grace), "lin@example.org")
	if err != nil {
		t.Fatal(err)
	}

	// Disabling Lin ends every session Lin has.
	expect(t, s.get(lin, "/usecases"), http.StatusOK)
	expectRedirect(t, s.post(s.grace, "/admin/users/"+lin.ID, url.Values{"disabled": {"on"}}), "/admin/users?notice=user-saved")
	if lin, _ = s.db.GetUser(s.as(s.grace), lin.ID); !lin.Disabled || lin.Admin {
		t.Fatalf("user %+v, want disabled and not an administrator", lin)
	}
	expectRedirect(t, s.get(lin, "/usecases"), "/login")

	// The last administrator cannot step down; the error sits on their row.
	rec := s.post(s.grace, "/admin/users/"+s.grace.ID, url.Values{})
	expect(t, rec, http.StatusConflict, "last enabled administrator")
}

func TestTeamsThroughTheForms(t *testing.T) {
	s := newSite(t)
	expect(t, s.post(s.grace, "/admin/teams", url.Values{"name": {"Risk"}, "slug": {"Bad Slug"}}), http.StatusUnprocessableEntity,
		"Slug must be", `value="Risk"`)
	expectRedirect(t, s.post(s.grace, "/admin/teams", url.Values{"name": {"Risk office"}}), "/admin/teams/risk-office?notice=team-created")
	expect(t, s.post(s.grace, "/admin/teams/risk-office/members", url.Values{"email": {"zed@example.org"}}),
		http.StatusUnprocessableEntity, "add them on the Users page first", `value="zed@example.org"`)
	expectRedirect(t, s.post(s.grace, "/admin/teams/risk-office/members", url.Values{"email": {"bob@example.org"}}), "/admin/teams/risk-office?notice=member-added")
	expect(t, s.get(s.grace, "/admin/teams/risk-office"), http.StatusOK, "Bob Builder", "/members/"+s.bob.ID+"/delete")
	expectRedirect(t, s.post(s.grace, "/admin/teams/risk-office/members/"+s.bob.ID+"/delete", nil), "/admin/teams/risk-office?notice=member-gone")
	if team, err := s.db.GetTeam(s.as(s.grace), "risk-office"); err != nil || len(team.Members) != 0 {
		t.Fatalf("members=%v (%v), want none after the removal", team.Members, err)
	}
}

func TestAuditPage(t *testing.T) {
	s := newSite(t)
	if _, err := s.db.Transition(s.as(s.ada), "churn", "data", "", nil); err != nil {
		t.Fatal(err)
	}
	churn, err := s.db.GetUseCase(s.as(s.ada), "churn")
	if err != nil {
		t.Fatal(err)
	}
	rec := s.get(s.grace, "/audit?object_type=usecase&object_id="+churn.ID)
	expect(t, rec, http.StatusOK, "usecase.transition", "usecase.create", "Ada Lovelace")
	if strings.Contains(rec.Body.String(), "team.create") {
		t.Fatal("the object filter let another object's entries through")
	}
	expect(t, s.get(s.grace, "/audit?since=yesterday"), http.StatusBadRequest, "Since must be a date", `value="yesterday"`)
	expect(t, s.get(s.grace, "/audit?since=2999-01-01"), http.StatusOK, "Nothing matches these filters")
	// The use case page links administrators to the full trail.
	expect(t, s.get(s.grace, "/usecases/churn"), http.StatusOK, "/audit?object_type=usecase&amp;object_id="+churn.ID)
}

func TestStaticFilesHaveContentAddresses(t *testing.T) {
	s := newSite(t)
	href, _, _ := s.srv.views.Asset("app.css")
	hash := strings.Split(href, "/")[2]
	rec := s.get(identity.User{}, href)
	expect(t, rec, http.StatusOK, ":focus-visible")
	if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Fatalf("Cache-Control=%q, want a year, immutable", got)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Fatalf("Content-Type=%q, want text/css", got)
	}
	// The pages point at exactly that address.
	expect(t, s.get(identity.User{}, "/login"), http.StatusOK, `href="/static/`+hash+`/app.css"`)
	for _, path := range []string{"/static/0000000000000000/app.css", "/static/" + hash + "/nope.css", "/static/" + hash + "/app.js"} {
		if rec := s.get(identity.User{}, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
}

func TestErrorPageExplains(t *testing.T) {
	s := newSite(t)
	// A form posted without a session: 401 with a way to log in.
	rec := s.post(identity.User{}, "/usecases/new", url.Values{"name": {"x"}})
	expect(t, rec, http.StatusUnauthorized, "Please log in first", `href="/login"`)
	// A missing page says what is missing and where to go instead, and a
	// confirmation from the address does not leak onto it.
	rec = s.get(s.ada, "/usecases/nope?notice=created")
	expect(t, rec, http.StatusNotFound, "Use case not found.", "There is nothing here", `href="/usecases"`)
	if strings.Contains(rec.Body.String(), "Use case created.") {
		t.Fatal("the error page shows a confirmation")
	}
}
