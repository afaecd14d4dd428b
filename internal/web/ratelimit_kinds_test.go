package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// TestRateLimitsPerKindOfCredential checks that sessions and tokens are
// limited by their own rates: one person's browser running out does not
// stop their scripts, and the other way round.
func TestRateLimitsPerKindOfCredential(t *testing.T) {
	f := newFixture(t)
	s := f.serverWith(Options{Limits: &throttle.Limits{
		Session:    throttle.Rate{PerSecond: 0.5, Burst: 2},
		Token:      throttle.Rate{PerSecond: 0.5, Burst: 5},
		Automation: throttle.Rate{PerSecond: 0.5, Burst: 1},
	}})
	secret, err := f.db.CreateSession(context.Background(), f.users["owner"].ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bySession := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: secret})
		return serve(s, req)
	}
	byToken := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["owner"])
		return serve(s, req)
	}
	for i := range 2 {
		if rec := bySession(); rec.Code != http.StatusOK {
			t.Fatalf("session request %d = %d, want 200", i+1, rec.Code)
		}
	}
	rec := bySession()
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("session past its burst = %d (Retry-After %q), want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if p := problem(t, rec); p.Code != "rate_limited" {
		t.Fatalf("code = %q, want rate_limited", p.Code)
	}
	for i := range 5 {
		if rec := byToken(); rec.Code != http.StatusOK {
			t.Fatalf("the same person's token, request %d = %d, want 200: tokens have their own limit", i+1, rec.Code)
		}
	}
	rec = byToken()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	metrics := serve(s, req).Body.String()
	for _, want := range []string{`atrium_rate_limited_total{credential="session"} 1`, `atrium_rate_limited_total{credential="token"} 1`, `atrium_rate_limited_total{credential="automation"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); rec.Code != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 2 {
		t.Fatalf("token past its burst = %d, Retry-After %q; want 429 and 1–2 s", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// TestDefaultLimitsLetATokenBurstThrough sends a script's burst with the
// defaults: none of it is refused.
func TestDefaultLimitsLetATokenBurstThrough(t *testing.T) {
	f := newFixture(t)
	s := f.serverWith(Options{Limits: &throttle.DefaultLimits})
	n := throttle.DefaultLimits.Token.Burst
	for i := range n {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["viewer"])
		if rec := serve(s, req); rec.Code != http.StatusOK {
			t.Fatalf("request %d of a burst of %d = %d, want 200", i+1, n, rec.Code)
		}
	}
}
