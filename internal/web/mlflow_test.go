package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
)

// mlflowTokens gives the fixture's owner, viewer and stranger tokens bound
// to a use case ("mlflow-owner" and "mlflow-viewer" on alpha,
// "mlflow-stranger" on beta), as MLflow clients need.
func (f *fixture) mlflowTokens() {
	f.t.Helper()
	for who, slug := range map[string]string{"owner": "alpha", "viewer": "alpha", "stranger": "beta"} {
		_, secret, err := f.db.CreateScopedToken(f.t.Context(), f.users[who].ID, "mlflow", 0, slug)
		if err != nil {
			f.t.Fatal(err)
		}
		f.tokens["mlflow-"+who] = secret
	}
}

// mlflowDo sends an MLflow call: a GET with the query, anything else with
// the JSON body.
func (f *fixture) mlflowDo(who, method, path, query string, body any) *httptest.ResponseRecorder {
	f.t.Helper()
	if query != "" {
		path += "?" + query
	}
	if method == http.MethodGet {
		return f.do(who, method, path, "", nil)
	}
	return f.doJSON(who, method, path, body)
}

// mlflowError decodes MLflow's error body and checks its code.
func mlflowError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	var e struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != status || e.ErrorCode != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d with error_code %s", rec.Code, rec.Body, status, code)
	}
}

// recorded is one call of MLflow's Python client against Atrium, as
// scripts/mlflow-smoke.py made it (testdata/mlflow/client-session.json).
type recorded struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Query    string          `json:"query"`
	Body     json.RawMessage `json:"body"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
}

// TestMLflowClientSession replays every call MLflow's own Python client made
// in a training-and-registration run, in order, with the ids this server
// hands out in place of the recorded ones. Each answer must have the
// recorded status and the same shape — the same keys at the same places —
// as the one the client accepted.
func TestMLflowClientSession(t *testing.T) {
	b, err := os.ReadFile("testdata/mlflow/client-session.json")
	if err != nil {
		t.Fatal(err)
	}
	var session []recorded
	if err := json.Unmarshal(b, &session); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.mlflowTokens()
	ids := map[string]string{}
	swap := func(s string) string {
		keys := make([]string, 0, len(ids))
		for k := range ids {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
		for _, k := range keys {
			s = strings.ReplaceAll(s, k, ids[k])
		}
		return s
	}
	for i, c := range session {
		path, query := swap(c.Path), swap(c.Query)
		var body any
		if len(c.Body) > 0 && string(c.Body) != "null" {
			body = json.RawMessage(swap(string(c.Body)))
		}
		rec := f.mlflowDo("mlflow-owner", c.Method, path, query, body)
		if rec.Code != c.Status {
			t.Fatalf("call %d %s %s: status %d, recorded %d (body %s)", i, c.Method, c.Path, rec.Code, c.Status, rec.Body)
		}
		var was, now any
		if err := json.Unmarshal(c.Response, &was); err != nil {
			t.Fatalf("call %d: recorded response: %v", i, err)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &now); err != nil {
			t.Fatalf("call %d %s %s: answer is not JSON: %s", i, c.Method, c.Path, rec.Body)
		}
		learnIDs(was, now, ids)
		if ws, ns := shape(was, ""), shape(now, ""); strings.Join(ws, " ") != strings.Join(ns, " ") {
			t.Errorf("call %d %s %s: answer's shape changed\nrecorded %v\nnow      %v", i, c.Method, c.Path, ws, ns)
		}
	}
}

// learnIDs maps the ids in a recorded answer to those in the new one.
func learnIDs(was, now any, ids map[string]string) {
	switch w := was.(type) {
	case map[string]any:
		n, _ := now.(map[string]any)
		for k, v := range w {
			if s, ok := v.(string); ok {
				if ns, ok := n[k].(string); ok && s != ns && len(s) >= 16 && (strings.HasSuffix(k, "_id") || k == "run_uuid") {
					ids[s] = ns
				}
				continue
			}
			learnIDs(v, n[k], ids)
		}
	case []any:
		n, _ := now.([]any)
		for i := range w {
			if i < len(n) {
				learnIDs(w[i], n[i], ids)
			}
		}
	}
}

// shape lists the key paths of a JSON value, sorted ("[]" for list items).
func shape(v any, at string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, at+"."+k)
			out = append(out, shape(e, at+"."+k)...)
		}
	case []any:
		seen := map[string]bool{}
		for _, e := range x {
			for _, p := range shape(e, at+"[]") {
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// mlflowSeed makes, through the MLflow API as alpha's owner, an experiment,
// a run with params and metrics, and a registered model with one version
// and an alias. It returns the experiment and run ids.
func mlflowSeed(t *testing.T, f *fixture) (string, string) {
	t.Helper()
	var exp struct {
		ExperimentID string `json:"experiment_id"`
	}
	rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/experiments/create", "", map[string]any{"name": "seeded"})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &exp) != nil {
		t.Fatalf("experiments/create: %d %s", rec.Code, rec.Body)
	}
	var run struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	rec = f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/runs/create", "", map[string]any{"experiment_id": exp.ExperimentID, "start_time": 1})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &run) != nil {
		t.Fatalf("runs/create: %d %s", rec.Code, rec.Body)
	}
	id := run.Run.Info.RunID
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "runs/log-batch", map[string]any{"run_id": id, "params": []any{map[string]string{"key": "lr", "value": "0.1"}},
			"metrics": []any{map[string]any{"key": "auc", "value": 0.8, "timestamp": 1, "step": 0}, map[string]any{"key": "auc", "value": "0.9", "timestamp": "2", "step": "1"}}}},
		{"POST", "registered-models/create", map[string]any{"name": "scorer", "description": "d", "tags": []any{map[string]string{"key": "team", "value": "a"}}}},
		{"POST", "model-versions/create", map[string]any{"name": "scorer", "source": "s3://bucket/scorer/1", "run_id": id}},
		{"POST", "registered-models/alias", map[string]any{"name": "scorer", "alias": "champion", "version": "1"}},
	} {
		if rec := f.mlflowDo("mlflow-owner", c.method, "/api/2.0/mlflow/"+c.path, "", c.body); rec.Code != 200 {
			t.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
		}
	}
	return exp.ExperimentID, id
}

// TestMLflowErrors: every MLflow error code, with MLflow's error body.
func TestMLflowErrors(t *testing.T) {
	f := newFixture(t)
	f.mlflowTokens()
	exp, run := mlflowSeed(t, f)
	api := "/api/2.0/mlflow/"
	cases := []struct {
		name, who, method, path, query string
		body                           any
		status                         int
		code                           string
	}{
		{"no credentials", "", "GET", "registered-models/get", "name=scorer", nil, 401, "UNAUTHENTICATED"},
		{"unscoped token", "owner", "GET", "registered-models/get", "name=scorer", nil, 403, "PERMISSION_DENIED"},
		{"viewer writes", "mlflow-viewer", "POST", "runs/set-tag", "", map[string]any{"run_id": run, "key": "k", "value": "v"}, 403, "PERMISSION_DENIED"},
		{"viewer registers", "mlflow-viewer", "POST", "registered-models/create", "", map[string]any{"name": "other"}, 403, "PERMISSION_DENIED"},
		{"missing model", "mlflow-owner", "GET", "registered-models/get", "name=missing", nil, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"missing version", "mlflow-owner", "GET", "model-versions/get", "name=scorer&version=9", nil, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"missing alias", "mlflow-owner", "GET", "registered-models/alias", "name=scorer&alias=nope", nil, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"missing run", "mlflow-owner", "GET", "runs/get", "run_id=" + strings.Repeat("0", 32), nil, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"another use case's run", "mlflow-stranger", "GET", "runs/get", "run_id=" + run, nil, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"missing experiment", "mlflow-owner", "GET", "experiments/get-by-name", "experiment_name=nope", nil, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"duplicate model", "mlflow-owner", "POST", "registered-models/create", "", map[string]any{"name": "scorer"}, 400, "RESOURCE_ALREADY_EXISTS"},
		{"duplicate experiment", "mlflow-owner", "POST", "experiments/create", "", map[string]any{"name": "seeded"}, 400, "RESOURCE_ALREADY_EXISTS"},
		{"changed param", "mlflow-owner", "POST", "runs/log-parameter", "", map[string]any{"run_id": run, "key": "lr", "value": "0.2"}, 400, "INVALID_PARAMETER_VALUE"},
		{"missing name", "mlflow-owner", "POST", "registered-models/create", "", map[string]any{}, 400, "INVALID_PARAMETER_VALUE"},
		{"bad model name", "mlflow-owner", "POST", "registered-models/create", "", map[string]any{"name": "../etc"}, 400, "INVALID_PARAMETER_VALUE"},
		{"bad version", "mlflow-owner", "GET", "model-versions/get", "name=scorer&version=one", nil, 400, "INVALID_PARAMETER_VALUE"},
		{"bad stage", "mlflow-owner", "POST", "model-versions/transition-stage", "", map[string]any{"name": "scorer", "version": "1", "stage": "Live"}, 400, "INVALID_PARAMETER_VALUE"},
		{"bad filter", "mlflow-owner", "GET", "registered-models/search", "filter=name+%3D%3D+%27x", nil, 400, "INVALID_PARAMETER_VALUE"},
		{"filter OR", "mlflow-owner", "POST", "runs/search", "", map[string]any{"experiment_ids": []string{exp}, "filter": "metrics.auc > 1 OR metrics.auc < 0"}, 400, "INVALID_PARAMETER_VALUE"},
		{"bad order_by", "mlflow-owner", "GET", "registered-models/search", "order_by=name+SIDEWAYS", nil, 400, "INVALID_PARAMETER_VALUE"},
		{"max_results 0", "mlflow-owner", "GET", "registered-models/search", "max_results=0", nil, 400, "INVALID_PARAMETER_VALUE"},
		{"bad page token", "mlflow-owner", "GET", "registered-models/search", "page_token=%21%21", nil, 400, "INVALID_PARAMETER_VALUE"},
		{"file source", "mlflow-owner", "POST", "model-versions/create", "", map[string]any{"name": "scorer", "source": "file:///etc/passwd"}, 400, "INVALID_PARAMETER_VALUE"},
		{"traversal source", "mlflow-owner", "POST", "model-versions/create", "", map[string]any{"name": "scorer", "source": "s3://b/..%2fk"}, 400, "INVALID_PARAMETER_VALUE"},
		{"alias on missing version", "mlflow-owner", "POST", "registered-models/alias", "", map[string]any{"name": "scorer", "alias": "x", "version": "7"}, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"unknown endpoint", "mlflow-owner", "POST", "no/such-call", "", map[string]any{}, 404, "ENDPOINT_NOT_FOUND"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.auditSize()
			rec := f.mlflowDo(c.who, c.method, api+c.path, c.query, c.body)
			mlflowError(t, rec, c.status, c.code)
			if f.auditSize() != before {
				t.Fatalf("a refused call changed the audit log")
			}
		})
	}
	// The ajax-api twin answers the same way.
	mlflowError(t, f.mlflowDo("", "GET", "/ajax-api/2.0/mlflow/registered-models/get", "name=scorer", nil), 401, "UNAUTHENTICATED")
}

// TestMLflowBasicAuth: MLflow clients with MLFLOW_TRACKING_USERNAME and
// _PASSWORD send basic auth: the e-mail address and a token.
func TestMLflowBasicAuth(t *testing.T) {
	f := newFixture(t)
	f.mlflowTokens()
	call := func(user, pass string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", nil)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := call("owner@example.org", f.tokens["mlflow-owner"]); rec.Code != 200 {
		t.Fatalf("basic auth with e-mail and token = %d %s", rec.Code, rec.Body)
	}
	if rec := call("OWNER@example.org", f.tokens["mlflow-owner"]); rec.Code != 200 {
		t.Fatalf("the e-mail address ignores case; got %d", rec.Code)
	}
	mlflowError(t, call("viewer@example.org", f.tokens["mlflow-owner"]), 401, "UNAUTHENTICATED")
	mlflowError(t, call("owner@example.org", "atr_wrong"), 401, "UNAUTHENTICATED")
	// Basic auth is for the MLflow API only.
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.SetBasicAuth("owner@example.org", f.tokens["owner"])
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("basic auth on /api/v1 = %d, want 401", rec.Code)
	}
}

// TestMLflowPaging walks every paged MLflow search to its end.
func TestMLflowPaging(t *testing.T) {
	f := newFixture(t)
	f.mlflowTokens()
	exp, run := mlflowSeed(t, f)
	for _, n := range []string{"a-model", "b-model", "c-model", "d-model"} {
		if rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/registered-models/create", "", map[string]any{"name": n}); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
		if rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/model-versions/create", "", map[string]any{"name": "scorer", "source": "s3://b/" + n}); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
	}
	metrics := []any{}
	for i := range 25 {
		metrics = append(metrics, map[string]any{"key": "loss", "value": 1.0 / float64(i+1), "timestamp": i, "step": i})
	}
	if rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/runs/log-batch", "", map[string]any{"run_id": run, "metrics": metrics}); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	for i := range 2 {
		if rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/runs/create", "", map[string]any{"experiment_id": exp, "start_time": i + 10}); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
	}
	walk := func(method, path, query string, body map[string]any, list string) []string {
		t.Helper()
		var names []string
		token := ""
		for range 20 {
			q, b := query, map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			if token != "" {
				q += "&page_token=" + token
				b["page_token"] = token
			}
			rec := f.mlflowDo("mlflow-owner", method, path, q, b)
			var page map[string]json.RawMessage
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			var items []map[string]any
			json.Unmarshal(page[list], &items)
			for _, it := range items {
				b, _ := json.Marshal(it)
				names = append(names, string(b))
			}
			token = ""
			json.Unmarshal(page["next_page_token"], &token)
			if token == "" {
				return names
			}
		}
		t.Fatalf("%s: more than 20 pages", path)
		return nil
	}
	if got := walk("GET", "/api/2.0/mlflow/registered-models/search", "max_results=2&order_by=name+DESC", nil, "registered_models"); len(got) != 5 || !strings.Contains(got[0], `"name":"scorer"`) || !strings.Contains(got[4], `"name":"a-model"`) {
		t.Errorf("registered models by name DESC, 2 a page: %d items, first %.40s", len(got), got)
	}
	if got := walk("GET", "/api/2.0/mlflow/model-versions/search", "filter=name%3D%27scorer%27&max_results=2", nil, "model_versions"); len(got) != 5 {
		t.Errorf("model versions of scorer, 2 a page: %d, want 5", len(got))
	}
	if got := walk("GET", "/api/2.0/mlflow/metrics/get-history", "run_id="+run+"&metric_key=loss&max_results=10", nil, "metrics"); len(got) != 25 {
		t.Errorf("metric history, 10 a page: %d, want 25", len(got))
	}
	if got := walk("POST", "/api/2.0/mlflow/runs/search", "", map[string]any{"experiment_ids": []string{exp}, "max_results": 1}, "runs"); len(got) != 3 {
		t.Errorf("runs, 1 a page: %d, want 3", len(got))
	}
	if got := walk("POST", "/api/2.0/mlflow/experiments/search", "", map[string]any{"max_results": 1, "view_type": "ALL"}, "experiments"); len(got) != 1 {
		t.Errorf("experiments: %d, want 1 (seeded)", len(got))
	}
	if got := walk("GET", "/api/2.0/mlflow/registered-models/search", "filter=tags.team+%3D+%27a%27", nil, "registered_models"); len(got) != 1 {
		t.Errorf("registered models with tags.team = 'a': %d, want 1", len(got))
	}
	if got := walk("GET", "/api/2.0/mlflow/registered-models/search", "filter=name+ILIKE+%27%25MODEL%27", nil, "registered_models"); len(got) != 4 {
		t.Errorf("registered models with name ILIKE '%%MODEL': %d, want 4", len(got))
	}
}

// TestMLflowShapes checks answers field by field against MLflow's protos:
// int64 times as JSON numbers, version numbers as strings, NaN as "NaN".
func TestMLflowShapes(t *testing.T) {
	f := newFixture(t)
	f.mlflowTokens()
	_, run := mlflowSeed(t, f)
	if rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/runs/log-metric", "", map[string]any{"run_id": run, "key": "gap", "value": "NaN", "timestamp": 5}); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	rec := f.mlflowDo("mlflow-owner", "GET", "/api/2.0/mlflow/registered-models/alias", "name=scorer&alias=champion", nil)
	var mv struct {
		ModelVersion map[string]any `json:"model_version"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &mv); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]string{"name": "string", "version": "string", "creation_timestamp": "number", "last_updated_timestamp": "number",
		"current_stage": "string", "source": "string", "run_id": "string", "status": "string", "aliases": "list", "tags": "list"}
	for k, typ := range want {
		if got := jsonType(mv.ModelVersion[k]); got != typ {
			t.Errorf("model_version.%s is a %s, want a %s", k, got, typ)
		}
	}
	if mv.ModelVersion["version"] != "1" || mv.ModelVersion["status"] != "READY" || mv.ModelVersion["current_stage"] != "None" {
		t.Errorf("model_version=%v", mv.ModelVersion)
	}
	rec = f.mlflowDo("mlflow-owner", "GET", "/api/2.0/mlflow/runs/get", "run_id="+run, nil)
	if !strings.Contains(rec.Body.String(), `"key":"gap","value":"NaN"`) || !strings.Contains(rec.Body.String(), `"key":"auc","value":0.9,"timestamp":2,"step":1`) {
		t.Errorf("runs/get metrics: %s", rec.Body)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	case nil:
		return "missing"
	}
	return "other"
}

// TestScopedTokenAPI: POST /api/v1/tokens with a use case binds the token;
// a bound token cannot mint an unbound one, nor see other use cases.
func TestScopedTokenAPI(t *testing.T) {
	f := newFixture(t)
	rec := f.doJSON("owner", "POST", "/api/v1/tokens", map[string]string{"name": "ci", "usecase": "alpha"})
	var tok struct {
		UseCaseID string `json:"usecase_id"`
		Token     string `json:"token"`
	}
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &tok) != nil || tok.UseCaseID == "" {
		t.Fatalf("create a bound token: %d %s", rec.Code, rec.Body)
	}
	f.tokens["bound"] = tok.Token
	if rec := f.doJSON("owner", "POST", "/api/v1/tokens", map[string]string{"name": "x", "usecase": "beta"}); rec.Code != 404 {
		t.Errorf("binding to a use case the caller cannot see = %d, want 404", rec.Code)
	}
	if rec := f.doJSON("bound", "POST", "/api/v1/tokens", map[string]string{"name": "escape"}); rec.Code != 403 {
		t.Errorf("a bound token minting an unbound one = %d %s, want 403", rec.Code, rec.Body)
	}
	if rec := f.doJSON("bound", "POST", "/api/v1/tokens", map[string]string{"name": "same", "usecase": "alpha"}); rec.Code != 201 {
		t.Errorf("a bound token minting one bound the same = %d %s, want 201", rec.Code, rec.Body)
	}
	if rec := f.do("bound", "GET", "/api/v1/usecases/alpha", "", nil); rec.Code != 200 {
		t.Errorf("bound token on its use case = %d", rec.Code)
	}
	if rec := f.do("bound", "GET", "/api/v1/usecases", "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"total":1`) {
		t.Errorf("bound token's use-case list: %d %s", rec.Code, rec.Body)
	}
}

// TestTokenPageBindsToUseCase: the tokens page makes a token bound to a use
// case when given its slug, and answers 404 for one the person cannot see,
// as for any hidden use case.
func TestTokenPageBindsToUseCase(t *testing.T) {
	s := newSite(t)
	rec := s.post(s.ada, "/tokens", url.Values{"name": {"mlflow"}, "expires": {"30d"}, "usecase": {"churn"}})
	expect(t, rec, http.StatusOK, "copy it now")
	secret := between(rec.Body.String(), `id="secret" class="secret" value="`, `"`)
	req := httptest.NewRequest("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	expect(t, serve(s.srv, req), http.StatusOK, `"name":"Default"`)
	expect(t, s.post(s.bob, "/tokens", url.Values{"name": {"x"}, "expires": {"30d"}, "usecase": {"churn"}}), http.StatusNotFound)
}
