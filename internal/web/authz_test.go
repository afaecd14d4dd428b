package web

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// apiCase is how the authorisation matrix exercises one API route: the path
// parameters to use and a body that would be accepted from someone allowed.
type apiCase struct {
	params map[string]string // {name} → value; "{slug}" defaults to "alpha"
	query  string            // appended to the path after "?"
	body   func(f *fixture) any
	// raw, when set, is a body sent as contentType instead of JSON.
	raw         func(f *fixture) []byte
	contentType string
}

// canvasParams names alpha's canvas and one of its sections.
var canvasParams = map[string]string{"{canvas}": "CANVAS", "{section}": "problem-definition"}

// with returns the canvas parameters plus more.
func with(params map[string]string, more ...string) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}

// apiMatrix lists every /api/v1 route. A route in the table that is not
// here — or here but not in the table — fails TestAuthorizationMatrix, so a
// new route cannot ship without its access rules being exercised.
var apiMatrix = map[string]apiCase{
	"GET /api/v1/openapi.json":    {},
	"GET /api/v1/me":              {},
	"PATCH /api/v1/me":            {body: func(*fixture) any { return map[string]string{"name": "Renamed"} }},
	"GET /api/v1/usecases":        {},
	"POST /api/v1/usecases":       {body: func(*fixture) any { return map[string]string{"name": "Probe", "team": "team-a"} }},
	"GET /api/v1/usecases/{slug}": {},
	"PATCH /api/v1/usecases/{slug}": {body: func(*fixture) any {
		return map[string]any{"summary": "changed"}
	}},
	"POST /api/v1/usecases/{slug}/archive":     {},
	"POST /api/v1/usecases/{slug}/restore":     {},
	"GET /api/v1/usecases/{slug}/transitions":  {},
	"POST /api/v1/usecases/{slug}/transitions": {body: func(*fixture) any { return map[string]string{"to": "data", "note": "go"} }},
	"GET /api/v1/usecases/{slug}/grants":       {},
	"POST /api/v1/usecases/{slug}/grants": {body: func(f *fixture) any {
		return map[string]string{"user_id": f.users["viewer"].ID, "role": "reviewer"}
	}},
	"DELETE /api/v1/usecases/{slug}/grants/{id}": {params: map[string]string{"{id}": "GRANT"}},
	"GET /api/v1/usecases/{slug}/audit":          {},
	"GET /api/v1/users":                          {},
	"POST /api/v1/users":                         {body: func(*fixture) any { return map[string]string{"email": "new@example.org"} }},
	"GET /api/v1/users/{id}":                     {params: map[string]string{"{id}": "OWNER"}},
	"PATCH /api/v1/users/{id}": {params: map[string]string{"{id}": "OWNER"}, body: func(*fixture) any {
		return map[string]string{"name": "Renamed"}
	}},
	"GET /api/v1/teams":        {},
	"POST /api/v1/teams":       {body: func(*fixture) any { return map[string]string{"name": "Team C"} }},
	"GET /api/v1/teams/{team}": {params: map[string]string{"{team}": "team-a"}},
	"POST /api/v1/teams/{team}/members": {params: map[string]string{"{team}": "team-a"}, body: func(f *fixture) any {
		return map[string]string{"user_id": f.users["viewer"].ID}
	}},
	"DELETE /api/v1/teams/{team}/members/{id}": {params: map[string]string{"{team}": "team-a", "{id}": "OWNER"}},
	"GET /api/v1/tokens":                       {},
	"POST /api/v1/tokens":                      {body: func(*fixture) any { return map[string]string{"name": "probe"} }},
	"DELETE /api/v1/tokens/{id}":               {params: map[string]string{"{id}": "TOKEN"}},
	"GET /api/v1/audit":                        {},

	"GET /api/v1/templates":                {},
	"GET /api/v1/templates/{id}":           {params: map[string]string{"{id}": fixtureTemplate}},
	"GET /api/v1/search":                   {query: "q=review"},
	"GET /api/v1/usecases/{slug}/canvases": {},
	"POST /api/v1/usecases/{slug}/canvases": {body: func(*fixture) any {
		return map[string]any{"template": "mlops-canvas-v0.1", "title": "Second plan"}
	}},
	"POST /api/v1/usecases/{slug}/canvases/import": {contentType: "text/markdown", raw: func(f *fixture) []byte {
		return []byte(canvas.ExportMarkdown(f.template(fixtureTemplate), f.canvas))
	}},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}": {params: canvasParams},
	"PATCH /api/v1/usecases/{slug}/canvases/{canvas}": {params: canvasParams, body: func(*fixture) any {
		return map[string]any{"title": "Renamed plan", "version": 1}
	}},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/completeness":       {params: canvasParams},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/export":             {params: canvasParams},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}": {params: canvasParams},
	"PUT /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}": {params: canvasParams, body: func(*fixture) any {
		return map[string]any{"content": "Changed.", "status": "draft", "base_version": 1}
	}},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/evidence": {params: canvasParams},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments": {params: canvasParams},
	"POST /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments": {params: canvasParams, body: func(*fixture) any {
		return map[string]any{"body": "Is this measurable?"}
	}},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/iterations": {params: canvasParams},
	"POST /api/v1/usecases/{slug}/canvases/{canvas}/iterations": {params: canvasParams, body: func(*fixture) any {
		return map[string]any{"message": "second cut"}
	}},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/iterations/{n}": {params: with(canvasParams, "{n}", "1")},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/diff":           {params: canvasParams, query: "from=1&to=current"},
	"GET /api/v1/usecases/{slug}/canvases/{canvas}/objectives":     {params: canvasParams},
	"POST /api/v1/usecases/{slug}/canvases/{canvas}/objectives": {params: canvasParams, body: func(*fixture) any {
		return map[string]any{"section": "objective-setting", "metric": "recall", "comparator": ">=", "target": 0.6, "measured_at": "evaluation"}
	}},
	"PATCH /api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}": {params: with(canvasParams, "{id}", "OBJECTIVE"), body: func(*fixture) any {
		return map[string]any{"target": 0.8}
	}},
	"DELETE /api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}": {params: with(canvasParams, "{id}", "OBJECTIVE")},
	"GET /api/v1/usecases/{slug}/stakeholders":                         {},
	"POST /api/v1/usecases/{slug}/stakeholders": {body: func(*fixture) any {
		return map[string]any{"kind": "person-affected", "name": "Applicants"}
	}},
	"PATCH /api/v1/usecases/{slug}/stakeholders/{id}": {params: map[string]string{"{id}": "STAKEHOLDER"}, body: func(*fixture) any {
		return map[string]any{"role": "review applications"}
	}},
	"DELETE /api/v1/usecases/{slug}/stakeholders/{id}": {params: map[string]string{"{id}": "STAKEHOLDER"}},
	"GET /api/v1/usecases/{slug}/decisions":            {},
	"POST /api/v1/usecases/{slug}/decisions": {body: func(*fixture) any {
		return map[string]any{"title": "Retrain quarterly", "status": "proposed"}
	}},
	"GET /api/v1/usecases/{slug}/decisions/{number}": {params: map[string]string{"{number}": "DECISION"}},
	"PATCH /api/v1/usecases/{slug}/decisions/{number}": {params: map[string]string{"{number}": "DECISION"}, body: func(*fixture) any {
		return map[string]any{"status": "rejected"}
	}},
	"GET /api/v1/usecases/{slug}/assets": {query: "kind=model"},
	"POST /api/v1/usecases/{slug}/assets": {body: func(*fixture) any {
		return map[string]any{"kind": "model", "name": "probe"}
	}},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}":          {params: modelParams},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/versions": {params: modelParams},
	"POST /api/v1/usecases/{slug}/assets/{kind}/{name}/versions": {params: modelParams, body: func(*fixture) any {
		return map[string]any{"uri": "s3://models/scorer/3/model.onnx", "digest": testDigest}
	}},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}": {params: with(modelParams, "{n}", "1")},
	"POST /api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/status": {params: with(modelParams, "{n}", "1"), body: func(*fixture) any {
		return map[string]any{"status": "deprecated", "reason": "superseded"}
	}},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/aliases":         {params: modelParams},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}": {params: with(modelParams, "{alias}", "champion"), query: "at=2100-01-01T00:00:00Z"},
	"PUT /api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}": {params: with(modelParams, "{alias}", "champion"), body: func(*fixture) any {
		return map[string]any{"version": 2, "reason": "better recall"}
	}},
	"DELETE /api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}":      {params: with(modelParams, "{alias}", "champion"), query: "reason=retired"},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}/history": {params: with(modelParams, "{alias}", "champion")},
	"POST /api/v1/usecases/{slug}/assets/prompt/{name}/render": {params: map[string]string{"{name}": "explainer"}, body: func(*fixture) any {
		return map[string]any{"alias": "", "variables": map[string]string{"applicant": "Ada"}}
	}},
	"GET /api/v1/usecases/{slug}/lineage": {},
	"POST /api/v1/usecases/{slug}/lineage": {body: func(*fixture) any {
		return map[string]any{"from": map[string]any{"kind": "model", "name": "scorer", "version": 2},
			"to": map[string]any{"kind": "dataset", "name": "loans", "version": 1}, "relation": "trained_on"}
	}},
	"GET /api/v1/usecases/{slug}/lineage.svg":                                   {},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/lineage":     {params: with(modelParams, "{n}", "1"), query: "depth=2"},
	"GET /api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/evaluations": {params: with(modelParams, "{n}", "1")},
	"POST /api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/evaluations": {params: with(modelParams, "{n}", "1"), body: func(*fixture) any {
		return map[string]any{"dataset": map[string]any{"name": "loans", "version": 1}, "metric": "AUC", "value": 0.8}
	}},
	"GET /api/v1/usecases/{slug}/evaluations/objectives": {},
	"PUT /api/v1/usecases/{slug}/assets/dataset/{name}/versions/{n}/sensitivity": {params: loansV1, body: func(*fixture) any {
		return map[string]any{"columns": map[string]string{"income": "none"}, "legal_basis": "contract"}
	}},
	"GET /api/v1/usecases/{slug}/assets/dataset/{name}/versions/{n}/sensitivity":         {params: loansV1},
	"GET /api/v1/usecases/{slug}/assets/dataset/{name}/versions/{n}/sensitivity/history": {params: loansV1},
	"POST /api/v1/usecases/{slug}/artifacts": {query: "name=card.md&content_type=text/markdown", contentType: "text/markdown",
		raw: func(*fixture) []byte { return []byte("# Model card\n") }},
	"GET /api/v1/usecases/{slug}/artifacts":               {},
	"GET /api/v1/usecases/{slug}/artifacts/{id}":          {params: map[string]string{"{id}": "ARTIFACT"}},
	"GET /api/v1/usecases/{slug}/artifacts/{id}/content":  {params: map[string]string{"{id}": "ARTIFACT"}},
	"DELETE /api/v1/usecases/{slug}/artifacts/{id}":       {params: map[string]string{"{id}": "ARTIFACT"}},
	"GET /api/v1/usecases/{slug}/experiments":             {},
	"GET /api/v1/usecases/{slug}/runs":                    {},
	"GET /api/v1/usecases/{slug}/runs/{id}":               {params: map[string]string{"{id}": "RUN"}},
	"GET /api/v1/usecases/{slug}/runs/{id}/metrics/{key}": {params: map[string]string{"{id}": "RUN", "{key}": "loss"}},
}

// loansV1 names version 1 of alpha's dataset.
var loansV1 = map[string]string{"{name}": "loans", "{n}": "1"}

// modelParams names alpha's model.
var modelParams = map[string]string{"{kind}": "model", "{name}": "scorer"}

// path fills a route pattern's parameters for the fixture.
func (c apiCase) path(f *fixture, pattern, slug string) string {
	p := strings.ReplaceAll(pattern, "{slug}", slug)
	for k, v := range c.params {
		switch v {
		case "GRANT":
			v = itoa(f.grant)
		case "OWNER":
			v = f.users["owner"].ID
		case "TOKEN":
			v = f.ownerTokenID()
		case "CANVAS":
			v = f.canvas.ID
		case "OBJECTIVE":
			v = itoa(f.objective)
		case "STAKEHOLDER":
			v = itoa(f.stakeholder)
		case "RUN":
			v = f.run
		case "DECISION":
			v = itoa(int64(f.decision))
		case "ARTIFACT":
			v = f.artifact()
		default:
			if fill, ok := paramValues[v]; ok {
				v = fill(f)
			}
		}
		p = strings.ReplaceAll(p, k, v)
	}
	if c.query != "" {
		p += "?" + c.query
	}
	return p
}

// mediaType is the Content-Type the case's body is sent as.
func (c apiCase) mediaType() string {
	if c.contentType != "" {
		return c.contentType
	}
	return "application/json"
}

func (c apiCase) bodyFor(f *fixture) []byte {
	if c.raw != nil {
		return c.raw(f)
	}
	if c.body == nil {
		return nil
	}
	b, err := jsonMarshal(c.body(f))
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	f.run = f.seedFixtureRuns()
	f.seedTelemetry()
	seen := map[string]bool{}
	for _, rt := range f.srv.routes() {
		if !strings.HasPrefix(rt.pattern, "/api/v1/") {
			continue
		}
		key := rt.method + " " + rt.pattern
		seen[key] = true
		c, ok := apiMatrix[key]
		if !ok {
			t.Errorf("route %s is not in the authorisation matrix; add it to apiMatrix", key)
			continue
		}
		// Reads are GETs and the POSTs a viewer may make, which store
		// nothing (rendering a prompt).
		write := rt.method != http.MethodGet && rt.role != usecase.Viewer
		if rt.access == ingest {
			t.Run(key, func(t *testing.T) { f.checkIngestRoute(t, rt, c) })
			continue
		}
		t.Run(key, func(t *testing.T) {
			path := c.path(f, rt.pattern, "alpha")
			body := c.bodyFor(f)

			// 1. Without credentials: 401, except the explicit public list.
			rec := f.do("", rt.method, path, c.mediaType(), body)
			if rt.access == public {
				if rec.Code != http.StatusOK {
					t.Fatalf("public route without credentials = %d, want 200", rec.Code)
				}
				return
			}
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("without credentials = %d, want 401 (body %s)", rec.Code, rec.Body)
			}
			problem(t, rec)

			// 2. A viewer's token on a write: 403 (self-service writes aside).
			if write && !rt.self {
				before := f.auditSize()
				rec = f.do("viewer", rt.method, path, c.mediaType(), body)
				if rec.Code != http.StatusForbidden {
					t.Fatalf("viewer on a write = %d, want 403 (body %s)", rec.Code, rec.Body)
				}
				problem(t, rec)
				if f.auditSize() != before {
					t.Fatalf("a refused write changed the audit log")
				}
			}
			if rt.access == admin {
				rec = f.do("owner", rt.method, path, c.mediaType(), body)
				if rec.Code != http.StatusForbidden {
					t.Fatalf("non-admin on an admin route = %d, want 403", rec.Code)
				}
			}

			// 3. Another team's use case looks exactly like a missing one.
			if rt.role != "" {
				hidden := f.do("stranger", rt.method, path, c.mediaType(), body)
				missing := f.do("stranger", rt.method, c.path(f, rt.pattern, "no-such-usecase"), c.mediaType(), body)
				if hidden.Code != http.StatusNotFound || missing.Code != http.StatusNotFound {
					t.Fatalf("stranger: hidden = %d, missing = %d, want 404 for both", hidden.Code, missing.Code)
				}
				if !bytes.Equal(hidden.Body.Bytes(), missing.Body.Bytes()) {
					t.Fatalf("hidden and missing use cases answer differently:\n%s\n%s", hidden.Body, missing.Body)
				}
				// A viewer can read what they were granted, unless the
				// read needs a stronger role (such as the list of
				// ingestion keys, for editors).
				if !write {
					want := http.StatusOK
					if rt.role.AtLeast(usecase.Reviewer) {
						want = http.StatusForbidden
					}
					if rec := f.do("viewer", rt.method, path, c.mediaType(), body); rec.Code != want {
						t.Fatalf("viewer reading = %d, want %d (body %s)", rec.Code, want, rec.Body)
					}
				}
			}
		})
	}
	for key := range apiMatrix {
		if !seen[key] {
			t.Errorf("apiMatrix lists %s, which is not a route", key)
		}
	}
}

// TestAllowedByRole checks the other side of the matrix: the people who may
// make a change can, so the 403s above are not the server refusing everyone.
func TestAllowedByRole(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		who, method, path string
		body              any
		want              int
	}{
		{"owner", "PATCH", "/api/v1/usecases/alpha", map[string]string{"summary": "by the owner"}, 200},
		{"owner", "POST", "/api/v1/usecases/alpha/transitions", map[string]string{"to": "data"}, 200},
		{"owner", "POST", "/api/v1/usecases/alpha/grants", map[string]string{"team": "team-b", "role": "viewer"}, 200},
		{"stranger", "GET", "/api/v1/usecases/alpha", nil, 200}, // now through team-b's grant
		{"stranger", "PATCH", "/api/v1/usecases/alpha", map[string]string{"summary": "x"}, 403},
		{"admin", "POST", "/api/v1/usecases/alpha/archive", nil, 200},
		{"viewer", "POST", "/api/v1/tokens", map[string]string{"name": "mine"}, 201},
		{"viewer", "POST", "/api/v1/usecases", map[string]string{"name": "Not mine", "team": "team-a"}, 403},
	} {
		rec := f.doJSON(tc.who, tc.method, tc.path, tc.body)
		if rec.Code != tc.want {
			t.Errorf("%s %s %s = %d, want %d (body %s)", tc.who, tc.method, tc.path, rec.Code, tc.want, rec.Body)
		}
	}
}

func TestTokenOfSomeoneElseLooksMissing(t *testing.T) {
	f := newFixture(t)
	other := f.do("viewer", "DELETE", "/api/v1/tokens/"+f.ownerTokenID(), "", nil)
	missing := f.do("viewer", "DELETE", "/api/v1/tokens/ffffffffffffffffffffffffffffffff", "", nil)
	if other.Code != 404 || missing.Code != 404 {
		t.Fatalf("revoking someone else's token = %d, a missing one = %d; want 404 for both", other.Code, missing.Code)
	}
}
