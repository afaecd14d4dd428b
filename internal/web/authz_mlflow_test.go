package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/mlflow"
)

// mlflowCase is how the MLflow authorisation matrix calls one route: a query
// (GETs) or body that alpha's owner could send successfully. {EXP}, {RUN}
// and {MODEL} stand for the seeded experiment, run and logged model.
type mlflowCase struct {
	query string
	body  map[string]any
	// creates marks calls that make something new from nothing in the
	// caller's own use case, which another use case's token may do there.
	creates bool
}

// mlflowMatrix lists every MLflow call (after the prefix). A route in the
// table that is missing here fails TestMLflowAuthorizationMatrix.
var mlflowMatrix = map[string]mlflowCase{
	"POST experiments/create":                        {body: map[string]any{"name": "probe"}, creates: true},
	"GET experiments/get":                            {query: "experiment_id={EXP}"},
	"GET experiments/get-by-name":                    {query: "experiment_name=seeded"},
	"POST experiments/search":                        {body: map[string]any{}, creates: true},
	"GET experiments/search":                         {creates: true},
	"POST experiments/update":                        {body: map[string]any{"experiment_id": "{EXP}", "new_name": "renamed"}},
	"POST experiments/delete":                        {body: map[string]any{"experiment_id": "{EXP}"}},
	"POST experiments/restore":                       {body: map[string]any{"experiment_id": "{EXP}"}},
	"POST experiments/set-experiment-tag":            {body: map[string]any{"experiment_id": "{EXP}", "key": "k", "value": "v"}},
	"POST experiments/delete-experiment-tag":         {body: map[string]any{"experiment_id": "{EXP}", "key": "k"}},
	"POST runs/create":                               {body: map[string]any{"experiment_id": "{EXP}"}},
	"GET runs/get":                                   {query: "run_id={RUN}"},
	"POST runs/update":                               {body: map[string]any{"run_id": "{RUN}", "status": "FINISHED"}},
	"POST runs/delete":                               {body: map[string]any{"run_id": "{RUN}"}},
	"POST runs/restore":                              {body: map[string]any{"run_id": "{RUN}"}},
	"POST runs/search":                               {body: map[string]any{"experiment_ids": []string{"{EXP}"}}},
	"POST runs/log-batch":                            {body: map[string]any{"run_id": "{RUN}", "tags": []any{map[string]string{"key": "k", "value": "v"}}}},
	"POST runs/log-metric":                           {body: map[string]any{"run_id": "{RUN}", "key": "m", "value": 1, "timestamp": 1}},
	"POST runs/log-parameter":                        {body: map[string]any{"run_id": "{RUN}", "key": "p", "value": "1"}},
	"POST runs/set-tag":                              {body: map[string]any{"run_id": "{RUN}", "key": "k", "value": "v"}},
	"POST runs/delete-tag":                           {body: map[string]any{"run_id": "{RUN}", "key": "team"}},
	"POST runs/outputs":                              {body: map[string]any{"run_id": "{RUN}", "models": []any{map[string]string{"model_id": "{MODEL}"}}}},
	"POST runs/log-inputs":                           {body: map[string]any{"run_id": "{RUN}", "datasets": []any{map[string]any{"tags": []any{}, "dataset": map[string]string{"name": "d", "digest": "abc", "source_type": "local", "source": "{}"}}}}},
	"GET metrics/get-history":                        {query: "run_id={RUN}&metric_key=auc"},
	"GET artifacts/list":                             {query: "run_id={RUN}", creates: true},
	"POST logged-models":                             {body: map[string]any{"experiment_id": "{EXP}", "source_run_id": "{RUN}"}},
	"GET logged-models/{model_id}":                   {},
	"PATCH logged-models/{model_id}":                 {body: map[string]any{"status": "LOGGED_MODEL_READY"}},
	"POST logged-models/search":                      {body: map[string]any{"experiment_ids": []string{"{EXP}"}}},
	"PATCH logged-models/{model_id}/tags":            {body: map[string]any{"tags": []any{map[string]string{"key": "k", "value": "v"}}}},
	"DELETE logged-models/{model_id}/tags/{tag_key}": {},
	"POST registered-models/create":                  {body: map[string]any{"name": "probe"}, creates: true},
	"GET registered-models/get":                      {query: "name=scorer"},
	"GET registered-models/search":                   {creates: true},
	"POST registered-models/rename":                  {body: map[string]any{"name": "scorer", "new_name": "scorer-2"}},
	"PATCH registered-models/update":                 {body: map[string]any{"name": "scorer", "description": "x"}},
	"DELETE registered-models/delete":                {body: map[string]any{"name": "scorer"}},
	"POST registered-models/get-latest-versions":     {body: map[string]any{"name": "scorer"}},
	"GET registered-models/get-latest-versions":      {query: "name=scorer"},
	"POST registered-models/set-tag":                 {body: map[string]any{"name": "scorer", "key": "k", "value": "v"}},
	"DELETE registered-models/delete-tag":            {body: map[string]any{"name": "scorer", "key": "team"}},
	"POST registered-models/alias":                   {body: map[string]any{"name": "scorer", "alias": "staging", "version": "1"}},
	"DELETE registered-models/alias":                 {body: map[string]any{"name": "scorer", "alias": "champion"}},
	"GET registered-models/alias":                    {query: "name=scorer&alias=champion"},
	"POST model-versions/create":                     {body: map[string]any{"name": "scorer", "source": "s3://b/k"}},
	"GET model-versions/get":                         {query: "name=scorer&version=1"},
	"GET model-versions/search":                      {query: "filter=name%3D%27scorer%27", creates: true},
	"PATCH model-versions/update":                    {body: map[string]any{"name": "scorer", "version": "1", "description": "x"}},
	"DELETE model-versions/delete":                   {body: map[string]any{"name": "scorer", "version": "1"}},
	"POST model-versions/transition-stage":           {body: map[string]any{"name": "scorer", "version": "1", "stage": "Staging"}},
	"GET model-versions/get-download-uri":            {query: "name=scorer&version=1"},
	"POST model-versions/set-tag":                    {body: map[string]any{"name": "scorer", "version": "1", "key": "k", "value": "v"}},
	"DELETE model-versions/delete-tag":               {body: map[string]any{"name": "scorer", "version": "1", "key": "nope"}},
	"GET artifacts":                                  {creates: true},
	"GET artifacts/{path...}":                        {creates: true},
	"PUT artifacts/{path...}":                        {creates: true},
}

// TestMLflowAuthorizationMatrix exercises every MLflow route under both
// prefixes: 401 with MLflow's body without credentials, 403 for a token
// bound to no use case and for a viewer's token on a write (nothing
// audited), and RESOURCE_DOES_NOT_EXIST for another use case's objects.
func TestMLflowAuthorizationMatrix(t *testing.T) {
	f := newFixture(t)
	f.mlflowTokens()
	exp, run := mlflowSeed(t, f)
	rec := f.mlflowDo("mlflow-owner", "POST", "/api/2.0/mlflow/logged-models", "", map[string]any{"experiment_id": exp, "source_run_id": run})
	_, after, _ := strings.Cut(rec.Body.String(), `"model_id":"`)
	model, _, _ := strings.Cut(after, `"`)
	if model == "" {
		t.Fatalf("logged-models: %s", rec.Body)
	}
	fill := func(s string) string {
		return strings.NewReplacer("{EXP}", exp, "{RUN}", run, "{MODEL}", model, "{model_id}", model, "{tag_key}", "k", "{path...}", "x/y").Replace(s)
	}
	seen := map[string]bool{}
	for _, rt := range f.srv.routes() {
		rel := ""
		for _, p := range append(mlflow.Prefixes, mlflow.ArtifactPrefixes...) {
			if r, ok := strings.CutPrefix(rt.pattern, p); ok {
				rel = r
			}
		}
		if rel == "" {
			continue
		}
		key := rt.method + " " + rel
		seen[key] = true
		c, ok := mlflowMatrix[key]
		if !ok {
			t.Errorf("MLflow route %s %s is not in mlflowMatrix", rt.method, rt.pattern)
			continue
		}
		t.Run(rt.method+" "+rt.pattern, func(t *testing.T) {
			path := fill(rt.pattern)
			body := map[string]any{}
			for k, v := range c.body {
				switch x := v.(type) {
				case string:
					v = fill(x)
				case []string:
					v = []string{fill(x[0])}
				case []any:
					if m, ok := x[0].(map[string]string); ok {
						v = []any{map[string]string{"key": m["key"], "value": m["value"], "model_id": fill(m["model_id"])}}
					}
				}
				body[k] = v
			}
			query := fill(c.query)
			mlflowError(t, f.mlflowDo("", rt.method, path, query, body), http.StatusUnauthorized, "UNAUTHENTICATED")
			mlflowError(t, f.mlflowDo("viewer", rt.method, path, query, body), http.StatusForbidden, "PERMISSION_DENIED")
			write := false
			for _, ep := range append(f.srv.mlflow.Endpoints(), f.srv.mlflow.ArtifactEndpoints()...) {
				if ep.Method+" "+ep.Path == key {
					write = ep.Write
				}
			}
			if write {
				before := f.auditSize()
				mlflowError(t, f.mlflowDo("mlflow-viewer", rt.method, path, query, body), http.StatusForbidden, "PERMISSION_DENIED")
				if f.auditSize() != before {
					t.Fatalf("a viewer's refused write changed the audit log")
				}
			} else if rec := f.mlflowDo("mlflow-viewer", rt.method, path, query, body); rec.Code >= 500 && rec.Code != http.StatusNotImplemented || rec.Code == 401 || rec.Code == 403 {
				t.Fatalf("viewer reading = %d %s", rec.Code, rec.Body)
			}
			if !c.creates {
				mlflowError(t, f.mlflowDo("mlflow-stranger", rt.method, path, query, body), http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST")
			}
		})
	}
	for key := range mlflowMatrix {
		if !seen[key] {
			t.Errorf("mlflowMatrix lists %s, which is not a route", key)
		}
	}
}
