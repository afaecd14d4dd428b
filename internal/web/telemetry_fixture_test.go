package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	ingestion "github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	webtelemetry "github.com/atrium-mlops/atrium/internal/web/telemetry"
)

// testPseudonymKey is the pseudonymisation key of every test server.
var testPseudonymKey = bytes.Repeat([]byte{0x5a}, 32)

// testIngester is an ingester on db, closed when the test ends (before the
// store, whose cleanup was registered first).
func testIngester(t testing.TB, db *store.DB) *ingestion.Ingester {
	t.Helper()
	ps, err := telemetry.NewPseudonymiser(testPseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	in := ingestion.New(ingestion.Options{DB: db, Pseudonymiser: ps})
	t.Cleanup(in.Close)
	return in
}

// telemetryFixture is what seedTelemetry made: ingestion keys by name
// ("alpha" with the default model scorer, "spare" and "revoked" of alpha,
// "beta" of beta) and the id of alpha's first prediction.
type telemetryFixture struct {
	keys, keyIDs map[string]string
}

// matrixPrediction is the id of the prediction seedTelemetry reports.
const matrixPrediction = "p-matrix"

// paramValues fill the path parameters of the authorisation matrix that
// name telemetry objects.
var paramValues = map[string]func(*fixture) string{
	"INGESTKEY":  func(f *fixture) string { return f.tel.keyIDs["spare"] },
	"PREDICTION": func(*fixture) string { return matrixPrediction },
}

// seedTelemetry registers alpha's assets if need be, creates the ingestion
// keys and reports one prediction for alpha.
func (f *fixture) seedTelemetry() {
	f.t.Helper()
	if f.tel != nil {
		return
	}
	if _, err := f.db.GetAsset(f.ownerCtx(), "alpha", registry.Ref{Kind: registry.Model, Name: "scorer"}); err != nil {
		f.seedAssets()
	}
	f.tel = &telemetryFixture{keys: map[string]string{}, keyIDs: map[string]string{}}
	for name, c := range map[string]struct {
		slug, owner, model string
	}{"alpha": {"alpha", "owner", "scorer"}, "spare": {"alpha", "owner", ""}, "revoked": {"alpha", "owner", ""}, "beta": {"beta", "stranger", ""}} {
		ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users[c.owner].ID, Name: c.owner})
		k, secret, err := f.db.CreateIngestKey(ctx, c.slug, name, c.model)
		if err != nil {
			f.t.Fatal(err)
		}
		f.tel.keys[name], f.tel.keyIDs[name] = secret, k.ID
		if name == "revoked" {
			if _, err := f.db.RevokeIngestKey(ctx, c.slug, k.ID); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	rec := f.ingest("alpha", "/api/v1/ingest/predictions", "application/json",
		mustJSONf(f.t, map[string]any{"id": matrixPrediction, "output": map[string]any{"label": "approve", "score": 0.8}, "features": map[string]any{"income": 52000}}))
	if rec.Code != http.StatusCreated {
		f.t.Fatalf("seeding a prediction = %d %s", rec.Code, rec.Body)
	}
}

// ownerCtx acts as alpha's owner, for direct store calls.
func (f *fixture) ownerCtx() context.Context {
	return atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"})
}

// ingest sends a body with the named ingestion key ("" for none).
func (f *fixture) ingest(key, path, contentType string, body []byte, header ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+f.tel.keys[key])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// batchOf decodes a batch answer.
func batchOf(t *testing.T, rec *httptest.ResponseRecorder) webtelemetry.BatchAnswer {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("batch = %d, want 200 (body %s)", rec.Code, rec.Body)
	}
	var a webtelemetry.BatchAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("batch answer %s: %v", rec.Body, err)
	}
	if a.Accepted+a.Duplicates+a.Refused != len(a.Items) {
		t.Fatalf("batch counts %d+%d+%d do not add up to %d items", a.Accepted, a.Duplicates, a.Refused, len(a.Items))
	}
	return a
}

// itemOf decodes a single event's answer.
func itemOf(t *testing.T, rec *httptest.ResponseRecorder) telemetry.ItemResult {
	t.Helper()
	var it telemetry.ItemResult
	if err := json.Unmarshal(rec.Body.Bytes(), &it); err != nil {
		t.Fatalf("item answer %s: %v", rec.Body, err)
	}
	return it
}

// predictionCount is how many predictions of a use case its owner can
// list (the tests store far fewer than a page).
func (f *fixture) predictionCount(slug string) int {
	f.t.Helper()
	page, err := f.db.ListPredictions(f.ownerCtx(), slug, store.PredictionFilter{}, atrium.PageRequest{Size: atrium.MaxPageSize})
	if err != nil {
		f.t.Fatal(err)
	}
	if page.NextPageToken != "" {
		f.t.Fatal("more predictions than one page; count them another way")
	}
	return len(page.Items)
}

func mustJSONf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sessionOf is a browser session of the named fixture user.
func (f *fixture) sessionOf(who string) string {
	f.t.Helper()
	s, err := f.db.CreateSession(context.Background(), f.users[who].ID, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// checkIngestRoute is the authorisation matrix of an ingestion route: only
// a live ingestion key of the use case gets in, and every other credential
// is told what it needs.
func (f *fixture) checkIngestRoute(t *testing.T, rt route, c apiCase) {
	path, body := c.path(f, rt.pattern, "alpha"), c.bodyFor(f)
	refusedWith := func(rec *httptest.ResponseRecorder, who string, words ...string) {
		t.Helper()
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("%s = %d, want 401 (body %s)", who, rec.Code, rec.Body)
		}
		p := problem(t, rec)
		for _, w := range words {
			if !strings.Contains(p.Detail, w) {
				t.Fatalf("%s: detail %q does not say %q", who, p.Detail, w)
			}
		}
	}
	before := f.predictionCount("alpha")
	refusedWith(f.ingest("", path, c.mediaType(), body), "no credential", "ingestion key", "atrium ingest-key create")
	refusedWith(f.do("owner", rt.method, path, c.mediaType(), body), "the owner's API token", "ingestion key", "not a user's API token")
	rec := f.ingest("", path, c.mediaType(), body, "Cookie", sessionCookie+"="+f.sessionOf("owner"))
	refusedWith(rec, "the owner's session", "ingestion key")
	refusedWith(f.ingest("revoked", path, c.mediaType(), body), "a revoked key")
	bogus := "atri_" + strings.Repeat("x", 43)
	refusedWith(f.ingest("", path, c.mediaType(), body, "Authorization", "Bearer "+bogus), "an unknown key")
	if got := f.predictionCount("alpha"); got != before {
		t.Fatalf("refused requests stored predictions: %d, want %d", got, before)
	}

	// Another use case's key cannot report into alpha: the events it sends
	// name a model or a prediction beta does not have.
	rec = f.ingest("beta", path, c.mediaType(), body)
	if strings.HasSuffix(rt.pattern, "/batch") {
		if a := batchOf(t, rec); a.Accepted != 0 || a.Duplicates != 0 {
			t.Fatalf("beta's key: %+v, want every event refused", a)
		}
	} else if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("beta's key = %d, want a refusal (body %s)", rec.Code, rec.Body)
	}

	// Alpha's key gets in.
	rec = f.ingest("alpha", path, c.mediaType(), body)
	switch {
	case strings.HasSuffix(rt.pattern, "/batch"):
		if a := batchOf(t, rec); a.Refused != 0 || a.Accepted+a.Duplicates == 0 {
			t.Fatalf("alpha's key: %+v, want every event stored", a)
		}
	case rec.Code != http.StatusCreated && rec.Code != http.StatusOK:
		t.Fatalf("alpha's key = %d, want 201 or 200 (body %s)", rec.Code, rec.Body)
	}
}
