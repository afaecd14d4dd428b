package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// sessionFrom returns the session cookie a response sets.
func sessionFrom(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %q", sessionCookie, resp.Header.Values("Set-Cookie"))
	return nil
}

func TestLoginStartsAFreshSession(t *testing.T) {
	s := newSite(t)
	login := url.Values{"email": {"ada@example.org"}, "password": {testPassword}, "next": {"/usecases/churn"}}
	rec := s.post(identity.User{}, "/login", login)
	expectRedirect(t, rec, "/usecases/churn")
	c := sessionFrom(t, rec.Result())
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
	}
	if c.MaxAge != int((12 * time.Hour).Seconds()) {
		t.Fatalf("MaxAge=%d, want the session TTL of 12h", c.MaxAge)
	}

	// The cookie opens the pages.
	req, _ := http.NewRequest("GET", "/usecases", nil)
	req.AddCookie(c)
	page := serve(s.srv, req)
	expect(t, page, http.StatusOK, "Churn forecast", "Ada Lovelace")

	// Logging in again, even from the same browser, issues a new id.
	req = formRequest("/login", login)
	req.AddCookie(c)
	again := serve(s.srv, req)
	expectRedirect(t, again, "/usecases/churn")
	if c2 := sessionFrom(t, again.Result()); c2.Value == c.Value {
		t.Fatal("a second login kept the same session id")
	}
	// And the old one no longer works.
	req, _ = http.NewRequest("GET", "/usecases", nil)
	req.AddCookie(c)
	expectRedirect(t, serve(s.srv, req), "/login")
}

func TestLoginFailureKeepsTheEmail(t *testing.T) {
	s := newSite(t)
	for name, form := range map[string]url.Values{
		"wrong password": {"email": {"ada@example.org"}, "password": {"not the password"}},
		"unknown person": {"email": {"nobody@example.org"}, "password": {testPassword}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.post(identity.User{}, "/login", form)
			expect(t, rec, http.StatusUnauthorized, "E-mail or password is not right", `value="`+form.Get("email")+`"`)
			if len(rec.Result().Cookies()) != 0 {
				t.Fatalf("a failed login set cookies: %v", rec.Result().Cookies())
			}
		})
	}
}

func TestLoginIsThrottled(t *testing.T) {
	s := newSite(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.srv.logins.SetClock(func() time.Time { return now })
	bad := url.Values{"email": {"ada@example.org"}, "password": {"guess guess guess"}}
	for i := range throttle.AccountBurst {
		if rec := s.post(identity.User{}, "/login", bad); rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status=%d, want 401", i+1, rec.Code)
		}
	}
	// This address never signed in to the account, so even the right
	// password waits (see throttle.Logins).
	rec := s.post(identity.User{}, "/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword}})
	expect(t, rec, http.StatusTooManyRequests, "Too many sign-in attempts; try again in 10 seconds.")
	if got := rec.Header().Get("Retry-After"); got != "10" {
		t.Fatalf("Retry-After=%q, want 10", got)
	}
	now = now.Add(10 * time.Second)
	expectRedirect(t, s.post(identity.User{}, "/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword}}), "/usecases")
}

func TestLoginNextStaysOnThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/usecases/churn?x=1":  "/usecases/churn?x=1",
		"":                     "/usecases",
		"//evil.example/":      "/usecases",
		`/\evil.example/`:      "/usecases",
		"https://evil.example": "/usecases",
		"javascript:alert(1)":  "/usecases",
		"/ok\r\nSet-Cookie: x": "/usecases",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q)=%q, want %q", next, got, want)
		}
	}
}

func TestUnauthenticatedPagesGoToLogin(t *testing.T) {
	s := newSite(t)
	rec := s.get(identity.User{}, "/usecases/churn?tab=history")
	expectRedirect(t, rec, "/login?next="+url.QueryEscape("/usecases/churn?tab=history"))
	expect(t, s.get(identity.User{}, "/login?next=%2Fusecases%2Fchurn"), http.StatusOK,
		`name="next" value="/usecases/churn"`, `<label for="email">`, `<label for="password">`)
}

func TestLogoutEndsTheSession(t *testing.T) {
	s := newSite(t)
	rec := s.post(s.ada, "/logout", nil)
	expectRedirect(t, rec, "/login")
	if c := sessionFrom(t, rec.Result()); c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("logout cookie %+v, want it cleared", c)
	}
	// The server forgot the session, so the old cookie is useless.
	expectRedirect(t, s.get(s.ada, "/usecases"), "/login")
}

func TestHomeGoesToTheUseCases(t *testing.T) {
	s := newSite(t)
	expectRedirect(t, s.get(s.ada, "/"), "/usecases")
}

func formRequest(path string, form url.Values) *http.Request {
	req, _ := http.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.1:1234"
	return req
}
