package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The telemetry routes' rows of the authorisation matrix. The ingestion
// routes (access ingest) are checked by checkIngestRoute; the others as
// every use-case route is.
func init() {
	pred := func(id string) map[string]any {
		return map[string]any{"id": id, "model": "scorer", "version": "champion", "output": map[string]any{"score": 0.42},
			"features": map[string]any{"income": 41000, "region": "north"}, "segments": map[string]string{"channel": "web"}}
	}
	for k, c := range map[string]apiCase{
		"POST /api/v1/ingest/predictions": {body: func(*fixture) any { return pred("p-authz") }},
		"POST /api/v1/ingest/predictions/batch": {body: func(*fixture) any {
			return []any{pred("p-authz-1"), pred("p-authz-2")}
		}},
		"POST /api/v1/ingest/outcomes": {body: func(*fixture) any {
			return map[string]any{"prediction_id": matrixPrediction, "label": "approve"}
		}},
		"POST /api/v1/ingest/outcomes/batch": {contentType: "application/x-ndjson", raw: func(*fixture) []byte {
			return []byte(`{"prediction_id": "` + matrixPrediction + `", "label": "approve"}` + "\n")
		}},
		"POST /api/v1/ingest/feedback": {body: func(*fixture) any {
			return map[string]any{"id": "fb-authz", "prediction_id": matrixPrediction, "kind": "thumbs", "value": "up"}
		}},
		"POST /api/v1/ingest/feedback/batch": {body: func(*fixture) any {
			return []any{map[string]any{"id": "fb-authz-2", "prediction_id": matrixPrediction, "kind": "rating", "value": "4"}}
		}},
		"GET /api/v1/usecases/{slug}/ingest-keys":         {},
		"POST /api/v1/usecases/{slug}/ingest-keys":        {body: func(*fixture) any { return map[string]any{"name": "probe", "model": "scorer@champion"} }},
		"DELETE /api/v1/usecases/{slug}/ingest-keys/{id}": {params: map[string]string{"{id}": "INGESTKEY"}},
		"GET /api/v1/usecases/{slug}/telemetry/policy":    {},
		"PUT /api/v1/usecases/{slug}/telemetry/policy": {body: func(*fixture) any {
			return map[string]any{"drop": []string{}, "hash": []string{"region"}, "mask_text": true, "retention_days": 30, "version": 0}
		}},
		"PUT /api/v1/usecases/{slug}/risk":                 {body: func(*fixture) any { return map[string]any{"high_risk": true} }},
		"GET /api/v1/usecases/{slug}/predictions":          {},
		"GET /api/v1/usecases/{slug}/predictions/{id}":     {params: map[string]string{"{id}": "PREDICTION"}},
		"GET /api/v1/usecases/{slug}/telemetry/aggregates": {},
	} {
		apiMatrix[k] = c
	}
}

// TestIngestionKeyWorksOnlyOnIngestionRoutes: a key is not a person. It
// cannot read the use case it reports for, not even with a session
// cookie beside it, and no route treats it as an API token.
func TestIngestionKeyWorksOnlyOnIngestionRoutes(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/me"},
		{"GET", "/api/v1/usecases/alpha"},
		{"GET", "/api/v1/usecases/alpha/predictions"},
		{"POST", "/api/v1/usecases/alpha/ingest-keys"},
		{"GET", "/metrics"},
	} {
		req := newRequest(tc.method, tc.path, `{"name": "x"}`)
		req.Header.Set("Authorization", "Bearer "+f.tel.keys["alpha"])
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.sessionOf("owner")})
		rec := serve(f.srv, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("%s %s with an ingestion key = %d, want 401 (body %s)", tc.method, tc.path, rec.Code, rec.Body)
		}
		if p := problem(t, rec); !strings.Contains(p.Detail, "only reports events") {
			t.Fatalf("%s %s: detail %q does not say what the key is for", tc.method, tc.path, p.Detail)
		}
	}
	// The page asks the browser to log in, as for anyone without a session.
	req := newRequest("GET", "/usecases/alpha/telemetry", "")
	req.Header.Set("Authorization", "Bearer "+f.tel.keys["alpha"])
	if rec := serve(f.srv, req); rec.Code != http.StatusUnauthorized && rec.Code != http.StatusSeeOther {
		t.Fatalf("the page with an ingestion key = %d, want 401 or a redirect to log in", rec.Code)
	}
}

// TestTelemetryReadsShowFeaturesToEditorsOnly: viewers see predictions
// without the model's inputs; owners see them.
func TestTelemetryReadsShowFeaturesToEditorsOnly(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	for who, want := range map[string]bool{"viewer": false, "owner": true} {
		rec := f.do(who, "GET", "/api/v1/usecases/alpha/predictions/"+matrixPrediction, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", who, rec.Code, rec.Body)
		}
		if got := strings.Contains(rec.Body.String(), `"features"`); got != want {
			t.Fatalf("%s sees features = %v, want %v (body %s)", who, got, want, rec.Body)
		}
		rec = f.do(who, "GET", "/api/v1/usecases/alpha/predictions", "", nil)
		if got := strings.Contains(rec.Body.String(), `"income"`); rec.Code != http.StatusOK || got != want {
			t.Fatalf("%s list: %d, features shown = %v, want %v", who, rec.Code, got, want)
		}
	}
}

// TestIngestionWithoutIngesterIsUnavailable: a server built without an
// ingester answers the ingestion routes 503, after checking the key.
func TestIngestionWithoutIngesterIsUnavailable(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	srv := f.serverWith(Options{Version: "test"})
	req := newRequest("POST", "/api/v1/ingest/predictions", `{"model": "scorer", "output": {"score": 0.5}}`)
	req.Header.Set("Authorization", "Bearer "+f.tel.keys["alpha"])
	if rec := serve(srv, req); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("without an ingester = %d, want 503 (body %s)", rec.Code, rec.Body)
	}
	req = newRequest("POST", "/api/v1/ingest/predictions", `{}`)
	if rec := serve(srv, req); rec.Code != http.StatusUnauthorized {
		t.Fatalf("without an ingester and a key = %d, want 401", rec.Code)
	}
}

// newRequest is a request with a JSON body, or none when body is "".
func newRequest(method, path, body string) *http.Request {
	if body == "" {
		return httptest.NewRequest(method, path, nil)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}
