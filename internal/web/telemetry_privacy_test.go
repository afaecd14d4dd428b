package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// syncBuffer is a log destination the server may write to from many
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// liveTelemetry is a real server on loopback over a SQLite file the test
// can read byte by byte, with its log captured.
type liveTelemetry struct {
	*fixture
	url, file string
	log       *syncBuffer
	hs        *httptest.Server
}

func newLiveTelemetry(t *testing.T) *liveTelemetry {
	t.Helper()
	f := newFixture(t) // users, teams, use cases and tokens, on a store of its own
	file := filepath.Join(t.TempDir(), "atrium.db")
	db, err := store.Open(atrium.WithActor(context.Background(), atrium.System), file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The same cast on the file the test reads.
	f.db = db
	f.recast()
	log := &syncBuffer{}
	srv, err := New(Options{DB: db, Version: "test", Log: slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Ingester: testIngester(t, db)})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.tel = nil
	f.seedTelemetry()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &liveTelemetry{fixture: f, url: hs.URL, file: file, log: log, hs: hs}
}

// recast creates the fixture's users, teams, use cases and tokens again on
// f.db.
func (f *fixture) recast() {
	f.t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	for _, name := range []string{"admin", "owner", "viewer", "stranger"} {
		u, err := f.db.CreateUser(ctx, identity.User{Email: name + "@example.org", Name: name, Admin: name == "admin"}, "")
		if err != nil {
			f.t.Fatal(err)
		}
		_, secret, err := f.db.CreateToken(ctx, u.ID, "test", 0)
		if err != nil {
			f.t.Fatal(err)
		}
		f.users[name], f.tokens[name] = u, secret
	}
	for team, member := range map[string]string{"team-a": "owner", "team-b": "stranger"} {
		if _, err := f.db.CreateTeam(ctx, identity.Team{Slug: team, Name: team}); err != nil {
			f.t.Fatal(err)
		}
		if err := f.db.AddTeamMember(ctx, team, f.users[member].ID); err != nil {
			f.t.Fatal(err)
		}
	}
	for slug, owner := range map[string]string{"alpha": "owner", "beta": "stranger"} {
		as := atrium.WithActor(ctx, atrium.Actor{UserID: f.users[owner].ID})
		team := map[string]string{"owner": "team-a", "stranger": "team-b"}[owner]
		if _, err := f.db.CreateUseCase(as, usecase.UseCase{Slug: slug, Name: slug, TeamSlug: team}); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.db.PutGrant(ctx, "alpha", usecase.Grant{UserID: f.users["viewer"].ID, Role: usecase.Viewer}); err != nil {
		f.t.Fatal(err)
	}
}

// post sends a body over the loopback connection.
func (l *liveTelemetry) post(t *testing.T, auth, path, ctype string, body []byte) (int, []byte) {
	t.Helper()
	return l.send(t, "POST", auth, path, ctype, body)
}

func (l *liveTelemetry) send(t *testing.T, method, auth, path, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, l.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+auth)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := l.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// Personal data planted in events: each must be masked before it is stored
// or logged anywhere.
var planted = map[string]string{
	"email": "ada.lovelace@example.org",
	"phone": "+44 20 7946 0958",
	"iban":  "GB82 WEST 1234 5698 7654 32",
	"card":  "4111 1111 1111 1111",
}

// TestPersonalDataNeverReachesDisk plants e-mail addresses, phone numbers,
// IBANs and card numbers in features, segments and feedback text through
// the HTTP API with masking on, then reads the database file (and its
// write-ahead log) and the server's log for them.
func TestPersonalDataNeverReachesDisk(t *testing.T) {
	l := newLiveTelemetry(t)
	key := l.tel.keys["alpha"]
	// Masking is the default; say so explicitly with a policy that also
	// hashes a feature.
	code, out := l.send(t, "PUT", l.tokens["owner"], "/api/v1/usecases/alpha/telemetry/policy", "application/json",
		[]byte(`{"drop": [], "hash": ["customer_ref"], "mask_text": true, "retention_days": 0, "version": 0}`))
	if code != 200 {
		t.Fatalf("policy = %d %s", code, out)
	}
	var events []any
	for kind, value := range planted {
		events = append(events, map[string]any{"id": "pii-" + kind, "model": "scorer", "subject": value,
			"output":   map[string]any{"label": "approve", "score": 0.7},
			"features": map[string]any{"note": "call " + value + " today", "customer_ref": value, "plain": value},
			"segments": map[string]string{"contact": value}})
	}
	code, out = l.post(t, key, "/api/v1/ingest/predictions/batch", "application/json", mustJSONf(t, events))
	if code != 200 || !bytes.Contains(out, []byte(`"accepted":4`)) {
		t.Fatalf("batch = %d %s", code, out)
	}
	for kind, value := range planted {
		code, out = l.post(t, key, "/api/v1/ingest/feedback", "application/json", mustJSONf(t, map[string]any{
			"id": "fb-" + kind, "prediction_id": "pii-" + kind, "kind": "comment", "text": "Reach me at " + value + ", thanks"}))
		if code != 201 {
			t.Fatalf("feedback = %d %s", code, out)
		}
	}
	// What the API gives back is masked too.
	code, out = l.send(t, "GET", l.tokens["owner"], "/api/v1/usecases/alpha/predictions/pii-email", "", nil)
	if code != 200 || !bytes.Contains(out, []byte("[email]")) {
		t.Fatalf("the stored prediction = %d %s, want its note masked", code, out)
	}
	// Everything is on disk: flush the WAL into the file too, keeping both.
	if err := l.db.Close(); err != nil {
		t.Fatal(err)
	}
	var disk []byte
	for _, name := range []string{l.file, l.file + "-wal", l.file + "-shm"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	if len(disk) == 0 {
		t.Fatal("nothing read from the database files")
	}
	logs := l.log.Bytes()
	for kind, value := range planted {
		for _, form := range []string{value, strings.ReplaceAll(value, " ", "")} {
			if bytes.Contains(disk, []byte(form)) {
				t.Errorf("the %s %q is in the database file", kind, form)
			}
			if bytes.Contains(logs, []byte(form)) {
				t.Errorf("the %s %q is in the server log", kind, form)
			}
		}
	}
	if !bytes.Contains(logs, []byte(`"route":"POST /api/v1/ingest/predictions/batch"`)) &&
		!bytes.Contains(logs, []byte(`"route":"/api/v1/ingest/predictions/batch"`)) {
		t.Fatalf("the log does not show the requests; the check above proves nothing:\n%.2000s", logs)
	}
}

// TestRetentionSweepsPayloadsKeepsAggregates: with a retention of one day,
// features of events two days old are gone after the sweep, and the
// aggregates are what they were.
func TestRetentionSweepsPayloadsKeepsAggregates(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour).Format(time.RFC3339)
	var events []any
	for i := range 5 {
		events = append(events, map[string]any{"id": "old-" + itoa(int64(i)), "model": "scorer", "time": old,
			"output": map[string]any{"score": 0.1 * float64(i+1)}, "features": map[string]any{"income": 30000 + i}})
	}
	events = append(events, map[string]any{"id": "fresh", "model": "scorer", "output": map[string]any{"score": 0.5}, "features": map[string]any{"income": 1}})
	if a := batchOf(t, f.ingest("alpha", ingestPredictions+"/batch", "application/json", mustJSONf(t, events))); a.Accepted != 6 {
		t.Fatalf("batch: %+v", a)
	}
	rec := f.doJSON("owner", "PUT", "/api/v1/usecases/alpha/telemetry/policy", map[string]any{"drop": []string{}, "hash": []string{},
		"mask_text": true, "retention_days": 1, "version": 0})
	if rec.Code != 200 {
		t.Fatalf("policy = %d %s", rec.Code, rec.Body)
	}
	aggPath := "/api/v1/usecases/alpha/telemetry/aggregates?from=" + url.QueryEscape(now.Add(-72*time.Hour).Format(time.RFC3339)) +
		"&to=" + url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339))
	before := f.do("viewer", "GET", aggPath, "", nil)
	if before.Code != 200 || !strings.Contains(before.Body.String(), `"predictions":5`) {
		t.Fatalf("aggregates before = %d %.500s", before.Code, before.Body)
	}
	if _, err := f.db.SweepPayloads(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	for id, kept := range map[string]bool{"old-0": false, "old-4": false, "fresh": true} {
		rec := f.do("owner", "GET", "/api/v1/usecases/alpha/predictions/"+id, "", nil)
		var p telemetry.Prediction
		if err := json.Unmarshal(rec.Body.Bytes(), &p); rec.Code != 200 || err != nil {
			t.Fatalf("%s = %d %s", id, rec.Code, rec.Body)
		}
		if got := p.Features != nil; got != kept {
			t.Errorf("%s: features kept = %v, want %v", id, got, kept)
		}
		if p.Output.Score == nil {
			t.Errorf("%s: the slim row lost its output", id)
		}
	}
	after := f.do("viewer", "GET", aggPath, "", nil)
	if after.Code != 200 || after.Body.String() != before.Body.String() {
		t.Fatalf("aggregates changed with the sweep:\nbefore %s\nafter  %s", before.Body, after.Body)
	}
}

// TestHighRiskFloor: a high-risk use case keeps features at least 180 days,
// and the refusal says why, through the API and on the page.
func TestHighRiskFloor(t *testing.T) {
	f := newFixture(t)
	policy := func(days int, version int64) *httptest.ResponseRecorder {
		return f.doJSON("owner", "PUT", "/api/v1/usecases/alpha/telemetry/policy", map[string]any{"drop": []string{}, "hash": []string{},
			"mask_text": true, "retention_days": days, "version": version})
	}
	if rec := policy(30, 0); rec.Code != 200 {
		t.Fatalf("policy 30 days = %d %s", rec.Code, rec.Body)
	}
	rec := f.doJSON("owner", "PUT", "/api/v1/usecases/alpha/risk", map[string]any{"high_risk": true})
	if rec.Code != 409 || !strings.Contains(problem(t, rec).Detail, "180") {
		t.Fatalf("high-risk with 30 days = %d %s, want 409 naming the floor", rec.Code, rec.Body)
	}
	if rec := policy(200, 1); rec.Code != 200 {
		t.Fatalf("policy 200 days = %d %s", rec.Code, rec.Body)
	}
	if rec := policy(300, 1); rec.Code != 409 {
		t.Fatalf("policy with a stale version = %d, want 409", rec.Code)
	}
	if rec := f.doJSON("owner", "PUT", "/api/v1/usecases/alpha/risk", map[string]any{"high_risk": true}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"high_risk":true`) {
		t.Fatalf("high-risk with 200 days = %d %s", rec.Code, rec.Body)
	}
	rec = policy(30, 2)
	if rec.Code != 400 || !strings.Contains(problem(t, rec).Detail, "180") {
		t.Fatalf("30 days on a high-risk use case = %d %s, want 400 naming the floor", rec.Code, rec.Body)
	}
	if rec := f.doJSON("viewer", "PUT", "/api/v1/usecases/alpha/risk", map[string]any{"high_risk": false}); rec.Code != 403 {
		t.Fatalf("a viewer lowering the risk = %d, want 403", rec.Code)
	}

	// The page's form shows the same refusal beside the form, keeping what
	// was typed.
	form := url.Values{"drop": {"email"}, "hash": {""}, "mask_text": {"on"}, "retention_days": {"30"}, "version": {"2"}}
	req := httptest.NewRequest("POST", "/usecases/alpha/telemetry/policy", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.sessionOf("owner")})
	page := serve(f.srv, req)
	if page.Code != http.StatusUnprocessableEntity && page.Code != http.StatusBadRequest {
		t.Fatalf("the page's form = %d, want 422 with the form again", page.Code)
	}
	body := page.Body.String()
	for _, want := range []string{`role="alert"`, "180", `value="30"`, ">email</textarea>"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the form's answer lacks %q:\n%s", want, body)
		}
	}
}
