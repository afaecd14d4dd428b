package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// fixture is a server on a real SQLite store with a small cast:
//   - admin: administrator
//   - owner: member of team-a, owner of use case "alpha"
//   - viewer: holds the viewer role on "alpha" and nothing else
//   - stranger: member of team-b, owner of use case "beta"
//
// Alpha has a human-centric canvas with one saved section, one objective
// and one published iteration, a stakeholder and a decision linked to the
// canvas's requirements section.
type fixture struct {
	t      *testing.T
	db     *store.DB
	srv    *Server
	users  map[string]identity.User
	tokens map[string]string
	grant  int64 // id of the viewer's grant on alpha

	canvas      canvas.Canvas // alpha's canvas
	objective   int64
	stakeholder int64
	decision    int    // number of alpha's decision
	run         string // id of alpha's run, once seeded

	// access counts the store's use-case access checks.
	access atomic.Int64

	// tel holds the ingestion keys and events seedTelemetry made.
	tel *telemetryFixture
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	f := &fixture{t: t, users: map[string]identity.User{}, tokens: map[string]string{}}
	db := testDB(t, store.CountAccess(&f.access))
	f.db, f.srv = db, testServer(t, db)
	for _, name := range []string{"admin", "owner", "viewer", "stranger"} {
		u, err := db.CreateUser(ctx, identity.User{Email: name + "@example.org", Name: name, Admin: name == "admin"}, "")
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := db.CreateToken(ctx, u.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		f.users[name], f.tokens[name] = u, secret
	}
	for team, member := range map[string]string{"team-a": "owner", "team-b": "stranger"} {
		if _, err := db.CreateTeam(ctx, identity.Team{Slug: team, Name: team}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddTeamMember(ctx, team, f.users[member].ID); err != nil {
			t.Fatal(err)
		}
	}
	for slug, owner := range map[string]string{"alpha": "owner", "beta": "stranger"} {
		as := atrium.WithActor(ctx, atrium.Actor{UserID: f.users[owner].ID})
		team := map[string]string{"owner": "team-a", "stranger": "team-b"}[owner]
		if _, err := db.CreateUseCase(as, usecase.UseCase{Slug: slug, Name: slug, TeamSlug: team}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := db.PutGrant(ctx, "alpha", usecase.Grant{UserID: f.users["viewer"].ID, Role: usecase.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	f.grant = g.ID
	f.seedCanvas(atrium.WithActor(ctx, atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"}))
	return f
}

// fixtureTemplate is the template of the fixture's canvas.
const fixtureTemplate = "human-centric-mlops"

// seedCanvas gives alpha its canvas and records, made by the owner.
func (f *fixture) seedCanvas(ctx context.Context) {
	f.t.Helper()
	t := f.template(fixtureTemplate)
	c, err := f.db.CreateCanvas(ctx, "alpha", t, "Alpha plan", map[string]string{"team-name": "Team A"})
	if err != nil {
		f.t.Fatal(err)
	}
	content := "We want to **cut** manual review time."
	if _, err := f.db.SaveSection(ctx, "alpha", c.ID, canvas.SectionEdit{SectionID: "problem-definition", Content: &content}); err != nil {
		f.t.Fatal(err)
	}
	o, err := f.db.CreateObjective(ctx, "alpha", c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "AUC",
		Comparator: ">=", Target: 0.78, MeasuredAt: canvas.AtEvaluation, MinSamples: 5000})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.PublishIteration(ctx, "alpha", c.ID, "first cut"); err != nil {
		f.t.Fatal(err)
	}
	sh, err := f.db.CreateStakeholder(ctx, "alpha", people.Stakeholder{Kind: people.User, Name: "Loan officers", Role: "decide on applications"})
	if err != nil {
		f.t.Fatal(err)
	}
	d, err := f.db.CreateDecision(ctx, "alpha", decision.Decision{Title: "Officers keep the last word", Status: decision.Accepted,
		Links: []decision.Link{{Kind: "section", Target: "requirements"}}})
	if err != nil {
		f.t.Fatal(err)
	}
	if f.canvas, _, err = f.db.GetCanvas(ctx, "alpha", c.ID); err != nil {
		f.t.Fatal(err)
	}
	f.objective, f.stakeholder, f.decision = o.ID, sh.ID, d.Number
}

// template returns a template of the fixture server's library.
func (f *fixture) template(id string) *canvas.Template {
	f.t.Helper()
	t, ok := f.srv.templates.Get(id)
	if !ok {
		f.t.Fatalf("no template %q", id)
	}
	return t
}

// do sends a request as the named user ("" for no credentials) with a raw
// body and returns the recorded response.
func (f *fixture) do(who, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// doJSON sends v as a JSON body.
func (f *fixture) doJSON(who, method, path string, v any) *httptest.ResponseRecorder {
	f.t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.do(who, method, path, "application/json", body)
}

// auditSize is the number of audit entries: every stored change adds one, so
// an unchanged size proves a refused request stored nothing.
func (f *fixture) auditSize() int64 {
	f.t.Helper()
	n, err := f.db.AuditHeadSize(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// problem decodes a problem document, failing if the response is not one.
func problem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type=%q, want application/problem+json (body %s)", ct, rec.Body)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body %q: %v", rec.Body, err)
	}
	if p.Status != rec.Code || p.Code == "" || strings.TrimSpace(p.Detail) == "" {
		t.Fatalf("problem %+v does not describe status %d with a code and a detail", p, rec.Code)
	}
	return p
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ownerTokenID returns the id of the owner's API token.
func (f *fixture) ownerTokenID() string {
	f.t.Helper()
	page, err := f.db.ListTokens(context.Background(), f.users["owner"].ID, atrium.PageRequest{Size: 10})
	if err != nil || len(page.Items) == 0 {
		f.t.Fatalf("owner tokens: %v", err)
	}
	return page.Items[0].ID
}

// testDB opens a fresh SQLite store in the test's temporary folder and
// closes it when the test ends.
func testDB(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	db, err := store.Open(atrium.WithActor(context.Background(), atrium.System), filepath.Join(t.TempDir(), "atrium.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testServer builds a Server over db with the options tests share.
func testServer(t testing.TB, db *store.DB) *Server {
	t.Helper()
	srv, err := New(Options{DB: db, Version: "test", Artifacts: testBlobs(t), ArtifactMaxBytes: testArtifactMax, Ingester: testIngester(t, db)})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}
