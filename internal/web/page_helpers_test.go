package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// testPassword is every seeded person's password in the page tests.
const testPassword = "correct horse battery"

// site is a server on a real SQLite store, seen through a browser's eyes:
//   - grace: administrator, member of the forecasting team
//   - ada: member of the forecasting team, owner of use case "churn"
//   - bob: in no team and with no grants
type site struct {
	t               testing.TB
	db              *store.DB
	srv             *Server
	grace, ada, bob identity.User
	sessions        map[string]string // user id → session secret
	forecasting     identity.Team
}

func newSite(t testing.TB) *site {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db := testDB(t)
	srv := testServer(t, db)
	s := &site{t: t, db: db, srv: srv, sessions: map[string]string{}}
	s.grace = s.user(ctx, "grace@example.org", "Grace Hopper", true)
	s.ada = s.user(ctx, "ada@example.org", "Ada Lovelace", false)
	s.bob = s.user(ctx, "bob@example.org", "Bob Builder", false)
	var err error
	if s.forecasting, err = db.CreateTeam(ctx, identity.Team{Slug: "forecasting", Name: "Forecasting"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []identity.User{s.grace, s.ada} {
		if err := db.AddTeamMember(ctx, "forecasting", u.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.useCase(s.ada, usecase.UseCase{Slug: "churn", Name: "Churn forecast", Summary: "Which customers are about to leave?"})
	return s
}

func (s *site) user(ctx context.Context, email, name string, admin bool) identity.User {
	s.t.Helper()
	u, err := s.db.CreateUser(ctx, identity.User{Email: email, Name: name, Admin: admin}, testPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// as is a context acting as u, for direct store calls.
func (s *site) as(u identity.User) context.Context {
	return atrium.WithActor(context.Background(), atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin})
}

// useCase creates a use case owned by u in the forecasting team.
func (s *site) useCase(u identity.User, in usecase.UseCase) usecase.UseCase {
	s.t.Helper()
	if in.TeamSlug == "" {
		in.TeamSlug = "forecasting"
	}
	out, err := s.db.CreateUseCase(s.as(u), in)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// session returns a browser session for u, made once per user.
func (s *site) session(u identity.User) string {
	s.t.Helper()
	if v, ok := s.sessions[u.ID]; ok {
		return v
	}
	v, err := s.db.CreateSession(s.as(u), u.ID, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	s.sessions[u.ID] = v
	return v
}

// do sends a request as u (the zero User for nobody), the way a browser
// would: with the session cookie and, for forms, an urlencoded body.
func (s *site) do(u identity.User, method, path string, form url.Values) *httptest.ResponseRecorder {
	s.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if u.ID != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.session(u)})
	}
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req)
	return rec
}

func (s *site) get(u identity.User, path string) *httptest.ResponseRecorder {
	s.t.Helper()
	return s.do(u, http.MethodGet, path, nil)
}

func (s *site) post(u identity.User, path string, form url.Values) *httptest.ResponseRecorder {
	s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return s.do(u, http.MethodPost, path, form)
}

// expect fails unless rec has the status and its body holds every want.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, want ...string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status=%d, want %d; body:\n%s", rec.Code, status, rec.Body)
	}
	for _, w := range want {
		if !strings.Contains(rec.Body.String(), w) {
			t.Fatalf("body does not contain %q; body:\n%s", w, rec.Body)
		}
	}
}

// expectRedirect fails unless rec is a 303 to a location starting with want.
func expectRedirect(t *testing.T, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), want) {
		t.Fatalf("status=%d Location=%q, want 303 to %q; body:\n%s", rec.Code, rec.Header().Get("Location"), want, rec.Body)
	}
}

// stageOf reads a use case's stage straight from the store.
func (s *site) stageOf(slug string) usecase.Stage {
	s.t.Helper()
	u, err := s.db.GetUseCase(s.as(s.grace), slug)
	if err != nil {
		s.t.Fatal(err)
	}
	return u.Stage
}

// serve runs one hand-made request through the server.
func serve(srv *Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}
