package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// The tool is tested against a real Atrium server on loopback: the web
// server over an SQLite store, with a token of a team member. Routes that
// are still being built on other branches — the native registry API and
// MLflow's run endpoints — are served, for now, by the handlers at the end
// of this file, which implement the shared contract over the same real
// store (registry) or check MLflow's documented request shape (tracking).
// Once those routes are in the server, testServer can hand it everything.

type testEnv struct {
	db     *store.DB
	url    string
	token  string
	member atrium.Actor
	// logged counts the metrics log-batch received, batches the requests.
	logged, batches atomic.Int64
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, err := db.CreateUser(ctx, identity.User{Email: "load@example.org", Name: "Load"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "ml", Name: "ML"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeamMember(ctx, "ml", u.ID); err != nil {
		t.Fatal(err)
	}
	_, secret, err := db.CreateToken(ctx, u.ID, "load", 0)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := telemetry.NewPseudonymiser(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(ingest.Options{DB: db, Pseudonymiser: ps})
	t.Cleanup(in.Close) // before the store closes
	srv, err := web.New(web.Options{DB: db, Version: "test", Ingester: in})
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{db: db, token: secret, member: atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name}}
	mux := http.NewServeMux()
	env.contractRoutes(mux)
	mux.Handle("/", srv)
	hs := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(hs.Close)
	env.url = hs.URL
	return env
}

// load runs the tool with args and returns its JSON report.
func (e *testEnv) load(t *testing.T, args ...string) (report, error) {
	t.Helper()
	var out, errw bytes.Buffer
	env := func(k string) string {
		if k == "ATRIUM_TOKEN" {
			return e.token
		}
		return ""
	}
	err := run(t.Context(), append([]string{"-url", e.url, "-json"}, args...), env, &out, &errw)
	var rep report
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("report is not JSON: %v\n%s", jerr, out.String())
		}
	}
	return rep, err
}

func TestCreateVersionAgainstServer(t *testing.T) {
	e := newTestEnv(t)
	rep, err := e.load(t, "-scenario", "create-version", "-clients", "8", "-duration", "400ms", "-team", "ml")
	if err != nil {
		t.Fatalf("create-version: %v (report %+v)", err, rep)
	}
	if rep.OK == 0 || rep.Failed != 0 || len(rep.Errors) != 0 {
		t.Fatalf("report %+v, want successes and no errors", rep)
	}
	if rep.P50 <= 0 || rep.P50 > rep.P95 || rep.P95 > rep.P99 || rep.P99 > rep.Max {
		t.Errorf("percentiles out of order: %+v", rep)
	}
	if !strings.Contains(rep.Check, "no gaps") {
		t.Errorf("check = %q", rep.Check)
	}
	// What the server stored is what the tool counted, and audited.
	ctx := atrium.WithActor(context.Background(), e.member)
	a, err := e.db.GetAsset(ctx, "atrium-load", registry.Ref{Kind: registry.Model, Name: "load-model"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Versions != rep.OK {
		t.Errorf("model has %d versions, tool counted %d creates", a.Versions, rep.OK)
	}
	var entries []audit.Entry
	if err := e.db.AllAuditEntries(ctx, func(en audit.Entry) error { entries = append(entries, en); return nil }); err != nil {
		t.Fatal(err)
	}
	head, err := e.db.AuditHeadSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(entries, nil, nil, "", head); err != nil {
		t.Errorf("audit log after the load: %v", err)
	}
	// A second run reuses the use case and model and carries on numbering.
	rep2, err := e.load(t, "-scenario", "create-version", "-clients", "2", "-duration", "200ms")
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(rep2.Check, fmt.Sprintf("versions %d…", rep.OK+1)) {
		t.Errorf("second run check = %q, want numbers from %d", rep2.Check, rep.OK+1)
	}
}

func TestReadScenariosAgainstServer(t *testing.T) {
	e := newTestEnv(t)
	for _, sc := range []string{"get-version", "list-versions"} {
		rep, err := e.load(t, "-scenario", sc, "-clients", "4", "-duration", "300ms", "-seed", "120", "-team", "ml")
		if err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		if rep.OK == 0 || rep.Failed != 0 {
			t.Errorf("%s: report %+v, want successes and no errors", sc, rep)
		}
	}
	a, err := e.db.GetAsset(atrium.WithActor(context.Background(), e.member), "atrium-load", registry.Ref{Kind: registry.Model, Name: "load-model"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Versions != 120 {
		t.Errorf("seeded %d versions, want 120 (seeded once, then reused)", a.Versions)
	}
}

func TestLogBatchAgainstServer(t *testing.T) {
	e := newTestEnv(t)
	rep, err := e.load(t, "-scenario", "mlflow-log-batch", "-clients", "4", "-duration", "300ms", "-metrics", "50")
	if err != nil {
		t.Fatalf("mlflow-log-batch: %v", err)
	}
	if rep.OK == 0 || rep.Failed != 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := e.batches.Load(); got != int64(rep.OK) {
		t.Errorf("server took %d batches, tool counted %d", got, rep.OK)
	}
	if got := e.logged.Load(); got != int64(rep.OK*50) {
		t.Errorf("server got %d metrics, want %d", got, rep.OK*50)
	}
}

func TestSetUpNeedsTeamOrUseCase(t *testing.T) {
	e := newTestEnv(t)
	_, err := e.load(t, "-scenario", "create-version", "-duration", "100ms")
	if err == nil || !strings.Contains(err.Error(), "-team") {
		t.Errorf("without a use case or -team: %v, want a hint about -team", err)
	}
	e.token = "not-a-token"
	_, err = e.load(t, "-scenario", "create-version", "-duration", "100ms", "-team", "ml")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v, want the 401", err)
	}
}

// TestErrorsByStatus drives a small server that refuses every third read,
// and checks the tool's accounting.
func TestErrorsByStatus(t *testing.T) {
	var n atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/usecases/uc"):
			w.Write([]byte(`{"slug":"uc"}`))
		case strings.HasSuffix(r.URL.Path, "/assets/model/m"):
			w.Write([]byte(`{"name":"m","versions":500}`))
		case strings.Contains(r.URL.Path, "/assets/model/m/versions/"):
			if n.Add(1)%3 == 0 {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"status":503,"detail":"too many writes are waiting"}`))
				return
			}
			w.Write([]byte(`{"number":1}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	var out bytes.Buffer
	err := run(t.Context(), []string{"-url", hs.URL, "-token", "tok", "-usecase", "uc", "-model", "m", "-scenario", "get-version",
		"-clients", "3", "-duration", "200ms"}, func(string) string { return "" }, &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	total := n.Load()
	refused := total / 3
	for _, want := range []string{"scenario    get-version", fmt.Sprintf("requests    %d (%d ok, %d failed)", total, total-refused, refused),
		fmt.Sprintf("errors      503: %d", refused), "503 e.g.   too many writes are waiting"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestFlags(t *testing.T) {
	env := func(string) string { return "" }
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{}, "API token is required"},
		{[]string{"-token", "x", "-url", "http://example.org"}, "not on loopback"},
		{[]string{"-token", "x", "-url", "ftp://127.0.0.1"}, "http or https"},
		{[]string{"-token", "x", "-scenario", "drop-tables"}, "unknown scenario"},
		{[]string{"-token", "x", "-clients", "0"}, "-clients"},
		{[]string{"-token", "x", "-clients", "100000"}, "-clients"},
		{[]string{"-token", "x", "-metrics", "1001"}, "MLflow's limit"},
		{[]string{"-token", "x", "-duration", "0s"}, "-duration"},
		{[]string{"-token", "x", "-usecase", "a/b"}, "-usecase"},
		{[]string{"-token", "x", "extra"}, "unexpected argument"},
	} {
		_, err := parseFlags(tt.args, env, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
	cfg, err := parseFlags([]string{"-url", "http://localhost:9/base/"}, func(k string) string {
		if k == "ATRIUM_TOKEN" {
			return "from-env"
		}
		return ""
	}, &bytes.Buffer{})
	if err != nil || cfg.token != "from-env" || cfg.base.Path != "/base" {
		t.Errorf("cfg = %+v, %v", cfg, err)
	}
	cfg, err = parseFlags([]string{"-scenario", "mlflow-log-batch"}, func(k string) string {
		if k == "MLFLOW_TRACKING_TOKEN" {
			return "bound"
		}
		return ""
	}, &bytes.Buffer{})
	if err != nil || cfg.token != "bound" {
		t.Errorf("mlflow-log-batch token from MLFLOW_TRACKING_TOKEN: %+v, %v", cfg, err)
	}
	if _, err := parseFlags([]string{"-token", "x", "-url", "http://example.org", "-remote"}, env, &bytes.Buffer{}); err != nil {
		t.Errorf("-remote: %v", err)
	}
}

func TestPercentiles(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(100-i) * time.Millisecond // 100…1 ms, unsorted
	}
	p50, p95, p99, top, mean := percentiles(lat)
	if p50 != 50 || p95 != 95 || p99 != 99 || top != 100 || mean != 50.5 {
		t.Errorf("percentiles = %v %v %v %v %v, want 50 95 99 100 50.5", p50, p95, p99, top, mean)
	}
	if p50, _, _, _, _ := percentiles(nil); p50 != 0 {
		t.Errorf("no samples: p50 = %v", p50)
	}
}

// contractRoutes serves the parts of the native registry API (the shared
// contract) and of MLflow's REST API the tool calls, until the server has
// them: registry calls go to the real store as the token's user; MLflow
// calls are checked against MLflow's documented request shapes.
func (e *testEnv) contractRoutes(mux *http.ServeMux) {
	resp := &respond.Responder{}
	authed := func(h func(w http.ResponseWriter, r *http.Request, ctx context.Context)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			actor, err := e.db.TokenActor(r.Context(), secret)
			if !ok || err != nil {
				resp.Fail(w, r, atrium.Errorf(atrium.Unauthenticated, "a valid API token is required"))
				return
			}
			h(w, r, atrium.WithActor(r.Context(), actor))
		}
	}
	ref := func(r *http.Request) registry.Ref {
		return registry.Ref{Kind: registry.Kind(r.PathValue("kind")), Name: r.PathValue("name")}
	}
	base := "/api/v1/usecases/{slug}/assets"
	mux.HandleFunc("POST "+base, authed(func(w http.ResponseWriter, r *http.Request, ctx context.Context) {
		in, err := respond.Decode[registry.Asset](w, r)
		if err == nil {
			in, err = e.db.CreateAsset(ctx, r.PathValue("slug"), in)
		}
		resp.Reply(w, r, http.StatusCreated, in, err)
	}))
	mux.HandleFunc("GET "+base+"/{kind}/{name}", authed(func(w http.ResponseWriter, r *http.Request, ctx context.Context) {
		a, err := e.db.GetAsset(ctx, r.PathValue("slug"), ref(r))
		resp.Reply(w, r, http.StatusOK, a, err)
	}))
	mux.HandleFunc("POST "+base+"/{kind}/{name}/versions", authed(func(w http.ResponseWriter, r *http.Request, ctx context.Context) {
		in, err := respond.Decode[registry.Version](w, r)
		if err == nil {
			in, err = e.db.CreateVersion(ctx, r.PathValue("slug"), ref(r), in)
		}
		resp.Reply(w, r, http.StatusCreated, in, err)
	}))
	mux.HandleFunc("GET "+base+"/{kind}/{name}/versions", authed(func(w http.ResponseWriter, r *http.Request, ctx context.Context) {
		p, err := atrium.ParsePage(r.URL.Query().Get("page_size"), r.URL.Query().Get("page_token"))
		if err != nil {
			resp.Fail(w, r, err)
			return
		}
		page, err := e.db.ListVersions(ctx, r.PathValue("slug"), ref(r), p)
		resp.Reply(w, r, http.StatusOK, page, err)
	}))
	mux.HandleFunc("GET "+base+"/{kind}/{name}/versions/{n}", authed(func(w http.ResponseWriter, r *http.Request, ctx context.Context) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil {
			resp.Fail(w, r, atrium.Errorf(atrium.Invalid, "version must be a number"))
			return
		}
		v, err := e.db.GetVersion(ctx, r.PathValue("slug"), ref(r), n)
		resp.Reply(w, r, http.StatusOK, v, err)
	}))

	var mu sync.Mutex
	runs := map[string]bool{}
	mlflow := "POST /api/2.0/mlflow/"
	mux.HandleFunc(mlflow+"experiments/create", authed(func(w http.ResponseWriter, r *http.Request, _ context.Context) {
		in, err := respond.Decode[struct {
			Name string `json:"name"`
		}](w, r)
		if err == nil && in.Name == "" {
			err = atrium.Errorf(atrium.Invalid, "name is required")
		}
		resp.Reply(w, r, http.StatusOK, map[string]string{"experiment_id": "1"}, err)
	}))
	mux.HandleFunc(mlflow+"runs/create", authed(func(w http.ResponseWriter, r *http.Request, _ context.Context) {
		in, err := respond.Decode[struct {
			ExperimentID string `json:"experiment_id"`
			StartTime    int64  `json:"start_time"`
			RunName      string `json:"run_name"`
		}](w, r)
		if err == nil && (in.ExperimentID != "1" || in.StartTime == 0) {
			err = atrium.Errorf(atrium.Invalid, "experiment_id and start_time are required")
		}
		id := atrium.NewID()
		mu.Lock()
		runs[id] = true
		mu.Unlock()
		resp.Reply(w, r, http.StatusOK, map[string]any{"run": map[string]any{"info": map[string]string{"run_id": id}}}, err)
	}))
	mux.HandleFunc(mlflow+"runs/log-batch", authed(func(w http.ResponseWriter, r *http.Request, _ context.Context) {
		in, err := respond.Decode[logBatchIn](w, r)
		if err != nil {
			resp.Fail(w, r, err)
			return
		}
		mu.Lock()
		known := runs[in.RunID]
		mu.Unlock()
		if !known || len(in.Metrics) == 0 || len(in.Metrics) > 1000 {
			resp.Fail(w, r, atrium.Errorf(atrium.Invalid, "unknown run or bad metric count"))
			return
		}
		for _, m := range in.Metrics {
			if m.Key == "" || m.Timestamp <= 0 || m.Step < 0 {
				resp.Fail(w, r, atrium.Errorf(atrium.Invalid, "a metric needs key, timestamp and step"))
				return
			}
		}
		e.batches.Add(1)
		e.logged.Add(int64(len(in.Metrics)))
		respond.JSON(w, http.StatusOK, struct{}{})
	}))
}
