package web

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// passwordChecks is how many argon2id computations the process has run:
// the tests below measure work done, not time taken.
func passwordChecks() int64 {
	n, _ := identity.HashStats()
	return n
}

// stopClock freezes the login throttle's clock, so that no allowance refills
// while a test runs, however slow the machine.
func stopClock(srv *Server) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv.logins.SetClock(func() time.Time { return now })
}

// postLogin signs in through srv as a browser at addr would.
func postLogin(srv *Server, addr, email, password string) *httptest.ResponseRecorder {
	req := formRequest("/login", url.Values{"email": {email}, "password": {password}})
	req.RemoteAddr = addr + ":40000"
	return serve(srv, req)
}

// TestLoginThrottleUnderConcurrentGuessing guesses one account's password
// from 8 clients at once through a real HTTP server, with the default
// --rate-limit and with none: only the account's allowance of passwords may
// actually be checked, and every other attempt is a 429 with Retry-After.
func TestLoginThrottleUnderConcurrentGuessing(t *testing.T) {
	for name, opts := range map[string]Options{
		"default rate limit": {RateLimit: 50, RateBurst: 100},
		"rate limit off":     {},
	} {
		t.Run(name, func(t *testing.T) {
			db := testDB(t)
			if _, err := db.CreateUser(atrium.WithActor(context.Background(), atrium.System), identity.User{Email: "ada@example.org"}, testPassword); err != nil {
				t.Fatal(err)
			}
			opts.DB, opts.Version = db, "test"
			srv, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			stopClock(srv)
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

			const workers, each = 8, 20
			var mu sync.Mutex
			statuses := map[int]int{}
			var wg sync.WaitGroup
			before := passwordChecks()
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						resp, err := client.PostForm(ts.URL+"/login", url.Values{"email": {"Ada@Example.org"}, "password": {fmt.Sprintf("guess %d of %d", i, w)}})
						if err != nil {
							t.Error(err)
							return
						}
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusTooManyRequests {
							if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 10 {
								t.Errorf("Retry-After=%q, want 1–10 seconds", resp.Header.Get("Retry-After"))
							}
							if !strings.Contains(string(body), "Too many sign-in attempts; try again in ") {
								t.Errorf("429 page does not say why; body:\n%.300s", body)
							}
						}
						mu.Lock()
						statuses[resp.StatusCode]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if got := passwordChecks() - before; got != throttle.AccountBurst {
				t.Errorf("passwords checked = %d, want %d (the account's allowance)", got, throttle.AccountBurst)
			}
			want := map[int]int{http.StatusUnauthorized: throttle.AccountBurst, http.StatusTooManyRequests: workers*each - throttle.AccountBurst}
			if !maps.Equal(statuses, want) {
				t.Errorf("statuses = %v, want %v", statuses, want)
			}
			if _, peak := identity.HashStats(); peak > identity.MaxConcurrentHashes {
				t.Errorf("peak concurrent password hashes = %d, want at most %d", peak, identity.MaxConcurrentHashes)
			}
		})
	}
}

// TestLoginThrottlePerAddress sprays many accounts from one address: the
// address's allowance caps the work, and other addresses are unaffected.
func TestLoginThrottlePerAddress(t *testing.T) {
	srv := testServer(t, testDB(t))
	stopClock(srv)
	// The first unknown account makes the store's dummy hash, once per process.
	postLogin(srv, "198.51.100.99", "warm-up@example.org", testPassword)
	before := passwordChecks()
	for i := range throttle.AddrBurst + 5 {
		rec := postLogin(srv, "198.51.100.7", fmt.Sprintf("person%d@example.org", i), testPassword)
		want := http.StatusUnauthorized
		if i >= throttle.AddrBurst {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("attempt %d: status=%d, want %d", i+1, rec.Code, want)
		}
	}
	if got := passwordChecks() - before; got != throttle.AddrBurst {
		t.Errorf("passwords checked = %d, want %d (the address's allowance)", got, throttle.AddrBurst)
	}
	if rec := postLogin(srv, "198.51.100.8", "person0@example.org", testPassword); rec.Code != http.StatusUnauthorized {
		t.Errorf("another address: status=%d, want 401", rec.Code)
	}
}

// TestLoginLockoutSparesKnownAddresses guesses Ada's password from elsewhere
// until her account is throttled: she can still sign in from the address she
// used before, while a new address has to wait.
func TestLoginLockoutSparesKnownAddresses(t *testing.T) {
	s := newSite(t)
	stopClock(s.srv)
	const home, attacker, cafe = "203.0.113.5", "198.51.100.7", "192.0.2.44"
	expectRedirect(t, postLogin(s.srv, home, "ada@example.org", testPassword), "/usecases")
	for i := range 2 * throttle.AccountBurst {
		want := http.StatusUnauthorized
		if i >= throttle.AccountBurst {
			want = http.StatusTooManyRequests
		}
		if rec := postLogin(s.srv, attacker, "ada@example.org", "guess guess guess"); rec.Code != want {
			t.Fatalf("guess %d: status=%d, want %d", i+1, rec.Code, want)
		}
	}
	expectRedirect(t, postLogin(s.srv, home, "ada@example.org", testPassword), "/usecases")
	expect(t, postLogin(s.srv, cafe, "ada@example.org", testPassword), http.StatusTooManyRequests, "Too many sign-in attempts")
	// Bob's account is not Ada's: the attacker's address still has allowance.
	expectRedirect(t, postLogin(s.srv, attacker, "bob@example.org", testPassword), "/usecases")
}

// TestLoginSuccessIsNotCharged signs in with the right password more often
// than either allowance: only failures count.
func TestLoginSuccessIsNotCharged(t *testing.T) {
	s := newSite(t)
	stopClock(s.srv)
	for i := range throttle.AddrBurst + 2 {
		if rec := postLogin(s.srv, "203.0.113.5", "ada@example.org", testPassword); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-in %d: status=%d, want 303", i+1, rec.Code)
		}
	}
}

// TestPasswordChangeIsThrottled guesses the current password through
// PATCH /api/v1/me and the account page, as a stolen token or session
// might: the account's allowance applies, and sign-in shares it.
func TestPasswordChangeIsThrottled(t *testing.T) {
	guess := func(s *site, token string) *httptest.ResponseRecorder {
		if token == "" {
			return s.post(s.ada, "/account/password", url.Values{"current": {"guess guess guess"}, "password": {"a brand new password"}, "confirm": {"a brand new password"}})
		}
		req := httptest.NewRequest("PATCH", "/api/v1/me", strings.NewReader(`{"current_password": "guess guess guess", "password": "a brand new password"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		return serve(s.srv, req)
	}
	for _, client := range []string{"api", "page"} {
		t.Run(client, func(t *testing.T) {
			s := newSite(t)
			stopClock(s.srv)
			token := ""
			if client == "api" {
				var err error
				if _, token, err = s.db.CreateToken(s.as(s.ada), s.ada.ID, "script", 0); err != nil {
					t.Fatal(err)
				}
			}
			before := passwordChecks()
			for i := range throttle.AccountBurst {
				if rec := guess(s, token); rec.Code != http.StatusForbidden {
					t.Fatalf("guess %d: status=%d, want 403; body:\n%.300s", i+1, rec.Code, rec.Body)
				}
			}
			rec := guess(s, token)
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "10" {
				t.Fatalf("guess past the allowance: status=%d Retry-After=%q, want 429 and 10", rec.Code, rec.Header().Get("Retry-After"))
			}
			if client == "api" {
				if p := problem(t, rec); p.Code != "rate_limited" {
					t.Fatalf("code=%q, want rate_limited", p.Code)
				}
			} else {
				expect(t, rec, http.StatusTooManyRequests, "password attempts; try again in 10 seconds")
			}
			if got := passwordChecks() - before; got != throttle.AccountBurst {
				t.Errorf("passwords checked = %d, want %d (the account's allowance)", got, throttle.AccountBurst)
			}
			expect(t, postLogin(s.srv, "192.0.2.44", "ada@example.org", testPassword), http.StatusTooManyRequests, "Too many sign-in attempts")
		})
	}
}

// TestEndedSessionCookie sends a cookie for a session that does not exist:
// the API refuses it with 401, pages and public routes forget it and go on
// as anonymous. Either way the browser is told to drop it.
func TestEndedSessionCookie(t *testing.T) {
	s := newSite(t)
	tests := []struct {
		path string
		want int
	}{
		{"/login", http.StatusOK},
		{"/healthz", http.StatusOK},
		{"/usecases", http.StatusSeeOther},
		{"/api/v1/me", http.StatusUnauthorized},
		{"/api/v1/openapi.json", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "ended-long-ago"})
			rec := serve(s.srv, req)
			if rec.Code != tt.want {
				t.Fatalf("status=%d, want %d; body:\n%.300s", rec.Code, tt.want, rec.Body)
			}
			if c := sessionFrom(t, rec.Result()); c.MaxAge >= 0 || c.Value != "" {
				t.Fatalf("cookie %+v, want it cleared", c)
			}
			if tt.want == http.StatusUnauthorized {
				if p := problem(t, rec); p.Code != "unauthenticated" || !strings.Contains(p.Detail, "session has ended") {
					t.Fatalf("problem %+v, want unauthenticated saying the session has ended", p)
				}
			}
			if tt.want == http.StatusSeeOther && !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
				t.Fatalf("Location=%q, want the login page", rec.Header().Get("Location"))
			}
		})
	}
}
