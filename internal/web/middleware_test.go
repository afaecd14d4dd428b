package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serverWith builds another server on the fixture's database.
func (f *fixture) serverWith(opts Options) *Server {
	f.t.Helper()
	opts.DB = f.db
	s, err := New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func TestCrossOriginCookieWritesAreRefused(t *testing.T) {
	f := newFixture(t)
	secret, err := f.db.CreateSession(context.Background(), f.users["owner"].ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, site, origin string
		want               int
	}{
		{"cross-site form post", "cross-site", "https://evil.example", http.StatusForbidden},
		{"foreign Origin header only", "", "https://evil.example", http.StatusForbidden},
		{"same origin", "same-origin", "", http.StatusSeeOther},
		{"no browser headers (a script)", "", "", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "http://atrium.test/usecases/alpha/transition", strings.NewReader("to=data"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: secret})
			if tc.site != "" {
				req.Header.Set("Sec-Fetch-Site", tc.site)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			before := f.auditSize()
			rec := serve(f.srv, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d (body %.200s)", rec.Code, tc.want, rec.Body)
			}
			if tc.want == http.StatusForbidden && f.auditSize() != before {
				t.Fatal("a refused cross-origin write changed something")
			}
			if tc.want != http.StatusForbidden {
				// Put the stage back for the next case.
				f.doJSON("owner", "POST", "/api/v1/usecases/alpha/transitions", map[string]string{"to": "scoping"})
			}
		})
	}
}

func TestHostAllowList(t *testing.T) {
	f := newFixture(t)
	s := f.serverWith(Options{AllowedHosts: []string{"atrium.example.org"}})
	for host, want := range map[string]int{
		"atrium.example.org":      http.StatusOK,
		"atrium.example.org:8420": http.StatusOK,
		"evil.example":            http.StatusBadRequest,
		"127.0.0.1:8420":          http.StatusBadRequest,
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Host = host
		if rec := serve(s, req); rec.Code != want {
			t.Errorf("Host %q: status %d, want %d", host, rec.Code, want)
		}
	}
}

func TestRateLimitPerToken(t *testing.T) {
	f := newFixture(t)
	s := f.serverWith(Options{RateLimit: 0.5, RateBurst: 3})
	get := func(who string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
		return serve(s, req)
	}
	for i := range 3 {
		if rec := get("owner"); rec.Code != http.StatusOK {
			t.Fatalf("request %d within the burst = %d, want 200", i+1, rec.Code)
		}
	}
	rec := get("owner")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("request past the burst = %d, want 429", rec.Code)
	}
	if p := problem(t, rec); p.Code != "rate_limited" {
		t.Fatalf("code = %q, want rate_limited", p.Code)
	}
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || secs < 1 || secs > 3 {
		t.Fatalf("Retry-After = %q, want 1–3 seconds", rec.Header().Get("Retry-After"))
	}
	if rec := get("viewer"); rec.Code != http.StatusOK {
		t.Fatalf("another token = %d, want 200: limits are per token", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.do("owner", "GET", "/api/v1/usecases", "", nil)
	f.do("owner", "GET", "/api/v1/usecases/alpha", "", nil)
	f.do("", "GET", "/api/v1/usecases", "", nil)
	if rec := f.do("", "GET", "/metrics", "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous /metrics = %d, want 401", rec.Code)
	}
	rec := f.do("viewer", "GET", "/metrics", "", nil)
	body := rec.Body.String()
	for _, want := range []string{
		`atrium_http_requests_total{route="/api/v1/usecases",method="GET",code="200"} 1`,
		`atrium_http_requests_total{route="/api/v1/usecases",method="GET",code="401"} 1`,
		`atrium_http_requests_total{route="/api/v1/usecases/{slug}",method="GET",code="200"} 1`,
		`atrium_http_request_duration_seconds_count{route="/api/v1/usecases"} 2`,
		`atrium_http_request_duration_seconds_bucket{route="/api/v1/usecases",le="+Inf"} 2`,
		`atrium_db_open_connections{pool="write"}`,
		`# TYPE atrium_db_in_use_connections gauge`,
		`# TYPE atrium_markdown_renders_total counter`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if n := strings.Count(body, "# TYPE atrium_db_open_connections "); n != 1 {
		t.Errorf("atrium_db_open_connections declared %d times, want once", n)
	}
}

func TestReadyzReportsADeadDatabase(t *testing.T) {
	db := testDB(t)
	s := testServer(t, db)
	if rec := serve(s, httptest.NewRequest("GET", "/readyz", nil)); rec.Code != http.StatusOK {
		t.Fatalf("readyz = %d, want 200", rec.Code)
	}
	db.Close()
	rec := serve(s, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz on a closed database = %d, want 503", rec.Code)
	}
}

func TestRequestIDAndUnknownRoutes(t *testing.T) {
	f := newFixture(t)
	rec := f.do("owner", "GET", "/api/v1/nothing-here", "", nil)
	if rec.Code != http.StatusNotFound || rec.Header().Get("X-Request-Id") == "" {
		t.Fatalf("unknown API route = %d with request id %q, want 404 with an id", rec.Code, rec.Header().Get("X-Request-Id"))
	}
	problem(t, rec)
	if rec := f.do("owner", "PUT", "/api/v1/usecases", "", nil); rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound {
		t.Fatalf("wrong method = %d, want 405 or 404", rec.Code)
	}
	bad := httptest.NewRequest("GET", "/api/v1/me", nil)
	bad.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	if rec := serve(f.srv, bad); rec.Code != http.StatusUnauthorized {
		t.Fatalf("Basic auth = %d, want 401", rec.Code)
	}
}
