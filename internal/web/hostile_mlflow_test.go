package web

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestHostileMLflow sends the MLflow write paths malformed, mistyped,
// oversized and out-of-range bodies: each is INVALID_PARAMETER_VALUE and
// stores nothing (the audit log does not grow). Unknown fields are ignored,
// as MLflow's server ignores them, so that newer clients keep working.
func TestHostileMLflow(t *testing.T) {
	f := newFixture(t)
	f.mlflowTokens()
	_, run := mlflowSeed(t, f)
	metric := func(n int, key string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"key":%q,"value":1,"timestamp":1,"step":%d}`, key, i)
		}
		return b.String()
	}
	cases := []struct{ name, path, body string }{
		{"malformed", "runs/log-batch", `{"run_id": "` + run + `", "metrics": [`},
		{"two values", "runs/log-batch", `{"run_id": "` + run + `"} {}`},
		{"not an object", "runs/log-batch", `[1, 2]`},
		{"metrics not a list", "runs/log-batch", `{"run_id": "` + run + `", "metrics": {"key": "a"}}`},
		{"value a word", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": "high", "timestamp": 1}`},
		{"value null", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": null, "timestamp": 1}`},
		{"value too large", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": 1e400, "timestamp": 1}`},
		{"no timestamp", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": 1}`},
		{"timestamp fractional", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": 1, "timestamp": 1.5}`},
		{"timestamp huge", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": 1, "timestamp": 99999999999999999999999}`},
		{"step a word", "runs/log-metric", `{"run_id": "` + run + `", "key": "m", "value": 1, "timestamp": 1, "step": "x"}`},
		{"1001 metrics", "runs/log-batch", `{"run_id": "` + run + `", "metrics": [` + metric(1001, "m") + `]}`},
		{"key traversal", "runs/log-batch", `{"run_id": "` + run + `", "metrics": [` + metric(1, "../../etc") + `]}`},
		{"key with NUL", "runs/log-parameter", `{"run_id": "` + run + `", "key": "a\u0000b", "value": "1"}`},
		{"key too long", "runs/set-tag", `{"run_id": "` + run + `", "key": "` + strings.Repeat("k", 251) + `", "value": "1"}`},
		{"value with NUL", "runs/set-tag", `{"run_id": "` + run + `", "key": "k", "value": "a\u0000b"}`},
		{"param too long", "runs/log-parameter", `{"run_id": "` + run + `", "key": "k", "value": "` + strings.Repeat("v", 6001) + `"}`},
		{"status unknown", "runs/update", `{"run_id": "` + run + `", "status": "DONE"}`},
		{"model name control", "registered-models/create", `{"name": "a\nb"}`},
		{"model name upper", "registered-models/create", `{"name": "Scorer"}`},
		{"tags wrong type", "registered-models/create", `{"name": "ok-name", "tags": "x"}`},
		{"source gopher", "model-versions/create", `{"name": "scorer", "source": "gopher://x/y"}`},
		{"source nested encoding", "model-versions/create", `{"name": "scorer", "source": "s3://b/%252e%252e%252fk"}`},
		{"experiment name empty", "experiments/create", `{"name": "   "}`},
		{"experiment file location", "experiments/create", `{"name": "x", "artifact_location": "file:/etc/"}`},
		{"alias numeric", "registered-models/alias", `{"name": "scorer", "alias": "12", "version": "1"}`},
		{"alias version huge", "registered-models/alias", `{"name": "scorer", "alias": "ok", "version": "99999999999999999999"}`},
		{"oversized body", "runs/log-batch", `{"run_id": "` + run + `", "tags": [{"key": "k", "value": "` + strings.Repeat("x", 5<<20) + `"}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.auditSize()
			rec := f.do("mlflow-owner", "POST", "/api/2.0/mlflow/"+c.path, "application/json", []byte(c.body))
			mlflowError(t, rec, 400, "INVALID_PARAMETER_VALUE")
			if f.auditSize() != before {
				t.Fatalf("a refused call changed the audit log")
			}
		})
	}
	// A run id that is not one is simply not found, like any unknown run.
	before := f.auditSize()
	rec := f.do("mlflow-owner", "POST", "/api/2.0/mlflow/runs/log-batch", "application/json",
		[]byte(`{"run_id": "'; DROP TABLE tracking_runs; --", "tags": [{"key": "k", "value": "v"}]}`))
	mlflowError(t, rec, 404, "RESOURCE_DOES_NOT_EXIST")
	if f.auditSize() != before {
		t.Fatalf("a refused call changed the audit log")
	}
	// NaN and infinities are values MLflow allows; unknown fields are ignored.
	for _, v := range []string{`"NaN"`, `"Infinity"`, `"-Infinity"`, `-0.0`, fmt.Sprint(math.MaxFloat64)} {
		body := `{"run_id": "` + run + `", "key": "edge", "value": ` + v + `, "timestamp": "7", "step": "3", "from_a_newer_client": true}`
		if rec := f.do("mlflow-owner", "POST", "/api/2.0/mlflow/runs/log-metric", "application/json", []byte(body)); rec.Code != 200 {
			t.Errorf("log-metric value %s: %d %s", v, rec.Code, rec.Body)
		}
	}
}
