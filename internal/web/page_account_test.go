package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAccountPage(t *testing.T) {
	s := newSite(t)
	rec := s.get(s.ada, "/account")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ada@example.org") || !strings.Contains(rec.Body.String(), "Change your password") {
		t.Fatalf("account page = %d, want the address and the password form", rec.Code)
	}
	if rec := s.get(s.ada, "/usecases"); !strings.Contains(rec.Body.String(), `href="/account"`) {
		t.Fatal("the header does not link to the account page")
	}

	rec = s.post(s.ada, "/account", url.Values{"name": {"Ada King"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("rename = %d, want 303", rec.Code)
	}
	if u, _ := s.db.GetUser(context.Background(), s.ada.ID); u.Name != "Ada King" {
		t.Fatalf("name = %q, want Ada King", u.Name)
	}
	rec = s.post(s.ada, "/account", url.Values{"name": {"<script>x</script>\x07"}})
	if rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), "<script>x") {
		t.Fatalf("bad name = %d, want 400 with the input escaped", rec.Code)
	}
}

func TestAccountPasswordChange(t *testing.T) {
	s := newSite(t)
	for name, tc := range map[string]struct {
		form url.Values
		want int
		says string
	}{
		"wrong current":   {url.Values{"current": {"not my password!"}, "password": {"a fresh password"}, "confirm": {"a fresh password"}}, 403, "current password is not right"},
		"confirm differs": {url.Values{"current": {testPassword}, "password": {"a fresh password"}, "confirm": {"a fresh passw0rd"}}, 400, "not the same"},
		"too short":       {url.Values{"current": {testPassword}, "password": {"short"}, "confirm": {"short"}}, 400, "12 to 256"},
	} {
		rec := s.post(s.ada, "/account/password", tc.form)
		if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.says) {
			t.Errorf("%s: status %d, want %d saying %q", name, rec.Code, tc.want, tc.says)
		}
	}
	old := s.session(s.ada)
	rec := s.post(s.ada, "/account/password", url.Values{"current": {testPassword}, "password": {"a fresh password"}, "confirm": {"a fresh password"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "password-changed") {
		t.Fatalf("change = %d to %q, want 303 with a notice", rec.Code, rec.Header().Get("Location"))
	}
	var fresh string
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			fresh = c.Value
		}
	}
	if fresh == "" || fresh == old {
		t.Fatal("this browser did not get a new session")
	}
	if _, err := s.db.SessionActor(context.Background(), old); err == nil {
		t.Fatal("the old session still works after a password change")
	}
	if _, err := s.db.SessionActor(context.Background(), fresh); err != nil {
		t.Fatalf("the new session does not work: %v", err)
	}
	if _, err := s.db.Authenticate(context.Background(), "ada@example.org", "a fresh password"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
}
